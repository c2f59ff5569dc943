// ivfflat, ivfpq and flat access methods: handlers, reloptions, GUCs and cost estimate.
#include <algorithm>

#include "distance_cost.h"
#include "vectorx/ivf/entries.h"
#include "index_values.h"
#include "ivf_am.h"
#include "settings.h"

namespace vectorx::pg::ivf {

SearchSettings flat_settings, pq_settings{1, static_cast<int>(IterativeScan::kOff), 32768, -1};

namespace {

relopt_kind relopt_kind_ivfflat, relopt_kind_ivfpq, relopt_kind_flat;

// Rows a scan by lower bounds (ivfpq, flat) hands the executor to re-check for a top-k: those
// whose bound is below the k-th distance, a few dozen on real data (flat on glove-100: 22).
constexpr double kRecheckedRows = 50;

const struct config_enum_entry kIterativeScanOptions[] = {
    {"off", static_cast<int>(IterativeScan::kOff), false},
    {"relaxed_order", static_cast<int>(IterativeScan::kRelaxed), false},
    {nullptr, 0, false}};

bytea* ivfflat_options(Datum reloptions, bool validate) {
  static const relopt_parse_elt table[] = {{"lists", RELOPT_TYPE_INT, offsetof(FlatOptions, lists)}};
  return reinterpret_cast<bytea*>(
      build_reloptions(reloptions, validate, relopt_kind_ivfflat, sizeof(FlatOptions), table, lengthof(table)));
}

bytea* ivfpq_options(Datum reloptions, bool validate) {
  static const relopt_parse_elt table[] = {{"lists", RELOPT_TYPE_INT, offsetof(PqOptions, lists)},
                                           {"m", RELOPT_TYPE_INT, offsetof(PqOptions, m)},
                                           {"nbits", RELOPT_TYPE_INT, offsetof(PqOptions, nbits)},
                                           {"residual", RELOPT_TYPE_BOOL, offsetof(PqOptions, residual)},
                                           {"quantizer", RELOPT_TYPE_ENUM, offsetof(PqOptions, quantizer)}};
  auto* options = static_cast<PqOptions*>(
      build_reloptions(reloptions, validate, relopt_kind_ivfpq, sizeof(PqOptions), table, lengthof(table)));
  if (validate && options && options->nbits != 0 && options->nbits != 4 && options->nbits != 8)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("nbits must be 4 or 8"),
                    errdetail("A scalar code has 16 (4 bits) or 256 (8 bits) levels a dimension, a product code as many centroids a sub-quantizer.")));
  return reinterpret_cast<bytea*>(options);
}

// flat has no options: any given is an error.
bytea* flat_options(Datum reloptions, bool validate) {
  return reinterpret_cast<bytea*>(build_reloptions(reloptions, validate, relopt_kind_flat, sizeof(FlatOptions), nullptr, 0));
}

const PqOptions* pq_options(Relation index) { return reinterpret_cast<const PqOptions*>(index->rd_options); }

// A scan reads the directory (every centre) and the probed lists' share of the entries, then
// sorts what it read; all of it happens before the first row comes back. ivfpq entries cost
// a few table lookups instead of a distance, plus the re-rank's table fetches.
void cost_estimate(Method method, PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup, Cost* total,
                   Selectivity* selectivity, double* correlation, double* pages) {
  if ((path->indexorderbys == NIL && path->indexclauses == NIL) || exact_search())
    return refuse_path(startup, total, selectivity, correlation, pages);
  const SearchSettings& settings = method == Method::kIvfFlat ? flat_settings : pq_settings;
  Relation index = index_open(path->indexinfo->indexoid, NoLock);
  const int lists = index_lists(index, method);
  const Cost per_distance = distance_cost(index_value_bytes(index));
  index_close(index, NoLock);
  const double fraction = std::min(1.0, static_cast<double>(std::max(settings.probes, 1)) / std::max(lists, 1));
  GenericCosts costs{};
  costs.numIndexTuples = std::max(1.0, path->indexinfo->tuples * fraction);
  costs.numIndexPages = std::max(1.0, path->indexinfo->pages * fraction);
  genericcostestimate(root, path, loop_count, &costs);
  // genericcostestimate charges every page as a random read; a list is a chain of pages
  // written together, so only the first page of each probed list is a random read.
  double random_page, seq_page;
  get_tablespace_page_costs(path->indexinfo->reltablespace, &random_page, &seq_page);
  const double probed = std::min<double>(std::max(settings.probes, 1), std::max(lists, 1));
  const Cost page_reads = std::min(costs.numIndexPages, probed) * random_page +
                     std::max(0.0, costs.numIndexPages - probed) * seq_page;
  costs.indexTotalCost += page_reads - costs.numIndexPages * random_page;
  const Cost per_entry = method == Method::kIvfFlat ? per_distance : 4 * cpu_operator_cost;
  const Cost distances = costs.numIndexTuples * per_entry + lists * per_distance;
  const Cost sort = costs.numIndexTuples * std::log2(std::max(2.0, costs.numIndexTuples)) * cpu_operator_cost;
  const double rechecked =
      method == Method::kIvfFlat ? 0 : settings.rerank < 0 ? kRecheckedRows : std::min<double>(settings.rerank, kRecheckedRows);
  const Cost rerank = rechecked * (random_page_cost + per_distance);
  *startup = *total = costs.indexTotalCost + distances + sort + rerank;
  *selectivity = costs.indexSelectivity;
  *correlation = 0;
  *pages = costs.numIndexPages;
}

