// The project's own algorithms as in-process anchors (see anchors.h): kernel scan, HNSW,
// the ivfflat and ivfpq indexes. hnswlib and FAISS live in anchors_external.cpp.
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
#include "vectorx/ivf/candidates.h"
#include "vectorx/ivf/entries.h"
#include "vectorx/ivf/loader.h"
#include "vectorx/ivf/training.h"
#include "vectorx/page_store.h"
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

// Row i of the base as a heap address, and back (IvfIndex files entries under heap rows).
HeapTid row_tid(size_t row) { return {static_cast<uint32_t>(row >> 16), static_cast<uint16_t>((row & 0xFFFF) + 1)}; }
int32_t tid_row(HeapTid tid) { return static_cast<int32_t>((size_t{tid.block} << 16) + tid.offset - 1); }

// The ivfflat / ivfpq index as it ships, on a MemoryPageStore instead of shared buffers: the
// build's sample, k-means centres, codebooks (4- or 8-bit codes of residuals), pages and batch
// loading, and the scan's list probing and candidate order (ivf/candidates.h). ivfpq here
// re-ranks a fixed `rerank` best estimates by their exact distance (the base's rows, no heap
// fetch), as FAISS's IVFPQ + re-rank does; the index scan instead re-checks rows in order of
// their lower bounds until the answer is exact.
AnchorRun vectorx_ivf(bool pq, const AnchorParams& p, const Matrix<float>& base, const Matrix<float>& queries,
                      size_t nq, size_t k, Metric metric) {
  const size_t lists = static_cast<size_t>(p.ivf_lists), dim = base.dim;
  const unsigned threads = static_cast<unsigned>(std::max(p.build_threads, 1));
  AnchorRun run{pq ? "vectorx-ivfpq" : "vectorx-ivfflat", "lists=" + std::to_string(lists), 0, 0, {}};
  if (pq) run.params += " m=" + std::to_string(p.pq_m) + " nbits=" + std::to_string(p.pq_nbits) + " residual";
  const Space space(ElementKind::kFloat32, metric, static_cast<int64_t>(dim));
  const size_t value_bytes = dim * sizeof(float);
  const auto start = Clock::now();
  constexpr uint64_t kSeed = 42;
  ivf::Reservoir sample(ivf::automatic_sample_rows(lists), value_bytes, kSeed);  // the build's automatic size
  for (size_t i = 0; i < base.rows; ++i) sample.offer(reinterpret_cast<const uint8_t*>(base.row(i)));
  const std::vector<uint8_t> centres = ivf::train_centres(space, sample.values().data(), sample.size(), lists, kSeed, threads);
  ivf::EntrySpec spec;
  if (pq) {
    spec.format = p.pq_nbits == 4 ? ivf::EntryFormat::kCode4 : ivf::EntryFormat::kCode8;
    spec.pq_m = static_cast<size_t>(p.pq_m);
    spec.residual = true;
    spec.codebooks = ivf::train_codebooks(space, sample.values().data(), sample.size(), centres, spec.pq_m, p.pq_nbits,
                                          true, kSeed, threads);
  }
  MemoryPageStore store;
  ivf::IvfIndex::create(store, space, centres, spec);
  ivf::IvfIndex index(store);
  const ivf::Entries entries(index);
  ivf::BatchLoader loader(index, entries, threads, 1024);
  for (size_t i = 0; i < base.rows; ++i) loader.add(reinterpret_cast<const uint8_t*>(base.row(i)), row_tid(i));
  loader.flush();
  run.build_seconds = seconds_since(start);
  run.size_bytes = static_cast<long long>(store.block_count()) * static_cast<long long>(store.page_size());
  const std::vector<int> reranks = pq ? std::vector<int>{0, p.pq_rerank} : std::vector<int>{0};
  for (int rerank : reranks)
    for (int probes : p.ivf_probes) {
      const std::string setting = "probes=" + std::to_string(probes) + (rerank ? " rerank=" + std::to_string(rerank) : "");
      run.points.push_back(timed_queries(setting, nq, [&](size_t q) {
        const uint8_t* query = reinterpret_cast<const uint8_t*>(queries.row(q));
        ivf::IvfIndex::Scan lists_scan(index, query, entries.scorer(query), static_cast<size_t>(probes),
                                       static_cast<size_t>(probes));
        ivf::CandidateCursor candidates = ivf::scan_candidates(lists_scan);
        const size_t wanted = rerank ? std::max(k, static_cast<size_t>(rerank)) : k;
        std::vector<std::pair<double, int32_t>> ranked;
        for (const Result* c; ranked.size() < wanted && (c = candidates.next()) != nullptr;) {
          const int32_t row = tid_row(c->tid);
          ranked.push_back({rerank ? distance(metric, queries.row(q), base.row(static_cast<size_t>(row)), dim) : c->distance,
                            row});
        }
        std::sort(ranked.begin(), ranked.end());
        std::vector<int32_t> out;
        for (const auto& r : ranked)
          if (out.size() < k) out.push_back(r.second);
        return out;
      }));
    }
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
  if (name == "vectorx-ivfpq") return vectorx_ivf(true, params, base, queries, nq, k, metric);
  if (name == "vectorx-ivfflat") return vectorx_ivf(false, params, base, queries, nq, k, metric);
#ifdef VECTORX_BENCH_HNSWLIB
  if (name == "hnswlib") return external::hnswlib_run(params, base, queries, nq, k, metric);
#endif
#ifdef VECTORX_BENCH_FAISS
  if (name.rfind("faiss-", 0) == 0) return external::faiss_run(name, params, base, queries, nq, k, metric);
#endif
  throw std::invalid_argument("anchor '" + name + "' is not available in this build");
}

}  // namespace vectorx::bench
