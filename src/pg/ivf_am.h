// The IVF index access methods, ivfflat, ivfpq and flat: shared declarations of their callback
// files.
//
//   ivf_handler.cpp  handlers, reloptions, GUCs, cost estimate
//   ivf_build.cpp    ambuild / ambuildempty (sample, k-means, codebooks, load)
//   ivf_insert.cpp   aminsert
//   ivf_scan.cpp     ambeginscan / amrescan / amgettuple / amendscan (ivfpq: rows in
//                    lower-bound order, re-checked by the executor)
//   flat_scan.cpp    flat's scan: every row in lower-bound order, re-checked by the executor
//   ivf_vacuum.cpp   ambulkdelete / amvacuumcleanup
//
// All three share one core (vectorx/ivf/): lists, pages and locking in ivf/index.h, what
// an entry holds in entries.h. Insert, scan and vacuum learn which method an index belongs to
// from its meta page; page content locks are all they need, no heavyweight lock.
#pragma once

#include "vectorx/ivf/index.h"
#include "am_headers.h"

namespace vectorx::pg::ivf {

struct FlatOptions {
  int32 vl_len_;
  int lists;
};

// What an ivfpq entry's code is: 8-bit scalar levels per dimension with an error bound
// (bounded_codes.h), or product quantization (m, nbits, residual). Not given: product when m
// or nbits is, else scalar.
enum class Quantizer { kScalar = 0, kProduct = 1, kUnset = 2 };

struct PqOptions {
  int32 vl_len_;
  int lists;
  int m;       // product: 0 chosen from the dimensions
  int nbits;   // product: 4 or 8 (0: not given, 4)
  bool residual;
  int quantizer;  // Quantizer
};

enum class IterativeScan { kOff = 0, kRelaxed = 1 };

// One method's search settings (its GUCs).
struct SearchSettings {
  int probes = 1;
  int iterative_scan = static_cast<int>(IterativeScan::kOff);
  int max_probes = 32768;
  int rerank = 0;  // ivfpq: most rows re-checked (-1: as many as exactness needs; 0: none)
};
extern SearchSettings flat_settings, pq_settings;

// The IVF family: ivfflat, ivfpq, and flat (one list of bounded codes, exact scans).
enum class Method { kIvfFlat, kIvfPq, kFlat };
const char* method_name(Method method);

void init_module();  // reloptions and GUCs, from _PG_init
int index_lists(Relation index, Method method);
// The Space of a new IVF index (ERROR for what the method cannot store).
Space space_for_new_ivf_index(Relation index, Method method);
// What the entries of a new index hold, from its method and options (ERROR for invalid ones);
// the codebooks are trained later.
vectorx::ivf::EntrySpec entry_spec(Method method, Relation index, const Space& space);

// Build phases shown in pg_stat_progress_create_index.
enum BuildPhase { kPhaseSample = 2, kPhaseKMeans = 3, kPhaseCodebooks = 4, kPhaseLoad = 5 };

}  // namespace vectorx::pg::ivf

extern "C" {
IndexBuildResult* ivfflat_build(Relation heap, Relation index, IndexInfo* info);
void ivfflat_build_empty(Relation index);
IndexBuildResult* ivfpq_build(Relation heap, Relation index, IndexInfo* info);
void ivfpq_build_empty(Relation index);
bool ivf_insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation heap,
                IndexUniqueCheck check_unique, bool index_unchanged, IndexInfo* info);
IndexBuildResult* flat_build(Relation heap, Relation index, IndexInfo* info);
void flat_build_empty(Relation index);
IndexScanDesc flat_begin_scan(Relation index, int nkeys, int norderbys);
void flat_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool flat_get_tuple(IndexScanDesc scan, ScanDirection dir);
void flat_end_scan(IndexScanDesc scan);
IndexScanDesc ivf_begin_scan(Relation index, int nkeys, int norderbys);
void ivf_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool ivf_get_tuple(IndexScanDesc scan, ScanDirection dir);
void ivf_end_scan(IndexScanDesc scan);
IndexBulkDeleteResult* ivf_bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                       IndexBulkDeleteCallback callback, void* callback_state);
IndexBulkDeleteResult* ivf_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats);
}
