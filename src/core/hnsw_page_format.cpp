// Slotted element pages and element records (page_format.h).
#include "vectorx/hnsw/page_format.h"

namespace vectorx::hnsw {
namespace {

size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

size_t lists_size(int m, int level) {
  size_t bytes = 0;
  for (int l = 0; l <= level; ++l) bytes += sizeof(uint32_t) * (1 + static_cast<size_t>(list_capacity(m, l)));
  return bytes;
}

const ItemEntry* directory(const uint8_t* page) {
  return reinterpret_cast<const ItemEntry*>(page + sizeof(PageHeader));
}

}  // namespace

size_t element_size(int m, int level, size_t inline_value_len) {
  return align4(sizeof(ElementHeader) + lists_size(m, level) + inline_value_len);
}

void init_page(uint8_t* page, size_t page_size, PageKind kind) {
  std::memset(page, 0, page_size);
  PageHeader* h = page_header(page);
  h->kind = static_cast<uint16_t>(kind);
  h->lower = sizeof(PageHeader);
  h->upper = static_cast<uint16_t>(page_size & ~size_t{3});
  h->next = kInvalidBlock;
}

bool has_room(const uint8_t* page, size_t length) {
  const PageHeader* h = page_header(page);
  return h->item_count < kMaxItemsPerPage && h->upper >= h->lower &&
         size_t{h->upper} - h->lower >= align4(length) + sizeof(ItemEntry);
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

bool ElementRef::parse(const uint8_t* page, size_t page_size, int item, int m) {
  const PageHeader* h = page_header(page);
  if (h->kind != static_cast<uint16_t>(PageKind::kElements) || item >= h->item_count) return false;
  if (sizeof(PageHeader) + sizeof(ItemEntry) * h->item_count > page_size) return false;
  const ItemEntry& e = directory(page)[item];
  if (e.offset % 4 != 0 || size_t{e.offset} + e.length > page_size || e.length < sizeof(ElementHeader)) return false;
  header_ = reinterpret_cast<const ElementHeader*>(page + e.offset);
  m_ = m;
  item_length_ = e.length;
  if (header_->level > kMaxLevel) return false;
  const size_t fixed = sizeof(ElementHeader) + lists_size(m, header_->level);
  if (fixed > e.length) return false;
  for (int l = 0; l <= header_->level; ++l)
    if (count(l) > static_cast<uint32_t>(list_capacity(m, l))) return false;
  value_ = page + e.offset + fixed;
  return !value_inline() || fixed + header_->value_len <= e.length;
}

uint32_t* ElementRef::list_(int level) const {
  auto* p = reinterpret_cast<uint32_t*>(const_cast<ElementHeader*>(header_) + 1);
  for (int l = 0; l < level; ++l) p += 1 + list_capacity(m_, l);
  return p;
}

void ElementRef::set_list(int level, const Id* ids, size_t count) {
  uint32_t* p = list_(level);
  const size_t cap = static_cast<size_t>(list_capacity(m_, level));
  if (count > cap) count = cap;
  p[0] = static_cast<uint32_t>(count);
  std::memcpy(p + 1, ids, count * sizeof(Id));
}

}  // namespace vectorx::hnsw
