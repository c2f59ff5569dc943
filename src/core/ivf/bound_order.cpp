// Windowed passes in bound order (bound_order.h). A pass keeps up to twice the window and
// trims back to the window (nth_element), so each entry costs a comparison, O(1) amortized.
#include "vectorx/ivf/bound_order.h"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace vectorx::ivf {
namespace {

uint64_t tid_order(HeapTid tid) { return (uint64_t{tid.block} << 16) | tid.offset; }

// nearer() with ties (NaN ties NaN) broken by TID; most calls end at the first comparison.
bool before(const Result& a, const Result& b) {
  if (a.distance < b.distance) return true;
  if (b.distance < a.distance) return false;
  const bool a_nan = a.distance != a.distance, b_nan = b.distance != b.distance;
  if (a_nan != b_nan) return b_nan;
  return tid_order(a.tid) < tid_order(b.tid);
}

}  // namespace

BoundOrder::BoundOrder(Pass pass, size_t first_window) : pass_(std::move(pass)), window_(std::max<size_t>(first_window, 1)) {}

bool BoundOrder::next(Result& out) {
  if (next_ == kept_.size()) {
    if (final_) return false;
    run_pass();
    if (kept_.empty()) return false;
  }
  out = kept_[next_++];
  last_ = out;
  return true;
}

void BoundOrder::keep(const Result& r) {
  if (last_ && !before(*last_, r)) return;
  if (threshold_ && !before(r, *threshold_)) return;
  kept_.push_back(r);
  if (kept_.size() >= 2 * window_) trim();
}

void BoundOrder::trim() {
  const auto nth = kept_.begin() + static_cast<std::ptrdiff_t>(window_);
  std::nth_element(kept_.begin(), nth, kept_.end(), before);
  threshold_ = *nth;
  kept_.resize(window_);
}

void BoundOrder::run_pass() {
  if (passes_ > 0) window_ *= 4;
  ++passes_;
  kept_.clear();
  next_ = 0;
  threshold_.reset();
  pass_([this](const double* bounds, const EntryHeader* headers, size_t count) {
    // Most entries of a full window fail on the bound alone.
    double limit = threshold_ ? threshold_->distance : std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < count; ++i) {
      if (bounds[i] > limit || (headers[i].flags & kEntryDead)) continue;
      keep({bounds[i], HeapTid{headers[i].heap_block, headers[i].heap_offset}});
      if (threshold_) limit = threshold_->distance;
    }
  });
  final_ = !threshold_ && kept_.size() <= window_;
  if (kept_.size() > window_) trim();
  std::sort(kept_.begin(), kept_.end(), before);
}

}  // namespace vectorx::ivf
