// Batch forms of the 8-bit code kernels, shared by every kernel level: one call scores the
// codes of a whole page (`count` codes `stride` bytes apart), so the per-code kernel is inlined
// into the loop instead of called through the table once a code. Internal linkage keeps the
// differently compiled copies apart, as in byte_strings.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

#include "vectorx/kernels.h"

namespace vectorx::detail {
namespace {

// out[e] = One(r, step, codes + e·stride, n): codes scored against two float arrays.
template <float (*One)(const float*, const float*, const uint8_t*, size_t)>
void sq8_batch(const float* r, const float* step, const uint8_t* codes, size_t stride, size_t count, size_t n,
               float* out) {
  for (size_t e = 0; e < count; ++e) out[e] = One(r, step, codes + e * stride, n);
}

// out[e] = One(w, codes + e·stride, n): codes scored against integer weights.
template <int64_t (*One)(const int16_t*, const uint8_t*, size_t)>
void sq8_batch(const int16_t* w, const uint8_t* codes, size_t stride, size_t count, size_t n, int64_t* out) {
  for (size_t e = 0; e < count; ++e) out[e] = One(w, codes + e * stride, n);
}

// Σ over bytes [from, bytes) of a 4-bit code, byte by byte (weights laid out by sq4_weights):
// the portable kernel, and the SIMD levels' last bytes.
inline int64_t sq4_bytes_dot(const int16_t* w, const uint8_t* codes, size_t from, size_t bytes) {
  int64_t sum = 0;
  for (size_t p = from; p < bytes; ++p) {
    const int16_t* low = w + sq4_weight_slot(p);
    sum += int64_t{low[0]} * (codes[p] & 15) + int64_t{low[kSq4ChunkBytes / 2]} * (codes[p] >> 4);
  }
  return sum;
}

inline int64_t sq4_dot_portable(const int16_t* w, const uint8_t* codes, size_t n) {
  return sq4_bytes_dot(w, codes, 0, (n + 1) / 2);
}

}  // namespace
}  // namespace vectorx::detail
