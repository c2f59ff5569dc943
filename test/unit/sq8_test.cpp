// 8-bit scalar quantization: reconstruction error within half a step, asymmetric distances
// equal to distances to the decoded vector, and the L2 lower bound never above the truth.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "test_data.h"
#include "vectorx/kernels.h"
#include "vectorx/sq8.h"

namespace vectorx {
namespace {

constexpr size_t kDim = 131;  // not a multiple of any lane width

std::vector<float> sample(size_t rows, uint32_t seed) { return test::random_floats(rows * kDim, seed, -3.0f, 5.0f); }

TEST(Sq8, RoundTripErrorWithinHalfAStep) {
  const auto data = sample(500, 1);
  const Sq8Quantizer q = Sq8Quantizer::train(data.data(), 500, kDim);
  std::vector<uint8_t> code(kDim);
  std::vector<float> back(kDim);
  for (size_t r = 0; r < 500; ++r) {
    const float* x = data.data() + r * kDim;
    q.encode(x, code.data());
    q.decode(code.data(), back.data());
    double err2 = 0;
    for (size_t i = 0; i < kDim; ++i) {
      ASSERT_LE(std::fabs(x[i] - back[i]), q.step()[i] * 0.5f + 1e-5f) << "row " << r << " dim " << i;
      err2 += (x[i] - back[i]) * (x[i] - back[i]);
    }
    EXPECT_LE(std::sqrt(err2), q.error_bound());
  }
}

TEST(Sq8, ClampsOutsideTheTrainedRangeAndHandlesConstantDimensions) {
  const Sq8Quantizer q({0.0f, 5.0f}, {1.0f, 0.0f});  // dimension 1 is constant
  const float x[2] = {1000.0f, 7.0f}, y[2] = {-3.0f, 5.0f};
  uint8_t code[2];
  q.encode(x, code);
  EXPECT_EQ(code[0], 255);
  EXPECT_EQ(code[1], 0);
  q.encode(y, code);
  EXPECT_EQ(code[0], 0);
}

TEST(Sq8, AsymmetricDistancesEqualDecodedDistances) {
  const auto data = sample(200, 2), queries = sample(20, 3);
  const Sq8Quantizer q = Sq8Quantizer::train(data.data(), 200, kDim);
  std::vector<uint8_t> code(kDim);
  std::vector<float> decoded(kDim);
  for (size_t qi = 0; qi < 20; ++qi) {
    const float* query = queries.data() + qi * kDim;
    const Sq8Quantizer::Query prepared = q.prepare(query);
    for (size_t r = 0; r < 200; ++r) {
      q.encode(data.data() + r * kDim, code.data());
      q.decode(code.data(), decoded.data());
      const float l2 = l2sq(query, decoded.data(), kDim), ip = dot(query, decoded.data(), kDim);
      EXPECT_NEAR(prepared.l2sq(code.data()), l2, 1e-4f * std::max(1.0f, l2));
      EXPECT_NEAR(prepared.dot(code.data()), ip, 1e-3f * std::max(1.0f, std::fabs(ip)));
    }
  }
}

TEST(Sq8, LowerBoundNeverExceedsTheTrueDistance) {
  const auto data = sample(300, 4), queries = sample(30, 5);
  const Sq8Quantizer q = Sq8Quantizer::train(data.data(), 300, kDim);
  std::vector<uint8_t> code(kDim);
  for (size_t qi = 0; qi < 30; ++qi) {
    const float* query = queries.data() + qi * kDim;
    const Sq8Quantizer::Query prepared = q.prepare(query);
    for (size_t r = 0; r < 300; ++r) {
      const float* x = data.data() + r * kDim;
      q.encode(x, code.data());
      const float truth = std::sqrt(l2sq(query, x, kDim));
      const float bound = q.l2_lower_bound(prepared.l2sq(code.data()));
      EXPECT_LE(bound, truth * (1 + 1e-5f)) << "query " << qi << " row " << r;
    }
  }
}

}  // namespace
}  // namespace vectorx
