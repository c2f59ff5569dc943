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

}  // namespace vectorx::bench
