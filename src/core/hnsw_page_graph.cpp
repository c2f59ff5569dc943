// HNSW over pages (page_graph.h); layout and locking rules in page_format.h.
#include "vectorx/hnsw/page_graph.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "vectorx/errors.h"
#include "vectorx/hnsw/reachability.h"

namespace vectorx::hnsw {
namespace {

constexpr size_t kMaxList = 2 * 100;  // 2m with m's upper bound
constexpr int kBackLinkRetries = 8;
constexpr double kUnreachable = std::numeric_limits<double>::infinity();
// Prefetching while a neighbour list is evaluated: how many elements ahead of their turn
// (1 to 3 measured alike on fashion-mnist; 4 is slower).
constexpr size_t kPrefetchAhead = 2;

// Visited ids with what the search learnt about them, in an open-addressing table cleared in
// O(1) by bumping an epoch.
class VisitedTable {
 public:
  struct Slot {
    Id id;
    uint32_t epoch;
    HeapTid tid;
    uint8_t flags;  // kDead / kFree as read; kUnusable when the id did not resolve
    bool expanded;
  };
  static constexpr uint8_t kUnusable = 0x80;

  VisitedTable() : slots_(1024) {}

  // The slot of `id`, inserted if absent (`inserted` tells which).
  Slot* find_or_insert(Id id, bool* inserted) {
    if ((count_ + 1) * 2 > slots_.size()) grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash(id) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.epoch != epoch_) {
        s = Slot{id, epoch_, {}, 0, false};
        ++count_;
        *inserted = true;
        return &s;
      }
      if (s.id == id) {
        *inserted = false;
        return &s;
      }
    }
  }
  Slot* find(Id id) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash(id) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.epoch != epoch_) return nullptr;
      if (s.id == id) return &s;
    }
  }
  void clear() {
    count_ = 0;
    if (++epoch_ == 0) {
      for (auto& s : slots_) s.epoch = 0;
      epoch_ = 1;
    }
  }
  size_t size() const { return count_; }
  size_t memory_bytes() const { return slots_.size() * sizeof(Slot); }

 private:
  static size_t hash(Id id) { return (static_cast<uint64_t>(id) * 0x9E3779B97F4A7C15ull) >> 20; }
  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    const uint32_t live_epoch = epoch_;
    count_ = 0;
    epoch_ = 1;
    for (auto& s : slots_) s.epoch = 0;
    for (const Slot& s : old)
      if (s.epoch == live_epoch) {
        bool inserted;
        *find_or_insert(s.id, &inserted) = Slot{s.id, epoch_, s.tid, s.flags, s.expanded};
      }
  }

  std::vector<Slot> slots_;
  uint32_t epoch_ = 1;
  size_t count_ = 0;
};

template <class T>
void heap_push_min(std::vector<T>& h, const T& x) {
  h.push_back(x);
  std::push_heap(h.begin(), h.end(), std::greater<T>());
}
template <class T>
T heap_pop_min(std::vector<T>& h) {
  std::pop_heap(h.begin(), h.end(), std::greater<T>());
  T x = h.back();
  h.pop_back();
  return x;
}
template <class T>
void heap_push_max(std::vector<T>& h, const T& x) {
  h.push_back(x);
  std::push_heap(h.begin(), h.end());
}
template <class T>
T heap_pop_max(std::vector<T>& h) {
  std::pop_heap(h.begin(), h.end());
  T x = h.back();
  h.pop_back();
  return x;
}

}  // namespace

// The Graph interface of algorithm.h over pages, for one search or insert at a time.
class PageGraph::View {
 public:
  using Id = hnsw::Id;
  using Slot = VisitedTable::Slot;

  explicit View(PageGraph& g) : g_(g), store_(g.store_), page_size_(store_.page_size()) {}

  void set_query(const uint8_t* query) {
    query_ = query;
    cached_id_ = kInvalidId;
  }

  // Runs f(element) under a shared lock on its page; false when `id` does not resolve to an
  // element (stale or corrupt ids are skipped, never trusted).
  template <class F>
  bool with_element(Id id, F f) {
    const uint32_t block = id_block(id);
    if (block == kMetaBlock || id == kInvalidId) return false;
    if (block >= known_blocks_) {
      known_blocks_ = store_.block_count();
      if (block >= known_blocks_) return false;
    }
    ReadPage page(store_, block);
    ElementRef e;
    if (!e.parse(page.data(), page_size_, id_item(id), g_.params_.m)) return false;
    f(e);
    return true;
  }

