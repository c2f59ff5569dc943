// Private to the sources of PageGraph (page_graph.h): page_graph.cpp (opening, creating,
// bulk writing), page_insert.cpp, page_scan.cpp and page_vacuum.cpp. Holds the Graph view over
// pages (algorithm.h's interface) that searches, inserts and VACUUM share, and the element and
// tail writers a bulk write and an insert share. Layout and locking rules: page_format.h.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "vectorx/hnsw/code_cache.h"
#include "vectorx/hnsw/page_graph.h"
#include "vectorx/ivf/training.h"

namespace vectorx::hnsw {


inline constexpr size_t kMaxList = 2 * 100;  // 2m with m's upper bound
inline constexpr int kBackLinkRetries = 8;
inline constexpr double kUnreachable = std::numeric_limits<double>::infinity();
// Prefetching while a neighbour list is evaluated: how many elements ahead of their turn
// (1 to 3 measured alike on fashion-mnist; 4 is slower).
inline constexpr size_t kPrefetchAhead = 2;
// Standard deviations of a code's estimate error that count as uncertain (View::coded_key).
inline constexpr double kErrorSpread = 3;

// Visited ids with what the search learnt about them, in an open-addressing table cleared in
// O(1) by bumping an epoch. Its slots outlive it: the next table on the same thread takes them
// over with a later epoch, so a query neither allocates nor zeroes its table (a fresh one and
// its growth cost 3% of a glove-100 query).
class VisitedTable {
 public:
  // 20 bytes: the heap row's block and offset are kept apart so that no padding follows them
  // (iterative scans' memory bound counts these slots).
  struct Slot {
    Id id;
    uint32_t epoch;
    uint32_t tid_block;
    Id rows;  // the element's rows items (more heap rows), as read
    uint16_t tid_offset;
    uint8_t flags;  // kDead / kFree as read; kUnusable when the id did not resolve
    bool expanded;
    HeapTid tid() const { return {tid_block, tid_offset}; }  // the element's own heap row, as read
    void set_tid(HeapTid t) { tid_block = t.block, tid_offset = t.offset; }
    // What a read of the element tells (its id, epoch and expansion stay).
    void learn(const ElementRef& e) {
      set_tid(e.heap_tid());
      rows = e.rows();
      flags = static_cast<uint8_t>(e.header().flags | (flags & kKeyedExactly));
    }
    void learn(const Slot& read) {
      set_tid(read.tid());
      rows = read.rows;
      flags = static_cast<uint8_t>(read.flags | (flags & kKeyedExactly));
    }
  };
  static_assert(sizeof(Slot) == 20);
  static constexpr uint8_t kUnusable = 0x80;
  // Scored from a cached code (code_cache.h): its page was not read, so the heap row, rows
  // and flags are unknown until the scan reads them.
  static constexpr uint8_t kUnread = 0x40;
  // Keyed from its page in an insert's search steered by codes (a later read of the element
  // keeps it); the insert keys the others again (rekey_from_pages).
  static constexpr uint8_t kKeyedExactly = 0x20;

  VisitedTable() {
    Spare& spare = spare_slots();
    if (spare.slots.empty()) {
      slots_.resize(kFreshSlots);
      return;
    }
    slots_.swap(spare.slots);
    epoch_ = spare.epoch;
    clear();  // a later epoch than any slot holds
  }
  ~VisitedTable() {
    Spare& spare = spare_slots();
    if (slots_.size() > kMaxSpareSlots || slots_.size() <= spare.slots.size()) return;
    spare.slots.swap(slots_);
    spare.epoch = epoch_;
  }
  VisitedTable(const VisitedTable&) = delete;
  VisitedTable& operator=(const VisitedTable&) = delete;

