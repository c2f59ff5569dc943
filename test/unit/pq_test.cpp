// Product quantization: codes pack and unpack, encoding picks the nearest centroid per
// subspace (so the reconstruction error is the per-subspace minimum), and lookup-table
// distances equal distances to the decoded vector for L2 and inner product.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "test_data.h"
#include "vectorx/kernels.h"
#include "vectorx/pq.h"

namespace vectorx {
namespace {

constexpr size_t kDim = 48, kRows = 2000;

class PqTest : public ::testing::TestWithParam<int> {};

TEST_P(PqTest, EncodeChoosesTheNearestCentroidPerSubspace) {
  const int nbits = GetParam();
  const auto data = test::random_floats(kRows * kDim, 1);
  const ProductQuantizer pq = ProductQuantizer::train(data.data(), kRows, kDim, 12, nbits, {0, 8, false, 3});
  EXPECT_EQ(pq.code_size(), nbits == 8 ? 12u : 6u);
  std::vector<uint8_t> code(pq.code_size());
  std::vector<float> back(kDim);
  const size_t dsub = kDim / 12;
  for (size_t r = 0; r < 200; ++r) {
    const float* x = data.data() + r * kDim;
    pq.encode(x, code.data());
    pq.decode(code.data(), back.data());
    for (size_t j = 0; j < 12; ++j) {
      const float got = l2sq(x + j * dsub, back.data() + j * dsub, dsub);
      for (size_t c = 0; c < pq.ksub(); ++c)  // no centroid of subspace j is closer
        ASSERT_LE(got, l2sq(x + j * dsub, pq.codebooks().data() + (j * pq.ksub() + c) * dsub, dsub) + 1e-5f);
    }
  }
}

TEST_P(PqTest, ReconstructionErrorShrinksWithTraining) {
  const int nbits = GetParam();
  // Rows drawn from a few prototypes: trained codebooks must reconstruct far better than the
  // data's own spread.
  std::mt19937 rng(5);
  std::normal_distribution<float> noise(0, 0.05f);
  const auto protos = test::random_floats(8 * kDim, 2, -2, 2);
  std::vector<float> data(kRows * kDim);
  for (size_t r = 0; r < kRows; ++r)
    for (size_t d = 0; d < kDim; ++d) data[r * kDim + d] = protos[(r % 8) * kDim + d] + noise(rng);
  const ProductQuantizer pq = ProductQuantizer::train(data.data(), kRows, kDim, 8, nbits, {0, 10, false, 1});
  std::vector<uint8_t> code(pq.code_size());
  std::vector<float> back(kDim);
  double err = 0, spread = 0;
  for (size_t r = 0; r < kRows; ++r) {
    pq.encode(data.data() + r * kDim, code.data());
    pq.decode(code.data(), back.data());
    err += l2sq(data.data() + r * kDim, back.data(), kDim);
    spread += l2sq(data.data() + r * kDim, protos.data() + ((r + 1) % 8) * kDim, kDim);
  }
  EXPECT_LT(err / kRows, 0.05 * 0.05 * kDim * 2) << "error should be near the noise floor";
  EXPECT_LT(err, spread / 100);
}

TEST_P(PqTest, LookupTablesEqualDecodedDistances) {
  const int nbits = GetParam();
  const auto data = test::random_floats(kRows * kDim, 3), queries = test::random_floats(10 * kDim, 4);
  const ProductQuantizer pq = ProductQuantizer::train(data.data(), kRows, kDim, 16, nbits, {0, 5, false, 2});
  std::vector<float> l2t(pq.m() * pq.ksub()), ipt(pq.m() * pq.ksub()), back(kDim);
  std::vector<uint8_t> code(pq.code_size());
  for (size_t q = 0; q < 10; ++q) {
    const float* query = queries.data() + q * kDim;
    pq.l2_table(query, l2t.data());
    pq.ip_table(query, ipt.data());
    for (size_t r = 0; r < 100; ++r) {
      pq.encode(data.data() + r * kDim, code.data());
      pq.decode(code.data(), back.data());
      const float l2 = l2sq(query, back.data(), kDim), ip = dot(query, back.data(), kDim);
      EXPECT_NEAR(pq.table_sum(l2t.data(), code.data()), l2, 1e-4f * std::max(1.0f, l2));
      EXPECT_NEAR(pq.table_sum(ipt.data(), code.data()), ip, 1e-4f * std::max(1.0f, std::fabs(ip)));
    }
  }
}

TEST_P(PqTest, ResidualTablesMatchDirectTables) {
  const int nbits = GetParam();
  const auto data = test::random_floats(kRows * kDim, 6), queries = test::random_floats(5 * kDim, 7);
  const auto centre = test::random_floats(kDim, 8);
  const ProductQuantizer pq = ProductQuantizer::train(data.data(), kRows, kDim, 12, nbits, {0, 5, false, 4});
  const size_t entries = pq.m() * pq.ksub();
  std::vector<float> terms(entries), ip(entries), combined(entries), direct(entries), residual(kDim);
  pq.list_term_table(centre.data(), terms.data());
  std::vector<uint8_t> code(pq.code_size());
  for (size_t q = 0; q < 5; ++q) {
    const float* query = queries.data() + q * kDim;
    for (size_t d = 0; d < kDim; ++d) residual[d] = query[d] - centre[d];
    pq.l2_table(residual.data(), direct.data());
    pq.ip_table(query, ip.data());
    ProductQuantizer::residual_l2_table(terms.data(), ip.data(), entries, combined.data());
    const float base = l2sq(query, centre.data(), kDim);
    for (size_t r = 0; r < 50; ++r) {
      pq.encode(data.data() + r * kDim, code.data());
      const float want = pq.table_sum(direct.data(), code.data());
      EXPECT_NEAR(base + pq.table_sum(combined.data(), code.data()), want, 1e-3f * std::max(1.0f, want));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Bits, PqTest, ::testing::Values(4, 8), [](const auto& info) {
  return std::to_string(info.param) + "bit";
});

TEST(Pq, RejectsBadShapes) {
  const auto data = test::random_floats(100 * 10, 5);
  EXPECT_THROW(ProductQuantizer::train(data.data(), 100, 10, 3, 8, {}), std::invalid_argument);
  EXPECT_THROW(ProductQuantizer::train(data.data(), 100, 10, 5, 6, {}), std::invalid_argument);
}

}  // namespace
}  // namespace vectorx
