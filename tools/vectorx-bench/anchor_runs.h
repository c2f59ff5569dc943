// Internals shared by the anchor implementations: anchors.cpp (the project's own algorithms,
// portable flags) and anchors_external.cpp (hnswlib and FAISS, built for this machine).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "anchors.h"

namespace vectorx::bench::anchor {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t);

// Runs search(q) for the first nq queries, timing each.
AnchorPoint timed_queries(const std::string& setting, size_t nq,
                          const std::function<std::vector<int32_t>(size_t)>& search);

// Unit-length copies: cosine as inner product, the way the graph libraries expect it.
Matrix<float> normalized(const Matrix<float>& m);

}  // namespace vectorx::bench::anchor

namespace vectorx::bench::external {

// Defined only when the library was found (VECTORX_BENCH_HNSWLIB / VECTORX_BENCH_FAISS).
AnchorRun hnswlib_run(const AnchorParams& p, const Matrix<float>& base, const Matrix<float>& queries, size_t nq,
                      size_t k, Metric metric);
AnchorRun faiss_run(const std::string& name, const AnchorParams& p, const Matrix<float>& base,
                    const Matrix<float>& queries, size_t nq, size_t k, Metric metric);

}  // namespace vectorx::bench::external
