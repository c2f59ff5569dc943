// ivfpq entries: PQ codes in IVF lists (entries.h) on an in-memory page store.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "ivf_scan_all.h"
#include "test_data.h"
#include "vectorx/errors.h"
#include "vectorx/ivf/entries.h"
#include "vectorx/ivf/training.h"
#include "vectorx/kernels.h"

namespace vectorx::ivf {
namespace {

using test::bytes;

using test::tid_of;
using test::row_of;

struct PqFixture {
  PqFixture(Metric metric, int nbits, bool residual, size_t n = 2000, size_t dim = 32, size_t lists = 8, size_t m = 8)
      : space(ElementKind::kFloat32, metric, static_cast<int64_t>(dim)), dim(dim), n(n) {
    data = test::clustered(n, dim, 11);
    const auto centres = train_centres(space, bytes(data.data()), n, lists, 1);
    EntrySpec spec;
    spec.format = nbits == 8 ? EntryFormat::kCode8 : EntryFormat::kCode4;
    spec.pq_m = m;
    spec.residual = residual;
    spec.codebooks = train_codebooks(space, bytes(data.data()), n, centres, m, nbits, residual, 3);
    IvfIndex::create(store, space, centres, spec);
    IvfIndex index(store);
    Entries entries(index);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t list = index.nearest_list(bytes(row(i)));
      index.insert(list, entries.encode(bytes(row(i)), list), tid_of(i));
    }
  }
  const float* row(size_t i) const { return data.data() + i * dim; }
  std::vector<Result> search(const float* q, size_t probes) {
    IvfIndex index(store);
    IvfIndex::Scan scan(index, bytes(q), Entries(index).scorer(bytes(q)), probes, probes);
    const std::vector<Result> out = test::scan_all(scan);
    return out;
  }
  // The operator's distance from q to what row i's entry stands for (centre + decoded code).
  double decoded_distance(const float* q, size_t i) {
    IvfIndex index(store);
    Entries entries(index);
    const PqCodec& codec = *entries.codec();
    const uint32_t list = index.nearest_list(bytes(row(i)));
    const uint8_t* entry = entries.encode(bytes(row(i)), list);
    std::vector<uint8_t> code(entry + kPqBoundBytes, entry + kPqBoundBytes + codec.pq.code_size());
    std::vector<float> x(dim), query(dim);
    codec.pq.decode(code.data(), x.data());
    if (codec.residual)
      for (size_t d = 0; d < dim; ++d) x[d] += codec.centres[list * dim + d];
    pq_input(space, bytes(q), query.data());
    switch (space.metric()) {
      case Metric::kL2:
        return std::sqrt(static_cast<double>(l2sq(query.data(), x.data(), dim)));
      case Metric::kInnerProduct:
        return -static_cast<double>(dot(query.data(), x.data(), dim));
      default:
        return 1.0 - static_cast<double>(dot(query.data(), x.data(), dim));
    }
  }
  // The most a 4-bit fast-scan estimate can differ from decoded_distance: the lookup table is
  // quantized to bytes with one scale (255 / the widest row's range), so a sum of m entries is
  // off by under m steps; under L2 the square root moves by at most the root of that.
  double fastscan_tolerance(const float* q) {
    IvfIndex index(store);
    Entries entries(index);
    const PqCodec& codec = *entries.codec();
    const size_t m = codec.pq.m(), ksub = codec.pq.ksub(), lists = codec.centres.size() / dim;
    std::vector<float> query(dim), input(dim), table(m * ksub);
    pq_input(space, bytes(q), query.data());
    double widest = 0;
    for (size_t l = 0; l < lists; ++l) {
      input = query;
      if (space.metric() == Metric::kL2) {
        if (codec.residual)
          for (size_t d = 0; d < dim; ++d) input[d] -= codec.centres[l * dim + d];
        codec.pq.l2_table(input.data(), table.data());
      } else {
        codec.pq.ip_table(input.data(), table.data());
      }
      for (size_t j = 0; j < m; ++j) {
        const auto [low, high] = std::minmax_element(table.begin() + j * ksub, table.begin() + (j + 1) * ksub);
        widest = std::max(widest, static_cast<double>(*high - *low));
      }
    }
    const double sum_error = static_cast<double>(m) * widest / 255 * (1 + 1e-5) + 1e-6;
    return space.metric() == Metric::kL2 ? std::sqrt(sum_error) : sum_error;
  }
  double recall_after_rerank(size_t probes, size_t rerank) {
    size_t found = 0;
    for (int qi = 0; qi < 20; ++qi) {
      const auto q = test::clustered(1, dim, 100 + qi);
      std::vector<std::pair<double, size_t>> truth;
      for (size_t i = 0; i < n; ++i) truth.push_back({space.distance(bytes(q.data()), bytes(row(i))), i});
      std::partial_sort(truth.begin(), truth.begin() + 10, truth.end());
      auto out = search(q.data(), probes);
      out.resize(std::min(out.size(), rerank));
      for (Result& r : out) r.distance = space.distance(bytes(q.data()), bytes(row(row_of(r.tid))));
      std::sort(out.begin(), out.end(), [](const Result& a, const Result& b) { return a.distance < b.distance; });
      for (size_t k = 0; k < 10; ++k)
        for (size_t j = 0; j < 10 && j < out.size(); ++j) found += row_of(out[j].tid) == truth[k].second;
    }
    return static_cast<double>(found) / 200.0;
  }
  MemoryPageStore store;
  Space space;
  size_t dim, n;
  std::vector<float> data;
};

using Shape = std::tuple<Metric, int, bool>;

class IvfPqTest : public ::testing::TestWithParam<Shape> {};

TEST_P(IvfPqTest, EstimatesEqualTheDistanceToTheDecodedEntry) {
  const auto [metric, nbits, residual] = GetParam();
  PqFixture f(metric, nbits, residual);
  const auto q = test::clustered(1, f.dim, 77);
  const auto out = f.search(q.data(), 8);
  ASSERT_EQ(out.size(), f.n);
  const double fastscan_limit = f.fastscan_tolerance(q.data());
  std::set<size_t> rows;
  for (size_t k = 0; k < out.size(); ++k) {
    rows.insert(row_of(out[k].tid));
    if (k) {
      EXPECT_LE(out[k - 1].distance, out[k].distance);
    }
    if (k % 97) continue;  // a sample of rows
    const double expected = f.decoded_distance(q.data(), row_of(out[k].tid));
    // 8-bit tables are exact floats; 4-bit fast scan quantizes the table to 8 bits per entry.
    const double tolerance = nbits == 8 ? 1e-3 * std::max(1.0, std::abs(expected)) : fastscan_limit;
    EXPECT_NEAR(out[k].distance, expected, tolerance) << "row " << row_of(out[k].tid);
  }
  EXPECT_EQ(rows.size(), f.n);
}

// Lower bounds from the entries' eps never exceed the operator's distance, and re-checking
// entries in bound order until the 10th exact distance is at most the next bound gives the
// exact top 10 of the probed lists (what ivfflat returns at the same probes).
TEST_P(IvfPqTest, BoundsNeverExceedTheDistanceAndMakeTheProbedTop10Exact) {
  const auto [metric, nbits, residual] = GetParam();
  PqFixture f(metric, nbits, residual);
  for (uint32_t qi = 0; qi < 5; ++qi) {
    const auto q = test::clustered(1, f.dim, 300 + qi);
    IvfIndex index(f.store);
    IvfIndex::Scan scan(index, bytes(q.data()), Entries(index).scorer(bytes(q.data()), true), 3, 3);
    const std::vector<Result> bounds = test::scan_all(scan);
    std::vector<double> exact;
    for (const Result& b : bounds) {
      const double d = f.space.distance(bytes(q.data()), bytes(f.row(row_of(b.tid))));
      EXPECT_LE(b.distance, d) << "row " << row_of(b.tid);
      exact.push_back(d);
    }
    for (size_t i = 1; i < bounds.size(); ++i) EXPECT_LE(bounds[i - 1].distance, bounds[i].distance);
    std::vector<double> rechecked;
    size_t read = 0;
    for (const Result& b : bounds) {
      if (rechecked.size() >= 10 && rechecked[9] <= b.distance) break;
      ++read;
      rechecked.push_back(f.space.distance(bytes(q.data()), bytes(f.row(row_of(b.tid)))));
      std::sort(rechecked.begin(), rechecked.end());
    }
    std::sort(exact.begin(), exact.end());
    for (size_t k = 0; k < 10; ++k) EXPECT_EQ(rechecked[k], exact[k]);
    EXPECT_LT(read, bounds.size());
  }
}

TEST_P(IvfPqTest, ReRankingTheBestEstimatesFindsTheTrueNeighbours) {
  const auto [metric, nbits, residual] = GetParam();
  PqFixture f(metric, nbits, residual, 2000, 32, 8, nbits == 8 ? 8 : 16);  // 64 bits a code either way
  EXPECT_GE(f.recall_after_rerank(8, 200), 0.95);  // exact distances for the best 10% of estimates
}

std::string shape_name(const ::testing::TestParamInfo<Shape>& info) {
  static const char* const kMetric[] = {"", "L2", "IP", "Cosine"};
  return std::string(kMetric[static_cast<int>(std::get<0>(info.param))]) + "_" + std::to_string(std::get<1>(info.param)) +
         "bit" + (std::get<2>(info.param) ? "_residual" : "_direct");
}

INSTANTIATE_TEST_SUITE_P(Shapes, IvfPqTest,
                         ::testing::Combine(::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine),
                                            ::testing::Values(4, 8), ::testing::Bool()),
                         shape_name);

