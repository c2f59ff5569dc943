// Dataset readers (see dataset.h).
#include "dataset.h"

#include <zlib.h>

#include <cstring>
#include <fstream>
#include <iterator>

namespace vectorx::bench {
namespace {

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
  int err = 0;
  const char* msg = gzerror(f, &err);
  const std::string detail = (n < 0 && msg) ? msg : "";
  gzclose(f);
  if (n < 0) throw DatasetError(path + ": gzip error after " + std::to_string(out.size()) +
                                " bytes: " + detail);
  return out;
}

template <typename T>
Matrix<T> read_vecs(const std::string& path) {
  const std::vector<unsigned char> bytes = read_all(path);
  Matrix<T> m;
  size_t off = 0;
  while (off < bytes.size()) {
    if (bytes.size() - off < 4)
      throw DatasetError(path + ": truncated dimension at offset " + std::to_string(off));
    int32_t dim;
    std::memcpy(&dim, bytes.data() + off, 4);
    if (dim <= 0 || (m.rows > 0 && static_cast<size_t>(dim) != m.dim))
      throw DatasetError(path + ": bad dimension " + std::to_string(dim) + " at offset " +
                         std::to_string(off));
    const size_t need = 4 + sizeof(T) * static_cast<size_t>(dim);
    if (bytes.size() - off < need)
      throw DatasetError(path + ": truncated record at offset " + std::to_string(off));
    m.dim = static_cast<size_t>(dim);
    const size_t start = m.data.size();
    m.data.resize(start + m.dim);
    std::memcpy(m.data.data() + start, bytes.data() + off + 4, sizeof(T) * m.dim);
    off += need;
    ++m.rows;
  }
  if (m.rows == 0) throw DatasetError(path + ": no vectors");
  return m;
}

uint32_t big_endian_u32(const std::vector<unsigned char>& b, size_t off) {
  return (uint32_t{b[off]} << 24) | (uint32_t{b[off + 1]} << 16) | (uint32_t{b[off + 2]} << 8) |
         uint32_t{b[off + 3]};
}

}  // namespace

Matrix<float> read_fvecs(const std::string& path) { return read_vecs<float>(path); }
Matrix<int32_t> read_ivecs(const std::string& path) { return read_vecs<int32_t>(path); }

Matrix<float> read_idx_images(const std::string& path) {
  const std::vector<unsigned char> b = read_maybe_gzip(path);
  if (b.size() < 16) throw DatasetError(path + ": truncated idx header at offset 0");
  const uint32_t magic = big_endian_u32(b, 0);
  if (magic != 0x00000803)
    throw DatasetError(path + ": not an idx3-ubyte file (magic at offset 0)");
  Matrix<float> m;
  m.rows = big_endian_u32(b, 4);
  m.dim = size_t{big_endian_u32(b, 8)} * big_endian_u32(b, 12);
  if (b.size() - 16 < m.rows * m.dim)
    throw DatasetError(path + ": truncated pixel data at offset " + std::to_string(b.size()));
  m.data.assign(b.begin() + 16, b.begin() + 16 + static_cast<std::ptrdiff_t>(m.rows * m.dim));
  return m;
}

}  // namespace vectorx::bench
