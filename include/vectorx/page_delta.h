// The change between two versions of a page as Postgres' generic WAL records it: fragments of
// a uint16 offset, a uint16 length and that many bytes of the new version, which, copied over
// the old version, give the new one everywhere outside the new version's hole (the bytes from
// its `lower` to its `upper`, zeros on both sides of the log). Redo (generic_redo) applies the
// fragments in order and then zeroes the hole.
//
// Bytes of the old version inside its own hole count as unknown, so new bytes there are
// always logged. Differences are found 8 bytes at a time, and an unchanged stretch of at most
// 8 bytes between two changes joins them into one fragment (a fragment header costs 4 bytes).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vectorx {

struct PageVersion {
  const uint8_t* bytes;
  size_t lower;  // the hole is [lower, upper); lower == upper: no hole
  size_t upper;
};

// Writes the fragments turning `before` into `after` (both page_size bytes, page_size < 65536)
// into out[0, capacity) and returns their length, or returns SIZE_MAX when they do not fit
// (the caller then logs the whole page instead).
size_t page_delta(const PageVersion& before, const PageVersion& after, size_t page_size, uint8_t* out,
                  size_t capacity) noexcept;

}  // namespace vectorx
