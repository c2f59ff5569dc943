// 4-bit PQ fast scan: every kernel level equals the portable loop exactly, the packed layout
// reproduces each vector's codes, and dequantized sums stay within the stated error of the
// float table sums.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "test_data.h"
#include "vectorx/kernels.h"
#include "vectorx/pq.h"
#include "vectorx/pq_fastscan.h"

namespace vectorx {
namespace {

// Quantized sums computed from unpacked codes, one vector at a time.
std::vector<uint32_t> reference_sums(const std::vector<uint8_t>& codes, size_t n, size_t m, const QuantizedTable& t) {
  std::vector<uint32_t> sums(n, 0);
  const size_t cs = (m + 1) / 2;
  for (size_t v = 0; v < n; ++v)
    for (size_t j = 0; j < m; ++j) {
      const uint8_t c = (j % 2 == 0) ? (codes[v * cs + j / 2] & 0x0f) : (codes[v * cs + j / 2] >> 4);
      sums[v] += t.lut[j * 16 + c];
    }
  return sums;
}

class FastScanLevelTest : public ::testing::TestWithParam<SimdLevel> {};

TEST_P(FastScanLevelTest, MatchesReferenceExactly) {
  if (kernel_table(GetParam()) == nullptr) GTEST_SKIP() << "CPU lacks " << simd_level_name(GetParam());
  const SimdLevel before = active_simd_level();
  ASSERT_TRUE(set_active_simd_level(GetParam()));
  for (size_t m : {1, 2, 7, 16, 33, 64}) {
    for (size_t n : {1, 31, 32, 33, 100}) {
      const size_t cs = (m + 1) / 2;
      const auto codes = test::random_bytes(n * cs, static_cast<uint32_t>(m * 1000 + n));
      const auto table_f = test::random_floats(m * 16, static_cast<uint32_t>(m + n), 0, 10);
      QuantizedTable t;
      quantize_table(table_f.data(), m, t);
      const auto packed = pack_fastscan(codes.data(), n, m);
      std::vector<uint16_t> got(n);
      fastscan(packed.data(), n, m, t, got.data());
      const auto want = reference_sums(codes, n, m, t);
      for (size_t v = 0; v < n; ++v) ASSERT_EQ(got[v], want[v]) << "m=" << m << " n=" << n << " v=" << v;
    }
  }
  set_active_simd_level(before);
}

// Every level's bytes equal the scalar level's, and each entry is within half a unit of the
// exact (double) scaled offset from its row minimum; rows may be negative or constant.
TEST_P(FastScanLevelTest, QuantizedTableMatchesScalarAndExactScaling) {
  if (kernel_table(GetParam()) == nullptr) GTEST_SKIP() << "CPU lacks " << simd_level_name(GetParam());
  const SimdLevel before = active_simd_level();
  for (size_t m : {1, 3, 16, 196, 256}) {
    auto table = test::random_floats(m * 16, static_cast<uint32_t>(m), -50, 50);
    std::fill(table.begin(), table.begin() + 16, 3.25f);  // a constant row
    ASSERT_TRUE(set_active_simd_level(SimdLevel::kScalar));
    QuantizedTable want;
    quantize_table(table.data(), m, want);
    ASSERT_TRUE(set_active_simd_level(GetParam()));
    QuantizedTable got;
    quantize_table(table.data(), m, got);
    ASSERT_EQ(got.lut, want.lut) << "m=" << m;
    ASSERT_EQ(got.bias, want.bias);
    ASSERT_EQ(got.scale, want.scale);
    double bias = 0, widest = 0;
    for (size_t j = 0; j < m; ++j) {
      const auto [lo, hi] = std::minmax_element(table.begin() + j * 16, table.begin() + (j + 1) * 16);
      bias += *lo;
      widest = std::max(widest, static_cast<double>(*hi) - *lo);
      for (size_t c = 0; c < 16; ++c) {
        const double exact = (static_cast<double>(table[j * 16 + c]) - *lo) * got.scale;
        ASSERT_NEAR(got.lut[j * 16 + c], std::min(255.0, exact), 0.5 + 1e-3) << "m=" << m << " j=" << j << " c=" << c;
      }
    }
    EXPECT_NEAR(got.bias, bias, 1e-3 * m);
    EXPECT_NEAR(got.scale, widest > 0 ? 255.0 / widest : 1.0, 1e-4 * got.scale);  // all rows constant: scale 1
  }
  set_active_simd_level(before);
}

INSTANTIATE_TEST_SUITE_P(AllLevels, FastScanLevelTest,
                         ::testing::Values(SimdLevel::kScalar, SimdLevel::kSSE2, SimdLevel::kAVX2, SimdLevel::kAVX512),
                         [](const auto& info) { return simd_level_name(info.param); });

TEST(FastScan, DequantizedSumsTrackFloatTableSums) {
  const size_t dim = 64, m = 16, n = 500;
  const auto data = test::random_floats(n * dim, 1), query = test::random_floats(dim, 2);
  const ProductQuantizer pq = ProductQuantizer::train(data.data(), n, dim, m, 4, {0, 8, false, 1});
  std::vector<uint8_t> codes(n * pq.code_size());
  for (size_t v = 0; v < n; ++v) pq.encode(data.data() + v * dim, codes.data() + v * pq.code_size());
  std::vector<float> table(m * 16);
  pq.l2_table(query.data(), table.data());
  QuantizedTable t;
  quantize_table(table.data(), m, t);
  const auto packed = pack_fastscan(codes.data(), n, m);
  std::vector<uint16_t> sums(n);
  fastscan(packed.data(), n, m, t, sums.data());
  for (size_t v = 0; v < n; ++v) {
    const float exact = pq.table_sum(table.data(), codes.data() + v * pq.code_size());
    EXPECT_NEAR(t.dequantize(sums[v]), exact, t.max_error(m) * 1.001f) << v;
  }
}

}  // namespace
}  // namespace vectorx
