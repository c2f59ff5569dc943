// What the scans of the vectorx access methods share: the scan's opaque data, whose C++ search
// state (outside Postgres memory) is freed by a reset callback on the scan's memory context
// even when the query ends in an ERROR; begin / rescan / end; what a scan searches for (the
// ORDER BY query, or the center of a range key); handing a row and its exact distance to the
// executor.
#pragma once

#include <limits>

#include "vectorx/slotted_page.h"
#include "am_headers.h"
#include "range_ops.h"

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

// What a scan searches from. With ORDER BY: its query, and when a range key's ball is centered
// on that query, the ball's radius (rows beyond it fail the WHERE clause). Without ORDER BY:
// the first range key's center and radius, rows in no promised order (`range_only`).
struct ScanTarget {
  Datum query = 0;
  bool empty = false;  // a NULL ball: no row can qualify
  bool null_query = false;  // ORDER BY a NULL distance: every row, in any order
  bool range_only = false;
  bool ball = false;  // a range key bounds the rows: within `radius` of the query
  double radius = std::numeric_limits<double>::infinity();
};

// ERROR for a scan with neither ORDER BY nor a range key. `kind`: the index's element type.
ScanTarget scan_target(IndexScanDesc scan, const char* am_name, ElementKind kind);

// Hands the executor one row with the operator's exact distance or, with `lower_bound`, a
// lower bound of it that the executor replaces by the operator's value (re-ordering rows as
// it must). Range keys are rechecked by the executor on the row (the index may pass rows
// beyond the radius, never drops one within).
inline void return_row(IndexScanDesc scan, HeapTid tid, double distance, bool lower_bound = false) {
  ItemPointerSet(&scan->xs_heaptid, tid.block, tid.offset);
  scan->xs_recheck = scan->numberOfKeys > 0;
  scan->xs_recheckorderby = lower_bound;
  scan->xs_orderbyvals[0] = Float8GetDatum(distance);
  scan->xs_orderbynulls[0] = false;
}

}  // namespace vectorx::pg
