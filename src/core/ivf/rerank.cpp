// Reranker (ivf/rerank.h). A held row is safe to hand out once it comes before the next
// candidate's bound: every later candidate's distance is at least its own bound, and bounds
// come in order (ties by TID, so a later candidate at the same distance has a larger TID).
#include "vectorx/ivf/rerank.h"

#include <algorithm>
#include <utility>

namespace vectorx::ivf {

Reranker::Reranker(Source source, Exact exact, long cap) : source_(std::move(source)), exact_(std::move(exact)), cap_(cap) {}

bool Reranker::before(const Result& a, const Result& b) {
  if (nearer(a.distance, b.distance)) return true;
  if (nearer(b.distance, a.distance)) return false;
  return a.tid.block < b.tid.block || (a.tid.block == b.tid.block && a.tid.offset < b.tid.offset);
}

void Reranker::push(const Result& r) {
  held_.push_back(r);
  std::push_heap(held_.begin(), held_.end(), [](const Result& a, const Result& b) { return before(b, a); });
}

Result Reranker::pop() {
  std::pop_heap(held_.begin(), held_.end(), [](const Result& a, const Result& b) { return before(b, a); });
  const Result r = held_.back();
  held_.pop_back();
  return r;
}

bool Reranker::next(Result& out) {
  for (;;) {
    if (!pending_ && !candidates_done_) {
      Result candidate{};
      if (cap_ >= 0 && reads_ >= static_cast<size_t>(cap_)) {
        candidates_done_ = true;
      } else if (source_(candidate)) {
        pending_ = candidate;
      } else {
        candidates_done_ = true;
      }
    }
    if (!held_.empty() && (!pending_ || before(held_.front(), *pending_))) {
      out = pop();
      return true;
    }
    if (!pending_) return false;
    ++reads_;
    if (const std::optional<double> d = exact_(pending_->tid)) push({*d, pending_->tid});
    pending_.reset();
  }
}

}  // namespace vectorx::ivf
