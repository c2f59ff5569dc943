// Entry slots of IVF data pages (page_format.h).
#include <cstring>

#include "vectorx/ivf/page_format.h"
#include "vectorx/pq_fastscan.h"

namespace vectorx::ivf {

EntryLayout::EntryLayout(EntryFormat format, size_t entry_bytes, size_t pq_m, size_t page_size)
    : format_(format), entry_bytes_(entry_bytes), pq_m_(pq_m) {
  const size_t room = page_size - sizeof(PageHeader);
  if (format == EntryFormat::kCode4) {
    group_ = kFastScanBlock;
    group_bytes_ = fastscan_block_bytes(pq_m) + kFastScanBlock * kPqBoundBytes;
  } else {
    group_ = 1;
    group_bytes_ = (entry_bytes + 3) & ~size_t{3};  // 4-aligned payloads for the kernels
  }
  capacity_ = group_ * (room / (group_ * sizeof(EntryHeader) + group_bytes_));
  area_offset_ = sizeof(PageHeader) + capacity_ * sizeof(EntryHeader);
}

long EntryLayout::entries(const uint8_t* page) const {
  const size_t n = page_header(page)->item_count;
  return n <= capacity_ ? static_cast<long>(n) : -1;
}

void EntryLayout::read_payload(const uint8_t* page, size_t entry, uint8_t* out) const {
  const uint8_t* group = area(page) + (entry / group_) * group_bytes_;
  if (format_ != EntryFormat::kCode4) {
    std::memcpy(out, group, entry_bytes_);
    return;
  }
  const size_t lane = entry % group_, byte = lane % 16, shift = lane < 16 ? 0 : 4;
  std::memset(out, 0, entry_bytes_);
  std::memcpy(out, group + group_bounds_offset() + lane * kPqBoundBytes, kPqBoundBytes);
  uint8_t* code = out + kPqBoundBytes;
  for (size_t j = 0; j < pq_m_; ++j) {
    const uint8_t nibble = (group[j * 16 + byte] >> shift) & 0x0f;
    code[j / 2] = static_cast<uint8_t>(code[j / 2] | (nibble << (4 * (j % 2))));
  }
}

void EntryLayout::write_payload(uint8_t* page, size_t entry, const uint8_t* payload) const {
  uint8_t* group = area(page) + (entry / group_) * group_bytes_;
  if (format_ != EntryFormat::kCode4) {
    std::memcpy(group, payload, entry_bytes_);
    return;
  }
  const size_t lane = entry % group_, byte = lane % 16, shift = lane < 16 ? 0 : 4;
  std::memcpy(group + group_bounds_offset() + lane * kPqBoundBytes, payload, kPqBoundBytes);
  const uint8_t* code = payload + kPqBoundBytes;
  for (size_t j = 0; j < pq_m_; ++j) {
    const uint8_t nibble = (code[j / 2] >> (4 * (j % 2))) & 0x0f;
    uint8_t& cell = group[j * 16 + byte];
    cell = static_cast<uint8_t>((cell & ~(0x0f << shift)) | (nibble << shift));
  }
}

void EntryLayout::append(uint8_t* page, const EntryHeader& header, const uint8_t* payload) const {
  PageHeader* h = page_header(page);
  headers(page)[h->item_count] = header;
  write_payload(page, h->item_count, payload);
  ++h->item_count;
}

}  // namespace vectorx::ivf
