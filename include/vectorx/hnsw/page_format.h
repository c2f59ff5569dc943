// On-page layout of an hnsw index.
//
// Every page's data area (what PageStore hands out: the Postgres page minus its header) starts
// with a PageHeader. Block 0 is the meta page; every other block is an element page.
//
//   meta page      PageHeader | Meta (format, space, m / ef_construction, entry point,
//                  insert hint, vector count)
//   element page   PageHeader | ItemEntry[item_count] → free space ← items (from the end)
//                  A slotted page: an item is an element or a value tail, addressed by
//                  Id = block << 8 | item (at most 255 items a page; blocks below 2^24, so an
//                  index holds 128 GiB).
//   element        ElementHeader (heap TID, level, flags, value length, first tail, first
//                  rows item, inverse norm) | level 0 list: uint32 count, Id[2m] | levels
//                  1..L: count, Id[m]
//                  | value head: the value's first bytes, as many as the item holds
//   value tail     TailHeader (flags = kTail, next tail) | the value's next bytes, as many
//                  as the item holds. A tail is always the first item of its page, so its
//                  bytes end at the page's end (readers prefetch them from there).
//   rows item      RowsHeader (owner element, flags = kRows, next rows item) | HeapTid[as many
//                  as it holds]: more heap rows whose values are identical to the owner's.
//
// Identical values are one element with several heap rows: its own heap TID plus the slots of
// its chain of rows items (an empty slot has offset 0; so does the element's own TID once its
// row is gone while others live). A scan returns every row of an element it returns, so
// duplicates cost neither graph nodes nor recall. A bulk build groups identical values and
// writes each group's rows items right after its element. An insert whose value equals a
// candidate's attaches its row to that element: in an empty slot of a rows item the element
// owns on its own page, else in a new rows item put at the head of its chain (on the
// element's page when it has room, else on another page, written first and then linked if the
// chain's head is still the one it points to). So rows items on other pages never gain rows,
// and one on the element's page changes only under that page's lock: VACUUM clears dead rows
// page by page, then decides under the element's page lock alone, with the chain's head
// unchanged since it looked, that no row is left. Freeing an element frees its rows items
// (kRows | kFree) for later attaches to reuse.

// Values span pages. A value that does not fit in its element item continues in a chain of
// tail items, each filled to its capacity before the next, so the bytes each holds follow from
// item lengths alone. A bulk build packs elements as a stream: when an element larger than an
// eighth of a page does not fit in a page's remaining space, its head fills that space and its
// tail starts the next page. Without this, 784 dimensions (3.3 KB elements) fit two a page with
// 1.5 KB left empty, and 1,024 dimensions one a page. Smaller elements are never split (a page
// then wastes less than an eighth, and a split value costs a second page read). Inserts pack
// the same way: an element over an eighth of a page that fits no page whole puts its head in
// the roomiest page's space and its tail on a fresh page, which later inserts fill. Values
// larger than a page keep all their bytes in tails on fresh pages.
//
// Under cosine, dense elements keep 1 / the value's norm, so a search ranks by one dot product
// (Space::cosine_key_by_dot) instead of computing both norms for every pair: 0 where the
// metric is another or the inverse norm is no normal float (the full key is computed then).
// The distances a scan returns are recomputed exactly (page_graph.h).
//
// Neighbour lists are allocated at full capacity so they are rewritten in place, and an item's
// size never changes. Deleting is two-step: VACUUM marks an element dead (never linked to
// again, never returned, still traversed), repairs the lists that pointed at it, then marks
// it free; a free item (with its tail chain) is reused by a later insert whose element fits
// in the item and the chain together. A free element keeps its old lists and value until
// reused, so a concurrent search that still holds its Id traverses it harmlessly.
//
// The meta page counts the elements that are not free, in the same change as each element is
// added (a fresh item, or a free one claimed) or freed, so vector quotas are exact under
// concurrent inserts: the count is checked against the quota under the meta page's lock.
//
// Locking: pages are read under shared locks taken one at a time (a list or a distance is
// copied or computed, then the lock is released; a split value is copied part by part, which
// is safe because a value never changes while its element is in use); every write is a Change
// of up to four pages locked exclusively, committed as one WAL record. Tails are written before
// the element that points to them (a crash in between leaves unreferenced tails: lost space,
// nothing wrong). Back-links are read-compute-compare-write: the new list is computed without
// locks and written only if the list is unchanged, so no lock is held while other pages are
// read. Entry-point changes and freeing elements happen under a heavyweight index lock owned by
// the Postgres layer (see src/pg/hnsw_am.h).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "vectorx/page_store.h"
#include "vectorx/slotted_page.h"

