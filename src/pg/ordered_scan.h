// What the ORDER BY scans of the vectorx access methods share: the scan's opaque data, whose
// C++ search state (outside Postgres memory) is freed by a reset callback on the scan's memory
// context even when the query ends in an ERROR; begin / rescan / end; handing a row and its
// exact distance to the executor.
#pragma once

#include "vectorx/slotted_page.h"
#include "am_headers.h"

namespace vectorx::pg {

template <class State>
struct OrderedScan {
  MemoryContext context;  // lives as long as the scan: holds the detoasted query
  State* state;
  bool started;
  bool exhausted;
  MemoryContextCallback free_callback;

  static void free_state(void* arg) {
    auto* so = static_cast<OrderedScan*>(arg);
    delete so->state;
    so->state = nullptr;
  }
};

template <class State>
OrderedScan<State>* ordered_scan(IndexScanDesc scan) {
  return static_cast<OrderedScan<State>*>(scan->opaque);
}

template <class State>
IndexScanDesc begin_ordered_scan(Relation index, int nkeys, int norderbys) {
  IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
  auto* so = static_cast<OrderedScan<State>*>(palloc0(sizeof(OrderedScan<State>)));
  so->context = CurrentMemoryContext;
  so->free_callback.func = OrderedScan<State>::free_state;
  so->free_callback.arg = so;
  MemoryContextRegisterResetCallback(so->context, &so->free_callback);
  scan->opaque = so;
  scan->xs_orderbyvals = static_cast<Datum*>(palloc0(sizeof(Datum) * std::max(norderbys, 1)));
  scan->xs_orderbynulls = static_cast<bool*>(palloc(sizeof(bool) * std::max(norderbys, 1)));
  for (int i = 0; i < norderbys; ++i) scan->xs_orderbynulls[i] = true;
  return scan;
}

template <class State>
void rescan_ordered(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
  auto* so = ordered_scan<State>(scan);
  OrderedScan<State>::free_state(so);
  so->started = false;
  so->exhausted = false;
  if (keys && nkeys > 0) memmove(scan->keyData, keys, sizeof(ScanKeyData) * nkeys);
  if (orderbys && norderbys > 0) memmove(scan->orderByData, orderbys, sizeof(ScanKeyData) * norderbys);
}

template <class State>
void end_ordered_scan(IndexScanDesc scan) {
  OrderedScan<State>::free_state(ordered_scan<State>(scan));
}

// ERROR for a scan without ORDER BY; true when the query value is NULL (nothing to return).
inline bool null_query(IndexScanDesc scan, const char* am_name) {
  if (scan->numberOfOrderBys == 0)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot scan %s index without order", am_name)));
  return scan->orderByData[0].sk_flags & SK_ISNULL;
}

// Hands the executor one row with the operator's exact distance (no recheck needed).
inline void return_row(IndexScanDesc scan, HeapTid tid, double distance) {
  ItemPointerSet(&scan->xs_heaptid, tid.block, tid.offset);
  scan->xs_recheck = false;
  scan->xs_recheckorderby = false;
  scan->xs_orderbyvals[0] = Float8GetDatum(distance);
  scan->xs_orderbynulls[0] = false;
}

}  // namespace vectorx::pg
