// Block → buffer hints (buffer_hints.h).
#include "buffer_hints.h"

#include <algorithm>

namespace vectorx::pg {

namespace {
constexpr int kHintedRelations = 8;
constexpr BlockNumber kMaxHintedBlocks = BlockNumber{1} << 20;  // 4 MB of hints per relation
}  // namespace

struct HintRegistry {
  BufferHints entries[kHintedRelations];
  uint64_t clock = 0;

  BufferHints* find_or_claim(const RelFileNode& node, ForkNumber fork) noexcept {
    BufferHints* oldest = &entries[0];
    for (BufferHints& h : entries) {
      if (h.last_use_ && RelFileNodeEquals(h.node_, node) && h.fork_ == fork) {
        h.last_use_ = ++clock;
        return &h;
      }
      if (h.last_use_ < oldest->last_use_) oldest = &h;
    }
    std::fill_n(oldest->buffers_, oldest->capacity_, InvalidBuffer);
    oldest->node_ = node;
    oldest->fork_ = fork;
    oldest->last_use_ = ++clock;
    return oldest;
  }
};

namespace {
HintRegistry registry;
}

BufferHints* BufferHints::of(Relation index, ForkNumber fork) noexcept {
  if (RelationUsesLocalBuffers(index)) return nullptr;
  return registry.find_or_claim(index->rd_node, fork);
}

void BufferHints::set(BlockNumber block, Buffer buffer) noexcept {
  if (block >= kMaxHintedBlocks) return;
  if (block >= capacity_) {
    const BlockNumber grown = std::min(kMaxHintedBlocks, std::max<BlockNumber>(1024, 2 * (block + 1)));
    // No ERROR on failure: without memory the page simply stays unhinted.
    auto* bigger = static_cast<Buffer*>(
        MemoryContextAllocExtended(TopMemoryContext, grown * sizeof(Buffer), MCXT_ALLOC_NO_OOM | MCXT_ALLOC_ZERO));
    if (!bigger) return;
    if (buffers_) {
      std::copy_n(buffers_, capacity_, bigger);
      pfree(buffers_);
    }
    buffers_ = bigger;
    capacity_ = grown;
  }
  buffers_[block] = buffer;
}

}  // namespace vectorx::pg
