// The baseline for the kernel benchmark: the plain loops a C++ programmer writes first, one
// accumulator each. CMake compiles this file with -fno-tree-vectorize, so it is a true scalar
// reference against which the SIMD levels' speed-ups are reported.
#include "naive_loops.h"

#include <cmath>

namespace vectorx::bench {

float naive_l2sq(const float* a, const float* b, size_t n) {
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

float naive_dot(const float* a, const float* b, size_t n) {
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

float naive_l1(const float* a, const float* b, size_t n) {
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += std::fabs(a[i] - b[i]);
  return s;
}

float naive_cosine_parts(const float* a, const float* b, size_t n) {
  float dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < n; ++i) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot + na + nb;
}

}  // namespace vectorx::bench
