// The metrics the benchmark measures (the core's l2, inner product and cosine), as its command
// line names them, with their SQL operators and exact distances from the project's own
// kernels (smaller is closer for all three).
#pragma once

#include <cstddef>
#include <string>

#include "vectorx/metric.h"

namespace vectorx::bench {

using vectorx::Metric;
using vectorx::metric_name;

Metric parse_metric(const std::string& name);  // "l2", "ip", "cosine"; throws on others
const char* sql_operator(Metric m);            // <->, <#>, <=> (throws for the others)
float distance(Metric m, const float* a, const float* b, size_t n);

}  // namespace vectorx::bench
