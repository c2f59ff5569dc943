// Bounded codes (flat's, and ivfpq's scalar codes of 8 and 4 bits) and bound order: every bound
// is at or below the operator's distance, on ordinary, out-of-range, tiny and huge values; the
// bound order hands out every entry once, in order, across passes; an exact top-k from bounds
// equals a full sort.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "test_data.h"
#include "vectorx/ivf/bound_order.h"
#include "vectorx/ivf/bounded_codes.h"
#include "vectorx/ivf/entries.h"
#include "vectorx/ivf/training.h"
#include "vectorx/kernels.h"

namespace vectorx::ivf {
namespace {

using test::bytes;
using test::row_of;
using test::tid_of;

const Metric kMetrics[] = {Metric::kL2, Metric::kInnerProduct, Metric::kCosine, Metric::kL1};
const int kBits[] = {8, 4};

// Payloads of n rows of `dim` floats as `kind` (float16 rounds them).
std::vector<uint8_t> payloads(ElementKind kind, const std::vector<float>& rows) {
  if (kind == ElementKind::kFloat32) return std::vector<uint8_t>(bytes(rows.data()), bytes(rows.data()) + rows.size() * 4);
  std::vector<uint8_t> out(rows.size() * 2);
  for (size_t i = 0; i < rows.size(); ++i) float_to_half(rows[i], reinterpret_cast<half_bits*>(out.data()) + i);
  return out;
}

// Checks bound ≤ distance for every row against every query; returns how many rows per query
// have a bound below the 10th smallest distance (what an exact top-10 re-ranks).
double check_bounds(ElementKind kind, Metric metric, size_t dim, const std::vector<float>& train_rows,
                    const std::vector<float>& rows, const std::vector<float>& queries, int bits) {
  const Space space(kind, metric, static_cast<int64_t>(dim));
  const size_t vb = value_bytes(space);
  const auto train = payloads(kind, train_rows), data = payloads(kind, rows), qs = payloads(kind, queries);
  const BoundedQuantizer quantizer(space, BoundedQuantizer::train(space, train.data(), train_rows.size() / dim, bits), bits);
  const size_t n = rows.size() / dim, entry = (bounded_entry_bytes(static_cast<int64_t>(dim), bits, metric) + 3) & ~size_t{3};
  std::vector<uint8_t> area(n * entry);
  std::vector<float> scratch(dim);
  for (size_t i = 0; i < n; ++i)
    if (space.indexable(data.data() + i * vb)) quantizer.encode(data.data() + i * vb, area.data() + i * entry, scratch.data());
  double reranked = 0;
  const size_t nq = queries.size() / dim;
  for (size_t q = 0; q < nq; ++q) {
    const uint8_t* query = qs.data() + q * vb;
    auto scorer = quantizer.scorer(query, entry);
    std::vector<double> bounds(n), distances;
    scorer->score(area.data(), n, bounds.data());
    for (size_t i = 0; i < n; ++i) {
      if (!space.indexable(data.data() + i * vb)) continue;
      const double d = space.distance(query, data.data() + i * vb);
      distances.push_back(d);
      EXPECT_FALSE(std::isnan(bounds[i]));
      if (!std::isnan(d)) {
        EXPECT_LE(bounds[i], d) << metric_name(metric) << " dim " << dim << " bits " << bits << " row " << i << " query " << q;
      }
    }
    std::sort(distances.begin(), distances.end());
    const double tenth = distances[std::min<size_t>(9, distances.size() - 1)];
    reranked += static_cast<double>(std::count_if(bounds.begin(), bounds.end(), [&](double b) { return b <= tenth; }));
  }
  return reranked / static_cast<double>(nq);
}

TEST(BoundedCodes, BoundsNeverExceedTheOperatorsDistance) {
  for (int bits : kBits)
    for (ElementKind kind : {ElementKind::kFloat32, ElementKind::kFloat16})
      for (Metric metric : kMetrics)
        for (size_t dim : {1, 3, 8, 17, 33, 100, 301}) {
          const auto rows = test::clustered(400, dim, 11 + static_cast<uint32_t>(dim));
          const auto queries = test::clustered(5, dim, 99);
          check_bounds(kind, metric, dim, rows, rows, queries, bits);
          // Values beyond the trained range (clamped codes) and a range from one row only.
          const auto wide = test::random_floats(300 * dim, 5, -40.0f, 40.0f);
          check_bounds(kind, metric, dim, std::vector<float>(rows.begin(), rows.begin() + static_cast<long>(dim)), wide,
                       queries, bits);
        }
}

// Each 4-bit code comes back from the packed layout in its dimension, for block tails of
// every length (odd ones leave a high nibble unused).
TEST(BoundedCodes, FourBitCodesUnpackToTheirDimensions) {
  for (size_t dim = 1; dim <= 100; ++dim) {
    const Space space(ElementKind::kFloat32, Metric::kL2, static_cast<int64_t>(dim));
    std::vector<float> ranges(2 * dim);
    for (size_t i = 0; i < dim; ++i) ranges[dim + i] = 1.0f;  // lo 0, step 1: code i = value i
    const BoundedQuantizer quantizer(space, ranges, 4);
    std::vector<float> value(dim), scratch(dim);
    for (size_t i = 0; i < dim; ++i) value[i] = static_cast<float>((i * 7 + dim) % 16);
    std::vector<uint8_t> entry(bounded_entry_bytes(static_cast<int64_t>(dim), 4, Metric::kL2)), unpacked(dim);
    quantizer.encode(bytes(value.data()), entry.data(), scratch.data());
    ASSERT_EQ(entry.size(), sizeof(float) + (dim + 1) / 2);  // eps, no scale
    unpack_nibble_codes(entry.data() + sizeof(float), dim, unpacked.data());
    for (size_t i = 0; i < dim; ++i) ASSERT_EQ(unpacked[i], value[i]) << "dim " << dim << " i " << i;
    float eps = -1;
    std::memcpy(&eps, entry.data(), sizeof eps);
    EXPECT_EQ(eps, 0.0f);  // every value on a level
  }
}

TEST(BoundedCodes, BoundsHoldForTinyHugeAndConstantValues) {
  const size_t dim = 16;
  for (Metric metric : kMetrics) {
    std::vector<float> rows = test::random_floats(200 * dim, 3, -1e-30f, 1e-30f);
    const auto huge = test::random_floats(100 * dim, 4, -3e37f, 3e37f);
    rows.insert(rows.end(), huge.begin(), huge.end());
    rows.insert(rows.end(), 50 * dim, 0.5f);  // identical rows: a constant dimension when trained alone
    for (int bits : kBits) {
      check_bounds(ElementKind::kFloat32, metric, dim, rows, rows, rows, bits);
      check_bounds(ElementKind::kFloat32, metric, dim, std::vector<float>(50 * dim, 0.5f), rows,
                   test::random_floats(4 * dim, 8, -3e38f, 3e38f), bits);
    }
  }
}

TEST(BoundedCodes, BoundsAreTightEnoughToRerankFewRows) {
  const size_t dim = 64;
  const auto rows = test::clustered(3000, dim, 21), queries = test::clustered(10, dim, 22);
  for (Metric metric : kMetrics) {
    const double reranked = check_bounds(ElementKind::kFloat32, metric, dim, rows, rows, queries, 8);
    EXPECT_LT(reranked, 300) << metric_name(metric);  // 10% of the rows; a full scan would be 3000
    // 16 levels: looser, but still a small share of the rows.
    const double reranked4 = check_bounds(ElementKind::kFloat32, metric, dim, rows, rows, queries, 4);
    EXPECT_LT(reranked4, 900) << metric_name(metric);
    EXPECT_GE(reranked4, reranked) << metric_name(metric);
  }
}

// 4-bit codes under cosine code each value's direction: rows scaled by norms from 0.05 to 20
// re-rank as few rows as the rows themselves (raw codes would spend their 16 levels on the
// norms' spread).
TEST(BoundedCodes, FourBitCosineCodesIgnoreTheValuesNorms) {
  const size_t dim = 64;
  const auto rows = test::clustered(3000, dim, 23), queries = test::clustered(10, dim, 24);
  const auto norms = test::random_floats(3000, 25, 0.05f, 20.0f);
  std::vector<float> scaled(rows);
  for (size_t i = 0; i < scaled.size(); ++i) scaled[i] *= norms[i / dim];
  const double plain = check_bounds(ElementKind::kFloat32, Metric::kCosine, dim, rows, rows, queries, 4);
  const double spread = check_bounds(ElementKind::kFloat32, Metric::kCosine, dim, scaled, scaled, queries, 4);
  EXPECT_LE(spread, plain * 1.1 + 1);
}

// A decoded entry is its value, clamped to the quantizer's range, to within half a step in
// each dimension (the unit vector's for 4-bit cosine codes, which code directions), at
// dimensions that hit every nibble block's tail.
TEST(BoundedCodes, DecodedEntriesAreTheirValuesToHalfAStep) {
  for (size_t dim : {size_t{5}, size_t{33}, size_t{100}})
    for (int bits : kBits)
      for (Metric metric : {Metric::kL2, Metric::kCosine}) {
        const Space space(ElementKind::kFloat32, metric, static_cast<int64_t>(dim));
        const std::vector<float> rows = test::clustered(200, dim, 3);
        const BoundedQuantizer q(space, BoundedQuantizer::train(space, bytes(rows.data()), 200, bits), bits);
        std::vector<uint8_t> entry(bounded_entry_bytes(space.dim(), bits, metric));
        std::vector<float> scratch(dim), decoded(dim);
        const bool directions = bits == 4 && metric == Metric::kCosine;
        for (size_t r = 0; r < 200; r += 7) {
          const float* x = rows.data() + r * dim;
          q.encode(bytes(x), entry.data(), scratch.data());
          q.decode(entry.data(), decoded.data());
          double norm = 0;
          for (size_t i = 0; i < dim; ++i) norm += static_cast<double>(x[i]) * x[i];
          const double scale = directions ? 1 / std::sqrt(norm) : 1;
          for (size_t i = 0; i < dim; ++i) {
            const double top = q.lo()[i] + static_cast<double>(q.step()[i]) * q.levels();
            const double coded = std::clamp(x[i] * scale, static_cast<double>(q.lo()[i]), top);  // 4-bit ranges clip
            ASSERT_NEAR(decoded[i], coded, q.step()[i] * 0.5001) << "dim " << dim << " bits " << bits << " i " << i;
          }
        }
      }
}

TEST(Sq8Kernels, EveryLevelMatchesADoubleReference) {
  for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kSSE2, SimdLevel::kAVX2, SimdLevel::kAVX512}) {
    const KernelTable* k = kernel_table(level);
    if (!k) continue;
    for (size_t n = 1; n <= 300; ++n) {
      // Six codes `stride` bytes apart (a group of four and two more), the last one ending the
      // buffer: a tail read past a code would show under ASan.
      const size_t count = 6, stride = n + 5;
      const auto r = test::random_floats(n, static_cast<uint32_t>(n)), step = test::random_floats(n, 77, 0.001f, 0.1f);
      const auto codes = test::random_bytes(stride * (count - 1) + n, static_cast<uint32_t>(n) + 5);
      std::vector<int16_t> weights(n);
      for (size_t i = 0; i < n; ++i) weights[i] = static_cast<int16_t>(std::lround(r[i] * 32767));
      std::vector<float> l2_out(count), l1_out(count);
      std::vector<int64_t> dot_out(count);
      k->sq8_l2sq(r.data(), step.data(), codes.data(), stride, count, n, l2_out.data());
      k->sq8_l1(r.data(), step.data(), codes.data(), stride, count, n, l1_out.data());
      k->sq8_dot(weights.data(), codes.data(), stride, count, n, dot_out.data());
      for (size_t e = 0; e < count; ++e) {
        const uint8_t* code = codes.data() + e * stride;
        double l2 = 0, l1 = 0, mag2 = 0, mag1 = 0;
        int64_t dot = 0;
        for (size_t i = 0; i < n; ++i) {
          const double d = static_cast<double>(r[i]) - static_cast<double>(step[i]) * code[i];
          l2 += d * d;
          l1 += std::fabs(d);
          dot += int64_t{weights[i]} * code[i];
          mag2 += (std::fabs(r[i]) + step[i] * code[i]) * (std::fabs(r[i]) + step[i] * code[i]);
          mag1 += std::fabs(r[i]) + step[i] * code[i];
        }
        const double tol = 1.2e-7 * (8 + 2 * std::sqrt(static_cast<double>(n)));
        EXPECT_NEAR(l2_out[e], l2, tol * mag2) << simd_level_name(level) << " n=" << n << " code " << e;
        EXPECT_NEAR(l1_out[e], l1, tol * mag1) << simd_level_name(level) << " n=" << n << " code " << e;
        EXPECT_EQ(dot_out[e], dot) << simd_level_name(level) << " n=" << n << " code " << e;
      }
      // 4-bit codes, the last ending the buffer; random bytes also set the unused high nibble
      // of an odd tail, which must not count.
      const size_t packed = (n + 1) / 2, stride4 = packed + 5;
      const auto codes4 = test::random_bytes(stride4 * (count - 1) + packed, static_cast<uint32_t>(n) + 9);
      std::vector<int16_t> laid_out(sq4_weight_count(n));
      sq4_weights(weights.data(), n, laid_out.data());
      k->sq4_dot(laid_out.data(), codes4.data(), stride4, count, n, dot_out.data());
      std::vector<uint8_t> levels(n);
      for (size_t e = 0; e < count; ++e) {
        unpack_nibble_codes(codes4.data() + e * stride4, n, levels.data());
        int64_t dot = 0;
        for (size_t i = 0; i < n; ++i) dot += int64_t{weights[i]} * levels[i];
        EXPECT_EQ(dot_out[e], dot) << simd_level_name(level) << " 4-bit n=" << n << " code " << e;
      }
    }
  }
}

