// The SIMD kernels, written once over xsimd and instantiated per instruction set by
// kernels/{sse2,avx2,avx512}.cpp, each compiled with that set's -m flags.
//
// Design: four independent FMA accumulators hide the add latency (the loop is bound by loads,
// not by the dependency chain); float16 input is widened with F16C and uint8 codes with
// zero-extending conversions where the level has them.
// Everything sits in an anonymous namespace so the differently compiled copies never merge
// at link time (a merged inline function could run AVX-512 code on an older CPU).
#pragma once

#include <immintrin.h>

#include <cstring>
#include <type_traits>
#include <xsimd/xsimd.hpp>

#include "byte_strings.hpp"
#include "code_batches.hpp"
#include "vectorx/kernels.h"

namespace vectorx::detail {
namespace {

template <class Arch>
using fbatch = xsimd::batch<float, Arch>;

template <class Arch>
fbatch<Arch> load_lanes(const float* p) {
  return fbatch<Arch>::load_unaligned(p);
}

template <class Arch>
fbatch<Arch> load_lanes(const half_bits* p) {
  if constexpr (std::is_base_of<xsimd::avx512f, Arch>::value) {
    // Zero-masked form: same result, no GCC 12 false "uninitialized" warning.
    return _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  } else if constexpr (std::is_base_of<xsimd::avx2, Arch>::value) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  } else {
    alignas(64) float tmp[fbatch<Arch>::size];
    for (size_t l = 0; l < fbatch<Arch>::size; ++l) tmp[l] = half_to_float(p[l]);
    return fbatch<Arch>::load_aligned(tmp);
  }
}

template <class Arch>
fbatch<Arch> load_lanes(const uint8_t* p) {
  if constexpr (std::is_base_of<xsimd::avx512f, Arch>::value) {
    // Zero-masked forms, as for float16 above.
    return _mm512_maskz_cvtepi32_ps(0xffff, _mm512_maskz_cvtepu8_epi32(0xffff, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  } else if constexpr (std::is_base_of<xsimd::avx2, Arch>::value) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  } else {  // SSE2: widen 4 bytes to 4 ints by interleaving with zeros twice
    int32_t word;
    std::memcpy(&word, p, sizeof word);
    const __m128i zero = _mm_setzero_si128();
    const __m128i bytes = _mm_cvtsi32_si128(word);
    return _mm_cvtepi32_ps(_mm_unpacklo_epi16(_mm_unpacklo_epi8(bytes, zero), zero));
  }
}

// The final sum of a register's lanes, by halving it: a chain of log2(lanes) adds. Summing
// the lanes one after another cost 16 dependent adds on AVX-512, a third of a 100-dimension
// cosine distance. The AVX-512 halves are taken with the all-lanes masked intrinsic (GCC 12
// warns falsely of uninitialized values in the plain one).
inline float sum4(__m128 s) {
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

inline float sum8(__m256 v) { return sum4(_mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1))); }

template <class Arch>
float lane_sum(const fbatch<Arch>& v) {
  if constexpr (std::is_base_of<xsimd::avx512f, Arch>::value) {
    const __m512d bits = _mm512_castps_pd(v);
    return sum8(_mm256_add_ps(_mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xff, bits, 0)),
                              _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xff, bits, 1))));
  } else if constexpr (std::is_base_of<xsimd::avx, Arch>::value) {
    return sum8(v);
  } else {
    return sum4(v);
  }
}

// Whether a vector's last partial lane block is loaded at once (masked loads: AVX2, AVX-512)
// and summed in the lanes; otherwise (SSE2, float16 and 8-bit input) element by element. At
// 100 dimensions the element-by-element tail cost a fifth of an AVX-512 cosine distance.
// Vectors shorter than one block keep the element-by-element sum, pgvector's order: their
// results (overflowing ones included) stay the ones pgvector's tests expect.
template <class Arch, class T>
constexpr bool kPartialLoads = std::is_same<T, float>::value && (std::is_base_of<xsimd::avx512f, Arch>::value ||
                                                                 std::is_base_of<xsimd::avx2, Arch>::value);

