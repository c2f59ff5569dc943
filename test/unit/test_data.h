// Deterministic random inputs for the unit tests.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "vectorx/float16.h"

namespace vectorx::test {

inline std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -2.0f,
                                        float hi = 2.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

inline std::vector<half_bits> random_halves(size_t n, uint32_t seed) {
  std::vector<half_bits> v(n);
  const auto f = random_floats(n, seed);
  for (size_t i = 0; i < n; ++i) float_to_half(f[i], &v[i]);
  return v;
}

inline std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& x : v) x = static_cast<uint8_t>(rng());
  return v;
}

}  // namespace vectorx::test
