// k-means: recovers well-separated clusters, is deterministic per seed, keeps every centre in
// use, copes with duplicates and k above the row count, keeps spherical centres at unit length,
// and gives the same result on any number of threads.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "vectorx/kernels.h"
#include "vectorx/kmeans.h"

namespace vectorx {
namespace {

struct Clusters {
  std::vector<float> centres, rows;
  std::vector<uint32_t> label;
};

Clusters make_clusters(size_t k, size_t per, size_t dim, float spread, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0, spread);
  std::uniform_real_distribution<float> where(-20, 20);
  Clusters c;
  for (size_t i = 0; i < k * dim; ++i) c.centres.push_back(where(rng));
  for (size_t p = 0; p < per; ++p)
    for (size_t j = 0; j < k; ++j) {
      for (size_t d = 0; d < dim; ++d) c.rows.push_back(c.centres[j * dim + d] + noise(rng));
      c.label.push_back(static_cast<uint32_t>(j));
    }
  return c;
}

void expect_recovers_clusters(size_t seed_rows) {
  const size_t k = 8, dim = 24;
  const Clusters c = make_clusters(k, 200, dim, 0.5f, 1);
  const size_t n = c.rows.size() / dim;
  KMeansOptions options{k, 10, false, 7};
  options.seed_rows = seed_rows;
  const KMeansResult r = kmeans(c.rows.data(), n, dim, options);
  ASSERT_EQ(r.centroids.size(), k * dim);
  // Every true centre has a found centre close to it, and each cluster maps to one label.
  for (size_t t = 0; t < k; ++t) {
    float best = 1e30f;
    for (size_t f = 0; f < k; ++f) best = std::min(best, l2sq(c.centres.data() + t * dim, r.centroids.data() + f * dim, dim));
    EXPECT_LT(std::sqrt(best), 0.5f) << "true centre " << t;
  }
  for (size_t t = 0; t < k; ++t) {
    std::set<uint32_t> found;
    for (size_t i = 0; i < n; ++i)
      if (c.label[i] == t) found.insert(r.assignment[i]);
    EXPECT_EQ(found.size(), 1u) << "cluster " << t << " split";
  }
  EXPECT_EQ(r.reseeded, 0u);
}

// Also when k-means++ seeds from a few rows (the rows arrive in cluster order 0, 1, …, 7, 0, 1,
// …: every 50th row would miss half the clusters).
TEST(KMeans, RecoversSeparatedClusters) {
  for (size_t seed_rows : {size_t{0}, size_t{32}}) {
    SCOPED_TRACE(seed_rows);
    expect_recovers_clusters(seed_rows);
  }
}

TEST(KMeans, DeterministicForASeed) {
  const Clusters c = make_clusters(5, 100, 16, 3.0f, 2);
  const size_t n = c.rows.size() / 16;
  const KMeansResult a = kmeans(c.rows.data(), n, 16, {12, 5, false, 99});
  const KMeansResult b = kmeans(c.rows.data(), n, 16, {12, 5, false, 99});
  EXPECT_EQ(a.centroids, b.centroids);
  EXPECT_EQ(a.assignment, b.assignment);
}

// Seeding and assignment spread over threads give bit-identical centres for any thread count
// (more rows than one block, so the threads really share the work).
TEST(KMeans, SameResultForAnyThreadCount) {
  const Clusters c = make_clusters(7, 400, 24, 4.0f, 5);
  const size_t n = c.rows.size() / 24;
  for (bool spherical : {false, true}) {
    KMeansOptions options{20, 6, spherical, 17};
    const KMeansResult one = kmeans(c.rows.data(), n, 24, options);
    options.threads = 3;
    int checks = 0;
    options.check = [&] { ++checks; };
    const KMeansResult three = kmeans(c.rows.data(), n, 24, options);
    EXPECT_EQ(one.centroids, three.centroids) << spherical;
    EXPECT_EQ(one.assignment, three.assignment) << spherical;
    EXPECT_GT(checks, 0);
  }
}

TEST(KMeans, EveryCentreIsUsedEvenWithMoreCentresThanClusters) {
  const Clusters c = make_clusters(3, 100, 8, 0.1f, 3);
  const size_t n = c.rows.size() / 8;
  const KMeansResult r = kmeans(c.rows.data(), n, 8, {20, 10, false, 5});
  std::vector<size_t> sizes(20, 0);
  for (uint32_t a : r.assignment) ++sizes[a];
  for (size_t s : sizes) EXPECT_GT(s, 0u);
}

TEST(KMeans, DuplicatesAndKAboveRowCount) {
  std::vector<float> rows(50 * 4, 1.0f);  // 50 identical rows
  rows[0] = 9.0f;                         // and one different
  const KMeansResult r = kmeans(rows.data(), 50, 4, {10, 5, false, 1});
  EXPECT_EQ(r.centroids.size(), 10u * 4);
  for (float x : r.centroids) EXPECT_TRUE(std::isfinite(x));
  const KMeansResult tiny = kmeans(rows.data(), 3, 4, {10, 5, false, 1});
  EXPECT_EQ(tiny.centroids.size(), 3u * 4) << "k is capped at the row count";
  EXPECT_EQ(tiny.assignment.size(), 3u);
}

TEST(KMeans, SphericalCentresAreUnitLength) {
  const Clusters c = make_clusters(6, 100, 12, 1.0f, 4);
  const size_t n = c.rows.size() / 12;
  const KMeansResult r = kmeans(c.rows.data(), n, 12, {6, 10, true, 3});
  for (size_t j = 0; j < 6; ++j) EXPECT_NEAR(dot(r.centroids.data() + j * 12, r.centroids.data() + j * 12, 12), 1.0f, 1e-4f);
  EXPECT_GE(r.objective, 0.0);
}

TEST(KMeans, AssignNearestMatchesBruteForce) {
  const Clusters c = make_clusters(10, 30, 20, 5.0f, 5);
  const size_t n = c.rows.size() / 20;
  std::vector<uint32_t> got(n);
  std::vector<float> dist(n);
  assign_nearest(c.centres.data(), 10, c.rows.data(), n, 20, false, got.data(), dist.data());
  for (size_t i = 0; i < n; ++i) {
    float best = 1e30f;
    uint32_t arg = 0;
    for (uint32_t j = 0; j < 10; ++j) {
      const float d = l2sq(c.rows.data() + i * 20, c.centres.data() + j * 20, 20);
      if (d < best) best = d, arg = j;
    }
    EXPECT_EQ(got[i], arg);
    EXPECT_NEAR(dist[i], best, 1e-3f * std::max(1.0f, best));
  }
}

}  // namespace
}  // namespace vectorx
