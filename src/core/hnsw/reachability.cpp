// Reachability of hnsw elements over their recorded lists (see reachability.h).
#include "vectorx/hnsw/reachability.h"

#include <algorithm>

namespace vectorx::hnsw {

void Reachability::add(Id id, const ElementRef& e, int m) {
  const State state = e.free() ? kFreeElement : e.dead() ? kDeadElement : kLive;
  const uint32_t block = id_block(id);
  const uint32_t item = static_cast<uint32_t>(id_item(id));
  if (blocks_.size() <= block) blocks_.resize(block + 1);
  BlockSlots& slots = blocks_[block];
  if (slots.items == 0) slots.first = static_cast<uint32_t>(slots_.size());
  // Ids increase, so this block's slots are the last ones.
  slots.items = item + 1;
  slots_.resize(slots.first + slots.items, kNoElement);
  slots_[slots.first + item] = static_cast<uint32_t>(ids_.size());
  ids_.push_back(id);
  states_.push_back(state);
  reached_.push_back(false);
  noted_.push_back(0);
  if (state != kFreeElement) {
    const uint32_t count = std::min<uint32_t>(e.count(0), static_cast<uint32_t>(list_capacity(m, 0)));
    links_.insert(links_.end(), e.ids(0), e.ids(0) + count);
  }
  starts_.push_back(static_cast<uint32_t>(links_.size()));
}

size_t Reachability::position(Id id) const {
  const uint32_t block = id_block(id);
  const uint32_t item = static_cast<uint32_t>(id_item(id));
  if (block >= blocks_.size() || item >= blocks_[block].items) return SIZE_MAX;
  const uint32_t at = slots_[blocks_[block].first + item];
  return at == kNoElement ? SIZE_MAX : at;
}

size_t Reachability::reach_from(Id from) {
  const size_t start = position(from);
  if (start == SIZE_MAX || reached_[start] || states_[start] == kFreeElement) return 0;
  size_t marked = 0;
  std::vector<size_t> stack{start};
  reached_[start] = true;
  while (!stack.empty()) {
    const size_t at = stack.back();
    stack.pop_back();
    ++marked;
    for (uint32_t i = starts_[at]; i < starts_[at + 1]; ++i) {
      const size_t next = position(links_[i]);
      if (next == SIZE_MAX || reached_[next] || states_[next] == kFreeElement) continue;
      reached_[next] = true;
      stack.push_back(next);
    }
  }
  return marked;
}

bool Reachability::reached(Id id) const {
  const size_t at = position(id);
  return at != SIZE_MAX && reached_[at];
}

std::vector<Id> Reachability::unreached_live() const {
  std::vector<Id> out;
  for (size_t i = 0; i < ids_.size(); ++i)
    if (states_[i] == kLive && !reached_[i]) out.push_back(ids_[i]);
  return out;
}

void Reachability::note_link(Id id) {
  const size_t at = position(id);
  if (at != SIZE_MAX && noted_[at] < UINT8_MAX) ++noted_[at];
}

std::vector<Id> Reachability::reached_live_with_room(size_t max, size_t most) {
  std::vector<Id> out;
  const size_t n = ids_.size();
  for (size_t step = 0; step < n && out.size() < most; ++step) {
    const size_t i = (room_cursor_ + step) % n;
    if (states_[i] == kLive && reached_[i] && starts_[i + 1] - starts_[i] + noted_[i] < max) {
      out.push_back(ids_[i]);
      if (out.size() == most) room_cursor_ = (i + 1) % n;
    }
  }
  return out;
}

size_t Reachability::memory_bytes() const {
  return blocks_.capacity() * sizeof(BlockSlots) + slots_.capacity() * sizeof(uint32_t) +
         ids_.capacity() * sizeof(Id) + states_.capacity() + starts_.capacity() * sizeof(uint32_t) +
         links_.capacity() * sizeof(Id) + noted_.capacity() + reached_.capacity() / 8;
}

}  // namespace vectorx::hnsw
