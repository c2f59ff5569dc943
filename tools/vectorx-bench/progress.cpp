// Progress line (see progress.h).
#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace vectorx::bench {

Progress::Progress(std::string label, size_t total)
    : label_(std::move(label)), total_(total), tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()) {}

void Progress::update(size_t done, const std::string& note) {
  const auto now = std::chrono::steady_clock::now();
  const double fraction = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 0;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  if (tty_) {
    if (now - last_draw_ < std::chrono::milliseconds(100) && done < total_) return;
    last_draw_ = now;
    const int width = 30, filled = static_cast<int>(fraction * width);
    std::fprintf(stderr, "\r%s [%s%s] %5.1f%% %zu/%zu %.0f/s %s\033[K", label_.c_str(),
                 std::string(static_cast<size_t>(filled), '#').c_str(),
                 std::string(static_cast<size_t>(width - filled), '.').c_str(), fraction * 100, done,
                 total_, rate, note.c_str());
    return;
  }
  const int quarter = static_cast<int>(fraction * 4);
  if (quarter == last_quarter_) return;
  last_quarter_ = quarter;
  std::fprintf(stderr, "%s: %zu/%zu (%.0f%%) %.0f/s %s\n", label_.c_str(), done, total_, fraction * 100,
               rate, note.c_str());
}

double Progress::finish() {
  if (tty_) std::fprintf(stderr, "\n");
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

}  // namespace vectorx::bench
