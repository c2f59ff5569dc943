// SQL functions of sparsevec: I/O, distances by sorted-index merge, norms and ordering.
#include <algorithm>
#include <cmath>

#include "guard.h"
#include "types.h"
#include "vectorx/binary_codec.h"
#include "vectorx/text_codec.h"

namespace vectorx::pg {
namespace {

constexpr const char* kName = "sparsevec";

struct SparseOperands {
  const SparseVarlena* a;
  const SparseVarlena* b;
  explicit SparseOperands(FunctionCallInfo fcinfo)
      : a(sparse_operand(fcinfo, 0)), b(sparse_operand(fcinfo, 1)) {
    check_same_dims(kName, a->dim, b->dim);
  }
};

int compare_args(FunctionCallInfo fcinfo) {
  return compare_sparse(sparse_operand(fcinfo, 0)->view(), sparse_operand(fcinfo, 1)->view());
}

}  // namespace
}  // namespace vectorx::pg

using namespace vectorx;
using namespace vectorx::pg;

VX_FUNCTION(sparsevec_in) {
  const char* text = PG_GETARG_CSTRING(0);
  const int32 typmod = PG_GETARG_INT32(2);
  const std::string_view view(text);
  const size_t capacity = std::min<size_t>(text_element_bound(view), kSparseMaxNnz + 1);
  auto* elements = static_cast<SparseElement*>(palloc(sizeof(SparseElement) * capacity));
  const SparseHeader h = guarded([&] { return parse_sparse_text(view, elements, capacity); });
  check_expected_dim(typmod, static_cast<long>(h.dim));
  SparseVarlena* result = new_sparse(static_cast<int32>(h.dim), static_cast<int>(h.nnz));
  float* values = result->values();
  for (size_t i = 0; i < h.nnz; ++i) {
    result->indices[i] = elements[i].index;
    values[i] = elements[i].value;
  }
  pfree(elements);
  PG_RETURN_POINTER(result);
}

VX_FUNCTION(sparsevec_out) {
  const SparseVarlena* v = sparse_arg(fcinfo, 0);
  char* text = static_cast<char*>(palloc(sparse_text_capacity(v->nnz)));
  format_sparse(v->dim, v->indices, v->values(), v->nnz, text, print_element);
  PG_RETURN_CSTRING(text);
}

VX_FUNCTION(sparsevec_recv) {
  StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
  const int32 typmod = PG_GETARG_INT32(2);
  WireReader in(reinterpret_cast<const uint8_t*>(buf->data + buf->cursor), static_cast<size_t>(buf->len - buf->cursor));
  const SparseWireHeader h = guarded([&] { return read_sparse_header(in, typmod); });
  SparseVarlena* result = new_sparse(h.dim, h.nnz);
  guarded([&] { read_sparse_elements(in, h, result->indices, result->values()); });
  buf->cursor += static_cast<int>(in.consumed());
  PG_RETURN_POINTER(result);
}

VX_FUNCTION(sparsevec_send) {
  const SparseVarlena* v = sparse_arg(fcinfo, 0);
  StringInfoData buf;
  pq_begintypsend(&buf);
  pq_sendint32(&buf, v->dim);
  pq_sendint32(&buf, v->nnz);
  pq_sendint32(&buf, v->unused);
  for (int i = 0; i < v->nnz; ++i) pq_sendint32(&buf, v->indices[i]);
  for (int i = 0; i < v->nnz; ++i) pq_sendfloat4(&buf, v->values()[i]);
  PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

VX_FUNCTION(sparsevec_typmod_cast) {
  SparseVarlena* v = sparse_arg(fcinfo, 0);
  check_expected_dim(PG_GETARG_INT32(1), v->dim);
  PG_RETURN_POINTER(v);
}

VX_FUNCTION(sparsevec_l2_distance) {
  const SparseOperands o(fcinfo);
  PG_RETURN_FLOAT8(sparse_distance(Metric::kL2, o.a->view(), o.b->view()));
}

VX_FUNCTION(sparsevec_l2_squared_distance) {
  const SparseOperands o(fcinfo);
  PG_RETURN_FLOAT8(static_cast<double>(sparse_l2sq(o.a->view(), o.b->view())));
}

VX_FUNCTION(sparsevec_inner_product) {
  const SparseOperands o(fcinfo);
  PG_RETURN_FLOAT8(static_cast<double>(sparse_dot(o.a->view(), o.b->view())));
}

VX_FUNCTION(sparsevec_negative_inner_product) {
  const SparseOperands o(fcinfo);
  PG_RETURN_FLOAT8(sparse_distance(Metric::kInnerProduct, o.a->view(), o.b->view()));
}

VX_FUNCTION(sparsevec_cosine_distance) {
  const SparseOperands o(fcinfo);
  PG_RETURN_FLOAT8(sparse_distance(Metric::kCosine, o.a->view(), o.b->view()));
}

VX_FUNCTION(sparsevec_l1_distance) {
  const SparseOperands o(fcinfo);
  PG_RETURN_FLOAT8(sparse_distance(Metric::kL1, o.a->view(), o.b->view()));
}

VX_FUNCTION(sparsevec_l2_norm) {
  const SparseVarlena* v = sparse_arg(fcinfo, 0);
  PG_RETURN_FLOAT8(l2_norm(v->values(), v->nnz));
}

// A sparsevec never stores a zero: values that underflow to zero when divided by the norm
// (1e-37 beside 3e38) are left out.
VX_FUNCTION(sparsevec_l2_normalize) {
  const SparseVarlena* v = sparse_arg(fcinfo, 0);
  float* normalized = static_cast<float*>(palloc(sizeof(float) * std::max(v->nnz, 1)));
  l2_normalize(v->values(), normalized, v->nnz);
  int nnz = 0;
  for (int i = 0; i < v->nnz; ++i) nnz += normalized[i] != 0;
  SparseVarlena* result = new_sparse(v->dim, nnz);
  float* values = result->values();
  for (int i = 0, j = 0; i < v->nnz; ++i)
    if (normalized[i] != 0) {
      result->indices[j] = v->indices[i];
      values[j++] = normalized[i];
    }
  pfree(normalized);
  PG_RETURN_POINTER(result);
}

VX_FUNCTION(sparsevec_cmp) { PG_RETURN_INT32(compare_args(fcinfo)); }
VX_FUNCTION(sparsevec_lt) { PG_RETURN_BOOL(compare_args(fcinfo) < 0); }
VX_FUNCTION(sparsevec_le) { PG_RETURN_BOOL(compare_args(fcinfo) <= 0); }
VX_FUNCTION(sparsevec_eq) { PG_RETURN_BOOL(compare_args(fcinfo) == 0); }
VX_FUNCTION(sparsevec_ne) { PG_RETURN_BOOL(compare_args(fcinfo) != 0); }
VX_FUNCTION(sparsevec_ge) { PG_RETURN_BOOL(compare_args(fcinfo) >= 0); }
VX_FUNCTION(sparsevec_gt) { PG_RETURN_BOOL(compare_args(fcinfo) > 0); }
