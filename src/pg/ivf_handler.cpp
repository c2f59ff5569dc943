// ivfflat access method: handler, reloptions, GUCs and cost estimate.
#include <algorithm>

#include "index_values.h"
#include "ivf_am.h"

namespace vectorx::pg::ivf {

int probes = 1;
int iterative_scan = static_cast<int>(IterativeScan::kOff);
int max_probes = 32768;

namespace {

relopt_kind relopt_kind_ivfflat;

const struct config_enum_entry kIterativeScanOptions[] = {
    {"off", static_cast<int>(IterativeScan::kOff), false},
    {"relaxed_order", static_cast<int>(IterativeScan::kRelaxed), false},
    {nullptr, 0, false}};

bytea* ivfflat_options(Datum reloptions, bool validate) {
  static const relopt_parse_elt table[] = {{"lists", RELOPT_TYPE_INT, offsetof(Options, lists)}};
  return reinterpret_cast<bytea*>(
      build_reloptions(reloptions, validate, relopt_kind_ivfflat, sizeof(Options), table, lengthof(table)));
}

// A scan reads the directory (every centre) and the probed lists' share of the entries, then
// sorts what it read; all of it happens before the first row comes back.
void ivfflat_cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup, Cost* total,
                           Selectivity* selectivity, double* correlation, double* pages) {
  if (path->indexorderbys == NIL) {
    *startup = *total = get_float8_infinity();
    *selectivity = 0;
    *correlation = 0;
    *pages = 0;
    return;
  }
  Relation index = index_open(path->indexinfo->indexoid, NoLock);
  const int lists = index_lists(index);
  index_close(index, NoLock);
  const double fraction = std::min(1.0, static_cast<double>(std::max(probes, 1)) / std::max(lists, 1));
  GenericCosts costs{};
  costs.numIndexTuples = std::max(1.0, path->indexinfo->tuples * fraction);
  costs.numIndexPages = std::max(1.0, path->indexinfo->pages * fraction);
  genericcostestimate(root, path, loop_count, &costs);
  const Cost distances = (costs.numIndexTuples + lists) * 25 * cpu_operator_cost;
  const Cost sort = costs.numIndexTuples * std::log2(std::max(2.0, costs.numIndexTuples)) * cpu_operator_cost;
  *startup = *total = costs.indexTotalCost + distances + sort;
  *selectivity = costs.indexSelectivity;
  *correlation = 0;
  *pages = costs.numIndexPages;
}

bool ivfflat_validate(Oid opclass) { return validate_distance_opclass(opclass, "ivfflat"); }

char* ivfflat_phase_name(int64 phase) {
  switch (phase) {
    case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
      return const_cast<char*>("initializing");
    case kPhaseSample:
      return const_cast<char*>("sampling tuples");
    case kPhaseKMeans:
      return const_cast<char*>("performing k-means");
    case kPhaseLoad:
      return const_cast<char*>("loading tuples");
    default:
      return nullptr;
  }
}

}  // namespace

void init_module() {
  relopt_kind_ivfflat = add_reloption_kind();
  add_int_reloption(relopt_kind_ivfflat, "lists", "Number of inverted lists", 100, 1, 32768, AccessExclusiveLock);
  DefineCustomIntVariable("ivfflat.probes", "Number of lists an ivfflat scan reads.",
                          "More finds more of the true nearest rows, more slowly.", &probes, 1, 1, 32768, PGC_USERSET,
                          0, nullptr, nullptr, nullptr);
  DefineCustomEnumVariable("ivfflat.iterative_scan", "Whether ivfflat scans probe more lists when rows run out.",
                           nullptr, &iterative_scan, static_cast<int>(IterativeScan::kOff), kIterativeScanOptions,
                           PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("ivfflat.max_probes", "Most lists an iterative ivfflat scan reads.", nullptr, &max_probes,
                          32768, 1, 32768, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  MarkGUCPrefixReserved("ivfflat");
}

int index_lists(Relation index) {
  const auto* options = reinterpret_cast<const Options*>(index->rd_options);
  return options ? options->lists : 100;
}

Space space_for_new_ivf_index(Relation index) {
  const Space space = space_for_new_index(index);
  if (!vectorx::ivf::supported(space.kind(), space.metric()))
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("ivfflat does not support this operator class")));
  const size_t limit = vectorx::ivf::max_value_bytes(BLCKSZ - MAXALIGN(SizeOfPageHeaderData));
  if (vectorx::ivf::value_bytes(space) > limit)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("column cannot have more than %zu bytes of vector data for ivfflat index", limit),
                    errhint("Use an hnsw index, which stores larger vectors.")));
  return space;
}

}  // namespace vectorx::pg::ivf

using namespace vectorx::pg::ivf;

VX_FUNCTION(ivfflathandler) {
  IndexAmRoutine* am = makeNode(IndexAmRoutine);
  am->amstrategies = 1;
  am->amsupport = 1;
  am->amcanorderbyop = true;
  am->amoptionalkey = true;
  am->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
  am->amkeytype = InvalidOid;
  am->ambuild = ivfflat_build;
  am->ambuildempty = ivfflat_build_empty;
  am->aminsert = ivfflat_insert;
  am->ambulkdelete = ivfflat_bulk_delete;
  am->amvacuumcleanup = ivfflat_vacuum_cleanup;
  am->amcostestimate = ivfflat_cost_estimate;
  am->amoptions = ivfflat_options;
  am->ambuildphasename = ivfflat_phase_name;
  am->amvalidate = ivfflat_validate;
  am->ambeginscan = ivfflat_begin_scan;
  am->amrescan = ivfflat_rescan;
  am->amgettuple = ivfflat_get_tuple;
  am->amendscan = ivfflat_end_scan;
  PG_RETURN_POINTER(am);
}
