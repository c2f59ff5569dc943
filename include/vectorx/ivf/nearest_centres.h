// The nearest centre of each value in a block, exactly as nearest_centre picks it (the
// smallest Space key; the lowest list among equal keys), at the cost of one matrix product
// for the block. The product ranks every centre approximately; only the centres within the
// product's worst-case float rounding of the best one get their exact key. A bulk load of
// glove-100 into 575 lists spent 60% of its time on exact keys, one centre at a time.
//
// The bound: for n dimensions a float dot product, in any summation order, is off by at most
// γ·‖x‖‖c‖ with γ = n·2^-24 / (1 - n·2^-24); the exact keys carry errors of the same kind. The
// window is 8× the sum of both, plus an absolute term for products that underflow. Metrics
// with no product form (L1, bit strings, sparse values) and values whose squared norm leaves
// [1e-30, 1e30] (where keys overflow, underflow or turn NaN) take the exact loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "vectorx/metric.h"

namespace vectorx::ivf {

class NearestCentres {
 public:
  // `centres`: `count` values of `space`, value_bytes(space) each; kept by pointer.
  NearestCentres(const Space& space, const uint8_t* centres, size_t count);

  // lists[i]: the nearest centre of values[i] (value_bytes(space) each), for n values.
  // Thread-safe: it allocates its own scratch.
  void find(const uint8_t* values, size_t n, uint32_t* lists) const;

 private:
  uint32_t exact(const uint8_t* value) const;
  uint32_t among_candidates(const uint8_t* value, const double* scores, double window) const;

  Space space_;
  const uint8_t* centres_;
  size_t count_, dim_, value_bytes_;
  bool product_ = false;      // whether the matrix product applies at all
  std::vector<float> matrix_;  // count × dim; unit rows under cosine
  std::vector<double> norms_sq_;
  double max_norm_ = 0;
};

}  // namespace vectorx::ivf
