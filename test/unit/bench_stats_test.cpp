// vectorx-bench statistics and ground truth: recall, percentiles, brute force against a naive
// full sort, and the ground-truth check.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "ground_truth.h"
#include "stats.h"

namespace vectorx::bench {
namespace {

TEST(Recall, CountsOverlapOfTheFirstK) {
  const Matrix<int32_t> truth{2, 3, {1, 2, 3, 7, 8, 9}};
  EXPECT_DOUBLE_EQ(recall_at_k({{3, 2, 1}, {7, 8, 9}}, truth, 3), 1.0);
  EXPECT_DOUBLE_EQ(recall_at_k({{1, 5, 6}, {9, 0, 0}}, truth, 3), 1.0 / 3);
  EXPECT_DOUBLE_EQ(recall_at_k({{1, 2}, {}}, truth, 2), 0.5);
  EXPECT_DOUBLE_EQ(recall_at_k({{9, 1}}, truth, 1), 0.0);  // only the first k results count
  EXPECT_THROW(recall_at_k({{1}}, truth, 4), std::invalid_argument);
}

TEST(QpsAtRecall, InterpolatesBetweenTheBracketingPoints) {
  const std::vector<SweepPoint> sweep = {{0.96, 1000}, {0.90, 2000}, {0.99, 400}};  // any order
  EXPECT_DOUBLE_EQ(qps_at_recall(sweep, 0.93), 1500);
  EXPECT_DOUBLE_EQ(qps_at_recall(sweep, 0.96), 1000);
  EXPECT_NEAR(qps_at_recall(sweep, 0.98), 600, 1e-9);
  EXPECT_TRUE(std::isnan(qps_at_recall(sweep, 0.995)));  // beyond the sweep: no guess
  EXPECT_TRUE(std::isnan(qps_at_recall(sweep, 0.85)));
  EXPECT_TRUE(std::isnan(qps_at_recall({{0.95, 10}}, 0.95)));
  EXPECT_DOUBLE_EQ(qps_at_recall({{0.95, 10}, {0.95, 30}}, 0.95), 30);
}

TEST(Percentile, InterpolatesBetweenRanks) {
  std::vector<double> v(101);
  std::iota(v.begin(), v.end(), 0.0);
  std::shuffle(v.begin(), v.end(), std::mt19937(1));
  EXPECT_DOUBLE_EQ(percentile(v, 50), 50);
  EXPECT_DOUBLE_EQ(percentile(v, 99), 99);
  EXPECT_DOUBLE_EQ(percentile(v, 100), 100);
  EXPECT_DOUBLE_EQ(percentile({1, 2}, 50), 1.5);
  EXPECT_DOUBLE_EQ(percentile({5}, 95), 5);
  EXPECT_DOUBLE_EQ(percentile({}, 50), 0);
}

Matrix<float> random_matrix(size_t rows, size_t dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d;
  Matrix<float> m{rows, dim, std::vector<float>(rows * dim)};
  for (auto& x : m.data) x = d(rng);
  return m;
}

// The slowest correct answer: every distance in double, fully sorted.
std::vector<int32_t> naive_nearest(const Matrix<float>& base, const float* q, size_t k, Metric metric) {
  std::vector<std::pair<double, int32_t>> all;
  for (size_t i = 0; i < base.rows; ++i) {
    double dot = 0, l2 = 0, na = 0, nb = 0;
    for (size_t j = 0; j < base.dim; ++j) {
      const double a = base.row(i)[j], b = q[j];
      dot += a * b;
      l2 += (a - b) * (a - b);
      na += a * a;
      nb += b * b;
    }
    const double d = metric == Metric::kL2 ? l2 : metric == Metric::kInnerProduct ? -dot : 1 - dot / std::sqrt(na * nb);
    all.emplace_back(d, static_cast<int32_t>(i));
  }
  std::sort(all.begin(), all.end());
  std::vector<int32_t> ids;
  for (size_t i = 0; i < k; ++i) ids.push_back(all[i].second);
  return ids;
}

TEST(GroundTruth, BruteForceMatchesNaiveReference) {
  const auto base = random_matrix(500, 37, 1), queries = random_matrix(20, 37, 2);
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct, Metric::kCosine}) {
    const Matrix<int32_t> truth = exact_neighbors(base, queries, 10, metric, 3);
    ASSERT_EQ(truth.rows, 20u);
    ASSERT_EQ(truth.dim, 10u);
    for (size_t q = 0; q < queries.rows; ++q)
      EXPECT_EQ(std::vector<int32_t>(truth.row(q), truth.row(q) + 10), naive_nearest(base, queries.row(q), 10, metric))
          << metric_name(metric) << " query " << q;
  }
}

TEST(GroundTruth, CheckFindsWrongFiles) {
  const auto base = random_matrix(300, 16, 3), queries = random_matrix(30, 16, 4);
  Matrix<int32_t> truth = exact_neighbors(base, queries, 5, Metric::kL2);
  EXPECT_EQ(check_ground_truth(truth, base, queries, 30, 5, Metric::kL2), 0u);
  std::swap(truth.row(0)[0], truth.row(0)[4]);
  truth.row(29)[2] = 100000;
  EXPECT_EQ(check_ground_truth(truth, base, queries, 30, 5, Metric::kL2), 2u);
}

}  // namespace
}  // namespace vectorx::bench