// The integer dots (8- and 4-bit codes) are exact at the weight limit, where 32-bit lanes come
// closest to overflowing.
TEST(Sq8Kernels, IntegerDotIsExactAtTheWeightLimit) {
  for (size_t n : {size_t{4096}, size_t{4097}, size_t{6000}}) {
    const int16_t limit = static_cast<int16_t>(sq8_dot_weight_limit(n));
    EXPECT_EQ(limit, n <= 4096 ? 32767 : static_cast<int16_t>(2147483647 / (510 * ((n + 31) / 32))));
    const std::vector<uint8_t> codes(4 * n, 255);  // 4-bit: four codes of (n + 1) / 2 bytes, n apart
    for (int16_t sign : {int16_t{1}, int16_t{-1}}) {
      const std::vector<int16_t> weights(n, static_cast<int16_t>(sign * limit));
      for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kSSE2, SimdLevel::kAVX2, SimdLevel::kAVX512}) {
        const KernelTable* k = kernel_table(level);
        if (!k) continue;
        int64_t dot = 0;
        k->sq8_dot(weights.data(), codes.data(), n, 1, n, &dot);
        EXPECT_EQ(dot, int64_t{sign} * limit * 255 * static_cast<int64_t>(n)) << simd_level_name(level) << " n=" << n;
        std::vector<int16_t> laid_out(sq4_weight_count(n));
        sq4_weights(weights.data(), n, laid_out.data());
        int64_t dots[4];
        k->sq4_dot(laid_out.data(), codes.data(), n, 4, n, dots);  // every 4-bit code 15
        for (int64_t d : dots)
          EXPECT_EQ(d, int64_t{sign} * limit * 15 * static_cast<int64_t>(n)) << simd_level_name(level) << " 4-bit n=" << n;
      }
    }
  }
}