// The first `count` (fewer than the lanes) floats at p, the other lanes 0. Masked-off lanes
// are not read, so this never reads past the vector.
template <class Arch>
fbatch<Arch> load_first(const float* p, size_t count) {
  if constexpr (std::is_base_of<xsimd::avx512f, Arch>::value) {
    return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << count) - 1), p);
  } else {
    static constexpr int32_t kLanes[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_maskload_ps(p, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kLanes + 8 - count)));
  }
}

// Sums step(i, acc) over lane blocks with four vector accumulators, then the rest: with
// partial(i, count, acc) in the lanes where `kPartial`, else tail(i) one by one.
template <class Arch, bool kPartial = false, class Step, class Tail, class Partial>
float reduce(size_t n, Step step, Tail tail, Partial partial) {
  using B = fbatch<Arch>;
  constexpr size_t W = B::size;
  B s0(0.f), s1(0.f), s2(0.f), s3(0.f);
  size_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    s0 = step(i, s0);
    s1 = step(i + W, s1);
    s2 = step(i + 2 * W, s2);
    s3 = step(i + 3 * W, s3);
  }
  for (; i + W <= n; i += W) s0 = step(i, s0);
  if constexpr (kPartial) {
    if (i < n && n >= W) {
      s1 = partial(i, n - i, s1);
      i = n;
    }
  }
  float r = lane_sum<Arch>((s0 + s1) + (s2 + s3));
  for (; i < n; ++i) r += tail(i);
  return r;
}

template <class Arch, class Step, class Tail>
float reduce(size_t n, Step step, Tail tail) {
  return reduce<Arch>(n, step, tail, [](size_t, size_t, fbatch<Arch> acc) { return acc; });
}

inline float to_float(float x) { return x; }
inline float to_float(uint8_t x) { return x; }
inline float to_float(half_bits x) { return half_to_float(x); }

template <class Arch, class T>
struct SimdOps {
  using B = fbatch<Arch>;
  static constexpr size_t W = B::size;

  // Sums term(a_i, b_i): `vec` on lane blocks, `one` on the scalar tail.
  // Lanes past the vector load as 0 in both, where every term is 0.
  template <class Vec, class One>
  static float sum_pairs(const T* a, const T* b, size_t n, Vec vec, One one) {
    return reduce<Arch, kPartialLoads<Arch, T>>(
        n, [&](size_t i, B acc) { return vec(load_lanes<Arch>(a + i), load_lanes<Arch>(b + i), acc); },
        [&](size_t i) { return one(to_float(a[i]), to_float(b[i])); },
        [&](size_t i, size_t count, B acc) {
          if constexpr (kPartialLoads<Arch, T>)
            return vec(load_first<Arch>(a + i, count), load_first<Arch>(b + i, count), acc);
          else
            return acc;
        });
  }

  static float l2sq(const T* a, const T* b, size_t n) {
    return sum_pairs(
        a, b, n,
        [](B x, B y, B s) {
          const B d = x - y;
          return xsimd::fma(d, d, s);
        },
        [](float x, float y) { return (x - y) * (x - y); });
  }

  static float dot(const T* a, const T* b, size_t n) {
    return sum_pairs(
        a, b, n, [](B x, B y, B s) { return xsimd::fma(x, y, s); }, [](float x, float y) { return x * y; });
  }

  static float l1(const T* a, const T* b, size_t n) {
    return sum_pairs(
        a, b, n, [](B x, B y, B s) { return s + xsimd::abs(x - y); },
        [](float x, float y) { return __builtin_fabsf(x - y); });
  }

