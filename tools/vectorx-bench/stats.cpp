// Recall and percentiles (see stats.h).
#include "stats.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <unordered_set>

namespace vectorx::bench {

double recall_at_k(const std::vector<std::vector<int32_t>>& results, const Matrix<int32_t>& truth,
                   size_t k) {
  if (k == 0 || k > truth.dim) throw std::invalid_argument("k must be in 1..ground-truth depth");
  if (results.size() > truth.rows) throw std::invalid_argument("more results than ground truth");
  if (results.empty()) return 0;
  double sum = 0;
  for (size_t q = 0; q < results.size(); ++q) {
    const std::unordered_set<int32_t> expected(truth.row(q), truth.row(q) + k);
    size_t found = 0;
    for (size_t i = 0; i < std::min(k, results[q].size()); ++i) found += expected.count(results[q][i]);
    sum += static_cast<double>(found) / static_cast<double>(k);
  }
  return sum / static_cast<double>(results.size());
}

double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(samples.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, samples.size() - 1);
  return samples[lo] + (samples[hi] - samples[lo]) * (rank - static_cast<double>(lo));
}

double qps_at_recall(std::vector<SweepPoint> points, double recall) {
  std::sort(points.begin(), points.end(), [](const SweepPoint& a, const SweepPoint& b) { return a.recall < b.recall; });
  for (size_t i = 0; i + 1 < points.size(); ++i) {
    const SweepPoint &lo = points[i], &hi = points[i + 1];
    if (lo.recall > recall || recall > hi.recall) continue;
    if (hi.recall == lo.recall) return std::max(lo.qps, hi.qps);
    return lo.qps + (hi.qps - lo.qps) * (recall - lo.recall) / (hi.recall - lo.recall);
  }
  return std::nan("");
}

}  // namespace vectorx::bench
