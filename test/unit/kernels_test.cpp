// Every kernel at every level this CPU runs, against a double-precision reference, over every
// length 1..300 (all main-loop/tail splits of the widest level) and a few long vectors.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "test_data.h"
#include "vectorx/kernels.h"

namespace vectorx {
namespace {

std::vector<size_t> test_lengths() {
  std::vector<size_t> n;
  for (size_t i = 1; i <= 300; ++i) n.push_back(i);
  for (size_t i : {512, 767, 768, 1536, 4099, 16000}) n.push_back(i);
  return n;
}

struct Reference {
  double value;
  double magnitude;  // sum of |terms|, the scale of float32 rounding error
};

template <typename T, typename Conv>
Reference reference(const std::vector<T>& a, const std::vector<T>& b, Conv conv,
                    const std::function<double(double, double)>& term) {
  Reference r{0, 0};
  for (size_t i = 0; i < a.size(); ++i) {
    const double t = term(conv(a[i]), conv(b[i]));
    r.value += t;
    r.magnitude += std::fabs(t);
  }
  return r;
}

// Float32 accumulation in up to 64 lanes: the error grows with the terms per lane.
double tolerance(const Reference& r, size_t n) {
  const double eps = 1.1920929e-07;
  return eps * (8.0 + 2.0 * std::sqrt(static_cast<double>(n))) * r.magnitude + 1e-30;
}

const std::function<double(double, double)> kL2 = [](double x, double y) { return (x - y) * (x - y); };
const std::function<double(double, double)> kDot = [](double x, double y) { return x * y; };
const std::function<double(double, double)> kL1 = [](double x, double y) { return std::fabs(x - y); };
const std::function<double(double, double)> kSelfA = [](double x, double) { return x * x; };
const std::function<double(double, double)> kSelfB = [](double, double y) { return y * y; };

class KernelLevelTest : public ::testing::TestWithParam<SimdLevel> {
 protected:
  void SetUp() override {
    table_ = kernel_table(GetParam());
    if (table_ == nullptr) GTEST_SKIP() << "CPU lacks " << simd_level_name(GetParam());
  }
  const KernelTable* table_ = nullptr;
};

template <typename T, typename Conv, typename Kernels>
void check_float_kernels(const std::vector<T>& a, const std::vector<T>& b, Conv conv,
                         const Kernels& k) {
  const size_t n = a.size();
  const auto l2 = reference(a, b, conv, kL2);
  const auto dot = reference(a, b, conv, kDot);
  const auto l1 = reference(a, b, conv, kL1);
  const auto na = reference(a, b, conv, kSelfA);
  const auto nb = reference(a, b, conv, kSelfB);
  EXPECT_NEAR(k.l2sq(a.data(), b.data(), n), l2.value, tolerance(l2, n)) << "l2sq n=" << n;
  EXPECT_NEAR(k.dot(a.data(), b.data(), n), dot.value, tolerance(dot, n)) << "dot n=" << n;
  EXPECT_NEAR(k.l1(a.data(), b.data(), n), l1.value, tolerance(l1, n)) << "l1 n=" << n;
  const DotNorms dn = k.dot_norms(a.data(), b.data(), n);
  EXPECT_NEAR(dn.dot, dot.value, tolerance(dot, n)) << "dot_norms.dot n=" << n;
  EXPECT_NEAR(dn.norm_a, na.value, tolerance(na, n)) << "dot_norms.norm_a n=" << n;
  EXPECT_NEAR(dn.norm_b, nb.value, tolerance(nb, n)) << "dot_norms.norm_b n=" << n;
}

struct F32View {
  const KernelTable* t;
  float l2sq(const float* a, const float* b, size_t n) const { return t->l2sq_f32(a, b, n); }
  float dot(const float* a, const float* b, size_t n) const { return t->dot_f32(a, b, n); }
  float l1(const float* a, const float* b, size_t n) const { return t->l1_f32(a, b, n); }
  DotNorms dot_norms(const float* a, const float* b, size_t n) const {
    return t->dot_norms_f32(a, b, n);
  }
};

struct F16View {
  const KernelTable* t;
  float l2sq(const half_bits* a, const half_bits* b, size_t n) const { return t->l2sq_f16(a, b, n); }
  float dot(const half_bits* a, const half_bits* b, size_t n) const { return t->dot_f16(a, b, n); }
  float l1(const half_bits* a, const half_bits* b, size_t n) const { return t->l1_f16(a, b, n); }
  DotNorms dot_norms(const half_bits* a, const half_bits* b, size_t n) const {
    return t->dot_norms_f16(a, b, n);
  }
};

TEST_P(KernelLevelTest, Float32MatchesDoubleReference) {
  for (size_t n : test_lengths()) {
    const auto a = test::random_floats(n, 1000 + static_cast<uint32_t>(n));
    const auto b = test::random_floats(n, 5000 + static_cast<uint32_t>(n));
    check_float_kernels(a, b, [](float x) { return static_cast<double>(x); }, F32View{table_});
  }
}

TEST_P(KernelLevelTest, Float16MatchesDoubleReference) {
  for (size_t n : test_lengths()) {
    const auto a = test::random_halves(n, 2000 + static_cast<uint32_t>(n));
    const auto b = test::random_halves(n, 7000 + static_cast<uint32_t>(n));
    check_float_kernels(a, b, [](half_bits x) { return static_cast<double>(half_to_float(x)); },
                        F16View{table_});
  }
}

TEST_P(KernelLevelTest, BitKernelsMatchBitByBitCount) {
  for (size_t nbytes : test_lengths()) {
    const auto a = test::random_bytes(nbytes, 3000 + static_cast<uint32_t>(nbytes));
    const auto b = test::random_bytes(nbytes, 9000 + static_cast<uint32_t>(nbytes));
    uint64_t x = 0, both = 0, either = 0;
    for (size_t i = 0; i < nbytes; ++i)
      for (int bit = 0; bit < 8; ++bit) {
        const bool p = (a[i] >> bit) & 1, q = (b[i] >> bit) & 1;
        x += p != q;
        both += p && q;
        either += p || q;
      }
    EXPECT_EQ(table_->hamming(a.data(), b.data(), nbytes), x) << nbytes;
    const BitCounts c = table_->and_or_count(a.data(), b.data(), nbytes);
    EXPECT_EQ(c.intersection, both) << nbytes;
    EXPECT_EQ(c.union_, either) << nbytes;
  }
}

TEST_P(KernelLevelTest, IdenticalVectorsHaveZeroDistance) {
  const auto a = test::random_floats(777, 42);
  EXPECT_EQ(table_->l2sq_f32(a.data(), a.data(), a.size()), 0.0f);
  EXPECT_EQ(table_->l1_f32(a.data(), a.data(), a.size()), 0.0f);
}

INSTANTIATE_TEST_SUITE_P(AllLevels, KernelLevelTest,
                         ::testing::Values(SimdLevel::kScalar, SimdLevel::kSSE2, SimdLevel::kAVX2,
                                           SimdLevel::kAVX512),
                         [](const auto& info) { return simd_level_name(info.param); });

TEST(KernelDispatch, DetectedLevelIsRunnableAndSwitchable) {
  const SimdLevel best = detected_simd_level();
  ASSERT_NE(kernel_table(best), nullptr);
  ASSERT_TRUE(set_active_simd_level(SimdLevel::kScalar));
  EXPECT_EQ(active_simd_level(), SimdLevel::kScalar);
  EXPECT_EQ(&kernels(), kernel_table(SimdLevel::kScalar));
  ASSERT_TRUE(set_active_simd_level(best));
  EXPECT_EQ(&kernels(), kernel_table(best));
}

}  // namespace
}  // namespace vectorx
