// How an IVF index scan reads its candidates: how many lists it probes (plan_probes), and in
// what order it hands out each batch's entries (CandidateCursor): by key, one at a time
// (ivfflat: exact distances; ivfpq: lower bounds, which the executor re-checks, or estimates).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "vectorx/slotted_page.h"

namespace vectorx::ivf {

struct ProbePlan {
  size_t first_batch = 0;  // lists in the first batch (0: the scan reads nothing)
  size_t most = 0;         // lists in all
};

// `probes` lists a batch, up to `max_probes` in all when iterative. A scan within a ball
// passes `reaching`, the nearest lists that can hold a row inside it (IvfIndex::lists_reaching):
// a range-only scan reads exactly those, ORDER BY from the ball's center at least those in
// its first batch, so every row within the ball comes back in that batch.
ProbePlan plan_probes(size_t probes, size_t max_probes, bool iterative, std::optional<size_t> reaching, bool range_only);

class CandidateCursor {
 public:
  // Appends the entries of the next batch of lists; false when no list is left.
  using NextBatch = std::function<bool(std::vector<Result>&)>;

  explicit CandidateCursor(NextBatch next_batch);

  // The next entry in key order within its batch; nullptr once every list has been read.
  const Result* next();

 private:
  NextBatch next_batch_;
  std::vector<Result> batch_;
  size_t next_ = 0;
  size_t ordered_ = 0;  // batch_[..ordered_) is in order
  bool done_ = false;
};

}  // namespace vectorx::ivf