TEST(IvfPq, VacuumKeepsTheSurvivorsCodesAcrossFastScanGroups) {
  PqFixture f(Metric::kL2, 4, true, 3000, 16, 4, 8);
  const auto q = test::clustered(1, 16, 5);
  std::map<size_t, double> before;
  for (const Result& r : f.search(q.data(), 4)) before[row_of(r.tid)] = r.distance;
  const uint32_t blocks = f.store.block_count();
  IvfIndex index(f.store);
  const auto stats = index.remove_dead([](HeapTid t) { return row_of(t) % 3 == 0; });
  EXPECT_EQ(stats.removed, 1000u);
  const auto after = f.search(q.data(), 4);
  ASSERT_EQ(after.size(), 2000u);
  for (const Result& r : after) {
    ASSERT_NE(row_of(r.tid) % 3, 0u);
    EXPECT_EQ(r.distance, before.at(row_of(r.tid)));  // same code, same estimate
  }
  Entries entries(index);
  for (size_t i = 0; i < 3000; i += 3) {
    const uint32_t list = index.nearest_list(bytes(f.row(i)));
    index.insert(list, entries.encode(bytes(f.row(i)), list), tid_of(i));
  }
  EXPECT_EQ(f.store.block_count(), blocks);
  const auto again = f.search(q.data(), 4);
  ASSERT_EQ(again.size(), 3000u);
  for (const Result& r : again) EXPECT_EQ(r.distance, before.at(row_of(r.tid)));
}

