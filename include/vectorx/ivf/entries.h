// What an IVF list entry holds for a value, and how a query ranks entries (ivf/index.h):
//   ivfflat: the value itself, ranked by the operator's exact distance;
//   ivfpq:   a product-quantization code (pq.h) of the value, or of its residual to the
//            list's centre, ranked by an estimate from lookup tables (4-bit codes with the
//            SIMD fast scan, pq_fastscan.h), with its reconstruction error, so the
//            estimate also gives a lower bound of the distance; callers re-check exactly;
//   flat:    a bounded code (bounded_codes.h), ranked by a lower bound of the distance.
// Cosine codes encode unit-length values, so estimates need no norms.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "vectorx/ivf/bounded_codes.h"
#include "vectorx/ivf/index.h"
#include "vectorx/pq.h"

namespace vectorx::ivf {

// What ivfpq codes are computed from: an index's codebooks and centres as floats. Never
// changes for one build, so one copy can serve every scan of an index (in one thread).
struct PqCodec {
  explicit PqCodec(IvfIndex& index);
  // L2 with residuals: the query-independent part of list l's lookup table
  // (ProductQuantizer::list_term_table), computed on first use and kept.
  const float* list_terms(uint32_t list) const;

  // The norm of list l's centre (as PQ sees it: unit length under cosine).
  double centre_norm(uint32_t list) const;

  Space space;
  bool residual;
  ProductQuantizer pq;
  std::vector<float> centres;  // lists × dim
  double decoded_norm;         // ProductQuantizer::largest_decoded_norm
  std::vector<double> centre_norms;

 private:
  mutable std::vector<std::vector<float>> list_terms_;  // per list: m × ksub, or empty
};

class Entries {
 public:
  // `codec`: the index's PqCodec when it has one already (ivfpq), else made here.
  explicit Entries(IvfIndex& index, std::shared_ptr<const PqCodec> codec = nullptr);

  // Whether scorers' distances are the operator's exact ones (ivfflat) or estimates / bounds.
  bool exact() const { return codec_ == nullptr && bounded_ == nullptr; }
  const std::shared_ptr<const PqCodec>& codec() const { return codec_; }
  // The entry for a value going to `list`; valid until the next call.
  const uint8_t* encode(const uint8_t* value, uint32_t list);
  // The same into `out` (meta().entry_bytes), with the caller's scratch of dim floats: safe
  // to call from several threads at once.
  void encode_to(const uint8_t* value, uint32_t list, uint8_t* out, float* scratch) const;
  size_t entry_bytes() const { return entry_bytes_; }
  // Keys of entries for `query`: exact distances (ivfflat), lower bounds (flat, and ivfpq with
  // `lower_bounds`), else ivfpq's estimates.
  std::unique_ptr<EntryScorer> scorer(const uint8_t* query, bool lower_bounds = false) const;

 private:
  IvfIndex& index_;
  std::shared_ptr<const PqCodec> codec_;
  std::shared_ptr<const BoundedQuantizer> bounded_;
  size_t entry_bytes_;
  std::vector<float> floats_;
  std::vector<uint8_t> code_;
};

// The floats PQ sees for a value: float32 elements, scaled to unit length under cosine.
// Returns the value's norm before scaling.
double pq_input(const Space& space, const uint8_t* payload, float* out);

// Codebooks (ProductQuantizer::codebooks order) for an ivfpq index from n sample values:
// m sub-quantizers of 2^nbits centroids trained on the values or, with `residual`, on their
// differences from the nearest of `centres` (payloads of `space`).
std::vector<float> train_codebooks(const Space& space, const uint8_t* samples, size_t n,
                                   const std::vector<uint8_t>& centres, size_t m, int nbits, bool residual,
                                   uint64_t seed, unsigned threads = 1, const std::function<void()>& check = {});

}  // namespace vectorx::ivf

namespace vectorx::ivf {

// Most sub-quantizers of 4-bit codes: fast scan adds m 8-bit table entries in 16 bits.
constexpr size_t kMaxFastScanM = 256;
// The number of sub-quantizers an ivfpq index uses when none is given: the largest divisor
// of dim not above dim/2 for 4-bit codes (and kMaxFastScanM), dim/4 for 8-bit codes.
size_t default_pq_m(size_t dim, int nbits);

}  // namespace vectorx::ivf
