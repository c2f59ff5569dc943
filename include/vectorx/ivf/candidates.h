// How an IVF index scan reads its candidates: how many lists it probes (plan_probes), and in
// what order it hands out each batch's entries (CandidateCursor): by key, one at a time
// (ivfflat: exact distances; ivfpq: lower bounds, which the executor re-checks, or estimates).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "vectorx/ivf/bound_order.h"
#include "vectorx/ivf/index.h"
#include "vectorx/slotted_page.h"

namespace vectorx::ivf {

struct ProbePlan {
  size_t first_batch = 0;  // lists in the first batch (0: the scan reads nothing)
  size_t most = 0;         // lists in all
};

// `probes` lists a batch, up to `max_probes` in all when iterative. A scan within a ball
// passes `reaching`, the nearest lists that can hold a row inside it (IvfIndex::lists_reaching):
// a range-only scan reads exactly those, ORDER BY from the ball's center at least those in
// its first batch, so every row within the ball comes back in that batch.
ProbePlan plan_probes(size_t probes, size_t max_probes, bool iterative, std::optional<size_t> reaching, bool range_only);

// Rows the first pass over a batch keeps (BoundOrder's window): a top-10 and its re-checks
// need a few dozen; a reader that wants more gets another pass with a larger window.
constexpr size_t kFirstCandidateWindow = 128;

// The entries of a scan's batches of lists: within each batch by increasing key, ties by heap
// TID (BoundOrder: windowed passes over the batch's pages, never every key in memory), then
// the next batch.
class CandidateCursor {
 public:
  // Feeds every entry of batch `b` (dead ones too: they are skipped here) to the sink.
  using ScoreBatch = std::function<void(size_t b, const BoundOrder::Sink& sink)>;
  using ToDistance = std::function<double(double key)>;

  CandidateCursor(size_t batches, ScoreBatch score_batch, ToDistance to_distance,
                  size_t first_window = kFirstCandidateWindow);

  // The next entry, with its distance (or the distance's bound); nullptr once every batch
  // has been read.
  const Result* next();

 private:
  size_t batches_;
  ScoreBatch score_batch_;
  ToDistance to_distance_;
  size_t first_window_;
  size_t batch_ = 0;
  std::unique_ptr<BoundOrder> order_;  // over batch_
  Result current_{};
};

// The cursor over an IVF scan's batches (`scan` must outlive it).
CandidateCursor scan_candidates(IvfIndex::Scan& scan, size_t first_window = kFirstCandidateWindow);

}  // namespace vectorx::ivf
