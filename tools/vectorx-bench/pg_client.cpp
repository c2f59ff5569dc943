// PostgreSQL side of the benchmark (see pg_client.h).
//
// Queries and inserts go through libpqxx with prepared statements, one connection per client
// thread. Loading uses libpq directly because libpqxx 6 has no binary COPY. Vectors travel in
// pgvector's binary format in COPY and queries, and as text ("[..]", shortest round-trip floats)
// in INSERTs.
#include "pg_client.h"

#include <libpq-fe.h>

#include <arpa/inet.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <thread>
#include <pqxx/pqxx>

#include "progress.h"
#include "vectorx/text_codec.h"

namespace vectorx::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::string vector_text(const float* v, size_t dim) {
  std::string s(dense_text_capacity(dim), '\0');
  s.resize(format_dense(v, dim, s.data()));
  return s;
}

std::string with_table(std::string sql, const std::string& table) {
  for (size_t pos; (pos = sql.find("{table}")) != std::string::npos;) sql.replace(pos, 7, table);
  return sql;
}

// Applies "name=value" to the session (no-op when empty).
void apply_setting(pqxx::connection& conn, const std::string& setting) {
  if (setting.empty()) return;
  const size_t eq = setting.find('=');
  if (eq == std::string::npos) throw std::invalid_argument("setting must be name=value: " + setting);
  pqxx::nontransaction tx(conn);
  tx.exec_params("SELECT set_config($1, $2, false)", setting.substr(0, eq), setting.substr(eq + 1));
}

std::string top_k_sql(const Target& t, size_t k, const std::string& query_vector) {
  std::string sql = t.query_sql;
  if (sql.empty()) sql = std::string("SELECT id FROM {table} ORDER BY embedding ") + sql_operator(t.metric) + " {q} LIMIT {k}";
  const std::pair<std::string, std::string> fills[] = {{"{table}", t.table}, {"{k}", std::to_string(k)}, {"{q}", query_vector}};
  for (const auto& [name, value] : fills)  // searching on past each value: it may itself hold a placeholder
    for (size_t at = sql.find(name); at != std::string::npos; at = sql.find(name, at + value.size()))
      sql.replace(at, name.size(), value);
  return sql;
}

