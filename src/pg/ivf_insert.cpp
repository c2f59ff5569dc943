// ivfflat / ivfpq aminsert: the value's entry goes to the list of its nearest centre.
#include "vectorx/ivf/entries.h"
#include "index_insert.h"
#include "ivf_am.h"
#include "ivf_shape_cache.h"

using namespace vectorx::pg;

bool ivf_insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation, IndexUniqueCheck, bool,
                IndexInfo*) {
  insert_row<vectorx::ivf::IvfIndex>(
      index, values[0], isnull[0], heap_tid,
      [&](vectorx::ivf::IvfIndex& ivf, const IndexValue& v, vectorx::HeapTid tid) {
        vectorx::ivf::Entries entries(ivf, vectorx::pg::ivf::use_cached_shape(index, ivf));
        uint32_t list = 0;
        vectorx::pg::ivf::cached_nearest_centres(index, ivf).find(v.payload, 1, &list);
        ivf.insert(list, entries.encode(v.payload, list), tid);
        vectorx::pg::ivf::remember_blocks_seen(index, ivf);
      });
  return false;
}
