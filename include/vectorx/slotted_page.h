// Slotted pages, the item layout the index formats share. A page's data area (what PageStore
// hands out) starts with a PageHeader; a directory of ItemEntry grows forward after it and
// item bytes grow back from the page end. Items are 4-byte aligned and at most
// kMaxItemsPerPage a page (index formats address an item with 8 bits).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vectorx {

constexpr int kMaxItemsPerPage = 255;

// A table row's address as index items store it.
struct HeapTid {
  uint32_t block = 0;
  uint16_t offset = 0;
  bool operator==(const HeapTid& o) const { return block == o.block && offset == o.offset; }
};

// A row an index search returns: its address and the operator's distance to the query (ivfpq:
// the distance's estimate).
struct Result {
  double distance;
  HeapTid tid;
};

// Postgres' order of float8 distances: NaN after every number, +Infinity included.
inline bool nearer(double a, double b) { return a < b || (b != b && a == a); }

struct PageHeader {
  uint16_t kind;        // the index format's page kind
  uint16_t item_count;  // directory entries
  uint16_t lower;       // end of the directory
  uint16_t upper;       // start of item data
  uint32_t next;        // chained pages: the following block
  uint32_t reserved;
};

struct ItemEntry {
  uint16_t offset;
  uint16_t length;
};

inline PageHeader* page_header(uint8_t* page) { return reinterpret_cast<PageHeader*>(page); }
inline const PageHeader* page_header(const uint8_t* page) { return reinterpret_cast<const PageHeader*>(page); }

// An empty page of `kind` (next = kInvalidBlock).
void init_page(uint8_t* page, size_t page_size, uint16_t kind);
// Room for one more item of `length` (> 0) bytes in fresh space.
bool has_room(const uint8_t* page, size_t page_size, size_t length);
// The largest item that fits in fresh space now (a multiple of 4; 0 when none does).
size_t largest_item(const uint8_t* page, size_t page_size);
// Appends a zero-filled item of `length` bytes (has_room must hold); returns its number.
int add_item(uint8_t* page, size_t length);
// Item `item` of a page, bounds-checked against the page and 4-aligned: nullptr when the page
// or the entry is malformed. `length` receives the item's (aligned) length.
const uint8_t* find_item(const uint8_t* page, size_t page_size, int item, size_t* length);
// Largest item a page of `page_size` bytes holds.
size_t max_item_size(size_t page_size);

// Bytes [begin, end) of a page's data area, 8-aligned.
struct Span {
  size_t begin = 0;
  size_t end = 0;
  size_t size() const { return end - begin; }
};
// The longer of two runs of zero bytes a page image may leave out (empty when neither has
// any): a slotted page's free space between directory and items, when every byte of it is
// zero, and the zeros that end the page (pages filled from the front). Read from the bytes,
// never trusted from the header. `page` must be 8-aligned.
Span zero_span(const uint8_t* page, size_t page_size);

}  // namespace vectorx
