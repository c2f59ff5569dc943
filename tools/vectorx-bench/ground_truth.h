// Exact nearest neighbours by brute force with the project's SIMD kernels, on all cores, and a
// cache of them next to the data.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "dataset.h"
#include "metric.h"

namespace vectorx::bench {

// The k nearest base rows of one query, nearest first (ties: lower row first).
std::vector<int32_t> nearest(const Matrix<float>& base, const float* query, size_t k, Metric metric);

// nearest() for every query, spread over `threads` threads (0 = all cores).
Matrix<int32_t> exact_neighbors(const Matrix<float>& base, const Matrix<float>& queries, size_t k,
                                Metric metric, unsigned threads = 0);

// Loads the top-k cached for (base file, queries file, metric, k) — next to the base file, or
// in cache_dir when that folder is not writable — or computes and stores it.
Matrix<int32_t> cached_ground_truth(const std::string& base_path, const std::string& queries_path,
                                    const Matrix<float>& base, const Matrix<float>& queries, size_t k,
                                    Metric metric, const std::string& cache_dir, std::ostream& log);

// Recomputes `sample` evenly spaced queries and compares with `truth` by distance at each of
// the first k ranks (so ties in either file do not count); returns the queries that differ.
size_t check_ground_truth(const Matrix<int32_t>& truth, const Matrix<float>& base,
                          const Matrix<float>& queries, size_t sample, size_t k, Metric metric);

}  // namespace vectorx::bench
