// Every fuzz target (test/fuzz/fuzz_targets.h) on its seeds and on seeded random mutations of
// them, in every unit-test run: a short, deterministic version of the coverage-guided runs
// scripts/fuzz does under ASan and UBSan.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "fuzz_targets.h"

namespace vectorx::fuzz {
namespace {

// One to eight byte-level edits of the kinds fuzzers make.
std::vector<uint8_t> mutate(std::vector<uint8_t> in, std::mt19937& rng) {
  static const uint8_t kInteresting[] = {0, 1, 0x7f, 0x80, 0xff, '0', '9', '-', 'e', '.', ',', ':', '[', ']', '{', '}', '/', ' '};
  const int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits; ++e) {
    const size_t at = in.empty() ? 0 : rng() % in.size();
    switch (rng() % 6) {
      case 0:
        if (!in.empty()) in[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:
        if (!in.empty()) in[at] = kInteresting[rng() % sizeof kInteresting];
        break;
      case 2:
        in.insert(in.begin() + static_cast<long>(at), static_cast<uint8_t>(rng()));
        break;
      case 3:
        if (!in.empty()) in.erase(in.begin() + static_cast<long>(at));
        break;
      case 4:
        if (!in.empty()) in.insert(in.begin() + static_cast<long>(at), in.begin(), in.begin() + static_cast<long>(rng() % in.size() + 1));
        break;
      default:
        in.resize(in.empty() ? 0 : rng() % in.size());
        break;
    }
  }
  return in;
}

class FuzzTargetTest : public testing::TestWithParam<Target> {};

TEST_P(FuzzTargetTest, SeedsAndMutationsNeverCrash) {
  const Target& t = GetParam();
  const auto seeds = t.seeds();
  std::mt19937 rng(2024);
  for (const auto& seed : seeds) t.run(seed.data(), seed.size());
  for (int i = 0; i < t.unit_test_runs; ++i) {
    const auto input = mutate(seeds[rng() % seeds.size()], rng);
    t.run(input.data(), input.size());
  }
}

// Inputs that once crashed a target (test/fuzz/regressions/TARGET-what) replay through it.
TEST(FuzzRegressions, EveryKeptInputRunsCleanly) {
  size_t replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(VECTORX_FUZZ_REGRESSIONS)) {
    const std::string name = entry.path().filename().string();
    const Target* t = find_target(name.substr(0, name.find('-')).c_str());
    ASSERT_NE(t, nullptr) << name << " names no target";
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<uint8_t> input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    t->run(input.data(), input.size());
    ++replayed;
  }
  EXPECT_GT(replayed, 0u);
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzTargetTest, testing::ValuesIn(targets()),
                         [](const testing::TestParamInfo<Target>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace vectorx::fuzz
