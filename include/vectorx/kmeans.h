// k-means for IVF list centres and PQ codebooks (Lloyd's algorithm with k-means++ seeding).
// Deterministic for a given seed. Spherical mode (inner product / cosine) keeps centres at unit
// length and assigns by largest inner product.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace vectorx {

struct KMeansOptions {
  size_t k = 100;
  int iterations = 10;
  bool spherical = false;
  uint64_t seed = 42;
  size_t seed_rows = 0;           // k-means++ seeds from a random subset of this many rows (0:
                                  // every row); Lloyd's steps use all rows
  unsigned threads = 1;           // seeding and assignment run on this many threads (threads.h);
                                  // the result does not depend on it
  std::function<void()> check{};  // called now and then on the caller's thread (interrupts)
};

struct KMeansResult {
  std::vector<float> centroids;       // k × dim, row-major
  std::vector<uint32_t> assignment;   // per input row
  double objective = 0;               // Σ squared distance (spherical: Σ (1 - cos))
  size_t reseeded = 0;                // empty clusters given a new centre
};

// Clusters n rows of `data` (n × dim). k is capped at n.
KMeansResult kmeans(const float* data, size_t n, size_t dim, const KMeansOptions& options);

// Index of the nearest centre for each row (largest inner product when spherical), computed
// in blocks with one matrix product per block, blocks spread over `threads` threads.
void assign_nearest(const float* centroids, size_t k, const float* data, size_t n, size_t dim, bool spherical,
                    uint32_t* out, float* distance = nullptr, unsigned threads = 1,
                    const std::function<void()>& check = {});

}  // namespace vectorx
