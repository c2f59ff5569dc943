// Structural check of an hnsw index (index_check.h).
//
// Pass 1 reads every page once: page kinds and item directories, each element's header and
// lists (ElementRef::parse_problem), overflow pages. Pass 2 checks what refers to what from
// memory: neighbour ids resolve to elements that exist, are not free and reach that level;
// lists hold no duplicates or self-links; overflow chains are overflow pages of the right
// length; the entry point is a top-level element; the meta page's count matches.
#include <algorithm>
#include <set>
#include <string>
#include <unordered_map>

#include "vectorx/errors.h"
#include "vectorx/hnsw/page_graph.h"
#include "vectorx/index_check.h"

namespace vectorx {
namespace {

using hnsw::Id;

std::string id_text(Id id) {
  return "(" + std::to_string(hnsw::id_block(id)) + "," + std::to_string(hnsw::id_item(id)) + ")";
}

struct Element {
  uint8_t flags;
  int level;
  std::vector<std::vector<Id>> lists;  // per level
  uint32_t overflow;                   // kInvalidBlock: value inline
  uint32_t value_len;
};

class HnswChecker {
 public:
  explicit HnswChecker(PageStore& store) : store_(store), page_size_(store.page_size()) {}

  CheckReport run() {
    try {
      hnsw::PageGraph graph(store_);
      m_ = graph.params().m;
      entry_ = graph.entry_point();
      counted_ = graph.vectors();
    } catch (const CorruptIndex& e) {
      problem(hnsw::kMetaBlock, -1, e.what());
      return std::move(report_);
    }
    blocks_ = store_.block_count();
    for (uint32_t block = 1; block < blocks_; ++block) read_page(block);
    for (const auto& [id, e] : elements_) check_element(id, e);
    check_entry_and_count();
    return std::move(report_);
  }

 private:
  void problem(uint32_t block, int item, std::string what) { report_.problems.push_back({block, item, std::move(what)}); }

  void read_page(uint32_t block) {
    store_.check_interrupts();
    ReadPage page(store_, block);
    const PageHeader* h = page_header(page.data());
    if (h->kind == static_cast<uint16_t>(hnsw::PageKind::kOverflow)) {
      overflow_next_[block] = h->next;
      return;
    }
    if (h->kind == 0 && h->item_count == 0) return;  // a page added by an extension that never committed
    if (h->kind != static_cast<uint16_t>(hnsw::PageKind::kElements)) {
      problem(block, -1, "page of unknown kind " + std::to_string(h->kind));
      return;
    }
    const size_t directory_end = sizeof(PageHeader) + sizeof(ItemEntry) * h->item_count;
    if (directory_end > page_size_ || h->lower != directory_end || h->lower > h->upper || h->upper > page_size_) {
      problem(block, -1, "item directory out of bounds (" + std::to_string(h->item_count) + " items, lower " +
                             std::to_string(h->lower) + ", upper " + std::to_string(h->upper) + ")");
      return;
    }
    for (int item = 0; item < h->item_count; ++item) {
      hnsw::ElementRef e;
      if (const char* what = e.parse_problem(page.data(), page_size_, item, m_)) {
        problem(block, item, std::string("malformed element: ") + what);
        continue;
      }
      Element el{e.header().flags, e.level(), {}, e.header().overflow, e.header().value_len};
      for (int level = 0; level <= e.level(); ++level) el.lists.emplace_back(e.ids(level), e.ids(level) + e.count(level));
      if (!e.dead()) report_.heap.push_back({e.heap_tid(), block, item});
      elements_.emplace(hnsw::make_id(block, item), std::move(el));
    }
  }

  void check_element(Id id, const Element& e) {
    if (e.flags & hnsw::kFree) return;  // a free item's lists are stale by design
    const uint32_t block = hnsw::id_block(id);
    const int item = hnsw::id_item(id);
    for (int level = 0; level <= e.level; ++level) {
      std::set<Id> seen;
      for (Id n : e.lists[static_cast<size_t>(level)]) {
        const std::string where = "level " + std::to_string(level) + " neighbour " + id_text(n);
        const auto it = elements_.find(n);
        if (n == id)
          problem(block, item, where + " is the element itself");
        else if (!seen.insert(n).second)
          problem(block, item, where + " is listed twice");
        else if (it == elements_.end())
          problem(block, item, where + " is not an element of the index");
        else if (it->second.flags & hnsw::kFree)
          problem(block, item, where + " is a free item");
        else if (it->second.level < level)
          problem(block, item, where + " has no level " + std::to_string(level));
      }
    }
    if (e.overflow != kInvalidBlock) check_overflow(block, item, e);
  }

  void check_overflow(uint32_t block, int item, const Element& e) {
    const size_t cap = hnsw::overflow_capacity(page_size_);
    const size_t pages = (e.value_len + cap - 1) / cap;
    uint32_t at = e.overflow;
    for (size_t i = 0; i < pages; ++i) {
      const auto it = overflow_next_.find(at);
      if (it == overflow_next_.end()) {
        problem(block, item, "overflow chain reaches block " + std::to_string(at) + ", not an overflow page");
        return;
      }
      at = it->second;
    }
  }

  void check_entry_and_count() {
    int top = -1;
    uint64_t not_free = 0;
    for (const auto& [id, e] : elements_) {
      if (e.flags & hnsw::kFree) continue;
      ++not_free;
      if (!(e.flags & hnsw::kDead)) top = std::max(top, e.level);
    }
    if (entry_.level < 0) {
      if (top >= 0) problem(hnsw::kMetaBlock, -1, "no entry point, but live elements exist");
    } else {
      const auto it = elements_.find(entry_.id);
      if (it == elements_.end() || (it->second.flags & hnsw::kFree))
        problem(hnsw::kMetaBlock, -1, "entry point " + id_text(entry_.id) + " is not an element in use");
      else if (it->second.level != entry_.level)
        problem(hnsw::kMetaBlock, -1, "entry point " + id_text(entry_.id) + " has level " +
                                          std::to_string(it->second.level) + ", the meta page says " +
                                          std::to_string(entry_.level));
      if (top > entry_.level)
        problem(hnsw::kMetaBlock, -1, "an element reaches level " + std::to_string(top) + ", above the entry point's " +
                                          std::to_string(entry_.level));
    }
    if (counted_ != not_free)
      problem(hnsw::kMetaBlock, -1, "meta page counts " + std::to_string(counted_) + " vectors, the pages hold " +
                                        std::to_string(not_free));
  }

  PageStore& store_;
  size_t page_size_;
  int m_ = 0;
  uint32_t blocks_ = 0;
  hnsw::EntryPoint<Id> entry_;
  uint64_t counted_ = 0;
  std::unordered_map<Id, Element> elements_;
  std::unordered_map<uint32_t, uint32_t> overflow_next_;
  CheckReport report_;
};

}  // namespace

CheckReport check_hnsw(PageStore& store) { return HnswChecker(store).run(); }

}  // namespace vectorx
