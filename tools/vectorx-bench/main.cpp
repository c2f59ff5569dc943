// vectorx-bench: recall, speed, build time and size of vectorx on real data, measured in one
// run against in-process anchors. See `vectorx-bench --help`.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "anchors.h"
#include "ground_truth.h"
#include "pg_client.h"
#include "report.h"
#include "stats.h"
#include "vectorx/kernels.h"

namespace vectorx::bench {
namespace {

const char* kUsage = R"(usage: vectorx-bench [options]
Data (a preset or files):
  --dataset siftsmall|fashion-mnist   presets; siftsmall is read from --data-dir
  --data-dir DIR          folder holding siftsmall/ (default ../shared/datasets)
  --base FILE --queries FILE [--groundtruth FILE]   .fvecs .bvecs .npy or idx(.gz)
  --metric l2|ip|cosine   (default l2)   --k N (default 10)   --queries-limit N (default 1000)
  --cache-dir DIR         ground-truth cache when the data folder is read-only
PostgreSQL (libpq connection string or PG* environment):
  --conninfo STR  --table NAME (default vxb_<dataset>)  --reload  --batch-size N (COPY rows, 10000)
  --extension vectorx|vector   the database's extension (default vectorx; "vector": pgvector, as an anchor)
  --storage plain|main|external   column storage when loading (default: the type's, external)
  --index "CREATE INDEX ON {table} USING …"   build it (after dropping the table's indexes)
  --sweep name=v1,v2,…    e.g. hnsw.ef_search=10,20,40,80,160
  --clients 1,2           concurrent connections   --repeat N (passes over the queries, 1)
  --query-from-table      load the queries into <table>_queries and pick each by id in a subquery
  --query-sql "SQL"       the query to time instead of the top-k on --table: {table}, {k} and {q}
                          (the query vector) are replaced; its first column is the row id
  --insert-fraction F     load 1-F of the base, then time inserting the rest (after --index)
  --insert-batches 1,100  rows per INSERT for those inserts   --insert-clients 1,2 (1)
                          (the rows are split evenly over every batches × clients run)
In-process anchors:
  --anchors a,b           any of: kernel-scan vectorx-hnsw vectorx-ivfflat vectorx-ivfpq hnswlib faiss-flat faiss-ivfflat
                          faiss-ivfpq faiss-ivfpq-rerank (IVFPQ, then exact distances of --pq-rerank candidates; vectorx-ivfpq
                          runs with and without that re-rank), or all
  --hnsw-m 16 --hnsw-ef-construction 64 --hnsw-ef 10,20,40,80,160 --build-threads N (vectorx-hnsw, vectorx-ivf*)
  --ivf-lists 100 --ivf-probes 1,2,4,8,16 --pq-m 16 --pq-nbits 8 --pq-rerank 100
Output:
  --json FILE (appends JSON lines)   --plot FILE.png|.svg   --expect-recall X (exit 1 below X)
)";

struct Options {
  std::string dataset, data_dir = "../shared/datasets", base, queries, groundtruth;
  std::string cache_dir, conninfo, table, storage, index_sql, sweep, json, plot, query_sql;
  std::string metric = "l2";
  std::string extension = "vectorx";
  size_t k = 10, queries_limit = 1000, batch_size = 10000;
  std::vector<int> clients = {1}, insert_batches = {1, 100}, insert_clients = {1};
  int repeat = 1;
  double insert_fraction = 0, expect_recall = -1;
  bool reload = false;
  bool query_from_table = false;
  std::vector<std::string> anchors;
  AnchorParams anchor;
};

std::vector<int> int_list(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoi(item));
  return out;
}

std::vector<std::string> string_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  std::map<std::string, std::string*> strings = {
      {"--dataset", &o.dataset}, {"--data-dir", &o.data_dir}, {"--base", &o.base}, {"--queries", &o.queries},
      {"--groundtruth", &o.groundtruth}, {"--cache-dir", &o.cache_dir}, {"--conninfo", &o.conninfo},
      {"--table", &o.table}, {"--extension", &o.extension}, {"--storage", &o.storage}, {"--index", &o.index_sql}, {"--sweep", &o.sweep},
      {"--query-sql", &o.query_sql},
      {"--json", &o.json}, {"--plot", &o.plot}, {"--metric", &o.metric}};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (arg == "--reload" || arg == "--query-from-table") {
      (arg == "--reload" ? o.reload : o.query_from_table) = true;
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument("missing value for " + arg);
    const std::string v = argv[++i];
    if (auto it = strings.find(arg); it != strings.end()) *it->second = v;
    else if (arg == "--k") o.k = std::stoul(v);
    else if (arg == "--queries-limit") o.queries_limit = std::stoul(v);
    else if (arg == "--batch-size") o.batch_size = std::stoul(v);
    else if (arg == "--clients") o.clients = int_list(v);
    else if (arg == "--repeat") o.repeat = std::stoi(v);
    else if (arg == "--insert-fraction") o.insert_fraction = std::stod(v);
    else if (arg == "--insert-batches") o.insert_batches = int_list(v);
    else if (arg == "--insert-clients") o.insert_clients = int_list(v);
    else if (arg == "--expect-recall") o.expect_recall = std::stod(v);
    else if (arg == "--anchors") o.anchors = v == "all" ? available_anchors() : string_list(v);
    else if (arg == "--hnsw-m") o.anchor.hnsw_m = std::stoi(v);
    else if (arg == "--hnsw-ef-construction") o.anchor.hnsw_ef_construction = std::stoi(v);
    else if (arg == "--hnsw-ef") o.anchor.hnsw_ef = int_list(v);
    else if (arg == "--build-threads") o.anchor.build_threads = std::stoi(v);
    else if (arg == "--ivf-lists") o.anchor.ivf_lists = std::stoi(v);
    else if (arg == "--ivf-probes") o.anchor.ivf_probes = int_list(v);
    else if (arg == "--pq-m") o.anchor.pq_m = std::stoi(v);
    else if (arg == "--pq-nbits") o.anchor.pq_nbits = std::stoi(v);
    else if (arg == "--pq-rerank") o.anchor.pq_rerank = std::stoi(v);
    else throw std::invalid_argument("unknown option " + arg + " (see --help)");
  }
  if (o.dataset == "siftsmall") {
    const std::string dir = o.data_dir + "/siftsmall/";
    o.base = dir + "base.fvecs";
    o.queries = dir + "query.fvecs";
    o.groundtruth = dir + "groundtruth.ivecs";
  } else if (o.dataset == "fashion-mnist") {
    const std::string dir = "/usr/share/datasets/fashion-mnist/";
    o.base = dir + "train-images-idx3-ubyte.gz";
    o.queries = dir + "t10k-images-idx3-ubyte.gz";
  } else if (!o.dataset.empty()) {
    throw std::invalid_argument("unknown dataset " + o.dataset + " (siftsmall, fashion-mnist)");
  }
  if (o.base.empty() || o.queries.empty()) throw std::invalid_argument("give --dataset or --base and --queries (see --help)");
  if (o.dataset.empty()) o.dataset = "custom";
  if (o.table.empty()) {
    o.table = "vxb_" + o.dataset;
    std::replace(o.table.begin(), o.table.end(), '-', '_');
  }
  if (o.cache_dir.empty()) {
    const char* home = std::getenv("HOME");
    o.cache_dir = std::string(home ? home : "/tmp") + "/.cache/vectorx-bench";
  }
  return o;
}

// "name=v1,v2" -> {"name=v1", "name=v2"}; empty -> {""} (one run, no setting).
std::vector<std::string> sweep_settings(const std::string& sweep) {
  if (sweep.empty()) return {""};
  const size_t eq = sweep.find('=');
  if (eq == std::string::npos) throw std::invalid_argument("--sweep must be name=v1,v2,…");
  std::vector<std::string> out;
  for (const std::string& v : string_list(sweep.substr(eq + 1))) out.push_back(sweep.substr(0, eq + 1) + v);
  return out;
}

SearchResult summarize(const std::string& system, const std::string& index, const std::string& setting,
                       int clients, size_t k, const std::vector<std::vector<int32_t>>& ids,
                       const std::vector<double>& latencies, double seconds, const Matrix<int32_t>& truth) {
  SearchResult r;
  r.system = system;
  r.index = index;
  r.setting = setting;
  r.clients = clients;
  r.k = k;
  r.queries = ids.size();
  r.recall = recall_at_k(ids, truth, k);
  r.qps = static_cast<double>(latencies.size()) / seconds;
  r.p50_ms = percentile(latencies, 50);
  r.p95_ms = percentile(latencies, 95);
  r.p99_ms = percentile(latencies, 99);
  return r;
}

Matrix<float> first_rows(const Matrix<float>& m, size_t n) {
  Matrix<float> out{std::min(n, m.rows), m.dim, {}};
  out.data.assign(m.data.begin(), m.data.begin() + static_cast<std::ptrdiff_t>(out.rows * m.dim));
  return out;
}

Matrix<int32_t> ground_truth(const Options& o, const Matrix<float>& base, const Matrix<float>& queries,
                             Metric metric, Report& report) {
  if (!o.groundtruth.empty() && metric == Metric::kL2) {
    Matrix<int32_t> given = read_ivecs(o.groundtruth);
    if (given.rows >= queries.rows && given.dim >= o.k) {
      given.rows = queries.rows;
      given.data.resize(given.rows * given.dim);
      const size_t sample = std::min<size_t>(20, queries.rows);
      const size_t bad = check_ground_truth(given, base, queries, sample, o.k, metric);
      report.add_event("ground_truth", {{"file", json_string(o.groundtruth)}, {"checked_queries", json_number(static_cast<double>(sample))},
                                        {"mismatches", json_number(static_cast<double>(bad))}}, std::cout);
      if (bad > 0) throw std::runtime_error(o.groundtruth + " disagrees with brute force on " + std::to_string(bad) + " sampled queries");
      return given;
    }
  }
  return cached_ground_truth(o.base, o.queries + "-q" + std::to_string(queries.rows), base, queries,
                             std::max<size_t>(o.k, 100), metric, o.cache_dir, std::cout);
}

// How the SQL side's results are labelled: the extension, pgvector's by its project name.
std::string sql_system(const Options& o) { return o.extension == "vector" ? "pgvector" : o.extension; }

void run_sql(const Options& o, const Matrix<float>& base, const Matrix<float>& queries,
             const Matrix<int32_t>& truth, Metric metric, Report& report) {
  const Target target{o.conninfo, o.table, metric, o.query_from_table ? o.table + "_queries" : "", o.extension, o.query_sql};
  const std::string system = sql_system(o);
  check_server(target);
  if (o.query_from_table) load_query_table(target, queries);
  const size_t initial = static_cast<size_t>(static_cast<double>(base.rows) * (1.0 - o.insert_fraction));
  if (o.reload || o.insert_fraction > 0 || table_rows(target) != static_cast<long long>(base.rows)) {
    const double rate = load_table(target, base, initial, o.batch_size, o.storage);
    report.add_event("load", {{"table", json_string(o.table)}, {"rows", json_number(static_cast<double>(initial))},
                              {"batch_size", json_number(static_cast<double>(o.batch_size))}, {"rows_per_s", json_number(rate)}}, std::cout);
  }
  std::string index_label = "exact";
  if (!o.index_sql.empty()) {
    drop_indexes(target);
    const BuildResult b = build_index(target, o.index_sql);
    index_label = b.index_name;
    report.add_event("build", {{"index", json_string(b.index_name)}, {"sql", json_string(o.index_sql)},
                               {"seconds", json_number(b.seconds)}, {"size_bytes", json_number(static_cast<double>(b.size_bytes))},
                               {"vector_bytes", json_number(static_cast<double>(base.data.size() * sizeof(float)))}}, std::cout);
  }
  if (initial < base.rows) {
    const size_t runs = o.insert_batches.size() * o.insert_clients.size();
    const size_t rows_per_run = (base.rows - initial) / runs;
    size_t from = initial;
    for (size_t i = 0; i < runs; ++i) {
      const int batch = o.insert_batches[i / o.insert_clients.size()], clients = o.insert_clients[i % o.insert_clients.size()];
      const size_t to = i + 1 == runs ? base.rows : from + rows_per_run;
      const double rate = insert_rows(target, base, from, to, static_cast<size_t>(batch), clients);
      report.add_event("insert", {{"rows", json_number(static_cast<double>(to - from))}, {"rows_per_insert", json_number(batch)},
                                  {"clients", json_number(clients)}, {"rows_per_s", json_number(rate)},
                                  {"index_size_bytes", json_number(static_cast<double>(newest_index(target).size_bytes))}},
                       std::cout);
      from = to;
    }
  }
  for (const std::string& setting : sweep_settings(o.sweep))
    for (int clients : o.clients) {
      const QueryRun run = run_queries(target, queries, queries.rows, o.k, setting, clients, o.repeat);
      SearchResult r = summarize(system, index_label, setting, clients, o.k, run.ids, run.latencies_ms, run.seconds, truth);
      r.plan = run.plan;
      report.add_search(r);
      std::cout << "search: " << system << " " << index_label << " " << (setting.empty() ? "" : setting + " ") << "clients=" << clients
                << " recall=" << r.recall << " qps=" << r.qps << " (" << run.plan << ")\n";
    }
}

void run_anchors(const Options& o, const Matrix<float>& base, const Matrix<float>& queries,
                 const Matrix<int32_t>& truth, Metric metric, Report& report) {
  for (const std::string& name : o.anchors) {
    std::cout << "anchor: " << name << " …\n";
    const AnchorRun run = run_anchor(name, o.anchor, base, queries, queries.rows, o.k, metric);
    if (run.build_seconds > 0)
      report.add_event("build", {{"index", json_string(run.params.empty() ? run.system : run.system + " " + run.params)}, {"seconds", json_number(run.build_seconds)},
                                 {"size_bytes", json_number(static_cast<double>(run.size_bytes))}}, std::cout);
    for (const AnchorPoint& p : run.points)
      report.add_search(summarize(run.system, run.params.empty() ? "exact" : run.params, p.setting, 1, o.k, p.ids,
                                  p.latencies_ms, p.seconds, truth));
  }
}

int run(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const Metric metric = parse_metric(o.metric);
  const Matrix<float> base = read_vectors(o.base);
  const Matrix<float> queries = first_rows(read_vectors(o.queries), o.queries_limit);
  if (queries.dim != base.dim) throw std::runtime_error("queries and base have different dimensions");
  std::cout << o.dataset << ": " << base.rows << " x " << base.dim << " base, " << queries.rows << " queries, metric "
            << metric_name(metric) << ", kernels " << simd_level_name(active_simd_level()) << "\n";
  Report report(o.dataset);
  const Matrix<int32_t> truth = ground_truth(o, base, queries, metric, report);
  if (o.insert_fraction < 0 || o.insert_fraction >= 1) throw std::invalid_argument("--insert-fraction must be in [0, 1)");
  run_sql(o, base, queries, truth, metric, report);
  run_anchors(o, base, queries, truth, metric, report);
  report.print_table(std::cout);
  if (!o.json.empty()) report.write_json(o.json);
  if (!o.plot.empty()) std::cout << (report.write_plot(o.plot) ? "plot: " + o.plot : "plot: gnuplot failed, no plot written") << "\n";
  if (o.expect_recall >= 0)
    for (const SearchResult& r : report.searches())
      if (r.system == sql_system(o) && r.recall < o.expect_recall) {
        std::cerr << "FAIL: recall " << r.recall << " below the expected " << o.expect_recall << "\n";
        return 1;
      }
  return 0;
}

}  // namespace
}  // namespace vectorx::bench

int main(int argc, char** argv) {
  try {
    return vectorx::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "vectorx-bench: " << e.what() << "\n";
    return 2;
  }
}
