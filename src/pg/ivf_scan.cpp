// ivfflat and ivfpq index scans: ORDER BY distance over the `probes` nearest lists; with
// iterative_scan, further batches of lists (up to max_probes) when the rows run out. Scan
// lifecycle: ordered_scan.h.
//
// How many lists and in what groups (the core's ivf/candidates.h): ivfflat entries hold the
// values, so a batch comes back in exact order with exact distances. ivfpq entries hold codes
// with their error bound: a batch comes in order of each row's lower bound, and the scan reads
// each candidate's value from the table (heap_distances.h) and holds it until no later bound
// can beat it (ivf/rerank.h), so the rows and their order are ivfflat's at the same probes.
// Where the table's value cannot be read (an expression index) the rows go to the executor
// with their bounds instead, which re-checks them (xs_recheckorderby) in its reorder queue, to
// the same effect (flat_scan.cpp does the same over every row). ivfpq.rerank caps the rows
// re-checked (then the scan ends); 0 returns rows in the codes' estimated order instead.
//
// Range scans (`v <@ l2_ball(q, r)`, without ORDER BY) read every list that can hold a row
// within r of q, in one batch: ivfflat returns the rows within r, ivfpq those whose lower bound
// is within r (with ivfpq.rerank = 0 every row of those lists); the executor rechecks each row
// against the ball.
#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "vectorx/ivf/candidates.h"
#include "vectorx/ivf/entries.h"
#include "vectorx/ivf/rerank.h"
#include "buffer_page_store.h"
#include "guard.h"
#include "heap_distances.h"
#include "index_values.h"
#include "ivf_am.h"
#include "ivf_shape_cache.h"
#include "ordered_scan.h"

namespace vectorx::pg::ivf {
namespace {

using vectorx::ivf::CandidateCursor;
using vectorx::ivf::Entries;
using vectorx::ivf::ProbePlan;
using vectorx::ivf::plan_probes;
using vectorx::ivf::IvfIndex;
using vectorx::ivf::Reranker;
using vectorx::Result;

struct ProbeState {
  explicit ProbeState(Relation index)
      : store(index, MAIN_FORKNUM, BufferPageStore::Mode::kWal), ivf(store), entries(ivf, use_cached_shape(index, ivf)) {}
  BufferPageStore store;
  IvfIndex ivf;
  Entries entries;
  std::unique_ptr<IvfIndex::Scan> scan;
  std::unique_ptr<CandidateCursor> candidates;
  std::unique_ptr<Reranker> reranker;  // over `candidates` when the scan re-checks them itself
  Result reranked{};                    // the reranker's last row
  ScanTarget target;
  bool lower_bounds = false;        // keys are lower bounds (ivfpq re-checked by the executor)
  bool stop_beyond_radius = false;  // keys are distances or their bounds, in order: the first beyond the ball ends the scan
  long cap = -1;                    // rows left to hand over (-1: no cap)
  std::vector<uint8_t> stand_in;    // the query when the scan's own orders nothing (index_values.h)
};

using ScanOpaque = OrderedScan<ProbeState>;

// Re-checks candidates here rather than in the executor when the table's values can be read
// (the scan then hands over exact distances).
void rerank_in_scan(IndexScanDesc scan, ProbeState* state, const uint8_t* query) {
  CandidateCursor& candidates = *state->candidates;
  state->reranker = table_reranker(
      scan, state->ivf.space(), query,
      [&candidates](Result& next) {
        const Result* r = candidates.next();
        if (r) next = *r;
        return r != nullptr;
      },
      state->cap);
  if (!state->reranker) return;
  state->cap = -1;
  state->lower_bounds = false;
}

void start(IndexScanDesc scan, ScanOpaque* so) {
  so->started = true;
  pgstat_count_index_scan(scan->indexRelation);  // pg_stat_user_indexes.idx_scan
  const MemoryContext old = MemoryContextSwitchTo(so->context);
  so->state = guarded([&] { return new ProbeState(scan->indexRelation); });
  ProbeState* state = so->state;
  const bool exact = state->entries.exact();
  const ScanTarget target =
      scan_target(scan, method_name(exact ? Method::kIvfFlat : Method::kIvfPq), state->ivf.space().kind());
  if (target.empty) {
    MemoryContextSwitchTo(old);
    so->exhausted = true;
    return;
  }
  state->target = target;
  IndexValue query{};
  if (!target.null_query) query = index_value(target.query, state->ivf.space().kind());
  MemoryContextSwitchTo(old);
  const SearchSettings& settings = exact ? flat_settings : pq_settings;
  state->lower_bounds = !exact && settings.rerank != 0;
  state->cap = !exact && settings.rerank > 0 ? settings.rerank : -1;
  const bool iterative = static_cast<IterativeScan>(settings.iterative_scan) != IterativeScan::kOff;
  so->exhausted = guarded([&] {
    const IndexValue q = ordering_query(target.null_query ? nullptr : &query, state->ivf.space(), state->stand_in);
    if (!state->stand_in.empty()) state->lower_bounds = false;  // every distance NULL or NaN: any order
    state->stop_beyond_radius = exact || state->lower_bounds;
    std::optional<size_t> reaching;
    if (target.ball) reaching = state->ivf.lists_reaching(q.payload, target.radius);
    const ProbePlan plan = plan_probes(static_cast<size_t>(settings.probes), static_cast<size_t>(settings.max_probes),
                                       iterative, reaching, target.range_only);
    if (plan.first_batch == 0) return true;
    state->scan = std::make_unique<IvfIndex::Scan>(state->ivf, q.payload,
                                                   state->entries.scorer(q.payload, state->lower_bounds),
                                                   plan.first_batch, plan.most);
    state->candidates = std::make_unique<CandidateCursor>(vectorx::ivf::scan_candidates(*state->scan));
    if (state->lower_bounds && !target.range_only) rerank_in_scan(scan, state, q.payload);
    return false;
  });
}

// The next row to hand over, or nullptr when the scan is done.
const Result* next_result(ProbeState* s) {
  if (s->cap == 0) return nullptr;
  const Result* r = guarded([&] {
    if (!s->reranker) return s->candidates->next();
    return s->reranker->next(s->reranked) ? &s->reranked : static_cast<const Result*>(nullptr);
  });
  if (!r) return nullptr;
  if (s->target.ball && s->stop_beyond_radius && r->distance > s->target.radius) return nullptr;
  if (s->cap > 0) --s->cap;
  return r;
}

}  // namespace
}  // namespace vectorx::pg::ivf

using namespace vectorx::pg;
using namespace vectorx::pg::ivf;

IndexScanDesc ivf_begin_scan(Relation index, int nkeys, int norderbys) {
  return begin_ordered_scan<ProbeState>(index, nkeys, norderbys);
}

void ivf_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
  rescan_ordered<ProbeState>(scan, keys, nkeys, orderbys, norderbys);
}

bool ivf_get_tuple(IndexScanDesc scan, ScanDirection) {
  auto* so = ordered_scan<ProbeState>(scan);
  if (!so->started) start(scan, so);
  if (so->exhausted) return false;
  const vectorx::Result* r = next_result(so->state);
  if (!r) {
    so->exhausted = true;
    return false;
  }
  return_row(scan, r->tid, r->distance, so->state->lower_bounds && !so->state->target.range_only);
  return true;
}

void ivf_end_scan(IndexScanDesc scan) { end_ordered_scan<ProbeState>(scan); }
