// Windowed passes in bound order (bound_order.h). A pass keeps up to twice the window and
// trims back to the window (nth_element), so each entry costs a comparison, O(1) amortized.
#include "vectorx/ivf/bound_order.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

namespace vectorx::ivf {

// IEEE doubles order as integers once negative ones have every bit flipped and the others their
// sign bit set; -0 is taken as +0 and every NaN as the largest key, after +Infinity.
BoundOrder::Ranked BoundOrder::ranked(double bound, HeapTid tid) {
  uint64_t bits;
  const double canonical = bound == 0 ? 0.0 : bound;
  std::memcpy(&bits, &canonical, sizeof bits);
  constexpr uint64_t kSign = uint64_t{1} << 63;
  const uint64_t key = bound != bound ? ~uint64_t{0} : (bits & kSign) ? ~bits : bits | kSign;
  return {key, (uint64_t{tid.block} << 16) | tid.offset};
}

Result BoundOrder::result(const Ranked& r) {
  constexpr uint64_t kSign = uint64_t{1} << 63;
  const uint64_t bits = (r.key & kSign) ? r.key & ~kSign : ~r.key;
  double bound;
  std::memcpy(&bound, &bits, sizeof bound);
  return {bound, HeapTid{static_cast<uint32_t>(r.tid >> 16), static_cast<uint16_t>(r.tid & 0xffff)}};
}

BoundOrder::BoundOrder(Pass pass, size_t first_window) : pass_(std::move(pass)), window_(std::max<size_t>(first_window, 1)) {}

bool BoundOrder::next(Result& out) {
  if (next_ == kept_.size()) {
    if (final_) return false;
    run_pass();
    if (kept_.empty()) return false;
  }
  last_ = kept_[next_++];
  out = result(*last_);
  return true;
}

void BoundOrder::keep(const Ranked& r) {
  if (last_ && !(*last_ < r)) return;
  if (threshold_ && !(r < *threshold_)) return;
  kept_.push_back(r);
  if (kept_.size() >= 2 * window_) trim();
}

void BoundOrder::trim() {
  const auto nth = kept_.begin() + static_cast<std::ptrdiff_t>(window_);
  std::nth_element(kept_.begin(), nth, kept_.end());
  threshold_ = *nth;
  threshold_bound_ = result(*nth).distance;
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
    double limit = threshold_ ? threshold_bound_ : std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < count; ++i) {
      if (bounds[i] > limit || (headers[i].flags & kEntryDead)) continue;
      keep(ranked(bounds[i], HeapTid{headers[i].heap_block, headers[i].heap_offset}));
      if (threshold_) limit = threshold_bound_;
    }
  });
  final_ = !threshold_ && kept_.size() <= window_;
  if (kept_.size() > window_) trim();
  std::sort(kept_.begin(), kept_.end());
}

}  // namespace vectorx::ivf
