#include "vectorx/page_delta.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace vectorx {
namespace {

constexpr size_t kPage = 8192;
using Page = std::vector<uint8_t>;

// What generic_redo does with a block's data: each fragment copied in order, then the hole
// zeroed.
Page redo(Page page, const std::vector<uint8_t>& delta, const PageVersion& after) {
  for (size_t at = 0; at < delta.size();) {
    uint16_t header[2];
    std::memcpy(header, delta.data() + at, sizeof header);
    EXPECT_LE(size_t{header[0]} + header[1], kPage);
    std::memcpy(page.data() + header[0], delta.data() + at + sizeof header, header[1]);
    at += sizeof header + header[1];
  }
  std::fill(page.begin() + after.lower, page.begin() + after.upper, 0);
  return page;
}

std::vector<uint8_t> delta_of(const Page& before, PageVersion b, const Page& after, PageVersion a) {
  std::vector<uint8_t> out(2 * kPage);
  b.bytes = before.data();
  a.bytes = after.data();
  const size_t n = page_delta(b, a, kPage, out.data(), out.size());
  EXPECT_NE(n, SIZE_MAX);
  out.resize(n);
  return out;
}

TEST(PageDelta, UnchangedPageHasNoFragments) {
  Page page(kPage, 7);
  EXPECT_TRUE(delta_of(page, {nullptr, kPage, kPage}, page, {nullptr, kPage, kPage}).empty());
}

TEST(PageDelta, OneChangedByteIsOneShortFragment) {
  Page before(kPage, 1), after = before;
  after[5000] = 9;
  const auto delta = delta_of(before, {nullptr, kPage, kPage}, after, {nullptr, kPage, kPage});
  EXPECT_LE(delta.size(), 4u + 8u);
  EXPECT_EQ(redo(before, delta, {nullptr, kPage, kPage}), after);
}

TEST(PageDelta, NearbyChangesShareAFragmentAndDistantOnesDoNot) {
  Page before(kPage, 1), near = before, far = before;
  near[100] = near[112] = 2;  // one unchanged 8-byte chunk between them
  far[100] = far[140] = 2;
  EXPECT_EQ(delta_of(before, {nullptr, kPage, kPage}, near, {nullptr, kPage, kPage}).size(), 4u + 24u);
  EXPECT_EQ(delta_of(before, {nullptr, kPage, kPage}, far, {nullptr, kPage, kPage}).size(), 2 * (4u + 8u));
}

TEST(PageDelta, BytesInTheOldHoleAreAlwaysLogged) {
  // The old hole's bytes are unknown on replay, so equal bytes there still count as written.
  Page before(kPage, 0), after(kPage, 0);
  const PageVersion b{nullptr, 1000, 3000}, a{nullptr, 2000, 3000};
  const auto delta = delta_of(before, b, after, a);
  EXPECT_GE(delta.size(), 1000u);
  Page garbage = before;
  std::fill(garbage.begin() + 1000, garbage.begin() + 3000, 0xAB);
  EXPECT_EQ(redo(garbage, delta, a), after);
}

// Random pages, holes that grow, shrink and move, and edits from single bytes to long runs:
// replaying the delta over the old page gives the new page, whatever the old hole held.
TEST(PageDelta, RedoReproducesTheNewPage) {
  std::mt19937 rng(42);
  auto pick = [&](size_t lo, size_t hi) { return std::uniform_int_distribution<size_t>(lo, hi)(rng); };
  for (int round = 0; round < 2000; ++round) {
    Page before(kPage), after;
    for (auto& b : before) b = static_cast<uint8_t>(rng());
    auto hole = [&](Page& page) {
      PageVersion v{nullptr, kPage, kPage};
      if (pick(0, 3) > 0) {
        v.lower = pick(24, kPage);
        v.upper = pick(v.lower, kPage);
      }
      std::fill(page.begin() + v.lower, page.begin() + v.upper, 0);
      return v;
    };
    const PageVersion b = hole(before);
    after = before;
    for (size_t edits = pick(0, 20); edits-- > 0;) {
      const size_t at = pick(0, kPage - 1), n = pick(1, pick(0, 1) ? 8 : 600);
      for (size_t i = at; i < std::min(kPage, at + n); ++i) after[i] = static_cast<uint8_t>(rng());
    }
    const PageVersion a = hole(after);
    const auto delta = delta_of(before, b, after, a);
    Page old = before;
    for (size_t i = b.lower; i < b.upper; ++i) old[i] = static_cast<uint8_t>(rng());  // the hole is not known
    ASSERT_EQ(redo(old, delta, a), after) << "round " << round;
  }
}

TEST(PageDelta, ReportsADeltaThatDoesNotFit) {
  Page before(kPage, 0), after(kPage, 1);
  std::vector<uint8_t> out(kPage);
  EXPECT_EQ(page_delta({before.data(), kPage, kPage}, {after.data(), kPage, kPage}, kPage, out.data(), out.size()),
            SIZE_MAX);
}

}  // namespace
}  // namespace vectorx
