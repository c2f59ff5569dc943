// Dimension limits shared by the core and the SQL layer (the pgvector 0.8 type surface).
#pragma once

#include <cstdint>

namespace vectorx {

constexpr int kMaxDim = 16000;                 // vector, halfvec
constexpr int64_t kSparseMaxDim = 1000000000;  // sparsevec
constexpr int kSparseMaxNnz = 16000;           // sparsevec non-zeros

}  // namespace vectorx
