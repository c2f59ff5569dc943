// The order of an exact scan (the flat index): every live entry, by increasing lower bound of
// its distance (ties by heap TID), without keeping every entry's bound in memory. A pass scores
// all entries and keeps the `window` smallest after the last one handed out; a reader that
// wants more than a window (a filter rejecting rows, a large LIMIT) gets another pass with a
// window four times larger. Bounds of entries never change, so passes agree on the order.
#pragma once

#include <cstddef>
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
  void run_pass();
  void keep(const Result& r);
  void trim();

  Pass pass_;
  size_t window_;
  std::vector<Result> kept_;
  size_t next_ = 0;
  std::optional<Result> last_;       // the last entry handed out: a pass keeps only later ones
  std::optional<Result> threshold_;  // a full window holds only entries before this one
  bool final_ = false;               // the last pass kept every remaining entry
  size_t passes_ = 0;
};

}  // namespace vectorx::ivf
