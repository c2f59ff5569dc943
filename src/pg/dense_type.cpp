// SQL functions of the dense types vector (float4) and halfvec (float16): I/O, distances,
// arithmetic, ordering. Each is one template over the type traits (types.h), exported twice
// by VX_DENSE_FUNCTION as vector_<name> and halfvec_<name>.
#include <cmath>

#include "guard.h"
#include "types.h"
#include "vectorx/binary_codec.h"
#include "vectorx/text_codec.h"

namespace vectorx::pg {
namespace {

template <typename T>
Datum dense_in(FunctionCallInfo fcinfo) {
  const char* text = PG_GETARG_CSTRING(0);
  const int32 typmod = PG_GETARG_INT32(2);
  const std::string_view view(text);
  const size_t capacity = std::min<size_t>(text_element_bound(view), kMaxDim + 1);
  float* values = static_cast<float*>(palloc(sizeof(float) * capacity));
  const size_t n = guarded([&] { return parse_dense_text(view, T::kName, values, capacity); });
  check_expected_dim(typmod, static_cast<long>(n));
  Dense<T>* result = new_dense<T>(static_cast<int>(n));
  for (size_t i = 0; i < n; ++i) result->x[i] = to_element<T>(values[i]);
  pfree(values);
  PG_RETURN_POINTER(result);
}

template <typename T>
Datum dense_out(FunctionCallInfo fcinfo) {
  const Dense<T>* v = dense_arg<T>(fcinfo, 0);
  float* values = static_cast<float*>(palloc(sizeof(float) * v->dim));
  for (int i = 0; i < v->dim; ++i) values[i] = T::to_float(v->x[i]);
  char* text = static_cast<char*>(palloc(dense_text_capacity(v->dim)));
  format_dense(values, v->dim, text, print_element);
  pfree(values);
  PG_RETURN_CSTRING(text);
}

template <typename T>
Datum dense_recv(FunctionCallInfo fcinfo) {
  StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
  const int32 typmod = PG_GETARG_INT32(2);
  WireReader in(reinterpret_cast<const uint8_t*>(buf->data + buf->cursor), static_cast<size_t>(buf->len - buf->cursor));
  const int dim = guarded([&] { return read_dense_header(in, T::kName, typmod); });
  Dense<T>* result = new_dense<T>(dim);
  guarded([&] { read_dense_values(in, result->x, dim); });
  buf->cursor += static_cast<int>(in.consumed());
  PG_RETURN_POINTER(result);
}

template <typename T>
Datum dense_send(FunctionCallInfo fcinfo) {
  const Dense<T>* v = dense_arg<T>(fcinfo, 0);
  StringInfoData buf;
  pq_begintypsend(&buf);
  pq_sendint16(&buf, v->dim);
  pq_sendint16(&buf, v->unused);
  for (int i = 0; i < v->dim; ++i) T::send(&buf, v->x[i]);
  PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

// The length coercion `vector(n)`: checks the typmod, returns the value unchanged.
template <typename T>
Datum dense_typmod_cast(FunctionCallInfo fcinfo) {
  Dense<T>* v = dense_arg<T>(fcinfo, 0);
  check_expected_dim(PG_GETARG_INT32(1), v->dim);
  PG_RETURN_POINTER(v);
}

// Fetches both operands of a binary operator and checks their dimensions agree.
template <typename T>
struct Operands {
  const Dense<T>* a;
  const Dense<T>* b;
  explicit Operands(FunctionCallInfo fcinfo)
      : a(dense_operand<T>(fcinfo, 0)), b(dense_operand<T>(fcinfo, 1)) {
    check_same_dims(T::kName, a->dim, b->dim);
  }
  size_t n() const { return static_cast<size_t>(a->dim); }
};

// A float8 function of both operands' elements, e.g. a distance.
template <typename T, typename Fn>
Datum operand_metric(FunctionCallInfo fcinfo, Fn fn) {
  const Operands<T> o(fcinfo);
  PG_RETURN_FLOAT8(fn(o.a->x, o.b->x, o.n()));
}

template <typename T>
Datum dense_dims(FunctionCallInfo fcinfo) {
  PG_RETURN_INT32(dense_arg<T>(fcinfo, 0)->dim);
}

template <typename T>
Datum dense_norm(FunctionCallInfo fcinfo) {
  const Dense<T>* v = dense_arg<T>(fcinfo, 0);
  PG_RETURN_FLOAT8(l2_norm(v->x, v->dim));
}

template <typename T>
Datum dense_l2_normalize(FunctionCallInfo fcinfo) {
  const Dense<T>* v = dense_arg<T>(fcinfo, 0);
  Dense<T>* result = new_dense<T>(v->dim);
  l2_normalize(v->x, result->x, v->dim);
  PG_RETURN_POINTER(result);
}

template <typename T>
Datum dense_binary_quantize(FunctionCallInfo fcinfo) {
  const Dense<T>* v = dense_arg<T>(fcinfo, 0);
  const int size = VARBITTOTALLEN(v->dim);
  VarBit* result = static_cast<VarBit*>(palloc0(size));
  SET_VARSIZE(result, size);
  VARBITLEN(result) = v->dim;
  binary_quantize(v->x, v->dim, VARBITS(result));
  PG_RETURN_VARBIT_P(result);
}

template <typename T>
Datum dense_subvector(FunctionCallInfo fcinfo) {
  const Dense<T>* v = dense_arg<T>(fcinfo, 0);
  const Window w = subvector_window(v->dim, PG_GETARG_INT32(1), PG_GETARG_INT32(2));
  if (w.length == 0)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("%s must have at least 1 dimension", T::kName)));
  Dense<T>* result = new_dense<T>(static_cast<int>(w.length));
  memcpy(result->x, v->x + w.offset, sizeof(typename T::Elem) * w.length);
  PG_RETURN_POINTER(result);
}

template <typename T, ArithOp Op>
Datum dense_arith(FunctionCallInfo fcinfo) {
  const Operands<T> o(fcinfo);
  Dense<T>* result = new_dense<T>(o.a->dim);
  const ArithStatus status = elementwise(Op, o.a->x, o.b->x, result->x, o.n());
  if (status == ArithStatus::kOverflow) float_overflow_error();
  if (status == ArithStatus::kUnderflow) float_underflow_error();
  PG_RETURN_POINTER(result);
}

template <typename T>
Datum dense_concat(FunctionCallInfo fcinfo) {
  const Dense<T>* a = dense_arg<T>(fcinfo, 0);
  const Dense<T>* b = dense_arg<T>(fcinfo, 1);
  const int dim = a->dim + b->dim;
  check_dim(T::kName, dim, kMaxDim);
  Dense<T>* result = new_dense<T>(dim);
  memcpy(result->x, a->x, sizeof(typename T::Elem) * a->dim);
  memcpy(result->x + a->dim, b->x, sizeof(typename T::Elem) * b->dim);
  PG_RETURN_POINTER(result);
}

template <typename T>
int compare_args(FunctionCallInfo fcinfo) {
  const Dense<T>* a = dense_operand<T>(fcinfo, 0);
  const Dense<T>* b = dense_operand<T>(fcinfo, 1);
  return compare(a->x, a->dim, b->x, b->dim);
}

}  // namespace
}  // namespace vectorx::pg

