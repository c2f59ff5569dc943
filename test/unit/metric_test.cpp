// Space over payloads: keys order like distances, payload sizes, cosine indexability.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "vectorx/metric.h"

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
