// The index advisor's rules (vectorx_advise): from a column's shape, the distance in use, a
// recall target and the memory at hand, which of exact scan, flat, hnsw, ivfflat or ivfpq to use,
// with which parameters, and why. The thresholds come from the measurements in README
// (Performance): siftsmall (10K × 128) and fashion-mnist (60K × 784) on this project's code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "vectorx/metric.h"

namespace vectorx {

enum class AdvisedMethod { kExact, kFlat, kHnsw, kIvfflat, kIvfpq };

struct AdviceInput {
  double rows;
  int64_t dims;
  ElementKind kind;
  Metric metric;
  double target_recall;        // 0 < target ≤ 1
  size_t build_memory_bytes;   // what a build may use
  size_t cache_bytes;          // shared_buffers: what stays in memory between queries
};

// What to build and how to search it (plain data).
struct AdvisedIndex {
  AdvisedMethod method = AdvisedMethod::kExact;
  // hnsw
  int m = 0, ef_construction = 0, ef_search = 0;
  // ivfflat / ivfpq (scalar codes of scalar_bits, 8 or 4, or 4-bit product codes of pq_m
  // sub-quantizers when pq_m > 0)
  int lists = 0, probes = 0, scalar_bits = 8, pq_m = 0;
  double index_bytes = 0;  // estimated size of the recommended index
  double build_bytes = 0;  // estimated build memory (hnsw's in-memory graph)
};

struct Advice {
  AdvisedIndex plan;
  std::string reason;  // one line
};

const char* advised_method_name(AdvisedMethod method);
Advice advise(const AdviceInput& in);

}  // namespace vectorx