// The scan the planner picks for the query: "Index Scan using <name>", "Seq Scan", or how
// many foreign scans (shards) it asks, and how many of them asynchronously.
std::string plan_summary(pqxx::connection& conn, const std::string& query) {
  pqxx::nontransaction tx(conn);
  const std::string plan = tx.exec("EXPLAIN (FORMAT JSON) " + query)[0][0].c_str();
  std::smatch m;
  std::string scan = "unknown";
  const auto count = [&](const std::string& text) {
    size_t n = 0;
    for (size_t at = plan.find(text); at != std::string::npos; at = plan.find(text, at + 1)) ++n;
    return n;
  };
  if (std::regex_search(plan, m, std::regex(R"#("Index Name": "([^"]+)")#")))
    scan = "Index Scan using " + m[1].str();
  else if (plan.find("\"Node Type\": \"Seq Scan\"") != std::string::npos)
    scan = "Seq Scan";
  else if (const size_t foreign = count("\"Node Type\": \"Foreign Scan\""); foreign > 0)
    scan = std::to_string(foreign) + " Foreign Scans (" + std::to_string(count("\"Async Capable\": true")) + " async)";
  // JSON plans mark parallelism on the Gather node, not in the scan's node type.
  if (std::regex_search(plan, m, std::regex(R"#("Workers Planned": (\d+))#")))
    scan = "Parallel " + scan + " (" + m[1].str() + " workers planned)";
  return scan;
}

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;
struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

void append_be32(std::string& buf, uint32_t v) {
  v = htonl(v);
  buf.append(reinterpret_cast<const char*>(&v), 4);
}

void append_be16(std::string& buf, uint16_t v) {
  v = htons(v);
  buf.append(reinterpret_cast<const char*>(&v), 2);
}

// pgvector's binary format: int16 dimensions, int16 unused, float4 values, all big-endian.
void append_vector_binary(std::string& buf, const float* v, size_t dim) {
  append_be16(buf, static_cast<uint16_t>(dim));
  append_be16(buf, 0);
  for (size_t j = 0; j < dim; ++j) {
    uint32_t bits;
    std::memcpy(&bits, v + j, 4);
    append_be32(buf, bits);
  }
}

// One binary COPY of rows [from, to): PGCOPY header, tuples (id int4, embedding vector), trailer.
void copy_batch(PGconn* pg, const std::string& table, const Matrix<float>& base, size_t from, size_t to) {
  PgResult start(PQexec(pg, ("COPY " + table + " (id, embedding) FROM STDIN (FORMAT binary)").c_str()));
  if (PQresultStatus(start.get()) != PGRES_COPY_IN)
    throw std::runtime_error(std::string("COPY failed: ") + PQerrorMessage(pg));
  std::string buf("PGCOPY\n\377\r\n\0", 11);
  append_be32(buf, 0);
  append_be32(buf, 0);
  for (size_t i = from; i < to; ++i) {
    append_be16(buf, 2);
    append_be32(buf, 4);
    append_be32(buf, static_cast<uint32_t>(i));
    append_be32(buf, static_cast<uint32_t>(4 + 4 * base.dim));
    append_vector_binary(buf, base.row(i), base.dim);
  }
  append_be16(buf, 0xffff);
  if (PQputCopyData(pg, buf.data(), static_cast<int>(buf.size())) != 1 || PQputCopyEnd(pg, nullptr) != 1)
    throw std::runtime_error(std::string("COPY data failed: ") + PQerrorMessage(pg));
  PgResult done(PQgetResult(pg));
  if (PQresultStatus(done.get()) != PGRES_COMMAND_OK)
    throw std::runtime_error(std::string("COPY failed: ") + PQerrorMessage(pg));
  while (PgResult(PQgetResult(pg))) {
  }
}

// INSERT of `rows` (id, embedding) rows as parameters $1, $2, …
std::string insert_sql(const Target& t, size_t rows) {
  std::string sql = "INSERT INTO " + t.table + " (id, embedding) VALUES ";
  for (size_t i = 0; i < rows; ++i)
    sql += (i ? ",($" : "($") + std::to_string(2 * i + 1) + "::int, $" + std::to_string(2 * i + 2) + "::vector)";
  return sql;
}

// Runs fn(client, connection) on `clients` threads and rethrows the first failure.
template <typename Fn>
void on_clients(const Target& target, int clients, Fn fn) {
  std::mutex mu;
  std::exception_ptr failure;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      try {
        pqxx::connection conn(target.conninfo);
        fn(c, conn);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failure) failure = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

void check_server(const Target& target) {
  std::unique_ptr<pqxx::connection> conn;
  try {
    conn = std::make_unique<pqxx::connection>(target.conninfo);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot connect to PostgreSQL (set PGHOST/PGPORT/PGDATABASE or --conninfo): ") + e.what());
  }
  pqxx::nontransaction tx(*conn);
  const std::string& name = target.extension;
  if (!tx.exec_params("SELECT 1 FROM pg_extension WHERE extname = $1", name).empty()) return;
  const bool available = !tx.exec_params("SELECT 1 FROM pg_available_extensions WHERE name = $1", name).empty();
  throw std::runtime_error(available ? "the " + name + " extension is not created in this database: run CREATE EXTENSION " + name
                                     : "the " + name + " extension is not installed on this server");
}

long long table_rows(const Target& target) {
  pqxx::connection conn(target.conninfo);
  pqxx::nontransaction tx(conn);
  if (tx.exec_params("SELECT to_regclass($1)", target.table)[0][0].is_null()) return -1;
  return tx.exec("SELECT count(*) FROM " + target.table)[0][0].as<long long>();
}

void load_query_table(const Target& target, const Matrix<float>& queries) {
  Target t = target;
  t.table = target.query_table;
  load_table(t, queries, queries.rows, queries.rows, "");
}

double load_table(const Target& target, const Matrix<float>& base, size_t rows, size_t batch_size,
                  const std::string& storage) {
  {
    pqxx::connection conn(target.conninfo);
    pqxx::nontransaction tx(conn);
    tx.exec("DROP TABLE IF EXISTS " + target.table);
    tx.exec("CREATE TABLE " + target.table + " (id int, embedding vector(" + std::to_string(base.dim) + "))");
    if (!storage.empty())
      tx.exec("ALTER TABLE " + target.table + " ALTER COLUMN embedding SET STORAGE " + storage);
  }
  PgConn pg(PQconnectdb(target.conninfo.c_str()));
  if (PQstatus(pg.get()) != CONNECTION_OK)
    throw std::runtime_error(std::string("cannot connect: ") + PQerrorMessage(pg.get()));
  Progress progress("load " + target.table, rows);
  for (size_t from = 0; from < rows; from += batch_size) {
    const size_t to = std::min(rows, from + batch_size);
    copy_batch(pg.get(), target.table, base, from, to);
    progress.update(to);
  }
  const double secs = progress.finish();
  pqxx::connection conn(target.conninfo);
  pqxx::nontransaction(conn).exec("VACUUM ANALYZE " + target.table);
  return static_cast<double>(rows) / secs;
}

BuildResult build_index(const Target& target, const std::string& create_sql) {
  const std::string sql = with_table(create_sql, target.table);
  pqxx::connection builder(target.conninfo), monitor(target.conninfo);
  const int pid = builder.backendpid();
  // Write back the load first, so the build is not timed against the checkpointer flushing it.
  try {
    pqxx::nontransaction(builder).exec("CHECKPOINT");
  } catch (const pqxx::sql_error&) {  // not a superuser or pg_checkpoint member: time it anyway
  }
  std::atomic<bool> done{false};
  std::exception_ptr failure;
  const auto start = Clock::now();
  std::thread run([&] {
    try {
      pqxx::nontransaction(builder).exec(sql);
    } catch (...) {
      failure = std::current_exception();
    }
    done = true;
  });
  Progress progress("build index", 100);
  while (!done) {
    pqxx::nontransaction tx(monitor);
    const pqxx::result r = tx.exec_params(
        "SELECT phase, blocks_done, blocks_total, tuples_done, tuples_total "
        "FROM pg_stat_progress_create_index WHERE pid = $1", pid);
    if (!r.empty()) {
      const long long bt = r[0][2].as<long long>(0), tt = r[0][4].as<long long>(0);
      const long long bd = r[0][1].as<long long>(0), td = r[0][3].as<long long>(0);
      const size_t pct = tt > 0 ? static_cast<size_t>(100 * td / tt) : bt > 0 ? static_cast<size_t>(100 * bd / bt) : 0;
      progress.update(pct, r[0][0].c_str());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  run.join();
  progress.update(100, "done");
  progress.finish();
  if (failure) std::rethrow_exception(failure);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  BuildResult result = newest_index(target);
  result.seconds = seconds;
  return result;
}

BuildResult newest_index(const Target& target) {
  pqxx::connection conn(target.conninfo);
  pqxx::nontransaction tx(conn);
  const pqxx::result r = tx.exec_params(
      "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index "
      "WHERE indrelid = $1::regclass ORDER BY indexrelid DESC LIMIT 1", target.table);
  BuildResult result;
  if (!r.empty()) {
    result.index_name = r[0][0].c_str();
    result.size_bytes = r[0][1].as<long long>();
  }
  return result;
}

void drop_indexes(const Target& target) {
  pqxx::connection conn(target.conninfo);
  pqxx::nontransaction tx(conn);
  for (const auto& row : tx.exec_params("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = $1::regclass", target.table))
    tx.exec(std::string("DROP INDEX ") + row[0].c_str());
}

QueryRun run_queries(const Target& target, const Matrix<float>& queries, size_t nq, size_t k,
                     const std::string& setting, int clients, int repeat, bool warm_up_all) {
  nq = std::min(nq, queries.rows);
  // Query vectors travel as binary parameters, as ann-benchmarks' pgvector client sends them.
  std::vector<pqxx::binarystring> vectors;
  for (size_t q = 0; q < nq; ++q) {
    std::string bytes;
    append_vector_binary(bytes, queries.row(q), queries.dim);
    vectors.emplace_back(bytes.data(), bytes.size());
  }
  QueryRun run;
  run.ids.resize(nq);
  {
    pqxx::connection conn(target.conninfo);
    apply_setting(conn, setting);
    run.plan = plan_summary(conn, top_k_sql(target, k, conn.quote(vector_text(queries.row(0), queries.dim)) + "::vector"));
  }
  const size_t total = nq * static_cast<size_t>(repeat);
  std::atomic<size_t> next{0};
  std::atomic<int> warmed{0};
  std::atomic<Clock::rep> start_ticks{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  on_clients(target, clients, [&](int c, pqxx::connection& conn) {
    apply_setting(conn, setting);
    const bool by_id = !target.query_table.empty();
    conn.prepare("top_k", top_k_sql(target, k, by_id ? "(SELECT embedding FROM " + target.query_table + " WHERE id = $1)" : "$1::vector"));
    pqxx::nontransaction tx(conn);
    auto execute = [&](size_t q) {
      return by_id ? tx.exec_prepared("top_k", static_cast<int>(q)) : tx.exec_prepared("top_k", vectors[q]);
    };
    // Untimed queries first: a new backend page-faults on every shared buffer it touches for
    // the first time (a pooled connection did long ago). Timing starts once every client is warm.
    if (warm_up_all)
      for (size_t q = 0; q < nq; ++q) execute(q);
    else
      execute(static_cast<size_t>(c) % nq);
    if (++warmed == clients) start_ticks = Clock::now().time_since_epoch().count();
    while (warmed < clients) std::this_thread::yield();
    for (size_t job; (job = next++) < total;) {
      const size_t q = job % nq;
      const auto t0 = Clock::now();
      const pqxx::result r = execute(q);
      latencies[static_cast<size_t>(c)].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (job < nq) {
        std::vector<int32_t>& ids = run.ids[q];
        for (const auto& row : r) ids.push_back(row[0].as<int32_t>());
      }
    }
  });
  const Clock::time_point start{Clock::duration(start_ticks.load())};
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (const auto& l : latencies) run.latencies_ms.insert(run.latencies_ms.end(), l.begin(), l.end());
  return run;
}

double insert_rows(const Target& target, const Matrix<float>& base, size_t from, size_t to,
                   size_t batch_size, int clients) {
  const std::string full_batch_sql = insert_sql(target, batch_size);
  const size_t batches = (to - from + batch_size - 1) / batch_size;
  std::atomic<size_t> next{0};
  const auto start = Clock::now();
  on_clients(target, clients, [&](int, pqxx::connection& conn) {
    conn.prepare("insert_full", full_batch_sql);
    pqxx::nontransaction tx(conn);
    for (size_t b; (b = next++) < batches;) {
      const size_t lo = from + b * batch_size, hi = std::min(to, lo + batch_size);
      std::vector<std::string> params;
      for (size_t i = lo; i < hi; ++i) {
        params.push_back(std::to_string(i));
        params.push_back(vector_text(base.row(i), base.dim));
      }
      if (hi - lo == batch_size) {
        tx.exec_prepared("insert_full", pqxx::prepare::make_dynamic_params(params));
      } else {  // the short last batch
        tx.exec_params(insert_sql(target, hi - lo), pqxx::prepare::make_dynamic_params(params));
      }
    }
  });
  return static_cast<double>(to - from) / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace vectorx::bench
