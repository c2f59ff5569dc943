// 8-bit scalar quantization: each dimension maps [lo_i, lo_i + 255 step_i] onto codes 0..255.
// Codes are a quarter of float32 and compared with a float query directly (asymmetric
// distance), and the quantization error is bounded, so an index can traverse on codes and
// still order its results exactly (see l2_lower_bound).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vectorx {

class Sq8Quantizer {
 public:
  // Per-dimension range from the min and max of `rows` sample vectors.
  static Sq8Quantizer train(const float* sample, size_t rows, size_t dim);
  Sq8Quantizer(std::vector<float> lo, std::vector<float> step);

  size_t dim() const { return lo_.size(); }
  const std::vector<float>& lo() const { return lo_; }
  const std::vector<float>& step() const { return step_; }

  // Nearest code per dimension (values outside the trained range clamp to it).
  void encode(const float* x, uint8_t* code) const;
  void decode(const uint8_t* code, float* x) const;

  // A query prepared once, then compared with many codes.
  class Query {
   public:
    // Squared L2 distance between the query and the decoded code.
    float l2sq(const uint8_t* code) const;
    // Inner product between the query and the decoded code.
    float dot(const uint8_t* code) const;

   private:
    friend class Sq8Quantizer;
    const Sq8Quantizer* q_ = nullptr;
    std::vector<float> shifted_;  // query - lo
    std::vector<float> scaled_;   // query * step
    float dot_lo_ = 0;            // query · lo
  };
  Query prepare(const float* query) const;

  // max ||x - decode(encode(x))|| over x inside the trained range: sqrt(Σ (step_i / 2)²).
  float error_bound() const { return error_bound_; }
  // A lower bound on the true L2 distance from a code's squared L2 distance to the query,
  // valid for vectors inside the trained range.
  float l2_lower_bound(float code_l2sq) const;

 private:
  std::vector<float> lo_, step_;
  float error_bound_ = 0;
};

}  // namespace vectorx
