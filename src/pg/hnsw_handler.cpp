// hnsw access method: handler, reloptions, GUCs, cost estimate and opclass validation.
#include <algorithm>
#include <climits>

#include "distance_cost.h"
#include "settings.h"
#include "hnsw_am.h"
#include "index_values.h"

namespace vectorx::pg::hnsw {

int ef_search = 40;
int iterative_scan = static_cast<int>(IterativeScan::kOff);
int max_scan_tuples = 20000;
double scan_mem_multiplier = 1;

namespace {

relopt_kind relopt_kind_hnsw;

const struct config_enum_entry kIterativeScanOptions[] = {
    {"off", static_cast<int>(IterativeScan::kOff), false},
    {"relaxed_order", static_cast<int>(IterativeScan::kRelaxed), false},
    {"strict_order", static_cast<int>(IterativeScan::kStrict), false},
    {nullptr, 0, false}};

void check_params(const vectorx::hnsw::Params& p) {
  if (p.ef_construction < 2 * p.m)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("ef_construction must be greater than or equal to 2 * m")));
}

vectorx::hnsw::Params params_of(const Options* options) {
  vectorx::hnsw::Params p;
  if (options) p = {options->m, options->ef_construction};
  return p;
}

// With `validate` (CREATE INDEX, ALTER INDEX SET / RESET: the options as they would be stored)
// the pair is checked too, so no stored option can fail a later query or REINDEX.
bytea* hnsw_options(Datum reloptions, bool validate) {
  static const relopt_parse_elt table[] = {
      {"m", RELOPT_TYPE_INT, offsetof(Options, m)},
      {"ef_construction", RELOPT_TYPE_INT, offsetof(Options, ef_construction)},
  };
  void* options = build_reloptions(reloptions, validate, relopt_kind_hnsw, sizeof(Options), table, lengthof(table));
  if (validate) check_params(params_of(static_cast<const Options*>(options)));
  return static_cast<bytea*>(options);
}

// Elements a search evaluates, roughly: ef candidates expanded, each with up to 2m neighbours.
double visited_estimate(double tuples, int m) { return std::min(tuples, 2.0 * m * std::max(ef_search, 1)); }

void hnsw_cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup, Cost* total,
                        Selectivity* selectivity, double* correlation, double* pages) {
  if ((path->indexorderbys == NIL && path->indexclauses == NIL) || exact_search())
    return refuse_path(startup, total, selectivity, correlation, pages);
  Relation index = index_open(path->indexinfo->indexoid, NoLock);
  const int m = index_params(index).m;
  const Cost per_visit = distance_call_overhead() + distance_cost(index_value_bytes(index));
  index_close(index, NoLock);
  GenericCosts costs{};
  costs.numIndexTuples = std::max(1.0, visited_estimate(path->indexinfo->tuples, m));
  genericcostestimate(root, path, loop_count, &costs);
  // genericcostestimate charges every page a search touches as a random read; a search
  // revisits the same upper part of the graph every time, so charge at most one sequential
  // read of the whole index (a 10,000-row index at ef_search 160 was otherwise costed above
  // a sequential scan it beats 3 to 1).
  double random_page, seq_page;
  get_tablespace_page_costs(path->indexinfo->reltablespace, &random_page, &seq_page);
  const Cost pages_charged = costs.numIndexPages * random_page;
  const Cost pages_capped = std::min(pages_charged, static_cast<double>(path->indexinfo->pages) * seq_page);
  // Each visit computes a distance (charged as the planner charges a distance call: a 3-dim
  // search's cost is its visits, not its arithmetic), and all the work happens before the
  // first row comes back, so startup is the whole cost.
  const Cost distances = costs.numIndexTuples * per_visit;
  *startup = *total = costs.indexTotalCost - pages_charged + pages_capped + distances;
  *selectivity = costs.indexSelectivity;
  *correlation = 0;
  *pages = costs.numIndexPages;
}

bool hnsw_validate(Oid opclass) { return validate_distance_opclass(opclass, "hnsw"); }

