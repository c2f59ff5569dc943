// Distance metrics as the benchmark names them, with their SQL operators and exact distances
// from the project's own kernels (smaller is closer for all three).
#pragma once

#include <cstddef>
#include <string>

namespace vectorx::bench {

enum class Metric { kL2, kInnerProduct, kCosine };

Metric parse_metric(const std::string& name);  // "l2", "ip", "cosine"; throws on others
const char* metric_name(Metric m);
const char* sql_operator(Metric m);            // <->, <#>, <=>
float distance(Metric m, const float* a, const float* b, size_t n);

}  // namespace vectorx::bench