// A pass over fixed (bound, tid) pages, with some entries dead.
struct Pages {
  std::vector<double> bounds;
  std::vector<EntryHeader> headers;
  size_t per_page = 7;
  size_t passes = 0;
  BoundOrder::Pass pass() {
    return [this](const BoundOrder::Sink& sink) {
      ++passes;
      for (size_t at = 0; at < bounds.size(); at += per_page)
        sink(bounds.data() + at, headers.data() + at, std::min(per_page, bounds.size() - at));
    };
  }
};

TEST(BoundOrder, HandsOutEveryLiveEntryOnceInOrderAcrossPasses) {
  Pages pages;
  const auto noise = test::random_floats(1000, 4, 0.0f, 50.0f);
  for (size_t i = 0; i < noise.size(); ++i) {
    pages.bounds.push_back(i % 10 == 0 ? std::round(noise[i]) : noise[i]);  // ties
    const HeapTid t = tid_of(i);
    pages.headers.push_back({t.block, t.offset, static_cast<uint16_t>(i % 13 == 0 ? kEntryDead : 0)});
  }
  BoundOrder order(pages.pass(), 10);
  std::vector<Result> got;
  Result r{};
  while (order.next(r)) got.push_back(r);
  std::vector<Result> want;
  for (size_t i = 0; i < noise.size(); ++i)
    if (i % 13 != 0) want.push_back({pages.bounds[i], tid_of(i)});
  ASSERT_EQ(got.size(), want.size());
  std::set<size_t> seen;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_TRUE(seen.insert(row_of(got[i].tid)).second);
    if (i) {
      EXPECT_LE(got[i - 1].distance, got[i].distance);
    }
  }
  EXPECT_EQ(order.passes(), pages.passes);
  EXPECT_EQ(order.passes(), 5u);  // windows 10, 40, 160, 640, 2560
  BoundOrder small(pages.pass(), 10);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(small.next(r));
  EXPECT_EQ(small.passes(), 1u);  // a top-10 reads the entries once
}

