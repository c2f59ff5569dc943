// Bounded codes: the entries of the exact `flat` index and of ivfpq's scalar quantizer. An entry
// is a value's scalar code (8 or 4 bits a dimension) plus what turns the code's estimate into a
// provable lower bound of the operator's distance:
//
//   entry:  float eps | float scale | code bytes (padded to 4 bytes by the page layout); 4-bit
//           entries keep scale only under inner product, the one bound that reads it there
//     code_i  round((x_i - lo_i) / step_i), clamped to 0..L (L = 255, or 15 for 4 bits);
//             x̂_i = lo_i + step_i·code_i
//     8 bits  one byte a dimension
//     4 bits  dimensions in blocks of 32; a block of r dimensions takes h = ⌈r/2⌉ bytes, byte
//             j holding dimension j in its low nibble and h + j in its high one (0 past r), so
//             a block unpacks with a mask and a shift, no shuffle
//     eps     ||x - x̂|| (Σ|x_i - x̂_i| under L1), computed in double and rounded up;
//             +Infinity for values too large or small to bound (every bound then -Infinity)
//     scale   1/||x|| under cosine, else ||x||, nearest float
//   4-bit codes under cosine stand for the direction u = x/||x|| (computed in double): x̂ and
//   eps above are then û and ||u - û||, and scale is 1 (the bound below is unchanged)
//   quantizer (the index's codebook pages): lo[dim] then step[dim], from a sample's range
//             (4 bits: its 0.5th to 99.5th percentile; values outside are clamped, and their
//             larger eps keeps the bound true)
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
// `bits`: 8 or 4 a dimension.
constexpr size_t bounded_code_bytes(int64_t dim, int bits) {
  return bits == 4 ? static_cast<size_t>(dim + 1) / 2 : static_cast<size_t>(dim);
}
// Bytes before the codes: eps, then scale unless a 4-bit entry's bound does without it.
constexpr size_t bounded_header_bytes(int bits, Metric metric) {
  return bits == 4 && metric != Metric::kInnerProduct ? sizeof(float) : 2 * sizeof(float);
}
constexpr size_t bounded_entry_bytes(int64_t dim, int bits, Metric metric) {
  return bounded_header_bytes(bits, metric) + bounded_code_bytes(dim, bits);
}
// 4-bit codes of n dimensions (the layout above) as one byte a dimension.
void unpack_nibble_codes(const uint8_t* packed, size_t n, uint8_t* out);
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
  static std::vector<float> train(const Space& space, const uint8_t* samples, size_t n, int bits);

  // `ranges`: what train returned (CorruptIndex when it does not fit `space`).
  BoundedQuantizer(const Space& space, std::vector<float> ranges, int bits);

  const Space& space() const { return space_; }
  int bits() const { return bits_; }
  // The highest code of a dimension (255 or 15).
  int levels() const { return bits_ == 4 ? 15 : 255; }
  // The entry of a value into `out` (bounded_entry_bytes), with a scratch of dim floats.
  void encode(const uint8_t* payload, uint8_t* out, float* scratch) const;
  // The value an entry stands for, as floats (dim of them): each dimension's level. Codes of
  // directions (4-bit cosine) give the unit vector.
  void decode(const uint8_t* entry, float* out) const;
  // A scorer whose keys are lower bounds of the operator's distance from `query`.
  std::unique_ptr<EntryScorer> scorer(const uint8_t* query, size_t stride) const;
  // A scorer whose keys are the codes' estimates of the operator's distance (no error terms):
  // nearer the true order than bounds, but no bound.
  std::unique_ptr<EntryScorer> estimator(const uint8_t* query, size_t stride) const;

  const float* lo() const { return ranges_.data(); }
  const float* step() const { return ranges_.data() + dim_; }

 private:
  Space space_;
  size_t dim_;
  int bits_;
  std::vector<float> ranges_;
  std::vector<double> inverse_step_;  // 1 / step, for encode
};

}  // namespace vectorx::ivf
