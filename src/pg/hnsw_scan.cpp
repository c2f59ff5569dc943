// hnsw index scans: ORDER BY distance, in batches of ef_search (more batches with
// hnsw.iterative_scan). Scan lifecycle: ordered_scan.h.
//
// Range scans (`v <@ l2_ball(q, r)`, without ORDER BY) search from q iteratively, return the
// rows within r, and stop once ef_search rows in a row have come back beyond r (the search
// has moved past the ball). ORDER BY from the ball's center first gathers the whole ball the
// same way (whatever hnsw.iterative_scan says: a LIMIT of ef_search must not cut the ball
// short), then returns it in order. Like any hnsw search this finds what the graph leads to:
// rows the graph cannot reach are missed.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "vectorx/hnsw/page_graph.h"
#include "buffer_page_store.h"
#include "guard.h"
#include "hnsw_am.h"
#include "index_values.h"
#include "ordered_scan.h"

namespace vectorx::pg::hnsw {
namespace {

using vectorx::hnsw::PageGraph;
using vectorx::Result;

struct SearchState {
  explicit SearchState(Relation index) : store(index, MAIN_FORKNUM, BufferPageStore::Mode::kWal), graph(store) {}
  BufferPageStore store;
  PageGraph graph;
  std::unique_ptr<PageGraph::Scan> search;
  std::vector<Result> results;
  size_t next = 0;
  double last_distance = -std::numeric_limits<double>::infinity();
  IterativeScan mode = IterativeScan::kOff;
  ScanTarget target;
  size_t beyond = 0;  // rows in a row beyond target.radius
  bool gather_ball = false;  // ORDER BY within a ball: collect it, sort it, return it
  std::vector<Result> ball;  // the rows gathered so far
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
  state->target = target;
  // A search within a ball goes on until it has passed the ball, whatever hnsw.iterative_scan says.
  state->gather_ball = target.ball && !target.range_only;
  state->mode = target.ball ? IterativeScan::kRelaxed : static_cast<IterativeScan>(iterative_scan);
  PageGraph::Scan::Limits limits;
  limits.ef = static_cast<size_t>(ef_search);
  if (state->mode != IterativeScan::kOff) {
    limits.max_visited = static_cast<size_t>(max_scan_tuples);
    limits.max_memory_bytes = static_cast<size_t>(static_cast<double>(work_mem) * 1024.0 * scan_mem_multiplier);
    limits.strict = state->mode == IterativeScan::kStrict;
  }
  so->exhausted = guarded([&] {
    const IndexValue q = ordering_query(target.null_query ? nullptr : &query, state->graph.space(), state->stand_in);
    state->search = std::make_unique<PageGraph::Scan>(state->graph, q.payload, q.length, limits);
    return !state->search->next_batch(state->results) && state->results.empty();
  });
}

const Result* next_found(SearchState* s);

// Replaces the search's results with every row it finds within the ball, nearest first; the
// search is over afterwards.
void gather_ball(SearchState* s) {
  for (const Result* r; (r = next_found(s));) guarded([&] { s->ball.push_back(*r); });
  guarded([&] {
    std::stable_sort(s->ball.begin(), s->ball.end(),
                     [](const Result& a, const Result& b) { return a.distance < b.distance; });
  });
  s->results.swap(s->ball);
  s->next = 0;
  s->mode = IterativeScan::kOff;
  s->target = ScanTarget{};
  s->gather_ball = false;
}

// The next result to return, or nullptr when the scan is over.
const Result* next_result(ScanOpaque* so) {
  SearchState* s = so->state;
  if (s->gather_ball) gather_ball(s);
  return next_found(s);
}

// The next row the search finds, within the ball if there is one.
const Result* next_found(SearchState* s) {
  for (;;) {
    while (s->next < s->results.size()) {
      const Result* r = &s->results[s->next++];
      if (s->mode == IterativeScan::kStrict && r->distance < s->last_distance) continue;  // would break the order
      if (r->distance > s->target.radius) {
        if (++s->beyond >= static_cast<size_t>(ef_search)) return nullptr;  // the search has left the ball
        if (s->target.range_only) continue;
      } else {
        s->beyond = 0;
      }
      s->last_distance = r->distance;
      return r;
    }
    if (s->mode == IterativeScan::kOff) return nullptr;
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
  return begin_ordered_scan<SearchState>(index, nkeys, norderbys);
}

void hnsw_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
  rescan_ordered<SearchState>(scan, keys, nkeys, orderbys, norderbys);
}

bool hnsw_get_tuple(IndexScanDesc scan, ScanDirection) {
  auto* so = ordered_scan<SearchState>(scan);
  if (!so->started) start(scan, so);
  if (so->exhausted) return false;
  const vectorx::Result* r = next_result(so);
  if (!r) {
    so->exhausted = true;
    return false;
  }
  return_row(scan, r->tid, r->distance);
  return true;
}

void hnsw_end_scan(IndexScanDesc scan) { end_ordered_scan<SearchState>(scan); }
