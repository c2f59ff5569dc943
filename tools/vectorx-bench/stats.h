// Recall and latency statistics.
#pragma once

#include <cstdint>
#include <vector>

#include "dataset.h"

namespace vectorx::bench {

// Mean over queries of |first k results ∩ true k nearest| / k.
double recall_at_k(const std::vector<std::vector<int32_t>>& results, const Matrix<int32_t>& truth,
                   size_t k);

// The p-th percentile (0..100) by linear interpolation between closest ranks; 0 if empty.
double percentile(std::vector<double> samples, double p);

// A sweep's measured point: recall and queries per second.
struct SweepPoint {
  double recall = 0, qps = 0;
};
// Queries per second at `recall`, interpolated linearly between the two points of a sweep whose
// recalls bracket it (in recall order); NaN when no two points do.
double qps_at_recall(std::vector<SweepPoint> points, double recall);

}  // namespace vectorx::bench
