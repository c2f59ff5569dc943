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

// Batches of entries whose distances count down, so ordering shows.
CandidateCursor::NextBatch batches(size_t count, size_t size, size_t* asked) {
  return [=](std::vector<Result>& out) {
    if (*asked >= count) return false;
    for (size_t i = 0; i < size; ++i) out.push_back({static_cast<double>(size - i), tid_of(*asked * 1000 + i)});
    ++*asked;
    return true;
  };
}

TEST(IvfCandidateCursor, EntriesComeOneAtATimeInOrderWithinEachBatch) {
  size_t asked = 0;
  CandidateCursor c(batches(2, 100, &asked));
  std::vector<double> seen;
  for (const Result* r; (r = c.next()) != nullptr;) seen.push_back(r->distance);
  ASSERT_EQ(seen.size(), 200u);
  for (size_t i = 1; i < 100; ++i) EXPECT_LT(seen[i - 1], seen[i]) << "within the first batch";
  EXPECT_EQ(seen[100], 1.0) << "the second batch starts over";
  EXPECT_EQ(asked, 2u);
  EXPECT_EQ(c.next(), nullptr) << "over stays over";
}

}  // namespace
}  // namespace vectorx::ivf
