// Generic-WAL page deltas (page_delta.h).
#include "vectorx/page_delta.h"

#include <algorithm>
#include <cstring>

namespace vectorx {
namespace {

constexpr size_t kChunk = 8;
constexpr size_t kJoinGap = 8;  // unchanged bytes a fragment may carry rather than end
constexpr size_t kFragmentHeader = 2 * sizeof(uint16_t);
constexpr size_t kStride = 64;  // unchanged stretches are skipped this many bytes at a time

uint64_t load(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

bool same_bytes(const uint8_t* a, const uint8_t* b, size_t n) {
  if (n != kChunk) return std::memcmp(a, b, n) == 0;
  return load(a) == load(b);
}

bool same_stride(const uint8_t* a, const uint8_t* b) {
  uint64_t differ = 0;
  for (size_t i = 0; i < kStride; i += kChunk) differ |= load(a + i) ^ load(b + i);
  return differ == 0;
}

class DeltaWriter {
 public:
  DeltaWriter(uint8_t* out, size_t capacity) : out_(out), capacity_(capacity) {}

  // Adds the fragments for after's bytes [begin, end), where before's bytes are comparable
  // only within [known_begin, known_end).
  void add_region(const uint8_t* before, const uint8_t* after, size_t begin, size_t end, size_t known_begin,
                  size_t known_end) {
    size_t run_begin = 0, run_end = 0;
    bool open = false;
    const size_t known_to = std::min(end, known_end);
    for (size_t at = begin; at < end; at += kChunk) {
      if (!open && at >= known_begin)
        while (at + kStride <= known_to && same_stride(before + at, after + at)) at += kStride;
      if (at >= end) break;
      const size_t n = std::min(kChunk, end - at);
      const bool same = at >= known_begin && at + n <= known_end && same_bytes(before + at, after + at, n);
      if (!same) {
        if (!open) run_begin = at;
        open = true;
        run_end = at + n;
      } else if (open && at + n - run_end > kJoinGap) {
        write(after, run_begin, run_end);
        open = false;
      }
    }
    if (open) write(after, run_begin, run_end);
  }

  size_t length() const { return overflow_ ? SIZE_MAX : length_; }

 private:
  void write(const uint8_t* after, size_t begin, size_t end) {
    const size_t n = end - begin;
    if (overflow_ || length_ + kFragmentHeader + n > capacity_) {
      overflow_ = true;
      return;
    }
    const uint16_t header[2] = {static_cast<uint16_t>(begin), static_cast<uint16_t>(n)};
    std::memcpy(out_ + length_, header, sizeof header);
    std::memcpy(out_ + length_ + kFragmentHeader, after + begin, n);
    length_ += kFragmentHeader + n;
  }

  uint8_t* out_;
  size_t capacity_;
  size_t length_ = 0;
  bool overflow_ = false;
};

}  // namespace

size_t page_delta(const PageVersion& before, const PageVersion& after, size_t page_size, uint8_t* out,
                  size_t capacity) noexcept {
  DeltaWriter writer(out, capacity);
  writer.add_region(before.bytes, after.bytes, 0, after.lower, 0, before.lower);
  writer.add_region(before.bytes, after.bytes, after.upper, page_size, before.upper, page_size);
  return writer.length();
}

}  // namespace vectorx
