// The k smallest (distance, id) pairs of a stream: a bounded max-heap.
#pragma once

#include <algorithm>
#include <cstddef>
#include <queue>
#include <utility>
#include <vector>

namespace vectorx::bench {

template <class Id>
class TopK {
 public:
  explicit TopK(size_t k) : k_(k) {}

  void push(float distance, Id id) {
    const std::pair<float, Id> e{distance, id};
    if (heap_.size() < k_) {
      heap_.push(e);
    } else if (k_ > 0 && e < heap_.top()) {
      heap_.pop();
      heap_.push(e);
    }
  }

  // Everything kept, nearest first (ties: smaller id first); empties the heap.
  std::vector<std::pair<float, Id>> take_sorted() {
    std::vector<std::pair<float, Id>> out(heap_.size());
    for (size_t i = out.size(); i-- > 0; heap_.pop()) out[i] = heap_.top();
    return out;
  }

 private:
  size_t k_;
  std::priority_queue<std::pair<float, Id>> heap_;  // worst on top
};

}  // namespace vectorx::bench