  // Runs f(payload) for element `id`'s value, reading its overflow chain when it has one.
  template <class F>
  bool with_value(Id id, Slot* info, F f) {
    uint32_t overflow = kInvalidBlock;
    size_t length = 0;
    bool done = false, valid = true;
    const bool found = with_element(id, [&](const ElementRef& e) {
      if (info) {
        info->tid = e.heap_tid();
        info->flags = e.header().flags;
      }
      length = e.header().value_len;
      if (!e.value_inline()) {
        overflow = e.header().overflow;
        return;
      }
      valid = g_.space_.payload_size(e.value(), length) == length;
      if (valid) f(e.value());
      done = true;
    });
    if (!found || !valid) return false;
    if (done) return true;
    if (!read_overflow(overflow, length, scratch_)) return false;
    if (g_.space_.payload_size(scratch_.data(), length) != length) return false;
    f(scratch_.data());
    return true;
  }

  // Copies a value held in overflow pages; false when the chain is broken.
  bool read_overflow(uint32_t block, size_t length, std::vector<uint8_t>& out) {
    out.resize(length);
    const size_t cap = overflow_capacity(page_size_);
    for (size_t done = 0; done < length;) {
      if (block == kInvalidBlock || block == kMetaBlock || block >= store_.block_count()) return false;
      ReadPage page(store_, block);
      const PageHeader* h = page_header(page.data());
      if (h->kind != static_cast<uint16_t>(PageKind::kOverflow)) return false;
      const size_t n = std::min(cap, length - done);
      std::memcpy(out.data() + done, page.data() + sizeof(PageHeader), n);
      done += n;
      block = h->next;
    }
    return true;
  }

  double query_distance(Id id) {
    Slot* info = (last_ && last_->id == id) ? last_ : visited_.find(id);
    double key = kUnreachable;
    if (!with_value(id, info, [&](const uint8_t* v) { key = g_.space_.key(query_, v); }) && info)
      info->flags = VisitedTable::kUnusable;
    return key;
  }

  double distance(Id a, Id b) {
    if (cached_id_ != a) {
      cached_id_ = kInvalidId;
      if (!with_value(a, nullptr, [&](const uint8_t* v) {
            const size_t len = g_.space_.payload_size(v, std::numeric_limits<size_t>::max());
            cached_.assign(v, v + len);
          }))
        return kUnreachable;
      cached_id_ = a;
    }
    double key = kUnreachable;
    with_value(b, nullptr, [&](const uint8_t* v) { key = g_.space_.key(cached_.data(), v); });
    return key;
  }

  bool linkable(Id id) {
    const Slot* s = visited_.find(id);
    return s && !(s->flags & (kDead | kFree | VisitedTable::kUnusable));
  }

  size_t copy_list(Id n, int level, Id* out) {
    size_t count = 0;
    with_element(n, [&](const ElementRef& e) {
      if (level > e.level()) return;
      count = e.count(level);
      std::memcpy(out, e.ids(level), count * sizeof(Id));
    });
    return count;
  }

  // Calls f for each of n's neighbours. Those not visited yet are about to be read, so their
  // memory is prefetched (as hnswlib does): every directory line first, then each element a
  // few neighbours ahead of its turn, once its directory entry has had time to arrive.
  template <class F>
  void for_each_neighbor(Id n, int level, F f) {
    Id copy[kMaxList], fresh[kMaxList];
    const size_t count = copy_list(n, level, copy);
    size_t fresh_count = 0;
    for (size_t i = 0; i < count; ++i)
      if (!visited_.find(copy[i])) {
        fresh[fresh_count++] = copy[i];
        prefetch_directory(copy[i]);
      }
    for (size_t j = 0; j < kPrefetchAhead && j < fresh_count; ++j) prefetch_element(fresh[j]);
    size_t next_fresh = 0;
    for (size_t i = 0; i < count; ++i) {
      if (next_fresh < fresh_count && fresh[next_fresh] == copy[i] && ++next_fresh + kPrefetchAhead <= fresh_count)
        prefetch_element(fresh[next_fresh + kPrefetchAhead - 1]);
      f(copy[i]);
    }
  }

  void prefetch_directory(Id id) {
    if (const uint8_t* page = store_.peek(id_block(id)))
      __builtin_prefetch(page + sizeof(PageHeader) + sizeof(ItemEntry) * (id_item(id) % kMaxItemsPerPage));
  }

  // The whole item (value included: prefetching only its first 512 bytes measured 20% slower
  // on 784 dims). Reads the directory entry without a lock: it only chooses what to prefetch.
  void prefetch_element(Id id) {
    const uint8_t* page = store_.peek(id_block(id));
    if (!page) return;
    ItemEntry entry;
    std::memcpy(&entry, page + sizeof(PageHeader) + sizeof(ItemEntry) * (id_item(id) % kMaxItemsPerPage), sizeof entry);
    const size_t end = std::min<size_t>(size_t{entry.offset} + entry.length, page_size_);
    for (size_t at = entry.offset; at < end; at += 64) __builtin_prefetch(page + at);
  }