  // One pass for cosine: a·b, a·a and b·b with two accumulators each.
  static DotNorms dot_norms(const T* a, const T* b, size_t n) {
    B d0(0.f), d1(0.f), na0(0.f), na1(0.f), nb0(0.f), nb1(0.f);
    const auto add = [&](const B& x, const B& y, B& d, B& na, B& nb) {
      d = xsimd::fma(x, y, d);
      na = xsimd::fma(x, x, na);
      nb = xsimd::fma(y, y, nb);
    };
    size_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
      add(load_lanes<Arch>(a + i), load_lanes<Arch>(b + i), d0, na0, nb0);
      add(load_lanes<Arch>(a + i + W), load_lanes<Arch>(b + i + W), d1, na1, nb1);
    }
    if (i + W <= n) {
      add(load_lanes<Arch>(a + i), load_lanes<Arch>(b + i), d0, na0, nb0);
      i += W;
    }
    if constexpr (kPartialLoads<Arch, T>) {
      if (i < n && n >= W) {
        add(load_first<Arch>(a + i, n - i), load_first<Arch>(b + i, n - i), d1, na1, nb1);
        i = n;
      }
    }
    DotNorms r{lane_sum<Arch>(d0 + d1), lane_sum<Arch>(na0 + na1), lane_sum<Arch>(nb0 + nb1)};
    for (; i < n; ++i) {
      const float x = to_float(a[i]), y = to_float(b[i]);
      r.dot += x * y;
      r.norm_a += x * x;
      r.norm_b += y * y;
    }
    return r;
  }
};

// True for the levels compiled with AVX2 available (the AVX-512 level too: xsimd's avx512
// architectures do not derive from avx2, so is_base_of<avx2> alone misses them).
template <class Arch>
constexpr bool has_avx2 = std::is_base_of<xsimd::avx2, Arch>::value || std::is_base_of<xsimd::avx512f, Arch>::value;

// 8-bit scalar codes: each code widened to a float lane, scaled by its dimension's step. On
// AVX-512 the last partial block is one masked byte load (AVX-512BW); AVX2 has no masked byte
// load, and building the block in memory stalled store forwarding, so there the tail is summed
// element by element.
template <class Arch>
constexpr bool kCodeTailLoads = std::is_base_of<xsimd::avx512bw, Arch>::value;

template <class Arch>
fbatch<Arch> load_first_codes(const uint8_t* p, size_t count) {
  const __m128i bytes = _mm_maskz_loadu_epi8(static_cast<__mmask16>((1u << count) - 1), p);
  return _mm512_maskz_cvtepi32_ps(0xffff, _mm512_maskz_cvtepu8_epi32(0xffff, bytes));
}

// Whether every sum sq8_dot forms over n elements fits 32 bits (short vectors: up to 257).
constexpr bool sums_fit_32_bits(size_t n) {
  return static_cast<uint64_t>(n) * static_cast<uint64_t>(sq8_dot_weight_limit(n)) * 255 < (uint64_t{1} << 31);
}

// The sum of eight 32-bit lanes whose total fits 32 bits, by halving.
inline int32_t lane_sum32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

// The sum of eight 32-bit lanes, in 64 bits.
inline int64_t lane_sum64(__m256i v) {
  alignas(32) int32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), v);
  int64_t sum = 0;
  for (int32_t lane : lanes) sum += lane;
  return sum;
}

template <class Arch>
struct Sq8Ops {
  using B = fbatch<Arch>;

  template <class Vec, class One>
  static float sum_residuals(const float* r, const float* step, const uint8_t* codes, size_t n, Vec vec, One one) {
    const auto residual = [](B r_i, B step_i, B code_i) { return xsimd::fnma(step_i, code_i, r_i); };
    return reduce<Arch, kCodeTailLoads<Arch>>(
        n,
        [&](size_t i, B acc) {
          return vec(residual(B::load_unaligned(r + i), B::load_unaligned(step + i), load_lanes<Arch>(codes + i)), acc);
        },
        [&](size_t i) { return one(r[i] - step[i] * static_cast<float>(codes[i])); },
        [&](size_t i, size_t count, B acc) {
          if constexpr (kCodeTailLoads<Arch>)
            return vec(residual(load_first<Arch>(r + i, count), load_first<Arch>(step + i, count),
                                load_first_codes<Arch>(codes + i, count)),
                       acc);
          else
            return acc;
        });
  }

