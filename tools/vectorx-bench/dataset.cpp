// Dataset readers (see dataset.h).
#include "dataset.h"

#include <zlib.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <regex>

namespace vectorx::bench {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

[[noreturn]] void fail(const std::string& path, const std::string& what, size_t offset) {
  throw DatasetError(path + ": " + what + " at offset " + std::to_string(offset));
}

std::vector<unsigned char> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DatasetError(path + ": cannot open");
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
}

// Reads a whole file through zlib, which passes plain (non-gzip) files through unchanged.
std::vector<unsigned char> read_maybe_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) throw DatasetError(path + ": cannot open");
  std::vector<unsigned char> out;
  unsigned char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
  // A stream that ends early still returns its data; only gzerror tells (Z_BUF_ERROR).
  int err = Z_OK;
  const char* msg = gzerror(f, &err);
  const std::string detail = msg != nullptr ? msg : "";
  gzclose(f);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END))
    fail(path, "gzip error (" + detail + ")", out.size());
  return out;
}

// texmex records: int32 dim, then dim values of type In, stored as Out.
template <typename In, typename Out>
Matrix<Out> read_vecs(const std::string& path) {
  const std::vector<unsigned char> bytes = read_all(path);
  Matrix<Out> m;
  size_t off = 0;
  while (off < bytes.size()) {
    if (bytes.size() - off < 4) fail(path, "truncated dimension", off);
    int32_t dim;
    std::memcpy(&dim, bytes.data() + off, 4);
    if (dim <= 0 || (m.rows > 0 && static_cast<size_t>(dim) != m.dim))
      fail(path, "bad dimension " + std::to_string(dim), off);
    const size_t need = 4 + sizeof(In) * static_cast<size_t>(dim);
    if (bytes.size() - off < need) fail(path, "truncated record", off);
    m.dim = static_cast<size_t>(dim);
    const unsigned char* src = bytes.data() + off + 4;
    for (size_t i = 0; i < m.dim; ++i) {
      In v;
      std::memcpy(&v, src + i * sizeof(In), sizeof(In));
      m.data.push_back(static_cast<Out>(v));
    }
    off += need;
    ++m.rows;
  }
  if (m.rows == 0) fail(path, "no vectors", 0);
  return m;
}

uint32_t big_endian_u32(const std::vector<unsigned char>& b, size_t off) {
  return (uint32_t{b[off]} << 24) | (uint32_t{b[off + 1]} << 16) | (uint32_t{b[off + 2]} << 8) |
         uint32_t{b[off + 3]};
}

}  // namespace

Matrix<float> read_fvecs(const std::string& path) { return read_vecs<float, float>(path); }
Matrix<int32_t> read_ivecs(const std::string& path) { return read_vecs<int32_t, int32_t>(path); }
Matrix<float> read_bvecs(const std::string& path) { return read_vecs<uint8_t, float>(path); }

Matrix<float> read_npy(const std::string& path) {
  const std::vector<unsigned char> b = read_all(path);
  if (b.size() < 10 || std::memcmp(b.data(), "\x93NUMPY", 6) != 0) fail(path, "not an .npy file", 0);
  const int major = b[6];
  const size_t header_len_size = major == 1 ? 2 : 4;
  size_t header_len = 0;
  for (size_t i = 0; i < header_len_size; ++i) header_len |= size_t{b[8 + i]} << (8 * i);
  const size_t data_off = 8 + header_len_size + header_len;
  if (b.size() < data_off) fail(path, "truncated header", 8);
  const std::string header(b.begin() + 8 + header_len_size, b.begin() + data_off);
  if (header.find("'descr': '<f4'") == std::string::npos)
    fail(path, "only little-endian float32 ('<f4') is supported", 8);
  if (header.find("'fortran_order': False") == std::string::npos)
    fail(path, "Fortran-ordered arrays are not supported", 8);
  std::smatch shape;
  if (!std::regex_search(header, shape, std::regex(R"('shape': \((\d+), (\d+)\))")))
    fail(path, "expected a 2-D shape", 8);
  Matrix<float> m;
  m.rows = std::stoull(shape[1]);
  m.dim = std::stoull(shape[2]);
  if (b.size() - data_off < m.rows * m.dim * sizeof(float)) fail(path, "truncated data", b.size());
  m.data.resize(m.rows * m.dim);
  std::memcpy(m.data.data(), b.data() + data_off, m.data.size() * sizeof(float));
  return m;
}

Matrix<float> read_idx_images(const std::string& path) {
  const std::vector<unsigned char> b = read_maybe_gzip(path);
  if (b.size() < 16) fail(path, "truncated idx header", 0);
  if (big_endian_u32(b, 0) != 0x00000803) fail(path, "not an idx3-ubyte file (bad magic)", 0);
  Matrix<float> m;
  m.rows = big_endian_u32(b, 4);
  m.dim = size_t{big_endian_u32(b, 8)} * big_endian_u32(b, 12);
  if (b.size() - 16 < m.rows * m.dim) fail(path, "truncated pixel data", b.size());
  m.data.assign(b.begin() + 16, b.begin() + 16 + static_cast<std::ptrdiff_t>(m.rows * m.dim));
  return m;
}

Matrix<float> read_vectors(const std::string& path) {
  if (ends_with(path, ".fvecs")) return read_fvecs(path);
  if (ends_with(path, ".bvecs")) return read_bvecs(path);
  if (ends_with(path, ".npy")) return read_npy(path);
  return read_idx_images(path);
}

void write_ivecs(const std::string& path, const Matrix<int32_t>& m) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw DatasetError(path + ": cannot write");
  const int32_t dim = static_cast<int32_t>(m.dim);
  for (size_t i = 0; i < m.rows; ++i) {
    out.write(reinterpret_cast<const char*>(&dim), 4);
    out.write(reinterpret_cast<const char*>(m.row(i)), static_cast<std::streamsize>(4 * m.dim));
  }
  if (!out) throw DatasetError(path + ": write failed");
}

}  // namespace vectorx::bench
