// The advisor's rules: the measured datasets get the settings measured on them, small tables
// an exact scan, types and distances only hnsw serves get hnsw, and memory limits move the
// choice (compact codes when the index would not stay cached; a note when a graph outgrows
// the build memory).
#include <gtest/gtest.h>

#include "vectorx/advisor.h"

namespace vectorx {
namespace {

constexpr size_t kGB = size_t{1} << 30;

AdviceInput input(double rows, int64_t dims, ElementKind kind = ElementKind::kFloat32, Metric metric = Metric::kL2,
                  double recall = 0.95) {
  return {rows, dims, kind, metric, recall, kGB, 2 * kGB};
}

TEST(Advisor, SiftsmallShapeGetsIvfflatWithItsMeasuredProbes) {
  Advice a = advise(input(10000, 128));
  EXPECT_EQ(a.plan.method, AdvisedMethod::kIvfflat);
  EXPECT_EQ(a.plan.lists, 100);
  EXPECT_EQ(a.plan.probes, 8);  // 0.957 measured
  EXPECT_NE(a.reason.find("10,500 q/s"), std::string::npos) << a.reason;
  a = advise(input(10000, 128, ElementKind::kFloat32, Metric::kL2, 0.99));
  EXPECT_EQ(a.plan.probes, 16);  // 0.997 measured
}

TEST(Advisor, FashionShapeGetsIvfpq) {
  const Advice a = advise(input(60000, 784));
  EXPECT_EQ(a.plan.method, AdvisedMethod::kIvfpq);
  EXPECT_EQ(a.plan.lists, 245);
  EXPECT_GE(a.plan.probes, 5);  // 0.969 measured at 5
  EXPECT_NEAR(a.plan.index_bytes, 51.1e6, 5e6);  // measured 51.1 MB
}

TEST(Advisor, SmallTablesScanExactlyAndPerfectRecallUsesFlat) {
  EXPECT_EQ(advise(input(500, 128)).plan.method, AdvisedMethod::kExact);
  EXPECT_EQ(advise(input(2000, 128)).plan.method, AdvisedMethod::kIvfflat);
  EXPECT_EQ(advise(input(1e7, 768, ElementKind::kFloat32, Metric::kCosine, 1.0)).plan.method, AdvisedMethod::kFlat);
  EXPECT_EQ(advise(input(1e7, 768, ElementKind::kFloat16, Metric::kL1, 1.0)).plan.method, AdvisedMethod::kFlat);
  EXPECT_EQ(advise(input(1e7, 768, ElementKind::kBit, Metric::kHamming, 1.0)).plan.method, AdvisedMethod::kExact);
  EXPECT_EQ(advise(input(1e7, 9000, ElementKind::kFloat16, Metric::kL2, 1.0)).plan.method, AdvisedMethod::kExact);
  EXPECT_EQ(advise(input(500, 128, ElementKind::kFloat32, Metric::kL2, 1.0)).plan.method, AdvisedMethod::kExact);
  EXPECT_EQ(advise(input(1e5, 128)).plan.method, AdvisedMethod::kIvfflat);
}

TEST(Advisor, OnlyHnswServesSparseBitAndL1) {
  for (const AdviceInput& in : {input(1e6, 30000, ElementKind::kSparse), input(1e6, 1024, ElementKind::kBit, Metric::kHamming),
                                input(1e6, 64, ElementKind::kFloat32, Metric::kL1)}) {
    const Advice a = advise(in);
    EXPECT_EQ(a.plan.method, AdvisedMethod::kHnsw);
    EXPECT_EQ(a.plan.m, 16);
    EXPECT_EQ(a.plan.ef_construction, 64);
    EXPECT_EQ(a.plan.ef_search, 40);
  }
  AdviceInput tight = input(1e8, 64, ElementKind::kFloat32, Metric::kL1, 0.99);
  const Advice a = advise(tight);
  EXPECT_EQ(a.plan.ef_search, 100);
  EXPECT_NE(a.reason.find("raise vectorx.build_memory"), std::string::npos) << a.reason;
}

TEST(Advisor, AnIndexTooLargeForTheCacheGetsCodes) {
  AdviceInput in = input(1e8, 128);
  in.cache_bytes = 4 * kGB;  // ivfflat would be ~55 GB
  const Advice a = advise(in);
  EXPECT_EQ(a.plan.method, AdvisedMethod::kIvfpq);
  EXPECT_LT(a.plan.index_bytes, 8e9);
  EXPECT_EQ(a.plan.pq_m, 64);  // 8-bit codes (~15 GB) and 4-bit scalar ones (~8.4 GB) would not fit either
  EXPECT_NE(a.reason.find("would not stay in shared_buffers"), std::string::npos) << a.reason;
  in.cache_bytes = 10 * kGB;
  const Advice four = advise(in);
  EXPECT_EQ(four.plan.pq_m, 0) << "4-bit scalar codes fit";
  EXPECT_EQ(four.plan.scalar_bits, 4);
  EXPECT_LT(four.plan.index_bytes, 10.0 * kGB);
  EXPECT_NE(four.reason.find("4-bit scalar"), std::string::npos) << four.reason;
  in.cache_bytes = 32 * kGB;
  EXPECT_EQ(advise(in).plan.pq_m, 0) << "8-bit codes fit";
  EXPECT_EQ(advise(in).plan.scalar_bits, 8);
}

}  // namespace
}  // namespace vectorx
