// What an hnsw index scan returns from the batches of its graph search (PageGraph::Scan):
// the order rule of strict iterative scans and the stop rule of searches within a ball.
//
// A search within a ball of `radius` returns the rows inside it and stops once `patience`
// results in a row have come back beyond it (the search has moved past the ball). With
// `gather_ball` (ORDER BY from the ball's center) the whole ball is collected first and then
// returned nearest first, so a LIMIT of ef_search never cuts it short. A strict-order scan
// skips a result nearer than one it has already returned.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <vector>

#include "vectorx/slotted_page.h"

namespace vectorx::hnsw {

class ResultStream {
 public:
  // Fills the next batch (nearest first within it); false when the search has no more.
  using NextBatch = std::function<bool(std::vector<Result>&)>;

  struct Rules {
    bool more_batches = false;  // iterative: ask for further batches when one runs out
    bool strict_order = false;
    double radius = std::numeric_limits<double>::infinity();
    bool range_only = false;   // skip results beyond the radius (else they are returned)
    bool gather_ball = false;  // collect the whole ball, then return it sorted
    size_t patience = 40;      // results in a row beyond the radius that end the search
  };

  ResultStream(NextBatch next_batch, const Rules& rules);

  // The next result to return, or nullptr when the scan is over.
  const Result* next();

 private:
  const Result* next_found();
  void gather_ball();

  NextBatch next_batch_;
  Rules rules_;
  std::vector<Result> results_;
  size_t next_ = 0;
  size_t batches_ = 0;  // fetched so far
  size_t beyond_ = 0;  // results in a row beyond the radius
  double last_distance_ = -std::numeric_limits<double>::infinity();
  bool done_ = false;
};

}  // namespace vectorx::hnsw
