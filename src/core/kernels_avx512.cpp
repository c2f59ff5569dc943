// The avx512 instantiation of kernels_simd.hpp (compiled with the avx512 -m flags only).
#include "kernels_simd.hpp"

namespace vectorx::detail {
namespace {
constexpr KernelTable kTable = make_table<xsimd::avx512bw>();
}  // namespace

const KernelTable& avx512_kernels() noexcept { return kTable; }
}  // namespace vectorx::detail
