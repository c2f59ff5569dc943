// Identical values in an hnsw index: one element with several heap rows (page_format.h). A bulk
// build groups them, inserts attach to an identical element, scans return every row, VACUUM
// removes rows one by one and the element with its last row, and the checker follows chains.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "test_data.h"
#include "vectorx/hnsw/page_graph.h"
#include "vectorx/hnsw/stats.h"
#include "vectorx/hnsw/check.h"

namespace vectorx::hnsw {
namespace {

using test::bytes;
using test::clustered;
using test::tid_of;
using test::row_of;

constexpr size_t kDim = 8;
constexpr size_t kBytes = kDim * sizeof(float);

struct Rows {
  explicit Rows(Metric metric = Metric::kL2) : space(ElementKind::kFloat32, metric, static_cast<int64_t>(kDim)) {}
  const Space space;
  const Params params{16, 64};
  std::vector<float> data = clustered(200, kDim, 1);
  MemoryPageStore store;

  const uint8_t* value(size_t i) const { return bytes(data.data() + i * kDim); }

  // Nodes 0..199 with rows 0..199; node `node` also gets rows from `first_extra` on, `extra` of them.
  void build_with(size_t node, size_t extra, size_t first_extra = 1000) {
    MemoryGraph g(space, params);
    std::vector<int> levels(200, 0);
    levels[0] = 1;
    g.build(Payloads::from_floats(data.data(), 200, kDim), levels, 1);
    GraphRows rows;
    for (size_t i = 0; i < 200; ++i) rows.first.push_back(tid_of(i));
    for (size_t k = 0; k < extra; ++k) rows.more.emplace_back(static_cast<uint32_t>(node), tid_of(first_extra + k));
    PageGraph::write(store, g, rows);
  }

  // Every row an ef = 1 search from `query` returns.
  std::vector<Result> nearest(PageGraph& g, const uint8_t* query) {
    PageGraph::Scan scan(g, query, kBytes, {1, SIZE_MAX, SIZE_MAX});
    std::vector<Result> out;
    scan.next_batch(out);
    return out;
  }

