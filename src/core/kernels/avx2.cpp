// The avx2 instantiation of simd.hpp (compiled with the avx2 -m flags only).
#include "simd.hpp"

namespace vectorx::detail {
namespace {
constexpr KernelTable kTable = make_table<xsimd::fma3<xsimd::avx2>>();
}  // namespace

const KernelTable& avx2_kernels() noexcept { return kTable; }
}  // namespace vectorx::detail
