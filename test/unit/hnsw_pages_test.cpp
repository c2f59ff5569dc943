// The HNSW graph over pages (MemoryPageStore): bulk write and search, inserts, iterative
// scans, vacuum with space reuse, values larger than a page, every element kind, and
// robustness against corrupt pages.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "vectorx/errors.h"
#include "test_data.h"
#include "vectorx/hnsw/code_cache.h"
#include "vectorx/hnsw/page_graph.h"
#include "vectorx/hnsw/stats.h"
#include "vectorx/hnsw/check.h"

namespace vectorx::hnsw {
namespace {

using test::bytes;
using test::clustered;
using test::tid_of;
using test::row_of;

std::vector<int> levels_for(size_t n, int m, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<int> levels(n);
  for (int& l : levels) l = random_level(1.0 - u(rng), m);
  return levels;
}

struct Fixture {
  size_t dim;
  Space space;
  Params params{16, 64};
  std::vector<float> data;
  MemoryPageStore store;

  Fixture(size_t n, size_t dim_, Metric metric = Metric::kL2)
      : dim(dim_), space(ElementKind::kFloat32, metric, static_cast<int64_t>(dim_)), data(clustered(n, dim_, 1)) {}
  const float* row(size_t i) const { return data.data() + i * dim; }

  void bulk_build(size_t n) {
    MemoryGraph g(space, params);
    g.build(Payloads::from_floats(data.data(), n, dim), levels_for(n, params.m, 3), 2);
    std::vector<HeapTid> tids(n);
    for (size_t i = 0; i < n; ++i) tids[i] = tid_of(i);
    PageGraph::write(store, g, {tids, {}});
  }

  // A one-batch scan when `codes` is given (the only scans codes serve).
  std::vector<Result> search(PageGraph& g, const float* q, size_t ef, CodeCache* codes = nullptr) {
    PageGraph::Scan scan(g, bytes(q), dim * sizeof(float), {ef, SIZE_MAX, SIZE_MAX, false, codes == nullptr}, codes);
    std::vector<Result> out;
    scan.next_batch(out);
    return out;
  }

  // recall@10 over `queries` rows against the rows for which `alive` holds.
  double recall(PageGraph& g, const std::vector<size_t>& queries, size_t ef, const std::vector<bool>& alive,
                CodeCache* codes = nullptr) {
    size_t found = 0;
    for (size_t q : queries) {
      std::vector<std::pair<double, size_t>> all;
      for (size_t i = 0; i < alive.size(); ++i)
        if (alive[i]) all.push_back({space.distance(bytes(row(q)), bytes(row(i))), i});
      std::partial_sort(all.begin(), all.begin() + 10, all.end());
      std::set<size_t> truth;
      for (size_t i = 0; i < 10; ++i) truth.insert(all[i].second);
      auto got = search(g, row(q), ef, codes);
      if (got.size() > 10) got.resize(10);
      for (const Result& r : got) found += truth.count(row_of(r.tid));
    }
    return static_cast<double>(found) / (10.0 * queries.size());
  }
};

std::vector<size_t> sample_rows(size_t from, size_t to, size_t count) {
  std::vector<size_t> rows;
  for (size_t i = 0; i < count; ++i) rows.push_back(from + (i * 7919) % (to - from));
  return rows;
}

TEST(HnswPages, BulkWrittenGraphSearchesLikeMemory) {
  Fixture f(3000, 32);
  f.bulk_build(3000);
  PageGraph g(f.store);
  EXPECT_EQ(g.params().m, 16);
  const std::vector<bool> alive(3000, true);
  EXPECT_GE(f.recall(g, sample_rows(0, 3000, 100), 64, alive), 0.97);
  EXPECT_EQ(f.store.shared_locks_held(), 0u) << "every page lock released";
}

TEST(HnswPages, DistancesAreTheOperatorsAndSorted) {
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct, Metric::kCosine, Metric::kL1}) {
    Fixture f(500, 8, metric);
    f.bulk_build(500);
    PageGraph g(f.store);
    const auto r = f.search(g, f.row(3), 40);
    ASSERT_EQ(r.size(), 40u);
    for (size_t i = 0; i < r.size(); ++i) {
      EXPECT_EQ(r[i].distance, dense_distance(metric, f.row(3), f.row(row_of(r[i].tid)), 8)) << "bit for bit";
      if (i) {
        EXPECT_LE(r[i - 1].distance, r[i].distance);
      }
    }
  }
}

