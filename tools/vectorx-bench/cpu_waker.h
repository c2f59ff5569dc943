// --keep-cpus-awake: a lowest-priority spinning thread on every CPU during the query sweeps.
//
// Why: in a virtual machine an idle vCPU halts, and waking it costs the guest far more than a
// context switch. A one-connection benchmark idles a CPU at every round trip (the server while
// the client works, and the other way round): on this project's 2-vCPU host that added about
// 100 µs to every query, the same for every system, which compresses their ratios toward 1.
// A server under load never idles that way. Spinners at nice 19 keep the vCPUs from halting
// and yield to any runnable query work. They are a diagnostic: on the same host they slowed
// INSERTs that wait for WAL flushes two- to threefold, so they are never on during inserts.
#pragma once

#include <atomic>
#include <thread>
#include <vector>

namespace vectorx::bench {

class CpuWaker {
 public:
  // No threads when `enabled` is false.
  explicit CpuWaker(bool enabled);
  ~CpuWaker();
  CpuWaker(const CpuWaker&) = delete;
  CpuWaker& operator=(const CpuWaker&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> spinners_;
};

}  // namespace vectorx::bench