  // Writes n's list at `level` if it still equals `expected` (nullptr: unconditionally);
  // false when it changed meanwhile or n no longer resolves.
  bool write_list(Id n, int level, const std::vector<Id>& ids, const std::vector<Id>* expected) {
    Change change(store_);
    uint8_t* page = change.page(id_block(n));
    ElementRef e;
    if (!e.parse(page, page_size_, id_item(n), g_.params_.m) || level > e.level()) return false;
    if (expected && !std::equal(expected->begin(), expected->end(), e.ids(level), e.ids(level) + e.count(level)))
      return false;
    e.set_list(level, ids.data(), ids.size());
    change.commit();
    return true;
  }

  void set_neighbors(Id n, int level, const std::vector<Id>& ids) { write_list(n, level, ids, nullptr); }

  // Read, compute without locks, write if unchanged; retried a few times under contention
  // (a back-link that keeps losing is dropped: the graph stays valid, one edge poorer).
  template <class F>
  void update_neighbors(Id n, int level, F f) {
    for (int attempt = 0; attempt < kBackLinkRetries; ++attempt) {
      Id copy[kMaxList];
      const std::vector<Id> current(copy, copy + copy_list(n, level, copy));
      const std::vector<Id> next = f(current);
      if (next == current || write_list(n, level, next, &current)) return;
    }
  }

  bool insert(Id id) {
    bool inserted;
    last_ = visited_.find_or_insert(id, &inserted);
    return inserted;
  }
  void clear() {
    visited_.clear();
    last_ = nullptr;
  }
  VisitedTable& visited() { return visited_; }

 private:
  PageGraph& g_;
  PageStore& store_;
  size_t page_size_;
  uint32_t known_blocks_ = 0;
  const uint8_t* query_ = nullptr;
  VisitedTable visited_;
  Slot* last_ = nullptr;
  std::vector<uint8_t> scratch_;
  std::vector<uint8_t> cached_;
  Id cached_id_ = kInvalidId;
};

// ---- opening, creating, writing ----

namespace {

Meta make_meta(const Space& space, const Params& params) {
  Meta m{};
  m.magic = kMagic;
  m.version = kFormatVersion;
  m.element_kind = static_cast<uint8_t>(space.kind());
  m.metric = static_cast<uint8_t>(space.metric());
  m.m = static_cast<uint16_t>(params.m);
  m.ef_construction = static_cast<uint16_t>(params.ef_construction);
  m.dim = space.dim();
  m.entry = kInvalidId;
  m.entry_level = -1;
  m.insert_hint = 1;
  return m;
}

void write_meta_page(PageStore& store, const Meta& meta) {
  Change change(store);
  PageRef page = change.new_page();
  if (page.block != kMetaBlock) throw std::logic_error("hnsw meta page must be block 0");
  init_page(page.data, store.page_size(), PageKind::kMeta);
  *meta_of(page.data) = meta;
  change.commit();
}

// Whether an element's value is stored inline: header, lists and value share one item.
bool fits_inline(size_t page_size, int m, int level, size_t length) {
  return element_size(m, level, length) + sizeof(ItemEntry) + sizeof(PageHeader) <= page_size;
}

size_t overflow_pages(size_t page_size, size_t length) {
  const size_t cap = overflow_capacity(page_size);
  return (length + cap - 1) / cap;
}

// Fills a zeroed item as an element with empty lists; `inline_value` null when the value
// lives in the overflow chain starting at `overflow`.
ElementRef init_element(uint8_t* page, size_t page_size, int item, int m, HeapTid tid, int level, size_t length,
                        uint32_t overflow, const uint8_t* inline_value) {
  ElementRef e;
  e.parse(page, page_size, item, m);
  ElementHeader& h = e.mutable_header();
  h = ElementHeader{tid.block, tid.offset, static_cast<uint8_t>(level), 0, static_cast<uint32_t>(length), overflow};
  e.parse(page, page_size, item, m);  // again: the value's offset depends on the level
  if (inline_value) std::memcpy(const_cast<uint8_t*>(e.value()), inline_value, length);
  return e;
}

}  // namespace

void PageGraph::create(PageStore& store, const Space& space, const Params& params) {
  write_meta_page(store, make_meta(space, params));
}

