// The order of an exact scan (the flat index): every live entry, by increasing lower bound of
// its distance (ties by heap TID), without keeping every entry's bound in memory. A pass scores
// all entries and keeps the `window` smallest after the last one handed out; a reader that
// wants more than a window (a filter rejecting rows, a large LIMIT) gets another pass with a
// window four times larger. Bounds of entries never change, so passes agree on the order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "vectorx/ivf/page_format.h"

namespace vectorx::ivf {

class BoundOrder {
 public:
  // Receives a page's entries: their bounds and headers (dead entries are skipped here).
  using Sink = std::function<void(const double* bounds, const EntryHeader* headers, size_t count)>;
  // Feeds every entry of the index to the sink once.
  using Pass = std::function<void(const Sink&)>;

  BoundOrder(Pass pass, size_t first_window);

  // The next entry (`distance`: its lower bound); false once every entry has been handed out.
  bool next(Result& out);
  size_t passes() const { return passes_; }

 private:
  // An entry as two integers that order as the entries do (ties by TID), so that keeping and
  // trimming a window compares integers: most of a short scan's time was comparisons.
  struct Ranked {
    uint64_t key;  // the bound's bits, flipped to order as unsigned integers (NaN last)
    uint64_t tid;  // block, then offset
    bool operator<(const Ranked& other) const { return key < other.key || (key == other.key && tid < other.tid); }
  };
  static Ranked ranked(double bound, HeapTid tid);
  static Result result(const Ranked& r);

  void run_pass();
  void keep(const Ranked& r);
  void trim();

  Pass pass_;
  size_t window_;
  std::vector<Ranked> kept_;
  size_t next_ = 0;
  std::optional<Ranked> last_;       // the last entry handed out: a pass keeps only later ones
  std::optional<Ranked> threshold_;  // a full window holds only entries before this one
  double threshold_bound_ = 0;       // threshold_'s bound
  bool final_ = false;               // the last pass kept every remaining entry
  size_t passes_ = 0;
};

}  // namespace vectorx::ivf
