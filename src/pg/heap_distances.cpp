// HeapDistances (heap_distances.h). The heap page is share-locked only while the tuple is
// found and, for a value stored inline, its distance computed; a toasted value is copied out
// first and detoasted after the lock is released (detoasting reads other pages).
#include "heap_distances.h"

#include "guard.h"
#include "index_values.h"

extern "C" {
#include "access/heapam.h"
#include "utils/snapmgr.h"
}

namespace vectorx::pg {

std::unique_ptr<HeapDistances> HeapDistances::open(IndexScanDesc scan, const Space& space, const uint8_t* query) {
  const Relation heap = scan->heapRelation;
  const AttrNumber column = scan->indexRelation->rd_index->indkey.values[0];
  if (!heap || column == 0 || heap->rd_tableam != GetHeapamTableAmRoutine()) return nullptr;
  return std::unique_ptr<HeapDistances>(new HeapDistances(heap, column, space, query));
}

std::optional<double> HeapDistances::at(HeapTid tid) {
  enum class Found { kNothing, kValue, kOtherDims } found = Found::kNothing;
  double distance = 0;
  int64_t dims = 0;
  const ElementKind kind = space_.kind();
  const auto measure = [&](Datum value) {
    const IndexValue v = index_value(value, kind);
    dims = v.dim;
    if (v.dim != space_.dim()) {
      found = Found::kOtherDims;
      return;
    }
    distance = space_.distance(query_, v.payload);
    found = Found::kValue;
  };
  pg_call([&] {
    const Buffer buffer = ReadBuffer(heap_, tid.block);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    ItemPointerData pointer;
    ItemPointerSet(&pointer, tid.block, tid.offset);
    HeapTupleData tuple;
    varlena* toasted = nullptr;
    if (heap_hot_search_buffer(&pointer, heap_, buffer, SnapshotAny, &tuple, nullptr, true)) {
      bool isnull = false;
      const Datum value = heap_getattr(&tuple, column_, RelationGetDescr(heap_), &isnull);
      if (!isnull && VARATT_IS_EXTENDED(DatumGetPointer(value))) {
        const auto* raw = reinterpret_cast<const varlena*>(DatumGetPointer(value));
        toasted = static_cast<varlena*>(palloc(VARSIZE_ANY(raw)));
        memcpy(toasted, raw, VARSIZE_ANY(raw));
      } else if (!isnull) {
        measure(value);
      }
    }
    UnlockReleaseBuffer(buffer);
    if (toasted) {
      varlena* plain = pg_detoast_datum(toasted);
      measure(PointerGetDatum(plain));
      if (plain != toasted) pfree(plain);
      pfree(toasted);
    }
  });
  if (found == Found::kOtherDims)
    throw InputError(ErrorKind::kDataException,
                     "expected " + std::to_string(space_.dim()) + " dimensions, not " + std::to_string(dims));
  if (found == Found::kNothing) return std::nullopt;
  return distance;
}

std::unique_ptr<vectorx::ivf::Reranker> table_reranker(IndexScanDesc scan, const Space& space, const uint8_t* query,
                                                       vectorx::ivf::Reranker::Source candidates, long cap) {
  std::shared_ptr<HeapDistances> heap = HeapDistances::open(scan, space, query);
  if (!heap) return nullptr;
  return std::make_unique<vectorx::ivf::Reranker>(
      std::move(candidates), [heap](HeapTid tid) { return heap->at(tid); }, cap);
}

}  // namespace vectorx::pg
