// hnsw VACUUM: mark elements of dead heap rows, repair the lists that pointed at them, then,
// under the exclusive update lock, move a dead entry point and free the dead elements for
// reuse (the steps of PageGraph::Vacuum).
#include "vectorx/hnsw/page_graph.h"
#include "buffer_page_store.h"
#include "guard.h"
#include "hnsw_am.h"

using namespace vectorx::pg;
using namespace vectorx::pg::hnsw;

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
    stats->num_index_tuples = static_cast<double>(vacuum.live());
  });
  return stats;
}

IndexBulkDeleteResult* hnsw_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats) {
  if (info->analyze_only || !stats) return stats;
  stats->num_pages = RelationGetNumberOfBlocks(info->index);
  return stats;
}