char* hnsw_phase_name(int64 phase) {
  switch (phase) {
    case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
      return const_cast<char*>("initializing");
    case kPhaseLoad:
      return const_cast<char*>("loading tuples");
    case kPhaseGraph:
      return const_cast<char*>("building graph");
    case kPhaseWrite:
      return const_cast<char*>("writing pages");
    default:
      return nullptr;
  }
}

}  // namespace

void init_module() {
  relopt_kind_hnsw = add_reloption_kind();
  add_int_reloption(relopt_kind_hnsw, "m", "Maximum number of neighbours per element above level 0 (2m at level 0)",
                    16, 2, 100, AccessExclusiveLock);
  add_int_reloption(relopt_kind_hnsw, "ef_construction", "Size of the candidate list while building", 64, 4, 1000,
                    AccessExclusiveLock);
  DefineCustomIntVariable("hnsw.ef_search", "Size of the candidate list of an hnsw search.",
                          "Larger finds more of the true nearest rows, more slowly.", &ef_search, 40, 1, 1000,
                          PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomEnumVariable("hnsw.iterative_scan", "Whether hnsw scans continue past ef_search.",
                           "relaxed_order may return rows slightly out of order; strict_order never does.",
                           &iterative_scan, static_cast<int>(IterativeScan::kOff), kIterativeScanOptions, PGC_USERSET,
                           0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("hnsw.max_scan_tuples", "Most elements an iterative hnsw scan visits.", nullptr,
                          &max_scan_tuples, 20000, 1, INT_MAX, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomRealVariable("hnsw.scan_mem_multiplier", "Memory an iterative hnsw scan may use, as a multiple of work_mem.",
                           nullptr, &scan_mem_multiplier, 1, 1, 1000, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  MarkGUCPrefixReserved("hnsw");
}

vectorx::hnsw::Params index_params(Relation index) {
  return params_of(reinterpret_cast<const Options*>(index->rd_options));
}

vectorx::hnsw::Params build_params(Relation index) {
  const vectorx::hnsw::Params p = index_params(index);
  check_params(p);  // options stored before they were checked when set
  return p;
}

int random_level(int m) { return vectorx::hnsw::random_level(1.0 - pg_prng_double(&pg_global_prng_state), m); }

}  // namespace vectorx::pg::hnsw

using namespace vectorx::pg::hnsw;

VX_FUNCTION(hnswhandler) {
  IndexAmRoutine* am = makeNode(IndexAmRoutine);
  am->amstrategies = 2;  // 1: ORDER BY distance, 2: range search (range_ops.h)
  am->amsupport = 1;
  am->amoptsprocnum = 0;
  am->amcanorder = false;
  am->amcanorderbyop = true;
  am->amcanbackward = false;
  am->amcanunique = false;
  am->amcanmulticol = false;
  am->amoptionalkey = true;
  am->amsearcharray = false;
  am->amsearchnulls = false;
  am->amstorage = false;
  am->amclusterable = false;
  am->ampredlocks = false;
  am->amcanparallel = false;
  am->amcaninclude = false;
  am->amusemaintenanceworkmem = false;
  am->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
  am->amkeytype = InvalidOid;
  am->ambuild = hnsw_build;
  am->ambuildempty = hnsw_build_empty;
  am->aminsert = hnsw_insert;
  am->ambulkdelete = hnsw_bulk_delete;
  am->amvacuumcleanup = hnsw_vacuum_cleanup;
  am->amcanreturn = nullptr;
  am->amcostestimate = hnsw_cost_estimate;
  am->amoptions = hnsw_options;
  am->amproperty = nullptr;
  am->ambuildphasename = hnsw_phase_name;
  am->amvalidate = hnsw_validate;
  am->amadjustmembers = nullptr;
  am->ambeginscan = hnsw_begin_scan;
  am->amrescan = hnsw_rescan;
  am->amgettuple = hnsw_get_tuple;
  am->amgetbitmap = nullptr;
  am->amendscan = hnsw_end_scan;
  am->ammarkpos = nullptr;
  am->amrestrpos = nullptr;
  am->amestimateparallelscan = nullptr;
  am->aminitparallelscan = nullptr;
  am->amparallelrescan = nullptr;
  PG_RETURN_POINTER(am);
}
