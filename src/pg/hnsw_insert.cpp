// hnsw aminsert: one element at a time, under the update lock (hnsw_am.h).
#include "vectorx/hnsw/page_graph.h"
#include "hnsw_am.h"
#include "hnsw_code_cache.h"
#include "index_insert.h"

using namespace vectorx::pg;
using namespace vectorx::pg::hnsw;

bool hnsw_insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation, IndexUniqueCheck, bool,
                 IndexInfo*) {
  insert_row<vectorx::hnsw::PageGraph>(
      index, values[0], isnull[0], heap_tid,
      [&](vectorx::hnsw::PageGraph& graph, const IndexValue& v, vectorx::HeapTid tid) {
        int level = 0;
        pg_call([&] { level = random_level(graph.params().m); });
        const auto codes = cached_codes(index, graph);
        bool done;
        {
          UpdateLock lock(index, ShareLock);
          done = graph.insert(v.payload, v.length, tid, level, false, codes.get());
        }
        if (!done) {
          UpdateLock lock(index, ExclusiveLock);
          graph.insert(v.payload, v.length, tid, level, true, codes.get());
        }
      });
  return false;
}
