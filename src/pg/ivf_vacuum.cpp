// ivfflat / ivfpq VACUUM: compact every data page without the entries of dead rows (IvfIndex::remove_dead).
#include "buffer_page_store.h"
#include "guard.h"
#include "ivf_am.h"

using namespace vectorx::pg;

IndexBulkDeleteResult* ivf_bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                           IndexBulkDeleteCallback callback, void* callback_state) {
  if (!stats) stats = static_cast<IndexBulkDeleteResult*>(palloc0(sizeof(IndexBulkDeleteResult)));
  guarded([&] {
    BufferPageStore store(info->index, MAIN_FORKNUM, BufferPageStore::Mode::kVacuum);
    vectorx::ivf::IvfIndex ivf(store);
    const auto result = ivf.remove_dead([&](vectorx::HeapTid t) {
      ItemPointerData tid;
      ItemPointerSet(&tid, t.block, t.offset);
      return callback(&tid, callback_state);
    });
    stats->tuples_removed += static_cast<double>(result.removed);
    stats->num_index_tuples = static_cast<double>(result.kept);
  });
  return stats;
}

IndexBulkDeleteResult* ivf_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats) {
  if (info->analyze_only || !stats) return stats;
  stats->num_pages = RelationGetNumberOfBlocks(info->index);
  return stats;
}
