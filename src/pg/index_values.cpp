// Column values as index payloads, and operator classes as Spaces (index_values.h).
#include "index_values.h"

extern "C" {
#include "commands/defrem.h"
}

#include <cstring>
#include <string>

#include "vectorx/errors.h"
#include "vectorx/limits.h"
#include "range_ops.h"

namespace vectorx::pg {
namespace {

struct DistanceFunction {
  const char* symbol;  // the C function behind the SQL distance function
  ElementKind kind;
  Metric metric;
};

constexpr DistanceFunction kDistanceFunctions[] = {
    {"vector_l2_distance", ElementKind::kFloat32, Metric::kL2},
    {"vector_negative_inner_product", ElementKind::kFloat32, Metric::kInnerProduct},
    {"vector_cosine_distance", ElementKind::kFloat32, Metric::kCosine},
    {"vector_l1_distance", ElementKind::kFloat32, Metric::kL1},
    {"halfvec_l2_distance", ElementKind::kFloat16, Metric::kL2},
    {"halfvec_negative_inner_product", ElementKind::kFloat16, Metric::kInnerProduct},
    {"halfvec_cosine_distance", ElementKind::kFloat16, Metric::kCosine},
    {"halfvec_l1_distance", ElementKind::kFloat16, Metric::kL1},
    {"sparsevec_l2_distance", ElementKind::kSparse, Metric::kL2},
    {"sparsevec_negative_inner_product", ElementKind::kSparse, Metric::kInnerProduct},
    {"sparsevec_cosine_distance", ElementKind::kSparse, Metric::kCosine},
    {"sparsevec_l1_distance", ElementKind::kSparse, Metric::kL1},
    {"hamming_distance", ElementKind::kBit, Metric::kHamming},
    {"jaccard_distance", ElementKind::kBit, Metric::kJaccard},
};

}  // namespace

IndexValue index_value(Datum value, ElementKind kind) {
  auto* v = reinterpret_cast<uint8_t*>(PG_DETOAST_DATUM(value));
  IndexValue out{v + 8, VARSIZE_ANY(v) - 8, 0};
  if (kind == ElementKind::kFloat32 || kind == ElementKind::kFloat16) {
    int16 dim;
    std::memcpy(&dim, v + 4, sizeof dim);
    out.dim = dim;
  } else {
    int32 dim;  // sparsevec dim, or the bit string's length
    std::memcpy(&dim, v + 4, sizeof dim);
    out.dim = dim;
  }
  return out;
}

void check_index_dims(const IndexValue& v, const Space& space) {
  if (v.dim != space.dim())
    throw InputError(ErrorKind::kDataException,
                     "expected " + std::to_string(space.dim()) + " dimensions, not " + std::to_string(v.dim));
}

IndexValue ordering_query(const IndexValue* query, const Space& space, std::vector<uint8_t>& stand_in) {
  if (query) {
    check_index_dims(*query, space);
    if (space.indexable(query->payload)) return *query;
  }
  stand_in = space.stand_in_query();
  return {stand_in.data(), stand_in.size(), space.dim()};
}

bool metric_of_function(Oid function, ElementKind* kind, Metric* metric) {
  HeapTuple tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(function));
  if (!HeapTupleIsValid(tuple)) return false;
  bool is_null;
  const Datum src = SysCacheGetAttr(PROCOID, tuple, Anum_pg_proc_prosrc, &is_null);
  const auto* form = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tuple));
  bool found = false;
  if (!is_null && form->prolang == ClanguageId) {
    char* symbol = TextDatumGetCString(src);
    for (const auto& f : kDistanceFunctions)
      if (std::strcmp(symbol, f.symbol) == 0) {
        *kind = f.kind;
        *metric = f.metric;
        found = true;
      }
    pfree(symbol);
  }
  ReleaseSysCache(tuple);
  return found;
}

Space space_for_new_index(Relation index) {
  ElementKind kind;
  Metric metric;
  if (!metric_of_function(index_getprocid(index, 1, 1), &kind, &metric))
    ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                    errmsg("operator class of index \"%s\" has no vectorx distance function",
                           RelationGetRelationName(index))));
  const Form_pg_attribute column = TupleDescAttr(RelationGetDescr(index), 0);
  const char* am = get_am_name(index->rd_rel->relam);
  // Rows of a varbit column may differ in length: an index needs one dimension count.
  if (column->atttypid == VARBITOID)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("type not supported for %s index", am)));
  const int32 typmod = column->atttypmod;
  if (typmod < 0) ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("column does not have dimensions")));
  if (typmod > vectorx::Space::max_index_dim(kind))
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("column cannot have more than %ld dimensions for %s index", static_cast<long>(vectorx::Space::max_index_dim(kind)), am)));
  return Space(kind, metric, typmod);
}

bool validate_distance_opclass(Oid opclass, const char* am_name) {
  HeapTuple tuple = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclass));
  if (!HeapTupleIsValid(tuple)) return false;
  const Oid family = reinterpret_cast<Form_pg_opclass>(GETSTRUCT(tuple))->opcfamily;
  ReleaseSysCache(tuple);
  bool valid = true;
  CatCList* procs = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(family));
  for (int i = 0; i < procs->n_members; ++i) {
    const auto* proc = reinterpret_cast<Form_pg_amproc>(GETSTRUCT(&procs->members[i]->tuple));
    ElementKind kind;
    Metric metric;
    if (proc->amprocnum != 1 || !metric_of_function(proc->amproc, &kind, &metric)) {
      ereport(INFO, (errmsg("%s operator family %u has an unsupported support function %d", am_name, family,
                            proc->amprocnum)));
      valid = false;
    }
  }
  ReleaseSysCacheList(procs);
  CatCList* ops = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(family));
  for (int i = 0; i < ops->n_members; ++i) {
    const auto* op = reinterpret_cast<Form_pg_amop>(GETSTRUCT(&ops->members[i]->tuple));
    const bool order_by = op->amopstrategy == 1 && op->amoppurpose == AMOP_ORDER;
    const bool range = op->amopstrategy == kRangeStrategy && op->amoppurpose == AMOP_SEARCH;
    if (!order_by && !range) {
      ereport(INFO, (errmsg("%s operator family %u has an operator that is neither ORDER BY strategy 1 nor range "
                            "strategy 2", am_name, family)));
      valid = false;
    }
  }
  ReleaseSysCacheList(ops);
  return valid;
}

}  // namespace vectorx::pg