void ivfflat_cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup, Cost* total,
                           Selectivity* selectivity, double* correlation, double* pages) {
  cost_estimate(Method::kIvfFlat, root, path, loop_count, startup, total, selectivity, correlation, pages);
}

void ivfpq_cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup, Cost* total,
                         Selectivity* selectivity, double* correlation, double* pages) {
  cost_estimate(Method::kIvfPq, root, path, loop_count, startup, total, selectivity, correlation, pages);
}

// flat reads every code (sequential pages, a SIMD bound each), then the executor fetches and
// re-checks the rows whose bound is below the k-th distance (random reads).
void flat_cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup, Cost* total,
                        Selectivity* selectivity, double* correlation, double* pages) {
  if (path->indexorderbys == NIL && path->indexclauses == NIL)
    return refuse_path(startup, total, selectivity, correlation, pages);
  Relation index = index_open(path->indexinfo->indexoid, NoLock);
  const Cost per_code = distance_cost(index_value_bytes(index)) / 4;
  index_close(index, NoLock);
  GenericCosts costs{};
  costs.numIndexTuples = std::max(1.0, path->indexinfo->tuples);
  costs.numIndexPages = std::max(1.0, static_cast<double>(path->indexinfo->pages));
  genericcostestimate(root, path, loop_count, &costs);
  double random_page, seq_page;
  get_tablespace_page_costs(path->indexinfo->reltablespace, &random_page, &seq_page);
  const Cost reads = costs.numIndexPages * seq_page + kRecheckedRows * random_page;
  costs.indexTotalCost += reads - costs.numIndexPages * random_page;
  *startup = *total = costs.indexTotalCost + costs.numIndexTuples * per_code;
  *selectivity = costs.indexSelectivity;
  *correlation = 0;
  *pages = costs.numIndexPages;
}

bool ivfflat_validate(Oid opclass) { return validate_distance_opclass(opclass, "ivfflat"); }
bool flat_validate(Oid opclass) { return validate_distance_opclass(opclass, "flat"); }
bool ivfpq_validate(Oid opclass) { return validate_distance_opclass(opclass, "ivfpq"); }

char* phase_name(int64 phase) {
  switch (phase) {
    case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
      return const_cast<char*>("initializing");
    case kPhaseSample:
      return const_cast<char*>("sampling tuples");
    case kPhaseKMeans:
      return const_cast<char*>("performing k-means");
    case kPhaseCodebooks:
      return const_cast<char*>("training codebooks");
    case kPhaseLoad:
      return const_cast<char*>("loading tuples");
    default:
      return nullptr;
  }
}

