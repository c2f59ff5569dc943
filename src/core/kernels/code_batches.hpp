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

// Σ w_i·code_i over one block of r 4-bit codes (kNibbleBlock's layout), a code at a time: the
// portable kernel, and every level's last, partial block.
inline int64_t nibble_block_dot(const int16_t* w, const uint8_t* packed, size_t r) {
  const size_t h = (r + 1) / 2;
  int64_t sum = 0;
  for (size_t j = 0; j < h; ++j) {
    sum += int64_t{w[j]} * (packed[j] & 15);
    if (h + j < r) sum += int64_t{w[h + j]} * (packed[j] >> 4);
  }
  return sum;
}

inline int64_t sq4_dot_portable(const int16_t* w, const uint8_t* codes, size_t n) {
  int64_t sum = 0;
  for (size_t base = 0; base < n; base += kNibbleBlock)
    sum += nibble_block_dot(w + base, codes + base / 2, n - base < kNibbleBlock ? n - base : kNibbleBlock);
  return sum;
}

}  // namespace
}  // namespace vectorx::detail