  // The slot of `id`, inserted if absent (`inserted` tells which).
  Slot* find_or_insert(Id id, bool* inserted) {
    if ((count_ + 1) * 2 > slots_.size()) grow();
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash(id) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.epoch != epoch_) {
        s = Slot{id, epoch_, 0, kInvalidId, 0, 0, false};
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
  // Room for `more` entries without growing, so that slots found meanwhile stay valid.
  void reserve(size_t more) {
    while ((count_ + more + 1) * 2 > slots_.size()) grow();
  }
  void clear() {
    count_ = 0;
    if (++epoch_ == 0) {
      for (auto& s : slots_) s.epoch = 0;
      epoch_ = 1;
    }
  }
  size_t size() const { return count_; }
  // The memory this search's entries take: the table a fresh search would have grown for
  // them. A table reused from an earlier, larger search is larger; charging that to this one
  // would end its iterative scan early.
  size_t memory_bytes() const {
    size_t slots = kFreshSlots;
    while ((count_ + 1) * 2 > slots) slots *= 2;
    return slots * sizeof(Slot);
  }

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

  // The slots of the thread's last table, kept up to this many (24 MB).
  static constexpr size_t kMaxSpareSlots = size_t{1} << 20;
  static constexpr size_t kFreshSlots = 1024;
  struct Spare {
    std::vector<Slot> slots;
    uint32_t epoch = 0;
  };
  static Spare& spare_slots() {
    static thread_local Spare spare;
    return spare;
  }

  std::vector<Slot> slots_;
  uint32_t epoch_ = 1;
  size_t count_ = 0;
};

// Values of elements an insert or a repair compares with each other, each read from its page
// once: pruning a full list compares every pair of its members, and reading one of the two
// values from its page for every pair took a fifth of a glove-100 insert.
class HeldValues {
 public:
  // id's value (and its inverse norm), or nullptr when it is not held.
  const uint8_t* find(Id id, float* inverse_norm) const {
    if (index_.empty()) return nullptr;
    const size_t mask = index_.size() - 1;
    for (size_t i = hash(id) & mask; index_[i] != kNone; i = (i + 1) & mask) {
      const Held& h = held_[index_[i]];
      if (h.id == id) {
        *inverse_norm = h.inverse_norm;
        return h.bytes;
      }
    }
    return nullptr;
  }
  // Holds a copy of id's value (not held yet); the copy stays where it is while this lives.
  const uint8_t* add(Id id, const uint8_t* value, size_t length, float inverse_norm) {
    if ((held_.size() + 1) * 2 > index_.size()) reindex(std::max<size_t>(64, index_.size() * 2));
    if (chunk_ == kNoChunk || chunk_used_ + length > kChunkBytes) {
      if (length > kChunkBytes) throw std::length_error("a value larger than a chunk of held values");
      if (++chunk_ >= chunks_.size()) chunks_.emplace_back(new uint8_t[kChunkBytes]);  // not zeroed: only copies are read
      chunk_used_ = 0;
    }
    uint8_t* copy = chunks_[chunk_].get() + chunk_used_;
    chunk_used_ += (length + 63) & ~size_t{63};  // copies 64 bytes apart: as aligned as the chunk
    std::memcpy(copy, value, length);
    held_.push_back({id, inverse_norm, copy});
    place(static_cast<uint32_t>(held_.size() - 1));
    return copy;
  }
  // Forgets every value; the memory stays for the next ones.
  void clear() {
    held_.clear();
    std::fill(index_.begin(), index_.end(), kNone);
    chunk_ = kNoChunk;  // add fills chunk 0 again
  }

