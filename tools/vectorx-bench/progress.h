// A progress line on stderr: redrawn in place on a terminal, one line per quarter otherwise
// (so CI logs stay short).
#pragma once

#include <chrono>
#include <string>

namespace vectorx::bench {

class Progress {
 public:
  Progress(std::string label, size_t total);
  // Shows `done` of total, with an optional note (e.g. an index build phase).
  void update(size_t done, const std::string& note = {});
  // Ends the line; returns seconds since construction.
  double finish();

 private:
  std::string label_;
  size_t total_;
  bool tty_;
  int last_quarter_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace vectorx::bench
