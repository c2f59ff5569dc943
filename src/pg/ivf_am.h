// The ivfflat index access method: shared declarations of its callback files.
//
//   ivf_handler.cpp  handler, reloptions, GUCs, cost estimate
//   ivf_build.cpp    ambuild / ambuildempty (sample, k-means, load)
//   ivf_insert.cpp   aminsert
//   ivf_scan.cpp     ambeginscan / amrescan / amgettuple / amendscan
//   ivf_vacuum.cpp   ambulkdelete / amvacuumcleanup
//
// Lists, pages and locking live in the core (vectorx/ivf/ivf_index.h, page_format.h); page
// content locks are all it needs, no heavyweight lock.
#pragma once

#include "vectorx/ivf/ivf_index.h"
#include "am_headers.h"

namespace vectorx::pg::ivf {

struct Options {
  int32 vl_len_;
  int lists;
};

enum class IterativeScan { kOff = 0, kRelaxed = 1 };

// GUCs
extern int probes;
extern int iterative_scan;
extern int max_probes;

void init_module();  // reloptions and GUCs, from _PG_init
int index_lists(Relation index);
// The Space of a new ivfflat index (ERROR for what IVF cannot store).
Space space_for_new_ivf_index(Relation index);

// Build phases shown in pg_stat_progress_create_index.
enum BuildPhase { kPhaseSample = 2, kPhaseKMeans = 3, kPhaseLoad = 4 };

}  // namespace vectorx::pg::ivf

extern "C" {
IndexBuildResult* ivfflat_build(Relation heap, Relation index, IndexInfo* info);
void ivfflat_build_empty(Relation index);
bool ivfflat_insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation heap,
                    IndexUniqueCheck check_unique, bool index_unchanged, IndexInfo* info);
IndexScanDesc ivfflat_begin_scan(Relation index, int nkeys, int norderbys);
void ivfflat_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool ivfflat_get_tuple(IndexScanDesc scan, ScanDirection dir);
void ivfflat_end_scan(IndexScanDesc scan);
IndexBulkDeleteResult* ivfflat_bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                           IndexBulkDeleteCallback callback, void* callback_state);
IndexBulkDeleteResult* ivfflat_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats);
}