// Cosine ranks by stored inverse norms; an element whose inverse norm is no normal float
// (tiny values) keeps none and is ranked by the full key. Inserted elements keep theirs too,
// and every distance returned is the operator's.
TEST(HnswPages, CosineByStoredInverseNormsReturnsTheOperatorsDistances) {
  Fixture f(600, 8, Metric::kCosine);
  // Subnormal values: 1 / |v| overflows a float (and the operator, in float, finds them
  // at distance 0 from everything).
  for (size_t i = 0; i < 600; i += 50)
    for (size_t d = 0; d < 8; ++d) f.data[i * 8 + d] *= 1e-41f;
  PageGraph::create(f.store, f.space, f.params);
  PageGraph g(f.store);
  const auto levels = levels_for(600, 16, 9);
  for (size_t i = 0; i < 600; ++i)
    ASSERT_TRUE(g.insert(bytes(f.row(i)), 8 * sizeof(float), tid_of(i), levels[i], true));
  size_t kept = 0, without = 0;
  for (uint32_t block = 1; block < f.store.block_count(); ++block)
    for (int item = 0; item < page_header(f.store.raw(block))->item_count; ++item) {
      ElementRef e;
      if (!e.parse(f.store.raw(block), f.store.page_size(), item, 16)) continue;
      (e.inverse_norm() > 0 ? kept : without) += 1;
    }
  EXPECT_EQ(without, 12u);
  EXPECT_EQ(kept, 588u);
  for (size_t q : {size_t{3}, size_t{50}}) {  // a plain query, and a tiny one
    const auto r = f.search(g, f.row(q), 40);
    ASSERT_EQ(r.size(), 40u);
    if (q == 3) {  // (a tiny query is at distance 0 from every row, and the tiny rows from every query)
      EXPECT_TRUE(std::any_of(r.begin(), r.begin() + 13, [&](const Result& x) { return row_of(x.tid) == q; })) << "finds itself";
    }
    for (size_t i = 0; i < r.size(); ++i) {
      EXPECT_EQ(r[i].distance, dense_distance(Metric::kCosine, f.row(q), f.row(row_of(r[i].tid)), 8)) << "bit for bit";
      if (i) {
        EXPECT_LE(r[i - 1].distance, r[i].distance);
      }
    }
  }
  EXPECT_TRUE(check_hnsw(f.store).problems.empty());
}

// Scans with a code cache rank by the codes' estimates (measuring the elements they expand)
// and return the operator's distances in its order, with the recall of scans without; a
// warm cache and a cold one lead the search alike.
TEST(HnswPages, CodeCacheScansReturnTheOperatorsDistances) {
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct, Metric::kCosine, Metric::kL1}) {
    Fixture f(3000, 32, metric);
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-1, 1);
    for (float& x : f.data) x = u(rng);  // spread values: codes resolve their neighbours
    f.bulk_build(3000);
    PageGraph g(f.store);
    auto codes = CodeCache::for_graph(g, size_t{64} << 20);
    ASSERT_TRUE(codes) << "metric " << static_cast<int>(metric);
    const std::vector<bool> alive(3000, true);
    const auto queries = sample_rows(0, 3000, 100);
    const double without = f.recall(g, queries, 40, alive), with = f.recall(g, queries, 40, alive, codes.get());
    EXPECT_GE(with, without - 0.01) << "metric " << static_cast<int>(metric);
    EXPECT_GT(codes->cached(), 1000u) << "the elements read stay cached";
    auto cold = CodeCache::for_graph(g, size_t{64} << 20);
    const auto r = f.search(g, f.row(3), 40, cold.get());
    const auto warm = f.search(g, f.row(3), 40, codes.get());
    ASSERT_EQ(r.size(), 40u);
    ASSERT_EQ(warm.size(), r.size());
    for (size_t i = 0; i < r.size(); ++i) {
      EXPECT_EQ(r[i].distance, dense_distance(metric, f.row(3), f.row(row_of(r[i].tid)), 32)) << "bit for bit";
      EXPECT_EQ(row_of(warm[i].tid), row_of(r[i].tid)) << "cold and warm caches lead alike";
      if (i) {
        EXPECT_LE(r[i - 1].distance, r[i].distance);
      }
    }
    EXPECT_EQ(f.store.shared_locks_held(), 0u);
  }
}

// Inserts whose search for neighbours is steered by codes link as well as inserts without:
// the same recall, a sound index, identical values recognised, and the codes of the elements
// they read kept.
TEST(HnswPages, InsertsSteeredByCodesLinkAsWell) {
  for (Metric metric : {Metric::kL2, Metric::kCosine}) {
    Fixture f(3000, 32, metric);
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-1, 1);
    for (float& x : f.data) x = u(rng);
    f.bulk_build(1000);
    const auto levels = levels_for(3000, 16, 11);
    double recall[2];
    for (bool with_codes : {false, true}) {
      MemoryPageStore copy = f.store;
      std::swap(copy, f.store);
      PageGraph g(f.store);
      auto codes = with_codes ? CodeCache::for_graph(g, size_t{64} << 20) : nullptr;
      ASSERT_EQ(codes != nullptr, with_codes);
      for (size_t i = 1000; i < 3000; ++i)
        ASSERT_TRUE(g.insert(bytes(f.row(i)), 32 * sizeof(float), tid_of(i), levels[i], true, codes.get()));
      recall[with_codes] = f.recall(g, sample_rows(0, 3000, 100), 40, std::vector<bool>(3000, true));
      const uint64_t elements = g.vectors();
      for (size_t i = 0; i < 3000; i += 10)
        ASSERT_TRUE(g.insert(bytes(f.row(i)), 32 * sizeof(float), tid_of(5000 + i), 0, false, codes.get()));
      EXPECT_EQ(g.vectors(), elements) << "identical values join their elements";
      if (codes) {
        EXPECT_GT(codes->cached(), 1000u);
      }
      const auto report = check_hnsw(f.store);
      EXPECT_TRUE(report.problems.empty());
      EXPECT_EQ(f.store.shared_locks_held(), 0u);
      std::swap(copy, f.store);
    }
    EXPECT_GE(recall[1], recall[0] - 0.01) << "metric " << static_cast<int>(metric);
    EXPECT_GE(recall[1], 0.9);
  }
}

