// Shared-buffer PageStore (buffer_page_store.h).
#include "buffer_page_store.h"
#include "vectorx/page_delta.h"
#include "vectorx/slotted_page.h"
#include "settings.h"

#include "guard.h"

extern "C" {
#include "access/rmgr.h"
#include "access/xloginsert.h"
#include "storage/buf_internals.h"
}

namespace vectorx::pg {
namespace {

uint8_t* contents(Page page) { return reinterpret_cast<uint8_t*>(PageGetContents(page)); }

constexpr size_t kContentsOffset = MAXALIGN(SizeOfPageHeaderData);
constexpr size_t kContentsSize = BLCKSZ - kContentsOffset;

// A fresh page whose whole area after the header counts as used.
void init_raw_page(Page page) {
  PageInit(page, BLCKSZ, 0);
  reinterpret_cast<::PageHeader>(page)->pd_lower = BLCKSZ;
}

// Makes the page's run of zero bytes (zero_span) its "hole" between pd_lower and pd_upper:
// generic WAL then neither compares nor logs those bytes and full-page images skip them, while
// GenericXLogFinish and redo both set the hole to the zeros it already holds.
void mark_zero_hole(Page page) {
  auto* header = reinterpret_cast<::PageHeader>(page);
  const Span zeros = zero_span(contents(page), kContentsSize);
  header->pd_lower = static_cast<LocationIndex>(zeros.size() ? kContentsOffset + zeros.begin : BLCKSZ);
  header->pd_upper = static_cast<LocationIndex>(zeros.size() ? kContentsOffset + zeros.end : BLCKSZ);
}

PageVersion version_of(Page page) {
  const auto* header = reinterpret_cast<::PageHeader>(page);
  return {reinterpret_cast<const uint8_t*>(page), header->pd_lower, header->pd_upper};
}

// PageSetLSN, spelled out: its cast names ::PageHeader, which vectorx::PageHeader hides here.
void set_lsn(Page page, XLogRecPtr lsn) { PageXLogRecPtrSet(reinterpret_cast<::PageHeader>(page)->pd_lsn, lsn); }

// Where a change's pages are edited, and their WAL data: one change is open at a time in a
// backend, so one set serves every store.
struct ChangeSpace {
  PGAlignedBlock image[PageStore::kMaxChangePages];
  uint8_t delta[PageStore::kMaxChangePages][BLCKSZ];
  const BufferPageStore* user = nullptr;
};
ChangeSpace change_space;

}  // namespace

BufferPageStore::~BufferPageStore() {
  if (in_change_) change_abort();
}

uint32_t BufferPageStore::block_count() {
  BlockNumber n = 0;
  pg_call([&] { n = RelationGetNumberOfBlocksInFork(index_, fork_); });
  return n;
}

Buffer BufferPageStore::pin(uint32_t block) {
  if (!hints_) return ReadBufferExtended(index_, fork_, block, RBM_NORMAL, nullptr);
  const Buffer hint = hints_->get(block);
  if (hint != InvalidBuffer && ReadRecentBuffer(index_->rd_node, fork_, block, hint)) return hint;
  const Buffer buffer = ReadBufferExtended(index_, fork_, block, RBM_NORMAL, nullptr);
  hints_->set(block, buffer);
  return buffer;
}

// The length smgr last saw in this backend (set by each block_count() and extension). Other
// backends only extend these indexes, never truncate them, so it stays a lower bound. Read
// only when the relation's smgr is open: opening it could raise an ERROR.
uint32_t BufferPageStore::blocks_known() noexcept {
  if (!index_->rd_smgr) return 0;
  const BlockNumber known = index_->rd_smgr->smgr_cached_nblocks[fork_];
  return known == InvalidBlockNumber ? 0 : known;
}

PageRef BufferPageStore::lock_shared(uint32_t block) {
  Buffer buffer = InvalidBuffer;
  pg_call([&] {
    buffer = pin(block);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
  });
  return {block, contents(BufferGetPage(buffer)), static_cast<uintptr_t>(buffer)};
}

void BufferPageStore::unlock_shared(PageRef& page) noexcept {
  UnlockReleaseBuffer(static_cast<Buffer>(page.token));
}

const uint8_t* BufferPageStore::peek(uint32_t block) noexcept {
  const Buffer hint = hints_ ? hints_->get(block) : InvalidBuffer;
  if (hint == InvalidBuffer) return nullptr;
  // The descriptor is what ReadRecentBuffer touches first (its state word is written: pins
  // and header locks); the page is what the caller reads.
  __builtin_prefetch(GetBufferDescriptor(hint - 1), 1);
  return contents(static_cast<Page>(BufferGetBlock(hint)));
}

void BufferPageStore::change_begin() {
  if (in_change_) throw std::logic_error("nested page change");
  if (mode_ != Mode::kBulk) {
    if (change_space.user) throw std::logic_error("page changes open in two stores");
    change_space.user = this;
  }
  in_change_ = true;
  count_ = 0;
}

PageRef BufferPageStore::add_to_change(Buffer buffer, bool fresh) {
  Page page = BufferGetPage(buffer);
  if (mode_ != Mode::kBulk) {
    Page image = change_space.image[count_].data;
    if (!fresh) memcpy(image, page, BLCKSZ);
    page = image;
  }
  buffers_[count_] = buffer;
  fresh_[count_] = fresh;
  pages_[count_++] = page;
  if (fresh) init_raw_page(page);
  return {BufferGetBlockNumber(buffer), contents(page), static_cast<uintptr_t>(buffer)};
}

PageRef BufferPageStore::change_page(uint32_t block) {
  for (int i = 0; i < count_; ++i)
    if (BufferGetBlockNumber(buffers_[i]) == block) throw std::logic_error("page added twice to one change");
  if (count_ >= kMaxChangePages) throw std::logic_error("too many pages in one change");
  Buffer buffer = InvalidBuffer;
  pg_call([&] {
    buffer = pin(block);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
  });
  return add_to_change(buffer, false);
}

PageRef BufferPageStore::change_new_page() {
  if (count_ >= kMaxChangePages) throw std::logic_error("too many pages in one change");
  Buffer buffer = InvalidBuffer;
  pg_call([&] {
    // The extension lock orders concurrent extensions; the page is locked before others can
    // find it (readers of a not-yet-initialised page see an all-zero page and skip it).
    LockRelationForExtension(index_, ExclusiveLock);
    if (fork_ == MAIN_FORKNUM) {
      const BlockNumber blocks = RelationGetNumberOfBlocksInFork(index_, fork_);
      if (size_quota_exceeded(blocks + 1)) {
        UnlockRelationForExtension(index_, ExclusiveLock);
        check_size_quota(index_, blocks + 1);
      }
    }
    buffer = ReadBufferExtended(index_, fork_, P_NEW, RBM_NORMAL, nullptr);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    UnlockRelationForExtension(index_, ExclusiveLock);
  });
  return add_to_change(buffer, true);
}

void BufferPageStore::check_vector_quota(uint64_t would_hold) {
  pg_call([&] { vectorx::pg::check_vector_quota(index_, would_hold); });
}

// A bulk build's pages get their holes once, in log_all_pages (a build commits a change per
// row, and finding a page's zeros reads the whole page); a build that writes no WAL needs none.
void BufferPageStore::change_commit() {
  if (mode_ == Mode::kBulk) {
    for (int i = 0; i < count_; ++i) MarkBufferDirty(buffers_[i]);
  } else {
    for (int i = 0; i < count_; ++i) mark_zero_hole(pages_[i]);
    write_images();
  }
  release_change_buffers();
}

// Copies the edited images into their buffers and logs them as one generic WAL record, as
// GenericXLogFinish would, but with each page's delta found 8 bytes at a time (page_delta.h):
// GenericXLogFinish compares a page byte by byte, and an hnsw insert changes about 17 full pages.
// A fresh page, or one whose delta would not be smaller, is logged as a full image.
void BufferPageStore::write_images() {
  const bool logged = RelationNeedsWAL(index_);
  size_t delta_length[kMaxChangePages];
  for (int i = 0; i < count_ && logged; ++i)
    delta_length[i] = fresh_[i] ? SIZE_MAX
                                : page_delta(version_of(BufferGetPage(buffers_[i])), version_of(pages_[i]), BLCKSZ,
                                             change_space.delta[i], BLCKSZ);
  pg_call([&] {
    if (logged) XLogBeginInsert();
    START_CRIT_SECTION();
    for (int i = 0; i < count_; ++i) {
      memcpy(BufferGetPage(buffers_[i]), pages_[i], BLCKSZ);
      MarkBufferDirty(buffers_[i]);
      if (!logged) continue;
      if (delta_length[i] == SIZE_MAX) {
        XLogRegisterBuffer(i, buffers_[i], REGBUF_FORCE_IMAGE | REGBUF_STANDARD);
      } else {
        XLogRegisterBuffer(i, buffers_[i], REGBUF_STANDARD);
        XLogRegisterBufData(i, reinterpret_cast<char*>(change_space.delta[i]), delta_length[i]);
      }
    }
    if (logged) {
      const XLogRecPtr lsn = XLogInsert(RM_GENERIC_ID, 0);
      for (int i = 0; i < count_; ++i) set_lsn(BufferGetPage(buffers_[i]), lsn);
    }
    END_CRIT_SECTION();
  });
}

void BufferPageStore::change_abort() noexcept { release_change_buffers(); }

void BufferPageStore::release_change_buffers() noexcept {
  for (int i = 0; i < count_; ++i) UnlockReleaseBuffer(buffers_[i]);
  count_ = 0;
  in_change_ = false;
  if (change_space.user == this) change_space.user = nullptr;
}

void BufferPageStore::check_interrupts() {
  pg_call([&] {
    if (mode_ == Mode::kVacuum) vacuum_delay_point();
    CHECK_FOR_INTERRUPTS();
  });
}

void BufferPageStore::log_all_pages() {
  pg_call([&] {
    const BlockNumber blocks = RelationGetNumberOfBlocksInFork(index_, fork_);
    if (mode_ == Mode::kBulk) {
      for (BlockNumber block = 0; block < blocks; ++block) {
        CHECK_FOR_INTERRUPTS();
        const Buffer buffer = ReadBufferExtended(index_, fork_, block, RBM_NORMAL, nullptr);
        LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
        mark_zero_hole(BufferGetPage(buffer));
        MarkBufferDirty(buffer);
        UnlockReleaseBuffer(buffer);
      }
    }
    log_newpage_range(index_, fork_, 0, blocks, true);
  });
}

}  // namespace vectorx::pg
