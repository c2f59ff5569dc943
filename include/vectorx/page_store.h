// Pages as the index algorithms see them: fixed-size byte areas addressed by block number,
// read under a shared lock and changed in small atomic groups. The Postgres layer implements
// this on shared buffers with generic WAL (one WAL record per change); MemoryPageStore
// implements it in memory so page layouts and index logic are unit-tested without a server.
//
// Rules for users of a store: hold at most one ReadPage at a time while a Change is open on
// another page (page locks are taken one at a time, except inside one Change, which locks its
// pages in the order they are added and releases them together).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace vectorx {

constexpr uint32_t kInvalidBlock = 0xFFFFFFFFu;

struct PageRef {
  uint32_t block = kInvalidBlock;
  uint8_t* data = nullptr;  // page_size() bytes
  uintptr_t token = 0;      // the store's own handle
};

class PageStore {
 public:
  // Most pages one Change may hold (Postgres' generic WAL limit).
  static constexpr int kMaxChangePages = 4;

  virtual ~PageStore() = default;
  virtual size_t page_size() const = 0;
  virtual uint32_t block_count() = 0;
  // Blocks known to exist without asking (at most block_count(); 0 when unknown): a store
  // that remembers the length it last saw saves the system call block_count() may make.
  virtual uint32_t blocks_known() noexcept { return 0; }
  // A count of blocks known to exist that covers `block` when the index has it: `known`
  // when it does already, else blocks_known() if that does, else block_count().
  uint32_t known_blocks_through(uint32_t block, uint32_t known) {
    if (block < known) return known;
    known = std::max(known, blocks_known());
    return block < known ? known : block_count();
  }
  bool has_block(uint32_t block) { return block < known_blocks_through(block, 0); }

  virtual PageRef lock_shared(uint32_t block) = 0;
  virtual void unlock_shared(PageRef& page) noexcept = 0;
  // Where `block` probably sits in memory right now, for prefetching only: without a lock the
  // bytes may change or belong to another block by the time they are read (nullptr: unknown).
  virtual const uint8_t* peek(uint32_t block) noexcept = 0;

  // A change: pages locked exclusively, edited in place through PageRef::data, then written
  // (and WAL-logged) together by commit, or discarded by abort.
  virtual void change_begin() = 0;
  virtual PageRef change_page(uint32_t block) = 0;
  // Appends a zero-filled page to the relation and adds it to the change.
  virtual PageRef change_new_page() = 0;
  virtual void change_commit() = 0;
  virtual void change_abort() noexcept = 0;

  // A point where long loops may be cancelled (throws to unwind).
  virtual void check_interrupts() {}
  // Called inside a Change, before it commits, with the number of vectors the index would
  // hold after it; a store with a vector quota throws when that is over it (the change is
  // then discarded). Page quotas are the store's own business, at change_new_page.
  virtual void check_vector_quota(uint64_t would_hold) { (void)would_hold; }
};

// RAII shared lock on one page.
class ReadPage {
 public:
  ReadPage(PageStore& store, uint32_t block) : store_(store), ref_(store.lock_shared(block)) {}
  ~ReadPage() { store_.unlock_shared(ref_); }
  ReadPage(const ReadPage&) = delete;
  ReadPage& operator=(const ReadPage&) = delete;
  const uint8_t* data() const { return ref_.data; }
  uint32_t block() const { return ref_.block; }

 private:
  PageStore& store_;
  PageRef ref_;
};

// RAII change: aborted unless committed.
class Change {
 public:
  explicit Change(PageStore& store) : store_(store) { store_.change_begin(); }
  ~Change() {
    if (open_) store_.change_abort();
  }
  Change(const Change&) = delete;
  Change& operator=(const Change&) = delete;
  uint8_t* page(uint32_t block) { return store_.change_page(block).data; }
  PageRef new_page() { return store_.change_new_page(); }
  void commit() {
    open_ = false;
    store_.change_commit();
  }

 private:
  PageStore& store_;
  bool open_ = true;
};

// Pages in process memory; counts accesses so tests can check locking discipline.
class MemoryPageStore : public PageStore {
 public:
  explicit MemoryPageStore(size_t page_size = 8160) : page_size_(page_size) {}

  size_t page_size() const override { return page_size_; }
  uint32_t block_count() override { return static_cast<uint32_t>(pages_.size()); }
  PageRef lock_shared(uint32_t block) override;
  void unlock_shared(PageRef& page) noexcept override;
  const uint8_t* peek(uint32_t block) noexcept override;
  void change_begin() override;
  PageRef change_page(uint32_t block) override;
  PageRef change_new_page() override;
  void change_commit() override;
  void change_abort() noexcept override;

  size_t shared_locks_held() const { return shared_held_; }
  // Raw access for tests that corrupt or inspect pages.
  uint8_t* raw(uint32_t block) { return pages_.at(block).data(); }
  const uint8_t* raw(uint32_t block) const { return pages_.at(block).data(); }
  // A vector quota (0: none), enforced like the Postgres layer's.
  void set_max_vectors(uint64_t max) { max_vectors_ = max; }
  void check_vector_quota(uint64_t would_hold) override;

 private:
  struct Pending {
    uint32_t block;
    std::vector<uint8_t> copy;
  };
  size_t page_size_;
  std::vector<std::vector<uint8_t>> pages_;
  std::vector<Pending> pending_;
  bool in_change_ = false;
  size_t shared_held_ = 0;
  uint64_t max_vectors_ = 0;
};

}  // namespace vectorx
