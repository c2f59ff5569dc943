// ivfflat / ivfpq aminsert: the value's entry goes to the list of its nearest centre.
#include <algorithm>

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
        const vectorx::pg::ivf::InsertShape shape = vectorx::pg::ivf::cached_insert_shape(index, ivf);
        vectorx::ivf::Entries entries(ivf, shape.codec);
        uint32_t list = 0;
        shape.nearest->find(v.payload, 1, &list);
        ivf.insert(list, entries.encode(v.payload, list), tid);
        *shape.blocks_seen = std::max(*shape.blocks_seen, ivf.blocks_seen());
      });
  return false;
}
