// The IVF index over pages, on an in-memory page store.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "ivf_scan_all.h"
#include "test_data.h"
#include "vectorx/errors.h"
#include "vectorx/ivf/entries.h"
#include "vectorx/ivf/index.h"
#include "vectorx/ivf/training.h"

namespace vectorx::ivf {
namespace {

using test::bytes;

using test::tid_of;
using test::row_of;

IvfIndex::Scan open_scan(IvfIndex& index, const uint8_t* query, size_t probes, size_t max_probes) {
  return IvfIndex::Scan(index, query, Entries(index).scorer(query), probes, max_probes);
}

// An index of n clustered float vectors with `lists` lists trained on all of them.
struct Fixture {
  Fixture(Metric metric, size_t n, size_t dim, size_t lists) : space(ElementKind::kFloat32, metric, dim), dim(dim) {
    data = test::clustered(n, dim, 3);
    const auto centres = train_centres(space, bytes(data.data()), n, lists, 1);
    IvfIndex::create(store, space, centres);
    IvfIndex index(store);
    for (size_t i = 0; i < n; ++i) index.insert(index.nearest_list(bytes(row(i))), bytes(row(i)), tid_of(i));
  }
  const float* row(size_t i) const { return data.data() + i * dim; }
  std::vector<Result> search(const float* q, size_t probes, size_t max_probes = 0) {
    IvfIndex index(store);
    IvfIndex::Scan scan = open_scan(index, bytes(q), probes, max_probes);
    const std::vector<Result> out = test::scan_all(scan);
    return out;
  }
  MemoryPageStore store;
  Space space;
  size_t dim;
  std::vector<float> data;
};

TEST(IvfIndex, AllProbesReturnEveryRowInExactOrderWithOperatorDistances) {
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct, Metric::kCosine}) {
    Fixture f(metric, 1500, 24, 20);
    const auto q = test::random_floats(24, 9);
    const auto out = f.search(q.data(), 20);
    ASSERT_EQ(out.size(), 1500u);
    std::set<size_t> rows;
    for (size_t i = 0; i < out.size(); ++i) {
      rows.insert(row_of(out[i].tid));
      EXPECT_EQ(out[i].distance, f.space.distance(bytes(q.data()), bytes(f.row(row_of(out[i].tid)))));
      if (i) {
        EXPECT_LE(out[i - 1].distance, out[i].distance);
      }
    }
    EXPECT_EQ(rows.size(), 1500u);
    EXPECT_EQ(f.store.shared_locks_held(), 0u);
  }
}

TEST(IvfIndex, FewProbesFindMostTrueNeighbours) {
  Fixture f(Metric::kL2, 4000, 32, 40);
  size_t found = 0;
  for (int qi = 0; qi < 20; ++qi) {
    const float* q = f.row(static_cast<size_t>(qi) * 37);
    std::vector<std::pair<double, size_t>> truth;
    for (size_t i = 0; i < 4000; ++i) truth.push_back({f.space.distance(bytes(q), bytes(f.row(i))), i});
    std::partial_sort(truth.begin(), truth.begin() + 10, truth.end());
    const auto out = f.search(q, 4);
    ASSERT_GE(out.size(), 10u);
    for (size_t k = 0; k < 10; ++k)
      for (size_t j = 0; j < 10; ++j) found += row_of(out[j].tid) == truth[k].second;
  }
  EXPECT_GE(found, 190u);  // recall@10 ≥ 0.95 probing 10% of the lists of clustered data
}

TEST(IvfIndex, BatchesProbeFartherListsUpToMaxProbes) {
  Fixture f(Metric::kL2, 1000, 16, 10);
  IvfIndex index(f.store);
  IvfIndex::Scan scan = open_scan(index, bytes(f.row(0)), 3, 7);
  EXPECT_EQ(scan.batches(), 3u);  // 3 + 3 + 1 lists
  const std::vector<Result> out = test::scan_all(scan);
  EXPECT_LT(out.size(), 1000u);
  EXPECT_GT(out.size(), 300u);
}

