// IEEE 754 binary16 conversion, exact and portable (no hardware needed).
// float -> half rounds to nearest, ties to even; values beyond the half range overflow
// (reported to the caller, never silently turned into infinity).
#pragma once

#include <cstdint>
#include <cstring>

namespace vectorx {

using half_bits = uint16_t;

constexpr float kHalfMax = 65504.0f;

inline float half_to_float(half_bits h) noexcept {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112u) << 23) | (mant << 13);  // normal: rebias 15 -> 127
  } else if (mant == 0) {
    bits = sign;  // signed zero
  } else {
    // Subnormal half: normalise the mantissa into a float.
    uint32_t e = 113;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Converts with round-to-nearest-even. Returns false when |f| rounds beyond the half range
// (or f is not finite); `out` is then unspecified.
inline bool float_to_half(float f, half_bits* out) noexcept {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs = bits & 0x7fffffffu;
  if (abs >= 0x7f800000u) return false;  // inf or nan
  if (abs >= 0x477ff000u) return false;  // >= 65520 rounds to infinity
  if (abs < 0x38800000u) {
    // Result is a half subnormal (or zero): value = m * 2^-24 with m rounded to even.
    if (abs < 0x33000000u) {  // < 2^-25: rounds to zero
      *out = sign;
      return true;
    }
    const uint32_t exp = abs >> 23;
    const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - exp;  // 14..24 for this range
    uint32_t m = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1);
    const uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (m & 1u))) ++m;
    *out = static_cast<uint16_t>(sign | m);
    return true;
  }
  // Normal: rebias and round the 13 dropped bits to even; a carry may bump the exponent.
  uint32_t h = ((abs >> 13) - (112u << 10));
  const uint32_t rem = abs & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
  *out = static_cast<uint16_t>(sign | h);
  return true;
}

inline bool half_is_zero(half_bits h) noexcept { return (h & 0x7fffu) == 0; }

}  // namespace vectorx
