// ivfflat index scans: ORDER BY distance over the ivfflat.probes nearest lists; with
// ivfflat.iterative_scan, further batches of lists (up to ivfflat.max_probes) when the rows
// run out. Scan lifecycle: ordered_scan.h.
#include <memory>
#include <vector>

#include "buffer_page_store.h"
#include "guard.h"
#include "index_values.h"
#include "ivf_am.h"
#include "ordered_scan.h"

namespace vectorx::pg::ivf {
namespace {

using vectorx::ivf::IvfIndex;
using vectorx::ivf::Result;

struct ProbeState {
  explicit ProbeState(Relation index) : store(index, MAIN_FORKNUM, BufferPageStore::Mode::kWal), ivf(store) {}
  BufferPageStore store;
  IvfIndex ivf;
  std::unique_ptr<IvfIndex::Scan> scan;
  std::vector<Result> results;
  size_t next = 0;
};

using ScanOpaque = OrderedScan<ProbeState>;

void start(IndexScanDesc scan, ScanOpaque* so) {
  so->started = true;
  if (null_query(scan, "ivfflat")) {
    so->exhausted = true;
    return;
  }
  const MemoryContext old = MemoryContextSwitchTo(so->context);
  so->state = guarded([&] { return new ProbeState(scan->indexRelation); });
  const IndexValue query = index_value(scan->orderByData[0].sk_argument, so->state->ivf.space().kind());
  MemoryContextSwitchTo(old);
  const size_t batch = static_cast<size_t>(probes);
  const bool iterative = static_cast<IterativeScan>(iterative_scan) != IterativeScan::kOff;
  const size_t most = iterative ? static_cast<size_t>(std::max(max_probes, probes)) : batch;
  ProbeState* state = so->state;
  so->exhausted = guarded([&] {
    check_index_dims(query, state->ivf.space());
    if (!state->ivf.space().indexable(query.payload)) return true;  // cosine of a zero vector orders nothing
    state->scan = std::make_unique<IvfIndex::Scan>(state->ivf, query.payload, batch, most);
    return false;
  });
}

// The next result, or nullptr when every allowed list has been read.
const Result* next_result(ScanOpaque* so) {
  ProbeState* s = so->state;
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
  return begin_ordered_scan<ProbeState>(index, nkeys, norderbys);
}

void ivfflat_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
  rescan_ordered<ProbeState>(scan, keys, nkeys, orderbys, norderbys);
}

bool ivfflat_get_tuple(IndexScanDesc scan, ScanDirection) {
  auto* so = ordered_scan<ProbeState>(scan);
  if (!so->started) start(scan, so);
  if (so->exhausted) return false;
  const vectorx::ivf::Result* r = next_result(so);
  if (!r) {
    so->exhausted = true;
    return false;
  }
  return_row(scan, r->tid, r->distance);
  return true;
}

void ivfflat_end_scan(IndexScanDesc scan) { end_ordered_scan<ProbeState>(scan); }
