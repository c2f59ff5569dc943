// ivfflat / ivfpq aminsert: the value's entry goes to the list of its nearest centre.
#include "vectorx/ivf/entries.h"
#include "buffer_page_store.h"
#include "guard.h"
#include "index_values.h"
#include "ivf_am.h"
#include "ivf_shape_cache.h"

using namespace vectorx::pg;

bool ivf_insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation, IndexUniqueCheck, bool,
                IndexInfo*) {
  if (isnull[0]) return false;
  const MemoryContext context = AllocSetContextCreate(CurrentMemoryContext, "ivf insert", ALLOCSET_SMALL_SIZES);
  const MemoryContext old = MemoryContextSwitchTo(context);
  const Datum value = values[0];
  const vectorx::HeapTid tid{ItemPointerGetBlockNumber(heap_tid), ItemPointerGetOffsetNumber(heap_tid)};
  guarded([&] {
    BufferPageStore store(index, MAIN_FORKNUM, BufferPageStore::Mode::kWal);
    vectorx::ivf::IvfIndex ivf(store);
    IndexValue v{};
    pg_call([&] { v = index_value(value, ivf.space().kind()); });
    check_index_dims(v, ivf.space());
    if (!ivf.space().indexable(v.payload)) return;
    vectorx::ivf::Entries entries(ivf, vectorx::pg::ivf::use_cached_shape(index, ivf));
    const uint32_t list = ivf.nearest_list(v.payload);
    ivf.insert(list, entries.encode(v.payload, list), tid);
  });
  MemoryContextSwitchTo(old);
  MemoryContextDelete(context);
  return false;
}
