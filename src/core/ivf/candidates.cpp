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

// A batch is ordered a chunk at a time, as most scans stop after LIMIT rows.
constexpr size_t kOrderChunk = 64;

CandidateCursor::CandidateCursor(NextBatch next_batch) : next_batch_(std::move(next_batch)) {}

const Result* CandidateCursor::next() {
  while (!done_) {
    if (next_ < batch_.size()) {
      if (next_ == ordered_) {
        order_next(batch_, next_, kOrderChunk);
        ordered_ = std::min(batch_.size(), next_ + kOrderChunk);
      }
      return &batch_[next_++];
    }
    batch_.clear();
    next_ = ordered_ = 0;
    done_ = !next_batch_(batch_);
  }
  return nullptr;
}

}  // namespace vectorx::ivf
