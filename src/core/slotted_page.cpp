// Slotted pages (slotted_page.h).
#include "vectorx/slotted_page.h"

#include <algorithm>
#include <cstring>

#include "vectorx/page_store.h"

namespace vectorx {
namespace {

size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

// Whether the 8-aligned [begin, end) holds only zero bytes (one OR a word, so it vectorizes).
bool all_zero(const uint8_t* page, size_t begin, size_t end) {
  uint64_t any = 0;
  for (size_t at = begin; at < end; at += 8) {
    uint64_t word;
    std::memcpy(&word, page + at, sizeof word);
    any |= word;
  }
  return any == 0;
}

// Where the zero bytes that end [0, end) begin (8-aligned; `end` when the last word is not zero).
size_t trailing_zeros_begin(const uint8_t* page, size_t end) {
  constexpr size_t kStep = 64;
  while (end >= kStep && all_zero(page, end - kStep, end)) end -= kStep;
  while (end >= 8 && all_zero(page, end - 8, end)) end -= 8;
  return end;
}

}  // namespace

void init_page(uint8_t* page, size_t page_size, uint16_t kind) {
  std::memset(page, 0, page_size);
  PageHeader* h = page_header(page);
  h->kind = kind;
  h->lower = sizeof(PageHeader);
  h->upper = static_cast<uint16_t>(page_size & ~size_t{3});
  h->next = kInvalidBlock;
}

size_t largest_item(const uint8_t* page, size_t page_size) {
  const PageHeader* h = page_header(page);
  if (h->item_count >= kMaxItemsPerPage || h->upper < h->lower + sizeof(ItemEntry)) return 0;
  // A damaged header is a full page: add_item would write where the header points.
  if (h->upper > page_size || h->upper % 4 != 0 || h->lower != sizeof(PageHeader) + sizeof(ItemEntry) * h->item_count)
    return 0;
  return (size_t{h->upper} - h->lower - sizeof(ItemEntry)) & ~size_t{3};
}

bool has_room(const uint8_t* page, size_t page_size, size_t length) {
  return length > 0 && align4(length) <= largest_item(page, page_size);
}

int add_item(uint8_t* page, size_t length) {
  PageHeader* h = page_header(page);
  const int item = h->item_count;
  h->upper = static_cast<uint16_t>(h->upper - align4(length));
  auto* entry = reinterpret_cast<ItemEntry*>(page + h->lower);
  entry->offset = h->upper;
  entry->length = static_cast<uint16_t>(align4(length));
  h->lower = static_cast<uint16_t>(h->lower + sizeof(ItemEntry));
  h->item_count = static_cast<uint16_t>(item + 1);
  std::memset(page + h->upper, 0, align4(length));
  return item;
}

const uint8_t* find_item(const uint8_t* page, size_t page_size, int item, size_t* length) {
  const PageHeader* h = page_header(page);
  if (item < 0 || item >= h->item_count) return nullptr;
  if (sizeof(PageHeader) + sizeof(ItemEntry) * h->item_count > page_size) return nullptr;
  ItemEntry e;
  std::memcpy(&e, page + sizeof(PageHeader) + sizeof(ItemEntry) * static_cast<size_t>(item), sizeof e);
  if (e.offset % 4 != 0 || size_t{e.offset} + e.length > page_size) return nullptr;
  *length = e.length;
  return page + e.offset;
}

size_t max_item_size(size_t page_size) { return (page_size - sizeof(PageHeader) - sizeof(ItemEntry)) & ~size_t{3}; }

Span zero_span(const uint8_t* page, size_t page_size) {
  const size_t end = page_size & ~size_t{7};
  Span best{trailing_zeros_begin(page, end), end};
  const PageHeader* h = page_header(page);
  const Span free{(size_t{h->lower} + 7) & ~size_t{7}, std::min<size_t>(h->upper, end) & ~size_t{7}};
  if (free.begin >= sizeof(PageHeader) && free.end > free.begin + best.size() && all_zero(page, free.begin, free.end))
    best = free;
  return best.size() ? best : Span{};
}

}  // namespace vectorx
