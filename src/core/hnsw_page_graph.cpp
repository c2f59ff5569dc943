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
    Id rows;        // the element's rows items (more heap rows), as read
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
        s = Slot{id, epoch_, {}, kInvalidId, 0, false};
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
        Slot* moved = find_or_insert(s.id, &inserted);
        *moved = s;
        moved->epoch = epoch_;
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
    if (!resolves(id)) return false;
    const uint32_t block = id_block(id);
    ReadPage page(store_, block);
    ElementRef e;
    if (!e.parse(page.data(), page_size_, id_item(id), g_.params_.m)) return false;
    f(e);
    return true;
  }

  // Whether `id` can name an item: not the meta page, within the relation (whose length is
  // asked again only when an id lies beyond what was seen: asking costs a system call).
  bool resolves(Id id) {
    const uint32_t block = id_block(id);
    if (block == kMetaBlock || id == kInvalidId) return false;
    if (block >= known_blocks_) known_blocks_ = store_.block_count();
    return block < known_blocks_;
  }

  // Runs f(payload) for element `id`'s value: in place when the element holds all of it,
  // else copied together from its head and tail chain.
  template <class F>
  bool with_value(Id id, Slot* info, F f) {
    Id tail = kInvalidId;
    size_t length = 0, head = 0;
    bool done = false, valid = true;
    const bool found = with_element(id, [&](const ElementRef& e) {
      if (info) {
        info->tid = e.heap_tid();
        info->rows = e.rows();
        info->flags = e.header().flags;
      }
      length = e.header().value_len;
      if (!e.value_inline()) {
        valid = length <= g_.space_.max_payload_size();  // a corrupt length must not size a buffer
        if (!valid) return;
        head = e.head_length();
        tail = e.header().tail;
        prefetch_tail(tail, length - head);
        scratch_.resize(length);
        std::memcpy(scratch_.data(), e.value(), head);
        return;
      }
      // payload_size is 0 for a malformed value: a stored length of 0 is one too.
      valid = length > 0 && g_.space_.payload_size(e.value(), length) == length;
      if (valid) f(e.value());
      done = true;
    });
    if (!found || !valid) return false;
    if (done) return true;
    if (!read_tails(tail, scratch_.data() + head, length - head)) return false;
    if (length == 0 || g_.space_.payload_size(scratch_.data(), length) != length) return false;
    f(scratch_.data());
    return true;
  }

  // Copies `length` bytes from the tail chain starting at `tail`; false when the chain is broken.
  bool read_tails(Id tail, uint8_t* out, size_t length) {
    while (length > 0) {
      if (!resolves(tail)) return false;
      ReadPage page(store_, id_block(tail));
      TailRef t;
      if (!t.parse(page.data(), page_size_, id_item(tail))) return false;
      const size_t n = std::min(t.capacity(), length);
      std::memcpy(out, t.bytes(), n);
      out += n;
      length -= n;
      tail = t.next();
    }
    return true;
  }

  // Calls f(tid) for each heap row of an element: its own (`own`, unless gone) and those in
  // its chain of rows items from `rows`. A broken chain ends the walk (corrupt ids are never
  // trusted; a chain longer than the index has items is a cycle).
  template <class F>
  void for_each_row(HeapTid own, Id rows, F f) {
    if (holds_row(own)) f(own);
    for (size_t steps = 0; resolves(rows) && steps < size_t{known_blocks_} * kMaxItemsPerPage; ++steps) {
      ReadPage page(store_, id_block(rows));
      RowsRef r;
      if (!r.parse(page.data(), page_size_, id_item(rows))) return;
      for (size_t i = 0; i < r.capacity(); ++i)
        if (holds_row(r.rows()[i])) f(r.rows()[i]);
      rows = r.next();
    }
  }

  // The key from the query to `id`; false (and `id` marked unusable) when its value cannot be
  // read. Any key, infinite ones included, is a distance to order by.
  bool query_key(Id id, double* key) {
    Slot* info = (last_ && last_->id == id) ? last_ : visited_.find(id);
    if (with_value(id, info, [&](const uint8_t* v) { *key = g_.space_.key(query_, v); })) return true;
    if (info) info->flags = VisitedTable::kUnusable;
    return false;
  }

  double query_distance(Id id) {
    double key = kUnreachable;
    return query_key(id, &key) ? key : kUnreachable;
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

  // Whether element `id` is live now (read from its page, not from the search).
  bool is_live(Id id) {
    bool live = false;
    with_element(id, [&](const ElementRef& e) { live = !e.dead(); });
    return live;
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
      if (next_fresh < fresh_count && fresh[next_fresh] == copy[i]) {
        ++next_fresh;
        if (next_fresh < fresh_count) prefetch_tail_of(fresh[next_fresh]);
        if (next_fresh + kPrefetchAhead <= fresh_count) prefetch_element(fresh[next_fresh + kPrefetchAhead - 1]);
      }
      f(copy[i]);
    }
  }

  // The tail of a split element whose item was prefetched a step earlier, found from its
  // header read without a lock (a torn or stale header only misdirects a prefetch).
  void prefetch_tail_of(Id id) {
    const uint8_t* page = store_.peek(id_block(id));
    if (!page) return;
    ItemEntry entry;
    std::memcpy(&entry, page + sizeof(PageHeader) + sizeof(ItemEntry) * (id_item(id) % kMaxItemsPerPage), sizeof entry);
    if (size_t{entry.offset} + entry.length > page_size_ || entry.length < sizeof(ElementHeader)) return;
    ElementHeader h;
    std::memcpy(&h, page + entry.offset, sizeof h);
    if (h.tail == kInvalidId || h.level > kMaxLevel) return;
    const size_t fixed = element_size(g_.params_.m, h.level, 0);
    const size_t head = entry.length > fixed ? entry.length - fixed : 0;
    if (h.value_len > head) prefetch_tail(h.tail, h.value_len - head);
  }

  // A tail is the first item of its page, so its bytes end where the page ends: they (and the
  // page's header and directory) are prefetched while the head is copied.
  void prefetch_tail(Id tail, size_t bytes) {
    const uint8_t* page = tail == kInvalidId ? nullptr : store_.peek(id_block(tail));
    if (!page) return;
    __builtin_prefetch(page);
    const size_t end = page_size_ & ~size_t{3}, span = std::min(end, bytes + sizeof(TailHeader));
    for (size_t at = end - span; at < end; at += 64) __builtin_prefetch(page + at);
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
    if (!resolves(n)) return false;  // a corrupt list named it
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
  bool update_neighbors(Id n, int level, F f) {
    for (int attempt = 0; attempt < kBackLinkRetries; ++attempt) {
      Id copy[kMaxList];
      const std::vector<Id> current(copy, copy + copy_list(n, level, copy));
      const std::vector<Id> next = f(current);
      if (next == current || write_list(n, level, next, &current)) return true;
    }
    return false;
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

// Whether a whole element (header, lists and value) fits in one item.
bool fits_one_item(size_t page_size, int m, int level, size_t length) {
  return element_size(m, level, length) <= max_item_size(page_size);
}

// Fills a zeroed item as an element with empty lists and as much of the value as the item
// holds; the rest belongs in the chain starting at `tail`.
ElementRef init_element(uint8_t* page, size_t page_size, int item, int m, HeapTid tid, int level, size_t length,
                        Id tail, Id rows, const uint8_t* payload) {
  ElementRef e;
  // A damaged page (its item directory) may not hold the item it was given.
  if (!e.parse(page, page_size, item, m)) throw CorruptIndex("hnsw page has no room for a new element where it says");
  ElementHeader& h = e.mutable_header();
  h = ElementHeader{tid.block, tid.offset, static_cast<uint8_t>(level), 0, static_cast<uint32_t>(length), tail, rows};
  // Again: the value's offset depends on the level.
  if (!e.parse(page, page_size, item, m)) throw CorruptIndex("hnsw page has no room for a new element where it says");
  std::memcpy(const_cast<uint8_t*>(e.value()), payload, e.head_length());
  return e;
}

// Copies as much of `bytes` as a tail holds into it; returns how much that was.
size_t fill_tail(TailRef& t, const uint8_t* bytes, size_t length) {
  const size_t n = std::min(t.capacity(), length);
  std::memcpy(t.mutable_bytes(), bytes, n);
  return n;
}

// Fills a zeroed item as a value tail; returns how many bytes of `bytes` it took.
size_t init_tail(uint8_t* page, size_t page_size, int item, Id next, const uint8_t* bytes, size_t length) {
  size_t item_length;
  auto* h = reinterpret_cast<TailHeader*>(const_cast<uint8_t*>(find_item(page, page_size, item, &item_length)));
  h->flags = kTail;
  h->next = next;
  TailRef t;
  t.parse(page, page_size, item);
  return fill_tail(t, bytes, length);
}

// Smallest part of a value worth a split (a head with less stays on the next page whole).
constexpr size_t kMinHead = 64;

// Where a bulk build puts each item (page_format.h): elements in node order, packed as a
// stream; a split value's tails start the following pages; an element's further rows follow
// it (and its tails) in rows items filling what room there is.
class StreamLayout {
 public:
  enum class Kind : uint8_t { kElement, kTail, kRows };
  struct Item {
    Id id;
    uint32_t node;
    uint32_t size;
    Kind kind;
  };

  StreamLayout(size_t page_size, int m) : page_size_(page_size), m_(m), page_(page_size) { new_page(); }

  void place(uint32_t node, int level, size_t length, size_t more_rows) {
    const size_t fixed = element_size(m_, level, 0), whole = element_size(m_, level, length);
    const size_t room = largest_item(page_.data(), page_size_);
    const bool split_here = whole > split_above(page_size_) && room >= fixed + kMinHead;
    if (whole > room && !split_here) new_page();
    const size_t head = std::min(whole, largest_item(page_.data(), page_size_));
    add(node, head, Kind::kElement);
    for (size_t rest = length - std::min(length, head - fixed); rest > 0;) {
      new_page();
      const size_t size = std::min((sizeof(TailHeader) + rest + 3) & ~size_t{3}, largest_item(page_.data(), page_size_));
      add(node, size, Kind::kTail);
      rest -= std::min(rest, size - sizeof(TailHeader));
    }
    while (more_rows > 0) {
      const size_t room_now = largest_item(page_.data(), page_size_);
      if (room_now < rows_item_size(1)) {
        new_page();
        continue;
      }
      const size_t rows = std::min({more_rows, kMaxRowsPerItem, (room_now - sizeof(RowsHeader)) / sizeof(HeapTid)});
      add(node, rows_item_size(rows), Kind::kRows);
      more_rows -= rows;
    }
  }
  const std::vector<Item>& items() const { return items_; }
  uint32_t last_block() const { return block_; }

 private:
  void new_page() {
    init_page(page_.data(), page_size_, PageKind::kElements);
    ++block_;
  }
  void add(uint32_t node, size_t size, Kind kind) {
    items_.push_back({make_id(block_, add_item(page_.data(), size)), node, static_cast<uint32_t>(size), kind});
  }

  size_t page_size_;
  int m_;
  std::vector<uint8_t> page_;
  uint32_t block_ = 0;
  std::vector<Item> items_;
};

// The id of the first item of `kind` that follows items[i] for the same node; kInvalidId when none does.
Id next_of_node(const std::vector<StreamLayout::Item>& items, size_t i, StreamLayout::Kind kind) {
  for (size_t j = i + 1; j < items.size() && items[j].node == items[i].node; ++j)
    if (items[j].kind == kind) return items[j].id;
  return kInvalidId;
}

}  // namespace

void PageGraph::create(PageStore& store, const Space& space, const Params& params) {
  write_meta_page(store, make_meta(space, params));
}

void PageGraph::write(PageStore& store, const MemoryGraph& graph, const GraphRows& rows) {
  const size_t n = graph.size(), page_size = store.page_size();
  const int m = graph.params().m;
  Meta meta = make_meta(graph.space(), graph.params());
  StreamLayout layout(page_size, m);
  // rows.more is sorted by node: node i's further rows are more[more_begin[i] .. more_begin[i + 1]).
  std::vector<size_t> more_begin(n + 1, 0);
  for (const auto& [node, tid] : rows.more) ++more_begin[node + 1];
  for (size_t i = 0; i < n; ++i) more_begin[i + 1] += more_begin[i];
  for (size_t i = 0; i < n; ++i) {
    const auto node = static_cast<Id>(i);
    layout.place(node, graph.level(node), graph.payload_length(node), more_begin[i + 1] - more_begin[i]);
  }
  if (layout.last_block() > kMaxBlock) throw IndexFull("hnsw index would exceed 2^24 pages");
  const std::vector<StreamLayout::Item>& items = layout.items();
  std::vector<Id> ids(n);
  for (const auto& it : items)
    if (it.kind == StreamLayout::Kind::kElement) ids[it.node] = it.id;
  if (n) {
    const auto ep = graph.entry_point();
    meta.entry = ids[ep.id];
    meta.entry_level = ep.level;
    meta.insert_hint = layout.last_block();
    meta.vectors = n;
  }
  write_meta_page(store, meta);
  size_t value_done = 0;  // bytes of the current node's value written so far
  size_t more_done = 0;   // rows.more written so far
  for (size_t i = 0; i < items.size();) {
    store.check_interrupts();
    Change change(store);
    PageRef page = change.new_page();
    if (page.block != id_block(items[i].id)) throw std::logic_error("hnsw bulk write: pages out of order");
    init_page(page.data, page_size, PageKind::kElements);
    for (; i < items.size() && id_block(items[i].id) == page.block; ++i) {
      const StreamLayout::Item& it = items[i];
      const int item = add_item(page.data, it.size);
      const uint8_t* value = graph.payload(it.node);
      const size_t len = graph.payload_length(it.node);
      if (it.kind == StreamLayout::Kind::kRows) {
        RowsRef r;
        r.format(page.data, page_size, item, ids[it.node], next_of_node(items, i, StreamLayout::Kind::kRows));
        while (more_done < rows.more.size() && rows.more[more_done].first == it.node && r.add(rows.more[more_done].second))
          ++more_done;
        continue;
      }
      const Id next = i + 1 < items.size() && items[i + 1].kind == StreamLayout::Kind::kTail ? items[i + 1].id : kInvalidId;
      if (it.kind == StreamLayout::Kind::kTail) {
        value_done += init_tail(page.data, page_size, item, next, value + value_done, len - value_done);
        continue;
      }
      ElementRef e = init_element(page.data, page_size, item, m, rows.first[it.node], graph.level(it.node), len, next,
                                  next_of_node(items, i, StreamLayout::Kind::kRows), value);
      value_done = e.head_length();
      for (int l = 0; l <= graph.level(it.node); ++l) {
        std::vector<Id> list = graph.neighbors(it.node, l);
        for (Id& x : list) x = ids[x];
        e.set_list(l, list.data(), list.size());
      }
    }
    change.commit();
  }
}

PageGraph::PageGraph(PageStore& store) : store_(store), space_(ElementKind::kFloat32, Metric::kL2, 1) {
  const Meta meta = read_meta();
  if (meta.magic != kMagic || meta.version != kFormatVersion)
    throw CorruptIndex("not an hnsw index of this vectorx version (bad meta page)");
  const auto kind = static_cast<ElementKind>(meta.element_kind);
  const auto metric = static_cast<Metric>(meta.metric);
  if (!Space::valid(kind, metric) || meta.m < 2 || meta.m > 100 || meta.dim < 1 || meta.dim > Space::max_index_dim(kind))
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

namespace {

EntryPoint<Id> entry_of(const Meta& meta) {
  // A search descends one level at a time from here: never from a level no element can have.
  if (meta.entry_level < -1 || meta.entry_level > kMaxLevel)
    throw CorruptIndex("hnsw entry point has level " + std::to_string(meta.entry_level));
  return {meta.entry, meta.entry_level};
}

}  // namespace

EntryPoint<Id> PageGraph::entry_point() { return entry_of(read_meta()); }

uint64_t PageGraph::vectors() { return read_meta().vectors; }

void PageGraph::set_entry(EntryPoint<Id> ep) {
  Change change(store_);
  Meta* meta = meta_of(change.page(kMetaBlock));
  meta->entry = ep.id;
  meta->entry_level = ep.level;
  change.commit();
}

// ---- insert ----

Id PageGraph::write_tails(const uint8_t* bytes, size_t length, Id reuse) {
  const size_t page_size = store_.page_size();
  if (reuse != kInvalidId) {  // the chain of a freed element: rewritten in place
    for (Id tail = reuse; length > 0;) {
      if (tail == kInvalidId) throw CorruptIndex("hnsw value tail chain shorter than its element says");
      Change change(store_);
      TailRef t;
      if (!t.parse(change.page(id_block(tail)), page_size, id_item(tail))) throw CorruptIndex("hnsw value tail missing");
      const size_t n = fill_tail(t, bytes, length);
      bytes += n;
      length -= n;
      tail = t.next();
      change.commit();
    }
    return reuse;
  }
  // A new chain on fresh pages, written from its end so each tail knows its successor; the
  // last page keeps what the last tail leaves free for later inserts.
  const size_t cap = max_item_size(page_size) - sizeof(TailHeader);
  Id next = kInvalidId;
  for (size_t k = (length + cap - 1) / cap; k-- > 0;) {
    const size_t part = std::min(cap, length - k * cap);
    Change change(store_);
    PageRef page = change.new_page();
    if (page.block > kMaxBlock) throw IndexFull("hnsw index exceeds 2^24 pages");
    init_page(page.data, page_size, PageKind::kElements);
    const int item = add_item(page.data, sizeof(TailHeader) + part);
    init_tail(page.data, page_size, item, next, bytes + k * cap, part);
    change.commit();
    next = make_id(page.block, item);
  }
  return next;
}

namespace {

// Looks on one element page for room: a free item whose element and tail chain together hold
// the new element (`fixed` bytes of header and lists, a `length`-byte value), or fresh space
// for an item of `size` bytes. `room` receives the page's fresh space (its largest new item).
Placement find_room(const uint8_t* page, size_t page_size, int m, size_t fixed, size_t length, size_t size,
                    size_t* free_items, size_t* room) {
  Placement p;
  const PageHeader* h = page_header(page);
  *free_items = 0;
  *room = 0;
  if (h->kind != static_cast<uint16_t>(PageKind::kElements)) return p;
  *room = largest_item(page, page_size);
  for (int item = 0; item < h->item_count; ++item) {
    ElementRef e;
    if (!e.parse(page, page_size, item, m) || !e.free()) continue;
    ++*free_items;
    if (p.free_item >= 0 || e.item_length() < fixed) continue;
    const size_t in_tails = e.header().value_len - e.head_length();
    if (e.item_length() - fixed + in_tails < length) continue;
    p.free_item = item;
    p.head_capacity = e.item_length() - fixed;
    p.reuse_tail = e.header().tail;
  }
  if (p.free_item < 0 && !has_room(page, page_size, size)) return p;
  p.block = 0;  // found (the caller fills in the block)
  return p;
}

}  // namespace

// Places a new element. In order: a free item it fits (with that item's tail chain), fresh
// space for it whole, and, for an element larger than an eighth of a page, the roomiest page's
// space as its head with the rest on a fresh page after it, as a bulk build packs them; else a
// fresh page. The meta page's insert hint moves to the first page that could take an element
// like this one, so later inserts do not re-read pages left with only a sliver of room.
Id PageGraph::store_element(const uint8_t* payload, size_t length, HeapTid tid, int level, uint32_t insert_hint,
                            bool* became_entry) {
  const size_t page_size = store_.page_size();
  const int m = params_.m;
  const size_t fixed = element_size(m, level, 0);
  // A value that does not fit in a page with its lists lives in tails on fresh pages.
  const size_t head = fits_one_item(page_size, m, level, length) ? length : 0;
  const size_t size = element_size(m, level, head);
  const bool splittable = head == length && size > split_above(page_size);
  const size_t useful_room = splittable ? fixed + kMinHead : size;
  uint32_t first_useful = kInvalidBlock, split_block = kInvalidBlock;
  size_t split_room = 0;
  Placement place;
  const uint32_t blocks = store_.block_count();
  for (uint32_t block = std::max<uint32_t>(insert_hint, 1); block < blocks && place.block == kInvalidBlock; ++block) {
    ReadPage page(store_, block);
    size_t free_items = 0, room = 0;
    Placement p = find_room(page.data(), page_size, m, fixed, length, size, &free_items, &room);
    if ((free_items > 0 || room >= useful_room) && first_useful == kInvalidBlock) first_useful = block;
    if (p.block != kInvalidBlock) {
      p.block = block;
      place = p;
    } else if (splittable && room >= fixed + kMinHead && room > split_room) {
      split_block = block;
      split_room = room;
    }
  }
  if (place.free_item >= 0 && !claim_free_item(place)) return store_element(payload, length, tid, level, insert_hint, became_entry);
  size_t in_head = head;
  if (place.free_item >= 0) {
    in_head = std::min(length, place.head_capacity);
  } else if (place.block == kInvalidBlock && split_block != kInvalidBlock) {
    place.block = split_block;
    in_head = split_room - fixed;
  }
  const size_t item_size = element_size(m, level, in_head);
  Id tail = place.reuse_tail;
  const bool new_tails = in_head < length && place.free_item < 0;
  if (in_head < length) tail = write_tails(payload + in_head, length - in_head, place.reuse_tail);
  Change change(store_);
  uint8_t* page = nullptr;
  int item = place.free_item;
  if (place.block != kInvalidBlock) {
    page = change.page(place.block);
    if (item >= 0) {
      ElementRef old;
      old.parse(page, page_size, item, m);  // claimed: nobody else writes it
      std::memset(const_cast<ElementHeader*>(&old.header()), 0, old.item_length());
    } else if (has_room(page, page_size, item_size)) {
      item = add_item(page, item_size);
    } else if (!new_tails) {
      change.commit();  // the room went to a concurrent insert: look again
      return store_element(payload, length, tid, level, insert_hint, became_entry);
    } else {
      page = nullptr;  // as above, but the tails for this head are written: a fresh page takes it
    }
  }
  if (!page) {
    PageRef fresh = change.new_page();
    if (fresh.block > kMaxBlock) throw IndexFull("hnsw index exceeds 2^24 pages");
    init_page(fresh.data, page_size, PageKind::kElements);
    place.block = fresh.block;
    page = fresh.data;
    item = add_item(page, item_size);
    if (first_useful == kInvalidBlock) first_useful = place.block;
  }
  init_element(page, page_size, item, m, tid, level, length, tail, kInvalidId, payload);
  const Id id = make_id(place.block, item);
  Meta* meta_page = meta_of(change.page(kMetaBlock));
  if (place.free_item < 0) count_vector(meta_page);  // a claimed item was counted when claimed
  *became_entry = meta_page->entry_level < 0;
  if (*became_entry) {
    meta_page->entry = id;
    meta_page->entry_level = level;
  }
  // Only from the hint this insert started at: a VACUUM that lowered it meanwhile points at
  // room this scan never saw.
  if (first_useful != kInvalidBlock && meta_page->insert_hint == insert_hint) meta_page->insert_hint = first_useful;
  change.commit();
  return id;
}

// Takes a free item for this insert (marks it dead: not free, never linked or returned) so its
// tail chain can be rewritten before the element is; false if another insert took it.
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
  EntryPoint<Id> ep = entry_of(meta);
  if (level > ep.level && !may_raise_entry) return false;
  View view(*this);
  view.set_query(payload);
  std::vector<std::vector<Candidate<Id>>> found;
  if (ep.level >= 0) {
    found = find_neighbors(view, level, ep, params_, view);
    if (attach_to_identical(view, found[0], payload, length, tid)) return true;
  }
  bool became_entry = false;
  const Id id = store_element(payload, length, tid, level, meta.insert_hint, &became_entry);
  if (became_entry || ep.level < 0) return true;  // the first element of an empty graph
  const EntryPoint<Id> before = ep;
  connect(view, id, level, found, ep, params_);
  drop_dead_links(view, id, found.size());
  if (ep.id != before.id || ep.level != before.level) set_entry(ep);
  return true;
}

// VACUUM marks elements dead without waiting for inserts (it frees them only after they end),
// so a neighbour found by the search may have died before the new lists were written, and
// VACUUM's repair may have passed this page already. Read after the write, a dead neighbour is
// seen here; one that dies later is in the list when the repair reads it.
void PageGraph::drop_dead_links(View& view, Id id, size_t levels) {
  for (size_t l = 0; l < levels; ++l)
    view.update_neighbors(id, static_cast<int>(l), [&](const std::vector<Id>& current) {
      std::vector<Id> live;
      for (Id x : current)
        if (view.is_live(x)) live.push_back(x);
      return live;
    });
}

bool PageGraph::attach_to_identical(View& view, const std::vector<Candidate<Id>>& candidates, const uint8_t* payload,
                                    size_t length, HeapTid tid) {
  // An identical value is at exactly the query's key from itself (the same kernel on the same
  // bytes); only such candidates are compared byte for byte.
  if (space_.payload_size(payload, length) != length) return false;  // a damaged meta page's shape
  const double self = space_.key(payload, payload);
  for (const auto& c : candidates) {
    if (c.distance != self) continue;
    bool identical = false;
    view.with_value(c.id, nullptr, [&](const uint8_t* v) { identical = std::memcmp(v, payload, length) == 0; });
    if (identical && attach_row(c.id, tid)) return true;
  }
  return false;
}

namespace {

// Adds `tid` to an empty slot of a rows item `owner` owns on `page`; false when none has one.
bool add_to_owned_rows(uint8_t* page, size_t page_size, Id owner, HeapTid tid) {
  const PageHeader* h = page_header(page);
  for (int i = 0; i < h->item_count; ++i)
    if (RowsRef rows; rows.parse(page, page_size, i) && !rows.free() && rows.owner() == owner && rows.add(tid))
      return true;
  return false;
}

int free_rows_item(const uint8_t* page, size_t page_size) {
  const PageHeader* h = page_header(page);
  for (int i = 0; i < h->item_count; ++i)
    if (RowsRef rows; rows.parse(page, page_size, i) && rows.free()) return i;
  return -1;
}

// Whether a page could take a rows item of kRowsPerItem slots (or has a free one to reuse).
bool takes_rows_item(const uint8_t* page, size_t page_size) {
  return page_header(page)->kind == static_cast<uint16_t>(PageKind::kElements) &&
         (largest_item(page, page_size) >= rows_item_size(kRowsPerItem) || free_rows_item(page, page_size) >= 0);
}

// Makes a rows item on `page` holding `tid` for `owner`, in front of `next`: a free one reused,
// or a new one in fresh space (up to kRowsPerItem slots); kInvalidId when the page has neither.
Id add_rows_item(uint8_t* page, size_t page_size, uint32_t block, Id owner, Id next, HeapTid tid) {
  int item = free_rows_item(page, page_size);
  if (item < 0) {
    const size_t room = largest_item(page, page_size);
    if (room < rows_item_size(1)) return kInvalidId;
    item = add_item(page, rows_item_size(std::min(kRowsPerItem, (room - sizeof(RowsHeader)) / sizeof(HeapTid))));
  }
  RowsRef rows;
  rows.format(page, page_size, item, owner, next);
  rows.add(tid);
  return make_id(block, item);
}

}  // namespace

bool PageGraph::attach_row(Id id, HeapTid tid) {
  const size_t page_size = store_.page_size();
  const uint32_t block = id_block(id);
  Id head;
  {
    Change change(store_);
    uint8_t* page = change.page(block);
    ElementRef e;
    if (!e.parse(page, page_size, id_item(id), params_.m) || e.dead()) return false;
    if (add_to_owned_rows(page, page_size, id, tid)) {
      change.commit();
      return true;
    }
    const Id item = add_rows_item(page, page_size, block, id, e.rows(), tid);
    if (item != kInvalidId) {
      e.mutable_header().rows = item;
      change.commit();
      return true;
    }
    head = e.rows();
  }
  return attach_elsewhere(id, tid, head);
}

bool PageGraph::attach_elsewhere(Id id, HeapTid tid, Id head) {
  const size_t page_size = store_.page_size();
  const Id item = store_rows_item(id, tid, head);
  for (int attempt = 0; attempt < kBackLinkRetries; ++attempt) {
    {
      Change change(store_);
      ElementRef e;
      if (!e.parse(change.page(id_block(id)), page_size, id_item(id), params_.m) || e.dead()) break;
      if (e.rows() == head) {
        e.mutable_header().rows = item;
        change.commit();
        return true;
      }
      head = e.rows();  // another attach put an item in front meanwhile
    }
    Change change(store_);
    RowsRef rows;
    if (!rows.parse(change.page(id_block(item)), page_size, id_item(item))) break;
    rows.set_next(head);
    change.commit();
  }
  Change change(store_);  // not linked: free it for others
  RowsRef rows;
  if (rows.parse(change.page(id_block(item)), page_size, id_item(item))) {
    rows.set_free();
    change.commit();
  }
  return false;
}

Id PageGraph::store_rows_item(Id owner, HeapTid tid, Id next) {
  const size_t page_size = store_.page_size();
  const uint32_t blocks = store_.block_count();
  for (uint32_t block = std::max<uint32_t>(read_meta().insert_hint, 1); block < blocks; ++block) {
    if (block == id_block(owner)) continue;  // full: that is why this item goes elsewhere
    {
      ReadPage page(store_, block);
      if (!takes_rows_item(page.data(), page_size)) continue;
    }
    Change change(store_);
    uint8_t* page = change.page(block);
    if (!takes_rows_item(page, page_size)) continue;  // taken meanwhile
    const Id item = add_rows_item(page, page_size, block, owner, next, tid);
    change.commit();
    return item;
  }
  Change change(store_);
  PageRef fresh = change.new_page();
  if (fresh.block > kMaxBlock) throw IndexFull("hnsw index exceeds 2^24 pages");
  init_page(fresh.data, page_size, PageKind::kElements);
  const Id item = add_rows_item(fresh.data, page_size, fresh.block, owner, next, tid);
  change.commit();
  return item;
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
      C c{0, n};
      if (!v.query_key(n, &c.distance)) return;
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
    const double distance = graph_.space_.distance_from_key(batch[i].distance);
    view_->for_each_row(s->tid, s->rows, [&](HeapTid tid) { out.push_back({distance, tid}); });
  }
}

