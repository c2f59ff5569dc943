// Candidate values from the table for ivfpq's re-rank (ivf_rerank.h).
#include "ivf_rerank.h"

extern "C" {
#include "executor/executor.h"
}

namespace vectorx::pg::ivf {

struct RerankFetch {
  IndexScanDesc scan;
  IndexFetchTableData* fetch;
  TupleTableSlot* slot;
  IndexInfo* info;
  EState* estate;
};

RerankFetch* rerank_fetch_begin(IndexScanDesc scan) {
  auto* f = static_cast<RerankFetch*>(palloc0(sizeof(RerankFetch)));
  f->scan = scan;
  f->fetch = table_index_fetch_begin(scan->heapRelation);
  f->slot = table_slot_create(scan->heapRelation, nullptr);
  f->info = BuildIndexInfo(scan->indexRelation);
  f->estate = CreateExecutorState();
  GetPerTupleExprContext(f->estate)->ecxt_scantuple = f->slot;
  return f;
}

bool rerank_fetch(RerankFetch* f, vectorx::HeapTid tid, ElementKind kind, IndexValue* value) {
  ExprContext* econtext = GetPerTupleExprContext(f->estate);
  ResetExprContext(econtext);
  ExecClearTuple(f->slot);
  ItemPointerData heap_tid;
  ItemPointerSet(&heap_tid, tid.block, tid.offset);
  bool call_again = false, all_dead = false;
  if (!table_index_fetch_tuple(f->fetch, &heap_tid, f->scan->xs_snapshot, f->slot, &call_again, &all_dead))
    return false;
  const MemoryContext old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
  Datum values[INDEX_MAX_KEYS];
  bool isnull[INDEX_MAX_KEYS];
  FormIndexDatum(f->info, f->slot, f->estate, values, isnull);
  if (!isnull[0]) *value = index_value(values[0], kind);
  MemoryContextSwitchTo(old);
  return !isnull[0];
}

void rerank_fetch_end(RerankFetch* f) {
  ExecDropSingleTupleTableSlot(f->slot);
  table_index_fetch_end(f->fetch);
  FreeExecutorState(f->estate);
  pfree(f);
}

}  // namespace vectorx::pg::ivf
