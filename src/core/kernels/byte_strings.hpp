// Byte-string kernels shared by every kernel level (popcounts, and the portable PQ fast scan). Each kernel translation
// unit compiles this with its own flags, so the AVX2/AVX-512 units get the hardware POPCNT
// instruction and the portable ones the compiler's fallback. Internal linkage keeps the
// differently compiled copies apart.
#pragma once

#include <cstring>

#include "vectorx/kernels.h"

namespace vectorx::detail {
namespace {

inline uint64_t load_u64(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

uint64_t hamming_words(const uint8_t* a, const uint8_t* b, size_t nbytes) {
  uint64_t c0 = 0, c1 = 0;
  size_t i = 0;
  for (; i + 16 <= nbytes; i += 16) {
    c0 += static_cast<uint64_t>(__builtin_popcountll(load_u64(a + i) ^ load_u64(b + i)));
    c1 += static_cast<uint64_t>(__builtin_popcountll(load_u64(a + i + 8) ^ load_u64(b + i + 8)));
  }
  for (; i < nbytes; ++i) c0 += static_cast<uint64_t>(__builtin_popcount(a[i] ^ b[i]));
  return c0 + c1;
}

BitCounts and_or_count_words(const uint8_t* a, const uint8_t* b, size_t nbytes) {
  BitCounts c{0, 0};
  size_t i = 0;
  for (; i + 8 <= nbytes; i += 8) {
    const uint64_t x = load_u64(a + i), y = load_u64(b + i);
    c.intersection += static_cast<uint64_t>(__builtin_popcountll(x & y));
    c.union_ += static_cast<uint64_t>(__builtin_popcountll(x | y));
  }
  for (; i < nbytes; ++i) {
    c.intersection += static_cast<uint64_t>(__builtin_popcount(a[i] & b[i]));
    c.union_ += static_cast<uint64_t>(__builtin_popcount(a[i] | b[i]));
  }
  return c;
}

// 4-bit PQ fast scan, portable: byte b of sub-quantizer j's 16 bytes holds vector b's code in
// the low nibble and vector b+16's in the high nibble; lut holds 16 uint8 entries per j.
inline void pq4_scan_block_portable(const uint8_t* block, const uint8_t* lut, size_t m, uint16_t* out) {
  for (size_t v = 0; v < 32; ++v) out[v] = 0;
  for (size_t j = 0; j < m; ++j)
    for (size_t b = 0; b < 16; ++b) {
      const uint8_t byte = block[j * 16 + b];
      out[b] = static_cast<uint16_t>(out[b] + lut[j * 16 + (byte & 0x0f)]);
      out[b + 16] = static_cast<uint16_t>(out[b + 16] + lut[j * 16 + (byte >> 4)]);
    }
}

}  // namespace
}  // namespace vectorx::detail
