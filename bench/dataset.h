// Readers for benchmark datasets: texmex .fvecs/.ivecs and gzip-compressed idx image files
// (fashion-mnist). Malformed or truncated input throws DatasetError naming file and offset.
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
};

Matrix<float> read_fvecs(const std::string& path);
Matrix<int32_t> read_ivecs(const std::string& path);
// idx3-ubyte images (gzip or plain), pixels as floats 0..255, one row per image.
Matrix<float> read_idx_images(const std::string& path);

}  // namespace vectorx::bench
