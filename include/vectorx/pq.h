// Product quantization: a vector is cut into m sub-vectors of dim/m dimensions, and each is
// replaced by the index of its nearest centroid in that subspace's codebook of 2^nbits
// centroids (nbits 4 or 8). A query compares with codes through a lookup table of
// m × 2^nbits partial distances, so one code costs m table reads. With one dimension per
// sub-quantizer (m = dim) the codebooks are sorted scalar levels, trained by 1-D k-means and
// searched by bisection.
//   8-bit codes: one byte per sub-quantizer.  4-bit codes: two per byte, low nibble first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "vectorx/kmeans.h"

namespace vectorx {

class ProductQuantizer {
 public:
  // Trains the m codebooks by k-means on n rows (the caller passes residuals for IVF).
  static ProductQuantizer train(const float* data, size_t n, size_t dim, size_t m, int nbits,
                                const KMeansOptions& options);
  ProductQuantizer(size_t dim, size_t m, int nbits, std::vector<float> codebooks);

  size_t dim() const { return dim_; }
  size_t m() const { return m_; }
  int nbits() const { return nbits_; }
  size_t ksub() const { return size_t{1} << nbits_; }
  size_t code_size() const { return nbits_ == 8 ? m_ : (m_ + 1) / 2; }
  // m × ksub × (dim/m) floats: codebook j, centroid c at ((j * ksub) + c) * dsub.
  const std::vector<float>& codebooks() const { return codebooks_; }

  void encode(const float* x, uint8_t* code) const;
  void decode(const uint8_t* code, float* x) const;
  // ||x - decode(code)||², in double.
  double error_sq(const float* x, const uint8_t* code) const;
  // The largest norm a decoded code can have: √(Σ_j max_c ||centroid_jc||²).
  double largest_decoded_norm() const;
  // Centroid index of sub-quantizer j in `code`.
  uint32_t code_at(const uint8_t* code, size_t j) const;

  // Lookup tables (m × ksub): squared L2 from each query sub-vector to each centroid, or the
  // inner product with it. table_sum adds up one code's entries.
  void l2_table(const float* query, float* table) const;
  void ip_table(const float* query, float* table) const;
  float table_sum(const float* table, const uint8_t* code) const;

  // IVF with residual codes under L2 splits ||q - c - r||² into ||q - c||², a per-list term
  // ||r_j||² + 2 c_j·r_j that depends only on the list (computed once, at build), and
  // -2 q_j·r_j that depends only on the query (one ip_table per query). list_term_table
  // writes the per-list term for list centre c; residual_l2_table combines both into the
  // table for one list (m × ksub additions instead of m × ksub sub-distances).
  void list_term_table(const float* list_centre, float* table) const;
  static void residual_l2_table(const float* list_terms, const float* query_ip, size_t entries, float* table);

 private:
  void set_code(uint8_t* code, size_t j, uint32_t centroid) const;

  size_t dim_, m_, dsub_;
  int nbits_;
  std::vector<float> codebooks_;
  bool sorted_levels_ = false;  // one dimension per sub-quantizer, every codebook sorted
};

}  // namespace vectorx
