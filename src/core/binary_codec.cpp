// Binary forms of the vector types (binary_codec.h).
#include "vectorx/binary_codec.h"

#include <cmath>
#include <cstring>
#include <string>

#include "vectorx/errors.h"
#include "vectorx/limits.h"

namespace vectorx {
namespace {

[[noreturn]] void fail(ErrorKind kind, const std::string& message) { throw InputError(kind, message); }

void check_dims(const char* type_name, int64_t dim, int64_t max_dim) {
  if (dim < 1) fail(ErrorKind::kDataException, std::string(type_name) + " must have at least 1 dimension");
  if (dim > max_dim)
    fail(ErrorKind::kProgramLimit,
         std::string(type_name) + " cannot have more than " + std::to_string(max_dim) + " dimensions");
}

void check_finite(const char* type_name, float v) {
  if (std::isnan(v)) fail(ErrorKind::kDataException, std::string("NaN not allowed in ") + type_name);
  if (std::isinf(v)) fail(ErrorKind::kDataException, std::string("infinite value not allowed in ") + type_name);
}

void check_unused(uint32_t unused) {
  if (unused != 0) fail(ErrorKind::kDataException, "expected unused to be 0, not " + std::to_string(static_cast<int32_t>(unused)));
}

void check_expected_dims(int32_t typmod, int64_t dim) {
  if (typmod != -1 && typmod != dim)
    fail(ErrorKind::kDataException, "expected " + std::to_string(typmod) + " dimensions, not " + std::to_string(dim));
}

}  // namespace

const uint8_t* WireReader::take(size_t n) {
  if (size_ - pos_ < n) fail(ErrorKind::kProtocolViolation, "insufficient data left in message");
  const uint8_t* p = data_ + pos_;
  pos_ += n;
  return p;
}

uint32_t WireReader::u16() {
  const uint8_t* p = take(2);
  return (uint32_t{p[0]} << 8) | p[1];
}

uint32_t WireReader::u32() {
  const uint8_t* p = take(4);
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

float WireReader::f32() {
  const uint32_t bits = u32();
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

int read_dense_header(WireReader& in, const char* type_name, int32_t typmod) {
  const int dim = static_cast<int>(in.u16());  // unsigned on the wire, as pgvector reads it
  const uint32_t unused = in.u16();
  check_dims(type_name, dim, kMaxDim);
  check_expected_dims(typmod, dim);
  if (unused != 0) fail(ErrorKind::kDataException, "expected unused to be 0, not " + std::to_string(unused));
  return dim;
}

void read_dense_values(WireReader& in, float* out, int dim) {
  for (int i = 0; i < dim; ++i) {
    out[i] = in.f32();
    check_finite("vector", out[i]);
  }
}

void read_dense_values(WireReader& in, half_bits* out, int dim) {
  for (int i = 0; i < dim; ++i) {
    out[i] = static_cast<half_bits>(in.u16());
    check_finite("halfvec", half_to_float(out[i]));
  }
}

SparseWireHeader read_sparse_header(WireReader& in, int32_t typmod) {
  SparseWireHeader h;
  h.dim = static_cast<int32_t>(in.u32());
  h.nnz = static_cast<int32_t>(in.u32());
  const uint32_t unused = in.u32();
  check_dims("sparsevec", h.dim, kSparseMaxDim);
  if (h.nnz < 0) fail(ErrorKind::kDataException, "sparsevec cannot have negative number of elements");
  if (h.nnz > kSparseMaxNnz)
    fail(ErrorKind::kProgramLimit,
         "sparsevec cannot have more than " + std::to_string(kSparseMaxNnz) + " non-zero elements");
  if (h.nnz > h.dim) fail(ErrorKind::kProgramLimit, "sparsevec cannot have more elements than dimensions");
  check_expected_dims(typmod, h.dim);
  check_unused(unused);
  return h;
}

void check_sparse_index(int32_t index, int64_t previous, int64_t dim) {
  if (index < 0 || index >= dim) fail(ErrorKind::kDataException, "sparsevec index out of bounds");
  if (index < previous) fail(ErrorKind::kDataException, "sparsevec indices must be in ascending order");
  if (index == previous) fail(ErrorKind::kDataException, "sparsevec indices must not contain duplicates");
}

void read_sparse_elements(WireReader& in, const SparseWireHeader& h, int32_t* indices, float* values) {
  for (int32_t i = 0; i < h.nnz; ++i) {
    indices[i] = static_cast<int32_t>(in.u32());
    check_sparse_index(indices[i], i > 0 ? indices[i - 1] : -1, h.dim);
  }
  for (int32_t i = 0; i < h.nnz; ++i) {
    values[i] = in.f32();
    check_finite("sparsevec", values[i]);
    if (values[i] == 0) fail(ErrorKind::kDataException, "binary representation of sparsevec cannot contain zero values");
  }
}

}  // namespace vectorx
