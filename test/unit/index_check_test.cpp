// Structural checks (index_check.h): a healthy index has no problems; planted corruptions are
// reported at their block and item; random byte damage anywhere never crashes or throws.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "test_data.h"
#include "vectorx/hnsw/page_graph.h"
#include "vectorx/hnsw/check.h"
#include "vectorx/ivf/check.h"
#include "vectorx/ivf/entries.h"
#include "vectorx/ivf/training.h"

namespace vectorx {
namespace {

using test::bytes;

constexpr size_t kDim = 8;

using test::tid_of;

void build_hnsw(MemoryPageStore& store, size_t n, Metric metric = Metric::kL2) {
  const auto data = test::clustered(n, kDim, 6);
  const Space space(ElementKind::kFloat32, metric, kDim);
  hnsw::MemoryGraph g(space, {8, 32});
  std::vector<int> levels(n);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0, 1);
  for (int& l : levels) l = hnsw::random_level(1.0 - u(rng), 8);
  g.build(hnsw::Payloads::from_floats(data.data(), n, kDim), levels, 1);
  std::vector<HeapTid> tids(n);
  for (size_t i = 0; i < n; ++i) tids[i] = tid_of(i);
  hnsw::PageGraph::write(store, g, {tids, {}});
}

void build_ivf(MemoryPageStore& store, size_t n, bool pq) {
  const auto data = test::clustered(n, kDim, 7);
  const Space space(ElementKind::kFloat32, Metric::kL2, kDim);
  const auto centres = ivf::train_centres(space, bytes(data.data()), n, 6, 1);
  ivf::EntrySpec spec;
  if (pq) {
    spec.format = ivf::EntryFormat::kCode4;
    spec.pq_m = 4;
    spec.residual = true;
    spec.codebooks = ivf::train_codebooks(space, bytes(data.data()), n, centres, 4, 4, true, 2);
  }
  ivf::IvfIndex::create(store, space, centres, spec);
  ivf::IvfIndex index(store);
  ivf::Entries entries(index);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* v = bytes(data.data() + i * kDim);
    const uint32_t list = index.nearest_list(v);
    index.insert(list, entries.encode(v, list), tid_of(i));
  }
}

bool reports(const CheckReport& r, uint32_t block, const std::string& text) {
  for (const auto& p : r.problems)
    if (p.block == block && p.problem.find(text) != std::string::npos) return true;
  return false;
}

std::string all(const CheckReport& r) {
  std::string out;
  for (const auto& p : r.problems) out += std::to_string(p.block) + "/" + std::to_string(p.item) + ": " + p.problem + "\n";
  return out;
}

TEST(IndexCheck, HealthyIndexesHaveNoProblemsAndListEveryRow) {
  MemoryPageStore h, f, q;
  build_hnsw(h, 1500);
  build_ivf(f, 1500, false);
  build_ivf(q, 1500, true);
  for (MemoryPageStore* s : {&h, &f, &q}) {
    const CheckReport r = s == &h ? check_hnsw(*s) : check_ivf(*s);
    EXPECT_TRUE(r.problems.empty()) << all(r);
    EXPECT_EQ(r.heap.size(), 1500u);
  }
}

TEST(IndexCheck, HnswCorruptionsAreReportedWhereTheyAre) {
  MemoryPageStore store;
  build_hnsw(store, 800);
  // A neighbour id beyond the index, a wrong page kind, an entry point that is no element.
  hnsw::ElementRef e;
  ASSERT_TRUE(e.parse(store.raw(2), store.page_size(), 3, 8));
  ASSERT_GT(e.count(0), 0u);
  const_cast<hnsw::Id*>(e.ids(0))[0] = hnsw::make_id(90000, 1);
  page_header(store.raw(4))->kind = 0x1234;
  hnsw::meta_of(store.raw(0))->entry = hnsw::make_id(1, 250);
  const CheckReport r = check_hnsw(store);
  EXPECT_TRUE(reports(r, 2, "neighbour (90000,1) is not an element of the index")) << all(r);
  EXPECT_TRUE(reports(r, 4, "page of unknown kind 4660")) << all(r);
  EXPECT_TRUE(reports(r, 0, "entry point (1,250) is not an element in use")) << all(r);
  EXPECT_TRUE(reports(r, 0, "meta page counts 800 vectors")) << all(r);  // page 4's elements are gone
}

