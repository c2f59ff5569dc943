// ivfflat index scans: ORDER BY distance over the ivfflat.probes nearest lists; with
// ivfflat.iterative_scan, further batches of lists (up to ivfflat.max_probes) when the rows
// run out. The C++ scan state lives outside Postgres memory; a reset callback on the scan's
// memory context frees it even when the query ends in an ERROR.
#include <memory>
#include <vector>

#include "buffer_page_store.h"
#include "guard.h"
#include "index_values.h"
#include "ivf_am.h"

namespace vectorx::pg::ivf {
namespace {

using vectorx::ivf::IvfIndex;
using vectorx::ivf::Result;

struct ScanState {
  explicit ScanState(Relation index) : store(index, MAIN_FORKNUM, BufferPageStore::Mode::kWal), ivf(store) {}
  BufferPageStore store;
  IvfIndex ivf;
  std::unique_ptr<IvfIndex::Scan> scan;
  std::vector<Result> results;
  size_t next = 0;
};

struct ScanOpaque {
  MemoryContext context;  // lives as long as the scan
  ScanState* state;
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
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cannot scan ivfflat index without order")));
  if (scan->orderByData[0].sk_flags & SK_ISNULL) {
    so->exhausted = true;
    return;
  }
  const MemoryContext old = MemoryContextSwitchTo(so->context);
  so->state = guarded([&] { return new ScanState(scan->indexRelation); });
  const IndexValue query = index_value(scan->orderByData[0].sk_argument, so->state->ivf.space().kind());
  MemoryContextSwitchTo(old);
  so->mode = static_cast<IterativeScan>(iterative_scan);
  const size_t batch = static_cast<size_t>(probes);
  const size_t most = so->mode == IterativeScan::kOff ? batch : static_cast<size_t>(std::max(max_probes, probes));
  ScanState* state = so->state;
  so->exhausted = guarded([&] {
    check_index_dims(query, state->ivf.space());
    if (!state->ivf.space().indexable(query.payload)) return true;  // cosine of a zero vector orders nothing
    state->scan = std::make_unique<IvfIndex::Scan>(state->ivf, query.payload, batch, most);
    return false;
  });
}

// The next result, or nullptr when every allowed list has been read.
const Result* next_result(ScanOpaque* so) {
  ScanState* s = so->state;
  while (s->next >= s->results.size()) {
    s->results.clear();
    s->next = 0;
    if (!guarded([&] { return s->scan->next_batch(s->results); })) return nullptr;
  }
  return &s->results[s->next++];
}

}  // namespace
}  // namespace vectorx::pg::ivf

using namespace vectorx::pg;
using namespace vectorx::pg::ivf;

IndexScanDesc ivfflat_begin_scan(Relation index, int nkeys, int norderbys) {
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

void ivfflat_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
  auto* so = static_cast<ScanOpaque*>(scan->opaque);
  free_state(so);
  so->started = false;
  so->exhausted = false;
  if (keys && nkeys > 0) memmove(scan->keyData, keys, sizeof(ScanKeyData) * nkeys);
  if (orderbys && norderbys > 0) memmove(scan->orderByData, orderbys, sizeof(ScanKeyData) * norderbys);
}

bool ivfflat_get_tuple(IndexScanDesc scan, ScanDirection) {
  auto* so = static_cast<ScanOpaque*>(scan->opaque);
  if (!so->started) start(scan, so);
  if (so->exhausted) return false;
  const vectorx::ivf::Result* r = next_result(so);
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

void ivfflat_end_scan(IndexScanDesc scan) { free_state(static_cast<ScanOpaque*>(scan->opaque)); }
