// The project's own algorithms as in-process anchors (see anchors.h): kernel scan, HNSW,
// IVF-flat and IVF-PQ. hnswlib and FAISS live in anchors_external.cpp.
#include "anchors.h"
#include "anchor_runs.h"

#include <chrono>
#include <algorithm>
#include <functional>
#include <queue>
#include <random>
#include <stdexcept>

#include "ground_truth.h"
#include "vectorx/hnsw/memory_graph.h"
#include "vectorx/kmeans.h"
#include "vectorx/pq.h"
#include "vectorx/pq_fastscan.h"
#include "top_k.h"
#include "vectorx/vector_math.h"

namespace vectorx::bench {

namespace anchor {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

AnchorPoint timed_queries(const std::string& setting, size_t nq,
                          const std::function<std::vector<int32_t>(size_t)>& search) {
  AnchorPoint p;
  p.setting = setting;
  const auto start = Clock::now();
  for (size_t q = 0; q < nq; ++q) {
    const auto t0 = Clock::now();
    p.ids.push_back(search(q));
    p.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  p.seconds = seconds_since(start);
  return p;
}

Matrix<float> normalized(const Matrix<float>& m) {
  Matrix<float> out = m;
  for (size_t i = 0; i < m.rows; ++i) l2_normalize(m.row(i), out.row(i), m.dim);
  return out;
}

}  // namespace anchor

namespace {

using anchor::Clock;
using anchor::normalized;
using anchor::seconds_since;
using anchor::timed_queries;

struct ConstCentroids {
  const float* data;
  size_t count, dim;
};

// The `probes` lists whose centres are nearest the query (L2), nearest first, with distances.
std::vector<std::pair<float, uint32_t>> nearest_lists(const ConstCentroids& c, const float* query, size_t probes) {
  std::vector<std::pair<float, uint32_t>> lists(c.count);
  for (uint32_t l = 0; l < c.count; ++l) lists[l] = {l2sq(query, c.data + size_t{l} * c.dim, c.dim), l};
  probes = std::min(probes, c.count);
  std::partial_sort(lists.begin(), lists.begin() + static_cast<std::ptrdiff_t>(probes), lists.end());
  lists.resize(probes);
  return lists;
}

// Probes the nearest lists, ranks their codes by PQ distance to the query's residual (4-bit
// codes by fast scan), and returns the best k (after exact re-scoring of the best k × rerank
// when rerank > 0).
std::vector<int32_t> ivfpq_search(const ConstCentroids& c, const ProductQuantizer& pq, const std::vector<float>& list_terms,
                                  const std::vector<std::vector<int32_t>>& ids, const std::vector<std::vector<uint8_t>>& codes,
                                  const Matrix<float>& base, const float* query, size_t probes, size_t k, size_t rerank) {
  const auto lists = nearest_lists(c, query, probes);
  TopK<int32_t> best(rerank ? k * rerank : k);
  const size_t entries = pq.m() * pq.ksub();
  std::vector<float> query_ip(entries), table(entries);
  QuantizedTable qt;
  pq.ip_table(query, query_ip.data());
  for (const auto& [centre_distance, l] : lists) {
    ProductQuantizer::residual_l2_table(list_terms.data() + size_t{l} * entries, query_ip.data(), entries, table.data());
    if (pq.nbits() == 4) {  // fast scan over the list's packed blocks
      quantize_table(table.data(), pq.m(), qt);
      std::vector<uint16_t> sums(ids[l].size());
      fastscan(codes[l].data(), ids[l].size(), pq.m(), qt, sums.data());
      for (size_t i = 0; i < sums.size(); ++i) best.push(centre_distance + qt.dequantize(sums[i]), ids[l][i]);
      continue;
    }
    for (size_t i = 0; i < ids[l].size(); ++i)
      best.push(centre_distance + pq.table_sum(table.data(), codes[l].data() + i * pq.code_size()), ids[l][i]);
  }
  std::vector<std::pair<float, int32_t>> found = best.take_sorted();
  if (rerank)
    for (auto& f : found) f.first = l2sq(query, base.row(static_cast<size_t>(f.second)), base.dim);
  std::sort(found.begin(), found.end());
  std::vector<int32_t> out;
  for (size_t i = 0; i < std::min(k, found.size()); ++i) out.push_back(found[i].second);
  return out;
}

AnchorRun kernel_scan(const Matrix<float>& base, const Matrix<float>& queries, size_t nq, size_t k, Metric metric) {
  AnchorRun run{"kernel-scan", std::string("vectorx kernels, metric ") + metric_name(metric), 0,
                static_cast<long long>(base.data.size() * sizeof(float)), {}};
  run.points.push_back(timed_queries("exact", nq, [&](size_t q) { return nearest(base, queries.row(q), k, metric); }));
  return run;
}

// vectorx's own HNSW algorithm on its in-memory graph: what the index build computes, before
// any page or WAL cost.
AnchorRun vectorx_hnsw(const AnchorParams& p, const Matrix<float>& base_in, const Matrix<float>& queries_in,
                       size_t nq, size_t k, Metric metric) {
  const bool cosine = metric == Metric::kCosine;
  const Matrix<float> base = cosine ? normalized(base_in) : base_in;
  const Matrix<float> queries = cosine ? normalized(queries_in) : queries_in;
  const hnsw::Params params{p.hnsw_m, p.hnsw_ef_construction};
  const Space space(ElementKind::kFloat32, metric == Metric::kL2 ? vectorx::Metric::kL2 : vectorx::Metric::kInnerProduct,
                    static_cast<int64_t>(base.dim));
  hnsw::MemoryGraph graph(space, params);
  AnchorRun run{"vectorx-hnsw", "m=" + std::to_string(p.hnsw_m) + " ef_construction=" + std::to_string(p.hnsw_ef_construction), 0, 0, {}};
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<int> levels(base.rows);
  for (int& l : levels) l = hnsw::random_level(1.0 - uniform(rng), p.hnsw_m);
  if (p.build_threads > 1) run.params += " threads=" + std::to_string(p.build_threads);
  const auto start = Clock::now();
  graph.build(hnsw::Payloads::from_floats(base.data.data(), base.rows, base.dim), levels,
              static_cast<unsigned>(p.build_threads));
  run.build_seconds = seconds_since(start);
  run.size_bytes = static_cast<long long>(graph.memory_bytes());
  hnsw::MemoryGraph::Searcher searcher(graph);
  for (int ef : p.hnsw_ef)
    run.points.push_back(timed_queries("ef=" + std::to_string(ef), nq, [&](size_t q) {
      std::vector<int32_t> ids;
      for (const auto& c : searcher.search(reinterpret_cast<const uint8_t*>(queries.row(q)), static_cast<size_t>(ef), k)) ids.push_back(static_cast<int32_t>(c.id));
      return ids;
    }));
  return run;
}

// vectorx's IVF-PQ pieces in process (k-means lists, PQ on residuals, L2): what the ivfpq index
// will compute, before pages. "rerank" re-scores the best k × rerank codes exactly.
AnchorRun vectorx_ivfpq(const AnchorParams& p, const Matrix<float>& base, const Matrix<float>& queries, size_t nq,
                        size_t k, Metric metric) {
  if (metric != Metric::kL2) throw std::invalid_argument("vectorx-ivfpq anchor: l2 only");
  const size_t lists = static_cast<size_t>(p.ivf_lists), dim = base.dim;
  AnchorRun run{"vectorx-ivfpq", "lists=" + std::to_string(lists) + " m=" + std::to_string(p.pq_m) + " nbits=" + std::to_string(p.pq_nbits), 0, 0, {}};
  const auto start = Clock::now();
  const KMeansResult coarse = kmeans(base.data.data(), base.rows, dim, {lists, 10, false, 42});
  std::vector<float> residuals(base.data.size());
  for (size_t i = 0; i < base.rows; ++i)
    for (size_t d = 0; d < dim; ++d)
      residuals[i * dim + d] = base.row(i)[d] - coarse.centroids[coarse.assignment[i] * dim + d];
  const ProductQuantizer pq = ProductQuantizer::train(residuals.data(), base.rows, dim, static_cast<size_t>(p.pq_m), p.pq_nbits, {0, 10, false, 7});
  std::vector<std::vector<int32_t>> ids(lists);
  std::vector<std::vector<uint8_t>> codes(lists);
  std::vector<uint8_t> code(pq.code_size());
  for (size_t i = 0; i < base.rows; ++i) {
    pq.encode(residuals.data() + i * dim, code.data());
    ids[coarse.assignment[i]].push_back(static_cast<int32_t>(i));
    codes[coarse.assignment[i]].insert(codes[coarse.assignment[i]].end(), code.begin(), code.end());
  }
  if (pq.nbits() == 4)  // regroup each list's codes into fast-scan blocks
    for (size_t l = 0; l < lists; ++l) codes[l] = pack_fastscan(codes[l].data(), ids[l].size(), pq.m());
  const size_t entries = pq.m() * pq.ksub();
  std::vector<float> list_terms(lists * entries);
  for (size_t l = 0; l < lists; ++l) pq.list_term_table(coarse.centroids.data() + l * dim, list_terms.data() + l * entries);
  run.build_seconds = seconds_since(start);
  run.size_bytes = static_cast<long long>(base.rows * (pq.code_size() + 4) + (coarse.centroids.size() + pq.codebooks().size() + list_terms.size()) * 4);
  const ConstCentroids centroids{coarse.centroids.data(), lists, dim};
  for (int rerank : {0, 10})
    for (int probes : p.ivf_probes) {
      const std::string setting = "probes=" + std::to_string(probes) + (rerank ? " rerank=" + std::to_string(rerank) : "");
      run.points.push_back(timed_queries(setting, nq, [&](size_t q) {
        return ivfpq_search(centroids, pq, list_terms, ids, codes, base, queries.row(q), static_cast<size_t>(probes), k,
                            static_cast<size_t>(rerank));
      }));
    }
  return run;
}

// vectorx's IVF-flat in process (k-means lists, vectors stored per list, exact kernel scans of
// the probed lists): what the ivfflat index will compute, before pages. L2 only for now.
AnchorRun vectorx_ivfflat(const AnchorParams& p, const Matrix<float>& base, const Matrix<float>& queries, size_t nq,
                          size_t k, Metric metric) {
  if (metric != Metric::kL2) throw std::invalid_argument("vectorx-ivfflat anchor: l2 only");
  const size_t lists = static_cast<size_t>(p.ivf_lists), dim = base.dim;
  AnchorRun run{"vectorx-ivfflat", "lists=" + std::to_string(lists), 0, 0, {}};
  const auto start = Clock::now();
  const KMeansResult coarse = kmeans(base.data.data(), base.rows, dim, {lists, 10, false, 42});
  std::vector<std::vector<int32_t>> ids(lists);
  std::vector<std::vector<float>> vectors(lists);
  for (size_t i = 0; i < base.rows; ++i) {
    ids[coarse.assignment[i]].push_back(static_cast<int32_t>(i));
    vectors[coarse.assignment[i]].insert(vectors[coarse.assignment[i]].end(), base.row(i), base.row(i) + dim);
  }
  run.build_seconds = seconds_since(start);
  run.size_bytes = static_cast<long long>(base.rows * (dim * 4 + 4) + coarse.centroids.size() * 4);
  const ConstCentroids centroids{coarse.centroids.data(), lists, dim};
  for (int probes : p.ivf_probes)
    run.points.push_back(timed_queries("probes=" + std::to_string(probes), nq, [&](size_t q) {
      const float* query = queries.row(q);
      TopK<int32_t> best(k);
      for (const auto& [centre_distance, l] : nearest_lists(centroids, query, static_cast<size_t>(probes)))
        for (size_t i = 0; i < ids[l].size(); ++i) best.push(l2sq(query, vectors[l].data() + i * dim, dim), ids[l][i]);
      std::vector<int32_t> out;
      for (const auto& e : best.take_sorted()) out.push_back(e.second);
      return out;
    }));
  return run;
}

}  // namespace

std::vector<std::string> available_anchors() {
  std::vector<std::string> names = {"kernel-scan", "vectorx-hnsw", "vectorx-ivfflat", "vectorx-ivfpq"};
#ifdef VECTORX_BENCH_HNSWLIB
  names.push_back("hnswlib");
#endif
#ifdef VECTORX_BENCH_FAISS
  for (const char* n : {"faiss-flat", "faiss-ivfflat", "faiss-ivfpq", "faiss-ivfpq-rerank"}) names.push_back(n);
#endif
  return names;
}

AnchorRun run_anchor(const std::string& name, const AnchorParams& params, const Matrix<float>& base,
                     const Matrix<float>& queries, size_t nq, size_t k, Metric metric) {
  nq = std::min(nq, queries.rows);
  if (name == "kernel-scan") return kernel_scan(base, queries, nq, k, metric);
  if (name == "vectorx-hnsw") return vectorx_hnsw(params, base, queries, nq, k, metric);
  if (name == "vectorx-ivfpq") return vectorx_ivfpq(params, base, queries, nq, k, metric);
  if (name == "vectorx-ivfflat") return vectorx_ivfflat(params, base, queries, nq, k, metric);
#ifdef VECTORX_BENCH_HNSWLIB
  if (name == "hnswlib") return external::hnswlib_run(params, base, queries, nq, k, metric);
#endif
#ifdef VECTORX_BENCH_FAISS
  if (name.rfind("faiss-", 0) == 0) return external::faiss_run(name, params, base, queries, nq, k, metric);
#endif
  throw std::invalid_argument("anchor '" + name + "' is not available in this build");
}

}  // namespace vectorx::bench
