// The index advisor's rules (advisor.h). Each threshold names the measurement it comes from.
#include "vectorx/advisor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "vectorx/ivf/entries.h"

namespace vectorx {
namespace {

// Exact scan: 1.31 ms for siftsmall's 10,000 × 128 elements (1.0 ns each, one process), where
// ivfflat answered in 0.095 ms and any query costs about 0.06 ms (SELECT 1: 16,500 q/s). An
// exact scan within 0.1 ms is as fast as an index could be, and never misses.
constexpr double kExactNsPerElement = 1.0;
constexpr double kExactEnoughMs = 0.1;
// ivfpq (8-bit scalar codes, re-checked to ivfflat's answer) from this many dimensions: on
// fashion-mnist (784) it ran 1.9-2.1× ivfflat at the same recall (0.969 at 5 probes) at 0.21×
// its size; on glove-100 (100) 1.8-1.9×, so the codes pay at any size, but below this
// ivfflat's whole values are cheap and the advice keeps the index simplest.
constexpr int64_t kPqMinDims = 256;
// hnsw build memory per row beyond the value: level-0 list (2m + 1 ids), upper levels, lock,
// offsets (MemoryGraph::node_overhead for m = 16 is about 170 bytes) and per-row bookkeeping.
constexpr double kHnswBuildOverhead = 240;
// Index size over raw values: hnsw 1.25× (fashion-mnist: 245.8 MB for 188 MB of vectors plus
// lists), ivfflat 1.31× (247 MB).
constexpr double kHnswSizeFactor = 1.25, kIvfflatSizeFactor = 1.31;
// flat and ivfpq: a byte per dimension plus 16 bytes per row (bounds, entry header);
// glove-100 measured 37 MB for 331,479 × 100 (1.07× that), 0.29× the vectors.
constexpr double kCodeSizeFactor = 1.07;
// ivfpq 4-bit scalar codes: half a byte per dimension (padded to 4) plus 16 bytes per row (at
// most: entries under cosine, L2 and L1 drop a 4-byte scale); glove-100 at 575 lists measured
// 23.95 MB against the formula's 22.5 (1.06×: the lists' partly filled last pages).
constexpr double kCode4SizeFactor = 1.1;
// ivfpq 4-bit product codes: 1.5× the codes, their bounds and 8-byte entry headers (fashion-mnist
// 9.7 MB before bounds: 32-entry code groups and partly filled last pages).
constexpr double kProductSizeFactor = 1.5;
// Largest dimensions a flat entry fits a page with (bounded_entry_bytes ≤ 8144).
constexpr int64_t kFlatMaxDims = 8136;

double value_bytes(ElementKind kind, int64_t dims) {
  switch (kind) {
    case ElementKind::kFloat32:
      return 4.0 * static_cast<double>(dims);
    case ElementKind::kFloat16:
      return 2.0 * static_cast<double>(dims);
    case ElementKind::kBit:
      return std::ceil(static_cast<double>(dims) / 8);
    case ElementKind::kSparse:
      return 8.0 * std::min<double>(static_cast<double>(dims), 100);  // non-zeros unknown: a typical text embedding
  }
  return 4.0 * static_cast<double>(dims);
}

std::string mb(double bytes) {
  char buf[32];
  if (bytes >= 1024.0 * 1024 * 1024)
    snprintf(buf, sizeof buf, "%.1f GB", bytes / (1024.0 * 1024 * 1024));
  else
    snprintf(buf, sizeof buf, "%.0f MB", std::max(1.0, bytes / (1024.0 * 1024)));
  return buf;
}

// ef_search for a recall target: ef 20 gave 0.958 on siftsmall, ef 40 0.992 on fashion-mnist,
// ef 80 0.987 on siftsmall.
int hnsw_ef_search(double target) { return target <= 0.95 ? 40 : target <= 0.99 ? 100 : 200; }

// probes for a recall target, as a multiple of √lists: siftsmall (100 lists) reached 0.957 at
// 8 and 0.997 at 16; fashion-mnist (245 lists) 0.968 at 5 and 0.990 at 8. The harder dataset
// sets the factor.
int ivf_probes(double target, int lists) {
  const double factor = target <= 0.9 ? 0.4 : target <= 0.95 ? 0.8 : target <= 0.99 ? 1.6 : 3.2;
  return std::clamp(static_cast<int>(std::ceil(factor * std::sqrt(static_cast<double>(lists)))), 1, lists);
}

// flat and ivfpq entries: 8-bit codes, or ivfpq's 4-bit ones.
double code_index_bytes(const AdviceInput& in, int bits = 8) {
  if (bits == 4) return in.rows * (std::ceil(static_cast<double>(in.dims) / 8) * 4 + 16) * kCode4SizeFactor;
  return in.rows * (static_cast<double>(in.dims) + 16) * kCodeSizeFactor;
}

Advice hnsw_advice(const AdviceInput& in, double value) {
  Advice a;
  a.plan.method = AdvisedMethod::kHnsw;
  a.plan.m = 16;
  a.plan.ef_construction = 64;
  a.plan.ef_search = hnsw_ef_search(in.target_recall);
  a.plan.index_bytes = in.rows * (value + 2.0 * a.plan.m * 4 + 40) * kHnswSizeFactor;
  a.plan.build_bytes = in.rows * (value + kHnswBuildOverhead);
  return a;
}

Advice ivf_advice(const AdviceInput& in, double value, bool pq) {
  Advice a;
  a.plan.method = pq ? AdvisedMethod::kIvfpq : AdvisedMethod::kIvfflat;
  a.plan.lists = std::clamp(static_cast<int>(std::lround(std::sqrt(in.rows))), 1, 32768);
  a.plan.probes = ivf_probes(in.target_recall, a.plan.lists);
  if (pq) {
    a.plan.index_bytes = code_index_bytes(in);
  } else {
    a.plan.index_bytes = in.rows * (value + 8) * kIvfflatSizeFactor;
  }
  return a;
}

}  // namespace

const char* advised_method_name(AdvisedMethod method) {
  switch (method) {
    case AdvisedMethod::kExact:
      return "exact scan";
    case AdvisedMethod::kFlat:
      return "flat";
    case AdvisedMethod::kHnsw:
      return "hnsw";
    case AdvisedMethod::kIvfflat:
      return "ivfflat";
    case AdvisedMethod::kIvfpq:
      return "ivfpq";
  }
  return "?";
}

Advice advise(const AdviceInput& in) {
  const double value = value_bytes(in.kind, in.dims);
  const double exact_ms = in.rows * static_cast<double>(in.dims) * kExactNsPerElement / 1e6;
  char line[320];
  const bool float_kind = in.kind == ElementKind::kFloat32 || in.kind == ElementKind::kFloat16;
  if (exact_ms <= kExactEnoughMs) {
    Advice a;
    snprintf(line, sizeof line,
             "%.0f rows × %lld dimensions scan exactly in about %.0f µs per query, as fast as any index, with perfect recall",
             in.rows, static_cast<long long>(in.dims), std::max(1.0, exact_ms * 1000));
    a.reason = line;
    return a;
  }
  if (in.target_recall >= 1.0) {
    Advice a;
    if (!float_kind || in.dims > kFlatMaxDims) {
      a.reason = "only an exact scan is sure to return every true nearest row (recall 1)";
      return a;
    }
    a.plan.method = AdvisedMethod::kFlat;
    a.plan.index_bytes = code_index_bytes(in);
    snprintf(line, sizeof line,
             "recall 1 needs an exact search; a flat index (%s) returns a sequential scan's rows from 8-bit codes: on "
             "glove-100 (331K x 100) 5.5-7x pgvector's sequential scan",
             mb(a.plan.index_bytes).c_str());
    a.reason = line;
    return a;
  }
  const bool ivf_metric = in.metric == Metric::kL2 || in.metric == Metric::kInnerProduct || in.metric == Metric::kCosine;
  if (!float_kind || !ivf_metric) {
    Advice a = hnsw_advice(in, value);
    const char* why = in.kind == ElementKind::kSparse ? "hnsw is the index for sparsevec"
                      : in.kind == ElementKind::kBit  ? "hnsw indexes bit strings under Hamming and Jaccard distance"
                                                      : "hnsw is the index for L1 distance";
    if (a.plan.build_bytes > static_cast<double>(in.build_memory_bytes))
      snprintf(line, sizeof line, "%s; its graph needs %s of build memory (%s set): raise vectorx.build_memory", why,
               mb(a.plan.build_bytes).c_str(), mb(static_cast<double>(in.build_memory_bytes)).c_str());
    else
      snprintf(line, sizeof line, "%s", why);
    a.reason = line;
    return a;
  }
  if (in.dims >= kPqMinDims) {
    Advice a = ivf_advice(in, value, true);
    snprintf(line, sizeof line,
             "at %lld dimensions 8-bit codes (%s) scan fastest: on 784-dim data ivfpq returned ivfflat's rows at "
             "1.9-2.1x its speed and 0.21x its size",
             static_cast<long long>(in.dims), mb(a.plan.index_bytes).c_str());
    a.reason = line;
    return a;
  }
  Advice flat = ivf_advice(in, value, false);
  if (flat.plan.index_bytes > static_cast<double>(in.cache_bytes)) {
    Advice a = ivf_advice(in, value, true);
    if (a.plan.index_bytes > static_cast<double>(in.cache_bytes)) {
      // 4-bit scalar codes: half the bytes and the same answers, at ~7× the re-checks (glove-100:
      // 89 rows a top-10 against 14).
      a.plan.scalar_bits = 4;
      a.plan.index_bytes = code_index_bytes(in, 4);
    }
    if (a.plan.index_bytes > static_cast<double>(in.cache_bytes)) {
      // 4-bit product codes: 1/8 of the 8-bit codes' bytes, re-checking hundreds of rows or more.
      a.plan.pq_m = static_cast<int>(ivf::default_pq_m(static_cast<size_t>(in.dims), 4));
      a.plan.index_bytes = in.rows * ((a.plan.pq_m + 1) / 2 + 12.0) * kProductSizeFactor;
    }
    snprintf(line, sizeof line, "a full-precision index (%s) would not stay in shared_buffers (%s); ivfpq's %s codes take %s",
             mb(flat.plan.index_bytes).c_str(), mb(static_cast<double>(in.cache_bytes)).c_str(),
             a.plan.pq_m ? "4-bit product" : a.plan.scalar_bits == 4 ? "4-bit scalar" : "8-bit", mb(a.plan.index_bytes).c_str());
    a.reason = line;
    return a;
  }
  snprintf(line, sizeof line,
           "at %lld dimensions ivfflat answers fastest: on 128-dim data it ran 10,500 q/s at recall 0.96 (hnsw 9,300 at "
           "0.95) and 8,200 at 0.997 (hnsw 4,500 at 0.99), and builds in half hnsw's time",
           static_cast<long long>(in.dims));
  flat.reason = line;
  return flat;
}

}  // namespace vectorx
