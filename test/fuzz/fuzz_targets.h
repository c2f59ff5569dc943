// Fuzz targets for every decoder in the core: the text and binary forms of the vector types,
// and the page formats of hnsw, ivfflat and ivfpq indexes (elements, tails, lists, entries,
// codebooks). A target may reject its input the ways the core rejects bad input (InputError,
// CorruptIndex, IndexFull); anything else (a crash, a sanitizer report, another exception, a
// text round trip that changes a value) is a bug.
//
// Two drivers run them: test/unit/fuzz_test.cpp (GoogleTest, seeded mutations, every CI run)
// and test/fuzz/libfuzzer_main.cpp (coverage-guided, ASan + UBSan; scripts/fuzz).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vectorx::fuzz {

struct Target {
  const char* name;
  void (*run)(const uint8_t* data, size_t size);
  std::vector<std::vector<uint8_t>> (*seeds)();  // valid inputs to mutate from
  int unit_test_runs;  // mutations the unit test tries (index targets cost ~1 ms a run)
};

const std::vector<Target>& targets();
const Target* find_target(const char* name);

}  // namespace vectorx::fuzz
