// Deterministic random inputs for the unit tests.
#pragma once

#include "vectorx/slotted_page.h"

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

// Points around 16 random centres, like real embeddings (not uniform noise).
inline std::vector<float> clustered(size_t n, size_t dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  std::uniform_real_distribution<float> centre(-3.0f, 3.0f);
  std::vector<std::vector<float>> centres(16, std::vector<float>(dim));
  for (auto& c : centres)
    for (auto& x : c) x = centre(rng);
  std::vector<float> out(n * dim);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < dim; ++j) out[i * dim + j] = centres[i % 16][j] + noise(rng);
  return out;
}

// clustered() with every third row moved within 1e-3 of one of a few earlier rows: groups of
// near-duplicates, on which the neighbour heuristic prunes every link to some elements.
inline std::vector<float> near_duplicates(size_t n, size_t dim, uint32_t seed) {
  std::vector<float> out = clustered(n, dim, seed);
  for (size_t i = 0; i < n; i += 3)
    for (size_t d = 0; d < dim; ++d) out[i * dim + d] = out[(i / 300) * dim + d] + 1e-4f * static_cast<float>(i % 7);
  return out;
}

// A float vector as a payload (metric.h).
inline const uint8_t* bytes(const float* v) { return reinterpret_cast<const uint8_t*>(v); }

// Row i of a test table as a heap TID (100 rows a block), and back.
inline HeapTid tid_of(size_t row) { return {static_cast<uint32_t>(row / 100), static_cast<uint16_t>(row % 100 + 1)}; }
inline size_t row_of(HeapTid t) { return size_t{t.block} * 100 + t.offset - 1; }

}  // namespace vectorx::test
