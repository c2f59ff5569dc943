// PageStore (vectorx/page_store.h) on shared buffers: one index fork, pages locked through
// the buffer manager, each Change one generic WAL record (Postgres' own format and redo, so
// replicas and crash recovery need nothing loaded; see write_images).
//
// Pages are ordinary Postgres pages without line pointers or special space; the core owns
// everything after the page header. At each commit pd_lower and pd_upper are set around the
// page's longest run of zero bytes (a slotted page's free space, or the end of a page filled
// from the front), found by reading it: generic WAL skips that "hole" when it compares and logs
// a page, and so do full-page images, and both it and redo leave zeros there. A page without
// such a run has pd_lower = pd_upper = the page end.
//
// Bulk mode (index builds) writes pages without WAL; the build logs every page once at the end
// (log_newpage_range), as btree and pgvector do. Every Postgres call goes through pg_call, so
// a Postgres ERROR unwinds the C++ frames above as PgError (guard.h).
#pragma once

#include "vectorx/page_store.h"
#include "am_headers.h"
#include "buffer_hints.h"

namespace vectorx::pg {

class BufferPageStore final : public PageStore {
 public:
  enum class Mode { kWal, kBulk, kVacuum };  // kVacuum: WAL, and vacuum_delay_point at yields

  BufferPageStore(Relation index, ForkNumber fork, Mode mode)
      : index_(index), fork_(fork), mode_(mode), hints_(BufferHints::of(index, fork)) {}
  ~BufferPageStore() override;

  size_t page_size() const override { return BLCKSZ - MAXALIGN(SizeOfPageHeaderData); }
  uint32_t block_count() override;
  uint32_t blocks_known() noexcept override;
  PageRef lock_shared(uint32_t block) override;
  void unlock_shared(PageRef& page) noexcept override;
  const uint8_t* peek(uint32_t block) noexcept override;
  void change_begin() override;
  PageRef change_page(uint32_t block) override;
  PageRef change_new_page() override;
  void change_commit() override;
  void change_abort() noexcept override;
  void check_interrupts() override;
  // vectorx.max_index_vectors; vectorx.max_index_size is checked as the main fork grows.
  void check_vector_quota(uint64_t would_hold) override;

  // WAL-logs every page of the fork (after a bulk build, whose pages get their holes here).
  void log_all_pages();

 private:
  // Pins `block` (inside pg_call), through its hinted buffer when the hint still holds.
  Buffer pin(uint32_t block);
  PageRef add_to_change(Buffer buffer, bool fresh);
  void write_images();
  void release_change_buffers() noexcept;

  Relation index_;
  ForkNumber fork_;
  Mode mode_;
  BufferHints* hints_;
  Buffer buffers_[kMaxChangePages];
  Page pages_[kMaxChangePages];  // what the change edits: images, or the buffers in bulk mode
  bool fresh_[kMaxChangePages];
  int count_ = 0;
  bool in_change_ = false;
};

}  // namespace vectorx::pg