// Range scans read lists_reaching(q, r) lists: every row within r of q must be among them
// (brute force over every row), and small radii must not need every list.
TEST(IvfIndex, ListsReachingHoldEveryRowWithinTheRadius) {
  for (Metric metric : {Metric::kL2, Metric::kCosine}) {
    Fixture f(metric, 2000, 16, 20);
    IvfIndex index(f.store);
    size_t fewer = 0;
    for (size_t q = 0; q < 2000; q += 97) {
      const uint8_t* query = bytes(f.row(q));
      std::vector<double> d(2000);
      for (size_t i = 0; i < 2000; ++i) d[i] = f.space.distance(query, bytes(f.row(i)));
      std::vector<double> sorted = d;
      std::sort(sorted.begin(), sorted.end());
      for (double share : {0.005, 0.05, 0.3}) {
        const double radius = sorted[static_cast<size_t>(share * 2000)];
        const size_t reaching = index.lists_reaching(query, radius);
        fewer += reaching < 20;
        IvfIndex::Scan scan = open_scan(index, query, reaching, reaching);
        const std::vector<Result> out = test::scan_all(scan);
        std::set<size_t> seen;
        for (const Result& r : out) seen.insert(row_of(r.tid));
        for (size_t i = 0; i < 2000; ++i) {
          if (d[i] <= radius) {
            ASSERT_TRUE(seen.count(i)) << "row " << i << " within " << radius << " of row " << q;
          }
        }
      }
    }
    EXPECT_GT(fewer, 10u) << "small radii read fewer lists";
    EXPECT_EQ(index.lists_reaching(bytes(f.row(0)), -1), 0u);
  }
  Fixture ip(Metric::kInnerProduct, 300, 8, 5);
  IvfIndex index(ip.store);
  EXPECT_EQ(index.lists_reaching(bytes(ip.row(0)), -100), 5u) << "inner product has no bound: every list";
}

TEST(IvfIndex, VacuumRemovesDeadEntriesAndInsertsReuseTheSpace) {
  Fixture f(Metric::kL2, 3000, 64, 8);
  const uint32_t blocks = f.store.block_count();
  IvfIndex index(f.store);
  const auto stats = index.remove_dead([](HeapTid t) { return row_of(t) % 2 == 0; });
  EXPECT_EQ(stats.removed, 1500u);
  EXPECT_EQ(stats.kept, 1500u);
  auto all = f.search(f.row(1), 8);
  ASSERT_EQ(all.size(), 1500u);
  for (const Result& r : all) EXPECT_EQ(row_of(r.tid) % 2, 1u);
  for (size_t i = 0; i < 3000; i += 2) index.insert(index.nearest_list(bytes(f.row(i))), bytes(f.row(i)), tid_of(i));
  EXPECT_EQ(f.store.block_count(), blocks);  // the freed room took the new entries
  EXPECT_EQ(f.search(f.row(1), 8).size(), 3000u);
}

TEST(IvfIndex, HalfvecAndBitIndexesReturnExactDistances) {
  const size_t n = 600;
  {
    const Space space(ElementKind::kFloat16, Metric::kCosine, 40);
    const auto values = test::random_halves(n * 40, 5);
    const auto* p = reinterpret_cast<const uint8_t*>(values.data());
    MemoryPageStore store;
    IvfIndex::create(store, space, train_centres(space, p, n, 6, 2));
    IvfIndex index(store);
    for (size_t i = 0; i < n; ++i) index.insert(index.nearest_list(p + i * 80), p + i * 80, tid_of(i));
    IvfIndex::Scan scan = open_scan(index, p, 6, 6);
    const std::vector<Result> out = test::scan_all(scan);
    ASSERT_EQ(out.size(), n);
    EXPECT_EQ(out[0].distance, space.distance(p, p + row_of(out[0].tid) * 80));
    EXPECT_NEAR(out[0].distance, 0.0, 1e-6);
  }
  {
    const Space space(ElementKind::kBit, Metric::kHamming, 100);  // 13 bytes a value
    const auto values = test::random_bytes(n * 13, 6);
    MemoryPageStore store;
    IvfIndex::create(store, space, train_centres(space, values.data(), n, 5, 2));
    IvfIndex index(store);
    for (size_t i = 0; i < n; ++i)
      index.insert(index.nearest_list(values.data() + i * 13), values.data() + i * 13, tid_of(i));
    IvfIndex::Scan scan = open_scan(index, values.data() + 13, 5, 5);
    const std::vector<Result> out = test::scan_all(scan);
    ASSERT_EQ(out.size(), n);
    EXPECT_EQ(row_of(out[0].tid), 1u);
    EXPECT_EQ(out[0].distance, 0.0);
    for (const Result& r : out) EXPECT_EQ(r.distance, space.distance(values.data() + 13, values.data() + row_of(r.tid) * 13));
  }
}

