// Operator distances and the index Space over payloads (metric.h).
#include "vectorx/metric.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "vectorx/kernels.h"
#include "vectorx/limits.h"

namespace vectorx {
namespace {

template <typename Elem>
double dense(Metric metric, const Elem* a, const Elem* b, size_t n) noexcept {
  switch (metric) {
    case Metric::kL2:
      return std::sqrt(static_cast<double>(l2sq(a, b, n)));
    case Metric::kInnerProduct:
      return -static_cast<double>(dot(a, b, n));
    case Metric::kCosine:
      return cosine_distance(dot_norms(a, b, n));
    case Metric::kL1:
      return static_cast<double>(l1(a, b, n));
    default:
      return std::nan("");
  }
}

}  // namespace

double dense_distance(Metric metric, const float* a, const float* b, size_t n) noexcept { return dense(metric, a, b, n); }

double dense_distance(Metric metric, const half_bits* a, const half_bits* b, size_t n) noexcept {
  return dense(metric, a, b, n);
}

double sparse_distance(Metric metric, const SparseView& a, const SparseView& b) noexcept {
  switch (metric) {
    case Metric::kL2:
      return std::sqrt(static_cast<double>(sparse_l2sq(a, b)));
    case Metric::kInnerProduct:
      return -static_cast<double>(sparse_dot(a, b));
    case Metric::kCosine:
      return cosine_distance(DotNorms{sparse_dot(a, b), sparse_norm_sq(a), sparse_norm_sq(b)});
    case Metric::kL1:
      return static_cast<double>(sparse_l1(a, b));
    default:
      return std::nan("");
  }
}

double bit_distance(Metric metric, const uint8_t* a, const uint8_t* b, size_t nbytes) noexcept {
  if (metric == Metric::kHamming) return static_cast<double>(kernels().hamming(a, b, nbytes));
  if (metric == Metric::kJaccard) return jaccard_distance(kernels().and_or_count(a, b, nbytes));
  return std::nan("");
}

const char* metric_name(Metric metric) noexcept {
  switch (metric) {
    case Metric::kL2:
      return "l2";
    case Metric::kInnerProduct:
      return "inner_product";
    case Metric::kCosine:
      return "cosine";
    case Metric::kL1:
      return "l1";
    case Metric::kHamming:
      return "hamming";
    case Metric::kJaccard:
      return "jaccard";
  }
  return "?";
}

Space::Space(ElementKind kind, Metric metric, int64_t dim) : kind_(kind), metric_(metric), dim_(dim) {}

bool Space::valid(ElementKind kind, Metric metric) {
  const bool bit_metric = metric == Metric::kHamming || metric == Metric::kJaccard;
  const bool known_metric = metric >= Metric::kL2 && metric <= Metric::kJaccard;
  const bool known_kind = kind >= ElementKind::kFloat32 && kind <= ElementKind::kBit;
  return known_metric && known_kind && (kind == ElementKind::kBit) == bit_metric;
}

SparseView Space::sparse_view(const uint8_t* payload) const noexcept {
  int32_t nnz;
  std::memcpy(&nnz, payload, sizeof nnz);
  const auto* indices = reinterpret_cast<const int32_t*>(payload + 8);
  return {dim_, static_cast<size_t>(nnz), indices, reinterpret_cast<const float*>(indices + nnz)};
}

double Space::key(const uint8_t* a, const uint8_t* b) const noexcept {
  const double k = raw_key(a, b);
  if (std::isnan(k)) return std::numeric_limits<double>::infinity();
  return k == std::numeric_limits<double>::infinity() ? std::numeric_limits<double>::max() : k;
}

bool Space::cosine_by_dot() const noexcept {
  return metric_ == Metric::kCosine && (kind_ == ElementKind::kFloat32 || kind_ == ElementKind::kFloat16);
}

// In double: the squared norm of large float values does not overflow.
double Space::inverse_norm(const uint8_t* payload) const noexcept {
  const auto n = static_cast<size_t>(dim_);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    float v;
    if (kind_ == ElementKind::kFloat16) {
      half_bits h;
      std::memcpy(&h, payload + i * sizeof h, sizeof h);
      v = half_to_float(h);
    } else {
      std::memcpy(&v, payload + i * sizeof v, sizeof v);
    }
    sum += double{v} * v;
  }
  return 1 / std::sqrt(sum);
}

double Space::cosine_key_by_dot(const uint8_t* a, const uint8_t* b, double inverse_norms) const noexcept {
  const auto n = static_cast<size_t>(dim_);
  const float d = kind_ == ElementKind::kFloat16
                      ? dot(reinterpret_cast<const half_bits*>(a), reinterpret_cast<const half_bits*>(b), n)
                      : dot(reinterpret_cast<const float*>(a), reinterpret_cast<const float*>(b), n);
  const double similarity = static_cast<double>(d) * inverse_norms;
  if (std::isnan(similarity)) return std::numeric_limits<double>::infinity();
  return 1.0 - std::clamp(similarity, -1.0, 1.0);
}

