// The HNSW algorithm on the in-memory graph: recall against brute force, graph invariants,
// level distribution, and search on an empty or one-node graph.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <random>
#include <set>
#include <vector>

#include "test_data.h"
#include "vectorx/hnsw/memory_graph.h"
#include "vectorx/kernels.h"
#include "vectorx/metric.h"

namespace vectorx::hnsw {
namespace {

using test::bytes;
using test::clustered;

Space float_space(Metric metric, size_t dim) { return Space(ElementKind::kFloat32, metric, static_cast<int64_t>(dim)); }

std::vector<uint32_t> brute_force(const std::vector<float>& base, size_t dim, const float* q, size_t k, Metric d) {
  std::vector<std::pair<double, uint32_t>> all;
  for (size_t i = 0; i < base.size() / dim; ++i) {
    const float* v = base.data() + i * dim;
    all.emplace_back(dense_distance(d, v, q, dim), static_cast<uint32_t>(i));
  }
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end());
  std::vector<uint32_t> ids;
  for (size_t i = 0; i < k; ++i) ids.push_back(all[i].second);
  return ids;
}

// Inserts every row one at a time with add().
void add_all(MemoryGraph& g, const std::vector<float>& base, size_t dim, int m) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (size_t i = 0; i < base.size() / dim; ++i)
    g.add(bytes(base.data() + i * dim), dim * sizeof(float), random_level(1.0 - u(rng), m));
}

double recall(MemoryGraph& g, const std::vector<float>& base, const std::vector<float>& queries, size_t dim, size_t ef,
              Metric d) {
  const size_t k = 10, nq = queries.size() / dim;
  size_t found = 0;
  for (size_t q = 0; q < nq; ++q) {
    const float* query = queries.data() + q * dim;
    const auto truth = brute_force(base, dim, query, k, d);
    const std::set<uint32_t> expected(truth.begin(), truth.end());
    for (const auto& c : g.search(bytes(query), ef, k)) found += expected.count(c.id);
  }
  return static_cast<double>(found) / static_cast<double>(nq * k);
}

TEST(Hnsw, RecallAgainstBruteForce) {
  const size_t dim = 48;
  // Queries from the same distribution as the base (held-out points of the same clusters).
  const auto all = clustered(4100, dim, 1);
  const std::vector<float> base(all.begin(), all.begin() + 4000 * dim), queries(all.begin() + 4000 * dim, all.end());
  for (Metric d : {Metric::kL2, Metric::kInnerProduct}) {
    MemoryGraph g(float_space(d, dim), Params{16, 64});
    add_all(g, base, dim, 16);
    const double r10 = recall(g, base, queries, dim, 10, d), r100 = recall(g, base, queries, dim, 100, d);
    EXPECT_GE(r100, 0.97) << "ef=100";
    EXPECT_GE(r100, r10) << "a larger candidate list must not lose recall";
  }
}

// No self loops or duplicates, neighbours exist at the level, lists within bounds, no isolated
// node at level 0, and the entry point is a highest node.
void check_invariants(MemoryGraph& g, const Params& p) {
  int top = 0;
  for (uint32_t n = 0; n < g.size(); ++n) {
    top = std::max(top, g.level(n));
    for (int l = 0; l <= g.level(n); ++l) {
      std::set<uint32_t> seen;
      const std::vector<uint32_t> list = g.neighbors(n, l);
      const size_t count = list.size();
      for (uint32_t x : list) {
        EXPECT_NE(x, n) << "self loop";
        EXPECT_LT(x, g.size());
        EXPECT_GE(g.level(x), l) << "a neighbour at level " << l << " must exist at that level";
        EXPECT_TRUE(seen.insert(x).second) << "duplicate link";
      }
      EXPECT_LE(count, static_cast<size_t>(max_neighbors(p, l)));
      if (g.size() > 1 && l == 0) {
        EXPECT_GT(count, 0u) << "node " << n << " is isolated at level 0";
      }
    }
  }
  EXPECT_EQ(g.entry_point().level, top) << "the entry point is a highest node";
  EXPECT_EQ(g.level(g.entry_point().id), top);
}

TEST(Hnsw, GraphInvariants) {
  const Params p{8, 32};
  const auto base = clustered(1500, 16, 3);
  MemoryGraph g(float_space(Metric::kL2, 16), p);
  add_all(g, base, 16, p.m);
  ASSERT_EQ(g.size(), 1500u);
  check_invariants(g, p);
}

// In few dimensions the diversity rule keeps 3 to 6 links; a new node's own list is filled to
// m with the nearest pruned ones, and each of them links back: its diverse links and m / 2
// even when full (evicting their farthest pruned link, which may be the new one), the rest
// where they have room. Linked back from its diverse links and m / 2 only, the last 100 nodes
// here held 819 of their 1,619 links both ways.
TEST(Hnsw, ANewNodeKeepsMLinksAndIsLinkedBackFromThem) {
  const Params p{16, 64};
  const auto base = clustered(2000, 3, 5);
  MemoryGraph g(float_space(Metric::kL2, 3), p);
  add_all(g, base, 3, p.m);
  size_t own_links = 0, linked_back = 0;
  for (MemoryGraph::Id node = static_cast<MemoryGraph::Id>(g.size() - 100); node < g.size(); ++node) {
    const std::vector<MemoryGraph::Id> own = g.neighbors(node, 0);
    EXPECT_GE(own.size(), static_cast<size_t>(p.m));
    own_links += own.size();
    for (MemoryGraph::Id n : own) {
      const std::vector<MemoryGraph::Id> theirs = g.neighbors(n, 0);
      linked_back += std::find(theirs.begin(), theirs.end(), node) != theirs.end();
    }
  }
  EXPECT_GT(linked_back, own_links * 3 / 4) << linked_back << " of " << own_links;
}