void PageGraph::write(PageStore& store, const MemoryGraph& graph, const std::vector<HeapTid>& tids) {
  const size_t n = graph.size(), page_size = store.page_size();
  const int m = graph.params().m;
  Meta meta = make_meta(graph.space(), graph.params());
  // Layout pass: ids in node order, element pages from block 1, overflow chains after them.
  std::vector<Id> ids(n);
  std::vector<size_t> item_size(n);
  std::vector<uint8_t> scratch(page_size);
  init_page(scratch.data(), page_size, PageKind::kElements);
  uint32_t block = 1;
  size_t overflow_total = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto node = static_cast<Id>(i);
    const size_t len = graph.payload_length(node);
    const bool inline_value = fits_inline(page_size, m, graph.level(node), len);
    item_size[i] = element_size(m, graph.level(node), inline_value ? len : 0);
    if (!inline_value) overflow_total += overflow_pages(page_size, len);
    if (!has_room(scratch.data(), item_size[i])) {
      init_page(scratch.data(), page_size, PageKind::kElements);
      ++block;
    }
    ids[i] = make_id(block, add_item(scratch.data(), item_size[i]));
  }
  const uint32_t element_pages = n ? block : 0;
  if (element_pages + 1 + overflow_total > kMaxBlock) throw IndexFull("hnsw index would exceed 2^24 pages");
  if (n) {
    const auto ep = graph.entry_point();
    meta.entry = ids[ep.id];
    meta.entry_level = ep.level;
    meta.insert_hint = element_pages;
    meta.vectors = n;
  }
  write_meta_page(store, meta);
  // Element pages; the overflow chains are numbered in order after the last element page.
  uint32_t next_overflow = element_pages + 1;
  std::vector<uint32_t> overflow_head(n, kInvalidBlock);
  size_t i = 0;
  while (i < n) {
    store.check_interrupts();
    Change change(store);
    PageRef page = change.new_page();
    init_page(page.data, page_size, PageKind::kElements);
    for (; i < n && id_block(ids[i]) == page.block; ++i) {
      const auto node = static_cast<Id>(i);
      const size_t len = graph.payload_length(node);
      const int item = add_item(page.data, item_size[i]);
      const bool inline_value = fits_inline(page_size, m, graph.level(node), len);
      if (!inline_value) {
        overflow_head[i] = next_overflow;
        next_overflow += static_cast<uint32_t>(overflow_pages(page_size, len));
      }
      ElementRef e = init_element(page.data, page_size, item, m, tids[i], graph.level(node), len, overflow_head[i],
                                  inline_value ? graph.payload(node) : nullptr);
      for (int l = 0; l <= graph.level(node); ++l) {
        std::vector<Id> list = graph.neighbors(node, l);
        for (Id& x : list) x = ids[x];
        e.set_list(l, list.data(), list.size());
      }
    }
    change.commit();
  }
  const size_t cap = overflow_capacity(page_size);
  for (size_t node = 0; node < n; ++node) {
    if (overflow_head[node] == kInvalidBlock) continue;
    const size_t len = graph.payload_length(static_cast<Id>(node));
    const uint8_t* value = graph.payload(static_cast<Id>(node));
    for (size_t done = 0; done < len; done += cap) {
      store.check_interrupts();
      Change change(store);
      PageRef page = change.new_page();
      init_page(page.data, page_size, PageKind::kOverflow);
      if (done + cap < len) page_header(page.data)->next = page.block + 1;
      std::memcpy(page.data + sizeof(PageHeader), value + done, std::min(cap, len - done));
      change.commit();
    }
  }
}

PageGraph::PageGraph(PageStore& store) : store_(store), space_(ElementKind::kFloat32, Metric::kL2, 1) {
  const Meta meta = read_meta();
  if (meta.magic != kMagic || meta.version != kFormatVersion)
    throw CorruptIndex("not an hnsw index of this vectorx version (bad meta page)");
  const auto kind = static_cast<ElementKind>(meta.element_kind);
  const auto metric = static_cast<Metric>(meta.metric);
  if (!Space::valid(kind, metric) || meta.m < 2 || meta.m > 100 || meta.dim < 1)
    throw CorruptIndex("corrupt hnsw meta page");
  space_ = Space(kind, metric, meta.dim);
  params_ = Params{meta.m, meta.ef_construction};
}

Meta PageGraph::read_meta() {
  if (store_.block_count() == 0) throw CorruptIndex("hnsw index has no meta page");
  ReadPage page(store_, kMetaBlock);
  if (page_header(page.data())->kind != static_cast<uint16_t>(PageKind::kMeta))
    throw CorruptIndex("block 0 of the hnsw index is not a meta page");
  return *meta_of(page.data());
}

EntryPoint<Id> PageGraph::entry_point() {
  const Meta meta = read_meta();
  return {meta.entry, meta.entry_level};
}

uint64_t PageGraph::vectors() { return read_meta().vectors; }

void PageGraph::set_entry(EntryPoint<Id> ep) {
  Change change(store_);
  Meta* meta = meta_of(change.page(kMetaBlock));
  meta->entry = ep.id;
  meta->entry_level = ep.level;
  change.commit();
}

// ---- insert ----

