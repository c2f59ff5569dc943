// Whole-vector operations with pgvector's SQL conventions, on top of the kernels:
// metric finishing (cosine, Jaccard), sparse-sparse merges, element-wise arithmetic,
// normalisation, binary quantization and ordering.
#pragma once

#include <cstddef>
#include <cstdint>

#include "vectorx/float16.h"
#include "vectorx/kernels.h"

namespace vectorx {

// 1 - a·b/(|a||b|), similarity clamped to [-1, 1]; NaN when either vector is zero.
double cosine_distance(const DotNorms& p) noexcept;
// 1 - |a∧b|/|a∨b|; 1 when the intersection is empty.
double jaccard_distance(const BitCounts& c) noexcept;

// A sparse vector: strictly increasing 0-based indices with their non-zero values.
struct SparseView {
  int64_t dim;
  size_t nnz;
  const int32_t* indices;
  const float* values;
};

float sparse_l2sq(const SparseView& a, const SparseView& b) noexcept;
float sparse_dot(const SparseView& a, const SparseView& b) noexcept;
float sparse_l1(const SparseView& a, const SparseView& b) noexcept;
float sparse_norm_sq(const SparseView& a) noexcept;

// The dense operations below come in two overloads: float (vector) and half_bits (halfvec,
// computed in float).

// Element-wise arithmetic, checked as pgvector checks it: the first element (in order) whose
// result overflows the element type, or whose product of non-zero factors rounds to zero,
// makes the whole operation fail.
enum class ArithOp { kAdd, kSub, kMul };
enum class ArithStatus { kOk, kOverflow, kUnderflow };
ArithStatus elementwise(ArithOp op, const float* a, const float* b, float* out, size_t n) noexcept;
ArithStatus elementwise(ArithOp op, const half_bits* a, const half_bits* b, half_bits* out, size_t n) noexcept;

// Euclidean norm accumulated in double.
double l2_norm(const float* a, size_t n) noexcept;
double l2_norm(const half_bits* a, size_t n) noexcept;
// Writes a / |a| (a zero vector stays zero).
void l2_normalize(const float* a, float* out, size_t n) noexcept;
void l2_normalize(const half_bits* a, half_bits* out, size_t n) noexcept;

// Bit i (most significant first in each byte, as Postgres' bit type stores it) is 1 when
// x_i > 0. `out` holds (n + 7) / 8 bytes; the unused low bits of the last byte are zero.
void binary_quantize(const float* a, size_t n, uint8_t* out) noexcept;
void binary_quantize(const half_bits* a, size_t n, uint8_t* out) noexcept;

// Total order used by btree: element-wise on the common prefix, then by dimension count.
int compare(const float* a, size_t na, const float* b, size_t nb) noexcept;
int compare(const half_bits* a, size_t na, const half_bits* b, size_t nb) noexcept;
// Sparse order compares as if dense: the first differing coordinate decides, then dims.
int compare_sparse(const SparseView& a, const SparseView& b) noexcept;

// The 1-based window [start, start+count) of an n-vector, clipped to it: the 0-based offset
// and length. Length 0 means the window is empty.
struct Window {
  size_t offset;
  size_t length;
};
Window subvector_window(size_t n, int64_t start, int64_t count) noexcept;

}  // namespace vectorx