// Codes too coarse for the distances between neighbours are not used: 3-dimensional values
// in the unit cube under cosine lie closer in angle than a code's step.
TEST(HnswPages, NoCodesWhereTheyCannotTellNeighboursApart) {
  Fixture f(3000, 3, Metric::kCosine);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0, 1);
  for (float& x : f.data) x = u(rng);
  f.bulk_build(3000);
  PageGraph g(f.store);
  EXPECT_FALSE(CodeCache::for_graph(g, size_t{64} << 20));
}

TEST(HnswPages, VacuumThatFreesRaisesTheFreedGeneration) {
  Fixture f(500, 8);
  f.bulk_build(500);
  PageGraph g(f.store);
  EXPECT_EQ(g.meta().freed_generation, 0u);
  {
    PageGraph::Vacuum nothing_dead(g);
    nothing_dead.mark_dead([](HeapTid) { return false; });
    nothing_dead.repair();
    nothing_dead.release();
  }
  EXPECT_EQ(g.meta().freed_generation, 0u) << "nothing freed";
  PageGraph::Vacuum vacuum(g);
  vacuum.mark_dead([](HeapTid t) { return row_of(t) % 3 == 0; });
  vacuum.repair();
  EXPECT_GT(vacuum.release(), 0u);
  EXPECT_GT(g.meta().freed_generation, 0u);
}

TEST(HnswPages, InsertsOneByOneReachRecall) {
  Fixture f(2000, 24);
  PageGraph::create(f.store, f.space, f.params);
  PageGraph g(f.store);
  const auto levels = levels_for(2000, 16, 5);
  for (size_t i = 0; i < 2000; ++i) {
    bool ok = g.insert(bytes(f.row(i)), 24 * sizeof(float), tid_of(i), levels[i], false);
    if (!ok) ok = g.insert(bytes(f.row(i)), 24 * sizeof(float), tid_of(i), levels[i], true);
    ASSERT_TRUE(ok);
  }
  EXPECT_EQ(g.entry_point().level, *std::max_element(levels.begin(), levels.end()));
  EXPECT_GE(f.recall(g, sample_rows(0, 2000, 100), 64, std::vector<bool>(2000, true)), 0.97);
  EXPECT_EQ(f.store.shared_locks_held(), 0u);
}

TEST(HnswPages, EntryRaiseNeedsTheExclusiveLock) {
  Fixture f(3, 4);
  PageGraph::create(f.store, f.space, f.params);
  PageGraph g(f.store);
  const uint32_t blocks = f.store.block_count();
  EXPECT_FALSE(g.insert(bytes(f.row(0)), 16, tid_of(0), 0, false)) << "first element raises the entry point";
  EXPECT_EQ(f.store.block_count(), blocks) << "nothing written";
  EXPECT_TRUE(g.insert(bytes(f.row(0)), 16, tid_of(0), 0, true));
  EXPECT_TRUE(g.insert(bytes(f.row(1)), 16, tid_of(1), 0, false));
  EXPECT_FALSE(g.insert(bytes(f.row(2)), 16, tid_of(2), 3, false));
}

TEST(HnswPages, IterativeScanReturnsEveryRowOnce) {
  Fixture f(1000, 16);
  f.bulk_build(1000);
  PageGraph g(f.store);
  PageGraph::Scan scan(g, bytes(f.row(0)), 16 * sizeof(float), {10, SIZE_MAX, SIZE_MAX});
  std::vector<Result> all;
  int batches = 0;
  while (scan.next_batch(all)) ++batches;
  EXPECT_GT(batches, 10);
  std::set<size_t> rows;
  for (const Result& r : all) EXPECT_TRUE(rows.insert(row_of(r.tid)).second) << "returned twice";
  // Every element reachable from the entry point (heuristic pruning can leave a few without
  // in-links, in any HNSW) is returned before the scan ends.
  std::set<Id> reachable;
  std::vector<Id> todo = {g.entry_point().id};
  while (!todo.empty()) {
    const Id n = todo.back();
    todo.pop_back();
    if (!reachable.insert(n).second) continue;
    ReadPage page(f.store, id_block(n));
    ElementRef e;
    ASSERT_TRUE(e.parse(page.data(), f.store.page_size(), id_item(n), 16));
    for (int l = 0; l <= e.level(); ++l) todo.insert(todo.end(), e.ids(l), e.ids(l) + e.count(l));
  }
  EXPECT_GE(reachable.size(), 990u);
  EXPECT_EQ(rows.size(), reachable.size());
}

