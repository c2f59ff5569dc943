// Binary (send/recv) forms of the vector types, identical to pgvector's and read with its
// checks, in its order and with its messages:
//   vector  / halfvec:  uint16 dim, uint16 unused (0), float4 / half bits [dim]
//   sparsevec:          int32 dim, int32 nnz, int32 unused (0), int32 index[nnz] (0-based,
//                       strictly increasing), float4 value[nnz] (non-zero)
// all big-endian. A value is read in two steps, so the caller can allocate between them: the
// header (dimensions checked against the limits and the column's typmod), then the elements.
// Every failure throws InputError; a message that ends early is kProtocolViolation, as
// Postgres' own pq_getmsg* calls report it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "vectorx/float16.h"

namespace vectorx {

class WireReader {
 public:
  WireReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint32_t u16();
  uint32_t u32();
  float f32();
  size_t consumed() const { return pos_; }

 private:
  const uint8_t* take(size_t n);
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// The dimension count of a dense value; `typmod` -1 accepts any.
int read_dense_header(WireReader& in, const char* type_name, int32_t typmod);
void read_dense_values(WireReader& in, float* out, int dim);
void read_dense_values(WireReader& in, half_bits* out, int dim);

struct SparseWireHeader {
  int32_t dim;
  int32_t nnz;
};
SparseWireHeader read_sparse_header(WireReader& in, int32_t typmod);
void read_sparse_elements(WireReader& in, const SparseWireHeader& h, int32_t* indices, float* values);

// Shared with the text form: checks a sparse index (0-based) after `previous` (-1 for the
// first) in a value of `dim` dimensions.
void check_sparse_index(int32_t index, int64_t previous, int64_t dim);

}  // namespace vectorx
