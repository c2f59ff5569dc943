// Casts: between vector, halfvec and sparsevec; from integer[], real[], double precision[] and
// numeric[]; to real[]. Every cast honours the target typmod (argument 1).
#include "types.h"

namespace vectorx::pg {
namespace {

// Reads a 1-D, NULL-free numeric array as finite floats (palloc'd); sets *n.
float* array_as_floats(ArrayType* array, const char* type_name, int* n) {
  if (ARR_NDIM(array) > 1)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("array must be 1-D")));
  if (ARR_HASNULL(array) && array_contains_nulls(array))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("array must not contain nulls")));
  const Oid elem_type = ARR_ELEMTYPE(array);
  int16 typlen;
  bool typbyval;
  char typalign;
  get_typlenbyvalalign(elem_type, &typlen, &typbyval, &typalign);
  Datum* elems;
  deconstruct_array(array, elem_type, typlen, typbyval, typalign, &elems, nullptr, n);
  float* values = static_cast<float*>(palloc(sizeof(float) * (*n > 0 ? *n : 1)));
  for (int i = 0; i < *n; ++i) {
    switch (elem_type) {
      case INT4OID:
        values[i] = static_cast<float>(DatumGetInt32(elems[i]));
        break;
      case FLOAT4OID:
        values[i] = DatumGetFloat4(elems[i]);
        break;
      case FLOAT8OID:
        values[i] = static_cast<float>(DatumGetFloat8(elems[i]));
        break;
      case NUMERICOID:
        values[i] = DatumGetFloat4(DirectFunctionCall1(numeric_float4, elems[i]));
        break;
      default:
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("unsupported array type")));
    }
    check_element(type_name, values[i]);
  }
  pfree(elems);
  return values;
}

template <typename T>
Datum dense_from_floats(const float* values, int n, int32 typmod) {
  check_dim(T::kName, n, kMaxDim);
  check_expected_dim(typmod, n);
  Dense<T>* result = new_dense<T>(n);
  for (int i = 0; i < n; ++i) result->x[i] = to_element<T>(values[i]);
  PG_RETURN_POINTER(result);
}

Datum sparse_from_floats(const float* values, int64 dim, int32 typmod) {
  check_dim("sparsevec", dim, kSparseMaxDim);
  check_expected_dim(typmod, dim);
  int nnz = 0;
  for (int64 i = 0; i < dim; ++i) nnz += values[i] != 0;
  if (nnz > kSparseMaxNnz)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("sparsevec cannot have more than %d non-zero elements", kSparseMaxNnz)));
  SparseVarlena* result = new_sparse(static_cast<int32>(dim), nnz);
  float* out = result->values();
  int j = 0;
  for (int64 i = 0; i < dim; ++i)
    if (values[i] != 0) {
      result->indices[j] = static_cast<int32>(i);
      out[j++] = values[i];
    }
  PG_RETURN_POINTER(result);
}

template <typename T>
float* dense_as_floats(const Dense<T>* v) {
  float* values = static_cast<float*>(palloc(sizeof(float) * v->dim));
  for (int i = 0; i < v->dim; ++i) values[i] = T::to_float(v->x[i]);
  return values;
}

template <typename From, typename To>
Datum dense_to_dense(FunctionCallInfo fcinfo) {
  const Dense<From>* v = dense_arg<From>(fcinfo, 0);
  return dense_from_floats<To>(dense_as_floats<From>(v), v->dim, PG_GETARG_INT32(1));
}

template <typename T>
Datum dense_to_sparse(FunctionCallInfo fcinfo) {
  const Dense<T>* v = dense_arg<T>(fcinfo, 0);
  return sparse_from_floats(dense_as_floats<T>(v), v->dim, PG_GETARG_INT32(1));
}

template <typename T>
Datum sparse_to_dense(FunctionCallInfo fcinfo) {
  const SparseVarlena* v = sparse_arg(fcinfo, 0);
  check_dim(T::kName, v->dim, kMaxDim);
  float* values = static_cast<float*>(palloc0(sizeof(float) * v->dim));
  for (int i = 0; i < v->nnz; ++i) values[v->indices[i]] = v->values()[i];
  return dense_from_floats<T>(values, v->dim, PG_GETARG_INT32(1));
}

template <typename T>
Datum array_to_dense(FunctionCallInfo fcinfo) {
  int n = 0;
  const float* values = array_as_floats(PG_GETARG_ARRAYTYPE_P(0), T::kName, &n);
  return dense_from_floats<T>(values, n, PG_GETARG_INT32(1));
}

template <typename T>
Datum dense_to_float4_array(FunctionCallInfo fcinfo) {
  const Dense<T>* v = dense_arg<T>(fcinfo, 0);
  Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * v->dim));
  for (int i = 0; i < v->dim; ++i) elems[i] = Float4GetDatum(T::to_float(v->x[i]));
  PG_RETURN_POINTER(construct_array(elems, v->dim, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT));
}

}  // namespace
}  // namespace vectorx::pg

using namespace vectorx::pg;

VX_FUNCTION(vector_to_halfvec) { return dense_to_dense<VectorTraits, HalfvecTraits>(fcinfo); }
VX_FUNCTION(halfvec_to_vector) { return dense_to_dense<HalfvecTraits, VectorTraits>(fcinfo); }
VX_FUNCTION(vector_to_sparsevec) { return dense_to_sparse<VectorTraits>(fcinfo); }
VX_FUNCTION(halfvec_to_sparsevec) { return dense_to_sparse<HalfvecTraits>(fcinfo); }
VX_FUNCTION(sparsevec_to_vector) { return sparse_to_dense<VectorTraits>(fcinfo); }
VX_FUNCTION(sparsevec_to_halfvec) { return sparse_to_dense<HalfvecTraits>(fcinfo); }
VX_FUNCTION(array_to_vector) { return array_to_dense<VectorTraits>(fcinfo); }
VX_FUNCTION(array_to_halfvec) { return array_to_dense<HalfvecTraits>(fcinfo); }
VX_FUNCTION(vector_to_float4) { return dense_to_float4_array<VectorTraits>(fcinfo); }
VX_FUNCTION(halfvec_to_float4) { return dense_to_float4_array<HalfvecTraits>(fcinfo); }
VX_FUNCTION(array_to_sparsevec) {
  int n = 0;
  const float* values = array_as_floats(PG_GETARG_ARRAYTYPE_P(0), "sparsevec", &n);
  return sparse_from_floats(values, n, PG_GETARG_INT32(1));
}