namespace vectorx::hnsw {

constexpr uint32_t kMagic = 0x4E535856;  // "VXSN"
constexpr uint32_t kFormatVersion = 5;  // 5: elements keep their inverse norm
constexpr uint32_t kMetaBlock = 0;
constexpr uint32_t kMaxBlock = (1u << 24) - 1;
constexpr int kMaxLevel = 16;

using Id = uint32_t;
constexpr Id kInvalidId = 0xFFFFFFFFu;

inline Id make_id(uint32_t block, int item) { return (block << 8) | static_cast<uint32_t>(item); }
inline uint32_t id_block(Id id) { return id >> 8; }
inline int id_item(Id id) { return static_cast<int>(id & 0xFF); }

enum class PageKind : uint16_t { kMeta = 0x5601, kElements = 0x5602 };

struct Meta {
  uint32_t magic;
  uint32_t version;
  uint8_t element_kind;  // ElementKind
  uint8_t metric;        // Metric
  uint16_t m;
  uint16_t ef_construction;
  uint16_t reserved;
  int64_t dim;
  Id entry;             // kInvalidId: empty graph
  int32_t entry_level;  // -1: empty graph
  uint32_t insert_hint;  // first element page that may have room (free item or free space)
  uint32_t freed_generation;  // raised by each VACUUM that frees elements (their Ids may be reused)
  uint64_t vectors;  // elements that are not free (live or dead): what vector quotas count
};

enum ElementFlags : uint8_t { kDead = 1, kFree = 2, kTail = 4, kRows = 8 };

struct ElementHeader {
  uint32_t heap_block;
  uint16_t heap_offset;
  uint8_t level;
  uint8_t flags;
  uint32_t value_len;
  Id tail;  // first value tail; kInvalidId when there is none
  Id rows;  // first rows item (more heap rows of this value); kInvalidId when there is none
  float inverse_norm;  // under cosine, 1 / |value|; 0: not kept (see above)
};

// A heap row slot that holds no row (Postgres numbers line pointers from 1).
inline bool holds_row(const HeapTid& t) { return t.offset != 0; }

struct TailHeader {
  uint8_t reserved[7];
  uint8_t flags;  // kTail, where an element keeps its flags: an item says what it is
  Id next;        // kInvalidId at the chain's end
};
static_assert(offsetof(TailHeader, flags) == offsetof(ElementHeader, flags));

struct RowsHeader {
  Id owner;  // the element whose rows these are
  uint8_t reserved[3];
  uint8_t flags;  // kRows, plus kFree once its element is freed
  Id next;        // the chain's next rows item; kInvalidId at its end
};
static_assert(offsetof(RowsHeader, flags) == offsetof(ElementHeader, flags));
static_assert(sizeof(HeapTid) == 8);

// Rows an insert's new rows item holds (fewer when its page has less room), and at most a
// build's: a freed item is reused by one element, which fills it only from its own page.
constexpr size_t kRowsPerItem = 16;
constexpr size_t kMaxRowsPerItem = 64;
inline size_t rows_item_size(size_t rows) { return sizeof(RowsHeader) + rows * sizeof(HeapTid); }

inline int list_capacity(int m, int level) { return level == 0 ? 2 * m : m; }

// Bytes of an element item: header, lists for levels 0..level, value head (4-aligned).
size_t element_size(int m, int level, size_t head_len);
// Elements larger than this are split across pages by a bulk build when that fills a page.
inline size_t split_above(size_t page_size) { return page_size / 8; }

inline Meta* meta_of(uint8_t* page) { return reinterpret_cast<Meta*>(page + sizeof(PageHeader)); }
inline const Meta* meta_of(const uint8_t* page) { return reinterpret_cast<const Meta*>(page + sizeof(PageHeader)); }
inline void init_page(uint8_t* page, size_t page_size, PageKind kind) {
  vectorx::init_page(page, page_size, static_cast<uint16_t>(kind));
}

// An element read from (or written into) a page, bounds-checked against the page.
class ElementRef {
 public:
  // Parses item `item` of an element page; false when the page or item is malformed.
  bool parse(const uint8_t* page, size_t page_size, int item, int m);
  // The same, saying what is malformed (nullptr when the element parses).
  const char* parse_problem(const uint8_t* page, size_t page_size, int item, int m);