uint32_t PageGraph::write_overflow(const uint8_t* payload, size_t length, uint32_t reuse) {
  const size_t page_size = store_.page_size(), cap = overflow_capacity(page_size);
  const size_t pages = overflow_pages(page_size, length);
  if (reuse != kInvalidBlock) {  // same-size chain of a freed element: rewrite in place
    uint32_t block = reuse;
    for (size_t p = 0; p < pages; ++p) {
      Change change(store_);
      uint8_t* page = change.page(block);
      const uint32_t next = page_header(page)->next;
      std::memcpy(page + sizeof(PageHeader), payload + p * cap, std::min(cap, length - p * cap));
      change.commit();
      block = next;
    }
    return reuse;
  }
  // New chain, written from its tail so each page knows its successor.
  uint32_t next = kInvalidBlock;
  for (size_t p = pages; p-- > 0;) {
    Change change(store_);
    PageRef page = change.new_page();
    if (page.block > kMaxBlock) throw IndexFull("hnsw index exceeds 2^24 pages");
    init_page(page.data, page_size, PageKind::kOverflow);
    page_header(page.data)->next = next;
    std::memcpy(page.data + sizeof(PageHeader), payload + p * cap, std::min(cap, length - p * cap));
    change.commit();
    next = page.block;
  }
  return next;
}

namespace {

// Looks on one element page for room: a free item of at least `size` bytes (whose overflow
// chain, if the value needs one, has the same page count), or fresh space.
Placement find_room(const uint8_t* page, size_t page_size, int m, size_t size, size_t overflow_need, size_t* free_items) {
  Placement p;
  const PageHeader* h = page_header(page);
  *free_items = 0;
  if (h->kind != static_cast<uint16_t>(PageKind::kElements)) return p;
  for (int item = 0; item < h->item_count; ++item) {
    ElementRef e;
    if (!e.parse(page, page_size, item, m) || !e.free()) continue;
    ++*free_items;
    if (p.free_item >= 0 || e.item_length() < size) continue;
    const size_t had = e.value_inline() ? 0 : overflow_pages(page_size, e.header().value_len);
    if (had != overflow_need) continue;
    p.free_item = item;
    p.reuse_overflow = e.value_inline() ? kInvalidBlock : e.header().overflow;
  }
  if (p.free_item < 0 && !has_room(page, size)) return p;
  p.block = 0;  // found (the caller fills in the block)
  return p;
}

}  // namespace

Id PageGraph::store_element(const uint8_t* payload, size_t length, HeapTid tid, int level, uint32_t insert_hint,
                            bool* became_entry) {
  const size_t page_size = store_.page_size();
  const int m = params_.m;
  const bool inline_value = fits_inline(page_size, m, level, length);
  const size_t size = element_size(m, level, inline_value ? length : 0);
  const size_t overflow_need = inline_value ? 0 : overflow_pages(page_size, length);
  const size_t smallest = element_size(m, 0, 0);
  uint32_t first_useful = kInvalidBlock;
  Placement place;
  const uint32_t blocks = store_.block_count();
  for (uint32_t block = std::max<uint32_t>(insert_hint, 1); block < blocks && place.block == kInvalidBlock; ++block) {
    ReadPage page(store_, block);
    size_t free_items = 0;
    Placement p = find_room(page.data(), page_size, m, size, overflow_need, &free_items);
    if ((free_items > 0 || has_room(page.data(), smallest)) && first_useful == kInvalidBlock) first_useful = block;
    if (p.block != kInvalidBlock) {
      p.block = block;
      place = p;
    }
  }
  if (place.free_item >= 0 && !claim_free_item(place)) return store_element(payload, length, tid, level, insert_hint, became_entry);
  const uint32_t overflow = inline_value ? kInvalidBlock : write_overflow(payload, length, place.reuse_overflow);
  Change change(store_);
  uint8_t* page;
  int item = place.free_item;
  if (place.block == kInvalidBlock) {
    PageRef fresh = change.new_page();
    if (fresh.block > kMaxBlock) throw IndexFull("hnsw index exceeds 2^24 pages");
    init_page(fresh.data, page_size, PageKind::kElements);
    place.block = fresh.block;
    page = fresh.data;
    item = add_item(page, size);
    if (first_useful == kInvalidBlock) first_useful = place.block;
  } else {
    page = change.page(place.block);
    if (item >= 0) {
      ElementRef old;
      old.parse(page, page_size, item, m);  // claimed: nobody else writes it
      std::memset(const_cast<ElementHeader*>(&old.header()), 0, old.item_length());
    } else if (has_room(page, size)) {
      item = add_item(page, size);
    } else {
      change.commit();  // the room went to a concurrent insert: look again
      return store_element(payload, length, tid, level, insert_hint, became_entry);
    }
  }
  init_element(page, page_size, item, m, tid, level, length, overflow, inline_value ? payload : nullptr);
  const Id id = make_id(place.block, item);
  Meta* meta_page = meta_of(change.page(kMetaBlock));
  if (place.free_item < 0) count_vector(meta_page);  // a claimed item was counted when claimed
  *became_entry = meta_page->entry_level < 0;
  if (*became_entry) {
    meta_page->entry = id;
    meta_page->entry_level = level;
  }
  if (first_useful != kInvalidBlock) meta_page->insert_hint = first_useful;
  change.commit();
  return id;
}

