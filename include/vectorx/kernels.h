// Distance kernels, chosen once at load time by CPU features.
//
// Every kernel exists at four levels: kScalar (portable C++, the fallback and the reference
// for dispatch), kSSE2, kAVX2 (AVX2 + FMA + F16C) and kAVX512 (AVX-512 F/BW/DQ). The SIMD
// levels share one xsimd template, compiled once per instruction set in its own translation
// unit; the library never needs -march=native.
#pragma once

#include <cstddef>
#include <cstdint>

#include "vectorx/float16.h"

namespace vectorx {

enum class SimdLevel { kScalar = 0, kSSE2 = 1, kAVX2 = 2, kAVX512 = 3 };

const char* simd_level_name(SimdLevel level) noexcept;

struct DotNorms {
  float dot;     // a·b
  float norm_a;  // a·a
  float norm_b;  // b·b
};

struct BitCounts {
  uint64_t intersection;  // popcount(a & b)
  uint64_t union_;        // popcount(a | b)
};

// A 4-bit PQ lookup table's range (pq_fastscan.h): Σ of the 16-entry rows' minima, and the
// widest row (max - min).
struct Lut16Bounds {
  float bias;
  float widest;
};

// The largest |w_i| sq8_dot sums exactly over n elements: each 32-bit lane adds at most one
// pair of products (2·|w_i|·255) per 32 elements and must stay below 2^31 (32767 up to 4096
// elements).
constexpr int32_t sq8_dot_weight_limit(size_t n) {
  const size_t pairs_per_lane = n > 32 ? (n + 31) / 32 : 1;
  const size_t limit = 2147483647 / (510 * pairs_per_lane);
  return static_cast<int32_t>(limit < 32767 ? limit : 32767);
}

// Dimensions a block of 4-bit codes packs (the layout: ivf/bounded_codes.h).
constexpr size_t kNibbleBlock = 32;

// 4-bit dot products take their weights in the codes' byte order, so that a kernel multiplies
// the nibbles where a load leaves them: each 64 bytes of codes (32 16-bit words) have four runs
// of 32 weights, for the low and high nibbles of the words' first bytes, then of their second
// bytes; 0 where a nibble holds no dimension. sq4_weight_slot(p) is where the weight of byte
// p's low nibble goes, its high nibble's 32 further on.
constexpr size_t kSq4ChunkBytes = 64;
constexpr size_t sq4_weight_slot(size_t p) {
  return p / kSq4ChunkBytes * 2 * kSq4ChunkBytes + (p & 1) * kSq4ChunkBytes + p % kSq4ChunkBytes / 2;
}
constexpr size_t sq4_weight_count(size_t n) {
  return ((n + 1) / 2 + kSq4ChunkBytes - 1) / kSq4ChunkBytes * 2 * kSq4ChunkBytes;
}
// Lays out the weights w[0..n) of n 4-bit codes into out[0..sq4_weight_count(n)).
void sq4_weights(const int16_t* w, size_t n, int16_t* out);

struct KernelTable {
  float (*l2sq_f32)(const float* a, const float* b, size_t n);
  float (*dot_f32)(const float* a, const float* b, size_t n);
  DotNorms (*dot_norms_f32)(const float* a, const float* b, size_t n);
  float (*l1_f32)(const float* a, const float* b, size_t n);

  float (*l2sq_f16)(const half_bits* a, const half_bits* b, size_t n);
  float (*dot_f16)(const half_bits* a, const half_bits* b, size_t n);
  DotNorms (*dot_norms_f16)(const half_bits* a, const half_bits* b, size_t n);
  float (*l1_f16)(const half_bits* a, const half_bits* b, size_t n);

  uint64_t (*hamming)(const uint8_t* a, const uint8_t* b, size_t nbytes);
  BitCounts (*and_or_count)(const uint8_t* a, const uint8_t* b, size_t nbytes);

