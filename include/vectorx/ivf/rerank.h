// Exact order from lower bounds, inside the index: the rows of a scan whose candidates come in
// increasing order of a lower bound of their distance (ivfpq, flat) are read one by one for
// their exact distance and held until no later candidate can come before them. This is the
// executor's reorder queue (xs_recheckorderby) without its costs: it reads only the indexed
// value of each candidate, and the executor then fetches only the rows it returns.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "vectorx/slotted_page.h"

namespace vectorx::ivf {

class Reranker {
 public:
  // The next candidate (`distance`: a lower bound of its distance), false after the last.
  using Source = std::function<bool(Result& next)>;
  // A candidate's exact distance; nullopt when its row is gone (it is then skipped).
  using Exact = std::function<std::optional<double>(HeapTid tid)>;

  // Reads at most `cap` candidates when cap ≥ 0; those read then come out in order.
  Reranker(Source source, Exact exact, long cap = -1);

  // The next row by exact distance (Postgres' order, NaN last), ties by heap TID; false when
  // every candidate has been read and handed out.
  bool next(Result& out);
  size_t reads() const { return reads_; }

 private:
  // Whether a comes before b: distance, then TID.
  static bool before(const Result& a, const Result& b);
  void push(const Result& r);
  Result pop();

  Source source_;
  Exact exact_;
  long cap_;
  std::vector<Result> held_;       // a heap: the row that comes first at held_.front()
  std::optional<Result> pending_;  // the next candidate, not read yet
  bool candidates_done_ = false;
  size_t reads_ = 0;
};

}  // namespace vectorx::ivf