  static float l2sq(const float* r, const float* step, const uint8_t* codes, size_t n) {
    return sum_residuals(
        r, step, codes, n, [](B d, B s) { return xsimd::fma(d, d, s); }, [](float d) { return d * d; });
  }

  static float l1(const float* r, const float* step, const uint8_t* codes, size_t n) {
    return sum_residuals(
        r, step, codes, n, [](B d, B s) { return s + xsimd::abs(d); }, [](float d) { return __builtin_fabsf(d); });
  }

  // Σ w_i·code_i exactly: codes widened to 16 bits, pairs multiplied and added into 32-bit
  // lanes (pmaddwd), each lane accumulator taking one pair per 32 elements (sq8_dot_weight_limit);
  // the lanes are summed in 64 bits. The AVX-512 tail is one masked load; the others end
  // element by element.
  static int64_t dot(const int16_t* w, const uint8_t* codes, size_t n) {
    size_t i = 0;
    int64_t sum = 0;
    if constexpr (std::is_base_of<xsimd::avx512bw, Arch>::value) {
      __m512i acc = _mm512_setzero_si512();
      const auto add = [&](__m256i c, __m512i weights) {
        acc = _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_cvtepu8_epi16(c), weights));
      };
      for (; i + 32 <= n; i += 32)
        add(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + i)), _mm512_loadu_si512(w + i));
      if (i < n) {
        const auto mask = static_cast<__mmask32>((uint64_t{1} << (n - i)) - 1);
        add(_mm256_maskz_loadu_epi8(mask, codes + i), _mm512_maskz_loadu_epi16(mask, w + i));
        i = n;
      }
      // All-lanes masked forms, as in lane_sum (GCC 12's false "uninitialized" warnings).
      const __m256i low = _mm512_maskz_extracti64x4_epi64(0xff, acc, 0), high = _mm512_maskz_extracti64x4_epi64(0xff, acc, 1);
      sum = sums_fit_32_bits(n) ? lane_sum32(_mm256_add_epi32(low, high)) : lane_sum64(low) + lane_sum64(high);
    } else if constexpr (has_avx2<Arch>) {
      __m256i acc[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
      const auto add = [&](__m256i& a, size_t at) {
        const __m256i c = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(codes + at)));
        a = _mm256_add_epi32(a, _mm256_madd_epi16(c, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + at))));
      };
      for (; i + 32 <= n; i += 32) {
        add(acc[0], i);
        add(acc[1], i + 16);
      }
      if (i + 16 <= n) {
        add(acc[0], i);
        i += 16;
      }
      sum = sums_fit_32_bits(n) ? lane_sum32(_mm256_add_epi32(acc[0], acc[1])) : lane_sum64(acc[0]) + lane_sum64(acc[1]);
    } else {
      __m128i acc[4] = {_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128()};
      const __m128i zero = _mm_setzero_si128();
      for (; i + 8 <= n; i += 8) {
        const __m128i c = _mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(codes + i)), zero);
        __m128i& a = acc[(i / 8) % 4];
        a = _mm_add_epi32(a, _mm_madd_epi16(c, _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i))));
      }
      for (const __m128i& a : acc) {
        alignas(16) int32_t lanes[4];
        _mm_store_si128(reinterpret_cast<__m128i*>(lanes), a);
        sum += int64_t{lanes[0]} + lanes[1] + lanes[2] + lanes[3];
      }
    }
    for (; i < n; ++i) sum += int64_t{w[i]} * codes[i];
    return sum;
  }
};