TEST(HnswPages, AOneBatchScanFindsWhatAResumableOneFindsFirst) {
  Fixture f(2000, 16);
  f.bulk_build(2000);
  PageGraph g(f.store);
  for (size_t q : sample_rows(0, 2000, 20)) {
    std::vector<Result> once, first;
    PageGraph::Scan one_batch(g, bytes(f.row(q)), 16 * sizeof(float), {40, SIZE_MAX, SIZE_MAX, false, false});
    one_batch.next_batch(once);
    PageGraph::Scan resumable(g, bytes(f.row(q)), 16 * sizeof(float), {40, SIZE_MAX, SIZE_MAX, false, true});
    resumable.next_batch(first);
    ASSERT_EQ(once.size(), first.size());
    for (size_t i = 0; i < once.size(); ++i) {
      EXPECT_EQ(once[i].distance, first[i].distance);
      EXPECT_EQ(row_of(once[i].tid), row_of(first[i].tid));
    }
  }
}

TEST(HnswPages, IterativeScanStopsAtItsLimits) {
  Fixture f(1000, 16);
  f.bulk_build(1000);
  PageGraph g(f.store);
  PageGraph::Scan scan(g, bytes(f.row(0)), 16 * sizeof(float), {10, 200, SIZE_MAX});
  std::vector<Result> all;
  size_t before_last = 0;  // visited when the last batch began: below the limit
  while (scan.next_batch(all))
    if (!scan.limit_reached()) before_last = scan.visited();
  // Batches run to the end, as pgvector's: the limit stops the next one.
  EXPECT_TRUE(scan.limit_reached());
  EXPECT_LT(before_last, 200u);
  EXPECT_GE(scan.visited(), 200u);
  EXPECT_LT(all.size(), 1000u);
}

TEST(HnswPages, VacuumRepairsAndReusesSpace) {
  const size_t n = 3000, dim = 32;
  Fixture f(2 * n, dim);
  f.bulk_build(n);
  PageGraph g(f.store);
  const uint32_t pages_before = f.store.block_count();
  // Delete every other row, vacuum, then insert as many new rows.
  std::vector<bool> alive(2 * n, false);
  for (size_t i = 0; i < n; ++i) alive[i] = i % 2 == 1;
  PageGraph::Vacuum vacuum(g);
  EXPECT_EQ(vacuum.mark_dead([&](HeapTid t) { return !alive[row_of(t)]; }), n / 2);
  EXPECT_EQ(vacuum.live(), n / 2);
  vacuum.repair();
  EXPECT_EQ(vacuum.release(), n / 2);
  EXPECT_GE(f.recall(g, sample_rows(1, n, 100), 64, alive), 0.95) << "after deleting half";
  const auto levels = levels_for(2 * n, 16, 9);
  for (size_t i = n; i < n + n / 2; ++i) {
    ASSERT_TRUE(g.insert(bytes(f.row(i)), dim * sizeof(float), tid_of(i), levels[i], true));
    alive[i] = true;
  }
  // A fresh build of the same rows, for comparison.
  Fixture fresh(2 * n, dim);
  MemoryGraph mg(fresh.space, fresh.params);
  Payloads live_rows;
  std::vector<HeapTid> tids;
  for (size_t i = 0; i < 2 * n; ++i)
    if (alive[i]) {
      live_rows.append(bytes(f.row(i)), dim * sizeof(float));
      tids.push_back(tid_of(i));
    }
  mg.build(std::move(live_rows), levels_for(tids.size(), 16, 3), 1);
  PageGraph::write(fresh.store, mg, {tids, {}});
  PageGraph fg(fresh.store);
  const auto queries = sample_rows(0, n + n / 2, 150);
  const double reused = f.recall(g, queries, 64, alive), rebuilt = fresh.recall(fg, queries, 64, alive);
  EXPECT_GE(reused, rebuilt - 0.02);
  // Level-0 elements reuse freed items; only higher levels (~1/m of rows) need new space.
  EXPECT_LE(f.store.block_count(), pages_before + pages_before / 8) << "pages before " << pages_before;
  EXPECT_EQ(f.store.shared_locks_held(), 0u);
}

