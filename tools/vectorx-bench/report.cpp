// Report output (see report.h).
#include "report.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <unistd.h>

namespace vectorx::bench {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  std::ostringstream s;
  s << std::setprecision(10) << v;
  return s.str();
}

namespace {

std::vector<Field> search_fields(const std::string& dataset, const SearchResult& r) {
  return {{"type", json_string("search")},    {"dataset", json_string(dataset)},
          {"system", json_string(r.system)},  {"index", json_string(r.index)},
          {"setting", json_string(r.setting)}, {"clients", json_number(r.clients)},
          {"k", json_number(static_cast<double>(r.k))}, {"queries", json_number(static_cast<double>(r.queries))},
          {"recall", json_number(r.recall)},  {"qps", json_number(r.qps)},
          {"p50_ms", json_number(r.p50_ms)},  {"p95_ms", json_number(r.p95_ms)},
          {"p99_ms", json_number(r.p99_ms)},  {"plan", json_string(r.plan)}};
}

std::string object(const std::vector<Field>& fields) {
  std::string s = "{";
  for (size_t i = 0; i < fields.size(); ++i) s += (i ? "," : "") + json_string(fields[i].key) + ":" + fields[i].json;
  return s + "}";
}

std::string series_name(const SearchResult& r) {
  return r.system + " " + r.index + (r.clients > 1 ? " x" + std::to_string(r.clients) : "");
}

}  // namespace

void Report::add_search(const SearchResult& r) { searches_.push_back(r); }

void Report::add_event(const std::string& type, std::vector<Field> fields, std::ostream& out) {
  out << type << ":";
  for (const Field& f : fields) out << " " << f.key << "=" << f.json;
  out << "\n";
  fields.insert(fields.begin(), {{"type", json_string(type)}, {"dataset", json_string(dataset_)}});
  events_.push_back(std::move(fields));
}

void Report::print_table(std::ostream& out) const {
  const size_t k = searches_.empty() ? 10 : searches_.front().k;
  out << "\n" << dataset_ << "\n"
      << std::left << std::setw(17) << "system" << std::setw(34) << "index" << std::setw(22) << "setting"
      << std::right << std::setw(8) << "clients" << std::setw(11) << ("recall@" + std::to_string(k))
      << std::setw(11) << "QPS" << std::setw(9) << "p50 ms" << std::setw(9) << "p95 ms" << std::setw(9)
      << "p99 ms" << "  plan\n";
  for (const SearchResult& r : searches_)
    out << std::left << std::setw(17) << r.system << std::setw(34) << r.index << std::setw(22)
        << (r.setting.empty() ? "-" : r.setting) << std::right << std::setw(8) << r.clients << std::fixed
        << std::setprecision(4) << std::setw(11) << r.recall << std::setprecision(1) << std::setw(11) << r.qps
        << std::setprecision(2) << std::setw(9) << r.p50_ms << std::setw(9) << r.p95_ms << std::setw(9)
        << r.p99_ms << "  " << r.plan << "\n";
  out.unsetf(std::ios::fixed);
}

void Report::write_json(const std::string& path) const {
  std::ofstream out(path, std::ios::app);
  for (const auto& e : events_) out << object(e) << "\n";
  for (const SearchResult& r : searches_) out << object(search_fields(dataset_, r)) << "\n";
}

bool Report::write_plot(const std::string& path) const {
  namespace fs = std::filesystem;
  std::map<std::string, std::vector<const SearchResult*>> series;
  for (const SearchResult& r : searches_) series[series_name(r)].push_back(&r);
  const fs::path dir = fs::temp_directory_path() / ("vxbench-plot-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream script(dir / "plot.gp");
  const bool svg = path.size() > 4 && path.substr(path.size() - 4) == ".svg";
  script << (svg ? "set terminal svg size 1000,700 noenhanced\n" : "set terminal pngcairo size 1000,700 noenhanced\n")
         << "set output '" << path << "'\n"
         << "set title '" << dataset_ << ": recall vs queries per second'\n"
         << "set xlabel 'recall@" << (searches_.empty() ? 10 : searches_.front().k) << "'\n"
         << "set ylabel 'queries per second (log)'\nset logscale y\nset grid\nset key outside below\n"
         << "set xrange [*:1.005]\nplot ";
  size_t i = 0;
  for (const auto& [name, points] : series) {
    const fs::path data = dir / ("s" + std::to_string(i) + ".dat");
    std::ofstream d(data);
    for (const SearchResult* r : points) d << r->recall << " " << r->qps << "\n";
    script << (i ? ", " : "") << "'" << data.string() << "' using 1:2 with linespoints lw 2 title '" << name << "'";
    ++i;
  }
  script << "\n";
  script.close();
  const bool ok = !series.empty() && std::system(("gnuplot " + (dir / "plot.gp").string() + " 2>/dev/null").c_str()) == 0;
  fs::remove_all(dir);
  return ok;
}

}  // namespace vectorx::bench