bool PageGraph::Scan::next_batch(std::vector<Result>& out) {
  View& v = *view_;
  if (!started_) {
    started_ = true;
    const EntryPoint<Id> ep = graph_.entry_point();
    if (ep.level < 0) return false;
    auto nearest = descend(v, ep, 0, v);
    // Level 0 starts from where the descent ended and from the entry point itself: everything
    // the entry point's level-0 lists lead to (what VACUUM keeps reachable) can then be found.
    nearest.push_back({0, ep.id});
    v.clear();
    for (const C& c : nearest) {
      if (!v.insert(c.id)) continue;
      ++visited_;
      C e{0, c.id};
      if (!v.query_key(c.id, &e.distance)) continue;  // also records the entry's heap row and flags
      heap_push_min(frontier_, e);
      heap_push_max(best_, e);
    }
    while (best_.size() > limits_.ef) heap_push_min(discarded_, heap_pop_max(best_));
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

namespace {

// Counts the rows of element `id` held on its own page (its own and its rows items there);
// with `clear`, empties the slots of dead rows as it goes.
RowCount settle_rows_here(uint8_t* page, size_t page_size, Id id, ElementRef& e,
                          const std::function<bool(HeapTid)>& is_dead_row, bool clear) {
  RowCount count;
  auto settle = [&](HeapTid tid, auto clear_slot) {
    if (!holds_row(tid)) return;
    if (!is_dead_row(tid)) {
      ++count.live;
      return;
    }
    ++count.dead;
    if (clear) clear_slot();
  };
  settle(e.heap_tid(), [&] { e.clear_heap_tid(); });
  if (e.rows() == kInvalidId) return count;
  const PageHeader* h = page_header(page);
  for (int item = 0; item < h->item_count; ++item) {
    RowsRef rows;
    if (!rows.parse(page, page_size, item) || rows.free() || rows.owner() != id) continue;
    for (size_t i = 0; i < rows.capacity(); ++i)
      settle(rows.rows()[i], [&] { std::memset(static_cast<void*>(&rows.mutable_rows()[i]), 0, sizeof(HeapTid)); });
  }
  return count;
}

}  // namespace

RowCount PageGraph::Vacuum::clear_rows_elsewhere(uint32_t block, Id rows, const std::function<bool(HeapTid)>& is_dead_row) {
  PageStore& store = graph_.store_;
  const uint32_t blocks = store.block_count();
  RowCount count;
  for (size_t steps = 0; rows != kInvalidId && id_block(rows) > kMetaBlock && id_block(rows) < blocks &&
                         steps < size_t{blocks} * kMaxItemsPerPage;
       ++steps) {
    if (id_block(rows) == block) {  // the element's own page: settled under its lock
      ReadPage page(store, block);
      RowsRef r;
      if (!r.parse(page.data(), store.page_size(), id_item(rows))) break;
      rows = r.next();
      continue;
    }
    Change change(store);
    RowsRef r;
    if (!r.parse(change.page(id_block(rows)), store.page_size(), id_item(rows))) break;
    const size_t dead_before = count.dead;
    for (size_t i = 0; i < r.capacity(); ++i) {
      if (!holds_row(r.rows()[i])) continue;
      if (is_dead_row(r.rows()[i])) {
        std::memset(static_cast<void*>(&r.mutable_rows()[i]), 0, sizeof(HeapTid));
        ++count.dead;
      } else {
        ++count.live;
      }
    }
    rows = r.next();
    if (count.dead > dead_before) change.commit();
  }
  return count;
}

size_t PageGraph::Vacuum::mark_dead(const std::function<bool(HeapTid)>& is_dead_row) {
  PageStore& store = graph_.store_;
  const size_t page_size = store.page_size();
  const int m = graph_.params_.m;
  size_t removed = 0;
  live_ = 0;
  live_rows_ = 0;
  best_live_ = {};
  auto count_live = [&](Id id, int level, size_t rows) {
    ++live_;
    live_rows_ += rows;
    if (level > best_live_.level) best_live_ = {id, level};
  };
  const uint32_t blocks = store.block_count();
  for (uint32_t block = 1; block < blocks; ++block) {
    store.check_interrupts();
    struct Element {
      int item;
      int level;
      Id rows;
      RowCount here;
      RowCount elsewhere;
    };
    std::vector<Element> elements;
    {
      ReadPage page(store, block);
      const PageHeader* h = page_header(page.data());
      if (h->kind != static_cast<uint16_t>(PageKind::kElements)) continue;
      for (int item = 0; item < h->item_count; ++item) {
        ElementRef e;
        if (!e.parse(page.data(), page_size, item, m) || e.free()) continue;
        if (e.dead())
          dead_.push_back(make_id(block, item));  // left by an interrupted vacuum
        else  // (not written: `clear` is false)
          elements.push_back({item, e.level(), e.rows(),
                              settle_rows_here(const_cast<uint8_t*>(page.data()), page_size, make_id(block, item), e, is_dead_row, false), {}});
      }
    }
    bool settle = false;  // some element here has a dead row on this page, or no live row left
    for (Element& el : elements) {
      if (el.rows != kInvalidId) el.elsewhere = clear_rows_elsewhere(block, el.rows, is_dead_row);
      removed += el.elsewhere.dead;
      settle |= el.here.dead > 0 || el.here.live + el.elsewhere.live == 0;
    }
    if (!settle) {
      for (const Element& el : elements) count_live(make_id(block, el.item), el.level, el.here.live + el.elsewhere.live);
      continue;
    }
    // Again under the page's lock: an insert may have attached rows meanwhile.
    Change change(store);
    uint8_t* page = change.page(block);
    for (const Element& el : elements) {
      ElementRef e;
      if (!e.parse(page, page_size, el.item, m) || e.dead()) continue;
      const Id id = make_id(block, el.item);
      const RowCount here = settle_rows_here(page, page_size, id, e, is_dead_row, true);
      removed += here.dead;
      // A changed head is an item an insert put in front meanwhile, with a live row.
      if (here.live + el.elsewhere.live > 0 || e.rows() != el.rows) {
        count_live(id, el.level, here.live + el.elsewhere.live);
        continue;
      }
      e.mutable_header().flags |= kDead;
      dead_.push_back(id);
    }
    change.commit();
  }
  std::sort(dead_.begin(), dead_.end());
  dead_.erase(std::unique(dead_.begin(), dead_.end()), dead_.end());
  return removed;
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

// New list for `node` at `level`: a search from the node itself (through its old lists; dead
// elements still lead somewhere) for its nearest live elements (at least twice the list's
// capacity of them), merged with its live neighbours and its dead neighbours' neighbours,
// diverse ones first and then filled with the nearest to capacity, and `node` linked back
// from each as an insert links. (Either source alone measured 0.02-0.06 lower recall than a
// rebuild after deleting a third of a 4,000-row index; together, 0.005. On pgvector's
// bit(52) test, m = 4, ef_construction = 8, 75% deleted: recall 0.71 with lists of m / 2 and
// no back-links, 0.78 with back-links, 0.81 also filled, 0.82 also searching 16 deep.)
void PageGraph::Vacuum::repair_list(Id node, int level) {
  View& v = *view_;
  std::vector<uint8_t> value;
  if (!query_by_value(node, value)) return;
  const std::vector<Candidate<Id>> found =
      search_layer(v, {{0.0, node}}, std::max<size_t>(graph_.params_.ef_construction, 2 * max_neighbors(graph_.params_, level)), level, v);
  std::vector<Candidate<Id>> usable;
  for (const auto& c : found)
    if (c.id != node && !is_dead(c.id) && v.linkable(c.id)) usable.push_back(c);
  const size_t max = static_cast<size_t>(max_neighbors(graph_.params_, level));
  std::vector<Id> chosen;
  v.update_neighbors(node, level, [&](const std::vector<Id>& current) {
    std::vector<Candidate<Id>> pool = usable;
    auto consider = [&](Id x) {
      if (x == node || is_dead(x) || std::any_of(pool.begin(), pool.end(), [&](const auto& c) { return c.id == x; }))
        return;
      v.insert(x);  // records its flags for linkable()
      double d = 0;
      if (v.query_key(x, &d) && v.linkable(x)) pool.push_back({d, x});
    };
    for (Id x : current) {
      if (is_dead(x))
        v.for_each_neighbor(x, level, consider);  // the dead neighbour's own neighbours
      else
        consider(x);
    }
    std::sort(pool.begin(), pool.end());
    chosen = select_neighbors(v, pool, max, max);
    return chosen;
  });
  link_back(v, node, chosen, level, max);
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
    std::vector<Id> rows;
    for (; i < dead_.size() && id_block(dead_[i]) == block; ++i) {
      ElementRef e;
      if (!e.parse(page, page_size, id_item(dead_[i]), m) || e.free()) continue;
      e.mutable_header().flags |= kFree;
      if (e.rows() != kInvalidId) rows.push_back(e.rows());
      ++freed_here;
    }
    Meta* meta = meta_of(change.page(kMetaBlock));
    meta->vectors -= std::min<uint64_t>(meta->vectors, freed_here);
    change.commit();
    freed += freed_here;
    for (Id r : rows) free_rows(r);
  }
  Change change(store);
  Meta* meta = meta_of(change.page(kMetaBlock));
  meta->insert_hint = std::min(meta->insert_hint, id_block(dead_.front()));
  change.commit();
  return freed;
}

void PageGraph::Vacuum::free_rows(Id rows) {
  PageStore& store = graph_.store_;
  const uint32_t blocks = store.block_count();
  // A free item's chain is never reused, so no attach can write to it meanwhile.
  for (size_t steps = 0; rows != kInvalidId && id_block(rows) > kMetaBlock && id_block(rows) < blocks &&
                         steps < size_t{blocks} * kMaxItemsPerPage;
       ++steps) {
    Change change(store);
    RowsRef r;
    if (!r.parse(change.page(id_block(rows)), store.page_size(), id_item(rows)) || r.free()) return;
    r.set_free();
    rows = r.next();
    change.commit();
  }
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
    if (!link_from_nearest(id, reachability)) continue;
    ++r.linked;
    reachability.reach_from(id);
  }
  return r;
}

bool PageGraph::Vacuum::link_from_nearest(Id id, const Reachability& reachability) {
  View& v = *view_;
  std::vector<uint8_t> value;
  if (!query_by_value(id, value)) return false;
  const size_t ef = reconnect_candidates(graph_.params_);
  const size_t max = static_cast<size_t>(max_neighbors(graph_.params_, 0));
  std::vector<Id> candidates;
  for (const Candidate<Id>& c : search(v, graph_.entry_point(), ef, ef, v)) candidates.push_back(c.id);
  // When no near element has room, any reachable one will do: a far link beats no link.
  constexpr size_t kFarCandidates = 8;
  for (Id x : reachability.reached_live_with_room(max, kFarCandidates)) candidates.push_back(x);
  for (Id x : candidates) {
    if (x == id || !reachability.reached(x)) continue;
    double key = 0;
    if (v.insert(x) && !v.query_key(x, &key)) continue;  // records the flags linkable() reads
    if (v.linkable(x) && link_if_room(v, x, id, max)) return true;
  }
  return false;
}

}  // namespace vectorx::hnsw