 private:
  static constexpr uint32_t kNone = ~uint32_t{0};
  static constexpr size_t kChunkBytes = 256 * 1024;  // the largest value (16,000 floats) fits
  static constexpr size_t kNoChunk = ~size_t{0};
  struct Held {
    Id id;
    float inverse_norm;
    const uint8_t* bytes;
  };
  static size_t hash(Id id) { return (static_cast<uint64_t>(id) * 0x9E3779B97F4A7C15ull) >> 20; }
  void place(uint32_t at) {
    const size_t mask = index_.size() - 1;
    size_t i = hash(held_[at].id) & mask;
    while (index_[i] != kNone) i = (i + 1) & mask;
    index_[i] = at;
  }
  void reindex(size_t slots) {
    index_.assign(slots, kNone);
    for (uint32_t at = 0; at < held_.size(); ++at) place(at);
  }
  std::vector<Held> held_;
  std::vector<uint32_t> index_;  // open addressing over held_
  std::vector<std::unique_ptr<uint8_t[]>> chunks_;
  size_t chunk_ = kNoChunk, chunk_used_ = 0;  // the chunk being filled, and how far
};

// Smallest part of a value worth a split (a head with less stays on the next page whole).
inline constexpr size_t kMinHead = 64;

// Whether a whole element (header, lists and value) fits in one item.
bool fits_one_item(size_t page_size, int m, int level, size_t length);
// What an element keeps as its value's inverse norm (page_format.h).
float stored_inverse_norm(const Space& space, const uint8_t* payload);
// Fills a zeroed item as an element with empty lists and as much of the value as the item
// holds; the rest belongs in the chain starting at `tail`.
ElementRef init_element(uint8_t* page, size_t page_size, int item, int m, HeapTid tid, int level, size_t length,
                        Id tail, Id rows, float inverse_norm, const uint8_t* payload);
// Copies as much of `bytes` as a tail holds into it; returns how much that was.
size_t fill_tail(TailRef& t, const uint8_t* bytes, size_t length);
// Fills a zeroed item as a value tail; returns how many bytes of `bytes` it took.
size_t init_tail(uint8_t* page, size_t page_size, int item, Id next, const uint8_t* bytes, size_t length);
// The entry point a meta page names, checked (a search descends one level at a time from it).
EntryPoint<Id> entry_of(const Meta& meta);

// The Graph interface of algorithm.h over pages, for one search or insert at a time.
class PageGraph::View {
 public:
  using Id = hnsw::Id;
  using Slot = VisitedTable::Slot;

  explicit View(PageGraph& g)
      : g_(g),
        store_(g.store_),
        page_size_(store_.page_size()),
        directory_lines_((page_size_ - sizeof(PageHeader)) / sizeof(ItemEntry)),
        values_split_(element_size(g.params_.m, 0, g.space_.max_payload_size()) > split_above(page_size_)),
        by_dot_(g.space_.cosine_by_dot()) {}

  void set_query(const uint8_t* query) {
    query_ = query;
    query_inverse_norm_ = stored_inverse_norm(g_.space_, query);
    held_.clear();  // a View serves one query at a time (VACUUM repairs one node after another)
  }

  // Keys become the estimates of `codes` (after set_query): read from the cache where it
  // holds the element, else from the code of the value read (kept in the cache while it has
  // room). So a search's path depends on the index and the cache's quantizer, not on what
  // the cache happened to hold.
  // `exact_when_read`: a value read from its page is keyed exactly, its code only kept for
  // later searches (an insert's search, which may differ with what the cache held).
  void use_codes(CodeCache* codes, bool exact_when_read = false) {
    codes_ = codes;
    exact_when_read_ = exact_when_read;
    code_scorer_ = codes->quantizer().estimator(query_, codes->entry_bytes());
    code_scratch_.resize(codes->entry_bytes());
    std::vector<float> q(static_cast<size_t>(g_.space_.dim()));
    ivf::value_to_floats(g_.space_, query_, q.data());
    double norm_sq = 0;
    for (float x : q) norm_sq += static_cast<double>(x) * x;
    query_norm_ = std::sqrt(norm_sq);
    error_spread_ = std::min(1.0, kErrorSpread / std::sqrt(static_cast<double>(g_.space_.dim())));
  }

  // Back to keys read from pages for the query. After an insert's search (exact_when_read),
  // the values its linking compares with each other come from their codes where the cache
  // holds them (float values: held values are payloads): choosing which links a full list
  // keeps is a comparison of distances, which 8-bit codes' errors (about 0.2% of them on
  // glove-100) hardly change, and a value from memory costs no page read.
  void stop_codes() {
    if (exact_when_read_ && g_.space_.kind() == ElementKind::kFloat32) {
      decoding_ = codes_;
      decoded_.resize(static_cast<size_t>(g_.space_.dim()));
    }
    codes_ = nullptr;
    code_scorer_.reset();
  }

  // The key query_key gives without codes, read from id's page; false when unreadable.
  bool page_key(Id id, double* key) {
    return with_value(id, nullptr, [&](const uint8_t* v, float inverse) { *key = this->key(query_, query_inverse_norm_, v, inverse); });
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
    items_on_page_ = page_header(page.data())->item_count;
    const CodeCache* cache = codes_ ? codes_ : decoding_;
    if (cache && !cache->has_slots(block)) first_element_item_ = first_element_item(page.data());
    f(e);
    return true;
  }