// sq8_dot over 4-bit codes, weights laid out by sq4_weights: codes are read as 16-bit words,
// and a word's four nibbles, each shifted down and masked in place, are multiplied with their
// weights and added pairwise into 32-bit lanes (pmaddwd): no widening, no shuffles. A lane
// takes 8 products per 64-byte chunk, far below sq8_dot_weight_limit's one pair per 32
// elements. `readable`: bytes that may be read from `codes` (at least the code's). Whole loads
// may run past the code, where the weights are 0; short of room, AVX-512 ends with a masked
// load, the other levels with a 16-byte piece and then byte by byte.
template <class Arch>
int64_t sq4_dot(const int16_t* w, const uint8_t* codes, size_t n, size_t readable) {
  const size_t bytes = (n + 1) / 2;
  const bool fits_32_bits = static_cast<uint64_t>(n) * static_cast<uint64_t>(sq8_dot_weight_limit(n)) * 15 < (uint64_t{1} << 31);
  constexpr size_t kRun = kSq4ChunkBytes / 2;  // weights a run: one a word of the chunk
  size_t p = 0;
  int64_t sum = 0;
  // The four products of the words at byte p (its weights: sq4_weight_slot(p) on), summed.
  const auto piece = [&](auto words, auto low4, auto load, auto srli, auto band, auto madd, auto add) {
    const int16_t* at = w + sq4_weight_slot(p);
    return add(add(madd(band(words, low4), load(at)), madd(band(srli(words, 4), low4), load(at + kRun))),
               add(madd(band(srli(words, 8), low4), load(at + 2 * kRun)), madd(srli(words, 12), load(at + 3 * kRun))));
  };
  const auto sse_piece = [&](__m128i words) {
    return piece(
        words, _mm_set1_epi16(15), [](const int16_t* a) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(a)); },
        [](__m128i v, int s) { return _mm_srl_epi16(v, _mm_cvtsi32_si128(s)); }, _mm_and_si128, _mm_madd_epi16,
        _mm_add_epi32);
  };
  if constexpr (std::is_base_of<xsimd::avx512bw, Arch>::value) {
    __m512i acc = _mm512_setzero_si512();
    for (; p < bytes; p += kSq4ChunkBytes) {
      const size_t left = bytes - p;
      const __m512i words = p + kSq4ChunkBytes <= readable
                                ? _mm512_loadu_si512(codes + p)
                                : _mm512_maskz_loadu_epi8(_cvtu64_mask64((uint64_t{1} << left) - 1), codes + p);
      acc = _mm512_add_epi32(
          acc, piece(
                   words, _mm512_set1_epi16(15), [](const int16_t* a) { return _mm512_loadu_si512(a); },
                   [](__m512i v, int s) { return _mm512_srl_epi16(v, _mm_cvtsi32_si128(s)); }, _mm512_and_si512,
                   _mm512_madd_epi16, _mm512_add_epi32));
    }
    // All-lanes masked forms, as in lane_sum (GCC 12's false "uninitialized" warnings).
    const __m256i lo4 = _mm512_maskz_extracti64x4_epi64(0xff, acc, 0), hi4 = _mm512_maskz_extracti64x4_epi64(0xff, acc, 1);
    sum = fits_32_bits ? lane_sum32(_mm256_add_epi32(lo4, hi4)) : lane_sum64(lo4) + lane_sum64(hi4);
  } else if constexpr (has_avx2<Arch>) {
    __m256i acc = _mm256_setzero_si256();
    for (; p < bytes && p + kSq4ChunkBytes / 2 <= readable; p += kSq4ChunkBytes / 2)
      acc = _mm256_add_epi32(
          acc, piece(
                   _mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + p)), _mm256_set1_epi16(15),
                   [](const int16_t* a) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a)); },
                   [](__m256i v, int s) { return _mm256_srl_epi16(v, _mm_cvtsi32_si128(s)); }, _mm256_and_si256,
                   _mm256_madd_epi16, _mm256_add_epi32));
    if (p < bytes && p + 16 <= readable) {
      acc = _mm256_add_epi32(acc, _mm256_zextsi128_si256(sse_piece(_mm_loadu_si128(reinterpret_cast<const __m128i*>(codes + p)))));
      p += 16;
    }
    sum = fits_32_bits ? lane_sum32(acc) : lane_sum64(acc);
  } else {
    __m128i acc = _mm_setzero_si128();
    for (; p < bytes && p + 16 <= readable; p += 16) acc = _mm_add_epi32(acc, sse_piece(_mm_loadu_si128(reinterpret_cast<const __m128i*>(codes + p))));
    alignas(16) int32_t lanes[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes), acc);
    sum = int64_t{lanes[0]} + lanes[1] + lanes[2] + lanes[3];
  }
  return sum + sq4_bytes_dot(w, codes, p, bytes);
}

