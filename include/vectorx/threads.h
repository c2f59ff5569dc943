// Work on several threads inside a Postgres backend. Helper threads run only core C++: they
// never call Postgres and start with every signal blocked (Postgres' signal handlers expect
// to interrupt the backend's own thread). The caller's thread works too and is the one that
// may report progress and check for interrupts.
#pragma once

#include <atomic>
#include <functional>

namespace vectorx {

// Runs work(caller) on `threads` threads in all (at least the caller's, caller = true) and
// joins them. When a run throws, `stop` is set (runs should poll it) and, after the join, the
// first exception is rethrown.
void run_on_threads(unsigned threads, std::atomic<bool>& stop, const std::function<void(bool caller)>& work);

// Calls work(block) once for each block in [0, blocks), spread over `threads` threads; `check`
// (if set) runs on the caller's thread before each block it takes (so at least once) and may
// throw to stop the rest.
// Callers that give every block its own outputs get the same result for any thread count.
void for_each_block(size_t blocks, unsigned threads, const std::function<void(size_t block)>& work,
                    const std::function<void()>& check = {});

}  // namespace vectorx
