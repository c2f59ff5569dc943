// k-means (see kmeans.h).
//
// Assignment uses ||x - c||² = ||x||² - 2 x·c + ||c||², with x·c for a block of rows and all
// centres as one Eigen matrix product; seeding (k-means++) uses the SIMD kernels. Both run
// on options.threads threads, block by block, with results independent of the thread count. An empty
// cluster takes the row currently farthest from its centre, so every centre stays in use.
#include "vectorx/kmeans.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "vectorx/kernels.h"
#include "vectorx/threads.h"
#include "vectorx/vector_math.h"

namespace vectorx {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMatrix>;

constexpr size_t kBlockRows = 1024;  // rows per matrix product and per thread task

size_t blocks_of(size_t n) { return (n + kBlockRows - 1) / kBlockRows; }

void normalize_rows(float* rows, size_t n, size_t dim) {
  for (size_t i = 0; i < n; ++i) l2_normalize(rows + i * dim, rows + i * dim, dim);
}

// k-means++: each next centre is a row drawn with probability proportional to its squared
// distance to the nearest centre chosen so far. Distances are updated block by block on
// threads; block totals are added in block order, so the draw does not depend on threads.
std::vector<float> seed_centres(const float* data, size_t n, size_t dim, size_t k, std::mt19937_64& rng,
                                const KMeansOptions& options) {
  std::vector<float> centres;
  centres.reserve(k * dim);
  std::vector<double> nearest(n, std::numeric_limits<double>::infinity()), block_totals(blocks_of(n));
  size_t chosen = std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  for (size_t c = 0; c < k; ++c) {
    centres.insert(centres.end(), data + chosen * dim, data + (chosen + 1) * dim);
    const float* centre = centres.data() + c * dim;
    for_each_block(block_totals.size(), options.threads, [&](size_t b) {
      double sum = 0;
      for (size_t i = b * kBlockRows; i < std::min(n, (b + 1) * kBlockRows); ++i) {
        nearest[i] = std::min(nearest[i], static_cast<double>(l2sq(data + i * dim, centre, dim)));
        sum += nearest[i];
      }
      block_totals[b] = sum;
    }, options.check);
    double total = 0;
    for (double t : block_totals) total += t;
    if (c + 1 == k) break;
    if (total <= 0) {  // every row sits on a centre already (duplicates): any row will do
      chosen = std::uniform_int_distribution<size_t>(0, n - 1)(rng);
      continue;
    }
    double target = std::uniform_real_distribution<double>(0, total)(rng);
    chosen = n - 1;
    for (size_t i = 0; i < n; ++i) {
      target -= nearest[i];
      if (target < 0) {
        chosen = i;
        break;
      }
    }
  }
  return centres;
}

// `count` of the n rows, uniformly at random and in their order (selection sampling): a strided
// pick would miss clusters of data that arrives in a periodic order.
std::vector<float> random_rows(const float* data, size_t n, size_t dim, size_t count, std::mt19937_64& rng) {
  std::vector<float> rows;
  rows.reserve(count * dim);
  for (size_t i = 0, needed = count; needed > 0; ++i)
    if (std::uniform_int_distribution<size_t>(0, n - i - 1)(rng) < needed) {
      rows.insert(rows.end(), data + i * dim, data + (i + 1) * dim);
      --needed;
    }
  return rows;
}

}  // namespace

void assign_nearest(const float* centroids, size_t k, const float* data, size_t n, size_t dim, bool spherical,
                    uint32_t* out, float* distance, unsigned threads, const std::function<void()>& check) {
  const ConstMap c(centroids, static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(dim));
  const Eigen::VectorXf c_norms = c.rowwise().squaredNorm();
  for_each_block(blocks_of(n), threads, [&](size_t block) {
    const size_t start = block * kBlockRows, rows = std::min(kBlockRows, n - start);
    const ConstMap x(data + start * dim, static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(dim));
    const RowMatrix dots = x * c.transpose();
    for (size_t r = 0; r < rows; ++r) {
      Eigen::Index best;
      float value;
      if (spherical) {
        value = 1.0f - dots.row(static_cast<Eigen::Index>(r)).maxCoeff(&best);
      } else {
        const Eigen::RowVectorXf d = c_norms.transpose() - 2.0f * dots.row(static_cast<Eigen::Index>(r));
        value = d.minCoeff(&best) + x.row(static_cast<Eigen::Index>(r)).squaredNorm();
      }
      out[start + r] = static_cast<uint32_t>(best);
      if (distance != nullptr) distance[start + r] = std::max(0.0f, value);
    }
  }, check);
}

KMeansResult kmeans(const float* data_in, size_t n, size_t dim, const KMeansOptions& options) {
  KMeansResult result;
  if (n == 0 || dim == 0) return result;
  const size_t k = std::min(std::max<size_t>(options.k, 1), n);
  std::vector<float> unit;  // spherical k-means clusters directions: work on unit rows
  const float* data = data_in;
  if (options.spherical) {
    unit.assign(data_in, data_in + n * dim);
    normalize_rows(unit.data(), n, dim);
    data = unit.data();
  }
  std::mt19937_64 rng(options.seed);
  const size_t seed_n = options.seed_rows > 0 ? std::min(n, std::max(options.seed_rows, k)) : n;
  const std::vector<float> subset = seed_n < n ? random_rows(data, n, dim, seed_n, rng) : std::vector<float>{};
  result.centroids = seed_centres(seed_n < n ? subset.data() : data, seed_n, dim, k, rng, options);
  if (options.spherical) normalize_rows(result.centroids.data(), k, dim);
  result.assignment.assign(n, 0);
  std::vector<float> dist(n);
  for (int it = 0; it < std::max(options.iterations, 1); ++it) {
    assign_nearest(result.centroids.data(), k, data, n, dim, options.spherical, result.assignment.data(), dist.data(),
                   options.threads, options.check);
    std::vector<double> sums(k * dim, 0.0);
    std::vector<size_t> counts(k, 0);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t c = result.assignment[i];
      ++counts[c];
      for (size_t j = 0; j < dim; ++j) sums[c * dim + j] += data[i * dim + j];
    }
    for (size_t c = 0; c < k; ++c) {
      if (counts[c] == 0) {  // empty: move it onto the worst-served row
        const size_t far = static_cast<size_t>(std::max_element(dist.begin(), dist.end()) - dist.begin());
        std::copy(data + far * dim, data + (far + 1) * dim, result.centroids.begin() + static_cast<std::ptrdiff_t>(c * dim));
        dist[far] = 0;
        ++result.reseeded;
        continue;
      }
      for (size_t j = 0; j < dim; ++j)
        result.centroids[c * dim + j] = static_cast<float>(sums[c * dim + j] / static_cast<double>(counts[c]));
    }
    if (options.spherical) normalize_rows(result.centroids.data(), k, dim);
  }
  assign_nearest(result.centroids.data(), k, data, n, dim, options.spherical, result.assignment.data(), dist.data(),
                 options.threads, options.check);
  result.objective = 0;
  for (float d : dist) result.objective += d;
  return result;
}

}  // namespace vectorx
