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

CandidateCursor::CandidateCursor(size_t batches, ScoreBatch score_batch, ToDistance to_distance, size_t first_window)
    : batches_(batches),
      score_batch_(std::move(score_batch)),
      to_distance_(std::move(to_distance)),
      first_window_(first_window) {}

const Result* CandidateCursor::next() {
  while (batch_ < batches_) {
    if (!order_) {
      const size_t b = batch_;
      order_ = std::make_unique<BoundOrder>([this, b](const BoundOrder::Sink& sink) { score_batch_(b, sink); },
                                            first_window_);
    }
    if (order_->next(current_)) {
      current_.distance = to_distance_(current_.distance);
      return &current_;
    }
    order_.reset();
    ++batch_;
  }
  return nullptr;
}

CandidateCursor scan_candidates(IvfIndex::Scan& scan, size_t first_window) {
  return CandidateCursor(
      scan.batches(), [&scan](size_t b, const BoundOrder::Sink& sink) { scan.score_batch(b, sink); },
      [&scan](double key) { return scan.distance_from_key(key); }, first_window);
}

}  // namespace vectorx::ivf
