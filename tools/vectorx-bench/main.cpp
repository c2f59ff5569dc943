// vectorx-bench: recall, speed, build time and size of vectorx on real data, measured in one
// run against in-process anchors. See `vectorx-bench --help`.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "anchors.h"
#include "cpu_waker.h"
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
  --warm-up all|one       untimed queries per connection first (default all: a fresh backend
                          page-faults on each shared buffer it first touches; pooled ones did long ago)
  --keep-cpus-awake       spin a nice-19 thread on every CPU during the query sweeps, so that idle vCPUs
                          do not halt between round trips (cpu_waker.h: in a VM that adds ~100 µs a query)
  --query-from-table      load the queries into <table>_queries and pick each by id in a subquery
  --query-sql "SQL"       the query to time instead of the top-k on --table: {table}, {k} and {q}
                          (the query vector) are replaced; its first column is the row id
  --insert-fraction F     load 1-F of the base, then time inserting the rest (after --index)
  --insert-batches 1,100  rows per INSERT for those inserts   --insert-clients 1,2 (1)
                          (the rows are split evenly over every batches × clients run)
Against another database, in the same run (e.g. pgvector beside vectorx):
  --versus-conninfo STR   its server and database; the same data is loaded, indexed, inserted
  --versus-extension vector|vectorx (default vector)   --versus-table NAME (default --table)
  --versus-index "CREATE INDEX …"   --versus-sweep name=v1,v2,…
  --rounds N              alternate the two sweeps N times (default 1; loads and builds once)
  --ratio-at 0.95,0.99    recalls at which q/s are interpolated and compared, round by round
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
  std::string versus_conninfo, versus_table, versus_index, versus_sweep;
  std::string versus_extension = "vector";
  int rounds = 1;
  std::vector<double> ratio_at = {0.95, 0.99};
  size_t k = 10, queries_limit = 1000, batch_size = 10000;
  std::vector<int> clients = {1}, insert_batches = {1, 100}, insert_clients = {1};
  int repeat = 1;
  bool warm_up_all = true;
  double insert_fraction = 0, expect_recall = -1;
  bool reload = false;
  bool query_from_table = false;
  bool keep_cpus_awake = false;
  std::vector<std::string> anchors;
  AnchorParams anchor;
};

std::vector<std::string> string_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

// A comma list of numbers, each read by `number` (std::stoi, std::stod).
template <class Number>
std::vector<Number> number_list(const std::string& s, Number (*number)(const std::string&, size_t*)) {
  std::vector<Number> out;
  for (const std::string& item : string_list(s)) out.push_back(number(item, nullptr));
  return out;
}

std::vector<int> int_list(const std::string& s) {
  return number_list<int>(s, [](const std::string& x, size_t* end) { return std::stoi(x, end); });
}
std::vector<double> double_list(const std::string& s) {
  return number_list<double>(s, [](const std::string& x, size_t* end) { return std::stod(x, end); });
}