TEST(IvfIndex, TrainingOnNothingMakesOneListThatStillWorks) {
  const Space space(ElementKind::kFloat32, Metric::kCosine, 8);
  const auto centres = train_centres(space, nullptr, 0, 100, 1);
  MemoryPageStore store;
  IvfIndex::create(store, space, centres);
  IvfIndex index(store);
  EXPECT_EQ(index.lists(), 1u);
  const auto v = test::random_floats(8, 1);
  index.insert(index.nearest_list(bytes(v.data())), bytes(v.data()), {1, 1});
  IvfIndex::Scan scan = open_scan(index, bytes(v.data()), 10, 10);
  ASSERT_EQ(scan.batches(), 1u);
  const std::vector<Result> out = test::scan_all(scan);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NEAR(out[0].distance, 0.0, 1e-6);
}

TEST(IvfIndex, CorruptPagesRaiseCorruptIndexNotCrashes) {
  Fixture f(Metric::kL2, 500, 16, 4);
  f.store.raw(kFirstDirectoryBlock)[0] ^= 0xFF;  // the directory page's kind
  EXPECT_THROW(f.search(f.row(0), 4), CorruptIndex);
  f.store.raw(kFirstDirectoryBlock)[0] ^= 0xFF;
  // A list chain pointing at the meta page.
  auto* slot = reinterpret_cast<ListSlot*>(f.store.raw(kFirstDirectoryBlock) + sizeof(PageHeader));
  slot->head = kMetaBlock;
  EXPECT_THROW(f.search(f.row(0), 4), CorruptIndex);
  f.store.raw(kMetaBlock)[sizeof(PageHeader)] ^= 0xFF;  // the magic
  EXPECT_THROW(IvfIndex index(f.store), CorruptIndex);
}

TEST(IvfReservoir, KeepsAUniformSampleOfTheStream) {
  Reservoir r(100, 4, 7);
  for (uint32_t i = 0; i < 10000; ++i) r.offer(reinterpret_cast<const uint8_t*>(&i));
  ASSERT_EQ(r.size(), 100u);
  EXPECT_EQ(r.seen(), 10000u);
  size_t low = 0;
  std::set<uint32_t> distinct;
  for (size_t k = 0; k < 100; ++k) {
    uint32_t v;
    std::memcpy(&v, r.values().data() + k * 4, 4);
    distinct.insert(v);
    low += v < 5000;
  }
  EXPECT_EQ(distinct.size(), 100u);
  EXPECT_GT(low, 30u);  // about half from each half of the stream
  EXPECT_LT(low, 70u);
}

// VACUUM points a list's insert page back to its first page with room; once that room is used,
// the next insert walks the whole chain of full pages. A list longer than any fixed number of
// steps must still take it (a 4-client soak test failed with "has no page to insert into").
TEST(IvfIndex, InsertWalksAChainOfAnyLength) {
  constexpr size_t kWideDim = 64;
  const Space space(ElementKind::kFloat32, Metric::kL2, kWideDim);
  const auto data = test::clustered(4000, kWideDim, 21);
  MemoryPageStore store;
  IvfIndex::create(store, space, train_centres(space, bytes(data.data()), 4000, 1, 1), EntrySpec{});
  IvfIndex index(store);
  for (size_t i = 0; i < 4000; ++i) index.insert(0, bytes(data.data() + i * kWideDim), tid_of(i));
  ASSERT_GT(store.block_count(), 100u);  // a chain of more than a hundred pages
  index.remove_dead([](HeapTid tid) { return tid.block == 0 && tid.offset == 1; });  // room on the first page
  index.insert(0, bytes(data.data()), tid_of(4000));  // fills it
  EXPECT_NO_THROW(index.insert(0, bytes(data.data()), tid_of(4001)));
  EXPECT_EQ(index.list_stats().live, 4001u);
}

}  // namespace
}  // namespace vectorx::ivf
