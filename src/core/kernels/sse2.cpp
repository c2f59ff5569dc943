// The sse2 instantiation of simd.hpp (compiled with the sse2 -m flags only).
#include "simd.hpp"

namespace vectorx::detail {
namespace {
constexpr KernelTable kTable = make_table<xsimd::sse2>();
}  // namespace

const KernelTable& sse2_kernels() noexcept { return kTable; }
}  // namespace vectorx::detail