// sq4_dot over a batch: all but its last codes can be read past their end.
template <class Arch>
void sq4_batch(const int16_t* w, const uint8_t* codes, size_t stride, size_t count, size_t n, int64_t* out) {
  const size_t bytes = (n + 1) / 2;
  for (size_t e = 0; e < count; ++e) out[e] = sq4_dot<Arch>(w, codes + e * stride, n, (count - 1 - e) * stride + bytes);
}

// 4-bit PQ fast scan: one byte shuffle looks up 16 vectors' partial distances at once.
// Needs SSSE3's pshufb; the AVX2 and AVX-512 levels have it, SSE2 uses the portable loop.
template <class Arch>
void pq4_scan_block(const uint8_t* block, const uint8_t* lut, size_t m, uint16_t* out) {
  if constexpr (has_avx2<Arch>) {
    const __m128i low_nibbles = _mm_set1_epi8(0x0f);
    __m256i acc_lo = _mm256_setzero_si256(), acc_hi = _mm256_setzero_si256();
    for (size_t j = 0; j < m; ++j) {
      const __m128i codes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + j * 16));
      const __m128i table = _mm_loadu_si128(reinterpret_cast<const __m128i*>(lut + j * 16));
      const __m128i lo = _mm_shuffle_epi8(table, _mm_and_si128(codes, low_nibbles));
      const __m128i hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(codes, 4), low_nibbles));
      acc_lo = _mm256_add_epi16(acc_lo, _mm256_cvtepu8_epi16(lo));
      acc_hi = _mm256_add_epi16(acc_hi, _mm256_cvtepu8_epi16(hi));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), acc_lo);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 16), acc_hi);
  } else {
    pq4_scan_block_portable(block, lut, m, out);
  }
}

// 4-bit table quantization, one 16-float row at a time: in one AVX-512 register, else in four
// SSE registers (SSE2 and AVX2 levels). Horizontal min/max by halving; no fused multiply-add,
// so the bytes equal the portable kernel's. AVX-512 uses the all-lanes masked intrinsics
// (GCC 12's false "uninitialized" warnings, as above).
inline float hmin4(__m128 v) {
  v = _mm_min_ps(v, _mm_movehl_ps(v, v));
  return _mm_cvtss_f32(_mm_min_ss(v, _mm_shuffle_ps(v, v, 1)));
}

inline float hmax4(__m128 v) {
  v = _mm_max_ps(v, _mm_movehl_ps(v, v));
  return _mm_cvtss_f32(_mm_max_ss(v, _mm_shuffle_ps(v, v, 1)));
}

struct Lut16Quarters {
  __m128 part[4];
};
struct Lut16Whole {
  __m512 v;
};

template <class Arch>
struct Lut16Row {
  static constexpr bool kWide = std::is_base_of<xsimd::avx512f, Arch>::value;
  std::conditional_t<kWide, Lut16Whole, Lut16Quarters> lanes;

