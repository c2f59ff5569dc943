// In-process speed limits measured in the same run as the SQL side: the project's own kernel
// scan always, and hnswlib / FAISS when they were found at build time. For comparison only:
// nothing here is linked into the extension.
#pragma once

#include <string>
#include <vector>

#include "dataset.h"
#include "metric.h"

namespace vectorx::bench {

struct AnchorParams {
  int hnsw_m = 16;
  int hnsw_ef_construction = 64;
  int build_threads = 1;  // the vectorx anchors (hnswlib and FAISS build on one thread)
  std::vector<int> hnsw_ef = {10, 20, 40, 80, 160};
  int ivf_lists = 100;
  std::vector<int> ivf_probes = {1, 2, 4, 8, 16};
  int pq_m = 16;
  int pq_nbits = 8;
  int pq_rerank = 100;  // faiss-ivfpq-rerank and vectorx-ivfpq: candidates re-ranked by exact distance
};

struct AnchorPoint {
  std::string setting;                    // e.g. "ef=40"
  std::vector<std::vector<int32_t>> ids;  // per query
  std::vector<double> latencies_ms;
  double seconds = 0;
};

struct AnchorRun {
  std::string system;  // e.g. "hnswlib", "faiss-ivfpq"
  std::string params;  // e.g. "m=16 ef_construction=64"
  double build_seconds = 0;
  long long size_bytes = 0;
  std::vector<AnchorPoint> points;
};

// Anchor names this build can run: "kernel-scan", "vectorx-hnsw", "vectorx-ivfflat" and
// "vectorx-ivfpq" (the project's kernels, HNSW algorithm and IVF indexes in process), then "hnswlib", "faiss-flat", "faiss-ivfflat", "faiss-ivfpq" where
// available.
std::vector<std::string> available_anchors();

// Builds the anchor over `base` (one thread) and runs the first nq queries at each setting.
AnchorRun run_anchor(const std::string& name, const AnchorParams& params, const Matrix<float>& base,
                     const Matrix<float>& queries, size_t nq, size_t k, Metric metric);

}  // namespace vectorx::bench
