// ivfflat and ivfpq index scans: ORDER BY distance over the `probes` nearest lists; with
// iterative_scan, further batches of lists (up to max_probes) when the rows run out. Scan
// lifecycle: ordered_scan.h.
//
// How many lists and in what groups (the core's ivf/candidates.h): ivfflat entries hold the
// values, so a batch comes back in exact order. ivfpq entries hold codes whose estimates
// order a batch; the best ivfpq.rerank candidates at a time are read from the table
// (ivf_rerank.h) and returned in exact order with exact distances, then the next best, and so
// on (0: estimates only).
//
// Range scans (`v <@ l2_ball(q, r)`, without ORDER BY) read every list that can hold a row
// within r of q: ivfflat returns the rows within r, ivfpq every entry of those lists without
// re-ranking (the executor rechecks each row against the ball).
#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "vectorx/ivf/candidates.h"
#include "vectorx/ivf/entries.h"
#include "buffer_page_store.h"
#include "guard.h"
#include "index_values.h"
#include "ivf_am.h"
#include "ivf_rerank.h"
#include "ivf_shape_cache.h"
#include "ordered_scan.h"

namespace vectorx::pg::ivf {
namespace {

using vectorx::ivf::CandidateCursor;
using vectorx::ivf::Entries;
using vectorx::ivf::ProbePlan;
using vectorx::ivf::plan_probes;
using vectorx::ivf::IvfIndex;
using vectorx::Result;

struct ProbeState {
  explicit ProbeState(Relation index)
      : store(index, MAIN_FORKNUM, BufferPageStore::Mode::kWal), ivf(store), entries(ivf, use_cached_shape(index, ivf)) {}
  BufferPageStore store;
  IvfIndex ivf;
  Entries entries;
  std::unique_ptr<IvfIndex::Scan> scan;
  std::unique_ptr<CandidateCursor> candidates;
  const uint8_t* query = nullptr;  // in the scan's memory context
  std::vector<Result> ranked;  // re-ranked candidates, exact order
  size_t next_ranked = 0;
  size_t rerank = 0;  // candidates a re-rank reads (0: none)
  RerankFetch* fetch = nullptr;  // Postgres resources, released by release_fetch
  ScanTarget target;
  bool stop_beyond_radius = false;  // rows come in exact order: the first beyond the ball ends the scan
  std::vector<uint8_t> stand_in;  // the query when the scan's own orders nothing (index_values.h)
};

using ScanOpaque = OrderedScan<ProbeState>;

void release_fetch(ScanOpaque* so) {
  if (so->state && so->state->fetch) {
    rerank_fetch_end(so->state->fetch);
    so->state->fetch = nullptr;
  }
}

void start(IndexScanDesc scan, ScanOpaque* so) {
  so->started = true;
  pgstat_count_index_scan(scan->indexRelation);  // pg_stat_user_indexes.idx_scan
  const MemoryContext old = MemoryContextSwitchTo(so->context);
  so->state = guarded([&] { return new ProbeState(scan->indexRelation); });
  ProbeState* state = so->state;
  const bool exact = state->entries.exact();
  const ScanTarget target = scan_target(scan, method_name(exact ? Method::kIvfFlat : Method::kIvfPq), state->ivf.space().kind());
  if (target.empty) {
    MemoryContextSwitchTo(old);
    so->exhausted = true;
    return;
  }
  state->target = target;
  IndexValue query{};
  if (!target.null_query) query = index_value(target.query, state->ivf.space().kind());
  const SearchSettings& settings = exact ? flat_settings : pq_settings;
  state->rerank = exact || target.range_only ? 0 : static_cast<size_t>(settings.rerank);
  if (state->rerank > 0) state->fetch = rerank_fetch_begin(scan);
  MemoryContextSwitchTo(old);
  state->stop_beyond_radius = exact;
  const bool iterative = static_cast<IterativeScan>(settings.iterative_scan) != IterativeScan::kOff;
  so->exhausted = guarded([&] {
    const IndexValue q = ordering_query(target.null_query ? nullptr : &query, state->ivf.space(), state->stand_in);
    state->query = q.payload;
    std::optional<size_t> reaching;
    if (target.ball) reaching = state->ivf.lists_reaching(q.payload, target.radius);
    const ProbePlan plan = plan_probes(static_cast<size_t>(settings.probes), static_cast<size_t>(settings.max_probes),
                                       iterative, reaching, target.range_only);
    if (plan.first_batch == 0) return true;
    state->scan = std::make_unique<IvfIndex::Scan>(state->ivf, q.payload, state->entries.scorer(q.payload),
                                                   plan.first_batch, plan.most);
    IvfIndex::Scan* lists = state->scan.get();
    state->candidates = std::make_unique<CandidateCursor>(
        [lists](std::vector<Result>& batch) { return lists->next_batch(batch); }, state->rerank);
    return false;
  });
}

// Re-ranks candidates by their values in the table. Postgres calls only: no C++ object with
// a destructor lives in this frame.
void rerank(ProbeState* s, CandidateCursor::Group group) {
  guarded([&] {
    s->ranked.clear();
    s->ranked.reserve(group.count);  // the push_backs below cannot allocate, so cannot throw
  });
  s->next_ranked = 0;
  const Space& space = s->ivf.space();
  for (const Result* c = group.first; c < group.first + group.count; ++c) {
    CHECK_FOR_INTERRUPTS();
    IndexValue value;
    if (!rerank_fetch(s->fetch, c->tid, space.kind(), &value) || value.dim != space.dim()) continue;
    s->ranked.push_back({space.distance(s->query, value.payload), c->tid});
  }
  std::sort(s->ranked.begin(), s->ranked.end(), [](const Result& a, const Result& b) { return a.distance < b.distance; });
}

// The next result, or nullptr when every allowed list has been read.
const Result* next_result(ScanOpaque* so) {
  ProbeState* s = so->state;
  for (;;) {
    if (s->next_ranked < s->ranked.size()) return &s->ranked[s->next_ranked++];
    const CandidateCursor::Group group = guarded([&] { return s->candidates->next(); });
    if (group.count == 0) return nullptr;
    if (s->rerank == 0) return group.first;
    rerank(s, group);
  }
}

}  // namespace
}  // namespace vectorx::pg::ivf

using namespace vectorx::pg;
using namespace vectorx::pg::ivf;

IndexScanDesc ivf_begin_scan(Relation index, int nkeys, int norderbys) {
  return begin_ordered_scan<ProbeState>(index, nkeys, norderbys);
}

void ivf_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
  release_fetch(ordered_scan<ProbeState>(scan));
  rescan_ordered<ProbeState>(scan, keys, nkeys, orderbys, norderbys);
}

bool ivf_get_tuple(IndexScanDesc scan, ScanDirection) {
  auto* so = ordered_scan<ProbeState>(scan);
  if (!so->started) start(scan, so);
  if (so->exhausted) return false;
  const vectorx::Result* r = next_result(so);
  if (!r || (so->state->stop_beyond_radius && r->distance > so->state->target.radius)) {
    so->exhausted = true;
    return false;
  }
  return_row(scan, r->tid, r->distance);
  return true;
}

void ivf_end_scan(IndexScanDesc scan) {
  release_fetch(ordered_scan<ProbeState>(scan));
  end_ordered_scan<ProbeState>(scan);
}