using namespace vectorx::pg;
using vectorx::ArithOp;

#define VX_DENSE_FUNCTION(suffix, impl)                                           \
  VX_FUNCTION(vector_##suffix) { return impl<VectorTraits>(fcinfo); }             \
  VX_FUNCTION(halfvec_##suffix) { return impl<HalfvecTraits>(fcinfo); }

VX_DENSE_FUNCTION(in, dense_in)
VX_DENSE_FUNCTION(out, dense_out)
VX_DENSE_FUNCTION(recv, dense_recv)
VX_DENSE_FUNCTION(send, dense_send)
VX_DENSE_FUNCTION(typmod_cast, dense_typmod_cast)
// Distances: `a`, `b` are both operands' elements (float or half), `n` their count.
#define VX_DENSE_METRIC(suffix, expr)                                                       \
  VX_FUNCTION(vector_##suffix) {                                                            \
    return operand_metric<VectorTraits>(fcinfo, [](auto a, auto b, size_t n) -> double { return expr; }); \
  }                                                                                         \
  VX_FUNCTION(halfvec_##suffix) {                                                           \
    return operand_metric<HalfvecTraits>(fcinfo, [](auto a, auto b, size_t n) -> double { return expr; }); \
  }

VX_DENSE_METRIC(l2_distance, vectorx::dense_distance(vectorx::Metric::kL2, a, b, n))
VX_DENSE_METRIC(l2_squared_distance, vectorx::l2sq(a, b, n))
VX_DENSE_METRIC(inner_product, vectorx::dot(a, b, n))
VX_DENSE_METRIC(negative_inner_product, vectorx::dense_distance(vectorx::Metric::kInnerProduct, a, b, n))
VX_DENSE_METRIC(cosine_distance, vectorx::dense_distance(vectorx::Metric::kCosine, a, b, n))
VX_DENSE_METRIC(l1_distance, vectorx::dense_distance(vectorx::Metric::kL1, a, b, n))
VX_DENSE_FUNCTION(dims, dense_dims)
VX_DENSE_FUNCTION(norm, dense_norm)
VX_DENSE_FUNCTION(l2_normalize, dense_l2_normalize)
VX_DENSE_FUNCTION(binary_quantize, dense_binary_quantize)
VX_DENSE_FUNCTION(subvector, dense_subvector)
VX_DENSE_FUNCTION(concat, dense_concat)
// btree support: the comparison result as int4, and the six operators as bools.
#define VX_DENSE_COMPARISON(suffix, op)                                                     \
  VX_FUNCTION(vector_##suffix) { PG_RETURN_BOOL(compare_args<VectorTraits>(fcinfo) op 0); } \
  VX_FUNCTION(halfvec_##suffix) { PG_RETURN_BOOL(compare_args<HalfvecTraits>(fcinfo) op 0); }

VX_FUNCTION(vector_cmp) { PG_RETURN_INT32(compare_args<VectorTraits>(fcinfo)); }
VX_FUNCTION(halfvec_cmp) { PG_RETURN_INT32(compare_args<HalfvecTraits>(fcinfo)); }
VX_DENSE_COMPARISON(lt, <)
VX_DENSE_COMPARISON(le, <=)
VX_DENSE_COMPARISON(eq, ==)
VX_DENSE_COMPARISON(ne, !=)
VX_DENSE_COMPARISON(ge, >=)
VX_DENSE_COMPARISON(gt, >)
VX_FUNCTION(vector_add) { return dense_arith<VectorTraits, ArithOp::kAdd>(fcinfo); }
VX_FUNCTION(vector_sub) { return dense_arith<VectorTraits, ArithOp::kSub>(fcinfo); }
VX_FUNCTION(vector_mul) { return dense_arith<VectorTraits, ArithOp::kMul>(fcinfo); }
VX_FUNCTION(halfvec_add) { return dense_arith<HalfvecTraits, ArithOp::kAdd>(fcinfo); }
VX_FUNCTION(halfvec_sub) { return dense_arith<HalfvecTraits, ArithOp::kSub>(fcinfo); }
VX_FUNCTION(halfvec_mul) { return dense_arith<HalfvecTraits, ArithOp::kMul>(fcinfo); }