Options parse(int argc, char** argv) {
  Options o;
  std::map<std::string, std::string*> strings = {
      {"--dataset", &o.dataset}, {"--data-dir", &o.data_dir}, {"--base", &o.base}, {"--queries", &o.queries},
      {"--groundtruth", &o.groundtruth}, {"--cache-dir", &o.cache_dir}, {"--conninfo", &o.conninfo},
      {"--table", &o.table}, {"--extension", &o.extension}, {"--storage", &o.storage}, {"--index", &o.index_sql}, {"--sweep", &o.sweep},
      {"--query-sql", &o.query_sql}, {"--versus-conninfo", &o.versus_conninfo}, {"--versus-table", &o.versus_table},
      {"--versus-extension", &o.versus_extension}, {"--versus-index", &o.versus_index}, {"--versus-sweep", &o.versus_sweep},
      {"--json", &o.json}, {"--plot", &o.plot}, {"--metric", &o.metric}};
  const std::map<std::string, bool*> flags = {
      {"--reload", &o.reload}, {"--query-from-table", &o.query_from_table}, {"--keep-cpus-awake", &o.keep_cpus_awake}};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (auto it = flags.find(arg); it != flags.end()) {
      *it->second = true;
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
    else if (arg == "--warm-up" && (v == "all" || v == "one")) o.warm_up_all = v == "all";
    else if (arg == "--rounds") o.rounds = std::max(1, std::stoi(v));
    else if (arg == "--ratio-at") o.ratio_at = double_list(v);
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
  if (o.versus_table.empty()) o.versus_table = o.table;
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

// A database measured: the system under test, or the one it is compared with (--versus-*).
struct Side {
  Target target;
  std::string index_sql, sweep;
  std::string system;  // its label in the report: the extension, pgvector's by its project name
};

std::string system_label(const std::string& extension) { return extension == "vector" ? "pgvector" : extension; }

Side main_side(const Options& o, Metric metric) {
  return {{o.conninfo, o.table, metric, o.query_from_table ? o.table + "_queries" : "", o.extension, o.query_sql},
          o.index_sql, o.sweep, system_label(o.extension)};
}

Side versus_side(const Options& o, Metric metric) {
  Side side{{o.versus_conninfo, o.versus_table, metric, o.query_from_table ? o.versus_table + "_queries" : "",
             o.versus_extension, o.query_sql},
            o.versus_index, o.versus_sweep, system_label(o.versus_extension)};
  if (side.system == system_label(o.extension)) side.system += " (versus)";
  return side;
}

// Rows per second of each insert run, in --insert-batches × --insert-clients order.
using InsertRates = std::vector<double>;

// What comes before a side's searches: the table loaded when needed, the index built, the
// inserts timed. Returns the index's name for the report ("exact" without one).
std::string prepare(const Options& o, const Side& side, const Matrix<float>& base, const Matrix<float>& queries,
                    Report& report, InsertRates& inserts) {
  const Target& target = side.target;
  check_server(target);
  if (o.query_from_table) load_query_table(target, queries);
  const size_t initial = static_cast<size_t>(static_cast<double>(base.rows) * (1.0 - o.insert_fraction));
  if (o.reload || o.insert_fraction > 0 || table_rows(target) != static_cast<long long>(base.rows)) {
    const double rate = load_table(target, base, initial, o.batch_size, o.storage);
    report.add_event("load", {{"table", json_string(target.table)}, {"rows", json_number(static_cast<double>(initial))},
                              {"batch_size", json_number(static_cast<double>(o.batch_size))}, {"rows_per_s", json_number(rate)}}, std::cout);
  }
  std::string index_label = "exact";
  if (!side.index_sql.empty()) {
    drop_indexes(target);
    const BuildResult b = build_index(target, side.index_sql);
    index_label = b.index_name;
    report.add_event("build", {{"system", json_string(side.system)}, {"index", json_string(b.index_name)}, {"sql", json_string(side.index_sql)},
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
      inserts.push_back(rate);
      report.add_event("insert", {{"system", json_string(side.system)}, {"rows", json_number(static_cast<double>(to - from))},
                                  {"rows_per_insert", json_number(batch)}, {"clients", json_number(clients)}, {"rows_per_s", json_number(rate)},
                                  {"index_size_bytes", json_number(static_cast<double>(newest_index(target).size_bytes))}},
                       std::cout);
      from = to;
    }
  }
  return index_label;
}

// One pass over a side's sweep (× --clients); its results, also added to the report.
std::vector<SweepPoint> sweep(const Options& o, const Side& side, const std::string& index_label,
                              const Matrix<float>& queries, const Matrix<int32_t>& truth, Report& report) {
  std::vector<SweepPoint> points;
  for (const std::string& setting : sweep_settings(side.sweep))
    for (int clients : o.clients) {
      const QueryRun run = run_queries(side.target, queries, queries.rows, o.k, setting, clients, o.repeat, o.warm_up_all);
      SearchResult r = summarize(side.system, index_label, setting, clients, o.k, run.ids, run.latencies_ms, run.seconds, truth);
      r.plan = run.plan;
      report.add_search(r);
      points.push_back({r.recall, r.qps});
      std::cout << "search: " << side.system << " " << index_label << " " << (setting.empty() ? "" : setting + " ") << "clients=" << clients
                << " recall=" << r.recall << " qps=" << r.qps << " (" << run.plan << ")\n";
    }
  return points;
}

std::string json_list(const std::vector<double>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + json_number(values[i]);
  return out + "]";
}

// The ratios of the main side's measurements to the other's, round by round, with their
// median and range (rounds where a sweep does not reach a recall are left out).
void report_ratios(const Options& o, const Side& mine, const Side& theirs, const std::vector<std::vector<SweepPoint>>& my_rounds,
                   const std::vector<std::vector<SweepPoint>>& their_rounds, const InsertRates& my_inserts,
                   const InsertRates& their_inserts, Report& report) {
  const std::string label = mine.system + " / " + theirs.system;
  for (double recall : o.ratio_at) {
    std::vector<double> ratios;
    for (size_t r = 0; r < my_rounds.size(); ++r) {
      const double a = qps_at_recall(my_rounds[r], recall), b = qps_at_recall(their_rounds[r], recall);
      if (a == a && b == b && b > 0) ratios.push_back(a / b);
    }
    if (ratios.empty()) {
      std::cout << "ratio: " << label << " q/s at recall " << recall << ": a sweep does not reach it\n";
      continue;
    }
    report.add_event("qps_ratio", {{"systems", json_string(label)}, {"recall", json_number(recall)}, {"rounds", json_list(ratios)},
                                   {"median", json_number(percentile(ratios, 50))},
                                   {"min", json_number(*std::min_element(ratios.begin(), ratios.end()))},
                                   {"max", json_number(*std::max_element(ratios.begin(), ratios.end()))}},
                     std::cout);
  }
  for (size_t i = 0; i < my_inserts.size() && i < their_inserts.size(); ++i)
    report.add_event("insert_ratio", {{"systems", json_string(label)},
                                      {"rows_per_insert", json_number(o.insert_batches[i / o.insert_clients.size()])},
                                      {"clients", json_number(o.insert_clients[i % o.insert_clients.size()])},
                                      {"ratio", json_number(my_inserts[i] / their_inserts[i])}},
                     std::cout);
}

// The main side, and the other one when given, swept alternately for --rounds rounds.
void run_sql(const Options& o, const Matrix<float>& base, const Matrix<float>& queries,
             const Matrix<int32_t>& truth, Metric metric, Report& report) {
  const Side mine = main_side(o, metric);
  const bool versus = !o.versus_conninfo.empty();
  const Side theirs = versus_side(o, metric);
  InsertRates my_inserts, their_inserts;
  const std::string my_index = prepare(o, mine, base, queries, report, my_inserts);
  const std::string their_index = versus ? prepare(o, theirs, base, queries, report, their_inserts) : "";
  std::vector<std::vector<SweepPoint>> my_rounds, their_rounds;
  if (o.keep_cpus_awake) report.add_event("cpus_kept_awake", {{"threads", json_number(std::thread::hardware_concurrency())}}, std::cout);
  const CpuWaker waker(o.keep_cpus_awake);  // for the query sweeps only: it slowed inserts 2-3× here
  for (int round = 0; round < o.rounds; ++round) {
    my_rounds.push_back(sweep(o, mine, my_index, queries, truth, report));
    if (versus) their_rounds.push_back(sweep(o, theirs, their_index, queries, truth, report));
  }
  if (versus) report_ratios(o, mine, theirs, my_rounds, their_rounds, my_inserts, their_inserts, report);
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
      if (r.system == system_label(o.extension) && r.recall < o.expect_recall) {
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
