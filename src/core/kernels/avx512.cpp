// The avx512 instantiation of simd.hpp (compiled with the avx512 -m flags only).
#include "simd.hpp"

namespace vectorx::detail {
namespace {
constexpr KernelTable kTable = make_table<xsimd::avx512bw>();
}  // namespace

const KernelTable& avx512_kernels() noexcept { return kTable; }
}  // namespace vectorx::detail
