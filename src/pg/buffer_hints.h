// Backend-local guesses of which shared buffer holds which page of an index fork.
//
// Graph searches read hundreds of scattered pages per query; a ReadBuffer of a resident page
// still pays a buffer-mapping hash lookup and partition lock, and the page's cache lines arrive
// one miss at a time. With a remembered buffer, a page is pinned with ReadRecentBuffer (which
// checks the guess) and its memory can be prefetched before it is locked. A wrong guess costs
// one failed check; nothing is trusted without the pin.
//
// Hints live in TopMemoryContext, a few relations at a time (least recently used dropped), one
// int per block up to kMaxHintedBlocks; relations in local buffers (temporary) get none.
#pragma once

#include "am_headers.h"

namespace vectorx::pg {

class BufferHints {
 public:
  // The hints of `index`'s fork, created on first use; nullptr when hints do not apply.
  static BufferHints* of(Relation index, ForkNumber fork) noexcept;

  Buffer get(BlockNumber block) const { return block < capacity_ ? buffers_[block] : InvalidBuffer; }
  void set(BlockNumber block, Buffer buffer) noexcept;

 private:
  friend struct HintRegistry;
  RelFileNode node_{};
  ForkNumber fork_ = MAIN_FORKNUM;
  uint64_t last_use_ = 0;
  BlockNumber capacity_ = 0;
  Buffer* buffers_ = nullptr;
};

}  // namespace vectorx::pg
