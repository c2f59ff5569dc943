// Bulk loading: BatchLoader writes exactly the pages that inserting row by row writes, for
// ivfflat and ivfpq entries, whatever the thread count and batch size; a throwing check
// stops the load with the original exception.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "test_data.h"
#include "vectorx/ivf/loader.h"
#include "vectorx/ivf/training.h"

namespace vectorx::ivf {
namespace {

using test::bytes;

constexpr size_t kRows = 1500, kDim = 16, kLists = 6;

using test::tid_of;

// A freshly created, empty index: ivfflat, or ivfpq with 4-bit residual codes.
void create(MemoryPageStore& store, const Space& space, const std::vector<float>& data, bool pq) {
  const auto centres = train_centres(space, bytes(data.data()), kRows, kLists, 1);
  EntrySpec spec;
  if (pq) {
    spec.format = EntryFormat::kCode4;
    spec.pq_m = 8;
    spec.residual = true;
    spec.codebooks = train_codebooks(space, bytes(data.data()), kRows, centres, spec.pq_m, 4, true, 3);
  }
  IvfIndex::create(store, space, centres, spec);
}

// Every page after the meta page (whose build stamp is random per create).
std::vector<std::vector<uint8_t>> pages(MemoryPageStore& store) {
  std::vector<std::vector<uint8_t>> out;
  for (uint32_t b = 1; b < store.block_count(); ++b) out.emplace_back(store.raw(b), store.raw(b) + store.page_size());
  return out;
}

TEST(IvfLoader, SamePagesAsRowByRowInsertsForAnyThreadsAndBatch) {
  const Space space(ElementKind::kFloat32, Metric::kL2, kDim);
  const auto data = test::clustered(kRows, kDim, 8);
  for (bool pq : {false, true}) {
    MemoryPageStore reference;
    create(reference, space, data, pq);
    {
      IvfIndex index(reference);
      Entries entries(index);
      for (size_t i = 0; i < kRows; ++i) {
        const uint8_t* value = bytes(data.data() + i * kDim);
        const uint32_t list = index.nearest_list(value);
        index.insert(list, entries.encode(value, list), tid_of(i));
      }
    }
    for (auto [threads, batch] : {std::pair<unsigned, size_t>{1, 7}, {3, 1000}, {2, 100000}}) {
      MemoryPageStore store;
      create(store, space, data, pq);
      IvfIndex index(store);
      const Entries entries(index);
      BatchLoader loader(index, entries, threads, batch);
      for (size_t i = 0; i < kRows; ++i) loader.add(bytes(data.data() + i * kDim), tid_of(i));
      loader.flush();
      EXPECT_EQ(loader.loaded(), kRows);
      EXPECT_TRUE(pages(store) == pages(reference)) << "pq=" << pq << " threads=" << threads << " batch=" << batch;
    }
  }
}

TEST(IvfLoader, AThrowingCheckStopsTheLoad) {
  const Space space(ElementKind::kFloat32, Metric::kL2, kDim);
  const auto data = test::clustered(kRows, kDim, 8);
  MemoryPageStore store;
  create(store, space, data, true);
  IvfIndex index(store);
  const Entries entries(index);
  BatchLoader loader(index, entries, 2, kRows, [] { throw std::runtime_error("cancelled"); });
  for (size_t i = 0; i + 1 < kRows; ++i) loader.add(bytes(data.data() + i * kDim), tid_of(i));
  EXPECT_THROW(loader.add(bytes(data.data()), tid_of(kRows - 1)), std::runtime_error);
  EXPECT_EQ(loader.loaded(), 0u);
}

}  // namespace
}  // namespace vectorx::ivf