void define_search_gucs(const char* method, SearchSettings& settings) {
  const auto name = [&](const char* setting) { return psprintf("%s.%s", method, setting); };
  DefineCustomIntVariable(name("probes"), psprintf("Number of lists an %s scan reads.", method),
                          "More finds more of the true nearest rows, more slowly.", &settings.probes, 1, 1, 32768,
                          PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomEnumVariable(name("iterative_scan"),
                           psprintf("Whether %s scans probe more lists when rows run out.", method), nullptr,
                           &settings.iterative_scan, static_cast<int>(IterativeScan::kOff), kIterativeScanOptions,
                           PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(name("max_probes"), psprintf("Most lists an iterative %s scan reads.", method), nullptr,
                          &settings.max_probes, 32768, 1, 32768, PGC_USERSET, 0, nullptr, nullptr, nullptr);
}

IndexAmRoutine* ivf_routine() {
  IndexAmRoutine* am = makeNode(IndexAmRoutine);
  am->amstrategies = 2;  // 1: ORDER BY distance, 2: range search (range_ops.h)
  am->amsupport = 1;
  am->amcanorderbyop = true;
  am->amoptionalkey = true;
  am->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
  am->amkeytype = InvalidOid;
  am->aminsert = ivf_insert;
  am->ambulkdelete = ivf_bulk_delete;
  am->amvacuumcleanup = ivf_vacuum_cleanup;
  am->ambuildphasename = phase_name;
  am->ambeginscan = ivf_begin_scan;
  am->amrescan = ivf_rescan;
  am->amgettuple = ivf_get_tuple;
  am->amendscan = ivf_end_scan;
  return am;
}

}  // namespace

const char* method_name(Method method) {
  switch (method) {
    case Method::kIvfFlat:
      return "ivfflat";
    case Method::kIvfPq:
      return "ivfpq";
    case Method::kFlat:
      return "flat";
  }
  return "?";
}

void init_module() {
  relopt_kind_ivfflat = add_reloption_kind();
  add_int_reloption(relopt_kind_ivfflat, "lists", "Number of inverted lists", 100, 1, 32768, AccessExclusiveLock);
  relopt_kind_ivfpq = add_reloption_kind();
  add_int_reloption(relopt_kind_ivfpq, "lists", "Number of inverted lists", 100, 1, 32768, AccessExclusiveLock);
  add_int_reloption(relopt_kind_ivfpq, "m", "Number of PQ sub-quantizers (0: chosen from the dimensions)", 0, 0, 16000,
                    AccessExclusiveLock);
  add_int_reloption(relopt_kind_ivfpq, "nbits", "Bits of a code (4 or 8): a dimension's with quantizer = scalar, else a sub-quantizer's", 0, 0, 8, AccessExclusiveLock);
  add_bool_reloption(relopt_kind_ivfpq, "residual", "Whether codes encode the difference from the list centre", true,
                     AccessExclusiveLock);
  static relopt_enum_elt_def quantizers[] = {{"scalar", static_cast<int>(Quantizer::kScalar)},
                                             {"product", static_cast<int>(Quantizer::kProduct)},
                                             {nullptr, 0}};
  add_enum_reloption(relopt_kind_ivfpq, "quantizer", "Codes of the entries: scalar levels or product quantization",
                     quantizers, static_cast<int>(Quantizer::kUnset), "Valid values are \"scalar\" and \"product\".",
                     AccessExclusiveLock);
  relopt_kind_flat = add_reloption_kind();
  define_search_gucs("ivfflat", flat_settings);
  define_search_gucs("ivfpq", pq_settings);
  DefineCustomIntVariable("ivfpq.rerank", "Most rows an ivfpq scan hands over for an exact re-check of their distance.",
                          "-1 (the default): as many as needed to return what ivfflat returns at the same probes; "
                          "0: none, rows in the order of their codes' estimates.",
                          &pq_settings.rerank, -1, -1, 1000000, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  MarkGUCPrefixReserved("ivfflat");
  MarkGUCPrefixReserved("ivfpq");
}

int index_lists(Relation index, Method method) {
  if (method == Method::kFlat) return 1;
  if (!index->rd_options) return 100;
  return method == Method::kIvfFlat ? reinterpret_cast<const FlatOptions*>(index->rd_options)->lists
                                 : pq_options(index)->lists;
}

Space space_for_new_ivf_index(Relation index, Method method) {
  const Space space = space_for_new_index(index);
  const bool supported = method == Method::kFlat ? vectorx::ivf::bounded_supported(space.kind(), space.metric())
                                                 : vectorx::ivf::supported(space.kind(), space.metric()) &&
                                                       !(method == Method::kIvfPq && space.kind() == ElementKind::kBit);
  if (!supported)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("%s does not support this operator class", method_name(method))));
  const size_t limit = vectorx::ivf::max_value_bytes(BLCKSZ - MAXALIGN(SizeOfPageHeaderData));
  const size_t entry = method == Method::kFlat ? vectorx::ivf::bounded_entry_bytes(space.dim(), 8, space.metric()) : vectorx::ivf::value_bytes(space);
  if (entry > limit)
    ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                    errmsg("column cannot have more than %zu bytes of %s for %s index", limit,
                           method == Method::kFlat ? "codes" : "vector data", method_name(method)),
                    errhint("Use an hnsw index, which stores larger vectors.")));
  return space;
}

