// Bounded codes: the entries of the exact `flat` index. An entry is a value's 8-bit scalar code
// plus what turns the code's estimate into a provable lower bound of the operator's distance:
//
//   entry:  float eps | float scale | uint8 code[dim] (padded to 4 bytes by the page layout)
//     code_i  round((x_i - lo_i) / step_i), clamped to 0..255; x̂_i = lo_i + step_i·code_i
//     eps     ||x - x̂|| (Σ|x_i - x̂_i| under L1), computed in double and rounded up;
//             +Infinity for values too large or small to bound (every bound then -Infinity)
//     scale   1/||x|| under cosine, else ||x||, nearest float
//   quantizer (the index's codebook pages): lo[dim] then step[dim], from a sample's range
//
// Bounds for a query q (triangle and Cauchy-Schwarz inequalities):
//   L2  ||q - x|| ≥ ||q - x̂|| - eps          L1      Σ|q - x| ≥ Σ|q - x̂| - eps
//   IP  -q·x ≥ -q·x̂ - ||q||·eps             cosine  q·x/(|q||x|) ≤ (q·x̂ + |q|·eps)/(|q||x|)
// Each bound is lowered further by the worst-case float32 rounding error of both its own
// computation and the operator's (n·2^-24 relative per sum of n terms), so the operator's
// result is never below it. A bound that cannot be computed finitely is -Infinity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "vectorx/ivf/index.h"

namespace vectorx::ivf {

// Element kinds and metrics bounded codes serve: float32 and float16 under L2, inner product,
// cosine and L1.
bool bounded_supported(ElementKind kind, Metric metric);
constexpr size_t bounded_entry_bytes(int64_t dim) { return 2 * sizeof(float) + static_cast<size_t>(dim); }
// Whether float32 sums over values of this norm stay within the range the bounds' error terms
// assume (norms 2^-50 .. 2^60; the lower limit only under cosine). Other values get an
// infinite error bound: -Infinity bounds, always re-checked. Shared with ivfpq's bounds.
bool boundable_norm(double norm, Metric metric);
// u = 2·(n + 8)·2^-24: twice the worst-case relative error of a float32 sum of n terms.
double sum_rounding(size_t n);
// A non-negative double rounded up to a float (+Infinity past the float range).
float round_up(double x);

class BoundedQuantizer {
 public:
  // lo[dim] then step[dim] from the range of n sample payloads of `space` (any n, 0 too).
  static std::vector<float> train(const Space& space, const uint8_t* samples, size_t n);

  // `ranges`: what train returned (CorruptIndex when it does not fit `space`).
  BoundedQuantizer(const Space& space, std::vector<float> ranges);

  const Space& space() const { return space_; }
  // The entry of a value into `out` (bounded_entry_bytes), with a scratch of dim floats.
  void encode(const uint8_t* payload, uint8_t* out, float* scratch) const;
  // A scorer whose keys are lower bounds of the operator's distance from `query`.
  std::unique_ptr<EntryScorer> scorer(const uint8_t* query, size_t stride) const;

  const float* lo() const { return ranges_.data(); }
  const float* step() const { return ranges_.data() + dim_; }

 private:
  Space space_;
  size_t dim_;
  std::vector<float> ranges_;
};

}  // namespace vectorx::ivf
