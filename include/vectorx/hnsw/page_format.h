// On-page layout of an hnsw index.
//
// Every page's data area (what PageStore hands out: the Postgres page minus its header) starts
// with a PageHeader. Block 0 is the meta page; every other block is an element page or an
// overflow page.
//
//   meta page      PageHeader | Meta (format, space, m / ef_construction, entry point,
//                  insert hint, vector count)
//   element page   PageHeader | ItemEntry[item_count] → free space ← items (from the end)
//                  A slotted page: an item is one element, addressed by Id = block << 8 | item
//                  (at most 255 items a page; blocks below 2^24, so an index holds 128 GiB).
//   element        ElementHeader (heap TID, level, flags, value length, overflow block)
//                  | level 0 list: uint32 count, Id[2m] | levels 1..L: count, Id[m]
//                  | the value payload (metric.h), unless it lives in overflow pages
//   overflow page  PageHeader (next = following block of the chain) | payload bytes
//                  A value too large to share a page with its lists (vector beyond ~2,000
//                  dims, large sparse vectors) is stored in a chain of overflow pages.
//
// Neighbour lists are allocated at full capacity so they are rewritten in place, and an item's
// size never changes. Deleting is two-step: VACUUM marks an element dead (never linked to
// again, never returned, still traversed), repairs the lists that pointed at it, then marks
// it free; a free item (and its overflow chain) is reused by a later insert whose element
// fits. A free element keeps its old lists and value until reused, so a concurrent search
// that still holds its Id traverses it harmlessly.
//
// The meta page counts the elements that are not free, in the same change as each element is
// added (a fresh item, or a free one claimed) or freed, so vector quotas are exact under
// concurrent inserts: the count is checked against the quota under the meta page's lock.
//
// Locking: pages are read under shared locks taken one at a time (a list or a distance is
// copied or computed, then the lock is released); every write is a Change of up to four pages
// locked exclusively, committed as one WAL record. Back-links are read-compute-compare-write:
// the new list is computed without locks and written only if the list is unchanged, so no
// lock is held while other pages are read. Entry-point changes and freeing elements happen
// under a heavyweight index lock owned by the Postgres layer (see src/pg/hnsw_am.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "vectorx/page_store.h"
#include "vectorx/slotted_page.h"

namespace vectorx::hnsw {

constexpr uint32_t kMagic = 0x4E535856;  // "VXSN"
constexpr uint32_t kFormatVersion = 2;
constexpr uint32_t kMetaBlock = 0;
constexpr uint32_t kMaxBlock = (1u << 24) - 1;
constexpr int kMaxLevel = 16;

using Id = uint32_t;
constexpr Id kInvalidId = 0xFFFFFFFFu;

inline Id make_id(uint32_t block, int item) { return (block << 8) | static_cast<uint32_t>(item); }
inline uint32_t id_block(Id id) { return id >> 8; }
inline int id_item(Id id) { return static_cast<int>(id & 0xFF); }

enum class PageKind : uint16_t { kMeta = 0x5601, kElements = 0x5602, kOverflow = 0x5603 };

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
  uint32_t reserved2;
  uint64_t vectors;  // elements that are not free (live or dead): what vector quotas count
};

enum ElementFlags : uint8_t { kDead = 1, kFree = 2 };

struct ElementHeader {
  uint32_t heap_block;
  uint16_t heap_offset;
  uint8_t level;
  uint8_t flags;
  uint32_t value_len;
  uint32_t overflow;  // first overflow block, kInvalidBlock when the value is inline
};

inline int list_capacity(int m, int level) { return level == 0 ? 2 * m : m; }

// Bytes of an element item: header, lists for levels 0..level, inline value (4-aligned).
size_t element_size(int m, int level, size_t inline_value_len);
// Payload bytes one overflow page holds.
inline size_t overflow_capacity(size_t page_size) { return page_size - sizeof(PageHeader); }

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
  HeapTid heap_tid() const { return {header_->heap_block, header_->heap_offset}; }
  bool value_inline() const { return header_->overflow == kInvalidBlock; }
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
  int m_ = 0;
};

}  // namespace vectorx::hnsw