// Takes a free item for this insert (marks it dead: not free, never linked or returned) so its
// overflow chain can be rewritten before the element is; false if another insert took it.
// A crash after claiming leaves a dead item, which the next VACUUM frees again.
bool PageGraph::claim_free_item(const Placement& place) {
  Change change(store_);
  uint8_t* page = change.page(place.block);
  ElementRef e;
  if (!e.parse(page, store_.page_size(), place.free_item, params_.m) || !e.free()) return false;
  e.mutable_header().flags = kDead;
  count_vector(meta_of(change.page(kMetaBlock)));
  change.commit();
  return true;
}

void PageGraph::count_vector(Meta* meta) {
  store_.check_vector_quota(meta->vectors + 1);
  ++meta->vectors;
}

bool PageGraph::insert(const uint8_t* payload, size_t length, HeapTid tid, int level, bool may_raise_entry) {
  const Meta meta = read_meta();
  // Early quota check, before any page is touched; count_vector checks again under the lock.
  store_.check_vector_quota(meta.vectors + 1);
  EntryPoint<Id> ep{meta.entry, meta.entry_level};
  if (level > ep.level && !may_raise_entry) return false;
  bool became_entry = false;
  const Id id = store_element(payload, length, tid, level, meta.insert_hint, &became_entry);
  if (became_entry) return true;  // the first element of an empty graph
  View view(*this);
  view.set_query(payload);
  const EntryPoint<Id> before = ep;
  hnsw::insert(view, id, level, ep, params_, view);
  if (ep.id != before.id || ep.level != before.level) set_entry(ep);
  return true;
}

// ---- scan ----

PageGraph::Scan::Scan(PageGraph& graph, const uint8_t* query, size_t length, const Limits& limits)
    : graph_(graph), query_(query, query + length), limits_(limits), view_(std::make_unique<View>(graph)) {
  limits_.ef = std::max<size_t>(limits_.ef, 1);
  view_->set_query(query_.data());
}

PageGraph::Scan::~Scan() = default;

size_t PageGraph::Scan::memory_bytes() const {
  return view_->visited().memory_bytes() + (frontier_.capacity() + best_.capacity() + discarded_.capacity()) * sizeof(C);
}

// Best-first expansion at level 0 until the nearest unexpanded candidate is farther than the
// ef-th best not yet returned; everything evaluated and not kept in best_ goes to discarded_.
void PageGraph::Scan::expand() {
  View& v = *view_;
  while (!frontier_.empty()) {
    if (best_.size() >= limits_.ef && frontier_.front().distance > best_.front().distance) break;
    const C current = heap_pop_min(frontier_);
    if (auto* s = v.visited().find(current.id)) s->expanded = true;
    v.for_each_neighbor(current.id, 0, [&](Id n) {
      if (!v.insert(n)) return;
      ++visited_;
      const C c{v.query_distance(n), n};
      if (std::isinf(c.distance)) return;
      if (best_.size() < limits_.ef || c.distance < best_.front().distance) {
        heap_push_min(frontier_, c);
        heap_push_max(best_, c);
        if (best_.size() > limits_.ef) heap_push_min(discarded_, heap_pop_max(best_));
      } else {
        heap_push_min(discarded_, c);
      }
    });
    if (visited_ >= limits_.max_visited || memory_bytes() >= limits_.max_memory_bytes) {
      limit_reached_ = true;
      break;
    }
  }
}

void PageGraph::Scan::emit(std::vector<Result>& out) {
  double bound = std::numeric_limits<double>::infinity();
  if (limits_.strict && !limit_reached_) {
    if (!frontier_.empty()) bound = frontier_.front().distance;
    if (!discarded_.empty()) bound = std::min(bound, discarded_.front().distance);
  }
  std::vector<C> batch;
  while (!best_.empty()) {
    const C c = heap_pop_max(best_);
    if (c.distance > bound)
      heap_push_min(discarded_, c);  // a later batch may still find something nearer
    else
      batch.push_back(c);
  }
  for (size_t i = batch.size(); i-- > 0;) {
    const auto* s = view_->visited().find(batch[i].id);
    if (!s || (s->flags & (kDead | kFree | VisitedTable::kUnusable))) continue;
    out.push_back({graph_.space_.distance_from_key(batch[i].distance), s->tid});
  }
}

