// The planner's cost of distances (distance_cost.h).
//
// Postgres charges a function call its COST (25 for the distance functions) times
// cpu_operator_cost, whatever its arguments. A distance over 1,536 dimensions does 12 times
// the work of one over 128, and a value over about 2 kB lives out of line, so a sequential
// scan fetches it from the TOAST table row by row (60,000 rows of vector(784): 166 ms a scan,
// against 1 ms through hnsw, which the planner, charging 25 operators a row, costed the other
// way round). The support function charges each call for its arguments' size and, when the
// argument is a column whose values are stored out of line, for the TOAST pages it reads.
#include "distance_cost.h"

#include <algorithm>
#include <cmath>

#include "index_values.h"

extern "C" {
#include "access/detoast.h"
#include "access/heaptoast.h"
#include "nodes/nodeFuncs.h"
#include "nodes/supportnodes.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
}

namespace vectorx::pg {
namespace {

// A distance called from SQL costs the COST the functions declare (25 operators: the call,
// its arguments' extraction) plus its work: 25 operators per 512 bytes of value (128 float4
// dimensions). An index computes distances on its pages without the call, so it pays the work
// only (ivfflat reading all 2,000 lists' entries of vector(384): 0.4 ms, against 1.9 ms for
// the sequential scan that the planner, charging both alike, preferred).
constexpr double kDeclaredOperators = 25;
constexpr double kBytesPerDeclaredCost = 512;
// Sparse values without statistics: assume this many stored elements.
constexpr size_t kTypicalSparseElements = 128;

// Bytes of a value of `kind` with dimensions `typmod`; `stats_width` (pg_statistic's average
// stored width, 0 when unknown) serves when the type has no dimensions or is sparse.
size_t value_bytes(ElementKind kind, int32 typmod, int32 stats_width) {
  const size_t dims = typmod > 0 ? static_cast<size_t>(typmod) : 0;
  // a width measured on values, not on TOAST pointers
  const size_t measured = stats_width > 0 && static_cast<size_t>(stats_width) > TOAST_POINTER_SIZE ? static_cast<size_t>(stats_width) : 0;
  const size_t header = 8;
  switch (kind) {
    case ElementKind::kFloat32:
      if (dims) return header + 4 * dims;
      break;
    case ElementKind::kFloat16:
      if (dims) return header + 2 * dims;
      break;
    case ElementKind::kBit:
      if (dims) return header + (dims + 7) / 8;
      break;
    case ElementKind::kSparse:
      if (measured) return measured;
      return header + 8 * (dims ? std::min(dims, kTypicalSparseElements) : kTypicalSparseElements);
  }
  return measured ? measured : 1024;  // no dimensions, no statistics
}

// Cost of fetching a value of `bytes` stored out of line: a descent of the TOAST table's
// index (charged as btcostestimate charges one: 50 operators a level, about 4 levels), then
// each chunk fetched from its page like an index scan's heap fetch. Measured on 2,000 rows of
// vector(1536): 6.5 us a value, five times an index page read with its distance.
Cost detoast_cost(size_t bytes) {
  const double chunks = std::ceil(static_cast<double>(bytes) / TOAST_MAX_CHUNK_SIZE);
  return 4 * 50 * cpu_operator_cost + chunks * (seq_page_cost + cpu_tuple_cost + cpu_index_tuple_cost);
}

// Whether values of column `attnum` of `relid` this large are stored out of line.
bool stored_out_of_line(Oid relid, AttrNumber attnum, size_t bytes) {
  if (bytes <= TOAST_TUPLE_THRESHOLD) return false;
  HeapTuple tuple = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
  if (!HeapTupleIsValid(tuple)) return false;
  const char storage = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(tuple))->attstorage;
  ReleaseSysCache(tuple);
  return storage == TYPSTORAGE_EXTENDED || storage == TYPSTORAGE_EXTERNAL;
}

// Per-call cost of a distance whose arguments are `args`: the larger argument's work, plus
// fetching each argument that is a column stored out of line.
Cost call_cost(PlannerInfo* root, ElementKind kind, List* args) {
  size_t largest = 0;
  Cost fetching = 0;
  ListCell* cell;
  foreach (cell, args) {
    Node* arg = static_cast<Node*>(lfirst(cell));
    int32 stats_width = 0;
    Oid relid = InvalidOid;
    AttrNumber attnum = 0;
    if (root && IsA(arg, Var)) {
      const Var* var = castNode(Var, arg);
      if (var->varlevelsup == 0 && var->varattno > 0 && var->varno > 0 &&
          static_cast<int>(var->varno) < root->simple_rel_array_size) {
        const RangeTblEntry* rte = planner_rt_fetch(var->varno, root);
        if (rte->rtekind == RTE_RELATION) {
          relid = rte->relid;
          attnum = var->varattno;
          stats_width = get_attavgwidth(relid, attnum);
        }
      }
    }
    const size_t bytes = value_bytes(kind, exprTypmod(arg), stats_width);
    largest = std::max(largest, bytes);
    if (OidIsValid(relid) && stored_out_of_line(relid, attnum, bytes)) fetching += detoast_cost(bytes);
  }
  return distance_call_overhead() + distance_cost(largest) + fetching;
}

}  // namespace

Cost distance_cost(size_t value_bytes) {
  return std::max(1.0, kDeclaredOperators * static_cast<double>(value_bytes) / kBytesPerDeclaredCost) * cpu_operator_cost;
}

Cost distance_call_overhead() { return kDeclaredOperators * cpu_operator_cost; }

void refuse_path(Cost* startup, Cost* total, Selectivity* selectivity, double* correlation, double* pages) {
  *startup = *total = get_float8_infinity();
  *selectivity = 0;
  *correlation = 0;
  *pages = 0;
}

size_t index_value_bytes(Relation index) {
  ElementKind kind;
  Metric metric;
  if (!metric_of_function(index_getprocid(index, 1, 1), &kind, &metric)) return static_cast<size_t>(kBytesPerDeclaredCost);
  return value_bytes(kind, TupleDescAttr(RelationGetDescr(index), 0)->atttypmod, 0);
}

}  // namespace vectorx::pg

using namespace vectorx;
using namespace vectorx::pg;

VX_FUNCTION(vectorx_distance_cost) {
  Node* request = reinterpret_cast<Node*>(PG_GETARG_POINTER(0));
  if (!IsA(request, SupportRequestCost)) PG_RETURN_POINTER(nullptr);
  auto* cost = reinterpret_cast<SupportRequestCost*>(request);
  ElementKind kind;
  Metric metric;
  if (!cost->node || !metric_of_function(cost->funcid, &kind, &metric)) PG_RETURN_POINTER(nullptr);
  List* args = IsA(cost->node, OpExpr)     ? castNode(OpExpr, cost->node)->args
               : IsA(cost->node, FuncExpr) ? castNode(FuncExpr, cost->node)->args
                                           : nullptr;
  if (!args) PG_RETURN_POINTER(nullptr);
  cost->startup = 0;
  cost->per_tuple = call_cost(cost->root, kind, args);
  PG_RETURN_POINTER(cost);
}
