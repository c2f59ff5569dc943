// ivfpq's exact re-rank reads each candidate row's indexed value from the table: the visible
// version under the scan's snapshot (HOT chains followed), the index expression evaluated if
// the index has one. Rows the snapshot cannot see are dropped: the executor would drop them.
// Plain Postgres code: callers hold no C++ objects with destructors across these calls.
#pragma once

#include "vectorx/slotted_page.h"
#include "index_values.h"

namespace vectorx::pg::ivf {

struct RerankFetch;

// In the current memory context, for a scan that has its table and snapshot.
RerankFetch* rerank_fetch_begin(IndexScanDesc scan);
// The indexed value of row `tid`, valid until the next call; false when the row is not
// visible or its value is NULL.
bool rerank_fetch(RerankFetch* fetch, vectorx::HeapTid tid, ElementKind kind, IndexValue* value);
void rerank_fetch_end(RerankFetch* fetch);

}  // namespace vectorx::pg::ivf
