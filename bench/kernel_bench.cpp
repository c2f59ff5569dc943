// Kernel throughput at dims 100, 128, 768 and 1536: every level this CPU runs, and the plain
// scalar loop with auto-vectorization off. items/s counts vector elements processed.
//   build/vectorx_kernel_bench --benchmark_filter=f32
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "naive_loops.h"
#include "vectorx/kernels.h"

namespace {

using vectorx::KernelTable;
using vectorx::SimdLevel;

constexpr int kDims[] = {100, 128, 768, 1536};
// The 8- and 4-bit code kernels score a page at a time: 64 codes, each 8 bytes after the last (an
// entry's bound fields).
constexpr size_t kPageCodes = 64;
size_t code_stride(size_t n) { return n + 8; }

struct Inputs {
  std::vector<float> a, b;
  std::vector<vectorx::half_bits> ha, hb;
  std::vector<uint8_t> codes;
  std::vector<int16_t> weights, sq4_weights;  // sq4_weights: `weights` laid out for 4-bit codes
  explicit Inputs(size_t n)
      : a(n), b(n), ha(n), hb(n), codes(code_stride(n) * kPageCodes), weights(n), sq4_weights(vectorx::sq4_weight_count(n)),
        out(kPageCodes), dots(kPageCodes) {
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> dist(-1, 1);
    for (size_t i = 0; i < n; ++i) {
      a[i] = dist(rng);
      b[i] = dist(rng);
      vectorx::float_to_half(a[i], &ha[i]);
      vectorx::float_to_half(b[i], &hb[i]);
      weights[i] = static_cast<int16_t>(a[i] * 32767);
    }
    for (uint8_t& c : codes) c = static_cast<uint8_t>(rng());
    vectorx::sq4_weights(weights.data(), n, sq4_weights.data());
  }
  mutable std::vector<float> out;  // a page's scores
  mutable std::vector<int64_t> dots;
};

// `vectors`: how many vectors one call of fn measures.
template <typename Fn>
void run(benchmark::State& state, Fn fn, size_t vectors = 1) {
  const size_t n = static_cast<size_t>(state.range(0));
  const Inputs in(n);
  for (auto _ : state) benchmark::DoNotOptimize(fn(in, n));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n * vectors));
}

void register_level(SimdLevel level) {
  const KernelTable* k = vectorx::kernel_table(level);
  if (k == nullptr) return;
  const std::string name = vectorx::simd_level_name(level);
  auto add = [&](const std::string& kernel, auto fn, size_t vectors = 1) {
    auto* b = benchmark::RegisterBenchmark((kernel + "/" + name).c_str(),
                                           [fn, vectors](benchmark::State& s) { run(s, fn, vectors); });
    for (int d : kDims) b->Arg(d);
  };
  add("f32_l2sq", [k](const Inputs& in, size_t n) { return k->l2sq_f32(in.a.data(), in.b.data(), n); });
  add("f32_dot", [k](const Inputs& in, size_t n) { return k->dot_f32(in.a.data(), in.b.data(), n); });
  add("f32_cosine", [k](const Inputs& in, size_t n) {
    return k->dot_norms_f32(in.a.data(), in.b.data(), n).dot;
  });
  add("f32_l1", [k](const Inputs& in, size_t n) { return k->l1_f32(in.a.data(), in.b.data(), n); });
  add("f16_l2sq", [k](const Inputs& in, size_t n) { return k->l2sq_f16(in.ha.data(), in.hb.data(), n); });
  add("f16_dot", [k](const Inputs& in, size_t n) { return k->dot_f16(in.ha.data(), in.hb.data(), n); });
  add("sq8_l2sq_page", [k](const Inputs& in, size_t n) {
    k->sq8_l2sq(in.a.data(), in.b.data(), in.codes.data(), code_stride(n), kPageCodes, n, in.out.data());
    return in.out.back();
  }, kPageCodes);
  add("sq8_dot_page", [k](const Inputs& in, size_t n) {
    k->sq8_dot(in.weights.data(), in.codes.data(), code_stride(n), kPageCodes, n, in.dots.data());
    return in.dots.back();
  }, kPageCodes);
  add("sq4_dot_page", [k](const Inputs& in, size_t n) {  // 4-bit codes at the same stride
    k->sq4_dot(in.sq4_weights.data(), in.codes.data(), code_stride(n), kPageCodes, n, in.dots.data());
    return in.dots.back();
  }, kPageCodes);
}

void register_naive() {
  auto add = [](const std::string& kernel, float (*fn)(const float*, const float*, size_t)) {
    auto* b = benchmark::RegisterBenchmark((kernel + "/naive_loop").c_str(), [fn](benchmark::State& s) {
      run(s, [fn](const Inputs& in, size_t n) { return fn(in.a.data(), in.b.data(), n); });
    });
    for (int d : kDims) b->Arg(d);
  };
  add("f32_l2sq", vectorx::bench::naive_l2sq);
  add("f32_dot", vectorx::bench::naive_dot);
  add("f32_cosine", vectorx::bench::naive_cosine_parts);
  add("f32_l1", vectorx::bench::naive_l1);
}

}  // namespace

int main(int argc, char** argv) {
  register_naive();
  for (SimdLevel level : {SimdLevel::kScalar, SimdLevel::kSSE2, SimdLevel::kAVX2, SimdLevel::kAVX512})
    register_level(level);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
