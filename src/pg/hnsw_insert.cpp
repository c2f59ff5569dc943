// hnsw aminsert: one element at a time, under the update lock (hnsw_am.h).
#include "vectorx/hnsw/page_graph.h"
#include "buffer_page_store.h"
#include "guard.h"
#include "hnsw_am.h"
#include "index_values.h"

using namespace vectorx::pg;
using namespace vectorx::pg::hnsw;

bool hnsw_insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation, IndexUniqueCheck, bool,
                 IndexInfo*) {
  if (isnull[0]) return false;
  const MemoryContext context = AllocSetContextCreate(CurrentMemoryContext, "hnsw insert", ALLOCSET_SMALL_SIZES);
  const MemoryContext old = MemoryContextSwitchTo(context);
  const Datum value = values[0];
  const vectorx::HeapTid tid{ItemPointerGetBlockNumber(heap_tid), ItemPointerGetOffsetNumber(heap_tid)};
  guarded([&] {
    BufferPageStore store(index, MAIN_FORKNUM, BufferPageStore::Mode::kWal);
    vectorx::hnsw::PageGraph graph(store);
    IndexValue v{};
    pg_call([&] { v = index_value(value, graph.space().kind()); });
    check_index_dims(v, graph.space());
    if (!graph.space().indexable(v.payload)) return;
    int level = 0;
    pg_call([&] { level = random_level(graph.params().m); });
    bool done;
    {
      UpdateLock lock(index, ShareLock);
      done = graph.insert(v.payload, v.length, tid, level, false);
    }
    if (!done) {
      UpdateLock lock(index, ExclusiveLock);
      graph.insert(v.payload, v.length, tid, level, true);
    }
  });
  MemoryContextSwitchTo(old);
  MemoryContextDelete(context);
  return false;
}
