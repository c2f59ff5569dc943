// plan_probes and CandidateCursor (ivf/candidates.h).
#include "vectorx/ivf/candidates.h"

#include <algorithm>
#include <utility>

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

CandidateCursor::CandidateCursor(size_t batches, ScoreBatch score_batch, size_t first_window)
    : batches_(batches), score_batch_(std::move(score_batch)), first_window_(first_window) {}

const Result* CandidateCursor::next() {
  while (batch_ < batches_) {
    if (!order_) {
      const size_t b = batch_;
      order_ = std::make_unique<BoundOrder>([this, b](const BoundOrder::Sink& sink) { score_batch_(b, sink); },
                                            first_window_);
    }
    if (order_->next(current_)) return &current_;
    order_.reset();
    ++batch_;
  }
  return nullptr;
}

}  // namespace vectorx::ivf
