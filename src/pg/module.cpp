// Module entry: the magic block, and the vectorx.simd setting that picks the kernel level
// (auto = best the CPU has; a lower level is useful for testing and comparison).
#include "vectorx/kernels.h"
#include "hnsw_am.h"
#include "ivf_am.h"
#include "settings.h"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

namespace {

const struct config_enum_entry kSimdOptions[] = {
    {"auto", -1, false},
    {"scalar", static_cast<int>(vectorx::SimdLevel::kScalar), false},
    {"sse2", static_cast<int>(vectorx::SimdLevel::kSSE2), false},
    {"avx2", static_cast<int>(vectorx::SimdLevel::kAVX2), false},
    {"avx512", static_cast<int>(vectorx::SimdLevel::kAVX512), false},
    {nullptr, 0, false}};

int simd_setting = -1;
// The level at load time: VECTORX_FORCE_SCALAR in the server's environment lowers it.
vectorx::SimdLevel startup_level;

bool check_simd(int* value, void**, GucSource) {
  if (*value < 0 || vectorx::kernel_table(static_cast<vectorx::SimdLevel>(*value)) != nullptr)
    return true;
  GUC_check_errdetail("This CPU does not support %s.",
                      vectorx::simd_level_name(static_cast<vectorx::SimdLevel>(*value)));
  return false;
}

void assign_simd(int value, void*) {
  vectorx::set_active_simd_level(value < 0 ? startup_level
                                           : static_cast<vectorx::SimdLevel>(value));
}

}  // namespace

void _PG_init(void) {
  startup_level = vectorx::active_simd_level();
  DefineCustomEnumVariable("vectorx.simd", "Instruction set used by the distance kernels.",
                           "auto picks the best this CPU supports.", &simd_setting, -1,
                           kSimdOptions, PGC_USERSET, 0, check_simd, assign_simd, nullptr);
  vectorx::pg::define_settings();
  MarkGUCPrefixReserved("vectorx");
  vectorx::pg::hnsw::init_module();
  vectorx::pg::ivf::init_module();
}

VX_FUNCTION(vectorx_simd_level) {
  PG_RETURN_TEXT_P(cstring_to_text(vectorx::simd_level_name(vectorx::active_simd_level())));
}