// pgvector's bit(52) VACUUM test at m = 4, ef_construction = 8: repairs searching just
// 2 × 8 deep measured 0.84 here (0.91 searching 64 deep), and 0.77-0.91 in its own runs
// against its threshold of 0.80.
TEST(HnswPages, VacuumRepairsSmallListsFromADeepSearch) {
  const size_t n = 10000, bytes_per_row = 7, k = 20;
  const Space space(ElementKind::kBit, Metric::kHamming, 52);
  const Params params{4, 8};
  std::mt19937_64 rng(11);
  auto random_bits = [&] {
    std::vector<uint8_t> v(bytes_per_row);
    for (auto& b : v) b = static_cast<uint8_t>(rng());
    v.back() &= 0xF0;  // 52 bits: the last byte's low 4 are padding
    return v;
  };
  Payloads values;
  std::vector<std::vector<uint8_t>> rows;
  for (size_t i = 0; i < n; ++i) {
    rows.push_back(random_bits());
    values.append(rows.back().data(), bytes_per_row);
  }
  MemoryGraph mg(space, params);
  mg.build(std::move(values), levels_for(n, params.m, 3), 1);
  std::vector<HeapTid> tids(n);
  for (size_t i = 0; i < n; ++i) tids[i] = tid_of(i);
  MemoryPageStore store;
  PageGraph::write(store, mg, {tids, {}});
  PageGraph g(store);
  const size_t survivors = n / 4;
  PageGraph::Vacuum vacuum(g);
  vacuum.mark_dead([&](HeapTid t) { return row_of(t) >= survivors; });
  vacuum.repair();
  vacuum.release();
  // Ties are common in Hamming distance: a result counts when it is as near as the k-th.
  size_t found = 0;
  const size_t queries = 100;
  for (size_t q = 0; q < queries; ++q) {
    const std::vector<uint8_t> query = random_bits();
    std::vector<double> exact;
    for (size_t i = 0; i < survivors; ++i) exact.push_back(space.distance(query.data(), rows[i].data()));
    std::nth_element(exact.begin(), exact.begin() + k - 1, exact.end());
    PageGraph::Scan scan(g, query.data(), bytes_per_row, {100, SIZE_MAX, SIZE_MAX});
    std::vector<Result> got;
    scan.next_batch(got);
    for (size_t i = 0; i < std::min(k, got.size()); ++i) found += got[i].distance <= exact[k - 1];
  }
  EXPECT_GE(static_cast<double>(found) / static_cast<double>(k * queries), 0.88);
}

TEST(HnswPages, VacuumMovesADeadEntryPoint) {
  Fixture f(500, 8);
  f.bulk_build(500);
  PageGraph g(f.store);
  const EntryPoint<Id> ep = g.entry_point();
  HeapTid ep_tid;
  {
    ReadPage page(f.store, id_block(ep.id));
    ElementRef e;
    ASSERT_TRUE(e.parse(page.data(), f.store.page_size(), id_item(ep.id), 16));
    ep_tid = e.heap_tid();
  }
  PageGraph::Vacuum vacuum(g);
  EXPECT_EQ(vacuum.mark_dead([&](HeapTid t) { return t == ep_tid; }), 1u);
  vacuum.repair();
  vacuum.release();
  EXPECT_NE(g.entry_point().id, ep.id);
  const auto r = f.search(g, f.row(row_of(ep_tid)), 40);
  ASSERT_FALSE(r.empty());
  for (const Result& x : r) EXPECT_FALSE(x.tid == ep_tid) << "a dead row is never returned";
}

TEST(HnswPages, VacuumOfEverythingLeavesAnEmptyGraph) {
  Fixture f(300, 8);
  f.bulk_build(300);
  PageGraph g(f.store);
  PageGraph::Vacuum vacuum(g);
  EXPECT_EQ(vacuum.mark_dead([](HeapTid) { return true; }), 300u);
  vacuum.repair();
  EXPECT_EQ(vacuum.release(), 300u);
  EXPECT_EQ(g.entry_point().level, -1);
  EXPECT_TRUE(f.search(g, f.row(0), 40).empty());
  ASSERT_TRUE(g.insert(bytes(f.row(1)), 32, tid_of(1), 0, true));
  const auto r = f.search(g, f.row(1), 40);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(row_of(r[0].tid), 1u);
}

// Inserts and list repairs can prune an element's last in-link (near-duplicates most often);
// VACUUM links every such element from a reachable one, so searches can return it again.
TEST(HnswPages, VacuumReconnectsUnreachableElements) {
  const size_t n = 3000, dim = 8;
  Fixture f(n, dim);
  f.data = test::near_duplicates(n, dim, 1);
  f.params = {4, 32};
  PageGraph::create(f.store, f.space, f.params);
  PageGraph g(f.store);
  const std::vector<int> levels = levels_for(n, f.params.m, 5);
  for (size_t i = 0; i < n; ++i) ASSERT_TRUE(g.insert(bytes(f.row(i)), dim * sizeof(float), tid_of(i), levels[i], true));
  PageGraph::Vacuum vacuum(g);
  vacuum.mark_dead([](HeapTid t) { return t.offset % 5 == 0; });
  vacuum.repair();
  vacuum.release();
  const size_t unreachable = graph_stats(g).unreachable;
  ASSERT_GT(unreachable, 0u) << "the data no longer produces unreachable elements: the test checks nothing";

  EXPECT_TRUE(vacuum.reconnect(1024).skipped);
  EXPECT_EQ(graph_stats(g).unreachable, unreachable);

  const PageGraph::Vacuum::Reconnected r = vacuum.reconnect(SIZE_MAX);
  EXPECT_FALSE(r.skipped);
  EXPECT_GT(r.linked, 0u);
  EXPECT_LE(r.linked, r.unreachable);
  EXPECT_LE(r.unreachable, unreachable);
  EXPECT_EQ(graph_stats(g).unreachable, 0u);
  EXPECT_EQ(vacuum.reconnect(SIZE_MAX).unreachable, 0u);
  for (uint32_t block = 1; block < f.store.block_count(); ++block)
    for (int item = 0; item < page_header(f.store.raw(block))->item_count; ++item) {
      ElementRef e;
      if (!e.parse(f.store.raw(block), f.store.page_size(), item, f.params.m)) continue;
      ASSERT_LE(e.count(0), static_cast<uint32_t>(2 * f.params.m)) << "level-0 list over capacity";
    }
  EXPECT_EQ(f.store.shared_locks_held(), 0u);
}

