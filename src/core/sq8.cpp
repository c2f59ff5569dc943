// 8-bit scalar quantization (see sq8.h).
#include "vectorx/sq8.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "vectorx/kernels.h"

namespace vectorx {

Sq8Quantizer Sq8Quantizer::train(const float* sample, size_t rows, size_t dim) {
  if (rows == 0) throw std::invalid_argument("SQ8 training needs at least one vector");
  std::vector<float> lo(dim, std::numeric_limits<float>::infinity());
  std::vector<float> hi(dim, -std::numeric_limits<float>::infinity());
  for (size_t r = 0; r < rows; ++r)
    for (size_t i = 0; i < dim; ++i) {
      lo[i] = std::min(lo[i], sample[r * dim + i]);
      hi[i] = std::max(hi[i], sample[r * dim + i]);
    }
  std::vector<float> step(dim);
  for (size_t i = 0; i < dim; ++i) step[i] = (hi[i] - lo[i]) / 255.0f;
  return Sq8Quantizer(std::move(lo), std::move(step));
}

Sq8Quantizer::Sq8Quantizer(std::vector<float> lo, std::vector<float> step) : lo_(std::move(lo)), step_(std::move(step)) {
  if (lo_.size() != step_.size()) throw std::invalid_argument("SQ8: lo and step differ in length");
  double sum = 0;
  for (float s : step_) sum += 0.25 * static_cast<double>(s) * s;
  // Rounded up a little: float arithmetic in encode/decode must not break the bound.
  error_bound_ = static_cast<float>(std::sqrt(sum) * (1 + 1e-5)) + 1e-30f;
}

void Sq8Quantizer::encode(const float* x, uint8_t* code) const {
  for (size_t i = 0; i < lo_.size(); ++i) {
    const float q = step_[i] > 0 ? std::nearbyint((x[i] - lo_[i]) / step_[i]) : 0.0f;
    code[i] = static_cast<uint8_t>(std::clamp(q, 0.0f, 255.0f));
  }
}

void Sq8Quantizer::decode(const uint8_t* code, float* x) const {
  for (size_t i = 0; i < lo_.size(); ++i) x[i] = lo_[i] + step_[i] * static_cast<float>(code[i]);
}

Sq8Quantizer::Query Sq8Quantizer::prepare(const float* query) const {
  Query p;
  p.q_ = this;
  p.shifted_.resize(dim());
  p.scaled_.resize(dim());
  double dot_lo = 0;
  for (size_t i = 0; i < dim(); ++i) {
    p.shifted_[i] = query[i] - lo_[i];
    p.scaled_[i] = query[i] * step_[i];
    dot_lo += static_cast<double>(query[i]) * lo_[i];
  }
  p.dot_lo_ = static_cast<float>(dot_lo);
  return p;
}

float Sq8Quantizer::Query::l2sq(const uint8_t* code) const {
  return kernels().l2sq_sq8(shifted_.data(), q_->step_.data(), code, shifted_.size());
}

float Sq8Quantizer::Query::dot(const uint8_t* code) const {
  return dot_lo_ + kernels().dot_u8(scaled_.data(), code, scaled_.size());
}

float Sq8Quantizer::l2_lower_bound(float code_l2sq) const {
  return std::max(0.0f, std::sqrt(std::max(0.0f, code_l2sq)) - error_bound_);
}

}  // namespace vectorx