TEST(IvfPq, HalfvecCodesReRankToTheTrueNeighbours) {
  const size_t n = 1500, dim = 24;
  const Space space(ElementKind::kFloat16, Metric::kL2, dim);
  const auto floats = test::clustered(n, dim, 4);
  std::vector<half_bits> values(n * dim);
  for (size_t i = 0; i < values.size(); ++i) float_to_half(floats[i], &values[i]);
  const auto* p = reinterpret_cast<const uint8_t*>(values.data());
  MemoryPageStore store;
  const auto centres = train_centres(space, p, n, 6, 1);
  EntrySpec spec{EntryFormat::kCode8, 6, true, train_codebooks(space, p, n, centres, 6, 8, true, 2)};
  IvfIndex::create(store, space, centres, spec);
  IvfIndex index(store);
  Entries entries(index);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t list = index.nearest_list(p + i * dim * 2);
    index.insert(list, entries.encode(p + i * dim * 2, list), tid_of(i));
  }
  IvfIndex::Scan scan(index, p + 7 * dim * 2, entries.scorer(p + 7 * dim * 2), 6, 6);
  const std::vector<Result> out = test::scan_all(scan);
  ASSERT_EQ(out.size(), n);
  bool seen = false;
  for (size_t k = 0; k < 20; ++k) seen |= row_of(out[k].tid) == 7;
  EXPECT_TRUE(seen);  // the query's own row is among the best estimates
}

TEST(IvfPq, PagesClaimingTooManyEntriesRaiseCorruptIndex) {
  PqFixture f(Metric::kL2, 4, true, 500, 16, 2, 8);
  IvfIndex index(f.store);
  const uint32_t first_data = kFirstDirectoryBlock + index.meta().directory_pages + index.meta().codebook_pages;
  page_header(f.store.raw(first_data))->item_count = 60000;
  EXPECT_THROW(f.search(f.row(0), 2), CorruptIndex);
}

TEST(IvfPq, CodebooksSurviveThePages) {
  PqFixture f(Metric::kInnerProduct, 8, false, 600, 64, 3, 16);  // 16 KB of codebooks: several pages
  IvfIndex index(f.store);
  EXPECT_GT(index.meta().codebook_pages, 1u);
  const Space& space = index.space();
  std::vector<uint8_t> centres(index.centres());
  const auto expected = train_codebooks(space, bytes(f.data.data()), 600, centres, 16, 8, false, 3);
  EXPECT_EQ(index.codebooks(), expected);
}

}  // namespace
}  // namespace vectorx::ivf