  // Whether `id` can name an item: not the meta page, within the relation.
  bool resolves(Id id) {
    const uint32_t block = id_block(id);
    return block != kMetaBlock && id != kInvalidId && g_.has_block(block);
  }

  // Runs f(payload, inverse norm) for element `id`'s value: in place when the element holds
  // all of it, else copied together from its head and tail chain.
  template <class F>
  bool with_value(Id id, Slot* info, F f) {
    Id tail = kInvalidId;
    size_t length = 0, head = 0;
    float inverse_norm = 0;
    bool done = false, valid = true;
    const bool found = with_element(id, [&](const ElementRef& e) {
      inverse_norm = e.inverse_norm();
      if (info) info->learn(e);
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
      if (valid) f(e.value(), inverse_norm);
      done = true;
    });
    if (!found || !valid) return false;
    if (done) return true;
    if (!read_tails(tail, scratch_.data() + head, length - head)) return false;
    if (length == 0 || g_.space_.payload_size(scratch_.data(), length) != length) return false;
    f(scratch_.data(), inverse_norm);
    return true;
  }

  // The key between two values given their stored inverse norms: by one dot product where
  // both are kept (an approximation of the key, ordered alike), else the exact key. Only in a
  // space that ranks by dot products: a damaged meta page may name another kind of values
  // than the elements that kept their norms (the kernel would read past them).
  double key(const uint8_t* a, float inverse_a, const uint8_t* b, float inverse_b) const {
    if (by_dot_ && inverse_a > 0 && inverse_b > 0)
      return g_.space_.cosine_key_by_dot(a, b, static_cast<double>(inverse_a) * inverse_b);
    return g_.space_.key(a, b);
  }
  // Whether keys may be approximations (the inverse norms are kept), so that the distances
  // a scan returns have to be computed again.
  bool approximate_keys() const { return by_dot_ || codes_; }
  bool uses_codes() const { return codes_ != nullptr; }

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
    for (size_t steps = 0; resolves(rows) && steps < size_t{g_.known_blocks_} * kMaxItemsPerPage; ++steps) {
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
    key_error_ = 0;
    if (batched_key(id, key) || (codes_ && coded_key(codes_->find(id), key))) {
      if (info) info->flags = VisitedTable::kUnread;
      return true;
    }
    if (with_value(id, info, [&](const uint8_t* v, float inverse) {
          if (codes_ && exact_when_read_) {
            codes_->keep(id, page_items(), v);
            if (info) info->flags |= VisitedTable::kKeyedExactly;
          } else if (codes_ && coded_key(code_of(id, v), key)) {
            return;
          }
          *key = this->key(query_, query_inverse_norm_, v, inverse);
        }))
      return true;
    if (info) info->flags = VisitedTable::kUnusable;
    return false;
  }

  // (After with_element read id's page: a split value is coded once its tails are read.)
  const uint8_t* code_of(Id id, const uint8_t* value) { return codes_->code(id, page_items(), value, code_scratch_.data()); }
  CodeCache::PageItems page_items() const { return {first_element_item_, static_cast<uint32_t>(items_on_page_)}; }

  // 1 when the page starts with a value tail (page_format.h: only ever its first item), else 0.
  uint32_t first_element_item(const uint8_t* page) const {
    TailRef tail;
    return tail.parse(page, page_size_, 0) ? 1 : 0;
  }

  // The key of the code's estimate of the query's distance; false without a code or a finite
  // estimate (the value's own key serves then). key_error_ becomes how far the estimate is
  // likely to be from the distance: at most eps (times 1/||x|| under cosine, ||q|| under inner
  // product; bounded_codes.h) when the query lines up with the rounding error, and about
  // eps / sqrt(dim) when the rounding errors of the dimensions are independent: three times
  // that (kErrorSpread) is taken, which leaves few true distances outside.
  bool coded_key(const uint8_t* entry, double* key) {
    if (!entry) return false;
    double estimate;
    code_scorer_->score(entry, 1, &estimate);
    return key_of_estimate(entry, estimate, key);
  }

