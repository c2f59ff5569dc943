// libFuzzer entry for the core's fuzz targets (fuzz_targets.h). The target is named by the
// environment (VECTORX_FUZZ_TARGET); with VECTORX_FUZZ_SEEDS set to a folder, the target's seeds
// are written there first, to start the corpus. scripts/fuzz builds and runs this.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_targets.h"

namespace {
const vectorx::fuzz::Target* target = nullptr;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* name = std::getenv("VECTORX_FUZZ_TARGET");
  target = name ? vectorx::fuzz::find_target(name) : nullptr;
  if (!target) {
    std::fprintf(stderr, "set VECTORX_FUZZ_TARGET to one of:");
    for (const auto& t : vectorx::fuzz::targets()) std::fprintf(stderr, " %s", t.name);
    std::fprintf(stderr, "\n");
    std::exit(2);
  }
  if (const char* dir = std::getenv("VECTORX_FUZZ_SEEDS")) {
    int i = 0;
    for (const auto& seed : target->seeds()) {
      const std::string path = std::string(dir) + "/seed" + std::to_string(i++);
      if (FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fwrite(seed.data(), 1, seed.size(), f);
        std::fclose(f);
      }
    }
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  target->run(data, size);
  return 0;
}
