// Text forms of the vector types, identical to pgvector's:
//   dense  "[1,2.5,3]"          (vector, halfvec)
//   sparse "{1:1.5,3:2}/5"      (sparsevec; 1-based indices in text)
// Parsers throw InputError; printers never fail and never allocate.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vectorx {

// Upper bound on the elements a text value can hold (commas + 1); callers size buffers by it.
size_t text_element_bound(std::string_view text) noexcept;

// Parses "[a,b,...]" into out[0..capacity). Rejects malformed text, out-of-range numbers,
// NaN/Inf, empty vectors and more than kMaxDim elements. `type_name` goes into messages.
size_t parse_dense_text(std::string_view text, const char* type_name, float* out,
                        size_t capacity);

struct SparseElement {
  int32_t index;  // 0-based once parsed
  float value;
};

struct SparseHeader {
  int64_t dim;
  size_t nnz;
};

// Parses "{i:v,...}/dim" into out[0..capacity) as pgvector reads it: more than kSparseMaxNnz
// entries (zeros included) is an error; zero values are dropped unchecked; elements are sorted
// by index; duplicates and indices outside 1..dim are errors.
SparseHeader parse_sparse_text(std::string_view text, SparseElement* out, size_t capacity);

// Longest text of one float4 from format_float (no terminator).
constexpr size_t kMaxFloatText = 16;

// Writes the shortest text that reads back to exactly `v`, in Postgres float4 style
// ("1", "1.5", "1e+06", "1e-05"). Returns the number of chars written (no terminator).
size_t format_float(float v, char* out) noexcept;

// Buffer size that fits format_dense / format_sparse output, terminator included.
constexpr size_t dense_text_capacity(size_t n) { return n * (kMaxFloatText + 1) + 3; }
constexpr size_t sparse_text_capacity(size_t nnz) { return nnz * (kMaxFloatText + 12) + 16; }

// Writes "[..]" plus a NUL; returns the length without the NUL. `print(v, out)` writes one
// float and returns its length (at most kMaxFloatText): format_float, or in the server
// Postgres' own float4 printer.
template <class PrintFloat>
size_t format_dense(const float* values, size_t n, char* out, PrintFloat print) noexcept {
  size_t len = 0;
  out[len++] = '[';
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out[len++] = ',';
    len += print(values[i], out + len);
  }
  out[len++] = ']';
  out[len] = '\0';
  return len;
}
inline size_t format_dense(const float* values, size_t n, char* out) noexcept {
  return format_dense(values, n, out, format_float);
}

// Writes "{..}/dim" (indices 0-based in, 1-based out) plus a NUL; returns the length.
template <class PrintFloat>
size_t format_sparse(int64_t dim, const int32_t* indices, const float* values, size_t nnz, char* out,
                     PrintFloat print) noexcept {
  size_t len = 0;
  out[len++] = '{';
  for (size_t i = 0; i < nnz; ++i) {
    if (i > 0) out[len++] = ',';
    len = static_cast<size_t>(std::to_chars(out + len, out + len + 11, indices[i] + 1).ptr - out);
    out[len++] = ':';
    len += print(values[i], out + len);
  }
  out[len++] = '}';
  out[len++] = '/';
  len = static_cast<size_t>(std::to_chars(out + len, out + len + 20, dim).ptr - out);
  out[len] = '\0';
  return len;
}
inline size_t format_sparse(int64_t dim, const int32_t* indices, const float* values, size_t nnz, char* out) noexcept {
  return format_sparse(dim, indices, values, nnz, out, format_float);
}

}  // namespace vectorx
