// zero_span (slotted_page.h): the zeros a page image may leave out, found from the bytes.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "vectorx/slotted_page.h"

namespace vectorx {
namespace {

constexpr size_t kPageSize = 8168;

struct alignas(8) Page {
  uint8_t bytes[kPageSize];
};

TEST(ZeroSpan, SlottedPageLeavesOutItsFreeSpace) {
  Page page;
  init_page(page.bytes, kPageSize, 7);
  add_item(page.bytes, 100);
  const int item = add_item(page.bytes, 36);
  size_t length = 0;
  auto* bytes = const_cast<uint8_t*>(find_item(page.bytes, kPageSize, item, &length));
  std::memset(bytes, 0xAB, length);
  const Span span = zero_span(page.bytes, kPageSize);
  const PageHeader* h = page_header(page.bytes);
  EXPECT_EQ(span.begin, (h->lower + 7u) & ~7u);
  EXPECT_EQ(span.end, h->upper & ~7u);
}

TEST(ZeroSpan, StrayByteInFreeSpaceFallsBackToTrailingZeros) {
  Page page;
  init_page(page.bytes, kPageSize, 7);
  add_item(page.bytes, 64);
  page.bytes[4000] = 1;  // not where the header says anything lives: never left out
  const Span span = zero_span(page.bytes, kPageSize);
  EXPECT_TRUE(span.size() == 0 || span.begin > 4000 || span.end <= 4000);
  for (size_t at = span.begin; at < span.end; ++at) ASSERT_EQ(page.bytes[at], 0) << at;
}

TEST(ZeroSpan, PageFilledFromTheFrontLeavesOutItsEnd) {
  Page page{};
  page.bytes[0] = 3;  // a header that claims no free space
  for (size_t at = 16; at < 1203; ++at) page.bytes[at] = static_cast<uint8_t>(at | 1);
  const Span span = zero_span(page.bytes, kPageSize);
  EXPECT_EQ(span.begin, 1208u);
  EXPECT_EQ(span.end, kPageSize);
}

TEST(ZeroSpan, FullPageHasNone) {
  Page page;
  std::memset(page.bytes, 0x5A, kPageSize);
  EXPECT_EQ(zero_span(page.bytes, kPageSize).size(), 0u);
}

// Every span is all zeros, whatever the header says, for random pages and headers.
TEST(ZeroSpan, NeverCoversANonZeroByte) {
  uint64_t state = 42;
  auto next = [&] { return state = state * 6364136223846793005ull + 1442695040888963407ull, state >> 33; };
  for (int round = 0; round < 2000; ++round) {
    Page page{};
    const size_t filled = next() % 40;
    for (size_t i = 0; i < filled; ++i) page.bytes[next() % kPageSize] = static_cast<uint8_t>(1 + next() % 255);
    PageHeader h{};
    h.lower = static_cast<uint16_t>(next() % 9000);
    h.upper = static_cast<uint16_t>(next() % 9000);
    if (next() % 2) std::memcpy(page.bytes, &h, sizeof h);
    const Span span = zero_span(page.bytes, kPageSize);
    ASSERT_LE(span.begin, span.end);
    ASSERT_LE(span.end, kPageSize);
    ASSERT_EQ(span.begin % 8, 0u);
    ASSERT_EQ(span.end % 8, 0u);
    for (size_t at = span.begin; at < span.end; ++at) ASSERT_EQ(page.bytes[at], 0) << round << " " << at;
  }
}

}  // namespace
}  // namespace vectorx
