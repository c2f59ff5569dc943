// Threads for builds (see threads.h).
#include "vectorx/threads.h"

#include <pthread.h>

#include <algorithm>
#include <csignal>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace vectorx {

void run_on_threads(unsigned threads, std::atomic<bool>& stop, const std::function<void(bool caller)>& work) {
  std::mutex failure_lock;
  std::exception_ptr failure;
  auto guarded = [&](bool caller) {
    try {
      work(caller);
    } catch (...) {
      stop = true;
      std::lock_guard<std::mutex> lock(failure_lock);
      if (!failure) failure = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  try {
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(guarded, false);
  } catch (...) {
    stop = true;  // could not start a thread: the ones running stop early
    std::lock_guard<std::mutex> lock(failure_lock);
    failure = std::current_exception();
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (!stop) guarded(true);
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

void for_each_block(size_t blocks, unsigned threads, const std::function<void(size_t block)>& work,
                    const std::function<void()>& check) {
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  const unsigned used = static_cast<unsigned>(std::min<size_t>(std::max(threads, 1u), std::max<size_t>(blocks, 1)));
  run_on_threads(used, stop, [&](bool caller) {
    for (;;) {
      // Before every block the caller takes, so at least once however fast the helpers are.
      if (caller && check) check();
      size_t block;
      if (stop || (block = next++) >= blocks) return;
      work(block);
    }
  });
}

}  // namespace vectorx
