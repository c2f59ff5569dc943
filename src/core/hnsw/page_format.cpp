// Slotted element pages and element records (page_format.h).
#include "vectorx/hnsw/page_format.h"

#include "vectorx/errors.h"

namespace vectorx::hnsw {
namespace {

size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

size_t lists_size(int m, int level) {
  size_t bytes = 0;
  for (int l = 0; l <= level; ++l) bytes += sizeof(uint32_t) * (1 + static_cast<size_t>(list_capacity(m, l)));
  return bytes;
}

}  // namespace

size_t element_size(int m, int level, size_t head_len) {
  return align4(sizeof(ElementHeader) + lists_size(m, level) + head_len);
}

bool ElementRef::parse(const uint8_t* page, size_t page_size, int item, int m) {
  return parse_problem(page, page_size, item, m) == nullptr;
}

const char* ElementRef::parse_problem(const uint8_t* page, size_t page_size, int item, int m) {
  if (page_header(page)->kind != static_cast<uint16_t>(PageKind::kElements)) return "not on an element page";
  size_t length;
  const uint8_t* data = find_item(page, page_size, item, &length);
  if (!data) return "item entry points outside the page";
  if (length >= sizeof(TailHeader) && (data[offsetof(TailHeader, flags)] & kTail)) return "a value tail, not an element";
  if (length >= sizeof(RowsHeader) && (data[offsetof(RowsHeader, flags)] & kRows)) return "a rows item, not an element";
  if (length < sizeof(ElementHeader)) return "item shorter than an element header";
  header_ = reinterpret_cast<const ElementHeader*>(data);
  m_ = m;
  item_length_ = length;
  if (header_->level > kMaxLevel) return "level above the maximum";
  const size_t fixed = sizeof(ElementHeader) + lists_size(m, header_->level);
  if (fixed > length) return "neighbour lists longer than the item";
  for (int l = 0; l <= header_->level; ++l)
    if (count(l) > static_cast<uint32_t>(list_capacity(m, l))) return "a neighbour list claims more ids than it holds";
  value_ = data + fixed;
  head_capacity_ = length - fixed;
  if (header_->tail == kInvalidId && !value_inline()) return "value longer than the item, with no tail";
  return nullptr;
}

bool TailRef::parse(const uint8_t* page, size_t page_size, int item) {
  if (page_header(page)->kind != static_cast<uint16_t>(PageKind::kElements)) return false;
  size_t length;
  const uint8_t* data = find_item(page, page_size, item, &length);
  if (!data || length <= sizeof(TailHeader)) return false;
  header_ = reinterpret_cast<const TailHeader*>(data);
  capacity_ = length - sizeof(TailHeader);
  return (header_->flags & kTail) != 0;
}

bool RowsRef::locate(const uint8_t* page, size_t page_size, int item) {
  if (page_header(page)->kind != static_cast<uint16_t>(PageKind::kElements)) return false;
  size_t length;
  const uint8_t* data = find_item(page, page_size, item, &length);
  if (!data || length < rows_item_size(1)) return false;
  header_ = reinterpret_cast<const RowsHeader*>(data);
  capacity_ = (length - sizeof(RowsHeader)) / sizeof(HeapTid);
  return true;
}

bool RowsRef::parse(const uint8_t* page, size_t page_size, int item) {
  return locate(page, page_size, item) && (header_->flags & kRows) != 0;
}

void RowsRef::format(uint8_t* page, size_t page_size, int item, Id owner, Id next) {
  if (!locate(page, page_size, item)) throw CorruptIndex("hnsw page has no room for a rows item where it says");
  std::memset(&mutable_header(), 0, rows_item_size(capacity_));
  mutable_header().owner = owner;
  mutable_header().flags = kRows;
  mutable_header().next = next;
}

bool RowsRef::add(HeapTid tid) {
  HeapTid* slots = mutable_rows();
  for (size_t i = 0; i < capacity_; ++i)
    if (!holds_row(slots[i])) {
      std::memset(static_cast<void*>(&slots[i]), 0, sizeof(HeapTid));  // the padding too: pages are WAL-logged byte for byte
      slots[i].block = tid.block;
      slots[i].offset = tid.offset;
      return true;
    }
  return false;
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
  if (count > 0) std::memcpy(p + 1, ids, count * sizeof(Id));  // an empty list may come as nullptr
}

}  // namespace vectorx::hnsw