  const ElementHeader& header() const { return *header_; }
  ElementHeader& mutable_header() { return *const_cast<ElementHeader*>(header_); }
  int level() const { return header_->level; }
  bool dead() const { return header_->flags & (kDead | kFree); }
  bool free() const { return header_->flags & kFree; }
  // The element's own heap row (holds_row() is false once that row is gone).
  HeapTid heap_tid() const { return {header_->heap_block, header_->heap_offset}; }
  void clear_heap_tid() { mutable_header().heap_offset = 0; }
  Id rows() const { return header_->rows; }
  float inverse_norm() const { return header_->inverse_norm; }
  // Bytes of the value in this item (the rest is in the tail chain).
  size_t head_length() const { return std::min<size_t>(header_->value_len, head_capacity_); }
  size_t head_capacity() const { return head_capacity_; }
  bool value_inline() const { return head_length() == header_->value_len; }
  const uint8_t* value() const { return value_; }
  size_t item_length() const { return item_length_; }
  // Neighbour list at a level: count, then capacity ids.
  uint32_t count(int level) const { return *list_(level); }
  const Id* ids(int level) const { return list_(level) + 1; }
  void set_list(int level, const Id* ids, size_t count);

 private:
  uint32_t* list_(int level) const;

  const ElementHeader* header_ = nullptr;
  const uint8_t* value_ = nullptr;
  size_t item_length_ = 0;
  size_t head_capacity_ = 0;
  int m_ = 0;
};

// A value tail read from (or written into) a page, bounds-checked against the page.
class TailRef {
 public:
  // Parses item `item`; false when it is not a value tail or is malformed.
  bool parse(const uint8_t* page, size_t page_size, int item);
  TailHeader& mutable_header() { return *const_cast<TailHeader*>(header_); }
  Id next() const { return header_->next; }
  const uint8_t* bytes() const { return reinterpret_cast<const uint8_t*>(header_ + 1); }
  uint8_t* mutable_bytes() { return reinterpret_cast<uint8_t*>(&mutable_header() + 1); }
  size_t capacity() const { return capacity_; }

 private:
  const TailHeader* header_ = nullptr;
  size_t capacity_ = 0;
};

// A rows item read from (or written into) a page, bounds-checked against the page.
class RowsRef {
 public:
  // Parses item `item`; false when it is not a rows item or is malformed.
  bool parse(const uint8_t* page, size_t page_size, int item);
  // Formats item `item` (fresh, or a free rows item reused) as `owner`'s empty rows item in
  // front of `next`.
  void format(uint8_t* page, size_t page_size, int item, Id owner, Id next);
  bool free() const { return header_->flags & kFree; }
  void set_free() { mutable_header().flags |= kFree; }
  Id owner() const { return header_->owner; }
  Id next() const { return header_->next; }
  void set_next(Id next) { mutable_header().next = next; }
  size_t capacity() const { return capacity_; }
  const HeapTid* rows() const { return reinterpret_cast<const HeapTid*>(header_ + 1); }
  HeapTid* mutable_rows() { return reinterpret_cast<HeapTid*>(&mutable_header() + 1); }
  // Stores `tid` in an empty slot; false when every slot holds a row.
  bool add(HeapTid tid);

 private:
  RowsHeader& mutable_header() { return *const_cast<RowsHeader*>(header_); }
  bool locate(const uint8_t* page, size_t page_size, int item);
  const RowsHeader* header_ = nullptr;
  size_t capacity_ = 0;
};

// Visits the element pages (blocks 1.. of kind kElements) one at a time, checking for
// interrupts before each: read(block, page) under the page's share lock, then after(block)
// once the lock is released (for work that locks other pages). Stops when read returns false.
template <class Read, class After>
void for_each_element_page(PageStore& store, Read read, After after) {
  const uint32_t blocks = store.block_count();
  for (uint32_t block = 1; block < blocks; ++block) {
    store.check_interrupts();
    {
      ReadPage page(store, block);
      if (page_header(page.data())->kind != static_cast<uint16_t>(PageKind::kElements)) continue;
      if (!read(block, page.data())) return;
    }
    after(block);
  }
}

template <class Read>
void for_each_element_page(PageStore& store, Read read) {
  for_each_element_page(store, read, [](uint32_t) {});
}

}  // namespace vectorx::hnsw
