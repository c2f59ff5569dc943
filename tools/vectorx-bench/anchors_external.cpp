// hnswlib and FAISS anchors (see anchors.h). Both libraries choose their SIMD code at compile
// time, so CMake builds this file with -march=native: they run at their best on the machine
// that runs the benchmark, which makes them honest speed limits. Cosine runs as inner product
// on normalised copies.
#include <random>
#include <stdexcept>

#include "anchor_runs.h"

#ifdef VECTORX_BENCH_HNSWLIB
#include <hnswlib/hnswlib.h>
#endif
#ifdef VECTORX_BENCH_FAISS
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/utils/distances.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <omp.h>
#endif

namespace vectorx::bench::external {

using anchor::Clock;
using anchor::normalized;
using anchor::seconds_since;
using anchor::timed_queries;

#ifdef VECTORX_BENCH_HNSWLIB
AnchorRun hnswlib_run(const AnchorParams& p, const Matrix<float>& base_in, const Matrix<float>& queries_in,
                      size_t nq, size_t k, Metric metric) {
  const bool cosine = metric == Metric::kCosine;
  const Matrix<float> base = cosine ? normalized(base_in) : base_in;
  const Matrix<float> queries = cosine ? normalized(queries_in) : queries_in;
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;
  if (metric == Metric::kL2)
    space = std::make_unique<hnswlib::L2Space>(base.dim);
  else
    space = std::make_unique<hnswlib::InnerProductSpace>(base.dim);
  AnchorRun run{"hnswlib", "m=" + std::to_string(p.hnsw_m) + " ef_construction=" + std::to_string(p.hnsw_ef_construction), 0, 0, {}};
  const auto start = Clock::now();
  hnswlib::HierarchicalNSW<float> index(space.get(), base.rows, static_cast<size_t>(p.hnsw_m),
                                        static_cast<size_t>(p.hnsw_ef_construction), 100);
  for (size_t i = 0; i < base.rows; ++i) index.addPoint(base.row(i), i);
  run.build_seconds = seconds_since(start);
  long long upper = 0;
  for (size_t i = 0; i < base.rows; ++i) upper += index.element_levels_[i] * static_cast<long long>(index.size_links_per_element_);
  run.size_bytes = static_cast<long long>(base.rows * index.size_data_per_element_) + upper;
  for (int ef : p.hnsw_ef) {
    index.setEf(static_cast<size_t>(ef));
    run.points.push_back(timed_queries("ef=" + std::to_string(ef), nq, [&](size_t q) {
      auto heap = index.searchKnn(queries.row(q), k);
      std::vector<int32_t> ids(heap.size());
      for (size_t j = ids.size(); j-- > 0; heap.pop()) ids[j] = static_cast<int32_t>(heap.top().second);
      return ids;
    }));
  }
  return run;
}
#endif

#ifdef VECTORX_BENCH_FAISS
using FaissId = faiss::Index::idx_t;  // a member type in FAISS 1.7

static long long faiss_size(const faiss::Index& index) {
  faiss::VectorIOWriter writer;
  faiss::write_index(&index, &writer);
  return static_cast<long long>(writer.data.size());
}

AnchorRun faiss_run(const std::string& name, const AnchorParams& p, const Matrix<float>& base_in,
                    const Matrix<float>& queries_in, size_t nq, size_t k, Metric metric) {
  omp_set_num_threads(1);
  const bool cosine = metric == Metric::kCosine;
  const Matrix<float> base = cosine ? normalized(base_in) : base_in;
  const Matrix<float> queries = cosine ? normalized(queries_in) : queries_in;
  const faiss::MetricType mt = metric == Metric::kL2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT;
  const auto d = static_cast<FaissId>(base.dim);
  const auto n = static_cast<FaissId>(base.rows);
  faiss::IndexFlat quantizer(d, mt);
  std::unique_ptr<faiss::Index> index;
  AnchorRun run{name, "", 0, 0, {}};
  if (name == "faiss-flat") {
    index = std::make_unique<faiss::IndexFlat>(d, mt);
  } else if (name == "faiss-ivfflat") {
    index = std::make_unique<faiss::IndexIVFFlat>(&quantizer, d, p.ivf_lists, mt);
    run.params = "lists=" + std::to_string(p.ivf_lists);
  } else {
    index = std::make_unique<faiss::IndexIVFPQ>(&quantizer, d, p.ivf_lists, p.pq_m, p.pq_nbits, mt);
    run.params = "lists=" + std::to_string(p.ivf_lists) + " m=" + std::to_string(p.pq_m) + " nbits=" + std::to_string(p.pq_nbits);
    if (name == "faiss-ivfpq-rerank") run.params += " rerank=" + std::to_string(p.pq_rerank);
  }
  const auto start = Clock::now();
  index->train(n, base.data.data());
  index->add(n, base.data.data());
  run.build_seconds = seconds_since(start);
  run.size_bytes = faiss_size(*index);
  // faiss-ivfpq-rerank: the best pq_rerank codes, then exact distances to the stored vectors.
  const size_t candidates = name == "faiss-ivfpq-rerank" ? std::max(k, static_cast<size_t>(p.pq_rerank)) : k;
  auto search = [&](size_t q) {
    std::vector<float> dist(candidates);
    std::vector<FaissId> ids(candidates);
    index->search(1, queries.row(q), static_cast<FaissId>(candidates), dist.data(), ids.data());
    std::vector<std::pair<float, int32_t>> found;
    for (FaissId id : ids) {
      if (id < 0) continue;
      float exact = 0;  // keeps FAISS's order when nothing is re-ranked
      if (candidates > k) {
        const float* row = base.row(static_cast<size_t>(id));
        exact = mt == faiss::METRIC_L2 ? faiss::fvec_L2sqr(queries.row(q), row, base.dim)
                                       : -faiss::fvec_inner_product(queries.row(q), row, base.dim);
      }
      found.push_back({exact, static_cast<int32_t>(id)});
    }
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<int32_t> out;
    for (size_t i = 0; i < found.size() && i < k; ++i) out.push_back(found[i].second);
    return out;
  };
  if (name == "faiss-flat") {
    run.points.push_back(timed_queries("exact", nq, search));
    return run;
  }
  auto* ivf = dynamic_cast<faiss::IndexIVF*>(index.get());
  for (int probes : p.ivf_probes) {
    ivf->nprobe = static_cast<size_t>(probes);
    run.points.push_back(timed_queries("probes=" + std::to_string(probes), nq, search));
  }
  return run;
}
#endif


}  // namespace vectorx::bench::external
