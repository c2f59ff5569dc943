// On-page layout of the IVF indexes (ivfflat, ivfpq, and flat: one list of bounded codes).
//
// Every page's data area starts with a PageHeader (slotted_page.h).
//
//   block 0        meta page: PageHeader | Meta (format, space, lists, entry format, where
//                  the directory and the codebooks are, the entry count)
//   blocks 1..D    directory pages: PageHeader | ListSlot[…]; list l lives in block
//                  1 + l / slots_per_page. A slot holds the list's first data page, the page
//                  inserts try first, and the list's centre (a payload of the index's Space,
//                  metric.h, so queries measure centres with the same code as entries)
//   next C blocks  ivfpq: the PQ codebooks, m × 2^nbits × dim/m floats written across
//                  pages (PageHeader | floats), in ProductQuantizer's order (pq.h); flat:
//                  its quantizer's 2 × dim floats (bounded_codes.h)
//   other blocks   data pages, each in one list's chain (PageHeader::next), holding entries
//                  in fixed slots (EntryLayout below): PageHeader (item_count = entries in
//                  use) | EntryHeader[capacity] (heap TID, flags) | entry area. The area
//                  holds each entry's payload (ivfflat: the value; ivfpq 8-bit: float eps
//                  then its code; flat and ivfpq's scalar codes: bounded_codes.h) back to back, or for 4-bit codes
//                  groups of 32 entries: their codes interleaved for SIMD "fast scan"
//                  (pq_fastscan.h), then their 32 eps, so a scan reads a page's codes in
//                  place. An ivfpq entry's eps is the distance from its value (unit length
//                  under cosine) to its code's reconstruction, rounded up: what turns the
//                  code's estimate into a lower bound of the distance.
//
// Chains only grow: pages are never unlinked or freed, so a scan that read `next` under a
// lock may follow it after releasing the lock. VACUUM compacts a page in place (live entries
// moved to the front) and moves its list's insert page back to the first page with room.
//
// Locking: scans take shared locks one page at a time. An insert locks its list's insert page
// exclusively; when the page is full it either moves on along `next` (advancing the insert
// page in the directory) or appends a fresh page in one Change of {full page, new page,
// directory page}, data pages before the directory. The first page of an empty list is one
// Change of {directory page, new page}; nobody else can hold a page that does not exist yet.
// Nothing holds the directory while waiting for an existing data page, so locks form no cycle.
// Every change that adds or removes entries also updates the meta page's entry count, and
// locks the meta page last; the vector quota is checked against that count under its lock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "vectorx/page_store.h"
#include "vectorx/slotted_page.h"

namespace vectorx::ivf {

constexpr uint32_t kMagic = 0x46565856;  // "VXVF"
constexpr uint32_t kFormatVersion = 4;  // 4: PQ entries carry their error bound
constexpr uint32_t kMetaBlock = 0;
constexpr uint32_t kFirstDirectoryBlock = 1;

enum class PageKind : uint16_t { kMeta = 0x5611, kDirectory = 0x5612, kData = 0x5613, kCodebook = 0x5614 };

// What an entry carries.
// kBounded, kBounded4: 8-bit (flat, ivfpq's default) and 4-bit (ivfpq) scalar codes with error
// bounds (bounded_codes.h).
enum class EntryFormat : uint8_t { kValue = 1, kCode8 = 2, kCode4 = 3, kBounded = 4, kBounded4 = 5 };
// Code bits a dimension of a bounded format, 0 for the others.
constexpr int bounded_bits(EntryFormat format) {
  return format == EntryFormat::kBounded ? 8 : format == EntryFormat::kBounded4 ? 4 : 0;
}

struct Meta {
  uint32_t magic;
  uint32_t version;
  uint8_t element_kind;  // ElementKind
  uint8_t metric;        // Metric
  uint8_t entry_format;  // EntryFormat
  uint8_t residual;      // ivfpq: codes encode the value minus its list's centre
  uint32_t lists;
  int64_t dim;
  uint32_t centre_bytes;     // payload bytes of one centre
  uint32_t directory_pages;  // blocks 1 .. directory_pages
  uint32_t entry_bytes;      // payload bytes of one entry
  uint32_t pq_m;             // ivfpq: sub-quantizers (0 for ivfflat)
  uint32_t codebook_pages;   // blocks directory_pages + 1 .. directory_pages + codebook_pages
  uint32_t build_stamp;      // random per build: tells caches one build from another
  uint64_t vectors;          // entries in the lists: what vector quotas count
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
};

inline size_t slot_size(size_t centre_bytes) { return sizeof(ListSlot) + ((centre_bytes + 3) & ~size_t{3}); }
inline size_t slots_per_page(size_t page_size, size_t centre_bytes) {
  return (page_size - sizeof(PageHeader)) / slot_size(centre_bytes);
}
inline size_t codebook_floats_per_page(size_t page_size) { return (page_size - sizeof(PageHeader)) / sizeof(float); }

inline Meta* meta_of(uint8_t* page) { return reinterpret_cast<Meta*>(page + sizeof(PageHeader)); }
inline const Meta* meta_of(const uint8_t* page) { return reinterpret_cast<const Meta*>(page + sizeof(PageHeader)); }
inline void init_page(uint8_t* page, size_t page_size, PageKind kind) {
  vectorx::init_page(page, page_size, static_cast<uint16_t>(kind));
}

// Bytes of the error bound that starts an ivfpq payload.
constexpr size_t kPqBoundBytes = sizeof(float);

// Where the entries of a data page sit. Entries are numbered 0 .. item_count-1; a payload is
// read and written through the layout because 4-bit codes are spread over a 32-entry group.
class EntryLayout {
 public:
  // `entry_bytes`: payload bytes (a 4-bit code of m sub-quantizers: kPqBoundBytes + (m + 1) / 2);
  // capacity 0 when one entry does not fit a page.
  EntryLayout(EntryFormat format, size_t entry_bytes, size_t pq_m, size_t page_size);

  size_t capacity() const { return capacity_; }
  // Entries a scan scores together (32 for 4-bit codes, else 1).
  size_t group() const { return group_; }
  size_t group_bytes() const { return group_bytes_; }
  // 4-bit codes: where a group's 32 eps start, from the group's start.
  size_t group_bounds_offset() const { return group_bytes_ - group_ * kPqBoundBytes; }

  static EntryHeader* headers(uint8_t* page) { return reinterpret_cast<EntryHeader*>(page + sizeof(PageHeader)); }
  static const EntryHeader* headers(const uint8_t* page) {
    return reinterpret_cast<const EntryHeader*>(page + sizeof(PageHeader));
  }
  const uint8_t* area(const uint8_t* page) const { return page + area_offset_; }
  uint8_t* area(uint8_t* page) const { return page + area_offset_; }
  // Entries in use, or -1 when the page claims more than fit (corruption).
  long entries(const uint8_t* page) const;

  void read_payload(const uint8_t* page, size_t entry, uint8_t* out) const;
  void write_payload(uint8_t* page, size_t entry, const uint8_t* payload) const;
  // Appends an entry (entries() < capacity() must hold).
  void append(uint8_t* page, const EntryHeader& header, const uint8_t* payload) const;

 private:
  EntryFormat format_;
  size_t entry_bytes_, pq_m_, group_, group_bytes_, capacity_, area_offset_;
};

}  // namespace vectorx::ivf
