// Readers for benchmark datasets. Malformed or truncated input throws DatasetError naming the
// file and the byte offset where reading failed.
//   .fvecs / .ivecs / .bvecs  texmex: per record an int32 dimension, then float32 / int32 / uint8
//   .npy                      2-D little-endian float32, C order
//   anything else             idx3-ubyte images (gzip-compressed or plain), pixels as floats
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace vectorx::bench {

class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <typename T>
struct Matrix {
  size_t rows = 0;
  size_t dim = 0;
  std::vector<T> data;  // row-major
  const T* row(size_t i) const { return data.data() + i * dim; }
  T* row(size_t i) { return data.data() + i * dim; }
};

Matrix<float> read_fvecs(const std::string& path);
Matrix<int32_t> read_ivecs(const std::string& path);
Matrix<float> read_bvecs(const std::string& path);
Matrix<float> read_npy(const std::string& path);
Matrix<float> read_idx_images(const std::string& path);

// Picks the reader by file name (see above).
Matrix<float> read_vectors(const std::string& path);

void write_ivecs(const std::string& path, const Matrix<int32_t>& m);

}  // namespace vectorx::bench
