// Brute-force ground truth (see ground_truth.h).
#include "ground_truth.h"

#include "top_k.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <thread>
#include <unistd.h>

namespace vectorx::bench {
namespace fs = std::filesystem;

std::vector<int32_t> nearest(const Matrix<float>& base, const float* query, size_t k, Metric metric) {
  TopK<int32_t> best(k);
  for (size_t i = 0; i < base.rows; ++i) best.push(distance(metric, base.row(i), query, base.dim), static_cast<int32_t>(i));
  std::vector<int32_t> ids;
  for (const auto& e : best.take_sorted()) ids.push_back(e.second);
  return ids;
}

Matrix<int32_t> exact_neighbors(const Matrix<float>& base, const Matrix<float>& queries, size_t k,
                                Metric metric, unsigned threads) {
  k = std::min(k, base.rows);
  Matrix<int32_t> out;
  out.rows = queries.rows;
  out.dim = k;
  out.data.resize(out.rows * k);
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (size_t q = t; q < queries.rows; q += threads) {
        const std::vector<int32_t> ids = nearest(base, queries.row(q), k, metric);
        std::copy(ids.begin(), ids.end(), out.row(q));
      }
    });
  for (auto& th : pool) th.join();
  return out;
}

namespace {

std::string cache_name(const std::string& base_path, const std::string& queries_path, size_t k,
                       Metric metric) {
  return "gt-" + fs::path(base_path).filename().string() + "-" +
         fs::path(queries_path).filename().string() + "-" + metric_name(metric) + "-k" +
         std::to_string(k) + ".ivecs";
}

}  // namespace

Matrix<int32_t> cached_ground_truth(const std::string& base_path, const std::string& queries_path,
                                    const Matrix<float>& base, const Matrix<float>& queries, size_t k,
                                    Metric metric, const std::string& cache_dir, std::ostream& log) {
  const std::string name = cache_name(base_path, queries_path, k, metric);
  const fs::path data_dir = fs::absolute(base_path).parent_path();
  const fs::path dir = access(data_dir.c_str(), W_OK) == 0 ? data_dir : fs::path(cache_dir);
  const fs::path path = dir / name;
  if (fs::exists(path)) {
    Matrix<int32_t> cached = read_ivecs(path.string());
    if (cached.rows == queries.rows && cached.dim == std::min(k, base.rows)) {
      log << "ground truth: cached " << path.string() << "\n";
      return cached;
    }
  }
  log << "ground truth: computing top-" << k << " for " << queries.rows << " queries by brute force\n";
  Matrix<int32_t> truth = exact_neighbors(base, queries, k, metric);
  fs::create_directories(dir);
  write_ivecs(path.string(), truth);
  log << "ground truth: cached in " << path.string() << "\n";
  return truth;
}

size_t check_ground_truth(const Matrix<int32_t>& truth, const Matrix<float>& base,
                          const Matrix<float>& queries, size_t sample, size_t k, Metric metric) {
  k = std::min(k, truth.dim);
  sample = std::min(sample, queries.rows);
  size_t differing = 0;
  for (size_t s = 0; s < sample; ++s) {
    const size_t q = s * queries.rows / sample;
    const std::vector<int32_t> ours = nearest(base, queries.row(q), k, metric);
    for (size_t r = 0; r < k; ++r) {
      const int32_t given = truth.row(q)[r];
      if (given < 0 || static_cast<size_t>(given) >= base.rows) {
        ++differing;
        break;
      }
      const float d_given = distance(metric, base.row(static_cast<size_t>(given)), queries.row(q), base.dim);
      const float d_ours = distance(metric, base.row(static_cast<size_t>(ours[r])), queries.row(q), base.dim);
      if (std::fabs(d_given - d_ours) > 1e-4f * std::max(1.0f, std::fabs(d_ours))) {
        ++differing;
        break;
      }
    }
  }
  return differing;
}

}  // namespace vectorx::bench