TEST(Hnsw, ParallelBuildKeepsInvariantsAndRecall) {
  const size_t dim = 48;
  const Params p{16, 64};
  const auto all = clustered(4100, dim, 1);
  const std::vector<float> base(all.begin(), all.begin() + 4000 * dim), queries(all.begin() + 4000 * dim, all.end());
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<int> levels(4000);
  for (int& l : levels) l = random_level(1.0 - u(rng), p.m);
  MemoryGraph serial(float_space(Metric::kL2, dim), p), parallel(float_space(Metric::kL2, dim), p);
  serial.build(Payloads::from_floats(base.data(), 4000, dim), levels, 1);
  size_t last_progress = 0;
  parallel.build(Payloads::from_floats(base.data(), 4000, dim), levels, 4, [&](size_t done) {
    EXPECT_GE(done, last_progress);
    last_progress = done;
  });
  EXPECT_EQ(last_progress, 4000u) << "the final report counts every node";
  ASSERT_EQ(parallel.size(), 4000u);
  check_invariants(parallel, p);
  const double r_serial = recall(serial, base, queries, dim, 64, Metric::kL2);
  const double r_parallel = recall(parallel, base, queries, dim, 64, Metric::kL2);
  EXPECT_GE(r_parallel, 0.95);
  EXPECT_NEAR(r_parallel, r_serial, 0.02) << "insertion order may differ, quality must not";
}

// Near-duplicates make the neighbour heuristic prune every link to some elements (before the
// reconnection pass: 52-952 of 5,000 here, depending on m); after build every element is
// reachable from the entry point, so a search can return it.
TEST(Hnsw, EveryElementReachableAmongNearDuplicates) {
  const size_t n = 5000, dim = 8;
  const auto data = test::near_duplicates(n, dim, 3);
  for (int m : {4, 16}) {
    MemoryGraph g(float_space(Metric::kL2, dim), {m, 64});
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<int> levels(n);
    for (int& l : levels) l = random_level(1.0 - u(rng), m);
    g.build(Payloads::from_floats(data.data(), n, dim), levels, 2);
    std::vector<char> seen(n, 0);
    std::vector<MemoryGraph::Id> stack{g.entry_point().id};
    seen[stack[0]] = 1;
    size_t reached = 1;
    while (!stack.empty()) {
      const MemoryGraph::Id id = stack.back();
      stack.pop_back();
      for (int level = 0; level <= g.level(id); ++level)
        for (MemoryGraph::Id next : g.neighbors(id, level))
          if (!seen[next]) {
            seen[next] = 1;
            ++reached;
            stack.push_back(next);
          }
    }
    EXPECT_EQ(reached, n) << "m=" << m;
    for (MemoryGraph::Id id = 0; id < n; ++id)
      ASSERT_LE(g.neighbors(id, 0).size(), static_cast<size_t>(2 * m)) << "level-0 list over capacity";
  }
}

TEST(Hnsw, LevelsFollowTheExponentialLaw) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  size_t above0 = 0;
  const size_t n = 200000;
  for (size_t i = 0; i < n; ++i) above0 += random_level(1.0 - u(rng), 16) > 0;
  // P(level >= 1) = 1/m
  EXPECT_NEAR(static_cast<double>(above0) / n, 1.0 / 16, 0.004);
  EXPECT_EQ(random_level(1.0, 16), 0);
  EXPECT_LE(random_level(1e-300, 16), 16);
}

TEST(Hnsw, EmptyAndSingleNode) {
  MemoryGraph g(float_space(Metric::kL2, 4), Params{});
  const float q[4] = {1, 2, 3, 4};
  EXPECT_TRUE(g.search(bytes(q), 10, 5).empty());
  g.add(bytes(q), sizeof q, 2);
  const auto r = g.search(bytes(q), 10, 5);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].id, 0u);
  EXPECT_EQ(r[0].distance, 0.0);
}

// A cancelled build (the progress callback throws) stops every thread and reports the error.
TEST(Hnsw, BuildCancelsFromProgress) {
  const size_t dim = 8;
  const auto base = clustered(3000, dim, 5);
  std::vector<int> levels(3000, 0);
  MemoryGraph g(float_space(Metric::kL2, dim), Params{8, 32});
  EXPECT_THROW(g.build(Payloads::from_floats(base.data(), 3000, dim), levels, 3,
                       [](size_t done) {
                         if (done > 500) throw std::runtime_error("cancelled");
                       }),
               std::runtime_error);
}

}  // namespace
}  // namespace vectorx::hnsw

namespace vectorx::hnsw {
namespace {

// Many exact duplicates (bit strings, repeated embeddings): every node stays reachable.
TEST(Hnsw, DuplicatesStayReachable) {
  const Space space(ElementKind::kBit, Metric::kHamming, 16);
  Payloads values;
  for (uint32_t i = 0; i < 300; ++i) {
    const uint16_t pattern = static_cast<uint16_t>((i % 32) * 2654435761u >> 7);
    values.append(reinterpret_cast<const uint8_t*>(&pattern), 2);
  }
  std::vector<int> levels(300);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int& l : levels) l = random_level(1.0 - u(rng), 16);
  const Payloads copy = values;
  MemoryGraph g(space, Params{16, 64});
  g.build(std::move(values), levels, 1);
  for (uint32_t q = 0; q < 32; ++q) EXPECT_EQ(g.search(copy.at(q), 400, 400).size(), 300u) << "query " << q;
}

}  // namespace
}  // namespace vectorx::hnsw