// Signed, infinite and NaN bounds keep Postgres' order (NaN last), ties by TID, across passes;
// -0 ties +0.
TEST(BoundOrder, SignsInfinitiesAndNaNKeepPostgresOrderAcrossPasses) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> specials = {nan, inf, -inf, -0.0, 0.0, -2.5, 2.5, -1e308, 1e308, -nan, 3.0};
  Pages pages;
  for (size_t i = 0; i < 300; ++i) {
    pages.bounds.push_back(specials[(i * 7) % specials.size()]);
    const HeapTid t = tid_of(i);
    pages.headers.push_back({t.block, t.offset, 0});
  }
  BoundOrder order(pages.pass(), 4);
  std::vector<Result> got;
  for (Result r{}; order.next(r);) got.push_back(r);
  std::vector<std::pair<double, size_t>> want;
  for (size_t i = 0; i < pages.bounds.size(); ++i) want.push_back({pages.bounds[i], i});
  std::stable_sort(want.begin(), want.end(), [](const auto& a, const auto& b) { return nearer(a.first, b.first); });
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(row_of(got[i].tid), want[i].second) << "position " << i;
    if (std::isnan(want[i].first)) {
      EXPECT_TRUE(std::isnan(got[i].distance));
    } else {
      EXPECT_EQ(got[i].distance, want[i].first);
    }
  }
  EXPECT_GT(order.passes(), 2u);
}