bool PageGraph::Scan::next_batch(std::vector<Result>& out) {
  View& v = *view_;
  if (!started_) {
    started_ = true;
    const EntryPoint<Id> ep = graph_.entry_point();
    if (ep.level < 0) return false;
    auto nearest = descend(v, ep, 0, v);
    v.clear();
    for (const C& c : nearest) {
      v.insert(c.id);
      ++visited_;
      const C e{v.query_distance(c.id), c.id};  // records the entry's heap row and flags
      if (std::isinf(e.distance)) continue;
      heap_push_min(frontier_, e);
      heap_push_max(best_, e);
    }
  } else {
    if (limit_reached_) return false;
    // Refill best_ from the nearest discarded candidates; unexpanded ones go back to the frontier.
    while (best_.size() < limits_.ef && !discarded_.empty()) {
      const C c = heap_pop_min(discarded_);
      heap_push_max(best_, c);
      const auto* s = v.visited().find(c.id);
      if (s && !s->expanded) heap_push_min(frontier_, c);
    }
    if (best_.empty()) return false;
  }
  expand();
  const size_t before = out.size();
  emit(out);
  return out.size() > before || !discarded_.empty() || !frontier_.empty();
}

// ---- vacuum ----

PageGraph::Vacuum::Vacuum(PageGraph& graph) : graph_(graph), view_(std::make_unique<View>(graph)) {}

PageGraph::Vacuum::~Vacuum() = default;

bool PageGraph::Vacuum::is_dead(Id id) const { return std::binary_search(dead_.begin(), dead_.end(), id); }

size_t PageGraph::Vacuum::mark_dead(const std::function<bool(HeapTid)>& is_dead_row) {
  PageStore& store = graph_.store_;
  const size_t page_size = store.page_size();
  const int m = graph_.params_.m;
  size_t marked = 0;
  live_ = 0;
  best_live_ = {};
  const uint32_t blocks = store.block_count();
  for (uint32_t block = 1; block < blocks; ++block) {
    store.check_interrupts();
    struct Row {
      int item;
      HeapTid tid;
      int level;
    };
    std::vector<Row> rows;
    {
      ReadPage page(store, block);
      const PageHeader* h = page_header(page.data());
      if (h->kind != static_cast<uint16_t>(PageKind::kElements)) continue;
      for (int item = 0; item < h->item_count; ++item) {
        ElementRef e;
        if (!e.parse(page.data(), page_size, item, m) || e.free()) continue;
        if (e.dead())
          dead_.push_back(make_id(block, item));  // left by an interrupted vacuum
        else
          rows.push_back({item, e.heap_tid(), e.level()});
      }
    }
    std::vector<int> to_mark;
    for (const Row& r : rows) {
      if (is_dead_row(r.tid)) {
        to_mark.push_back(r.item);
        continue;
      }
      ++live_;
      if (r.level > best_live_.level) best_live_ = {make_id(block, r.item), r.level};
    }
    if (to_mark.empty()) continue;
    Change change(store);
    uint8_t* page = change.page(block);
    for (int item : to_mark) {
      ElementRef e;
      if (!e.parse(page, page_size, item, m) || e.dead()) continue;
      e.mutable_header().flags |= kDead;
      dead_.push_back(make_id(block, item));
      ++marked;
    }
    change.commit();
  }
  std::sort(dead_.begin(), dead_.end());
  dead_.erase(std::unique(dead_.begin(), dead_.end()), dead_.end());
  return marked;
}

bool PageGraph::Vacuum::query_by_value(Id id, std::vector<uint8_t>& value) {
  View& v = *view_;
  if (!v.with_value(id, nullptr, [&](const uint8_t* p) {
        value.assign(p, p + graph_.space_.payload_size(p, std::numeric_limits<size_t>::max()));
      }))
    return false;
  v.set_query(value.data());
  v.clear();
  return true;
}

// New list for `node` at `level`, chosen as an insert would choose it: a search from the node
// itself (through its old lists; dead elements still lead somewhere) for the ef_construction
// nearest live elements, merged with its live neighbours and its dead neighbours' neighbours,
// pruned by the same rule. (Either source alone measured 0.02-0.06 lower recall than a rebuild
// after deleting a third of a 4,000-row index; together, 0.005.)
void PageGraph::Vacuum::repair_list(Id node, int level) {
  View& v = *view_;
  std::vector<uint8_t> value;
  if (!query_by_value(node, value)) return;
  const std::vector<Candidate<Id>> found =
      search_layer(v, {{0.0, node}}, static_cast<size_t>(graph_.params_.ef_construction), level, v);
  std::vector<Candidate<Id>> usable;
  for (const auto& c : found)
    if (c.id != node && !is_dead(c.id) && v.linkable(c.id)) usable.push_back(c);
  const size_t max = static_cast<size_t>(max_neighbors(graph_.params_, level));
  v.update_neighbors(node, level, [&](const std::vector<Id>& current) {
    std::vector<Candidate<Id>> pool = usable;
    auto consider = [&](Id x) {
      if (x == node || is_dead(x) || std::any_of(pool.begin(), pool.end(), [&](const auto& c) { return c.id == x; }))
        return;
      v.insert(x);  // records its flags for linkable()
      const double d = v.query_distance(x);
      if (!std::isinf(d) && v.linkable(x)) pool.push_back({d, x});
    };
    for (Id x : current) {
      if (is_dead(x))
        v.for_each_neighbor(x, level, consider);  // the dead neighbour's own neighbours
      else
        consider(x);
    }
    std::sort(pool.begin(), pool.end());
    return select_neighbors(v, pool, max);
  });
}