  // 4-bit PQ fast scan (pq_fastscan.h): for one block of 32 vectors, out[v] = Σ_j lut[j][code].
  void (*pq4_scan_block)(const uint8_t* block, const uint8_t* lut, size_t m, uint16_t* out);
  // Its 8-bit table from m rows of 16 floats: lut16_bounds, then lut16_quantize writes
  // min(255, trunc((t - row min) * scale + 0.5)) for every entry t. Every level gives the same bytes.
  Lut16Bounds (*lut16_bounds)(const float* table, size_t m);
  void (*lut16_quantize)(const float* table, size_t m, float scale, uint8_t* lut);

  // 8-bit scalar codes (ivf/bounded_codes.h), element i standing for lo_i + step_i * code_i:
  // sq8_l2sq = Σ (r_i - step_i·code_i)² and sq8_l1 = Σ |r_i - step_i·code_i| with r = q - lo;
  // sq8_dot = Σ w_i·code_i with integer weights, exact (every level gives the same sums)
  // while |w_i| ≤ sq8_dot_weight_limit(n). Each scores `count` codes of n elements, `stride` bytes
  // apart, into out[0..count).
  void (*sq8_l2sq)(const float* r, const float* step, const uint8_t* codes, size_t stride, size_t count, size_t n,
                   float* out);
  void (*sq8_l1)(const float* r, const float* step, const uint8_t* codes, size_t stride, size_t count, size_t n,
                 float* out);
  void (*sq8_dot)(const int16_t* w, const uint8_t* codes, size_t stride, size_t count, size_t n, int64_t* out);
  // sq8_dot over 4-bit codes (kNibbleBlock's layout), exact under the same weight limit; `w`
  // is laid out by sq4_weights.
  void (*sq4_dot)(const int16_t* w, const uint8_t* codes, size_t stride, size_t count, size_t n, int64_t* out);
};

// The best level this CPU (and this build) supports.
SimdLevel detected_simd_level() noexcept;

// The table for one level; returns nullptr if this CPU cannot run it.
const KernelTable* kernel_table(SimdLevel level) noexcept;

// The active table, used by everything that computes distances. Starts at the detected level
// (or kScalar when the environment variable VECTORX_FORCE_SCALAR is set to a non-empty value
// other than "0").
const KernelTable& kernels() noexcept;
SimdLevel active_simd_level() noexcept;

// Switches the active table; false (and no change) if the CPU cannot run `level`.
bool set_active_simd_level(SimdLevel level) noexcept;

// The active table's kernels by element type: float (vector) or half_bits (halfvec).
inline float l2sq(const float* a, const float* b, size_t n) { return kernels().l2sq_f32(a, b, n); }
inline float l2sq(const half_bits* a, const half_bits* b, size_t n) {
  return kernels().l2sq_f16(a, b, n);
}
inline float dot(const float* a, const float* b, size_t n) { return kernels().dot_f32(a, b, n); }
inline float dot(const half_bits* a, const half_bits* b, size_t n) {
  return kernels().dot_f16(a, b, n);
}
inline float l1(const float* a, const float* b, size_t n) { return kernels().l1_f32(a, b, n); }
inline float l1(const half_bits* a, const half_bits* b, size_t n) {
  return kernels().l1_f16(a, b, n);
}
inline DotNorms dot_norms(const float* a, const float* b, size_t n) {
  return kernels().dot_norms_f32(a, b, n);
}
inline DotNorms dot_norms(const half_bits* a, const half_bits* b, size_t n) {
  return kernels().dot_norms_f16(a, b, n);
}

namespace detail {
// One per translation unit / instruction set (kernels_<level>.cpp).
const KernelTable& scalar_kernels() noexcept;
const KernelTable& sse2_kernels() noexcept;
const KernelTable& avx2_kernels() noexcept;
const KernelTable& avx512_kernels() noexcept;
}  // namespace detail

}  // namespace vectorx