TEST(HnswPages, ValuesLargerThanAPage) {
  for (size_t dim : {3072, 16000}) {
    Fixture f(120, dim);
    f.bulk_build(100);
    PageGraph g(f.store);
    for (size_t i = 100; i < 120; ++i) ASSERT_TRUE(g.insert(bytes(f.row(i)), dim * 4, tid_of(i), 0, true));
    std::vector<bool> alive(120, true);
    EXPECT_GE(f.recall(g, sample_rows(0, 120, 20), 40, alive), 0.97) << dim;
    const auto r = f.search(g, f.row(110), 10);
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(row_of(r[0].tid), 110u);
    EXPECT_EQ(r[0].distance, 0.0);
  }
}

// Element pages the items of elements at `levels` fill when packed without a gap.
size_t packed_pages(const std::vector<int>& levels, int m, size_t value, size_t page_size) {
  size_t item_bytes = 0;
  for (int level : levels) item_bytes += element_size(m, level, value) + sizeof(ItemEntry);
  return item_bytes / (page_size - sizeof(PageHeader)) + 1;
}

// Elements over an eighth of a page are packed as a stream: a value that does not fit in what
// is left of a page continues on the next (784 dims: ~2.45 elements a page, not 2). Every value
// reads back exactly, freed split elements are reused with their tails, and the checker
// follows the chains.
TEST(HnswPages, LargeValuesSpanPagesAndPackThem) {
  const size_t n = 600, dim = 784, value = dim * sizeof(float);
  Fixture f(n + n / 2, dim);
  f.bulk_build(n);
  PageGraph g(f.store);
  EXPECT_GT(graph_stats(g).split_values, n / 4);
  const size_t packed = packed_pages(levels_for(n, f.params.m, 3), f.params.m, value, f.store.page_size());
  const size_t pages = f.store.block_count() - 1;
  EXPECT_LE(pages, packed + packed / 50) << "whole elements only would take " << n / 2;
  auto finds_itself = [&](size_t row) {  // an ef that reaches every element: reads every value
    const auto r = f.search(g, f.row(row), n + n / 2);
    return !r.empty() && row_of(r[0].tid) == row && r[0].distance == 0.0;
  };
  for (size_t i = 0; i < n; ++i) ASSERT_TRUE(finds_itself(i)) << i;
  EXPECT_TRUE(check_hnsw(f.store).problems.empty());

  std::vector<bool> alive(n + n / 2, false);
  for (size_t i = 0; i < n; ++i) alive[i] = i % 2 == 1;
  PageGraph::Vacuum vacuum(g);
  vacuum.mark_dead([&](HeapTid t) { return !alive[row_of(t)]; });
  vacuum.repair();
  EXPECT_EQ(vacuum.release(), n / 2);
  const auto levels = levels_for(n + n / 2, f.params.m, 9);
  for (size_t i = n; i < n + n / 2; ++i) {
    ASSERT_TRUE(g.insert(bytes(f.row(i)), value, tid_of(i), levels[i], true));
    alive[i] = true;
  }
  EXPECT_LE(f.store.block_count() - 1, pages + pages / 8) << "freed split elements were not reused";
  for (size_t i = n; i < n + n / 2; ++i) ASSERT_TRUE(finds_itself(i)) << i;
  EXPECT_GE(f.recall(g, sample_rows(0, n + n / 2, 60), 40, alive), 0.95);
  const CheckReport healthy = check_hnsw(f.store);
  EXPECT_TRUE(healthy.problems.empty()) << healthy.problems.front().problem;

  // A broken chain and an impossible value length: the checker says where, searches skip both.
  std::vector<size_t> broken_rows;
  for (uint32_t block = 1; block < f.store.block_count() && broken_rows.size() < 2; ++block)
    for (int item = 0; item < page_header(f.store.raw(block))->item_count; ++item) {
      ElementRef e;
      if (!e.parse(f.store.raw(block), f.store.page_size(), item, f.params.m) || e.dead() || e.value_inline()) continue;
      if (broken_rows.empty())
        e.mutable_header().tail = make_id(block, 200);
      else
        e.mutable_header().value_len = 0xFFFFFFF0u;
      broken_rows.push_back(row_of(e.heap_tid()));
      break;
    }
  ASSERT_EQ(broken_rows.size(), 2u);
  const CheckReport r = check_hnsw(f.store);
  ASSERT_EQ(r.problems.size(), 2u);
  for (const char* text : {"value tail chain reaches", "value tail chain holds"})
    EXPECT_TRUE(std::any_of(r.problems.begin(), r.problems.end(),
                            [&](const auto& p) { return p.problem.find(text) != std::string::npos; }))
        << text;
  for (size_t row : broken_rows) EXPECT_FALSE(finds_itself(row)) << row;
  EXPECT_EQ(f.store.shared_locks_held(), 0u);
}

