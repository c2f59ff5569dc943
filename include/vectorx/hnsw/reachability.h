// Which elements of an hnsw index chains of level-0 neighbour lists lead to, from the lists
// read in one pass over the pages. A search ends at level 0 and follows level-0 links only, so
// an element that upper levels alone lead to is never returned: vectorx_index_stats counts
// the live elements the entry point cannot reach at level 0, and VACUUM links them back in
// (PageGraph::Vacuum::reconnect).
//
// Memory: the level-0 lists of every element, packed: 10 bytes an element and 4 a link, plus a
// slot table that finds an id's element in constant time: 4 bytes an item and 8 a block.
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
  // Counts a level-0 link added to `id`'s list since it was recorded.
  void note_link(Id id);
  // Up to `most` marked live elements with fewer than `max` level-0 links (as recorded, plus
  // those noted since). Each call goes on from where the last one stopped, so elements that
  // turned out full are not offered again and again: VACUUM once offered the same first
  // elements to every unreachable one, and stopped linking when those were full.
  std::vector<Id> reached_live_with_room(size_t max, size_t most);
  size_t memory_bytes() const;

 private:
  enum State : uint8_t { kLive, kDeadElement, kFreeElement };
  static constexpr uint32_t kNoElement = UINT32_MAX;
  struct BlockSlots {
    uint32_t first = 0;  // the block's item 0 in slots_
    uint32_t items = 0;  // its items up to the last recorded element
  };
  // Position of `id` among the recorded elements, or SIZE_MAX.
  size_t position(Id id) const;

  std::vector<BlockSlots> blocks_;  // by block number
  std::vector<uint32_t> slots_;     // by item: the element's position, or kNoElement
  std::vector<Id> ids_;             // increasing
  std::vector<State> states_;
  std::vector<uint32_t> starts_{0};  // element i's level-0 links: links_[starts_[i] .. starts_[i + 1])
  std::vector<Id> links_;
  std::vector<uint8_t> noted_;  // links noted since recorded, saturating
  std::vector<bool> reached_;
  size_t room_cursor_ = 0;      // where reached_live_with_room goes on
};

}  // namespace vectorx::hnsw