void PageGraph::Vacuum::repair() {
  if (dead_.empty()) return;
  PageStore& store = graph_.store_;
  const size_t page_size = store.page_size();
  const int m = graph_.params_.m;
  const uint32_t blocks = store.block_count();
  for (uint32_t block = 1; block < blocks; ++block) {
    store.check_interrupts();
    std::vector<std::pair<Id, int>> broken;
    {
      ReadPage page(store, block);
      const PageHeader* h = page_header(page.data());
      if (h->kind != static_cast<uint16_t>(PageKind::kElements)) continue;
      for (int item = 0; item < h->item_count; ++item) {
        ElementRef e;
        if (!e.parse(page.data(), page_size, item, m) || e.dead()) continue;
        for (int l = 0; l <= e.level(); ++l)
          if (std::any_of(e.ids(l), e.ids(l) + e.count(l), [&](Id x) { return is_dead(x); }))
            broken.push_back({make_id(block, item), l});
      }
    }
    for (const auto& [node, level] : broken) repair_list(node, level);
  }
}

size_t PageGraph::Vacuum::release() {
  if (dead_.empty()) return 0;
  PageStore& store = graph_.store_;
  const size_t page_size = store.page_size();
  const int m = graph_.params_.m;
  const EntryPoint<Id> ep = graph_.entry_point();
  if (is_dead(ep.id)) graph_.set_entry(best_live_.level >= 0 ? best_live_ : EntryPoint<Id>{kInvalidId, -1});
  size_t freed = 0;
  for (size_t i = 0; i < dead_.size();) {
    store.check_interrupts();
    const uint32_t block = id_block(dead_[i]);
    Change change(store);
    uint8_t* page = change.page(block);
    size_t freed_here = 0;
    for (; i < dead_.size() && id_block(dead_[i]) == block; ++i) {
      ElementRef e;
      if (!e.parse(page, page_size, id_item(dead_[i]), m) || e.free()) continue;
      e.mutable_header().flags |= kFree;
      ++freed_here;
    }
    Meta* meta = meta_of(change.page(kMetaBlock));
    meta->vectors -= std::min<uint64_t>(meta->vectors, freed_here);
    change.commit();
    freed += freed_here;
  }
  Change change(store);
  Meta* meta = meta_of(change.page(kMetaBlock));
  meta->insert_hint = std::min(meta->insert_hint, id_block(dead_.front()));
  change.commit();
  return freed;
}

PageGraph::Vacuum::Reconnected PageGraph::Vacuum::reconnect(size_t memory_budget) {
  PageStore& store = graph_.store_;
  const size_t page_size = store.page_size();
  const int m = graph_.params_.m;
  Reconnected r;
  Reachability reachability;
  const uint32_t blocks = store.block_count();
  for (uint32_t block = 1; block < blocks; ++block) {
    store.check_interrupts();
    ReadPage page(store, block);
    const PageHeader* h = page_header(page.data());
    if (h->kind != static_cast<uint16_t>(PageKind::kElements)) continue;
    for (int item = 0; item < h->item_count; ++item) {
      ElementRef e;
      if (e.parse(page.data(), page_size, item, m)) reachability.add(make_id(block, item), e, m);
    }
    if (reachability.memory_bytes() > memory_budget) {
      r.skipped = true;
      return r;
    }
  }
  const EntryPoint<Id> ep = graph_.entry_point();
  if (ep.level < 0) return r;
  reachability.reach_from(ep.id);
  for (Id id : reachability.unreached_live()) {
    store.check_interrupts();
    if (reachability.reached(id)) continue;  // through an element linked before it
    ++r.unreachable;
    if (!link_from_nearest(id)) continue;
    ++r.linked;
    reachability.reach_from(id);
  }
  return r;
}

bool PageGraph::Vacuum::link_from_nearest(Id id) {
  View& v = *view_;
  std::vector<uint8_t> value;
  if (!query_by_value(id, value)) return false;
  const size_t ef = static_cast<size_t>(graph_.params_.ef_construction);
  const size_t max = static_cast<size_t>(max_neighbors(graph_.params_, 0));
  for (const Candidate<Id>& c : search(v, graph_.entry_point(), ef, ef, v)) {
    if (c.id == id || !v.linkable(c.id)) continue;
    bool linked = false;
    v.update_neighbors(c.id, 0, [&](const std::vector<Id>& current) {
      const bool present = std::find(current.begin(), current.end(), id) != current.end();
      linked = present || current.size() < max;
      if (!linked || present) return current;
      std::vector<Id> grown = current;
      grown.push_back(id);
      return grown;
    });
    if (linked) return true;
  }
  return false;
}

}  // namespace vectorx::hnsw