  std::vector<CheckProblem> problems() { return check_hnsw(store).problems; }
};

std::set<size_t> rows_of(const std::vector<Result>& results) {
  std::set<size_t> rows;
  for (const Result& r : results) rows.insert(row_of(r.tid));
  return rows;
}

TEST(HnswRows, IdenticalValuesFindTheFirstStoredOne) {
  Payloads values;
  IdenticalValues identical;
  const float a[2] = {1, 2}, b[2] = {1, 3};
  EXPECT_EQ(identical.find_or_expect(values, bytes(a), sizeof a), -1);
  values.append(bytes(a), sizeof a);
  EXPECT_EQ(identical.find_or_expect(values, bytes(b), sizeof b), -1);
  values.append(bytes(b), sizeof b);
  EXPECT_EQ(identical.find_or_expect(values, bytes(a), sizeof a), 0);
  EXPECT_EQ(identical.find_or_expect(values, bytes(b), sizeof b), 1);
  EXPECT_EQ(identical.find_or_expect(values, bytes(a), sizeof(float)), -1) << "a prefix is another value";
}

TEST(HnswRows, ABuildStoresEachValueOnceAndScansReturnEveryRow) {
  Rows t;
  t.build_with(7, 2000);  // 2,000 more rows: 16 kB of slots, so the chain spans pages
  PageGraph g(t.store);
  EXPECT_EQ(g.vectors(), 200u) << "the quota counts elements";
  const auto found = t.nearest(g, t.value(7));
  ASSERT_EQ(found.size(), 2001u);
  std::set<size_t> expected = {7};
  for (size_t k = 0; k < 2000; ++k) expected.insert(1000 + k);
  EXPECT_EQ(rows_of(found), expected);
  for (const Result& r : found) EXPECT_EQ(r.distance, 0.0);
  EXPECT_TRUE(t.problems().empty());
  EXPECT_EQ(check_hnsw(t.store).heap.size(), 2200u) << "every row is handed to the heap check";
  const GraphStats s = graph_stats(g);
  EXPECT_EQ(s.live, 200u);
  EXPECT_EQ(s.rows, 2200u);
  EXPECT_EQ(t.store.shared_locks_held(), 0u);
}

// Under cosine too, where a search ranks by stored inverse norms (page_format.h).
TEST(HnswRows, InsertsAttachToAnIdenticalElement) {
  for (Metric metric : {Metric::kL2, Metric::kCosine}) {
    Rows t(metric);
    PageGraph::create(t.store, t.space, t.params);
    PageGraph g(t.store);
    for (size_t i = 0; i < 200; ++i) ASSERT_TRUE(g.insert(t.value(i), kBytes, tid_of(i), 0, true));
    const uint32_t blocks = t.store.block_count();
    for (size_t k = 0; k < 20; ++k) ASSERT_TRUE(g.insert(t.value(5), kBytes, tid_of(1000 + k), 0, false));
    EXPECT_LE(t.store.block_count(), blocks + 1);
    for (size_t i = 0; i < 200; ++i) ASSERT_TRUE(g.insert(t.value(i), kBytes, tid_of(2000 + i), 0, false));
    EXPECT_EQ(g.vectors(), 200u) << "no new element, " << metric_name(metric);
    const auto found = t.nearest(g, t.value(5));
    EXPECT_EQ(found.size(), 22u);
    EXPECT_TRUE(rows_of(found).count(5));
    EXPECT_TRUE(t.problems().empty());
  }
}

TEST(HnswRows, RowsOverflowTheElementsPageIntoOthers) {
  Rows t;
  PageGraph::create(t.store, t.space, t.params);
  PageGraph g(t.store);
  for (size_t i = 0; i < 200; ++i) ASSERT_TRUE(g.insert(t.value(i), kBytes, tid_of(i), 0, true));
  for (size_t k = 0; k < 3000; ++k) ASSERT_TRUE(g.insert(t.value(9), kBytes, tid_of(1000 + k), 0, false));
  EXPECT_EQ(g.vectors(), 200u) << "3,000 rows (24 kB) in one element's chain";
  EXPECT_EQ(t.nearest(g, t.value(9)).size(), 3001u);
  EXPECT_TRUE(t.problems().empty());
}

TEST(HnswRows, VacuumRemovesRowsThenTheElementAndReusesItsRowsItems) {
  Rows t;
  t.build_with(7, 2000);
  PageGraph g(t.store);
  {
    PageGraph::Vacuum vacuum(g);
    // The element's own row and every odd extra row: the element stays, with 1,000 rows.
    EXPECT_EQ(vacuum.mark_dead([](HeapTid tid) { return row_of(tid) == 7 || (row_of(tid) >= 1000 && row_of(tid) % 2); }),
              1001u);
    vacuum.repair();
    EXPECT_EQ(vacuum.release(), 0u);
    EXPECT_EQ(vacuum.live(), 200u);
    EXPECT_EQ(vacuum.live_rows(), 1199u);
  }
  auto found = t.nearest(g, t.value(7));
  EXPECT_EQ(found.size(), 1000u);
  for (const Result& r : found) EXPECT_TRUE(row_of(r.tid) >= 1000 && row_of(r.tid) % 2 == 0);
  EXPECT_TRUE(t.problems().empty());
  {
    PageGraph::Vacuum vacuum(g);
    EXPECT_EQ(vacuum.mark_dead([](HeapTid tid) { return row_of(tid) >= 1000; }), 1000u);
    vacuum.repair();
    EXPECT_EQ(vacuum.release(), 1u) << "no row left: the element goes";
  }
  EXPECT_EQ(g.vectors(), 199u);
  for (const Result& r : t.nearest(g, t.value(7))) EXPECT_NE(row_of(r.tid), 7u);
  EXPECT_TRUE(t.problems().empty());
  // Rows of 29 other values (on full pages) go to the 32 freed rows items: the index does not grow.
  const uint32_t blocks = t.store.block_count();
  for (size_t i = 0; i < 30; ++i) {
    if (i == 7) continue;
    ASSERT_TRUE(g.insert(t.value(i), kBytes, tid_of(5000 + i), 0, false));
  }
  EXPECT_EQ(t.store.block_count(), blocks);
  EXPECT_EQ(g.vectors(), 199u);
  EXPECT_EQ(t.nearest(g, t.value(3)).size(), 2u);
  EXPECT_TRUE(t.problems().empty());
}

TEST(HnswRows, TheCheckerFollowsRowsChains) {
  Rows t;
  t.build_with(7, 40);
  PageGraph g(t.store);
  // Point element 7's chain at itself: a cycle the checker and scans must survive.
  Id element = kInvalidId;
  for (uint32_t block = 1; block < t.store.block_count() && element == kInvalidId; ++block)
    for (int item = 0; item < page_header(t.store.raw(block))->item_count; ++item) {
      ElementRef e;
      if (e.parse(t.store.raw(block), t.store.page_size(), item, 16) && row_of(e.heap_tid()) == 7) element = make_id(block, item);
    }
  ASSERT_NE(element, kInvalidId);
  ElementRef e;
  ASSERT_TRUE(e.parse(t.store.raw(id_block(element)), t.store.page_size(), id_item(element), 16));
  RowsRef rows;
  ASSERT_TRUE(rows.parse(t.store.raw(id_block(e.rows())), t.store.page_size(), id_item(e.rows())));
  const_cast<RowsHeader*>(reinterpret_cast<const RowsHeader*>(rows.rows()) - 1)->next = e.rows();
  const auto problems = t.problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].problem.find("in another chain too (or in a cycle)"), std::string::npos) << problems[0].problem;
  EXPECT_GE(t.nearest(g, t.value(7)).size(), 41u) << "a scan stops walking a cycle";
}

}  // namespace
}  // namespace vectorx::hnsw
