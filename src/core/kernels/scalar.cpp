// Portable kernels: the fallback level and the baseline every SIMD level must match.
// Four independent accumulators keep the add chains short without changing the algorithm.
#include "vectorx/kernels.h"

#include <algorithm>
#include <cmath>

#include "byte_strings.hpp"
#include "code_batches.hpp"

namespace vectorx::detail {
namespace {

constexpr size_t kLanes = 4;

template <typename Load, typename Term>
float accumulate(size_t n, Load load, Term term) {
  float acc[kLanes] = {0, 0, 0, 0};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (size_t l = 0; l < kLanes; ++l) acc[l] += term(load(0, i + l), load(1, i + l));
  for (; i < n; ++i) acc[0] += term(load(0, i), load(1, i));
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

template <typename T, typename Load>
DotNorms dot_norms(const T* a, const T* b, size_t n, Load load) {
  DotNorms r{0, 0, 0};
  for (size_t i = 0; i < n; ++i) {
    const float x = load(a[i]), y = load(b[i]);
    r.dot += x * y;
    r.norm_a += x * x;
    r.norm_b += y * y;
  }
  return r;
}

float as_float(float x) { return x; }
float from_half(half_bits h) { return half_to_float(h); }

template <typename T, float (*Conv)(T)>
struct Ops {
  static float l2sq(const T* a, const T* b, size_t n) {
    return accumulate(
        n, [&](int which, size_t i) { return Conv(which ? b[i] : a[i]); },
        [](float x, float y) { return (x - y) * (x - y); });
  }
  static float dot(const T* a, const T* b, size_t n) {
    return accumulate(
        n, [&](int which, size_t i) { return Conv(which ? b[i] : a[i]); },
        [](float x, float y) { return x * y; });
  }
  static float l1(const T* a, const T* b, size_t n) {
    return accumulate(
        n, [&](int which, size_t i) { return Conv(which ? b[i] : a[i]); },
        [](float x, float y) { return std::fabs(x - y); });
  }
  static DotNorms norms(const T* a, const T* b, size_t n) { return dot_norms(a, b, n, Conv); }
};

// 4-bit table quantization; the SIMD levels reproduce it exactly (no fused
// multiply-add, row minima summed in row order).
Lut16Bounds lut16_bounds(const float* table, size_t m) {
  Lut16Bounds b{0, 0};
  for (size_t j = 0; j < m; ++j) {
    float lo = table[j * 16], hi = lo;
    for (size_t c = 1; c < 16; ++c) {
      lo = std::min(lo, table[j * 16 + c]);
      hi = std::max(hi, table[j * 16 + c]);
    }
    b.bias += lo;
    b.widest = std::max(b.widest, hi - lo);
  }
  return b;
}

void lut16_quantize(const float* table, size_t m, float scale, uint8_t* lut) {
  for (size_t j = 0; j < m; ++j) {
    const float* row = table + j * 16;
    const float lo = *std::min_element(row, row + 16);
    for (size_t c = 0; c < 16; ++c) {
      const float scaled = (row[c] - lo) * scale;
      lut[j * 16 + c] = static_cast<uint8_t>(std::min(255.0f, scaled + 0.5f));
    }
  }
}

float sq8_l2sq(const float* r, const float* step, const uint8_t* codes, size_t n) {
  return accumulate(
      n, [&](int which, size_t i) { return which ? step[i] * static_cast<float>(codes[i]) : r[i]; },
      [](float x, float y) { return (x - y) * (x - y); });
}

float sq8_l1(const float* r, const float* step, const uint8_t* codes, size_t n) {
  return accumulate(
      n, [&](int which, size_t i) { return which ? step[i] * static_cast<float>(codes[i]) : r[i]; },
      [](float x, float y) { return std::fabs(x - y); });
}

int64_t sq8_dot(const int16_t* w, const uint8_t* codes, size_t n) {
  int64_t sum = 0;
  for (size_t i = 0; i < n; ++i) sum += int64_t{w[i]} * codes[i];
  return sum;
}

using F32 = Ops<float, as_float>;
using F16 = Ops<half_bits, from_half>;

const KernelTable kTable = {
    F32::l2sq, F32::dot, F32::norms, F32::l1, F16::l2sq, F16::dot, F16::norms, F16::l1,
    hamming_words, and_or_count_words, pq4_scan_block_portable,
    lut16_bounds, lut16_quantize, sq8_batch<sq8_l2sq>, sq8_batch<sq8_l1>, sq8_batch<sq8_dot>,
    sq8_batch<sq4_dot_portable>,
};

}  // namespace

const KernelTable& scalar_kernels() noexcept { return kTable; }

}  // namespace vectorx::detail
