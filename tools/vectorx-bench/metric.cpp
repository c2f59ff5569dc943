// Metric helpers (see metric.h).
#include "metric.h"

#include <stdexcept>

#include "vectorx/kernels.h"
#include "vectorx/vector_math.h"

namespace vectorx::bench {

Metric parse_metric(const std::string& name) {
  if (name == "l2") return Metric::kL2;
  if (name == "ip") return Metric::kInnerProduct;
  if (name == "cosine") return Metric::kCosine;
  throw std::invalid_argument("unknown metric '" + name + "' (l2, ip, cosine)");
}

const char* sql_operator(Metric m) {
  switch (m) {
    case Metric::kL2:
      return "<->";
    case Metric::kInnerProduct:
      return "<#>";
    case Metric::kCosine:
      return "<=>";
    default:
      throw std::invalid_argument(std::string("the benchmark does not measure ") + metric_name(m));
  }
}

float distance(Metric m, const float* a, const float* b, size_t n) {
  switch (m) {
    case Metric::kL2:
      return l2sq(a, b, n);  // same order as L2, no sqrt needed
    case Metric::kInnerProduct:
      return -dot(a, b, n);
    case Metric::kCosine:
      return static_cast<float>(cosine_distance(dot_norms(a, b, n)));
    default:
      throw std::invalid_argument(std::string("the benchmark does not measure ") + metric_name(m));
  }
}

}  // namespace vectorx::bench
