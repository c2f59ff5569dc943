// In-process anchors (see anchors.h). Cosine runs as inner product on normalised copies, the
// way both libraries expect it.
#include "anchors.h"
#include "anchor_runs.h"

#include <chrono>
#include <functional>
#include <random>
#include <stdexcept>

#include "ground_truth.h"
#include "vectorx/hnsw/memory_graph.h"
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
  hnsw::MemoryGraph graph(base.dim, metric == Metric::kL2 ? hnsw::Distance::kL2Squared : hnsw::Distance::kNegativeDot,
                          params);
  AnchorRun run{"vectorx-hnsw", "m=" + std::to_string(p.hnsw_m) + " ef_construction=" + std::to_string(p.hnsw_ef_construction), 0, 0, {}};
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const auto start = Clock::now();
  for (size_t i = 0; i < base.rows; ++i) graph.add(base.row(i), hnsw::random_level(1.0 - uniform(rng), p.hnsw_m));
  run.build_seconds = seconds_since(start);
  run.size_bytes = static_cast<long long>(graph.memory_bytes());
  for (int ef : p.hnsw_ef)
    run.points.push_back(timed_queries("ef=" + std::to_string(ef), nq, [&](size_t q) {
      std::vector<int32_t> ids;
      for (const auto& c : graph.search(queries.row(q), static_cast<size_t>(ef), k)) ids.push_back(static_cast<int32_t>(c.id));
      return ids;
    }));
  return run;
}

}  // namespace

std::vector<std::string> available_anchors() {
  std::vector<std::string> names = {"kernel-scan", "vectorx-hnsw"};
#ifdef VECTORX_BENCH_HNSWLIB
  names.push_back("hnswlib");
#endif
#ifdef VECTORX_BENCH_FAISS
  for (const char* n : {"faiss-flat", "faiss-ivfflat", "faiss-ivfpq"}) names.push_back(n);
#endif
  return names;
}

AnchorRun run_anchor(const std::string& name, const AnchorParams& params, const Matrix<float>& base,
                     const Matrix<float>& queries, size_t nq, size_t k, Metric metric) {
  nq = std::min(nq, queries.rows);
  if (name == "kernel-scan") return kernel_scan(base, queries, nq, k, metric);
  if (name == "vectorx-hnsw") return vectorx_hnsw(params, base, queries, nq, k, metric);
#ifdef VECTORX_BENCH_HNSWLIB
  if (name == "hnswlib") return external::hnswlib_run(params, base, queries, nq, k, metric);
#endif
#ifdef VECTORX_BENCH_FAISS
  if (name.rfind("faiss-", 0) == 0) return external::faiss_run(name, params, base, queries, nq, k, metric);
#endif
  throw std::invalid_argument("anchor '" + name + "' is not available in this build");
}

}  // namespace vectorx::bench
