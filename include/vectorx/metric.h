// Distances between stored values, one definition for the SQL operators and the indexes.
//
// A value's *payload* is its varlena body after the first 8 bytes (pgvector's layouts):
//   float32 / float16: element[dim]            bit: byte[(dim + 7) / 8]
//   sparse:            int32 nnz, int32 unused, int32 index[nnz], float value[nnz]
// Indexes store payloads and measure them with a Space; the SQL operators call the same
// functions, so a distance an index reports equals the operator's result bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "vectorx/float16.h"
#include "vectorx/vector_math.h"

namespace vectorx {

enum class ElementKind : uint8_t { kFloat32 = 1, kFloat16 = 2, kSparse = 3, kBit = 4 };
enum class Metric : uint8_t { kL2 = 1, kInnerProduct = 2, kCosine = 3, kL1 = 4, kHamming = 5, kJaccard = 6 };

// The metric's name as vectorx_index_stats shows it: l2, inner_product, cosine, l1, hamming, jaccard.
const char* metric_name(Metric metric) noexcept;

// The SQL operator values: <-> (L2), <#> (negative inner product), <=>, <+>, <~>, <%>.
double dense_distance(Metric metric, const float* a, const float* b, size_t n) noexcept;
double dense_distance(Metric metric, const half_bits* a, const half_bits* b, size_t n) noexcept;
double sparse_distance(Metric metric, const SparseView& a, const SparseView& b) noexcept;
double bit_distance(Metric metric, const uint8_t* a, const uint8_t* b, size_t nbytes) noexcept;

// How an index measures payloads of one element kind under one metric.
class Space {
 public:
  Space(ElementKind kind, Metric metric, int64_t dim);

  ElementKind kind() const { return kind_; }
  Metric metric() const { return metric_; }
  int64_t dim() const { return dim_; }
  // Whether the pair is supported (an operator class exists for it).
  static bool valid(ElementKind kind, Metric metric);
  // Largest dimension count an index of `kind` takes (the type's own limit; bit strings as pgvector).
  static int64_t max_index_dim(ElementKind kind);

  // The operator's distance between two payloads of this space.
  double distance(const uint8_t* a, const uint8_t* b) const noexcept { return distance_from_key(key(a, b)); }
  // An order-preserving stand-in for distance, cheaper for L2 (the squared distance, no root);
  // distance_from_key(key(a, b)) == distance(a, b) exactly. Keys order as Postgres orders
  // distances and never break a heap's order: a NaN distance (overflowing values, such as
  // opposite infinite products) is the key +Infinity, after +Infinity's key, the largest double
  // (no distance computed in float comes near it).
  double key(const uint8_t* a, const uint8_t* b) const noexcept;
  double distance_from_key(double key) const noexcept;
  // Cosine by one dot product, for graph builds: the one-pass kernel computes both norms for
  // every pair, most of a glove-100 build's time. Dense values under cosine only
  // (cosine_by_dot()). cosine_key_by_dot(a, b, inverse_norm(a) * inverse_norm(b)) is key(a, b)
  // up to float rounding, ordered the same way (NaN as +Infinity); it is never a value the
  // operator returns.
  bool cosine_by_dot() const noexcept;
  double inverse_norm(const uint8_t* payload) const noexcept;
  double cosine_key_by_dot(const uint8_t* a, const uint8_t* b, double inverse_norms) const noexcept;
  // Bytes a well-formed payload occupies given its first `available` bytes; 0 if malformed.
  size_t payload_size(const uint8_t* payload, size_t available) const noexcept;
  // The most bytes a well-formed payload of this space can occupy.
  size_t max_payload_size() const noexcept;
  // False for values the metric cannot order (a zero vector under cosine): not indexed.
  bool indexable(const uint8_t* payload) const noexcept;
  // A query for scans whose own query orders nothing (NULL, or zero under cosine: every
  // distance is NULL or NaN, so any order is the right one): [1, 0, …, 0] (bits: all zero).
  std::vector<uint8_t> stand_in_query() const;

 private:
  SparseView sparse_view(const uint8_t* payload) const noexcept;
  double raw_key(const uint8_t* a, const uint8_t* b) const noexcept;

  ElementKind kind_;
  Metric metric_;
  int64_t dim_;
};

}  // namespace vectorx
