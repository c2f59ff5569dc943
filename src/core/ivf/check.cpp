// Structural check of an ivfflat or ivfpq index (ivf/check.h).
//
// Directory and codebook pages have their kinds; every list's slot is empty or points into
// the data pages; each chain is followed with a step bound, every page on it is a data page
// owned by this list alone, holds no more entries than fit, and the insert page lies on it;
// entries carry plausible heap TIDs and known flags; no data page is outside every list; the
// meta page's entry count matches the pages.
#include <cstring>
#include <string>
#include <unordered_map>

#include "vectorx/errors.h"
#include "vectorx/ivf/check.h"
#include "vectorx/ivf/index.h"

namespace vectorx {
namespace {

using namespace vectorx::ivf;

class IvfChecker {
 public:
  explicit IvfChecker(PageStore& store) : store_(store) {}

  CheckReport run() {
    try {
      IvfIndex index(store_);
      meta_ = index.meta();
      layout_ = std::make_unique<EntryLayout>(index.layout());
    } catch (const CorruptIndex& e) {
      problem(kMetaBlock, -1, e.what());
      return std::move(report_);
    }
    blocks_ = store_.block_count();
    first_data_ = kFirstDirectoryBlock + meta_.directory_pages + meta_.codebook_pages;
    if (first_data_ > blocks_) {
      problem(kMetaBlock, -1, "directory and codebooks need " + std::to_string(first_data_) + " blocks, the index has " +
                                  std::to_string(blocks_));
      return std::move(report_);
    }
    for (uint32_t b = kFirstDirectoryBlock; b < first_data_; ++b)
      expect_kind(b, b < kFirstDirectoryBlock + meta_.directory_pages ? PageKind::kDirectory : PageKind::kCodebook);
    for (uint32_t list = 0; list < meta_.lists; ++list) check_list(list);
    for (uint32_t b = first_data_; b < blocks_; ++b) check_owned(b);
    if (meta_.vectors != entries_)
      problem(kMetaBlock, -1, "meta page counts " + std::to_string(meta_.vectors) + " entries, the lists hold " +
                                  std::to_string(entries_));
    return std::move(report_);
  }

 private:
  void problem(uint32_t block, int item, std::string what) { report_.problems.push_back({block, item, std::move(what)}); }

  bool expect_kind(uint32_t block, PageKind kind) {
    ReadPage page(store_, block);
    const uint16_t found = page_header(page.data())->kind;
    if (found == static_cast<uint16_t>(kind)) return true;
    problem(block, -1, "page of kind " + std::to_string(found) + " where a " +
                           (kind == PageKind::kDirectory ? "directory" : kind == PageKind::kCodebook ? "codebook" : "data") +
                           " page belongs");
    return false;
  }

  ListSlot slot(uint32_t list, uint32_t* block) {
    const size_t per_page = slots_per_page(store_.page_size(), meta_.centre_bytes);
    *block = static_cast<uint32_t>(kFirstDirectoryBlock + list / per_page);
    ReadPage page(store_, *block);
    ListSlot s;
    std::memcpy(&s, page.data() + sizeof(PageHeader) + (list % per_page) * slot_size(meta_.centre_bytes), sizeof s);
    return s;
  }

  bool in_data_range(uint32_t block) const { return block >= first_data_ && block < blocks_; }

  void check_list(uint32_t list) {
    store_.check_interrupts();
    uint32_t directory_block;
    const ListSlot s = slot(list, &directory_block);
    const std::string name = "list " + std::to_string(list);
    if (s.head == kInvalidBlock && s.insert == kInvalidBlock) return;
    if (!in_data_range(s.head) || !in_data_range(s.insert)) {
      problem(directory_block, -1, name + " points at blocks " + std::to_string(s.head) + " and " +
                                       std::to_string(s.insert) + ", outside the data pages");
      return;
    }
    bool insert_seen = false;
    uint32_t block = s.head, from = directory_block;  // `from` holds the link to `block`
    while (block != kInvalidBlock) {
      if (!in_data_range(block)) {
        problem(from, -1, name + "'s chain links to block " + std::to_string(block) + ", outside the data pages");
        return;
      }
      const auto [owner, fresh] = owner_.emplace(block, list);
      if (!fresh) {
        problem(from, -1, name + "'s chain links to block " + std::to_string(block) +
                              (owner->second == list ? " again (a loop)" : " of list " + std::to_string(owner->second)));
        return;
      }
      insert_seen |= block == s.insert;
      const uint32_t next = check_data_page(block, name);
      if (next == kBrokenPage) return;
      from = block;
      block = next;
    }
    if (!insert_seen) problem(directory_block, -1, name + "'s insert page " + std::to_string(s.insert) + " is not on its chain");
  }

  static constexpr uint32_t kBrokenPage = kInvalidBlock - 1;

  // Checks a data page's entries; returns its `next`, or kBrokenPage to stop the chain.
  uint32_t check_data_page(uint32_t block, const std::string& list_name) {
    ReadPage page(store_, block);
    const PageHeader* h = page_header(page.data());
    if (h->kind != static_cast<uint16_t>(PageKind::kData)) {
      problem(block, -1, list_name + "'s chain reaches a page of kind " + std::to_string(h->kind));
      return kBrokenPage;
    }
    const long n = layout_->entries(page.data());
    if (n < 0) {
      problem(block, -1, "page claims " + std::to_string(h->item_count) + " entries, " +
                             std::to_string(layout_->capacity()) + " fit");
      return kBrokenPage;
    }
    const EntryHeader* headers = EntryLayout::headers(page.data());
    for (long i = 0; i < n; ++i) {
      const int item = static_cast<int>(i);
      if (headers[i].heap_offset == 0) problem(block, item, "entry has heap offset 0");
      if (headers[i].flags & ~static_cast<uint16_t>(kEntryDead)) problem(block, item, "entry has unknown flags");
      if (!(headers[i].flags & kEntryDead)) report_.heap.push_back({{headers[i].heap_block, headers[i].heap_offset}, block, item});
    }
    entries_ += static_cast<uint64_t>(n);
    return h->next;
  }

  void check_owned(uint32_t block) {
    if (owner_.count(block)) return;
    ReadPage page(store_, block);
    const PageHeader* h = page_header(page.data());
    if (h->kind == 0 && h->item_count == 0) return;  // added by an extension that never committed
    problem(block, -1, h->kind == static_cast<uint16_t>(PageKind::kData) ? "data page in no list"
                                                                          : "page of kind " + std::to_string(h->kind) +
                                                                                " among the data pages");
  }

  PageStore& store_;
  Meta meta_{};
  std::unique_ptr<EntryLayout> layout_;
  uint32_t blocks_ = 0, first_data_ = 0;
  uint64_t entries_ = 0;
  std::unordered_map<uint32_t, uint32_t> owner_;  // data page → list
  CheckReport report_;
};

}  // namespace

CheckReport check_ivf(PageStore& store) { return IvfChecker(store).run(); }

}  // namespace vectorx
