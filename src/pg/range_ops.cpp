// Range search operators: `v <@ l2_ball(center, radius)` holds when v <-> center is at most
// radius (likewise ip_ball with <#>, cosine_ball with <=>, l1_ball with <+>, hamming_ball with
// <~>, jaccard_ball with <%>). The distance
// comes from the distance operator's own function, so WHERE and ORDER BY agree bit for bit.
// A ball is a composite (center, radius float8); a NULL field makes the result NULL. The
// dense balls' center is a vector (halfvec and sparsevec columns compare with it cast to their
// type); hamming_ball and jaccard_ball (<~>, <%>) hold a bit string.
#include "range_ops.h"

#include "ordered_scan.h"

#include <cmath>
#include <cstring>

extern "C" {
#include "funcapi.h"
Datum vector_l2_distance(PG_FUNCTION_ARGS);
Datum vector_negative_inner_product(PG_FUNCTION_ARGS);
Datum vector_cosine_distance(PG_FUNCTION_ARGS);
Datum vector_l1_distance(PG_FUNCTION_ARGS);
Datum halfvec_l2_distance(PG_FUNCTION_ARGS);
Datum halfvec_negative_inner_product(PG_FUNCTION_ARGS);
Datum halfvec_cosine_distance(PG_FUNCTION_ARGS);
Datum halfvec_l1_distance(PG_FUNCTION_ARGS);
Datum vector_to_halfvec(PG_FUNCTION_ARGS);
Datum sparsevec_l2_distance(PG_FUNCTION_ARGS);
Datum sparsevec_negative_inner_product(PG_FUNCTION_ARGS);
Datum sparsevec_cosine_distance(PG_FUNCTION_ARGS);
Datum sparsevec_l1_distance(PG_FUNCTION_ARGS);
Datum vector_to_sparsevec(PG_FUNCTION_ARGS);
Datum hamming_distance(PG_FUNCTION_ARGS);
Datum jaccard_distance(PG_FUNCTION_ARGS);
}

namespace vectorx::pg {

Datum center_as(Datum center, ElementKind kind) {
  const PGFunction cast = kind == ElementKind::kFloat16 ? vector_to_halfvec
                          : kind == ElementKind::kSparse ? vector_to_sparsevec
                                                         : nullptr;
  return cast ? DirectFunctionCall3(cast, center, Int32GetDatum(-1), BoolGetDatum(false)) : center;
}

bool read_ball(Datum ball, Ball* out) {
  HeapTupleHeader tuple = DatumGetHeapTupleHeader(ball);
  bool null_center, null_radius;
  out->center = GetAttributeByNum(tuple, 1, &null_center);
  const Datum radius = GetAttributeByNum(tuple, 2, &null_radius);
  if (null_center || null_radius) return false;
  out->radius = DatumGetFloat8(radius);
  return true;
}

namespace {

bool same_vector(Datum a, Datum b) {
  const varlena* x = PG_DETOAST_DATUM_PACKED(a);
  const varlena* y = PG_DETOAST_DATUM_PACKED(b);
  return VARSIZE_ANY_EXHDR(x) == VARSIZE_ANY_EXHDR(y) && memcmp(VARDATA_ANY(x), VARDATA_ANY(y), VARSIZE_ANY_EXHDR(x)) == 0;
}

}  // namespace

ScanTarget scan_target(IndexScanDesc scan, const char* am_name, ElementKind kind) {
  ScanTarget t;
  if (scan->numberOfOrderBys > 0) {
    t.query = scan->orderByData[0].sk_argument;
    t.null_query = scan->orderByData[0].sk_flags & SK_ISNULL;
  } else if (scan->numberOfKeys == 0) {
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot scan %s index without order", am_name),
                    errhint("Use ORDER BY a distance, or a range condition such as embedding <@ l2_ball(q, r).")));
  }
  for (int i = 0; i < scan->numberOfKeys; ++i) {
    const ScanKey key = &scan->keyData[i];
    Ball ball;
    if ((key->sk_flags & SK_ISNULL) || !read_ball(key->sk_argument, &ball)) {
      t.empty = true;  // the operator is strict: NULL never qualifies
      continue;
    }
    ball.center = center_as(ball.center, kind);
    if (scan->numberOfOrderBys == 0 && i == 0) {
      t.query = ball.center;
      t.range_only = true;
      t.ball = true;
      t.radius = ball.radius;
    } else if (scan->numberOfOrderBys > 0 && !t.null_query && same_vector(ball.center, t.query)) {
      t.ball = true;
      t.radius = std::min(t.radius, ball.radius);
    }
  }
  if (std::isnan(t.radius)) t.empty = true;
  return t;
}

namespace {

Datum in_ball(FunctionCallInfo fcinfo, PGFunction distance, ElementKind kind) {
  Ball ball;
  if (!read_ball(PG_GETARG_DATUM(1), &ball)) PG_RETURN_NULL();
  const double d = DatumGetFloat8(DirectFunctionCall2(distance, PG_GETARG_DATUM(0), center_as(ball.center, kind)));
  PG_RETURN_BOOL(d <= ball.radius);
}

}  // namespace
}  // namespace vectorx::pg

using vectorx::pg::in_ball;

#define VX_IN_BALL(metric, distance)                                                                            \
  VX_FUNCTION(vector_in_##metric##_ball) { return in_ball(fcinfo, vector_##distance, vectorx::ElementKind::kFloat32); } \
  VX_FUNCTION(halfvec_in_##metric##_ball) { return in_ball(fcinfo, halfvec_##distance, vectorx::ElementKind::kFloat16); } \
  VX_FUNCTION(sparsevec_in_##metric##_ball) { return in_ball(fcinfo, sparsevec_##distance, vectorx::ElementKind::kSparse); }

VX_IN_BALL(l2, l2_distance)
VX_IN_BALL(ip, negative_inner_product)
VX_IN_BALL(cosine, cosine_distance)
VX_IN_BALL(l1, l1_distance)
VX_FUNCTION(bit_in_hamming_ball) { return in_ball(fcinfo, hamming_distance, vectorx::ElementKind::kBit); }
VX_FUNCTION(bit_in_jaccard_ball) { return in_ball(fcinfo, jaccard_distance, vectorx::ElementKind::kBit); }
