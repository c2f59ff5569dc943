// ivfflat and ivfpq index scans: ORDER BY distance over the `probes` nearest lists; with
// iterative_scan, further batches of lists (up to max_probes) when the rows run out. Scan
// lifecycle: ordered_scan.h.
//
// ivfflat entries hold the values, so a batch comes back in exact order. ivfpq entries hold
// codes whose estimates order a batch; the best ivfpq.rerank candidates at a time are read
// from the table (ivf_rerank.h) and returned in exact order with exact distances, then the
// next best, and so on (0: estimates only).
//
// Range scans (`v <@ l2_ball(q, r)`, without ORDER BY) read every list that can hold a row
// within r of q (IvfIndex::lists_reaching: exact for L2 and cosine, all lists otherwise):
// ivfflat returns the rows within r, ivfpq every entry of those lists without re-ranking (the
// executor rechecks each row against the ball). ORDER BY from the ball's center reads at least
// those lists in its first batch, so every row within r comes back in that batch.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

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

using vectorx::ivf::Entries;
using vectorx::ivf::IvfIndex;
using vectorx::Result;

struct ProbeState {
  explicit ProbeState(Relation index)
      : store(index, MAIN_FORKNUM, BufferPageStore::Mode::kWal), ivf(store), entries(ivf, use_cached_shape(index, ivf)) {}
  BufferPageStore store;
  IvfIndex ivf;
  Entries entries;
  std::unique_ptr<IvfIndex::Scan> scan;
  const uint8_t* query = nullptr;  // in the scan's memory context
  std::vector<Result> batch;  // the current batch of lists, in order up to `ordered`
  size_t next = 0, ordered = 0;
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
  const ScanTarget target = scan_target(scan, method_name(exact ? Method::kFlat : Method::kPq), state->ivf.space().kind());
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
    size_t batch = static_cast<size_t>(settings.probes);
    size_t most = iterative ? static_cast<size_t>(std::max(settings.max_probes, settings.probes)) : batch;
    if (target.ball) {
      const size_t reaching = state->ivf.lists_reaching(q.payload, target.radius);
      if (reaching == 0) return true;
      batch = target.range_only ? reaching : std::max(batch, reaching);
      most = target.range_only ? reaching : std::max(most, batch);
    }
    state->scan = std::make_unique<IvfIndex::Scan>(state->ivf, q.payload, state->entries.scorer(q.payload), batch, most);
    return false;
  });
}

// Re-ranks the next `count` candidates of the batch by their values in the table. Postgres
// calls only: no C++ object with a destructor lives in this frame.
void rerank_next(ProbeState* s, size_t count) {
  guarded([&] {
    s->ranked.clear();
    s->ranked.reserve(count);  // the push_backs below cannot allocate, so cannot throw
  });
  s->next_ranked = 0;
  const Space& space = s->ivf.space();
  for (size_t i = s->next; i < s->next + count; ++i) {
    CHECK_FOR_INTERRUPTS();
    IndexValue value;
    if (!rerank_fetch(s->fetch, s->batch[i].tid, space.kind(), &value) || value.dim != space.dim()) continue;
    s->ranked.push_back({space.distance(s->query, value.payload), s->batch[i].tid});
  }
  s->next += count;
  std::sort(s->ranked.begin(), s->ranked.end(), [](const Result& a, const Result& b) { return a.distance < b.distance; });
}

// Orders the batch's next candidates: the next re-rank's worth, or a chunk when nothing is
// re-ranked (most scans stop after LIMIT rows).
constexpr size_t kOrderChunk = 64;

// The next result, or nullptr when every allowed list has been read.
const Result* next_result(ScanOpaque* so) {
  ProbeState* s = so->state;
  for (;;) {
    if (s->next_ranked < s->ranked.size()) return &s->ranked[s->next_ranked++];
    if (s->next < s->batch.size()) {
      if (s->next == s->ordered) {
        const size_t count = std::max(s->rerank, kOrderChunk);
        guarded([&] { vectorx::ivf::order_next(s->batch, s->next, count); });
        s->ordered = std::min(s->batch.size(), s->next + count);
      }
      if (s->rerank == 0) return &s->batch[s->next++];
      rerank_next(s, std::min(s->rerank, s->ordered - s->next));
      continue;
    }
    s->batch.clear();
    s->next = s->ordered = 0;
    if (!guarded([&] { return s->scan->next_batch(s->batch); })) return nullptr;
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
