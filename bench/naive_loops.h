// Plain scalar loops (see naive_loops.cpp).
#pragma once

#include <cstddef>

namespace vectorx::bench {

float naive_l2sq(const float* a, const float* b, size_t n);
float naive_dot(const float* a, const float* b, size_t n);
float naive_l1(const float* a, const float* b, size_t n);
// Computes a·b, a·a and b·b in one pass and returns their sum (so nothing is optimised away).
float naive_cosine_parts(const float* a, const float* b, size_t n);

}  // namespace vectorx::bench
