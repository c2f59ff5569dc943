// Structural check of an hnsw index (hnsw/check.h).
//
// Pass 1 reads every page once: page kinds and item directories, each element's header and
// lists (ElementRef::parse_problem), value tails, the inverse norm kept with a value held
// whole. Pass 2 checks what refers to what from memory: neighbour ids resolve to elements that
// exist, are not free and reach that level; lists hold no duplicates or self-links; tail
// chains are value tails, each in one chain only, holding what their element's value needs;
// rows chains are rows items in use, each in one chain only, and every live element has a heap
// row; the entry point is a top-level element; the meta page's count matches. (A tail no
// element refers to is not reported: a crash between writing tails and their element leaves
// one.)
#include <algorithm>
#include <string>
#include <unordered_map>

#include "vectorx/errors.h"
#include "vectorx/hnsw/page_graph.h"
#include "vectorx/hnsw/check.h"
#include "page_graph_internal.h"

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
  Id tail;                             // hnsw::kInvalidId: no tail chain
  size_t in_tails;                     // value bytes the chain must hold
  HeapTid own_row;
  Id rows;                             // hnsw::kInvalidId: no rows chain
};

struct Rows {
  Id owner;
  Id next;
  bool free;
  std::vector<HeapTid> rows;  // the slots that hold one
  bool claimed = false;       // some element's chain passes through it
};

struct Tail {
  Id next;
  size_t capacity;
  bool claimed = false;  // some element's chain passes through it
};

class HnswChecker {
 public:
  explicit HnswChecker(PageStore& store) : store_(store), page_size_(store.page_size()) {}

  CheckReport run() {
    try {
      hnsw::PageGraph graph(store_);
      m_ = graph.params().m;
      space_ = graph.space();
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
      if (hnsw::TailRef t; t.parse(page.data(), page_size_, item)) {
        if (item != 0) problem(block, item, "value tail is not its page's first item");
        tails_.emplace(hnsw::make_id(block, item), Tail{t.next(), t.capacity()});
        continue;
      }
      if (hnsw::RowsRef r; r.parse(page.data(), page_size_, item)) {
        Rows rows{r.owner(), r.next(), r.free(), {}};
        for (size_t i = 0; i < r.capacity(); ++i)
          if (hnsw::holds_row(r.rows()[i])) rows.rows.push_back(r.rows()[i]);
        rows_.emplace(hnsw::make_id(block, item), std::move(rows));
        continue;
      }
      hnsw::ElementRef e;
      if (const char* what = e.parse_problem(page.data(), page_size_, item, m_)) {
        problem(block, item, std::string("malformed element: ") + what);
        continue;
      }
      check_inverse_norm(block, item, e);
      Element el{e.header().flags, e.level(), {}, e.header().tail, e.header().value_len - e.head_length(),
                 e.heap_tid(), e.rows()};
      for (int level = 0; level <= e.level(); ++level) el.lists.emplace_back(e.ids(level), e.ids(level) + e.count(level));
      elements_.emplace(hnsw::make_id(block, item), std::move(el));
    }
  }

  // A wrong inverse norm would misorder searches without failing any (page_format.h).
  void check_inverse_norm(uint32_t block, int item, const hnsw::ElementRef& e) {
    const size_t length = e.header().value_len;
    // (payload_size is 0 for a malformed value: a stored length of 0 is one too)
    if (e.free() || !e.value_inline() || length == 0 || space_.payload_size(e.value(), length) != length) return;
    if (e.inverse_norm() != hnsw::stored_inverse_norm(space_, e.value()))
      problem(block, item, "stored inverse norm " + std::to_string(e.inverse_norm()) + " does not match the value");
  }

