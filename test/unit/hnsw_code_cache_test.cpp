// hnsw's code cache (code_cache.h): codes found by Id, the memory limit, and values it does
// not code.
#include <gtest/gtest.h>

#include <vector>

#include "test_data.h"
#include "vectorx/hnsw/code_cache.h"

namespace vectorx::hnsw {
namespace {

using test::bytes;

struct Cache {
  Space space{ElementKind::kFloat32, Metric::kL2, 4};
  std::vector<float> samples{0, 0, 0, 0, 1, 1, 1, 1, 0.5f, 0.25f, 0.75f, 1};

  CodeCache make(size_t slots) const {
    return CodeCache(space, ivf::BoundedQuantizer::train(space, bytes(samples.data()), 3, 8), slots * (CodeCache::slot_bytes(space) + 1));
  }
};

TEST(HnswCodeCache, FindsCodesByIdUpToItsLimit) {
  const Cache c;
  CodeCache cache = c.make(CodeCache::kChunkSlots + 10);
  std::vector<uint8_t> scratch(cache.entry_bytes());
  const float value[4] = {0.5f, 0.5f, 0.25f, 1};
  EXPECT_EQ(cache.find(make_id(7, 3)), nullptr);
  // Blocks take as many slots as their page had items: 3000 blocks of 1, then more of 10.
  for (uint32_t block = 1; block <= 3000; ++block) {
    const uint8_t* kept = cache.code(make_id(block, 0), {0, 1}, bytes(value), scratch.data());
    ASSERT_NE(kept, nullptr);
    EXPECT_NE(kept, scratch.data());
    EXPECT_EQ(cache.find(make_id(block, 0)), kept);
  }
  EXPECT_EQ(cache.find(make_id(5, 1)), nullptr) << "an item past those its page had";
  const uint8_t* first = cache.find(make_id(1, 0));
  std::vector<uint8_t> before(first, first + cache.entry_bytes());
  uint32_t block = 3001;
  for (; cache.code(make_id(block, 9), {0, 10}, bytes(value), scratch.data()) != scratch.data(); ++block) {
  }
  EXPECT_EQ(block, 3001u + (CodeCache::kChunkSlots + 10 - 3000) / 10) << "kept until the slots ran out";
  EXPECT_EQ(cache.find(make_id(block, 9)), nullptr) << "past the limit: coded, not kept";
  EXPECT_EQ(cache.find(make_id(1, 0)), first) << "codes never move";
  EXPECT_EQ(std::vector<uint8_t>(first, first + cache.entry_bytes()), before);
  EXPECT_EQ(cache.cached(), 3000u + (block - 3001));
}

TEST(HnswCodeCache, APageThatStartsWithAValueTailGivesItNoSlot) {
  const Cache c;
  CodeCache cache = c.make(CodeCache::kChunkSlots);
  std::vector<uint8_t> scratch(cache.entry_bytes());
  const float value[4] = {0.5f, 0.5f, 0.25f, 1};
  const CodeCache::PageItems after_tail{1, 3};  // item 0 is a tail, items 1 and 2 elements
  EXPECT_EQ(cache.code(make_id(4, 0), after_tail, bytes(value), scratch.data()), scratch.data()) << "no slot: coded, not kept";
  const uint8_t* first = cache.code(make_id(4, 1), after_tail, bytes(value), scratch.data());
  const uint8_t* second = cache.code(make_id(4, 2), after_tail, bytes(value), scratch.data());
  ASSERT_NE(first, scratch.data());
  EXPECT_EQ(second, first + CodeCache::slot_bytes(c.space)) << "the block's two slots are consecutive";
  EXPECT_EQ(cache.find(make_id(4, 0)), nullptr);
  EXPECT_EQ(cache.find(make_id(4, 1)), first);
  EXPECT_EQ(cache.find(make_id(4, 3)), nullptr) << "past the items the page had";
  // The next block's slots follow the two: the tail took none.
  EXPECT_EQ(cache.code(make_id(5, 0), {0, 1}, bytes(value), scratch.data()), second + CodeCache::slot_bytes(c.space));
  EXPECT_EQ(cache.cached(), 3u);
}

TEST(HnswCodeCache, SlotsSpanNoMoreCacheLinesThanTheyMust) {
  // 4 dims L2 (8 + 4 bytes) round up to 16; glove-100's cosine entries (8 + 100) to two
  // whole lines; an entry of one whole line stays one.
  EXPECT_EQ(CodeCache::slot_bytes(Space(ElementKind::kFloat32, Metric::kL2, 4)), 16u);
  EXPECT_EQ(CodeCache::slot_bytes(Space(ElementKind::kFloat32, Metric::kCosine, 100)), 128u);
  EXPECT_EQ(CodeCache::slot_bytes(Space(ElementKind::kFloat32, Metric::kL2, 56)), 64u);
  EXPECT_EQ(CodeCache::slot_bytes(Space(ElementKind::kFloat32, Metric::kL2, 57)), 128u);
  const Cache c;
  CodeCache cache = c.make(2 * CodeCache::kChunkSlots);
  std::vector<uint8_t> scratch(cache.entry_bytes());
  const float value[4] = {0.5f, 0.5f, 0.25f, 1};
  for (uint32_t block = 1; block <= CodeCache::kChunkSlots + 1; ++block) {
    const uint8_t* kept = cache.code(make_id(block, 0), {0, 1}, bytes(value), scratch.data());
    ASSERT_NE(kept, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(kept) % 16, 0u) << "block " << block;
  }
}

TEST(HnswCodeCache, KeepCodesOnlyWhereASlotWaits) {
  const Cache c;
  CodeCache cache = c.make(CodeCache::kChunkSlots);
  std::vector<uint8_t> scratch(cache.entry_bytes());
  const float value[4] = {0.5f, 0.5f, 0.25f, 1}, other[4] = {0, 1, 0, 1};
  cache.keep(make_id(2, 1), {0, 3}, bytes(value));
  const uint8_t* kept = cache.find(make_id(2, 1));
  ASSERT_NE(kept, nullptr);
  const uint8_t* made = cache.code(make_id(9, 0), {0, 1}, bytes(value), scratch.data());
  EXPECT_EQ(std::vector<uint8_t>(kept, kept + cache.entry_bytes()), std::vector<uint8_t>(made, made + cache.entry_bytes()))
      << "the code code() makes";
  const std::vector<uint8_t> before(kept, kept + cache.entry_bytes());
  cache.keep(make_id(2, 1), {0, 3}, bytes(other));
  EXPECT_EQ(std::vector<uint8_t>(kept, kept + cache.entry_bytes()), before) << "a kept code is not made again";
  cache.keep(make_id(2, 5), {0, 6}, bytes(value));
  EXPECT_EQ(cache.find(make_id(2, 5)), nullptr) << "an item past those its page had when first met";
  EXPECT_EQ(cache.cached(), 2u);
}

TEST(HnswCodeCache, ValuesFarOutsideItsRangesAreNotCoded) {
  const Cache c;
  CodeCache cache = c.make(CodeCache::kChunkSlots);
  std::vector<uint8_t> scratch(cache.entry_bytes());
  const float near[4] = {1.001f, 0, 0.5f, 1};  // a little past the sample's range
  const float far[4] = {30, 0, 0.5f, 1};
  EXPECT_NE(cache.code(make_id(1, 0), {0, 4}, bytes(near), scratch.data()), nullptr);
  EXPECT_EQ(cache.code(make_id(1, 1), {0, 4}, bytes(far), scratch.data()), nullptr);
  EXPECT_EQ(cache.find(make_id(1, 1)), nullptr);
  EXPECT_EQ(cache.code(make_id(1, 1), {0, 4}, bytes(far), scratch.data()), nullptr) << "known, not coded again";
  EXPECT_EQ(cache.cached(), 1u);
}

}  // namespace
}  // namespace vectorx::hnsw
