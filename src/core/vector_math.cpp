// Whole-vector operations (see vector_math.h).
#include "vectorx/vector_math.h"

#include <algorithm>
#include <cmath>

namespace vectorx {

double cosine_distance(const DotNorms& p) noexcept {
  double similarity =
      static_cast<double>(p.dot) / std::sqrt(static_cast<double>(p.norm_a) * p.norm_b);
  if (std::isnan(similarity)) return similarity;
  similarity = std::clamp(similarity, -1.0, 1.0);
  return 1.0 - similarity;
}

double jaccard_distance(const BitCounts& c) noexcept {
  if (c.intersection == 0) return 1.0;
  return 1.0 - static_cast<double>(c.intersection) / static_cast<double>(c.union_);
}

namespace {

// Walks two sparse vectors in index order: both(x, y) where both are present,
// only(x) where one is. Accumulates in float like the dense kernels.
template <typename Both, typename Only>
float merge(const SparseView& a, const SparseView& b, Both both, Only only) noexcept {
  float acc = 0;
  size_t i = 0, j = 0;
  while (i < a.nnz && j < b.nnz) {
    if (a.indices[i] == b.indices[j])
      acc += both(a.values[i++], b.values[j++]);
    else if (a.indices[i] < b.indices[j])
      acc += only(a.values[i++]);
    else
      acc += only(b.values[j++]);
  }
  for (; i < a.nnz; ++i) acc += only(a.values[i]);
  for (; j < b.nnz; ++j) acc += only(b.values[j]);
  return acc;
}

float apply(ArithOp op, float x, float y) noexcept {
  switch (op) {
    case ArithOp::kAdd:
      return x + y;
    case ArithOp::kSub:
      return x - y;
    case ArithOp::kMul:
      return x * y;
  }
  return 0;
}

template <typename T, typename Conv>
double norm_of(const T* a, size_t n, Conv conv) noexcept {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(conv(a[i])) * conv(a[i]);
  return std::sqrt(s);
}

template <typename T, typename Conv>
void quantize(const T* a, size_t n, uint8_t* out, Conv conv) noexcept {
  std::fill(out, out + (n + 7) / 8, 0);
  for (size_t i = 0; i < n; ++i)
    if (conv(a[i]) > 0) out[i / 8] |= static_cast<uint8_t>(0x80u >> (i % 8));
}

template <typename T, typename Conv>
int compare_as_float(const T* a, size_t na, const T* b, size_t nb, Conv conv) noexcept {
  const size_t n = std::min(na, nb);
  for (size_t i = 0; i < n; ++i) {
    const float x = conv(a[i]), y = conv(b[i]);
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return na < nb ? -1 : (na > nb ? 1 : 0);
}

float identity(float x) { return x; }

}  // namespace

float sparse_l2sq(const SparseView& a, const SparseView& b) noexcept {
  return merge(
      a, b, [](float x, float y) { return (x - y) * (x - y); }, [](float x) { return x * x; });
}

float sparse_dot(const SparseView& a, const SparseView& b) noexcept {
  return merge(a, b, [](float x, float y) { return x * y; }, [](float) { return 0.0f; });
}

float sparse_l1(const SparseView& a, const SparseView& b) noexcept {
  return merge(
      a, b, [](float x, float y) { return std::fabs(x - y); }, [](float x) { return std::fabs(x); });
}

float sparse_norm_sq(const SparseView& a) noexcept {
  float s = 0;
  for (size_t i = 0; i < a.nnz; ++i) s += a.values[i] * a.values[i];
  return s;
}

ArithStatus elementwise(ArithOp op, const float* a, const float* b, float* out, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = apply(op, a[i], b[i]);
  for (size_t i = 0; i < n; ++i) {
    if (std::isinf(out[i])) return ArithStatus::kOverflow;
    if (op == ArithOp::kMul && out[i] == 0 && a[i] != 0 && b[i] != 0) return ArithStatus::kUnderflow;
  }
  return ArithStatus::kOk;
}

ArithStatus elementwise(ArithOp op, const half_bits* a, const half_bits* b, half_bits* out, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) {
    const float x = half_to_float(a[i]), y = half_to_float(b[i]);
    if (!float_to_half(apply(op, x, y), &out[i])) return ArithStatus::kOverflow;
    if (op == ArithOp::kMul && half_to_float(out[i]) == 0 && x != 0 && y != 0) return ArithStatus::kUnderflow;
  }
  return ArithStatus::kOk;
}

double l2_norm(const float* a, size_t n) noexcept { return norm_of(a, n, identity); }
double l2_norm(const half_bits* a, size_t n) noexcept { return norm_of(a, n, half_to_float); }

void l2_normalize(const float* a, float* out, size_t n) noexcept {
  const double norm = l2_norm(a, n);
  for (size_t i = 0; i < n; ++i) out[i] = norm > 0 ? static_cast<float>(a[i] / norm) : 0.0f;
}

void l2_normalize(const half_bits* a, half_bits* out, size_t n) noexcept {
  const double norm = l2_norm(a, n);
  for (size_t i = 0; i < n; ++i) {
    const float v = norm > 0 ? static_cast<float>(half_to_float(a[i]) / norm) : 0.0f;
    float_to_half(v, &out[i]);  // |v| <= 1 always fits
  }
}

void binary_quantize(const float* a, size_t n, uint8_t* out) noexcept {
  quantize(a, n, out, identity);
}

void binary_quantize(const half_bits* a, size_t n, uint8_t* out) noexcept {
  quantize(a, n, out, half_to_float);
}

int compare(const float* a, size_t na, const float* b, size_t nb) noexcept {
  return compare_as_float(a, na, b, nb, identity);
}

int compare(const half_bits* a, size_t na, const half_bits* b, size_t nb) noexcept {
  return compare_as_float(a, na, b, nb, half_to_float);
}

int compare_sparse(const SparseView& a, const SparseView& b) noexcept {
  size_t i = 0, j = 0;
  const int64_t common = std::min(a.dim, b.dim);
  // The first coordinate (below the common dims) where the dense forms differ decides.
  while (i < a.nnz || j < b.nnz) {
    const int64_t ia = i < a.nnz ? a.indices[i] : INT64_MAX;
    const int64_t ib = j < b.nnz ? b.indices[j] : INT64_MAX;
    const int64_t at = std::min(ia, ib);
    if (at >= common) break;
    const float x = ia == at ? a.values[i++] : 0.0f;
    const float y = ib == at ? b.values[j++] : 0.0f;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return a.dim < b.dim ? -1 : (a.dim > b.dim ? 1 : 0);
}

Window subvector_window(size_t n, int64_t start, int64_t count) noexcept {
  if (count < 1) return {0, 0};
  // end = start + count without overflow, then clip [start, end) to [1, n + 1).
  const int64_t end = start > INT64_MAX - count ? INT64_MAX : start + count;
  const int64_t lo = std::max<int64_t>(start, 1);
  const int64_t hi = std::min<int64_t>(end, static_cast<int64_t>(n) + 1);
  if (hi <= lo) return {0, 0};
  return {static_cast<size_t>(lo - 1), static_cast<size_t>(hi - lo)};
}

}  // namespace vectorx