  // coded_key given the code's estimate.
  bool key_of_estimate(const uint8_t* entry, double estimate, double* key) {
    if (!std::isfinite(estimate)) return false;
    float eps, scale;
    std::memcpy(&eps, entry, sizeof eps);
    std::memcpy(&scale, entry + sizeof eps, sizeof scale);  // 8-bit entries keep it for every metric
    const Metric metric = g_.space_.metric();
    const double factor = metric == Metric::kCosine ? scale : metric == Metric::kInnerProduct ? query_norm_ : 1.0;
    key_error_ = eps * factor * error_spread_ + 1e-9 * std::fabs(estimate);
    *key = metric == Metric::kL2 ? estimate * estimate : estimate;
    return true;
  }

  // The codes of an expansion's cached neighbours, scored in one call (score_batch) and taken
  // by query_key in list order.
  void score_batch() {
    const size_t bytes = codes_->entry_bytes();
    batch_codes_.resize(batch_count_ * bytes);
    for (size_t j = 0; j < batch_count_; ++j) std::memcpy(batch_codes_.data() + j * bytes, batch_entries_[j], bytes);
    code_scorer_->score(batch_codes_.data(), batch_count_, batch_estimates_);
  }
  bool batched_key(Id id, double* key) {
    for (size_t j = batch_next_; j < batch_count_; ++j)
      if (batch_ids_[j] == id) {
        batch_next_ = j + 1;
        return key_of_estimate(batch_entries_[j], batch_estimates_[j], key);
      }
    return false;
  }

  // Whether the key query_key last gave could lie on either side of `threshold` (a key): a
  // code's estimate within its error of it.
  bool uncertain(double key, double threshold) const {
    if (key_error_ == 0) return false;
    const double d = g_.space_.distance_from_key(key), t = g_.space_.distance_from_key(threshold);
    return std::isfinite(t) && d - key_error_ < t && t < d + key_error_;
  }

  // The query's exact key to `id`, read from its page (the visit learns its element, and the
  // scan's distance is kept: measured_); false when `id` cannot be read.
  bool measure(Id id, double* key) {
    Slot now{};
    if (!with_value(id, &now, [&](const uint8_t* v, float) { *key = g_.space_.key(query_, v); })) return false;
    if (Slot* visit = visited_.find(id)) visit->learn(now);
    remember(id, *key, now);
    return true;
  }

  // The operator's exact distance from the query to the element a search visited as `visit`,
  // if it is still that element: not freed, with the heap rows the visit read (its own row
  // may have been removed since; a freed item reused by an insert has another row).
  // A visit scored from a code learns here what its element is now (`visit` is updated).
  // Elements measured when they were expanded are not read again.
  bool exact_distance(Slot& visit, double* distance) {
    Slot now{};
    if (const Measured* m = measured(visit.id)) {
      now = m->info;
      *distance = m->distance;
    } else if (!with_value(visit.id, &now, [&](const uint8_t* v, float) { *distance = g_.space_.distance(query_, v); })) {
      return false;
    }
    if (visit.flags & VisitedTable::kUnread) {  // (the slot's id and epoch stay: it is in the table)
      if (now.flags & (kDead | kFree)) return false;
      visit.learn(now);
      return true;
    }
    return !(now.flags & kFree) && now.rows == visit.rows && (!holds_row(now.tid()) || now.tid() == visit.tid());
  }

  double query_distance(Id id) {
    double key = kUnreachable;
    return query_key(id, &key) ? key : kUnreachable;
  }

  double distance(Id a, Id b) {
    float inverse_a, inverse_b;
    const uint8_t* va = held_value(a, &inverse_a);
    const uint8_t* vb = va ? held_value(b, &inverse_b) : nullptr;
    return vb ? key(va, inverse_a, vb, inverse_b) : kUnreachable;
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

  // copy_list at level 0 that also measures the query's exact distance to n while its page is
  // read (codes in use: the distances a scan returns come from these, and n's key in the
  // search becomes exact); measured_key() tells it.
  size_t copy_list_measuring(Id n, Id* out) {
    size_t count = 0;
    measured_key_ = std::numeric_limits<double>::quiet_NaN();
    with_element(n, [&](const ElementRef& e) {
      count = e.count(0);
      std::memcpy(out, e.ids(0), count * sizeof(Id));
      const size_t length = e.header().value_len;
      if (!e.value_inline() || length == 0 || g_.space_.payload_size(e.value(), length) != length) return;
      Slot info{};
      info.learn(e);
      measured_key_ = g_.space_.key(query_, e.value());
      remember(n, measured_key_, info);
    });
    return count;
  }
  // The key measured by the last expansion, NaN when it measured none.
  double measured_key() const { return measured_key_; }

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
    visit_neighbors<false>(n, level, f);
  }

