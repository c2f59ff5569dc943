// Checks and helpers shared by the three vector types (types.h).
#include <cmath>

#include "types.h"
#include "vectorx/text_codec.h"

namespace vectorx::pg {

void check_dim(const char* type_name, long dim, long max_dim) {
  if (dim < 1)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("%s must have at least 1 dimension", type_name)));
  if (dim > max_dim)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("%s cannot have more than %ld dimensions", type_name, max_dim)));
}

void check_expected_dim(int32 typmod, long dim) {
  if (typmod != -1 && typmod != dim)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("expected %d dimensions, not %ld", typmod, dim)));
}

void check_same_dims(const char* type_name, long a, long b) {
  if (a != b)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("different %s dimensions %ld and %ld", type_name, a, b)));
}

void check_element(const char* type_name, float value) {
  if (std::isnan(value))
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("NaN not allowed in %s", type_name)));
  if (std::isinf(value))
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("infinite value not allowed in %s", type_name)));
}

template <typename T>
typename T::Elem to_element(float f) {
  typename T::Elem e;
  if (!T::from_float(f, &e)) {
    char text[kMaxFloatText + 1];
    text[format_float(f, text)] = '\0';
    ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                    errmsg("\"%s\" is out of range for type %s", text, T::kName)));
  }
  return e;
}

template float to_element<VectorTraits>(float);
template half_bits to_element<HalfvecTraits>(float);

SparseVarlena* new_sparse(int32 dim, int nnz) {
  const size_t size = sparse_size(nnz);
  auto* v = static_cast<SparseVarlena*>(palloc0(size));
  SET_VARSIZE(v, size);
  v->dim = dim;
  v->nnz = nnz;
  return v;
}

// typmod_in for all three types: one positive integer up to the type's dimension limit.
static int32 typmod_in(FunctionCallInfo fcinfo, const char* type_name, long max_dim) {
  int n = 0;
  int32* mods = ArrayGetIntegerTypmods(PG_GETARG_ARRAYTYPE_P(0), &n);
  if (n != 1)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid type modifier")));
  if (mods[0] < 1)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("dimensions for type %s must be at least 1", type_name)));
  if (mods[0] > max_dim)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("dimensions for type %s cannot exceed %ld", type_name, max_dim)));
  return mods[0];
}

}  // namespace vectorx::pg

using namespace vectorx::pg;

VX_FUNCTION(vector_typmod_in) { PG_RETURN_INT32(typmod_in(fcinfo, "vector", vectorx::kMaxDim)); }
VX_FUNCTION(halfvec_typmod_in) { PG_RETURN_INT32(typmod_in(fcinfo, "halfvec", vectorx::kMaxDim)); }
VX_FUNCTION(sparsevec_typmod_in) {
  PG_RETURN_INT32(typmod_in(fcinfo, "sparsevec", vectorx::kSparseMaxDim));
}
