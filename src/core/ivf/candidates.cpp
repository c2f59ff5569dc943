// plan_probes and CandidateCursor (ivf/candidates.h).
#include "vectorx/ivf/candidates.h"

#include <algorithm>
#include <utility>

#include "vectorx/ivf/index.h"

namespace vectorx::ivf {

ProbePlan plan_probes(size_t probes, size_t max_probes, bool iterative, std::optional<size_t> reaching, bool range_only) {
  ProbePlan plan{probes, iterative ? std::max(max_probes, probes) : probes};
  if (!reaching) return plan;
  if (*reaching == 0) return {};
  if (range_only) return {*reaching, *reaching};
  plan.first_batch = std::max(plan.first_batch, *reaching);
  plan.most = std::max(plan.most, plan.first_batch);
  return plan;
}

// A batch is ordered a chunk at a time (the next re-rank's worth, at least this many), as
// most scans stop after LIMIT rows.
constexpr size_t kOrderChunk = 64;

CandidateCursor::CandidateCursor(NextBatch next_batch, size_t rerank) : next_batch_(std::move(next_batch)), rerank_(rerank) {}

CandidateCursor::Group CandidateCursor::next() {
  while (!done_) {
    if (next_ < batch_.size()) {
      if (next_ == ordered_) {
        const size_t count = std::max(rerank_, kOrderChunk);
        order_next(batch_, next_, count);
        ordered_ = std::min(batch_.size(), next_ + count);
      }
      const size_t count = rerank_ == 0 ? 1 : std::min(rerank_, ordered_ - next_);
      const Group group{&batch_[next_], count};
      next_ += count;
      return group;
    }
    batch_.clear();
    next_ = ordered_ = 0;
    done_ = !next_batch_(batch_);
  }
  return {};
}

}  // namespace vectorx::ivf
