// Build threads: every block runs exactly once whatever the thread count, helper threads
// really run, and a failure in a block or in the caller's check stops the work and reaches
// the caller as the original exception.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "vectorx/threads.h"

namespace vectorx {
namespace {

TEST(Threads, EveryBlockOnceOnAnyThreadCount) {
  for (unsigned threads : {1u, 2u, 5u}) {
    for (size_t blocks : {0, 1, 3, 100}) {
      std::vector<std::atomic<int>> runs(blocks);
      std::mutex lock;
      std::set<std::thread::id> ids;
      for_each_block(blocks, threads, [&](size_t b) {
        ++runs[b];
        std::lock_guard<std::mutex> guard(lock);
        ids.insert(std::this_thread::get_id());
      });
      for (size_t b = 0; b < blocks; ++b) ASSERT_EQ(runs[b], 1) << threads << " threads, block " << b;
      EXPECT_LE(ids.size(), std::min<size_t>(threads, std::max<size_t>(blocks, 1)));
    }
  }
}

TEST(Threads, HelpersRunBesideTheCaller) {
  // The caller waits in its first block until another thread has run one: only possible
  // when a helper thread exists.
  std::atomic<bool> helper_ran{false};
  const auto caller = std::this_thread::get_id();
  for_each_block(2, 2, [&](size_t) {
    if (std::this_thread::get_id() != caller) {
      helper_ran = true;
      return;
    }
    for (int spin = 0; !helper_ran && spin < 2000; ++spin) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  EXPECT_TRUE(helper_ran);
}

TEST(Threads, AFailingBlockStopsTheRestAndIsRethrown) {
  std::atomic<size_t> ran{0};
  // Blocks take a moment (with empty ones the other threads sometimes ran all 10,000 before
  // the failure stopped them).
  EXPECT_THROW(for_each_block(10000, 3,
                              [&](size_t b) {
                                std::this_thread::sleep_for(std::chrono::microseconds(20));
                                ++ran;
                                if (b == 5) throw std::runtime_error("block 5");
                              }),
               std::runtime_error);
  EXPECT_LT(ran.load(), 10000u);
}

TEST(Threads, AThrowingCheckStopsTheWork) {
  std::atomic<size_t> ran{0};
  int checks = 0;
  // Each block takes a moment, so the helper cannot finish them all before the caller takes
  // its first (with empty blocks it sometimes did, and the check never ran).
  EXPECT_THROW(for_each_block(
                   10000, 2,
                   [&](size_t) {
                     std::this_thread::sleep_for(std::chrono::microseconds(20));
                     ++ran;
                   },
                   [&] {
                     if (++checks == 3) throw std::logic_error("cancelled");
                   }),
               std::logic_error);
  EXPECT_EQ(checks, 3);
  EXPECT_LT(ran.load(), 10000u);
}

}  // namespace
}  // namespace vectorx
