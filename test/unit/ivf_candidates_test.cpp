// plan_probes and CandidateCursor (ivf/candidates.h): how many lists an IVF scan reads, and
// in what order it hands out their entries.
#include <gtest/gtest.h>

#include <vector>

#include "test_data.h"
#include "vectorx/ivf/candidates.h"

namespace vectorx::ivf {
namespace {

using test::row_of;
using test::tid_of;

TEST(IvfProbePlan, ProbesABatchAndMaxProbesInAllWhenIterative) {
  EXPECT_EQ(plan_probes(4, 100, false, std::nullopt, false).first_batch, 4u);
  EXPECT_EQ(plan_probes(4, 100, false, std::nullopt, false).most, 4u);
  EXPECT_EQ(plan_probes(4, 100, true, std::nullopt, false).most, 100u);
  EXPECT_EQ(plan_probes(4, 2, true, std::nullopt, false).most, 4u) << "max_probes below probes";
}

TEST(IvfProbePlan, ABallReadsEveryListThatCanHoldItsRows) {
  const ProbePlan range = plan_probes(4, 100, true, 7, true);
  EXPECT_EQ(range.first_batch, 7u);
  EXPECT_EQ(range.most, 7u) << "a range-only scan reads exactly the reaching lists";
  const ProbePlan ordered = plan_probes(4, 5, true, 7, false);
  EXPECT_EQ(ordered.first_batch, 7u) << "ORDER BY within a ball reads the whole ball first";
  EXPECT_EQ(ordered.most, 7u);
  EXPECT_EQ(plan_probes(10, 20, true, 7, false).first_batch, 10u);
  EXPECT_EQ(plan_probes(4, 100, true, 0, false).first_batch, 0u) << "no list reaches the ball";
}

// Batches of entries whose keys count down (so ordering shows), with one dead entry each and a
// tie between the last two rows.
CandidateCursor::ScoreBatch batches(size_t size, size_t* passes) {
  return [=](size_t b, const BoundOrder::Sink& sink) {
    ++*passes;
    std::vector<double> keys(size);
    std::vector<EntryHeader> headers(size);
    for (size_t i = 0; i < size; ++i) {
      keys[i] = i + 2 < size ? static_cast<double>(size - i) : 1.0;
      const HeapTid tid = tid_of(b * 1000 + size - 1 - i);
      headers[i].heap_block = tid.block;
      headers[i].heap_offset = tid.offset;
      headers[i].flags = i == 3 ? kEntryDead : 0;
    }
    const size_t half = size / 2;  // two pages
    sink(keys.data(), headers.data(), half);
    sink(keys.data() + half, headers.data() + half, size - half);
  };
}

TEST(IvfCandidateCursor, EntriesComeOneAtATimeInOrderWithinEachBatch) {
  size_t passes = 0;
  CandidateCursor c(2, batches(100, &passes), [](double key) { return key; }, 8);
  std::vector<Result> seen;
  for (const Result* r; (r = c.next()) != nullptr;) seen.push_back(*r);
  ASSERT_EQ(seen.size(), 198u) << "dead entries are skipped";
  for (size_t i = 2; i < 99; ++i) EXPECT_LT(seen[i - 1].distance, seen[i].distance) << "within the first batch";
  EXPECT_EQ(seen[0].distance, seen[1].distance);
  EXPECT_LT(row_of(seen[0].tid), row_of(seen[1].tid)) << "ties by heap TID";
  EXPECT_EQ(seen[99].distance, 1.0) << "the second batch starts over";
  EXPECT_EQ(row_of(seen[99].tid), 1000u);
  EXPECT_GT(passes, 4u) << "windows of 8, 32, 128 rows: more than one pass a batch";
  EXPECT_EQ(c.next(), nullptr) << "over stays over";
}

}  // namespace
}  // namespace vectorx::ivf
