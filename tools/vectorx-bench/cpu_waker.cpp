// CpuWaker (cpu_waker.h).
#include "cpu_waker.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

namespace vectorx::bench {

CpuWaker::CpuWaker(bool enabled) {
  if (!enabled) return;
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < cpus; ++i)
    spinners_.emplace_back([this] {
      // Linux applies a thread's nice value to that thread alone (PRIO_PROCESS with its tid).
      (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
      while (!stop_.load(std::memory_order_relaxed)) __builtin_ia32_pause();
    });
}

CpuWaker::~CpuWaker() {
  stop_ = true;
  for (std::thread& t : spinners_) t.join();
}

}  // namespace vectorx::bench
