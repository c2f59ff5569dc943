// float16 conversion: every half round-trips exactly; float -> half rounds to nearest even and
// reports overflow.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "vectorx/float16.h"

namespace vectorx {
namespace {

TEST(Float16, AllBitPatternsRoundTrip) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const half_bits h = static_cast<half_bits>(bits);
    const float f = half_to_float(h);
    const bool is_nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
    const bool is_inf = (h & 0x7fff) == 0x7c00;
    if (is_nan) {
      EXPECT_TRUE(std::isnan(f)) << bits;
      continue;
    }
    if (is_inf) {
      EXPECT_TRUE(std::isinf(f)) << bits;
      continue;
    }
    half_bits back = 0;
    ASSERT_TRUE(float_to_half(f, &back)) << bits;
    EXPECT_EQ(back, h) << bits;
  }
}

TEST(Float16, KnownValues) {
  EXPECT_EQ(half_to_float(0x3c00), 1.0f);
  EXPECT_EQ(half_to_float(0xc000), -2.0f);
  EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(half_to_float(0x0400), std::ldexp(1.0f, -14));
  EXPECT_TRUE(std::signbit(half_to_float(0x8000)));
}

// Reference: the nearest half by exhaustive search, ties to the even mantissa.
half_bits nearest_half(float f) {
  half_bits best = 0;
  double best_err = std::numeric_limits<double>::infinity();
  for (uint32_t bits = 0; bits < 0x7c00; ++bits) {
    const half_bits h = static_cast<half_bits>(bits | (std::signbit(f) ? 0x8000 : 0));
    const double err = std::fabs(static_cast<double>(half_to_float(h)) - f);
    if (err < best_err || (err == best_err && (h & 1) == 0)) {
      best = h;
      best_err = err;
    }
  }
  return best;
}

TEST(Float16, RoundsToNearestEven) {
  // Midpoints between neighbouring halves and points just off them, across all binades.
  for (uint32_t bits = 0; bits < 0x7bff; bits += 97) {
    const double lo = half_to_float(static_cast<half_bits>(bits));
    const double hi = half_to_float(static_cast<half_bits>(bits + 1));
    for (double t : {0.5, 0.25, 0.75}) {
      const float f = static_cast<float>(lo + (hi - lo) * t);
      half_bits got = 0;
      ASSERT_TRUE(float_to_half(f, &got));
      EXPECT_EQ(got, nearest_half(f)) << "f=" << f;
      ASSERT_TRUE(float_to_half(-f, &got));
      EXPECT_EQ(got, nearest_half(-f)) << "f=" << -f;
    }
  }
}

TEST(Float16, OverflowIsReported) {
  half_bits h;
  EXPECT_TRUE(float_to_half(65504.0f, &h));
  EXPECT_EQ(h, 0x7bff);
  EXPECT_TRUE(float_to_half(65519.0f, &h));  // rounds down to the max
  EXPECT_EQ(h, 0x7bff);
  EXPECT_FALSE(float_to_half(65520.0f, &h));  // the midpoint rounds to even: infinity
  EXPECT_FALSE(float_to_half(-1e6f, &h));
  EXPECT_FALSE(float_to_half(std::numeric_limits<float>::infinity(), &h));
  EXPECT_FALSE(float_to_half(std::nanf(""), &h));
}

TEST(Float16, TinyValuesUnderflowToSignedZero) {
  half_bits h;
  ASSERT_TRUE(float_to_half(std::ldexp(1.0f, -26), &h));
  EXPECT_EQ(h, 0x0000);
  ASSERT_TRUE(float_to_half(-std::ldexp(1.0f, -26), &h));
  EXPECT_EQ(h, 0x8000);
  ASSERT_TRUE(float_to_half(std::ldexp(1.0f, -25), &h));  // tie with 0 and 2^-24: even is 0
  EXPECT_EQ(h, 0x0000);
  ASSERT_TRUE(float_to_half(std::ldexp(1.5f, -25), &h));
  EXPECT_EQ(h, 0x0001);
}

}  // namespace
}  // namespace vectorx