  // for_each_neighbor for a search that visits through this view: each neighbour not visited
  // yet is inserted into the visited table as it is looked up (one probe, where looking up and
  // then inserting took two) and f is called for those alone, as insert() would have told.
  template <class F>
  void for_each_new_neighbor(Id n, F f) {
    visit_neighbors<true>(n, 0, f);
  }

 private:
  template <bool kInsertVisits, class F>
  void visit_neighbors(Id n, int level, F f) {
    Id copy[kMaxList], fresh[kMaxList];
    Slot* inserted_slot[kMaxList];
    const size_t count = codes_ && level == 0 ? copy_list_measuring(n, copy) : copy_list(n, level, copy);
    size_t fresh_count = 0;
    batch_count_ = batch_next_ = 0;
    if constexpr (kInsertVisits) visited_.reserve(count);  // the slots below then stay where they are
    for (size_t i = 0; i < count; ++i) {
      if constexpr (kInsertVisits) {
        bool inserted;
        inserted_slot[i] = visited_.find_or_insert(copy[i], &inserted);
        if (!inserted) {
          inserted_slot[i] = nullptr;
          continue;
        }
      } else if (visited_.find(copy[i])) {
        continue;
      }
      if (const uint8_t* entry = codes_ ? codes_->find(copy[i]) : nullptr) {
        prefetch_code(entry);
        batch_ids_[batch_count_] = copy[i];
        batch_entries_[batch_count_++] = entry;
        continue;
      }
      fresh[fresh_count++] = copy[i];
      prefetch_directory(copy[i]);
    }
    if (batch_count_ > 0) score_batch();
    if (expected_ != kInvalidId) prefetch_element(expected_);  // its directory line has arrived
    expected_ = kInvalidId;
    for (size_t j = 0; j < kPrefetchAhead && j < fresh_count; ++j) prefetch_element(fresh[j]);
    size_t next_fresh = 0;
    for (size_t i = 0; i < count; ++i) {
      if (next_fresh < fresh_count && fresh[next_fresh] == copy[i]) {
        ++next_fresh;
        if (values_split_ && next_fresh < fresh_count) prefetch_tail_of(fresh[next_fresh]);
        if (next_fresh + kPrefetchAhead <= fresh_count) prefetch_element(fresh[next_fresh + kPrefetchAhead - 1]);
      }
      if constexpr (kInsertVisits) {
        if (!inserted_slot[i]) continue;
        last_ = inserted_slot[i];
      }
      f(copy[i]);
    }
    batch_count_ = 0;
  }

