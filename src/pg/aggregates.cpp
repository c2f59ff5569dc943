// avg() and sum() support. avg's transition state is float8[]: {count, sum_1 … sum_dim},
// summed in double precision; '{0}' (no dimensions yet) is the initial state. Inside an
// aggregate the state array is updated in place (it belongs to the aggregate's memory context),
// so accumulating costs no allocation per row; vector_combine merges partial states from
// parallel workers.
//
// A state can also arrive from SQL (`SELECT vector_avg('{…}')`), so every function checks it
// as pgvector does, with pgvector's messages: a one-dimensional float8 array without NULLs, of
// a dimension count the result type can hold, matching the value accumulated into it.
#include "types.h"

namespace vectorx::pg {
namespace {

struct State {
  float8* values;  // values[0]: count; values[1 + i]: sum of dimension i
  int dim;
};

State checked_state(ArrayType* array, const char* caller) {
  if (ARR_NDIM(array) != 1 || ARR_DIMS(array)[0] < 1 || ARR_HASNULL(array) || ARR_ELEMTYPE(array) != FLOAT8OID)
    elog(ERROR, "%s: expected state array", caller);
  return {reinterpret_cast<float8*>(ARR_DATA_PTR(array)), ARR_DIMS(array)[0] - 1};
}

ArrayType* new_state(int dim) {
  Datum* zeros = static_cast<Datum*>(palloc(sizeof(Datum) * (dim + 1)));
  for (int i = 0; i <= dim; ++i) zeros[i] = Float8GetDatum(0.0);
  return construct_array(zeros, dim + 1, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

// The state a row of `dim` dimensions is added to: the input itself when the aggregate owns
// it, else a copy; a fresh one (count kept) when the input has no dimensions yet.
ArrayType* writable_state(FunctionCallInfo fcinfo, const char* caller, int dim) {
  ArrayType* input = PG_GETARG_ARRAYTYPE_P(0);
  const State in = checked_state(input, caller);
  if (in.dim == 0) {
    ArrayType* fresh = new_state(dim);
    reinterpret_cast<float8*>(ARR_DATA_PTR(fresh))[0] = in.values[0];
    return fresh;
  }
  check_expected_dim(in.dim, dim);
  if (AggCheckCallContext(fcinfo, nullptr)) return input;
  auto* copy = static_cast<ArrayType*>(palloc(VARSIZE(input)));
  memcpy(copy, input, VARSIZE(input));
  return copy;
}

// Adds `value` to a running sum; a sum outside float8's range is an overflow.
float8 add_checked(float8 sum, float8 value) {
  const float8 result = sum + value;
  if (std::isinf(result)) float_overflow_error();
  return result;
}

template <typename T>
Datum dense_accum(FunctionCallInfo fcinfo, const char* caller) {
  const Dense<T>* v = dense_arg<T>(fcinfo, 1);
  ArrayType* state = writable_state(fcinfo, caller, v->dim);
  float8* s = reinterpret_cast<float8*>(ARR_DATA_PTR(state));
  s[0] += 1;
  for (int i = 0; i < v->dim; ++i) s[i + 1] = add_checked(s[i + 1], T::to_float(v->x[i]));
  PG_RETURN_ARRAYTYPE_P(state);
}

template <typename T>
Datum dense_avg(FunctionCallInfo fcinfo, const char* caller) {
  const State s = checked_state(PG_GETARG_ARRAYTYPE_P(0), caller);
  const float8 count = s.values[0];
  if (count == 0) PG_RETURN_NULL();  // avg of no rows is NULL
  check_dim(T::kName, s.dim, kMaxDim);
  Dense<T>* result = new_dense<T>(s.dim);
  for (int i = 0; i < s.dim; ++i) {
    const float mean = static_cast<float>(s.values[i + 1] / count);
    check_element(T::kName, mean);
    result->x[i] = to_element<T>(mean);
  }
  PG_RETURN_POINTER(result);
}

}  // namespace
}  // namespace vectorx::pg

using namespace vectorx::pg;

VX_FUNCTION(vector_accum) { return dense_accum<VectorTraits>(fcinfo, "vector_accum"); }
VX_FUNCTION(halfvec_accum) { return dense_accum<HalfvecTraits>(fcinfo, "halfvec_accum"); }
VX_FUNCTION(vector_avg) { return dense_avg<VectorTraits>(fcinfo, "vector_avg"); }
VX_FUNCTION(halfvec_avg) { return dense_avg<HalfvecTraits>(fcinfo, "halfvec_avg"); }

// Serves avg(vector) and avg(halfvec): both states hold float8 sums.
// Two empty states combine to an empty one (pgvector raises): a parallel avg whose workers saw
// no rows returns NULL, as it does without workers.
VX_FUNCTION(vector_combine) {
  const State a = checked_state(PG_GETARG_ARRAYTYPE_P(0), "vector_combine");
  const State b = checked_state(PG_GETARG_ARRAYTYPE_P(1), "vector_combine");
  const int dim = a.dim == 0 ? b.dim : a.dim;
  if (dim > 0) check_dim("vector", dim, vectorx::kMaxDim);
  if (a.dim > 0 && b.dim > 0) check_expected_dim(a.dim, b.dim);
  ArrayType* result = new_state(dim);
  float8* r = reinterpret_cast<float8*>(ARR_DATA_PTR(result));
  r[0] = a.values[0] + b.values[0];
  for (int i = 1; i <= dim; ++i)
    r[i] = add_checked(a.dim > 0 ? a.values[i] : 0, b.dim > 0 ? b.values[i] : 0);
  PG_RETURN_ARRAYTYPE_P(result);
}