vectorx::ivf::EntrySpec entry_spec(Method method, Relation index, const Space& space) {
  vectorx::ivf::EntrySpec spec;
  const PqOptions* options = method == Method::kIvfPq ? pq_options(index) : nullptr;
  // m or nbits alone imply product quantization; nbits with quantizer = scalar sizes its codes.
  const bool pq_shape_given = options && (options->m != 0 || options->nbits != 0);
  const auto quantizer = static_cast<Quantizer>(options ? options->quantizer : static_cast<int>(Quantizer::kUnset));
  if (quantizer == Quantizer::kScalar && options->m != 0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("m applies only with quantizer = product")));
  const bool scalar = method == Method::kFlat ||
                      (method == Method::kIvfPq && (quantizer == Quantizer::kScalar ||
                                                    (quantizer == Quantizer::kUnset && !pq_shape_given)));
  if (scalar)
    spec.format = options && options->nbits == 4 ? vectorx::ivf::EntryFormat::kBounded4 : vectorx::ivf::EntryFormat::kBounded;
  if (method != Method::kIvfPq || scalar) return spec;
  const int nbits = options->nbits != 0 ? options->nbits : 4;
  const auto dim = static_cast<size_t>(space.dim());
  const size_t m = options && options->m > 0 ? static_cast<size_t>(options->m) : vectorx::ivf::default_pq_m(dim, nbits);
  if (dim % m != 0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("m must divide the number of dimensions (%zu)", dim),
                    errdetail("Each of the m sub-quantizers encodes dim / m dimensions; m = %zu does not divide %zu.",
                              m, dim)));
  if (nbits == 4 && m > vectorx::ivf::kMaxFastScanM)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("m must be at most %zu with nbits = 4", vectorx::ivf::kMaxFastScanM),
                    errhint("Use nbits = 8 for more sub-quantizers.")));
  spec.format = nbits == 8 ? vectorx::ivf::EntryFormat::kCode8 : vectorx::ivf::EntryFormat::kCode4;
  spec.pq_m = m;
  spec.residual = options ? options->residual : true;
  return spec;
}

}  // namespace vectorx::pg::ivf

using namespace vectorx::pg::ivf;

VX_FUNCTION(ivfflathandler) {
  IndexAmRoutine* am = ivf_routine();
  am->ambuild = ivfflat_build;
  am->ambuildempty = ivfflat_build_empty;
  am->amcostestimate = ivfflat_cost_estimate;
  am->amoptions = ivfflat_options;
  am->amvalidate = ivfflat_validate;
  PG_RETURN_POINTER(am);
}

VX_FUNCTION(flathandler) {
  IndexAmRoutine* am = ivf_routine();
  am->ambuild = flat_build;
  am->ambuildempty = flat_build_empty;
  am->amcostestimate = flat_cost_estimate;
  am->amoptions = flat_options;
  am->amvalidate = flat_validate;
  am->ambeginscan = flat_begin_scan;
  am->amrescan = flat_rescan;
  am->amgettuple = flat_get_tuple;
  am->amendscan = flat_end_scan;
  PG_RETURN_POINTER(am);
}

VX_FUNCTION(ivfpqhandler) {
  IndexAmRoutine* am = ivf_routine();
  am->ambuild = ivfpq_build;
  am->ambuildempty = ivfpq_build_empty;
  am->amcostestimate = ivfpq_cost_estimate;
  am->amoptions = ivfpq_options;
  am->amvalidate = ivfpq_validate;
  PG_RETURN_POINTER(am);
}
