// Whole-vector operations: metric conventions, sparse merges against dense kernels,
// arithmetic overflow, quantization bit order, ordering and subvector windows.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "test_data.h"
#include "vectorx/vector_math.h"

namespace vectorx {
namespace {

TEST(Cosine, ZeroVectorIsNaNAndRangeIsClamped) {
  EXPECT_TRUE(std::isnan(cosine_distance({0, 0, 1})));
  EXPECT_DOUBLE_EQ(cosine_distance({1, 1, 1}), 0.0);
  EXPECT_DOUBLE_EQ(cosine_distance({-2, 1, 4}), 2.0);
  EXPECT_DOUBLE_EQ(cosine_distance({1.0000001f, 1, 1}), 0.0);  // similarity > 1 clamps
}

TEST(Jaccard, Conventions) {
  EXPECT_DOUBLE_EQ(jaccard_distance({0, 0}), 1.0);
  EXPECT_DOUBLE_EQ(jaccard_distance({2, 4}), 0.5);
  EXPECT_DOUBLE_EQ(jaccard_distance({4, 4}), 0.0);
}

struct Sparse {
  int64_t dim;
  std::vector<int32_t> idx;
  std::vector<float> val;
  SparseView view() const { return {dim, idx.size(), idx.data(), val.data()}; }
  std::vector<float> dense() const {
    std::vector<float> d(static_cast<size_t>(dim), 0.0f);
    for (size_t i = 0; i < idx.size(); ++i) d[static_cast<size_t>(idx[i])] = val[i];
    return d;
  }
};

Sparse random_sparse(int64_t dim, uint32_t seed) {
  std::mt19937 rng(seed);
  Sparse s{dim, {}, {}};
  for (int32_t i = 0; i < dim; ++i)
    if (rng() % 3 == 0) {
      s.idx.push_back(i);
      s.val.push_back(static_cast<float>(static_cast<int>(rng() % 200) - 100) / 8.0f);
    }
  return s;
}

TEST(Sparse, MergesEqualDenseKernels) {
  const KernelTable& k = *kernel_table(SimdLevel::kScalar);
  for (uint32_t seed = 0; seed < 50; ++seed) {
    const Sparse a = random_sparse(40, seed), b = random_sparse(40, seed + 100);
    const auto da = a.dense(), db = b.dense();
    // Values are multiples of 1/8 with small sums, so float results are exact.
    EXPECT_EQ(sparse_l2sq(a.view(), b.view()), k.l2sq_f32(da.data(), db.data(), 40));
    EXPECT_EQ(sparse_dot(a.view(), b.view()), k.dot_f32(da.data(), db.data(), 40));
    EXPECT_EQ(sparse_l1(a.view(), b.view()), k.l1_f32(da.data(), db.data(), 40));
    EXPECT_EQ(sparse_norm_sq(a.view()), k.dot_f32(da.data(), da.data(), 40));
    EXPECT_EQ(compare_sparse(a.view(), b.view()), compare(da.data(), 40, db.data(), 40));
  }
}

TEST(Sparse, OrderTreatsMissingAsZeroThenDims) {
  const Sparse a{3, {1}, {1.0f}}, b{3, {1}, {-1.0f}}, c{4, {1}, {1.0f}}, z{3, {}, {}};
  EXPECT_EQ(compare_sparse(a.view(), b.view()), 1);
  EXPECT_EQ(compare_sparse(a.view(), a.view()), 0);
  EXPECT_EQ(compare_sparse(a.view(), c.view()), -1);
  EXPECT_EQ(compare_sparse(z.view(), b.view()), 1);  // 0 > -1 at index 1
}

TEST(Elementwise, DetectsOverflowAndUnderflow) {
  const float big[] = {3e38f}, one[] = {1.0f}, tiny[] = {1e-37f}, zero[] = {0.0f};
  float out[1];
  EXPECT_EQ(elementwise(ArithOp::kAdd, big, big, out, 1), ArithStatus::kOverflow);
  EXPECT_EQ(elementwise(ArithOp::kSub, big, big, out, 1), ArithStatus::kOk);
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(elementwise(ArithOp::kMul, big, one, out, 1), ArithStatus::kOk);
  EXPECT_EQ(elementwise(ArithOp::kMul, tiny, tiny, out, 1), ArithStatus::kUnderflow);
  EXPECT_EQ(elementwise(ArithOp::kMul, tiny, zero, out, 1), ArithStatus::kOk);  // a true zero
  EXPECT_EQ(elementwise(ArithOp::kSub, tiny, tiny, out, 1), ArithStatus::kOk);
  half_bits h[1], hmax[1], hsmall[1], hzero[1];
  float_to_half(60000.0f, hmax);
  float_to_half(1e-4f, hsmall);
  float_to_half(0.0f, hzero);
  EXPECT_EQ(elementwise(ArithOp::kAdd, hmax, hmax, h, 1), ArithStatus::kOverflow);
  EXPECT_EQ(elementwise(ArithOp::kSub, hmax, hmax, h, 1), ArithStatus::kOk);
  EXPECT_EQ(elementwise(ArithOp::kMul, hsmall, hsmall, h, 1), ArithStatus::kUnderflow);
  EXPECT_EQ(elementwise(ArithOp::kMul, hsmall, hzero, h, 1), ArithStatus::kOk);
}

TEST(Normalize, UnitLengthAndZeroStaysZero) {
  const auto a = test::random_floats(100, 3);
  std::vector<float> out(100);
  l2_normalize(a.data(), out.data(), 100);
  EXPECT_NEAR(l2_norm(out.data(), 100), 1.0, 1e-6);
  const float zero[3] = {0, 0, 0};
  float zout[3] = {1, 1, 1};
  l2_normalize(zero, zout, 3);
  EXPECT_EQ(zout[0] + zout[1] + zout[2], 0.0f);
  const float v[] = {3, 4};
  EXPECT_DOUBLE_EQ(l2_norm(v, 2), 5.0);
}

TEST(BinaryQuantize, MostSignificantBitFirst) {
  const float a[] = {1, -1, 0, 2, 0.5f, -3, 0, 0, 7};
  uint8_t out[2] = {0xff, 0xff};
  binary_quantize(a, 9, out);
  EXPECT_EQ(out[0], 0b10011000);
  EXPECT_EQ(out[1], 0b10000000);
}

TEST(Compare, ElementwiseThenDims) {
  const float a[] = {1, 2, 3}, b[] = {1, 2, 4}, c[] = {1, 2};
  EXPECT_EQ(compare(a, 3, b, 3), -1);
  EXPECT_EQ(compare(b, 3, a, 3), 1);
  EXPECT_EQ(compare(a, 3, a, 3), 0);
  EXPECT_EQ(compare(c, 2, a, 3), -1);
  EXPECT_EQ(compare(a, 3, c, 2), 1);
}

TEST(Subvector, ClipsLikePgvector) {
  EXPECT_EQ(subvector_window(5, 2, 3).offset, 1u);
  EXPECT_EQ(subvector_window(5, 2, 3).length, 3u);
  EXPECT_EQ(subvector_window(5, 4, 10).length, 2u);
  EXPECT_EQ(subvector_window(5, -1, 3).length, 1u);  // [-1,2) clips to [1,2)
  EXPECT_EQ(subvector_window(5, 6, 1).length, 0u);
  EXPECT_EQ(subvector_window(5, 1, 0).length, 0u);
  EXPECT_EQ(subvector_window(5, INT64_MAX, INT64_MAX).length, 0u);
  EXPECT_EQ(subvector_window(5, 1, INT64_MAX).length, 5u);
}

}  // namespace
}  // namespace vectorx
