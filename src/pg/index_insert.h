// The frame every aminsert shares: a short-lived memory context, the error boundary, the
// index opened over shared buffers with WAL, and the row's value read and checked for it.
#pragma once

#include "buffer_page_store.h"
#include "guard.h"
#include "index_values.h"

namespace vectorx::pg {

// Calls insert(index, value, tid) with the opened `Index` (hnsw::PageGraph or ivf::IvfIndex)
// when the row's value is indexable (not NULL, right dimensions, and, under cosine, not zero).
template <class Index, class F>
void insert_row(Relation rel, Datum value, bool isnull, ItemPointer heap_tid, F insert) {
  if (isnull) return;
  const MemoryContext context = AllocSetContextCreate(CurrentMemoryContext, "vectorx insert", ALLOCSET_SMALL_SIZES);
  const MemoryContext old = MemoryContextSwitchTo(context);
  const vectorx::HeapTid tid{ItemPointerGetBlockNumber(heap_tid), ItemPointerGetOffsetNumber(heap_tid)};
  guarded([&] {
    BufferPageStore store(rel, MAIN_FORKNUM, BufferPageStore::Mode::kWal);
    Index index(store);
    IndexValue v{};
    pg_call([&] { v = index_value(value, index.space().kind()); });
    check_index_dims(v, index.space());
    if (index.space().indexable(v.payload)) insert(index, v, tid);
  });
  MemoryContextSwitchTo(old);
  MemoryContextDelete(context);
}

}  // namespace vectorx::pg