// Inserts pack large elements as a build does: one that fits no page whole starts in the
// roomiest page's space and ends on a fresh page, which the next inserts fill. The insert
// hint follows the pages with room, so an insert does not re-read every page before it.
TEST(HnswPages, InsertsPackLargeValuesAcrossPages) {
  const size_t n = 400, dim = 784, value = dim * sizeof(float);
  Fixture f(n, dim);
  PageGraph::create(f.store, f.space, f.params);
  PageGraph g(f.store);
  const auto levels = levels_for(n, f.params.m, 6);
  for (size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(g.insert(bytes(f.row(i)), value, tid_of(i), levels[i], true));
    ASSERT_GE(meta_of(f.store.raw(kMetaBlock))->insert_hint + 3, f.store.block_count()) << i;
  }
  const size_t packed = packed_pages(levels, f.params.m, value, f.store.page_size());
  EXPECT_LE(f.store.block_count() - 1, packed + packed / 50) << "whole elements only would take " << n / 2;
  EXPECT_GT(graph_stats(g).split_values, n / 4);
  for (size_t i = 0; i < n; ++i) {
    const auto r = f.search(g, f.row(i), n);
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(row_of(r[0].tid), i);
    EXPECT_EQ(r[0].distance, 0.0) << i;
  }
  const CheckReport report = check_hnsw(f.store);
  EXPECT_TRUE(report.problems.empty()) << report.problems.front().problem;
  EXPECT_GE(f.recall(g, sample_rows(0, n, 60), 40, std::vector<bool>(n, true)), 0.95);
}

TEST(HnswPages, SmallElementsAreNeverSplit) {
  Fixture f(400, 128);  // 660-byte elements: under an eighth of a page
  f.bulk_build(400);
  PageGraph g(f.store);
  EXPECT_EQ(graph_stats(g).split_values, 0u);
}

TEST(HnswPages, SparseHalfAndBitValues) {
  std::mt19937 rng(4);
  // sparse: nnz varies, so items differ in size
  {
    const Space space(ElementKind::kSparse, Metric::kL2, 1000);
    MemoryPageStore store;
    PageGraph::create(store, space, Params{8, 32});
    PageGraph g(store);
    std::vector<std::vector<uint8_t>> values;
    for (size_t i = 0; i < 300; ++i) {
      // clustered: vector i draws its indices from cluster i % 10's hundred dimensions
      const int32_t nnz = 5 + static_cast<int32_t>(rng() % 40);
      std::set<int32_t> idx;
      while (idx.size() < static_cast<size_t>(nnz)) idx.insert(static_cast<int32_t>(i % 10 * 100 + rng() % 100));
      std::vector<uint8_t> p(8 + 8 * static_cast<size_t>(nnz));
      std::memcpy(p.data(), &nnz, 4);
      size_t k = 0;
      for (int32_t x : idx) {
        const float v = static_cast<float>(rng() % 100) / 10.0f + 0.1f;
        std::memcpy(p.data() + 8 + 4 * k, &x, 4);
        std::memcpy(p.data() + 8 + 4 * static_cast<size_t>(nnz) + 4 * k, &v, 4);
        ++k;
      }
      ASSERT_TRUE(g.insert(p.data(), p.size(), tid_of(i), 0, true));
      values.push_back(std::move(p));
    }
    PageGraph::Scan scan(g, values[17].data(), values[17].size(), {40, SIZE_MAX, SIZE_MAX});
    std::vector<Result> r;
    scan.next_batch(r);
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(row_of(r[0].tid), 17u);
    EXPECT_EQ(r[1].distance, space.distance(values[17].data(), values[row_of(r[1].tid)].data()));
  }
  // bits under Jaccard
  {
    const Space space(ElementKind::kBit, Metric::kJaccard, 256);
    MemoryPageStore store;
    PageGraph::create(store, space, Params{8, 32});
    PageGraph g(store);
    std::vector<std::vector<uint8_t>> values(200, std::vector<uint8_t>(32));
    for (size_t i = 0; i < values.size(); ++i) {
      for (auto& b : values[i]) b = static_cast<uint8_t>(rng());
      ASSERT_TRUE(g.insert(values[i].data(), 32, tid_of(i), 0, true));
    }
    PageGraph::Scan scan(g, values[5].data(), 32, {40, SIZE_MAX, SIZE_MAX});
    std::vector<Result> r;
    scan.next_batch(r);
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(row_of(r[0].tid), 5u);
    EXPECT_EQ(r[0].distance, 0.0);
  }
}

