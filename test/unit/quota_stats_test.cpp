// Vector counts, quotas and statistics of the page indexes (MemoryPageStore): the meta
// pages count what inserts add and VACUUM removes; an insert over the vector quota throws
// InputError(kProgramLimit) and leaves every page as it was; hnsw statistics count elements
// by state and level and find elements that no list leads to; IVF list statistics add up.
#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <vector>

#include "test_data.h"
#include "vectorx/errors.h"
#include "vectorx/hnsw/page_graph.h"
#include "vectorx/hnsw/stats.h"
#include "vectorx/ivf/entries.h"
#include "vectorx/ivf/training.h"

namespace vectorx {
namespace {

using test::bytes;

constexpr size_t kDim = 8;

using test::tid_of;
using test::row_of;

std::vector<std::vector<uint8_t>> snapshot(MemoryPageStore& store) {
  std::vector<std::vector<uint8_t>> pages;
  for (uint32_t b = 0; b < store.block_count(); ++b) pages.emplace_back(store.raw(b), store.raw(b) + store.page_size());
  return pages;
}

// An empty hnsw index (m = 8) over kDim floats, and `rows` clustered values to insert into it.
struct HnswFixture {
  HnswFixture(size_t rows, uint32_t seed) : data(test::clustered(rows, kDim, seed)) {
    hnsw::PageGraph::create(store, Space(ElementKind::kFloat32, Metric::kL2, kDim), {8, 32});
  }
  std::vector<float> data;
  MemoryPageStore store;
};

void insert_hnsw(hnsw::PageGraph& g, const std::vector<float>& data, size_t row, int level) {
  const uint8_t* v = bytes(data.data() + row * kDim);
  if (!g.insert(v, kDim * sizeof(float), tid_of(row), level, false)) {
    ASSERT_TRUE(g.insert(v, kDim * sizeof(float), tid_of(row), level, true));
  }
}

TEST(HnswQuota, CountFollowsInsertsAndVacuumAndTheQuotaWritesNothing) {
  HnswFixture f(400, 2);
  const auto& data = f.data;
  MemoryPageStore& store = f.store;
  hnsw::PageGraph g(store);
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> u(0, 1);
  for (size_t i = 0; i < 300; ++i) insert_hnsw(g, data, i, hnsw::random_level(1.0 - u(rng), 8));
  EXPECT_EQ(g.vectors(), 300u);
  // Delete a third; the count drops when VACUUM frees them, not before.
  hnsw::PageGraph::Vacuum vacuum(g);
  vacuum.mark_dead([](HeapTid t) { return row_of(t) % 3 == 0; });
  vacuum.repair();
  EXPECT_EQ(g.vectors(), 300u);
  vacuum.release();
  EXPECT_EQ(g.vectors(), 200u);
  // Reusing freed items counts them again; at the quota an insert changes nothing.
  store.set_max_vectors(250);
  for (size_t i = 300; i < 350; ++i) insert_hnsw(g, data, i, 0);
  EXPECT_EQ(g.vectors(), 250u);
  const auto before = snapshot(store);
  try {
    g.insert(bytes(data.data() + 350 * kDim), kDim * sizeof(float), tid_of(350), 0, true);
    FAIL() << "insert over the quota succeeded";
  } catch (const InputError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kProgramLimit);
  }
  EXPECT_TRUE(snapshot(store) == before);
  const hnsw::GraphStats s = hnsw::graph_stats(g);
  EXPECT_EQ(s.live, 250u);
  EXPECT_EQ(s.dead, 0u);
  EXPECT_EQ(s.unreachable, 0u);
  EXPECT_EQ(std::accumulate(s.live_per_level.begin(), s.live_per_level.end(), size_t{0}), 250u);
  EXPECT_GE(s.min_out_degree, 1u);
  EXPECT_LE(s.mean_out_degree, 16.0);
  EXPECT_EQ(s.entry_level + 1, static_cast<int>(s.live_per_level.size()));
}

TEST(HnswStats, FindsAnElementNoListLeadsTo) {
  HnswFixture f(200, 3);
  const auto& data = f.data;
  MemoryPageStore& store = f.store;
  hnsw::PageGraph g(store);
  for (size_t i = 0; i < 200; ++i) insert_hnsw(g, data, i, 0);
  ASSERT_EQ(hnsw::graph_stats(g).unreachable, 0u);
  // Cut every link to one element that is not the entry point.
  const hnsw::Id entry = g.entry_point().id;
  const hnsw::Id victim = entry == hnsw::make_id(1, 5) ? hnsw::make_id(1, 6) : hnsw::make_id(1, 5);
  for (uint32_t b = 1; b < store.block_count(); ++b) {
    uint8_t* page = store.raw(b);
    for (int item = 0; item < page_header(page)->item_count; ++item) {
      hnsw::ElementRef e;
      if (!e.parse(page, store.page_size(), item, 8)) continue;
      std::vector<hnsw::Id> kept;
      for (uint32_t k = 0; k < e.count(0); ++k)
        if (e.ids(0)[k] != victim) kept.push_back(e.ids(0)[k]);
      e.set_list(0, kept.data(), kept.size());
    }
  }
  const hnsw::GraphStats s = hnsw::graph_stats(g);
  EXPECT_EQ(s.unreachable, 1u);
  EXPECT_EQ(s.live, 200u);
}

TEST(IvfQuota, CountFollowsInsertsAndVacuumAndTheQuotaWritesNothing) {
  const auto data = test::clustered(600, kDim, 5);
  const Space space(ElementKind::kFloat32, Metric::kL2, kDim);
  MemoryPageStore store;
  ivf::IvfIndex::create(store, space, ivf::train_centres(space, bytes(data.data()), 600, 4, 1));
  ivf::IvfIndex index(store);
  auto add = [&](size_t i) { index.insert(index.nearest_list(bytes(data.data() + i * kDim)), bytes(data.data() + i * kDim), tid_of(i)); };
  for (size_t i = 0; i < 500; ++i) add(i);
  EXPECT_EQ(index.vectors(), 500u);
  index.remove_dead([](HeapTid t) { return row_of(t) % 5 == 0; });
  EXPECT_EQ(index.vectors(), 400u);
  store.set_max_vectors(450);
  for (size_t i = 500; i < 550; ++i) add(i);
  const auto before = snapshot(store);
  EXPECT_THROW(index.insert(0, bytes(data.data() + 550 * kDim), tid_of(550)), InputError);
  EXPECT_TRUE(snapshot(store) == before);
  const ivf::IvfIndex::ListStats s = index.list_stats();
  EXPECT_EQ(s.live, 450u);
  EXPECT_EQ(std::accumulate(s.lengths.begin(), s.lengths.end(), size_t{0}), 450u);
  EXPECT_EQ(s.lengths.size(), 4u);
  EXPECT_GE(s.data_pages, 4u);
}

}  // namespace
}  // namespace vectorx
