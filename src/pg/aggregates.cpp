// avg() and sum() support. avg's transition state is float8[]: {count, sum_1 … sum_dim},
// summed in double precision. Inside an aggregate the state array is updated in place
// (it belongs to the aggregate's memory context), so accumulating costs no allocation per
// row; vector_combine merges partial states from parallel workers.
#include "types.h"

namespace vectorx::pg {
namespace {

float8* state_values(ArrayType* state, int* n) {
  if (ARR_NDIM(state) != 1 || ARR_HASNULL(state) || ARR_ELEMTYPE(state) != FLOAT8OID)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("expected a float8 array state")));
  *n = ARR_DIMS(state)[0];
  if (*n < 1) ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("empty aggregate state")));
  return reinterpret_cast<float8*>(ARR_DATA_PTR(state));
}

ArrayType* new_state(int dim) {
  Datum* zeros = static_cast<Datum*>(palloc(sizeof(Datum) * (dim + 1)));
  for (int i = 0; i <= dim; ++i) zeros[i] = Float8GetDatum(0.0);
  return construct_array(zeros, dim + 1, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

// The state to update: the input itself when the aggregate owns it, else a fresh one.
ArrayType* writable_state(FunctionCallInfo fcinfo, int dim) {
  ArrayType* state = PG_GETARG_ARRAYTYPE_P(0);
  int n = 0;
  float8* s = state_values(state, &n);
  if (s[0] == 0) return new_state(dim);  // the initial '{0}'
  if (n != dim + 1)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("expected %d dimensions, not %d", n - 1, dim)));
  if (AggCheckCallContext(fcinfo, nullptr)) return state;
  ArrayType* copy = static_cast<ArrayType*>(palloc(VARSIZE(state)));
  memcpy(copy, state, VARSIZE(state));
  return copy;
}

template <typename T>
Datum dense_accum(FunctionCallInfo fcinfo) {
  const Dense<T>* v = dense_arg<T>(fcinfo, 1);
  ArrayType* state = writable_state(fcinfo, v->dim);
  int n = 0;
  float8* s = state_values(state, &n);
  s[0] += 1;
  for (int i = 0; i < v->dim; ++i) s[i + 1] += T::to_float(v->x[i]);
  PG_RETURN_ARRAYTYPE_P(state);
}

template <typename T>
Datum dense_avg(FunctionCallInfo fcinfo) {
  int n = 0;
  const float8* s = state_values(PG_GETARG_ARRAYTYPE_P(0), &n);
  if (s[0] == 0) PG_RETURN_NULL();
  Dense<T>* result = new_dense<T>(n - 1);
  for (int i = 1; i < n; ++i) {
    const float mean = static_cast<float>(s[i] / s[0]);
    check_element(T::kName, mean);
    result->x[i - 1] = to_element<T>(mean);
  }
  PG_RETURN_POINTER(result);
}

}  // namespace
}  // namespace vectorx::pg

using namespace vectorx::pg;

VX_FUNCTION(vector_accum) { return dense_accum<VectorTraits>(fcinfo); }
VX_FUNCTION(halfvec_accum) { return dense_accum<HalfvecTraits>(fcinfo); }
VX_FUNCTION(vector_avg) { return dense_avg<VectorTraits>(fcinfo); }
VX_FUNCTION(halfvec_avg) { return dense_avg<HalfvecTraits>(fcinfo); }

VX_FUNCTION(vector_combine) {
  int na = 0, nb = 0;
  const float8* a = state_values(PG_GETARG_ARRAYTYPE_P(0), &na);
  const float8* b = state_values(PG_GETARG_ARRAYTYPE_P(1), &nb);
  if (a[0] == 0) PG_RETURN_ARRAYTYPE_P(PG_GETARG_ARRAYTYPE_P_COPY(1));
  if (b[0] == 0) PG_RETURN_ARRAYTYPE_P(PG_GETARG_ARRAYTYPE_P_COPY(0));
  if (na != nb)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("expected %d dimensions, not %d", na - 1, nb - 1)));
  ArrayType* result = new_state(na - 1);
  int n = 0;
  float8* r = state_values(result, &n);
  for (int i = 0; i < na; ++i) r[i] = a[i] + b[i];
  PG_RETURN_ARRAYTYPE_P(result);
}
