// The benchmark's side of PostgreSQL: load vectors by binary COPY, build an index while
// showing pg_stat_progress_create_index, run prepared top-k queries over several connections,
// and time inserts. Connections use the libpq connection string (empty: PG* environment).
#pragma once

#include <string>
#include <vector>

#include "dataset.h"
#include "metric.h"

namespace vectorx::bench {

struct Target {
  std::string conninfo;
  std::string table;
  Metric metric = Metric::kL2;
  // Empty: queries are sent as parameters. Otherwise the table holding them (id, embedding),
  // read by a subquery: ORDER BY embedding <-> (SELECT embedding FROM it WHERE id = $1).
  std::string query_table;
  // The extension whose types and index access methods the database uses: vectorx, or
  // pgvector's "vector" as a comparison anchor (its SQL surface is the same).
  std::string extension = "vectorx";
  // Empty: SELECT id FROM <table> ORDER BY embedding <op> <q> LIMIT <k>. Otherwise the query
  // to time, with {table}, {k} and {q} (the query vector) replaced; its first column is the id.
  std::string query_sql;
};

// Fails with a clear message when the server is unreachable or the extension is not installed.
void check_server(const Target& target);

// Rows currently in the table, or -1 if it does not exist.
long long table_rows(const Target& target);

// (Re)creates the table (id int, embedding vector(dim)) with the given column storage and
// loads rows [0, rows) by binary COPY in batches. Returns rows per second.
double load_table(const Target& target, const Matrix<float>& base, size_t rows, size_t batch_size,
                  const std::string& storage);
// load_table for the queries into target.query_table (default storage).
void load_query_table(const Target& target, const Matrix<float>& queries);

struct BuildResult {
  std::string index_name;
  double seconds = 0;
  long long size_bytes = 0;
};

// Runs a CREATE INDEX statement ("{table}" is replaced by the table name), showing progress.
BuildResult build_index(const Target& target, const std::string& create_sql);
// The table's most recently created index, its size now (seconds stays 0).
BuildResult newest_index(const Target& target);

// Drops every index on the table.
void drop_indexes(const Target& target);

struct QueryRun {
  std::vector<std::vector<int32_t>> ids;  // per query, from the first pass
  std::vector<double> latencies_ms;       // every execution
  double seconds = 0;                     // wall time of all passes
  std::string plan;                       // "Index Scan using …" or the top scan node
};

// Runs `nq` queries (all of them `repeat` times) spread over `clients` connections, each with
// `setting` applied (e.g. "hnsw.ef_search=40", or empty) and a prepared top-k statement, after
// an untimed warm-up on each connection: every query once (`warm_up_all`), or one.
QueryRun run_queries(const Target& target, const Matrix<float>& queries, size_t nq, size_t k,
                     const std::string& setting, int clients, int repeat, bool warm_up_all);

// Inserts base rows [from, to) with `batch_size` rows per INSERT over `clients` connections;
// returns rows per second.
double insert_rows(const Target& target, const Matrix<float>& base, size_t from, size_t to,
                   size_t batch_size, int clients);

}  // namespace vectorx::bench
