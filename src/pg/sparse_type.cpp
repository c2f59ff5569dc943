// SQL functions of sparsevec: I/O, distances by sorted-index merge, norms and ordering.
#include <cmath>

#include "guard.h"
#include "types.h"
#include "vectorx/text_codec.h"

namespace vectorx::pg {
namespace {

constexpr const char* kName = "sparsevec";

// Binary input must already be canonical: indices strictly increasing within 0..dim-1.
void check_received_index(const SparseVarlena* v, int i) {
  const int32 index = v->indices[i];
  if (index < 0 || index >= v->dim)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("sparsevec index out of range")));
  if (i > 0 && index <= v->indices[i - 1])
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("sparsevec indices must be strictly increasing")));
}

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
  format_sparse(v->dim, v->indices, v->values(), v->nnz, text);
  PG_RETURN_CSTRING(text);
}

VX_FUNCTION(sparsevec_recv) {
  StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
  const int32 typmod = PG_GETARG_INT32(2);
  const int32 dim = pq_getmsgint(buf, 4);
  const int32 nnz = pq_getmsgint(buf, 4);
  const int32 unused = pq_getmsgint(buf, 4);
  check_dim(kName, dim, kSparseMaxDim);
  check_expected_dim(typmod, dim);
  if (nnz < 0 || nnz > kSparseMaxNnz || nnz > dim)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("sparsevec cannot have %d non-zero elements", nnz),
                    errdetail("The limit is %d and at most the dimension count.", kSparseMaxNnz)));
  if (unused != 0)
    ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                    errmsg("expected unused to be 0, not %d", unused)));
  SparseVarlena* result = new_sparse(dim, nnz);
  for (int i = 0; i < nnz; ++i) {
    result->indices[i] = pq_getmsgint(buf, 4);
    check_received_index(result, i);
  }
  float* values = result->values();
  for (int i = 0; i < nnz; ++i) {
    values[i] = pq_getmsgfloat4(buf);
    check_element(kName, values[i]);
    if (values[i] == 0)
      ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                      errmsg("binary representation of sparsevec cannot contain zero values")));
  }
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

VX_FUNCTION(sparsevec_l2_normalize) {
  const SparseVarlena* v = sparse_arg(fcinfo, 0);
  SparseVarlena* result = new_sparse(v->dim, v->nnz);
  memcpy(result->indices, v->indices, sizeof(int32) * v->nnz);
  l2_normalize(v->values(), result->values(), v->nnz);
  PG_RETURN_POINTER(result);
}

VX_FUNCTION(sparsevec_cmp) { PG_RETURN_INT32(compare_args(fcinfo)); }
VX_FUNCTION(sparsevec_lt) { PG_RETURN_BOOL(compare_args(fcinfo) < 0); }
VX_FUNCTION(sparsevec_le) { PG_RETURN_BOOL(compare_args(fcinfo) <= 0); }
VX_FUNCTION(sparsevec_eq) { PG_RETURN_BOOL(compare_args(fcinfo) == 0); }
VX_FUNCTION(sparsevec_ne) { PG_RETURN_BOOL(compare_args(fcinfo) != 0); }
VX_FUNCTION(sparsevec_ge) { PG_RETURN_BOOL(compare_args(fcinfo) >= 0); }
VX_FUNCTION(sparsevec_gt) { PG_RETURN_BOOL(compare_args(fcinfo) > 0); }
