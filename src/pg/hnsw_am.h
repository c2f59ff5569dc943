// The hnsw index access method: shared declarations of its callback files.
//
//   hnsw_handler.cpp  handler, reloptions, GUCs, cost estimate, opclass validation
//   hnsw_build.cpp    ambuild / ambuildempty (in-memory graph on threads, then pages)
//   hnsw_insert.cpp   aminsert
//   hnsw_scan.cpp     ambeginscan / amrescan / amgettuple / amendscan
//   hnsw_vacuum.cpp   ambulkdelete / amvacuumcleanup
//
// Graph logic and page layout live in the core (vectorx/hnsw/page_graph.h, page_format.h).
// Locking between sessions: page content locks (see page_format.h) plus one heavyweight
// "update lock" (LockPage on block 0): inserts hold it shared, or exclusive when they raise the
// entry point (the first element, or a new top level); VACUUM holds it exclusive while it moves
// a dead entry point and frees dead elements. Scans take no heavyweight lock.
#pragma once

#include "vectorx/hnsw/algorithm.h"
#include "am_headers.h"
#include "guard.h"

namespace vectorx::pg::hnsw {

constexpr BlockNumber kUpdateLock = 0;

struct Options {
  int32 vl_len_;
  int m;
  int ef_construction;
};

enum class IterativeScan { kOff = 0, kRelaxed = 1, kStrict = 2 };

// GUCs
extern int ef_search;
extern int iterative_scan;
extern int max_scan_tuples;
extern double scan_mem_multiplier;

void init_module();  // reloptions and GUCs, from _PG_init
vectorx::hnsw::Params index_params(Relation index);  // reloptions as stored (never an ERROR)
vectorx::hnsw::Params build_params(Relation index);  // the same, checked for a build (ERROR)
int random_level(int m);  // a new element's level, from Postgres' PRNG

// Holds the heavyweight update lock for a scope.
class UpdateLock {
 public:
  UpdateLock(Relation index, LOCKMODE mode) : index_(index), mode_(mode) {
    pg_call([&] { LockPage(index_, kUpdateLock, mode_); });
  }
  ~UpdateLock() { UnlockPage(index_, kUpdateLock, mode_); }
  UpdateLock(const UpdateLock&) = delete;
  UpdateLock& operator=(const UpdateLock&) = delete;

 private:
  Relation index_;
  LOCKMODE mode_;
};

// Build phases shown in pg_stat_progress_create_index.
enum BuildPhase { kPhaseLoad = 2, kPhaseGraph = 3, kPhaseWrite = 4 };

}  // namespace vectorx::pg::hnsw

extern "C" {
IndexBuildResult* hnsw_build(Relation heap, Relation index, IndexInfo* info);
void hnsw_build_empty(Relation index);
bool hnsw_insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation heap,
                 IndexUniqueCheck check_unique, bool index_unchanged, IndexInfo* info);
IndexScanDesc hnsw_begin_scan(Relation index, int nkeys, int norderbys);
void hnsw_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool hnsw_get_tuple(IndexScanDesc scan, ScanDirection dir);
void hnsw_end_scan(IndexScanDesc scan);
IndexBulkDeleteResult* hnsw_bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                        IndexBulkDeleteCallback callback, void* callback_state);
IndexBulkDeleteResult* hnsw_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats);
}
