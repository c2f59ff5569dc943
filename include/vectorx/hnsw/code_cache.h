// A backend's compact copy of an hnsw index's values, so that a search ranks most of the
// neighbours it meets from memory instead of from their pages.
//
// Each element a search reads gets an 8-bit bounded code (ivf/bounded_codes.h: the code and
// what turns its estimate into a lower bound of the operator's distance). Later searches score
// that element from its code: no buffer pin, lock or page check, one or two cache lines instead
// of about ten. Codes only steer the search; the distances a scan returns are computed again
// from the elements' pages (PageGraph::Scan).
//
// Elements are found by Id (block << 8 | item): a table of blocks gives each block's first
// slot, and a block's items take consecutive slots, one for each item its page had when the
// cache first met it (items added later are not cached), less a value tail that starts the
// page (page_format.h: a tail is always its page's first item; with 784 dimensions nearly
// every other page starts with one, and their slots took a third of the cache). Slots live in
// chunks that never move, so a code's address stays valid while the cache grows. The cache
// stops growing at its memory limit. Slots are padded so that none spans more cache lines than
// it must, and whether a slot holds a code is a bit in a table small enough to stay in the
// core's cache: a lookup then misses on the lines it scores and no others.
//
// A code stands for the value its Id held when it was read. That holds until VACUUM frees the
// element and an insert reuses its item; VACUUM then raises the meta page's freed_generation,
// and the owner of the cache (src/pg/hnsw_code_cache.h) drops caches made before that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "vectorx/hnsw/page_format.h"
#include "vectorx/ivf/bounded_codes.h"

namespace vectorx::hnsw {

class PageGraph;

class CodeCache {
 public:
  // A cache for `graph`'s elements, its quantizer trained on values read from evenly spaced
  // pages; nullptr where codes cannot serve (no bounded codes for the space, an empty index, or
  // a limit too small for one chunk of codes).
  // The sample must also pass neighbour_error: codes that cannot tell near neighbours apart
  // would lose them (3-dimensional values, say, whose neighbours lie closer than a code's step).
  static std::unique_ptr<CodeCache> for_graph(PageGraph& graph, size_t max_bytes);
  // How coarse codes are against the distances between near neighbours: for up to
  // kProbeQueries of `count` sample values, the mean error of the codes' estimates of the
  // distances to its kProbeNeighbours nearest other samples, over the farthest of them (its
  // absolute value; mean over the queries). glove-100: 0.002; 3-dimensional values in the unit
  // cube under cosine: 1.5.
  static double neighbour_error(const ivf::BoundedQuantizer& quantizer, const uint8_t* samples, size_t count);
  static constexpr size_t kProbeQueries = 50, kProbeNeighbours = 10;
  static constexpr double kMaxNeighbourError = 0.02;
  CodeCache(const Space& space, std::vector<float> ranges, size_t max_bytes);

  // The entry (bounded_codes.h's layout, entry_bytes() long) of `id`, or nullptr.
  const uint8_t* find(Id id) const {
    const uint32_t block = id_block(id);
    if (block >= blocks_.size()) return nullptr;
    const size_t slot = slot_of(blocks_[block], id_item(id));
    return slot != kNoSlot && coded_[slot] ? entry(slot) : nullptr;
  }
  // The value id's code stands for (BoundedQuantizer::decode) into out[dim]; false: no code.
  bool decode(Id id, float* out) const {
    const uint8_t* entry = find(id);
    if (entry) quantizer_.decode(entry, out);
    return entry != nullptr;
  }
  // Whether `block` has its slots (sized when the cache first met it).
  bool has_slots(uint32_t block) const { return block < blocks_.size() && blocks_[block].end_item != 0; }
  // The items of a page that may be elements: [first, end).
  struct PageItems {
    uint32_t first = 0, end = 0;
  };
  // The code of `payload`, `id`'s value: kept as id's entry while the cache has room, else
  // written to `scratch` (entry_bytes()). `items`: those of id's page now (they size its
  // block's slots the first time the block is met). nullptr, and nothing kept, when
  // the code is not faithful: its error is over kFaithfulEps times the largest of a value
  // within the quantizer's ranges, so its estimates would mislead (a value far outside the
  // sample the ranges were trained on).
  const uint8_t* code(Id id, PageItems items, const uint8_t* payload, uint8_t* scratch);
  static constexpr float kFaithfulEps = 2;
  // Keeps the code of `payload`, id's value, where the cache has a slot for it and it is not
  // coded yet; nothing otherwise (no code is made that would not be kept).
  void keep(Id id, PageItems items, const uint8_t* payload);

  const ivf::BoundedQuantizer& quantizer() const { return quantizer_; }
  size_t entry_bytes() const { return entry_bytes_; }
  // The memory a slot takes: its entry, padded (see the top).
  static size_t slot_bytes(const Space& space);
  size_t cached() const { return cached_; }

  static constexpr size_t kChunkSlots = 4096;

 private:
  struct BlockSlots {
    uint32_t first_slot = 0;
    uint16_t first_item = 0;
    uint16_t end_item = 0;  // 0: not met yet
  };
  static constexpr size_t kNoSlot = ~size_t{0};
  static size_t slot_of(const BlockSlots& b, uint32_t item) {
    return item >= b.first_item && item < b.end_item ? b.first_slot + (item - b.first_item) : kNoSlot;
  }
  uint8_t* entry(size_t slot) const { return chunks_[slot / kChunkSlots].get() + (slot % kChunkSlots) * slot_bytes_; }
  bool reserve(uint32_t block, PageItems items);
  size_t slot_for(Id id, PageItems items);  // kNoSlot: no room
  const uint8_t* keep_in(size_t slot, const uint8_t* payload);  // the slot's code, or nullptr: unfaithful
  bool encode(const uint8_t* payload, uint8_t* out);  // false: not faithful

  ivf::BoundedQuantizer quantizer_;
  size_t entry_bytes_;
  size_t slot_bytes_;  // slot_bytes(space)
  float faithful_eps_;  // kFaithfulEps times the largest eps of a value within the ranges
  size_t max_slots_;
  size_t used_slots_ = 0;
  size_t cached_ = 0;
  std::vector<BlockSlots> blocks_;
  struct AlignedFree {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::vector<std::unique_ptr<uint8_t[], AlignedFree>> chunks_;  // cache-line aligned, zeroed
  // [slot]: holds a code; known not to be coded. A bit a slot, so that the table a lookup
  // asks first stays in the core's cache (a byte a slot is 330 KB for glove-100).
  std::vector<bool> coded_, unfaithful_;
  std::vector<float> scratch_;   // encoding
};

}  // namespace vectorx::hnsw