TEST(IndexCheck, HnswWrongInverseNormIsReported) {
  MemoryPageStore store;
  build_hnsw(store, 300, Metric::kCosine);
  EXPECT_TRUE(check_hnsw(store).problems.empty()) << all(check_hnsw(store));
  hnsw::ElementRef e;
  ASSERT_TRUE(e.parse(store.raw(2), store.page_size(), 5, 8));
  ASSERT_GT(e.inverse_norm(), 0.0f) << "cosine elements keep their inverse norm";
  e.mutable_header().inverse_norm *= 2;
  const CheckReport r = check_hnsw(store);
  EXPECT_TRUE(reports(r, 2, "does not match the value")) << all(r);
}

TEST(IndexCheck, IvfCorruptionsAreReportedWhereTheyAre) {
  auto fresh = [](MemoryPageStore& store) {
    build_ivf(store, 3000, false);
    return 1 + ivf::meta_of(store.raw(0))->directory_pages;  // the first data page
  };
  {  // a chain link out of range: the rest of that list is lost to the chain
    MemoryPageStore store;
    const uint32_t first_data = fresh(store);
    uint32_t chained = 0;
    for (uint32_t b = first_data; b < store.block_count() && !chained; ++b)
      if (page_header(store.raw(b))->next != kInvalidBlock) chained = b;
    ASSERT_NE(chained, 0u);
    const uint32_t lost = page_header(store.raw(chained))->next;
    page_header(store.raw(chained))->next = 99999;
    const CheckReport r = check_ivf(store);
    EXPECT_TRUE(reports(r, chained, "links to block 99999, outside the data pages")) << all(r);
    EXPECT_TRUE(reports(r, lost, "data page in no list")) << all(r);
  }
  {  // more entries than fit, and a heap offset of 0
    MemoryPageStore store;
    const uint32_t first_data = fresh(store);
    page_header(store.raw(first_data))->item_count = 60000;
    ivf::EntryLayout::headers(store.raw(first_data + 1))[2].heap_offset = 0;
    const CheckReport r = check_ivf(store);
    EXPECT_TRUE(reports(r, first_data, "page claims 60000 entries")) << all(r);
    EXPECT_TRUE(reports(r, first_data + 1, "entry has heap offset 0")) << all(r);
    EXPECT_TRUE(reports(r, 0, "meta page counts 3000 entries")) << all(r);
  }
  {  // a loop, and a directory slot pointing at the meta page
    MemoryPageStore store;
    const uint32_t first_data = fresh(store);
    page_header(store.raw(first_data))->next = first_data;
    uint8_t* directory = store.raw(1);
    const size_t second_slot = sizeof(PageHeader) + ivf::slot_size(ivf::meta_of(store.raw(0))->centre_bytes);
    reinterpret_cast<ivf::ListSlot*>(directory + second_slot)->head = 0;
    const CheckReport r = check_ivf(store);
    EXPECT_TRUE(reports(r, first_data, "again (a loop)")) << all(r);
    EXPECT_TRUE(reports(r, 1, "list 1 points at blocks 0 and")) << all(r);
  }
}

// Random damage anywhere: the checks report, never crash or throw.
TEST(IndexCheck, RandomDamageNeverCrashes) {
  std::mt19937 rng(12);
  for (int round = 0; round < 60; ++round) {
    const int kind = round % 3;
    MemoryPageStore store;
    if (kind == 0)
      build_hnsw(store, 400);
    else
      build_ivf(store, 600, kind == 2);
    std::uniform_int_distribution<uint32_t> block(0, store.block_count() - 1);
    std::uniform_int_distribution<size_t> at(0, store.page_size() - 1);
    for (int hit = 0; hit < 1 + round % 7; ++hit) {
      uint8_t* page = store.raw(block(rng));
      const size_t start = at(rng);
      for (size_t i = start; i < std::min(store.page_size(), start + 1 + rng() % 64); ++i) page[i] = static_cast<uint8_t>(rng());
    }
    CheckReport r;
    ASSERT_NO_THROW(r = kind == 0 ? check_hnsw(store) : check_ivf(store)) << "round " << round;
  }
}

}  // namespace
}  // namespace vectorx
