// Reranker (ivf/rerank.h): exact order from candidates in bound order, reading no more
// candidates than that order needs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <vector>

#include "vectorx/ivf/rerank.h"

namespace vectorx::ivf {
namespace {

bool tid_less(HeapTid a, HeapTid b) { return a.block < b.block || (a.block == b.block && a.offset < b.offset); }

// Rows with exact distances (a few tied, one NaN, one gone) and bounds at or below them.
struct Rows {
  std::vector<Result> exact;   // by TID
  std::vector<Result> bounds;  // the candidates, by bound then TID
  std::map<uint64_t, double> distance_of;
  std::vector<HeapTid> gone;
  explicit Rows(uint32_t seed, size_t n = 300) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> d(0, 10), slack(0, 2);
    for (size_t i = 0; i < n; ++i) {
      const HeapTid tid{static_cast<uint32_t>(i / 7), static_cast<uint16_t>(i % 7 + 1)};
      double e = i % 10 == 3 ? 5.0 : d(rng);  // ties at 5
      if (i == 17) e = std::numeric_limits<double>::quiet_NaN();
      exact.push_back({e, tid});
      bounds.push_back({e != e ? 9.0 : e - slack(rng), tid});
      distance_of[key(tid)] = e;
    }
    gone.push_back(exact[41].tid);
    std::sort(bounds.begin(), bounds.end(), [](const Result& a, const Result& b) {
      return a.distance < b.distance || (a.distance == b.distance && tid_less(a.tid, b.tid));
    });
  }
  static uint64_t key(HeapTid t) { return (uint64_t{t.block} << 16) | t.offset; }
  // The rows present, in Postgres' order of exact distances, ties by TID.
  std::vector<Result> expected() const {
    std::vector<Result> out;
    for (const Result& r : exact)
      if (std::find(gone.begin(), gone.end(), r.tid) == gone.end()) out.push_back(r);
    std::stable_sort(out.begin(), out.end(), [](const Result& a, const Result& b) {
      if (nearer(a.distance, b.distance)) return true;
      if (nearer(b.distance, a.distance)) return false;
      return tid_less(a.tid, b.tid);
    });
    return out;
  }
  Reranker reranker(long cap = -1, size_t* reads = nullptr) {
    size_t at = 0;
    return Reranker(
        [this, at](Result& next) mutable {
          if (at == bounds.size()) return false;
          next = bounds[at++];
          return true;
        },
        [this, reads](HeapTid tid) -> std::optional<double> {
          if (reads) ++*reads;
          if (std::find(gone.begin(), gone.end(), tid) != gone.end()) return std::nullopt;
          return distance_of.at(key(tid));
        },
        cap);
  }
};

bool same(const Result& a, const Result& b) {
  return a.tid == b.tid && (a.distance == b.distance || (a.distance != a.distance && b.distance != b.distance));
}

TEST(Reranker, HandsOutEveryRowInExactOrderTiesByTid) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    Rows rows(seed);
    Reranker reranker = rows.reranker();
    const std::vector<Result> expected = rows.expected();
    Result r{};
    for (size_t i = 0; i < expected.size(); ++i) {
      ASSERT_TRUE(reranker.next(r)) << i;
      EXPECT_TRUE(same(r, expected[i])) << "seed " << seed << " row " << i << ": " << r.distance << " vs " << expected[i].distance;
    }
    EXPECT_FALSE(reranker.next(r));
    EXPECT_EQ(reranker.reads(), rows.bounds.size());
  }
}

TEST(Reranker, ReadsOnlyCandidatesWhoseBoundComesBeforeTheRowsHandedOut) {
  Rows rows(4);
  size_t reads = 0;
  Reranker reranker = rows.reranker(-1, &reads);
  Result tenth{};
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(reranker.next(tenth));
  // Exactly the candidates whose bound comes before the tenth row were read: the first one
  // after them was drawn, not read.
  size_t needed = 0;
  for (const Result& c : rows.bounds) needed += c.distance < tenth.distance || (c.distance == tenth.distance && tid_less(c.tid, tenth.tid));
  EXPECT_EQ(reads, needed);
  EXPECT_LT(reads, rows.bounds.size() / 2) << "a top-10 reads a fraction of the candidates";
}

TEST(Reranker, ACapEndsTheReadsAndHandsOutWhatWasRead) {
  Rows rows(5);
  Reranker reranker = rows.reranker(20);
  std::vector<Result> out;
  Result r{};
  while (reranker.next(r)) out.push_back(r);
  EXPECT_EQ(reranker.reads(), 20u);
  EXPECT_EQ(out.size(), 20u - (std::find_if(rows.bounds.begin(), rows.bounds.begin() + 20, [&](const Result& c) {
                                 return c.tid == rows.gone[0];
                               }) != rows.bounds.begin() + 20));
  for (size_t i = 1; i < out.size(); ++i) EXPECT_FALSE(nearer(out[i].distance, out[i - 1].distance)) << i;
}

TEST(Reranker, NoCandidatesNoRows) {
  Reranker reranker([](Result&) { return false; }, [](HeapTid) -> std::optional<double> { return 1.0; });
  Result r{};
  EXPECT_FALSE(reranker.next(r));
  EXPECT_EQ(reranker.reads(), 0u);
}

}  // namespace
}  // namespace vectorx::ivf
