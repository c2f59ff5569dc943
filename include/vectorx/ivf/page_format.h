// On-page layout of the IVF indexes.
//
// Every page's data area starts with a PageHeader (slotted_page.h).
//
//   block 0        meta page: PageHeader | Meta (format, space, number of lists, where the
//                  directory is)
//   blocks 1..D    directory pages: PageHeader | ListSlot[…]; list l lives in block
//                  1 + l / slots_per_page. A slot holds the list's first data page, the page
//                  inserts try first, and the list's centre (a payload of the index's Space,
//                  metric.h, so queries measure centres with the same code as entries)
//   other blocks   data pages, each in one list's chain (PageHeader::next): slotted pages
//                  whose items are an EntryHeader (heap TID, flags) and the entry's payload
//
// Chains only grow: pages are never unlinked or freed, so a scan that read `next` under a
// lock may follow it after releasing the lock. VACUUM compacts a page in place (dead entries
// removed) and moves its list's insert page back to the first page of the chain with room.
//
// Locking: scans take shared locks one page at a time. An insert locks its list's insert page
// exclusively; when the page is full it either moves on along `next` (advancing the insert
// page in the directory) or appends a fresh page in one Change of {full page, new page,
// directory page}, data pages before the directory. The first page of an empty list is one
// Change of {directory page, new page}; nobody else can hold a page that does not exist yet.
// Nothing holds the directory while waiting for an existing data page, so locks form no cycle.
#pragma once

#include <cstddef>
#include <cstdint>

#include "vectorx/page_store.h"
#include "vectorx/slotted_page.h"

namespace vectorx::ivf {

constexpr uint32_t kMagic = 0x46565856;  // "VXVF"
constexpr uint32_t kFormatVersion = 1;
constexpr uint32_t kMetaBlock = 0;
constexpr uint32_t kFirstDirectoryBlock = 1;

enum class PageKind : uint16_t { kMeta = 0x5611, kDirectory = 0x5612, kData = 0x5613 };

struct Meta {
  uint32_t magic;
  uint32_t version;
  uint8_t element_kind;  // ElementKind
  uint8_t metric;        // Metric
  uint16_t reserved;
  uint32_t lists;
  int64_t dim;
  uint32_t centre_bytes;     // payload bytes of one centre
  uint32_t directory_pages;  // blocks 1 .. directory_pages
};

struct ListSlot {
  uint32_t head;    // first data page, kInvalidBlock while the list is empty
  uint32_t insert;  // the page inserts try first
  // followed by the centre payload, padded to 4 bytes
};

enum EntryFlags : uint16_t { kEntryDead = 1 };

struct EntryHeader {
  uint32_t heap_block;
  uint16_t heap_offset;
  uint16_t flags;
  // followed by the payload
};

inline size_t slot_size(size_t centre_bytes) { return sizeof(ListSlot) + ((centre_bytes + 3) & ~size_t{3}); }
inline size_t slots_per_page(size_t page_size, size_t centre_bytes) {
  return (page_size - sizeof(PageHeader)) / slot_size(centre_bytes);
}

inline Meta* meta_of(uint8_t* page) { return reinterpret_cast<Meta*>(page + sizeof(PageHeader)); }
inline const Meta* meta_of(const uint8_t* page) { return reinterpret_cast<const Meta*>(page + sizeof(PageHeader)); }
inline void init_page(uint8_t* page, size_t page_size, PageKind kind) {
  vectorx::init_page(page, page_size, static_cast<uint16_t>(kind));
}

}  // namespace vectorx::ivf