 public:
  // The tail of a split element whose item was prefetched a step earlier, found from its
  // header read without a lock (a torn or stale header only misdirects a prefetch).
  void prefetch_tail_of(Id id) {
    const uint8_t* page = store_.peek(id_block(id));
    if (!page) return;
    ItemEntry entry;
    std::memcpy(&entry, directory_line(page, id), sizeof entry);
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

  // Where id's directory entry would be. The id comes from an unchecked list and only guides
  // a prefetch, so an item beyond any page's directory reads line 0 instead.
  const uint8_t* directory_line(const uint8_t* page, Id id) const {
    const size_t item = static_cast<size_t>(id_item(id));
    return page + sizeof(PageHeader) + sizeof(ItemEntry) * (item < directory_lines_ ? item : 0);
  }

  void prefetch_code(const uint8_t* entry) const {
    const uintptr_t last = reinterpret_cast<uintptr_t>(entry + codes_->entry_bytes() - 1);
    for (uintptr_t line = reinterpret_cast<uintptr_t>(entry) & ~uintptr_t{63}; line <= last; line += 64)
      __builtin_prefetch(reinterpret_cast<const void*>(line));
  }

  // `id` is likely the next element expanded (the nearest unexpanded one now): its page's
  // header and directory line are fetched now, its item once this expansion has scored its
  // neighbours' codes.
  void expect_expansion(Id id) {
    prefetch_directory(id);
    expected_ = id;
  }

  // The page header (whose kind is checked first) and the directory entry.
  void prefetch_directory(Id id) {
    if (const uint8_t* page = store_.peek(id_block(id))) {
      __builtin_prefetch(page);
      __builtin_prefetch(directory_line(page, id));
    }
  }

  // The whole item (value included: prefetching only its first 512 bytes measured 20% slower
  // on 784 dims). Reads the directory entry without a lock: it only chooses what to prefetch.
  void prefetch_element(Id id) {
    const uint8_t* page = store_.peek(id_block(id));
    if (!page) return;
    ItemEntry entry;
    std::memcpy(&entry, directory_line(page, id), sizeof entry);
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
  size_t directory_lines_;  // directory entries a page could hold
  // Whether level-0 elements may be split (page_format.h); if not, only the rare elements
  // high enough to be split have tails, and looking for them costs every visit a memory load.
  bool values_split_;
  bool by_dot_;  // Space::cosine_by_dot(), asked once rather than at every visit
  CodeCache* codes_ = nullptr;  // use_codes
  bool exact_when_read_ = false;
  CodeCache* decoding_ = nullptr;  // held values from codes (stop_codes)
  std::vector<float> decoded_;
  std::unique_ptr<ivf::EntryScorer> code_scorer_;
  std::vector<uint8_t> code_scratch_;
  double query_norm_ = 0;  // ||q||, with codes
  Id batch_ids_[kMaxList];  // score_batch
  const uint8_t* batch_entries_[kMaxList];
  double batch_estimates_[kMaxList];
  size_t batch_count_ = 0, batch_next_ = 0;
  Id expected_ = kInvalidId;  // expect_expansion's
  std::vector<uint8_t> batch_codes_;
  double key_error_ = 0;   // of query_key's last key, in distance units (0: exact)
  double error_spread_ = 1;  // the share of eps taken as a code's likely error (coded_key)
  struct Measured {
    Id id;
    double distance;  // the operator's, exact
    Slot info;        // the element as read
  };
  std::vector<Measured> measured_;  // by measure and copy_list_measuring; sorted by id when looked up
  bool measured_sorted_ = true;
  double measured_key_ = std::numeric_limits<double>::quiet_NaN();

  // id's value from held_, read from its page the first time; nullptr when it cannot be read.
  const uint8_t* held_value(Id id, float* inverse_norm) {
    if (const uint8_t* v = held_.find(id, inverse_norm)) return v;
    if (decoding_ && decoding_->decode(id, decoded_.data())) {
      const auto* value = reinterpret_cast<const uint8_t*>(decoded_.data());
      *inverse_norm = stored_inverse_norm(g_.space_, value);
      return held_.add(id, value, decoded_.size() * sizeof(float), *inverse_norm);
    }
    const uint8_t* copy = nullptr;
    with_value(id, nullptr, [&](const uint8_t* v, float inverse) {
      if (decoding_) decoding_->keep(id, page_items(), v);
      copy = held_.add(id, v, g_.space_.payload_size(v, std::numeric_limits<size_t>::max()), inverse);
      *inverse_norm = inverse;
    });
    return copy;
  }

  void remember(Id id, double key, const Slot& read) {
    measured_.push_back({id, g_.space_.distance_from_key(key), read});
    measured_sorted_ = false;
  }

  const Measured* measured(Id id) {
    if (measured_.empty()) return nullptr;
    if (!measured_sorted_) {
      std::sort(measured_.begin(), measured_.end(), [](const Measured& a, const Measured& b) { return a.id < b.id; });
      measured_sorted_ = true;
    }
    const auto it = std::lower_bound(measured_.begin(), measured_.end(), id, [](const Measured& m, Id x) { return m.id < x; });
    return it != measured_.end() && it->id == id ? &*it : nullptr;
  }
  size_t items_on_page_ = 0;  // of the page with_element last read
  uint32_t first_element_item_ = 0;  // of that page, when the code cache has no slots for it yet
  const uint8_t* query_ = nullptr;
  float query_inverse_norm_ = 0;
  VisitedTable visited_;
  Slot* last_ = nullptr;
  std::vector<uint8_t> scratch_;
  HeldValues held_;  // distance's
};

}  // namespace vectorx::hnsw