  explicit Lut16Row(const float* row) {
    if constexpr (kWide) {
      lanes.v = _mm512_loadu_ps(row);
    } else {
      for (int i = 0; i < 4; ++i) lanes.part[i] = _mm_loadu_ps(row + 4 * i);
    }
  }

  template <class Op>
  __m128 fold(Op op) const {
    if constexpr (kWide) {
      const __m512d bits = _mm512_castps_pd(lanes.v);
      const __m256 half = op(_mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xff, bits, 0)),
                             _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xff, bits, 1)));
      return op(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
    } else {
      return op(op(lanes.part[0], lanes.part[1]), op(lanes.part[2], lanes.part[3]));
    }
  }
  float min() const {
    return hmin4(fold([](auto a, auto b) {
      if constexpr (sizeof(a) == 32) return _mm256_min_ps(a, b); else return _mm_min_ps(a, b);
    }));
  }
  float max() const {
    return hmax4(fold([](auto a, auto b) {
      if constexpr (sizeof(a) == 32) return _mm256_max_ps(a, b); else return _mm_max_ps(a, b);
    }));
  }

  // min(255, trunc((row - lo) * scale + 0.5)) as 16 bytes.
  void quantize(float lo, float scale, uint8_t* out) const {
    if constexpr (kWide) {
      __m512 v = _mm512_mul_ps(_mm512_sub_ps(lanes.v, _mm512_set1_ps(lo)), _mm512_set1_ps(scale));
      v = _mm512_maskz_min_ps(0xffff, _mm512_set1_ps(255.0f), _mm512_add_ps(v, _mm512_set1_ps(0.5f)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm512_maskz_cvtepi32_epi8(0xffff, _mm512_maskz_cvttps_epi32(0xffff, v)));
    } else {
      __m128i q[4];
      for (int i = 0; i < 4; ++i) {
        __m128 v = _mm_mul_ps(_mm_sub_ps(lanes.part[i], _mm_set1_ps(lo)), _mm_set1_ps(scale));
        q[i] = _mm_cvttps_epi32(_mm_min_ps(_mm_set1_ps(255.0f), _mm_add_ps(v, _mm_set1_ps(0.5f))));
      }
      // 0..255 survive signed 32→16 saturation, then unsigned 16→8.
      const __m128i words = _mm_packs_epi32(q[0], q[1]), words2 = _mm_packs_epi32(q[2], q[3]);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_packus_epi16(words, words2));
    }
  }
};

template <class Arch>
Lut16Bounds lut16_bounds(const float* table, size_t m) {
  Lut16Bounds b{0, 0};
  for (size_t j = 0; j < m; ++j) {
    const Lut16Row<Arch> row(table + j * 16);
    const float lo = row.min();
    b.bias += lo;
    b.widest = std::max(b.widest, row.max() - lo);
  }
  return b;
}

template <class Arch>
void lut16_quantize(const float* table, size_t m, float scale, uint8_t* lut) {
  for (size_t j = 0; j < m; ++j) {
    const Lut16Row<Arch> row(table + j * 16);
    row.quantize(row.min(), scale, lut + j * 16);
  }
}

template <class Arch>
constexpr KernelTable make_table() {
  using F32 = SimdOps<Arch, float>;
  using F16 = SimdOps<Arch, half_bits>;
  return KernelTable{F32::l2sq,    F32::dot,       F32::dot_norms,     F32::l1,
                     F16::l2sq,    F16::dot,       F16::dot_norms,     F16::l1,
                     hamming_words, and_or_count_words,
                     pq4_scan_block<Arch>, lut16_bounds<Arch>, lut16_quantize<Arch>,
                     sq8_batch<Sq8Ops<Arch>::l2sq>, sq8_batch<Sq8Ops<Arch>::l1>, sq8_batch<Sq8Ops<Arch>::dot>,
                     sq4_batch<Arch>};
}

}  // namespace
}  // namespace vectorx::detail
