// In-memory PageStore (page_store.h): changes edit copies and land on commit, as with WAL.
#include <stdexcept>
#include <string>

#include "vectorx/errors.h"
#include "vectorx/page_store.h"

#include <string>

#include "vectorx/errors.h"

namespace vectorx {

PageRef MemoryPageStore::lock_shared(uint32_t block) {
  if (block >= pages_.size()) throw std::out_of_range("block beyond the end of the store");
  ++shared_held_;
  return {block, pages_[block].data(), 0};
}

void MemoryPageStore::unlock_shared(PageRef&) noexcept { --shared_held_; }

const uint8_t* MemoryPageStore::peek(uint32_t block) noexcept {
  return block < pages_.size() ? pages_[block].data() : nullptr;
}

void MemoryPageStore::change_begin() {
  if (in_change_) throw std::logic_error("nested change");
  in_change_ = true;
  pending_.reserve(kMaxChangePages);
}

PageRef MemoryPageStore::change_page(uint32_t block) {
  if (!in_change_) throw std::logic_error("page changed outside a change");
  for (auto& p : pending_)
    if (p.block == block) return {block, p.copy.data(), 0};
  if (block >= pages_.size()) throw std::out_of_range("block beyond the end of the store");
  if (pending_.size() >= kMaxChangePages) throw std::logic_error("too many pages in one change");
  pending_.push_back({block, pages_[block]});
  return {block, pending_.back().copy.data(), 0};
}

PageRef MemoryPageStore::change_new_page() {
  if (!in_change_) throw std::logic_error("page added outside a change");
  if (pending_.size() >= kMaxChangePages) throw std::logic_error("too many pages in one change");
  // Like a relation extension, the new block exists at once (zeroed) even if the change aborts.
  pages_.emplace_back(page_size_, 0);
  const auto block = static_cast<uint32_t>(pages_.size() - 1);
  pending_.push_back({block, pages_[block]});
  return {block, pending_.back().copy.data(), 0};
}

void MemoryPageStore::check_vector_quota(uint64_t would_hold) {
  if (max_vectors_ > 0 && would_hold > max_vectors_)
    throw InputError(ErrorKind::kProgramLimit, "vector quota exceeded",
                     "limit " + std::to_string(max_vectors_) + ", would hold " + std::to_string(would_hold));
}

void MemoryPageStore::change_commit() {
  for (auto& p : pending_) pages_[p.block] = std::move(p.copy);
  pending_.clear();
  in_change_ = false;
}

void MemoryPageStore::change_abort() noexcept {
  pending_.clear();
  in_change_ = false;
}

}  // namespace vectorx