double Space::raw_key(const uint8_t* a, const uint8_t* b) const noexcept {
  const auto n = static_cast<size_t>(dim_);
  const bool l2 = metric_ == Metric::kL2;
  switch (kind_) {
    case ElementKind::kFloat32: {
      const auto* x = reinterpret_cast<const float*>(a);
      const auto* y = reinterpret_cast<const float*>(b);
      return l2 ? static_cast<double>(l2sq(x, y, n)) : dense(metric_, x, y, n);
    }
    case ElementKind::kFloat16: {
      const auto* x = reinterpret_cast<const half_bits*>(a);
      const auto* y = reinterpret_cast<const half_bits*>(b);
      return l2 ? static_cast<double>(l2sq(x, y, n)) : dense(metric_, x, y, n);
    }
    case ElementKind::kSparse:
      return l2 ? static_cast<double>(sparse_l2sq(sparse_view(a), sparse_view(b)))
                : sparse_distance(metric_, sparse_view(a), sparse_view(b));
    case ElementKind::kBit:
      return bit_distance(metric_, a, b, (n + 7) / 8);
  }
  return std::nan("");
}

double Space::distance_from_key(double key) const noexcept {
  if (key == std::numeric_limits<double>::infinity()) return std::nan("");
  if (key == std::numeric_limits<double>::max()) return std::numeric_limits<double>::infinity();
  return metric_ == Metric::kL2 ? std::sqrt(key) : key;
}

size_t Space::payload_size(const uint8_t* payload, size_t available) const noexcept {
  const auto n = static_cast<size_t>(dim_);
  switch (kind_) {
    case ElementKind::kFloat32:
      return n * sizeof(float) <= available ? n * sizeof(float) : 0;
    case ElementKind::kFloat16:
      return n * sizeof(half_bits) <= available ? n * sizeof(half_bits) : 0;
    case ElementKind::kBit:
      return (n + 7) / 8 <= available ? (n + 7) / 8 : 0;
    case ElementKind::kSparse: {
      if (available < 8) return 0;
      int32_t nnz;
      std::memcpy(&nnz, payload, sizeof nnz);
      if (nnz < 0 || nnz > kSparseMaxNnz) return 0;
      const size_t size = 8 + 8 * static_cast<size_t>(nnz);
      return size <= available ? size : 0;
    }
  }
  return 0;
}

int64_t Space::max_index_dim(ElementKind kind) {
  switch (kind) {
    case ElementKind::kBit:
      return 64000;
    case ElementKind::kSparse:
      return kSparseMaxDim;
    default:
      return kMaxDim;
  }
}

size_t Space::max_payload_size() const noexcept {
  const auto n = static_cast<size_t>(dim_);
  switch (kind_) {
    case ElementKind::kFloat32:
      return n * sizeof(float);
    case ElementKind::kFloat16:
      return n * sizeof(half_bits);
    case ElementKind::kBit:
      return (n + 7) / 8;
    case ElementKind::kSparse:
      return 8 + 8 * static_cast<size_t>(kSparseMaxNnz);
  }
  return 0;
}

bool Space::indexable(const uint8_t* payload) const noexcept {
  if (metric_ != Metric::kCosine) return true;
  const auto n = static_cast<size_t>(dim_);
  switch (kind_) {
    case ElementKind::kFloat32:
      return l2_norm(reinterpret_cast<const float*>(payload), n) > 0;
    case ElementKind::kFloat16:
      return l2_norm(reinterpret_cast<const half_bits*>(payload), n) > 0;
    case ElementKind::kSparse:
      return sparse_norm_sq(sparse_view(payload)) > 0;
    case ElementKind::kBit:
      return true;
  }
  return true;
}

std::vector<uint8_t> Space::stand_in_query() const {
  const auto n = static_cast<size_t>(dim_);
  switch (kind_) {
    case ElementKind::kFloat32: {
      std::vector<uint8_t> out(n * sizeof(float), 0);
      const float one = 1.0f;
      std::memcpy(out.data(), &one, sizeof one);
      return out;
    }
    case ElementKind::kFloat16: {
      std::vector<uint8_t> out(n * sizeof(half_bits), 0);
      half_bits one;
      float_to_half(1.0f, &one);
      std::memcpy(out.data(), &one, sizeof one);
      return out;
    }
    case ElementKind::kSparse: {  // nnz 1, unused, index 0, value 1
      const int32_t header[3] = {1, 0, 0};
      const float one = 1.0f;
      std::vector<uint8_t> out(sizeof header + sizeof one);
      std::memcpy(out.data(), header, sizeof header);
      std::memcpy(out.data() + sizeof header, &one, sizeof one);
      return out;
    }
    case ElementKind::kBit:
      return std::vector<uint8_t>((n + 7) / 8, 0);
  }
  return {};
}

}  // namespace vectorx