TEST(HnswPages, CorruptPagesAreSkippedNotTrusted) {
  Fixture f(800, 16);
  f.bulk_build(800);
  PageGraph g(f.store);
  std::mt19937 rng(2);
  for (uint32_t block = 1; block < f.store.block_count(); block += 3)
    for (int k = 0; k < 200; ++k) f.store.raw(block)[rng() % f.store.page_size()] = static_cast<uint8_t>(rng());
  for (size_t q = 0; q < 50; ++q) {
    PageGraph::Scan scan(g, bytes(f.row(q)), 16 * sizeof(float), {20, 5000, SIZE_MAX});
    std::vector<Result> r;
    while (scan.next_batch(r)) {
    }
  }
  PageGraph::Vacuum vacuum(g);
  vacuum.mark_dead([](HeapTid t) { return t.offset % 2 == 0; });
  vacuum.repair();
  vacuum.release();
  EXPECT_EQ(f.store.shared_locks_held(), 0u);
}

TEST(HnswPages, RejectsAForeignMetaPage) {
  MemoryPageStore store;
  {
    Change c(store);
    init_page(c.new_page().data, store.page_size(), PageKind::kElements);
    c.commit();
  }
  EXPECT_THROW(PageGraph g(store), CorruptIndex);
}

}  // namespace
}  // namespace vectorx::hnsw

namespace vectorx::hnsw {
namespace {

// 300 bit strings with only 32 distinct values. Lists keep one copy per value, so copies cannot
// fill each other's lists and form an island: every search reaches most of the graph (before
// that rule, searches starting among 33 copies of one value returned only those 33). Copies
// whose back-links were all pruned stay unreachable; merging copies into one element, as
// pgvector does, would close that gap.
// The regression test's table (index_stats.sql): 50 tight clusters, m = 4, ef_construction 8,
// 3,000 rows, 3,000 more, every fifth deleted. VACUUM offered the same first elements with
// room to every unreachable one; once those were full it linked no more, and for some draws of
// levels (3 runs in 60 through SQL) over a thousand elements stayed unreachable.
TEST(HnswPages, VacuumLinksEveryUnreachableElementWhenTheFirstWithRoomFill) {
  const size_t n = 6000, dim = 8;
  std::vector<float> data(n * dim);
  for (size_t i = 0; i < n; ++i)
    for (size_t d = 0; d < dim; ++d)
      data[i * dim + d] = static_cast<float>(static_cast<double>((i + 1) / 3 % 50) + (i < 3000 ? 1e-4 : 2e-4) * ((i + 1) % 7) +
                                             1e-5 * static_cast<double>((i + 1) / 150) + 0.01 * static_cast<double>(d + 1));
  size_t worst = 0;
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    MemoryPageStore store;
    const Space space(ElementKind::kFloat32, Metric::kL2, dim);
    const Params params{4, 8};
    PageGraph::create(store, space, params);
    PageGraph g(store);
    const std::vector<int> levels = levels_for(n, params.m, seed);
    for (size_t i = 0; i < n; ++i) ASSERT_TRUE(g.insert(bytes(data.data() + i * dim), dim * sizeof(float), tid_of(i + 1), levels[i], true));
    PageGraph::Vacuum vacuum(g);
    vacuum.mark_dead([](HeapTid t) { return row_of(t) % 5 == 0; });
    vacuum.repair();
    vacuum.release();
    vacuum.reconnect(SIZE_MAX);
    worst = std::max(worst, graph_stats(g).unreachable);
  }
  EXPECT_EQ(worst, 0u) << "the most elements left unreachable by one VACUUM over 30 draws of levels";
}

TEST(HnswPages, DuplicatesStayReachable) {
  const Space space(ElementKind::kBit, Metric::kHamming, 16);
  Payloads values;
  for (int i = 1; i <= 300; ++i) {
    uint8_t bits[2] = {0, 0};
    for (int k = 1; k <= 16; ++k)
      if (std::sin(i * 7.0 + k * 3.0) > 0) bits[(k - 1) / 8] |= static_cast<uint8_t>(0x80 >> ((k - 1) % 8));
    values.append(bits, 2);
  }
  const Payloads copy = values;
  std::mt19937_64 rng(0x5eed);
  std::vector<int> levels(300);
  for (int& l : levels) l = random_level(1.0 - std::uniform_real_distribution<double>(0.0, 1.0)(rng), 16);
  MemoryGraph mg(space, Params{16, 64});
  mg.build(std::move(values), levels, 1);
  std::vector<HeapTid> tids;
  for (size_t i = 0; i < 300; ++i) tids.push_back(tid_of(i));
  for (uint32_t q = 0; q < 300; q += 37) EXPECT_GE(mg.search(copy.at(q), 400, 400).size(), 250u) << "in memory, query " << q;
  MemoryPageStore store;
  PageGraph::write(store, mg, {tids, {}});
  PageGraph g(store);
  for (size_t q = 0; q < 300; q += 37) {
    PageGraph::Scan scan(g, copy.at(q), 2, {400, SIZE_MAX, SIZE_MAX});
    std::vector<Result> r;
    scan.next_batch(r);
    EXPECT_EQ(r.size(), mg.search(copy.at(q), 400, 400).size()) << "pages search like memory, query " << q;
  }
}

}  // namespace
}  // namespace vectorx::hnsw
