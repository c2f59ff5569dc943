// Run-time selection of the kernel level (see kernels.h).
#include "vectorx/kernels.h"

#include <atomic>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace vectorx {
namespace {

#if defined(__x86_64__) || defined(__i386__)
// CPUID leaf 1, ECX bit 29 (clang's __builtin_cpu_supports has no "f16c").
bool cpu_has_f16c() noexcept {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C);
}
#endif

// __builtin_cpu_supports also checks that the OS saves the wide registers (XCR0).
bool cpu_has(SimdLevel level) noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  switch (level) {
    case SimdLevel::kScalar:
      return true;
    case SimdLevel::kSSE2:
      return __builtin_cpu_supports("sse2");
    case SimdLevel::kAVX2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
             cpu_has_f16c() && __builtin_cpu_supports("popcnt");
    case SimdLevel::kAVX512:
      return cpu_has(SimdLevel::kAVX2) && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
  }
  return false;
#else
  return level == SimdLevel::kScalar;
#endif
}

bool scalar_forced_by_environment() noexcept {
  const char* v = std::getenv("VECTORX_FORCE_SCALAR");
  return v != nullptr && v[0] != '\0' && std::strcmp(v, "0") != 0;
}

std::atomic<const KernelTable*> g_active{nullptr};
std::atomic<SimdLevel> g_active_level{SimdLevel::kScalar};

const KernelTable* initial_table() noexcept {
  const SimdLevel level =
      scalar_forced_by_environment() ? SimdLevel::kScalar : detected_simd_level();
  set_active_simd_level(level);
  return g_active.load(std::memory_order_relaxed);
}

}  // namespace

const char* simd_level_name(SimdLevel level) noexcept {
  switch (level) {
    case SimdLevel::kScalar:
      return "scalar";
    case SimdLevel::kSSE2:
      return "sse2";
    case SimdLevel::kAVX2:
      return "avx2";
    case SimdLevel::kAVX512:
      return "avx512";
  }
  return "unknown";
}

SimdLevel detected_simd_level() noexcept {
  for (SimdLevel level : {SimdLevel::kAVX512, SimdLevel::kAVX2, SimdLevel::kSSE2})
    if (cpu_has(level)) return level;
  return SimdLevel::kScalar;
}

const KernelTable* kernel_table(SimdLevel level) noexcept {
  if (!cpu_has(level)) return nullptr;
  switch (level) {
    case SimdLevel::kScalar:
      return &detail::scalar_kernels();
#if defined(__x86_64__)
    case SimdLevel::kSSE2:
      return &detail::sse2_kernels();
    case SimdLevel::kAVX2:
      return &detail::avx2_kernels();
    case SimdLevel::kAVX512:
      return &detail::avx512_kernels();
#else
    default:
      return nullptr;
#endif
  }
  return nullptr;
}

const KernelTable& kernels() noexcept {
  const KernelTable* t = g_active.load(std::memory_order_relaxed);
  if (t == nullptr) t = initial_table();
  return *t;
}

SimdLevel active_simd_level() noexcept {
  kernels();
  return g_active_level.load(std::memory_order_relaxed);
}

bool set_active_simd_level(SimdLevel level) noexcept {
  const KernelTable* t = kernel_table(level);
  if (t == nullptr) return false;
  g_active_level.store(level, std::memory_order_relaxed);
  g_active.store(t, std::memory_order_relaxed);
  return true;
}

}  // namespace vectorx
