// IVF training (training.h).
#include "vectorx/ivf/training.h"

#include <algorithm>
#include <cstring>

#include "vectorx/ivf/index.h"
#include "vectorx/kmeans.h"

namespace vectorx::ivf {
namespace {

// List centres: Lloyd's steps over the whole sample, k-means++ seeds from 20 rows a list of it
// or 10,000 rows if more (on glove-100, seeding from all 100 rows a list gave the same recall
// and took 0.4 s more).
constexpr int kCentreIterations = 8;
constexpr size_t kSeedRowsPerCentre = 20;

// splitmix64: a small, seedable generator whose sequence is the same on every platform.
uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

void value_to_floats(const Space& space, const uint8_t* payload, float* out) {
  const auto dim = static_cast<size_t>(space.dim());
  switch (space.kind()) {
    case ElementKind::kFloat32:
      std::memcpy(out, payload, dim * sizeof(float));
      return;
    case ElementKind::kFloat16: {
      const auto* h = reinterpret_cast<const half_bits*>(payload);
      for (size_t i = 0; i < dim; ++i) out[i] = half_to_float(h[i]);
      return;
    }
    default:  // bit strings, most significant bit first
      for (size_t i = 0; i < dim; ++i) out[i] = static_cast<float>((payload[i / 8] >> (7 - i % 8)) & 1);
  }
}

namespace {

void from_floats(const Space& space, const float* in, uint8_t* payload) {
  const auto dim = static_cast<size_t>(space.dim());
  switch (space.kind()) {
    case ElementKind::kFloat32:
      std::memcpy(payload, in, dim * sizeof(float));
      return;
    case ElementKind::kFloat16: {
      auto* h = reinterpret_cast<half_bits*>(payload);
      for (size_t i = 0; i < dim; ++i) float_to_half(in[i], &h[i]);  // centres lie inside the data's range
      return;
    }
    default:
      std::memset(payload, 0, value_bytes(space));
      for (size_t i = 0; i < dim; ++i)
        if (in[i] > 0.5f) payload[i / 8] |= static_cast<uint8_t>(1u << (7 - i % 8));
  }
}

}  // namespace

Reservoir::Reservoir(size_t capacity, size_t value_bytes, uint64_t seed)
    : capacity_(capacity), value_bytes_(value_bytes), state_(seed) {
  values_.reserve(capacity * value_bytes);
}

void Reservoir::offer(const uint8_t* payload) {
  ++seen_;
  if (size_ < capacity_) {
    values_.insert(values_.end(), payload, payload + value_bytes_);
    ++size_;
    return;
  }
  const uint64_t slot = next_random(state_) % seen_;
  if (slot < capacity_) std::memcpy(values_.data() + slot * value_bytes_, payload, value_bytes_);
}

size_t automatic_sample_rows(size_t lists) { return std::max<size_t>(100 * lists, 10000); }

std::vector<uint8_t> train_centres(const Space& space, const uint8_t* samples, size_t n, size_t lists, uint64_t seed,
                                   unsigned threads, const std::function<void()>& check) {
  const size_t bytes = value_bytes(space), dim = static_cast<size_t>(space.dim());
  if (n == 0) return std::vector<uint8_t>(bytes, 0);
  std::vector<float> data(n * dim);
  for (size_t i = 0; i < n; ++i) value_to_floats(space, samples + i * bytes, data.data() + i * dim);
  KMeansOptions options;
  options.k = lists;
  options.iterations = kCentreIterations;
  options.seed_rows = std::max<size_t>(kSeedRowsPerCentre * lists, 10000);  // seeding: k passes over its rows
  options.spherical = space.metric() == Metric::kInnerProduct || space.metric() == Metric::kCosine;
  options.seed = seed;
  options.threads = threads;
  options.check = check;
  const KMeansResult km = kmeans(data.data(), n, dim, options);
  const size_t k = km.centroids.size() / dim;
  std::vector<uint8_t> centres(k * bytes);
  for (size_t c = 0; c < k; ++c) from_floats(space, km.centroids.data() + c * dim, centres.data() + c * bytes);
  return centres;
}

}  // namespace vectorx::ivf
