// "Fast scan" of 4-bit PQ codes (André, Kermarrec & Le Scouarnec): codes are regrouped in
// blocks of 32 vectors so that one SIMD byte shuffle reads 16 table entries at once, and the
// query's float lookup table is quantized to 8 bits per entry with a shared scale (sums of m
// entries fit 16 bits for m ≤ 257). The approximate distances rank candidates; callers
// re-rank the best exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vectorx {

constexpr size_t kFastScanBlock = 32;

// Bytes of one packed block for m sub-quantizers.
inline size_t fastscan_block_bytes(size_t m) { return m * 16; }

// Packs n codes (ProductQuantizer's 4-bit layout, (m + 1) / 2 bytes each) into
// ceil(n / 32) blocks; padding vectors get code 0.
std::vector<uint8_t> pack_fastscan(const uint8_t* codes, size_t n, size_t m);

struct QuantizedTable {
  std::vector<uint8_t> lut;  // m × 16
  float bias = 0;            // Σ_j min_c table[j][c]
  float scale = 1;           // quantized units per distance unit
  float dequantize(uint32_t sum) const { return bias + static_cast<float>(sum) / scale; }
  // Largest error of a dequantized sum: half a unit per sub-quantizer.
  float max_error(size_t m) const { return 0.5f * static_cast<float>(m) / scale; }
};

// Quantizes an m × 16 float table (from ProductQuantizer::l2_table and friends) into `out`,
// reusing its storage (called once per probed list).
void quantize_table(const float* table, size_t m, QuantizedTable& out);

// Quantized sums for all n vectors of a packed list, whose blocks start `block_stride` bytes
// apart (0: back to back).
void fastscan(const uint8_t* packed, size_t n, size_t m, const QuantizedTable& table, uint16_t* out,
              size_t block_stride = 0);

}  // namespace vectorx
