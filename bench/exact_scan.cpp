// In-process exact top-k: the same L2 kernel the extension uses, scanning the same vectors in
// one thread — the speed limit the SQL exact search is compared against. Optionally writes
// the vectors as COPY text files so the SQL side scans exactly the same data.
//   vectorx_exact_scan <base> <queries> [--queries N] [--k K] [--export DIR]
// base/queries: any format vectorx-bench reads (dataset.h).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "dataset.h"
#include "ground_truth.h"
#include "vectorx/kernels.h"
#include "vectorx/text_codec.h"

using vectorx::bench::Matrix;
using vectorx::bench::Metric;

namespace {

// One line per vector, "id<TAB>[..]", for COPY ... FROM.
void export_copy_text(const Matrix<float>& m, const std::string& path) {
  std::ofstream out(path);
  std::string text(vectorx::dense_text_capacity(m.dim), '\0');
  for (size_t i = 0; i < m.rows; ++i) {
    const size_t len = vectorx::format_dense(m.row(i), m.dim, text.data());
    out << i << '\t';
    out.write(text.data(), static_cast<std::streamsize>(len));
    out << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s BASE QUERIES [--queries N] [--k K] [--export DIR]\n", argv[0]);
    return 2;
  }
  size_t nq = 100, k = 10;
  std::string export_dir;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string opt = argv[i];
    if (opt == "--queries") nq = std::stoul(argv[i + 1]);
    else if (opt == "--k") k = std::stoul(argv[i + 1]);
    else if (opt == "--export") export_dir = argv[i + 1];
  }
  try {
    const Matrix<float> base = vectorx::bench::read_vectors(argv[1]);
    const Matrix<float> queries = vectorx::bench::read_vectors(argv[2]);
    nq = std::min(nq, queries.rows);
    if (!export_dir.empty()) {
      export_copy_text(base, export_dir + "/base.tsv");
      export_copy_text(queries, export_dir + "/queries.tsv");
    }
    size_t checksum = 0;
    vectorx::bench::nearest(base, queries.row(0), k, Metric::kL2);  // warm the caches
    const auto start = std::chrono::steady_clock::now();
    for (size_t q = 0; q < nq; ++q) checksum += static_cast<size_t>(vectorx::bench::nearest(base, queries.row(q), k, Metric::kL2).front());
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("in-process exact top-%zu: %zu x %zu dims, %zu queries, kernels=%s: %.1f queries/s (checksum %zu)\n",
                k, base.rows, base.dim, nq, vectorx::simd_level_name(vectorx::active_simd_level()),
                nq / secs, checksum);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
