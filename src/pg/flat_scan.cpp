// flat index scans: exact ORDER BY distance and range search. Scan lifecycle: ordered_scan.h.
//
// The index holds a bounded code of every row (vectorx/ivf/bounded_codes.h). A scan takes rows
// in increasing order of their distance's lower bound (ivf/bound_order.h), reads each one's
// distance from the table (heap_distances.h) and holds it until no later bound can be smaller
// (ivf/rerank.h), so the rows come out in exact order with exact distances, as a sequential
// scan's, after re-checking only the rows whose bound is below the distances returned. Where
// the table's values cannot be read (an expression index) each row goes to the executor with
// its bound and xs_recheckorderby instead, and the executor's reorder queue does the same.
// More rows (a filter, a larger LIMIT) continue the same order.
//
// When the query orders nothing (NULL, or zero under cosine: every distance NULL or NaN) rows
// come back in any order without re-checks. Range keys are re-checked on every row; within a
// ball centred on the ORDER BY query, the first bound beyond the radius ends the scan.
#include <memory>
#include <vector>

#include "vectorx/ivf/bound_order.h"
#include "vectorx/ivf/entries.h"
#include "buffer_page_store.h"
#include "guard.h"
#include "heap_distances.h"
#include "index_values.h"
#include "ivf_am.h"
#include "ordered_scan.h"

namespace vectorx::pg::ivf {
namespace {

using vectorx::ivf::BoundOrder;
using vectorx::ivf::Entries;
using vectorx::ivf::EntryScorer;
using vectorx::ivf::IvfIndex;

// Rows the first pass keeps: enough for a top-100 and its re-checks on real data; a scan that
// needs more makes another pass over the codes with a window four times larger.
constexpr size_t kFirstWindow = 1024;

struct BoundState {
  explicit BoundState(Relation index) : store(index, MAIN_FORKNUM, BufferPageStore::Mode::kWal), ivf(store), entries(ivf) {}
  BufferPageStore store;
  IvfIndex ivf;
  Entries entries;
  std::unique_ptr<EntryScorer> scorer;
  std::unique_ptr<BoundOrder> order;
  std::unique_ptr<vectorx::ivf::Reranker> reranker;  // over `order`, when the scan re-checks rows itself
  ScanTarget target;
  bool recheck_order = true;  // the executor re-checks: false when the query orders nothing or the scan reranks
  std::vector<uint8_t> stand_in;     // the query when the scan's own orders nothing (index_values.h)
};

using ScanOpaque = OrderedScan<BoundState>;

void start(IndexScanDesc scan, ScanOpaque* so) {
  so->started = true;
  pgstat_count_index_scan(scan->indexRelation);
  const MemoryContext old = MemoryContextSwitchTo(so->context);
  so->state = guarded([&] { return new BoundState(scan->indexRelation); });
  BoundState* state = so->state;
  const ScanTarget target = scan_target(scan, method_name(Method::kFlat), state->ivf.space().kind());
  IndexValue query{};
  if (!target.empty && !target.null_query) query = index_value(target.query, state->ivf.space().kind());
  MemoryContextSwitchTo(old);
  if (target.empty) {
    so->exhausted = true;
    return;
  }
  state->target = target;
  guarded([&] {
    const IndexValue q = ordering_query(target.null_query ? nullptr : &query, state->ivf.space(), state->stand_in);
    state->recheck_order = state->stand_in.empty() && !target.range_only;
    state->scorer = state->entries.scorer(q.payload);
    IvfIndex& ivf = state->ivf;
    EntryScorer& scorer = *state->scorer;
    state->order = std::make_unique<BoundOrder>(
        [&ivf, &scorer](const BoundOrder::Sink& sink) {
          for (uint32_t list = 0; list < ivf.lists(); ++list) ivf.score_list(list, 0, scorer, sink);
        },
        kFirstWindow);
    if (!state->recheck_order) return;
    BoundOrder& order = *state->order;
    state->reranker = table_reranker(
        scan, state->ivf.space(), q.payload, [&order](vectorx::Result& next) { return order.next(next); }, -1);
    if (state->reranker) state->recheck_order = false;
  });
}

}  // namespace
}  // namespace vectorx::pg::ivf

using namespace vectorx::pg;
using namespace vectorx::pg::ivf;

IndexScanDesc flat_begin_scan(Relation index, int nkeys, int norderbys) {
  return begin_ordered_scan<BoundState>(index, nkeys, norderbys);
}

void flat_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
  rescan_ordered<BoundState>(scan, keys, nkeys, orderbys, norderbys);
}

bool flat_get_tuple(IndexScanDesc scan, ScanDirection) {
  auto* so = ordered_scan<BoundState>(scan);
  if (!so->started) start(scan, so);
  if (so->exhausted) return false;
  BoundState* s = so->state;
  vectorx::Result r{};
  const bool found = guarded([&] { return s->reranker ? s->reranker->next(r) : s->order->next(r); });
  if (!found || (s->target.ball && r.distance > s->target.radius)) {
    so->exhausted = true;
    return false;
  }
  return_row(scan, r.tid, r.distance, s->recheck_order);
  return true;
}

void flat_end_scan(IndexScanDesc scan) { end_ordered_scan<BoundState>(scan); }
