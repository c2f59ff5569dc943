// 4-bit PQ fast scan (see pq_fastscan.h).
#include "vectorx/pq_fastscan.h"

#include <algorithm>
#include <cmath>

#include "vectorx/kernels.h"

namespace vectorx {

std::vector<uint8_t> pack_fastscan(const uint8_t* codes, size_t n, size_t m) {
  const size_t code_size = (m + 1) / 2, blocks = (n + kFastScanBlock - 1) / kFastScanBlock;
  std::vector<uint8_t> packed(blocks * fastscan_block_bytes(m), 0);
  for (size_t v = 0; v < n; ++v) {
    uint8_t* block = packed.data() + (v / kFastScanBlock) * fastscan_block_bytes(m);
    const size_t lane = v % kFastScanBlock, byte = lane % 16, shift = lane < 16 ? 0 : 4;
    for (size_t j = 0; j < m; ++j) {
      const uint8_t c = (j % 2 == 0) ? (codes[v * code_size + j / 2] & 0x0f) : (codes[v * code_size + j / 2] >> 4);
      block[j * 16 + byte] = static_cast<uint8_t>(block[j * 16 + byte] | (c << shift));
    }
  }
  return packed;
}

void quantize_table(const float* table, size_t m, QuantizedTable& out) {
  const Lut16Bounds bounds = kernels().lut16_bounds(table, m);
  out.bias = bounds.bias;
  out.scale = bounds.widest > 0 ? 255.0f / bounds.widest : 1.0f;
  out.lut.resize(m * 16);
  kernels().lut16_quantize(table, m, out.scale, out.lut.data());
}

void fastscan(const uint8_t* packed, size_t n, size_t m, const QuantizedTable& table, uint16_t* out,
              size_t block_stride) {
  const auto scan = kernels().pq4_scan_block;
  const size_t stride = block_stride ? block_stride : fastscan_block_bytes(m);
  uint16_t block_out[kFastScanBlock];
  for (size_t start = 0; start < n; start += kFastScanBlock) {
    scan(packed + (start / kFastScanBlock) * stride, table.lut.data(), m, block_out);
    std::copy(block_out, block_out + std::min(kFastScanBlock, n - start), out + start);
  }
}

}  // namespace vectorx