TEST(BoundOrder, AnEmptyIndexEndsAtOnce) {
  Pages pages;
  BoundOrder order(pages.pass(), 4);
  Result r{};
  EXPECT_FALSE(order.next(r));
  EXPECT_FALSE(order.next(r));
  EXPECT_EQ(pages.passes, 1u);
}

// The flat index end to end in the core: an IVF index of one list of bounded codes; re-ranking
// by bound order until the k-th exact distance is at most the next bound gives a full sort's top k.
TEST(BoundedCodes, BoundOrderWithExactRerankEqualsAFullSort) {
  const size_t dim = 32, n = 2000;
  const auto data = test::clustered(n, dim, 31);
  for (EntryFormat format : {EntryFormat::kBounded, EntryFormat::kBounded4}) {
    for (Metric metric : kMetrics) {
      const Space space(ElementKind::kFloat32, metric, dim);
      MemoryPageStore store;
      EntrySpec spec;
      spec.format = format;
      spec.codebooks = BoundedQuantizer::train(space, bytes(data.data()), n, bounded_bits(format));
      IvfIndex::create(store, space, train_centres(space, nullptr, 0, 1, 0), spec);
      IvfIndex index(store);
      Entries entries(index);
      for (size_t i = 0; i < n; ++i) index.insert(0, entries.encode(bytes(data.data() + i * dim), 0), tid_of(i));
      for (uint32_t qs = 0; qs < 5; ++qs) {
        const auto q = test::random_floats(dim, 100 + qs);
        auto scorer = entries.scorer(bytes(q.data()));
        BoundOrder order([&](const BoundOrder::Sink& sink) { index.score_list(0, 0, *scorer, sink); }, 16);
        std::vector<double> exact;
        Result r{};
        size_t read = 0;
        while (order.next(r)) {
          ++read;
          exact.push_back(space.distance(bytes(q.data()), bytes(data.data() + row_of(r.tid) * dim)));
          std::sort(exact.begin(), exact.end());
          if (exact.size() >= 10 && exact[9] <= r.distance) break;
        }
        std::vector<double> all;
        for (size_t i = 0; i < n; ++i) all.push_back(space.distance(bytes(q.data()), bytes(data.data() + i * dim)));
        std::sort(all.begin(), all.end());
        ASSERT_GE(exact.size(), 10u);
        for (size_t i = 0; i < 10; ++i) EXPECT_EQ(exact[i], all[i]) << metric_name(metric);
        EXPECT_LT(read, n / 4) << metric_name(metric);
      }
    }
  }
}

}  // namespace
}  // namespace vectorx::ivf
