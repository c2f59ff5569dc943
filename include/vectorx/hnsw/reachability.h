// Which elements of an hnsw index chains of neighbour lists lead to, from the lists read in one
// pass over the pages. vectorx_index_stats counts the live elements the entry point cannot
// reach, and VACUUM links them back in (PageGraph::Vacuum::reconnect).
//
// Memory: the lists of every element, packed: 9 bytes an element and 4 a link.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "vectorx/hnsw/page_format.h"

namespace vectorx::hnsw {

class Reachability {
 public:
  // Records an element as read from its page; ids must come in increasing order (block by
  // block, item by item). Free elements are recorded but neither traversed nor counted.
  void add(Id id, const ElementRef& e, int m);
  // Marks everything chains of lists reach from `from` (searches pass through dead elements,
  // not free ones); returns how many it newly marked.
  size_t reach_from(Id from);
  bool reached(Id id) const;
  // Live elements not marked so far, in id order.
  std::vector<Id> unreached_live() const;
  size_t memory_bytes() const;

 private:
  enum State : uint8_t { kLive, kDeadElement, kFreeElement };
  // Position of `id` among the recorded elements, or SIZE_MAX.
  size_t position(Id id) const;

  std::vector<Id> ids_;            // increasing
  std::vector<State> states_;
  std::vector<uint32_t> starts_{0};  // element i's links: links_[starts_[i] .. starts_[i + 1])
  std::vector<Id> links_;
  std::vector<bool> reached_;
};

}  // namespace vectorx::hnsw
