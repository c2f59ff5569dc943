// hnsw index scans: ORDER BY distance, in batches of ef_search (more batches with
// hnsw.iterative_scan), and range scans (`v <@ l2_ball(q, r)`). The rules that turn the
// search's batches into rows (strict order, the ball's stop rule) are the core's
// hnsw/result_stream.h; like any hnsw search this finds what the graph leads to: rows the
// graph cannot reach are missed. Scan lifecycle: ordered_scan.h.
#include <memory>
#include <vector>

#include "vectorx/hnsw/page_graph.h"
#include "vectorx/hnsw/result_stream.h"
#include "buffer_page_store.h"
#include "guard.h"
#include "hnsw_am.h"
#include "hnsw_code_cache.h"
#include "index_values.h"
#include "ordered_scan.h"

namespace vectorx::pg::hnsw {
namespace {

using vectorx::hnsw::PageGraph;
using vectorx::hnsw::ResultStream;
using vectorx::Result;

struct SearchState {
  explicit SearchState(Relation index) : store(index, MAIN_FORKNUM, BufferPageStore::Mode::kWal), graph(store) {}
  BufferPageStore store;
  PageGraph graph;
  std::shared_ptr<vectorx::hnsw::CodeCache> codes;  // one-batch scans only
  std::unique_ptr<PageGraph::Scan> search;
  std::unique_ptr<ResultStream> results;
  std::vector<uint8_t> stand_in;  // the query when the scan's own orders nothing (index_values.h)
};

using ScanOpaque = OrderedScan<SearchState>;

void start(IndexScanDesc scan, ScanOpaque* so) {
  so->started = true;
  pgstat_count_index_scan(scan->indexRelation);  // pg_stat_user_indexes.idx_scan
  const MemoryContext old = MemoryContextSwitchTo(so->context);
  so->state = guarded([&] { return new SearchState(scan->indexRelation); });
  const ScanTarget target = scan_target(scan, "hnsw", so->state->graph.space().kind());
  if (target.empty) {
    MemoryContextSwitchTo(old);
    so->exhausted = true;
    return;
  }
  IndexValue query{};
  if (!target.null_query) query = index_value(target.query, so->state->graph.space().kind());
  MemoryContextSwitchTo(old);
  SearchState* state = so->state;
  // A search within a ball goes on until it has passed the ball, whatever hnsw.iterative_scan says.
  const IterativeScan mode = target.ball ? IterativeScan::kRelaxed : static_cast<IterativeScan>(iterative_scan);
  PageGraph::Scan::Limits limits;
  limits.ef = static_cast<size_t>(ef_search);
  ResultStream::Rules rules;
  if (mode != IterativeScan::kOff) {
    limits.max_visited = static_cast<size_t>(max_scan_tuples);
    limits.max_memory_bytes = static_cast<size_t>(static_cast<double>(work_mem) * 1024.0 * scan_mem_multiplier);
    limits.strict = rules.strict_order = mode == IterativeScan::kStrict;
    rules.more_batches = true;
  }
  limits.more_batches = rules.more_batches;
  rules.radius = target.radius;
  rules.range_only = target.range_only;
  rules.gather_ball = target.ball && !target.range_only;
  rules.patience = static_cast<size_t>(ef_search);
  guarded([&] {
    const IndexValue q = ordering_query(target.null_query ? nullptr : &query, state->graph.space(), state->stand_in);
    if (!limits.more_batches) state->codes = cached_codes(scan->indexRelation, state->graph);
    state->search = std::make_unique<PageGraph::Scan>(state->graph, q.payload, q.length, limits, state->codes.get());
    PageGraph::Scan* search = state->search.get();
    state->results = std::make_unique<ResultStream>(
        [search](std::vector<Result>& batch) { return search->next_batch(batch); }, rules);
  });
}

}  // namespace
}  // namespace vectorx::pg::hnsw

using namespace vectorx::pg;
using namespace vectorx::pg::hnsw;

IndexScanDesc hnsw_begin_scan(Relation index, int nkeys, int norderbys) {
  return begin_ordered_scan<SearchState>(index, nkeys, norderbys);
}

void hnsw_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
  rescan_ordered<SearchState>(scan, keys, nkeys, orderbys, norderbys);
}

bool hnsw_get_tuple(IndexScanDesc scan, ScanDirection) {
  auto* so = ordered_scan<SearchState>(scan);
  if (!so->started) start(scan, so);
  if (so->exhausted) return false;
  const vectorx::Result* r = guarded([&] { return so->state->results->next(); });
  if (!r) {
    so->exhausted = true;
    return false;
  }
  return_row(scan, r->tid, r->distance);
  return true;
}

void hnsw_end_scan(IndexScanDesc scan) { end_ordered_scan<SearchState>(scan); }
