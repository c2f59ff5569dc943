// Windowed passes in bound order (bound_order.h). A pass keeps up to twice the window and
// trims back to the window (nth_element), so each entry costs a comparison, O(1) amortized.
#include "vectorx/ivf/bound_order.h"

#include <algorithm>

namespace vectorx::ivf {
namespace {

bool before(const Result& a, const Result& b) {
  if (nearer(a.distance, b.distance) || nearer(b.distance, a.distance)) return nearer(a.distance, b.distance);
  if (a.tid.block != b.tid.block) return a.tid.block < b.tid.block;
  return a.tid.offset < b.tid.offset;
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
    for (size_t i = 0; i < count; ++i) {
      // Most entries of a full window fail on the bound alone.
      if ((headers[i].flags & kEntryDead) || (threshold_ && bounds[i] > threshold_->distance)) continue;
      keep({bounds[i], HeapTid{headers[i].heap_block, headers[i].heap_offset}});
    }
  });
  final_ = !threshold_ && kept_.size() <= window_;
  if (kept_.size() > window_) trim();
  std::sort(kept_.begin(), kept_.end(), before);
}

}  // namespace vectorx::ivf
