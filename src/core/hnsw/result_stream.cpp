// ResultStream (result_stream.h): the rules an hnsw scan applies to its search's batches.
#include "vectorx/hnsw/result_stream.h"

#include <algorithm>
#include <utility>

namespace vectorx::hnsw {

ResultStream::ResultStream(NextBatch next_batch, const Rules& rules) : next_batch_(std::move(next_batch)), rules_(rules) {}

const Result* ResultStream::next() {
  if (rules_.gather_ball) gather_ball();
  return next_found();
}

void ResultStream::gather_ball() {
  std::vector<Result> ball;
  for (const Result* r; (r = next_found());) ball.push_back(*r);
  std::stable_sort(ball.begin(), ball.end(), [](const Result& a, const Result& b) { return nearer(a.distance, b.distance); });
  results_.swap(ball);
  next_ = 0;
  done_ = false;
  rules_ = Rules{};  // the ball is in hand: return it as it is
}

const Result* ResultStream::next_found() {
  while (!done_) {
    while (next_ < results_.size()) {
      const Result* r = &results_[next_++];
      if (rules_.strict_order && nearer(r->distance, last_distance_)) continue;  // would break the order
      if (r->distance > rules_.radius) {
        if (++beyond_ >= rules_.patience) {  // the search has left the ball
          done_ = true;
          return nullptr;
        }
        if (rules_.range_only) continue;
      } else {
        beyond_ = 0;
      }
      last_distance_ = r->distance;
      return r;
    }
    results_.clear();
    next_ = 0;
    // The first batch is always fetched; further ones only by iterative scans.
    if (batches_++ > 0 && !rules_.more_batches) break;
    if (!next_batch_(results_) && results_.empty()) break;
  }
  done_ = true;
  return nullptr;
}

}  // namespace vectorx::hnsw
