// Space over payloads: keys order like distances, payload sizes, cosine indexability.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "vectorx/float16.h"
#include "vectorx/metric.h"
#include "vectorx/slotted_page.h"

namespace vectorx {
namespace {

TEST(Space, KeyGivesTheOperatorDistanceExactly) {
  const float a[5] = {1, 2, 3, 4, 5}, b[5] = {0.5f, -2, 3.25f, 9, 1};
  const auto* pa = reinterpret_cast<const uint8_t*>(a);
  const auto* pb = reinterpret_cast<const uint8_t*>(b);
  for (Metric m : {Metric::kL2, Metric::kInnerProduct, Metric::kCosine, Metric::kL1}) {
    const Space s(ElementKind::kFloat32, m, 5);
    EXPECT_EQ(s.distance(pa, pb), dense_distance(m, a, b, 5));
    EXPECT_EQ(s.distance_from_key(s.key(pa, pb)), dense_distance(m, a, b, 5));
  }
  const Space l2(ElementKind::kFloat32, Metric::kL2, 5);
  EXPECT_EQ(l2.key(pa, pb), static_cast<double>(l2sq(a, b, 5))) << "L2 keys skip the square root";
}

// Overflowing values: +Infinity and NaN distances keep their values through keys, and keys
// order them as Postgres orders float8 (NaN after +Infinity), so index order is seqscan order.
TEST(Space, InfiniteAndNaNDistancesOrderAsPostgresSortsThem) {
  const float q[2] = {2, 2}, finite[2] = {1, 1}, plus_inf[2] = {-3e38f, -3e38f}, minus_inf[2] = {3e38f, 3e38f},
              opposite[2] = {3e38f, -3e38f};
  const Space ip(ElementKind::kFloat32, Metric::kInnerProduct, 2);
  const Space cosine(ElementKind::kFloat32, Metric::kCosine, 2);
  const Space l2(ElementKind::kFloat32, Metric::kL2, 2);
  const auto* pq = reinterpret_cast<const uint8_t*>(q);
  const auto key = [&](const Space& s, const float* v) { return s.key(pq, reinterpret_cast<const uint8_t*>(v)); };
  EXPECT_EQ(ip.distance_from_key(key(ip, plus_inf)), std::numeric_limits<double>::infinity());
  EXPECT_EQ(ip.distance_from_key(key(ip, minus_inf)), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(l2.distance_from_key(key(l2, opposite)), std::numeric_limits<double>::infinity());
  const double nan_key = key(cosine, plus_inf);  // -inf / inf: NaN
  EXPECT_TRUE(std::isnan(cosine.distance_from_key(nan_key)));
  EXPECT_LT(key(ip, finite), key(ip, plus_inf));
  EXPECT_LT(key(ip, plus_inf), nan_key) << "+Infinity's key sorts before NaN's";
  EXPECT_LT(key(l2, opposite), nan_key);
  EXPECT_TRUE(nearer(std::numeric_limits<double>::infinity(), std::nan("")));
  EXPECT_FALSE(nearer(std::nan(""), std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(nearer(std::nan(""), std::nan("")));
  EXPECT_TRUE(nearer(-1.0, 1.0));
}

TEST(Space, CosineByOneDotProductIsTheKeyUpToRounding) {
  const size_t dim = 100;
  std::vector<float> a(dim), b(dim);
  for (size_t i = 0; i < dim; ++i) {
    a[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i) + 1));
    b[i] = static_cast<float>(std::cos(0.11 * static_cast<double>(i * i)));
  }
  const auto* pa = reinterpret_cast<const uint8_t*>(a.data());
  const auto* pb = reinterpret_cast<const uint8_t*>(b.data());
  const Space cosine(ElementKind::kFloat32, Metric::kCosine, dim);
  ASSERT_TRUE(cosine.cosine_by_dot());
  EXPECT_FALSE(Space(ElementKind::kFloat32, Metric::kL2, dim).cosine_by_dot());
  EXPECT_FALSE(Space(ElementKind::kSparse, Metric::kCosine, dim).cosine_by_dot());
  const double by_dot = cosine.cosine_key_by_dot(pa, pb, cosine.inverse_norm(pa) * cosine.inverse_norm(pb));
  EXPECT_NEAR(by_dot, cosine.key(pa, pb), 1e-6);
  EXPECT_NEAR(cosine.cosine_key_by_dot(pa, pa, cosine.inverse_norm(pa) * cosine.inverse_norm(pa)), 0, 1e-6);
  std::vector<half_bits> ha(dim), hb(dim);
  for (size_t i = 0; i < dim; ++i) float_to_half(a[i], &ha[i]), float_to_half(b[i], &hb[i]);
  const Space half(ElementKind::kFloat16, Metric::kCosine, dim);
  const auto* qa = reinterpret_cast<const uint8_t*>(ha.data());
  const auto* qb = reinterpret_cast<const uint8_t*>(hb.data());
  EXPECT_NEAR(half.cosine_key_by_dot(qa, qb, half.inverse_norm(qa) * half.inverse_norm(qb)), half.key(qa, qb), 1e-6);
  const std::vector<float> zero(dim, 0.0f);
  const auto* pz = reinterpret_cast<const uint8_t*>(zero.data());
  EXPECT_EQ(cosine.cosine_key_by_dot(pa, pz, cosine.inverse_norm(pa) * cosine.inverse_norm(pz)),
            std::numeric_limits<double>::infinity())
      << "a zero vector's NaN orders last, as key() orders it";
}

TEST(Space, PayloadSizes) {
  const Space f32(ElementKind::kFloat32, Metric::kL2, 7), f16(ElementKind::kFloat16, Metric::kL2, 7),
      bits(ElementKind::kBit, Metric::kHamming, 9), sparse(ElementKind::kSparse, Metric::kL2, 100);
  const uint8_t any[64] = {};
  EXPECT_EQ(f32.payload_size(any, 64), 28u);
  EXPECT_EQ(f32.payload_size(any, 27), 0u) << "truncated";
  EXPECT_EQ(f16.payload_size(any, 64), 14u);
  EXPECT_EQ(bits.payload_size(any, 64), 2u);
  uint8_t sp[64] = {};
  const int32_t nnz = 3;
  std::memcpy(sp, &nnz, 4);
  EXPECT_EQ(sparse.payload_size(sp, 64), 32u);
  EXPECT_EQ(sparse.payload_size(sp, 31), 0u);
  const int32_t bad = -1;
  std::memcpy(sp, &bad, 4);
  EXPECT_EQ(sparse.payload_size(sp, 64), 0u);
}

TEST(Space, ValidPairsAndCosineIndexability) {
  EXPECT_TRUE(Space::valid(ElementKind::kBit, Metric::kJaccard));
  EXPECT_FALSE(Space::valid(ElementKind::kBit, Metric::kL2));
  EXPECT_FALSE(Space::valid(ElementKind::kFloat32, Metric::kHamming));
  const float zero[3] = {0, 0, 0}, one[3] = {0, 1, 0};
  const Space cos(ElementKind::kFloat32, Metric::kCosine, 3), l2(ElementKind::kFloat32, Metric::kL2, 3);
  EXPECT_FALSE(cos.indexable(reinterpret_cast<const uint8_t*>(zero)));
  EXPECT_TRUE(cos.indexable(reinterpret_cast<const uint8_t*>(one)));
  EXPECT_TRUE(l2.indexable(reinterpret_cast<const uint8_t*>(zero)));
}

}  // namespace
}  // namespace vectorx
