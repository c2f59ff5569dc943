// ResultStream (hnsw/result_stream.h): what an hnsw scan returns from its search's batches.
#include <gtest/gtest.h>

#include <vector>

#include "test_data.h"
#include "vectorx/hnsw/result_stream.h"

namespace vectorx::hnsw {
namespace {

using test::row_of;
using test::tid_of;

// Hands out the given batches in turn, counting how many were asked for.
struct Batches {
  std::vector<std::vector<double>> distances;  // row i of batch b has distance distances[b][i]
  size_t asked = 0;
  ResultStream::NextBatch source() {
    return [this](std::vector<Result>& out) {
      if (asked >= distances.size()) return false;
      size_t row = 100 * asked;
      for (double d : distances[asked]) out.push_back({d, tid_of(row++)});
      ++asked;
      return asked < distances.size();
    };
  }
};

std::vector<double> drain(ResultStream& s) {
  std::vector<double> out;
  for (const Result* r; (r = s.next());) out.push_back(r->distance);
  return out;
}

TEST(HnswResultStream, WithoutIterationOneBatchIsAll) {
  Batches b{{{1, 2, 3}, {4, 5}}};
  ResultStream s(b.source(), {});
  EXPECT_EQ(drain(s), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(b.asked, 1u);
  EXPECT_EQ(s.next(), nullptr) << "over stays over";
}

TEST(HnswResultStream, IterativeScansReadEveryBatch) {
  Batches b{{{1, 3}, {2, 4}, {}}};
  ResultStream::Rules relaxed;
  relaxed.more_batches = true;
  ResultStream s(b.source(), relaxed);
  EXPECT_EQ(drain(s), (std::vector<double>{1, 3, 2, 4}));
}

TEST(HnswResultStream, StrictOrderSkipsWhatWouldBreakIt) {
  Batches b{{{1, 3}, {2, 4, 3}}};
  ResultStream::Rules strict;
  strict.more_batches = strict.strict_order = true;
  ResultStream s(b.source(), strict);
  EXPECT_EQ(drain(s), (std::vector<double>{1, 3, 4})) << "2 came after 3; the second 3 ties and stays";
}

TEST(HnswResultStream, ARangeScanSkipsRowsOutsideAndStopsPastTheBall) {
  Batches b{{{1, 5, 2, 6, 7}, {3, 8, 9, 10}, {0.5}}};
  ResultStream::Rules range;
  range.more_batches = range.range_only = true;
  range.radius = 4;
  range.patience = 3;
  ResultStream s(b.source(), range);
  EXPECT_EQ(drain(s), (std::vector<double>{1, 2, 3})) << "8, 9, 10 beyond: three in a row end it";
  EXPECT_EQ(b.asked, 2u) << "the third batch is never read";
}

TEST(HnswResultStream, OrderByWithinABallGathersItFirst) {
  Batches b{{{3, 1, 9}, {2, 8, 0.5}, {7, 7, 7}, {1.5}}};
  ResultStream::Rules ball;
  ball.more_batches = ball.gather_ball = true;
  ball.radius = 4;
  ball.patience = 3;
  ResultStream s(b.source(), ball);
  const Result* first = s.next();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->distance, 0.5);
  EXPECT_EQ(row_of(first->tid), 102u);
  EXPECT_EQ(drain(s), (std::vector<double>{1, 2, 3, 7, 7, 8, 9}))
      << "rows beyond the radius before the stop come back too (the executor rechecks them)";
  EXPECT_EQ(b.asked, 3u) << "the third 7 in a row ended the search";
}

TEST(HnswResultStream, AnEmptySearchReturnsNothing) {
  Batches b{{}};
  ResultStream s(b.source(), {});
  EXPECT_EQ(s.next(), nullptr);
}

}  // namespace
}  // namespace vectorx::hnsw