  void check_element(Id id, const Element& e) {
    const uint32_t block = hnsw::id_block(id);
    const int item = hnsw::id_item(id);
    check_tails(block, item, e);  // free items too: an insert reuses their chains
    if (e.flags & hnsw::kFree) return;  // a free item's lists and rows are stale by design
    check_rows(block, item, e);
    for (int level = 0; level <= e.level; ++level) {
      const std::vector<Id>& list = e.lists[static_cast<size_t>(level)];
      sorted_.assign(list.begin(), list.end());
      std::sort(sorted_.begin(), sorted_.end());
      const bool repeats = std::adjacent_find(sorted_.begin(), sorted_.end()) != sorted_.end();
      for (size_t i = 0; i < list.size(); ++i) {
        const Id n = list[i];
        const auto about = [&](const std::string& what) {
          problem(block, item, "level " + std::to_string(level) + " neighbour " + id_text(n) + what);
        };
        const auto it = elements_.find(n);
        if (n == id)
          about(" is the element itself");
        else if (repeats && std::find(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(i), n) != list.begin() + static_cast<std::ptrdiff_t>(i))
          about(" is listed twice");
        else if (it == elements_.end())
          about(" is not an element of the index");
        else if (it->second.flags & hnsw::kFree)
          about(" is a free item");
        else if (it->second.level < level)
          about(" has no level " + std::to_string(level));
      }
    }
  }

  // Calls f(item) for each item of the chain from `first` in `items` (tails_ or rows_), each
  // claimed on the way; a link to something else, or to an item claimed already, ends it (a
  // problem: false).
  template <class Items, class F>
  bool walk_chain(uint32_t block, int item, Id first, Items& items, const char* kind, F f) {
    for (Id at = first; at != hnsw::kInvalidId;) {
      const auto it = items.find(at);
      if (it == items.end()) {
        problem(block, item, std::string(kind) + " chain reaches " + id_text(at) + ", not a " + kind);
        return false;
      }
      if (it->second.claimed) {
        problem(block, item, std::string(kind) + " " + id_text(at) + " is in another chain too (or in a cycle)");
        return false;
      }
      it->second.claimed = true;
      f(at, it->second);
      at = it->second.next;
    }
    return true;
  }

  void check_tails(uint32_t block, int item, const Element& e) {
    size_t held = 0;
    const bool whole = walk_chain(block, item, e.tail, tails_, "value tail", [&](Id, const Tail& t) { held += t.capacity; });
    if (whole && held < e.in_tails)
      problem(block, item, "value tail chain holds " + std::to_string(held) + " of the value's " +
                               std::to_string(e.in_tails) + " bytes beyond the element");
  }

  // The element's rows chain; a live element's rows go to the report for the heap check.
  void check_rows(uint32_t block, int item, const Element& e) {
    const bool live = !(e.flags & hnsw::kDead);
    size_t held = 0;
    if (hnsw::holds_row(e.own_row)) {
      ++held;
      if (live) report_.heap.push_back({e.own_row, block, item});
    }
    walk_chain(block, item, e.rows, rows_, "rows item", [&](Id at, const Rows& r) {
      if (r.free) problem(block, item, "rows chain passes through free rows item " + id_text(at));
      if (r.owner != hnsw::make_id(block, item))
        problem(block, item, "rows item " + id_text(at) + " in its chain belongs to " + id_text(r.owner));
      held += r.rows.size();
      if (live)
        for (const HeapTid& tid : r.rows) report_.heap.push_back({tid, block, item});
    });
    if (live && held == 0) problem(block, item, "live element holds no heap row");
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
  Space space_{ElementKind::kFloat32, Metric::kL2, 1};
  uint32_t blocks_ = 0;
  hnsw::EntryPoint<Id> entry_;
  uint64_t counted_ = 0;
  std::unordered_map<Id, Element> elements_;
  std::unordered_map<Id, Tail> tails_;
  std::unordered_map<Id, Rows> rows_;
  std::vector<Id> sorted_;  // one list, sorted: finds repeated neighbours
  CheckReport report_;
};

}  // namespace

CheckReport check_hnsw(PageStore& store) { return HnswChecker(store).run(); }

}  // namespace vectorx
