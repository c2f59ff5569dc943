// Results of one vectorx-bench run: a table for people, JSON lines for machines, and a
// recall-vs-QPS plot with every system on one chart.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace vectorx::bench {

struct SearchResult {
  std::string system;   // "vectorx" or an anchor name
  std::string index;    // e.g. "exact", "hnsw m=16 ef_construction=64"
  std::string setting;  // e.g. "hnsw.ef_search=40"
  int clients = 1;
  size_t k = 10;
  size_t queries = 0;
  double recall = 0, qps = 0, p50_ms = 0, p95_ms = 0, p99_ms = 0;
  std::string plan;  // how PostgreSQL ran it; empty for anchors
};

// A JSON value already encoded (see json_string / json_number).
struct Field {
  std::string key;
  std::string json;
};
std::string json_string(const std::string& s);
std::string json_number(double v);

class Report {
 public:
  explicit Report(std::string dataset) : dataset_(std::move(dataset)) {}

  void add_search(const SearchResult& r);
  // Any other measurement (load, build, insert, ground truth): printed now and kept for JSON.
  void add_event(const std::string& type, std::vector<Field> fields, std::ostream& out);

  void print_table(std::ostream& out) const;
  void write_json(const std::string& path) const;  // appends one object per line
  // Writes a PNG (or SVG when the name ends in .svg) through gnuplot; false if it failed.
  bool write_plot(const std::string& path) const;

  const std::vector<SearchResult>& searches() const { return searches_; }

 private:
  std::string dataset_;
  std::vector<SearchResult> searches_;
  std::vector<std::vector<Field>> events_;
};

}  // namespace vectorx::bench
