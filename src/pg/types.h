// In-memory (varlena) layouts of the vector types and the traits that let one template
// implement vector and halfvec alike. Layouts match pgvector's so on-disk values and the
// binary wire format line up:
//   vector / halfvec: int32 varlena header, int16 dim, int16 unused (0), element[dim]
//   sparsevec:        int32 varlena header, int32 dim, int32 nnz, int32 unused (0),
//                     int32 index[nnz] (0-based, increasing), float4 value[nnz]
#pragma once

#include <cstddef>

#include "vectorx/float16.h"
#include "vectorx/kernels.h"
#include "vectorx/limits.h"
#include "vectorx/metric.h"
#include "vectorx/vector_math.h"
#include "detoast_cache.h"
#include "pg_headers.h"

namespace vectorx::pg {

template <typename Elem>
struct DenseVarlena {
  int32 vl_len_;
  int16 dim;
  int16 unused;
  Elem x[FLEXIBLE_ARRAY_MEMBER];
};

struct SparseVarlena {
  int32 vl_len_;
  int32 dim;
  int32 nnz;
  int32 unused;
  int32 indices[FLEXIBLE_ARRAY_MEMBER];

  float* values() { return reinterpret_cast<float*>(indices + nnz); }
  const float* values() const { return reinterpret_cast<const float*>(indices + nnz); }
  SparseView view() const { return {dim, static_cast<size_t>(nnz), indices, values()}; }
};

inline size_t sparse_size(int nnz) { return offsetof(SparseVarlena, indices) + 8 * size_t(nnz); }
SparseVarlena* new_sparse(int32 dim, int nnz);

// Traits of the two dense types: what differs between vector and halfvec. Everything else
// (kernels, arithmetic, norms, ordering) is overloaded on the element type in the core.
struct VectorTraits {
  using Elem = float;
  static constexpr const char* kName = "vector";
  static float to_float(Elem e) { return e; }
  // Stores f (finite) as an element; false when it does not fit.
  static bool from_float(float f, Elem* out) {
    *out = f;
    return true;
  }
  static void send(StringInfo buf, Elem e) { pq_sendfloat4(buf, e); }
  static Elem receive(StringInfo buf) { return pq_getmsgfloat4(buf); }
};

struct HalfvecTraits {
  using Elem = half_bits;
  static constexpr const char* kName = "halfvec";
  static float to_float(Elem e) { return half_to_float(e); }
  static bool from_float(float f, Elem* out) { return float_to_half(f, out); }
  static void send(StringInfo buf, Elem e) { pq_sendint16(buf, e); }
  static Elem receive(StringInfo buf) { return static_cast<Elem>(pq_getmsgint(buf, 2)); }
};

template <typename T>
using Dense = DenseVarlena<typename T::Elem>;

template <typename T>
size_t dense_size(int dim) {
  return offsetof(Dense<T>, x) + sizeof(typename T::Elem) * size_t(dim);
}

// A zeroed dense value of `dim` elements in the current memory context.
template <typename T>
Dense<T>* new_dense(int dim) {
  const size_t size = dense_size<T>(dim);
  auto* v = static_cast<Dense<T>*>(palloc0(size));
  SET_VARSIZE(v, size);
  v->dim = static_cast<int16>(dim);
  return v;
}

template <typename T>
Dense<T>* dense_arg(FunctionCallInfo fcinfo, int n) {
  return reinterpret_cast<Dense<T>*>(PG_DETOAST_DATUM(PG_GETARG_DATUM(n)));
}

inline SparseVarlena* sparse_arg(FunctionCallInfo fcinfo, int n) {
  return reinterpret_cast<SparseVarlena*>(PG_DETOAST_DATUM(PG_GETARG_DATUM(n)));
}

// An operand (argument 0 or 1) of a binary operator, whose TOASTed value may be a cached copy
// (detoast_cache.h): read it, never return it.
template <typename T>
const Dense<T>* dense_operand(FunctionCallInfo fcinfo, int n) {
  return reinterpret_cast<const Dense<T>*>(detoast_arg_cached(fcinfo, n));
}

inline const SparseVarlena* sparse_operand(FunctionCallInfo fcinfo, int n) {
  return reinterpret_cast<const SparseVarlena*>(detoast_arg_cached(fcinfo, n));
}

// Checks shared by every type (ERROR on failure).
void check_dim(const char* type_name, long dim, long max_dim);
void check_expected_dim(int32 typmod, long dim);
void check_same_dims(const char* type_name, long a, long b);
void check_element(const char* type_name, float value);
// Converts one finite float into T's element; ERROR when it overflows T.
template <typename T>
typename T::Elem to_element(float f);

// One element of a value's text, as the server prints a float4 (so does pgvector); its length.
inline size_t print_element(float v, char* out) { return static_cast<size_t>(float_to_shortest_decimal_bufn(v, out)); }

}  // namespace vectorx::pg
