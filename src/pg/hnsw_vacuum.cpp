// hnsw VACUUM: mark elements of dead heap rows, repair the lists that pointed at them, then,
// under the exclusive update lock, move a dead entry point and free the dead elements for
// reuse, and finally link back live elements no list leads to any more (the steps of
// PageGraph::Vacuum). The last step holds every element's lists in memory, within the
// vacuum's memory setting, and is skipped with a message when they do not fit. It runs in the
// cleanup call, once per VACUUM: after all bulk-delete passes (there may be several), and also
// when no rows were removed and bulk delete never ran (inserts can leave elements unreachable).
#include "vectorx/hnsw/page_graph.h"
#include "buffer_page_store.h"
#include "guard.h"
#include "hnsw_am.h"

extern "C" {
#include "miscadmin.h"
#include "postmaster/autovacuum.h"
}

using namespace vectorx::pg;
using namespace vectorx::pg::hnsw;

namespace {

// What VACUUM itself may use: autovacuum_work_mem in autovacuum workers when set, else
// maintenance_work_mem.
size_t vacuum_memory_bytes() {
  const int kb = IsAutoVacuumWorkerProcess() && autovacuum_work_mem != -1 ? autovacuum_work_mem : maintenance_work_mem;
  return static_cast<size_t>(kb) * 1024;
}

void report_reconnected(const IndexVacuumInfo* info, const vectorx::hnsw::PageGraph::Vacuum::Reconnected& r,
                        size_t memory) {
  const char* name = RelationGetRelationName(info->index);
  if (r.skipped)  // a NOTICE for a VACUUM someone runs, not for every autovacuum of the index
    ereport(IsAutoVacuumWorkerProcess() ? info->message_level : NOTICE,
            (errmsg("hnsw index \"%s\": not checked for unreachable elements", name),
             errdetail("Its neighbour lists need more memory than the vacuum may use (%zu kB).", memory / 1024),
             errhint("Raise maintenance_work_mem for a VACUUM of this table.")));
  else if (r.unreachable > 0)
    ereport(info->message_level, (errmsg("hnsw index \"%s\": linked %zu of %zu elements no neighbour list led to",
                                         name, r.linked, r.unreachable)));
}

// The last vacuum step, on its own pages and graph (it needs nothing bulk delete learnt).
void reconnect_unreachable(const IndexVacuumInfo* info) {
  const size_t memory = vacuum_memory_bytes();
  vectorx::hnsw::PageGraph::Vacuum::Reconnected reconnected;
  guarded([&] {
    BufferPageStore store(info->index, MAIN_FORKNUM, BufferPageStore::Mode::kVacuum);
    vectorx::hnsw::PageGraph graph(store);
    reconnected = vectorx::hnsw::PageGraph::Vacuum(graph).reconnect(memory);
  });
  report_reconnected(info, reconnected, memory);
}

}  // namespace

IndexBulkDeleteResult* hnsw_bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                        IndexBulkDeleteCallback callback, void* callback_state) {
  if (!stats) stats = static_cast<IndexBulkDeleteResult*>(palloc0(sizeof(IndexBulkDeleteResult)));
  Relation index = info->index;
  guarded([&] {
    BufferPageStore store(index, MAIN_FORKNUM, BufferPageStore::Mode::kVacuum);
    vectorx::hnsw::PageGraph graph(store);
    vectorx::hnsw::PageGraph::Vacuum vacuum(graph);
    const size_t removed = vacuum.mark_dead([&](vectorx::HeapTid t) {
      ItemPointerData tid;
      ItemPointerSet(&tid, t.block, t.offset);
      return callback(&tid, callback_state);
    });
    vacuum.repair();
    {
      UpdateLock lock(index, ExclusiveLock);
      vacuum.release();
    }
    stats->tuples_removed += static_cast<double>(removed);
    stats->num_index_tuples = static_cast<double>(vacuum.live_rows());
  });
  return stats;
}

IndexBulkDeleteResult* hnsw_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats) {
  if (info->analyze_only) return stats;
  reconnect_unreachable(info);
  if (!stats) return stats;  // no bulk delete ran: no statistics to update
  stats->num_pages = RelationGetNumberOfBlocks(info->index);
  return stats;
}
