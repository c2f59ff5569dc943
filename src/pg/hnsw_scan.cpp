// hnsw index scans: ORDER BY distance, in batches of ef_search (more batches with
// hnsw.iterative_scan). The C++ search state lives outside Postgres memory; a reset callback
// on the scan's memory context frees it even when the query ends in an ERROR.
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "vectorx/hnsw/page_graph.h"
#include "buffer_page_store.h"
#include "guard.h"
#include "hnsw_am.h"
#include "index_values.h"

namespace vectorx::pg::hnsw {
namespace {

using vectorx::hnsw::PageGraph;
using vectorx::hnsw::Result;

struct SearchState {
  explicit SearchState(Relation index) : store(index, MAIN_FORKNUM, BufferPageStore::Mode::kWal), graph(store) {}
  BufferPageStore store;
  PageGraph graph;
  std::unique_ptr<PageGraph::Scan> search;
  std::vector<Result> results;
  size_t next = 0;
  double last_distance = -std::numeric_limits<double>::infinity();
};

struct ScanOpaque {
  MemoryContext context;  // lives as long as the scan: holds the detoasted query
  SearchState* state;
  bool started;
  bool exhausted;
  IterativeScan mode;
  MemoryContextCallback free_state;
};

void free_state(void* arg) {
  auto* so = static_cast<ScanOpaque*>(arg);
  delete so->state;
  so->state = nullptr;
}

void start(IndexScanDesc scan, ScanOpaque* so) {
  so->started = true;
  if (scan->numberOfOrderBys == 0)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot scan hnsw index without order")));
  if (scan->orderByData[0].sk_flags & SK_ISNULL) {
    so->exhausted = true;
    return;
  }
  const MemoryContext old = MemoryContextSwitchTo(so->context);
  so->state = guarded([&] { return new SearchState(scan->indexRelation); });
  const IndexValue query = index_value(scan->orderByData[0].sk_argument, so->state->graph.space().kind());
  MemoryContextSwitchTo(old);
  so->mode = static_cast<IterativeScan>(iterative_scan);
  PageGraph::Scan::Limits limits;
  limits.ef = static_cast<size_t>(ef_search);
  if (so->mode != IterativeScan::kOff) {
    limits.max_visited = static_cast<size_t>(max_scan_tuples);
    limits.max_memory_bytes = static_cast<size_t>(static_cast<double>(work_mem) * 1024.0 * scan_mem_multiplier);
    limits.strict = so->mode == IterativeScan::kStrict;
  }
  SearchState* state = so->state;
  so->exhausted = guarded([&] {
    check_index_dims(query, state->graph.space());
    if (!state->graph.space().indexable(query.payload)) return true;  // cosine of a zero vector orders nothing
    state->search = std::make_unique<PageGraph::Scan>(state->graph, query.payload, query.length, limits);
    return !state->search->next_batch(state->results) && state->results.empty();
  });
}

// The next result to return, or nullptr when the scan is over.
const Result* next_result(ScanOpaque* so) {
  SearchState* s = so->state;
  for (;;) {
    while (s->next < s->results.size()) {
      const Result* r = &s->results[s->next++];
      if (so->mode == IterativeScan::kStrict && r->distance < s->last_distance) continue;  // would break the order
      s->last_distance = r->distance;
      return r;
    }
    if (so->mode == IterativeScan::kOff) return nullptr;
    s->results.clear();
    s->next = 0;
    const bool more = guarded([&] { return s->search->next_batch(s->results); });
    if (!more && s->results.empty()) return nullptr;
  }
}

}  // namespace
}  // namespace vectorx::pg::hnsw

using namespace vectorx::pg;
using namespace vectorx::pg::hnsw;

IndexScanDesc hnsw_begin_scan(Relation index, int nkeys, int norderbys) {
  IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
  auto* so = static_cast<ScanOpaque*>(palloc0(sizeof(ScanOpaque)));
  so->context = CurrentMemoryContext;
  so->free_state.func = free_state;
  so->free_state.arg = so;
  MemoryContextRegisterResetCallback(so->context, &so->free_state);
  scan->opaque = so;
  scan->xs_orderbyvals = static_cast<Datum*>(palloc0(sizeof(Datum) * std::max(norderbys, 1)));
  scan->xs_orderbynulls = static_cast<bool*>(palloc(sizeof(bool) * std::max(norderbys, 1)));
  for (int i = 0; i < norderbys; ++i) scan->xs_orderbynulls[i] = true;
  return scan;
}

void hnsw_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
  auto* so = static_cast<ScanOpaque*>(scan->opaque);
  free_state(so);
  so->started = false;
  so->exhausted = false;
  if (keys && nkeys > 0) memmove(scan->keyData, keys, sizeof(ScanKeyData) * nkeys);
  if (orderbys && norderbys > 0) memmove(scan->orderByData, orderbys, sizeof(ScanKeyData) * norderbys);
}

bool hnsw_get_tuple(IndexScanDesc scan, ScanDirection) {
  auto* so = static_cast<ScanOpaque*>(scan->opaque);
  if (!so->started) start(scan, so);
  if (so->exhausted) return false;
  const vectorx::hnsw::Result* r = next_result(so);
  if (!r) {
    so->exhausted = true;
    return false;
  }
  ItemPointerSet(&scan->xs_heaptid, r->tid.block, r->tid.offset);
  scan->xs_recheck = false;
  scan->xs_recheckorderby = false;
  scan->xs_orderbyvals[0] = Float8GetDatum(r->distance);
  scan->xs_orderbynulls[0] = false;
  return true;
}

void hnsw_end_scan(IndexScanDesc scan) {
  auto* so = static_cast<ScanOpaque*>(scan->opaque);
  free_state(so);
}
