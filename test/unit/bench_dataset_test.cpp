// vectorx-bench readers: each format reads back what was written, and malformed or truncated
// files fail with the file name and offset in the message.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>
#include <unistd.h>

#include "dataset.h"

namespace vectorx::bench {
namespace {

namespace fs = std::filesystem;

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vxbench-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  fs::path dir_;
};

template <typename T>
std::string record(std::vector<T> values) {
  const int32_t dim = static_cast<int32_t>(values.size());
  std::string s(reinterpret_cast<const char*>(&dim), 4);
  s.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
  return s;
}

void expect_error(const std::function<void()>& fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no error, expected: " << needle;
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST_F(DatasetTest, FvecsIvecsBvecsRoundTrip) {
  const auto f = read_fvecs(write("a.fvecs", record<float>({1, 2, 3}) + record<float>({4, 5, 6})));
  ASSERT_EQ(f.rows, 2u);
  ASSERT_EQ(f.dim, 3u);
  EXPECT_EQ(f.row(1)[2], 6.0f);
  const auto b = read_vectors(write("a.bvecs", record<uint8_t>({7, 255})));
  EXPECT_EQ(b.row(0)[1], 255.0f);
  Matrix<int32_t> m{2, 2, {1, 2, 3, 4}};
  const std::string path = (dir_ / "x.ivecs").string();
  write_ivecs(path, m);
  const auto back = read_ivecs(path);
  EXPECT_EQ(back.data, m.data);
}

TEST_F(DatasetTest, TexmexErrorsNameFileAndOffset) {
  const std::string good = record<float>({1, 2, 3});
  expect_error([&] { read_fvecs(write("t.fvecs", good + good.substr(0, 9))); }, "t.fvecs: truncated record at offset 16");
  expect_error([&] { read_fvecs(write("d.fvecs", good + record<float>({1, 2}))); }, "bad dimension 2 at offset 16");
  expect_error([&] { read_fvecs(write("z.fvecs", record<float>({}))); }, "bad dimension 0 at offset 0");
  expect_error([&] { read_fvecs(write("h.fvecs", good + "\x01\x00")); }, "truncated dimension at offset 16");
  expect_error([&] { read_fvecs(write("e.fvecs", "")); }, "no vectors");
  expect_error([&] { read_fvecs((dir_ / "missing.fvecs").string()); }, "missing.fvecs: cannot open");
}

std::string npy(const std::string& dict, const std::vector<float>& values) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string s = "\x93NUMPY\x01";
  s += '\0';
  s += static_cast<char>(header.size() & 0xff);
  s += static_cast<char>(header.size() >> 8);
  s += header;
  s.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  return s;
}

TEST_F(DatasetTest, NpyReadsFloat32Matrices) {
  const auto m = read_vectors(write("a.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", {1, 2, 3, 4, 5, 6})));
  ASSERT_EQ(m.rows, 2u);
  ASSERT_EQ(m.dim, 3u);
  EXPECT_EQ(m.row(1)[0], 4.0f);
  expect_error([&] { read_npy(write("f8.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }", {1, 2}))); }, "'<f4'");
  expect_error([&] { read_npy(write("s.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", {1, 2}))); }, "truncated data");
  expect_error([&] { read_npy(write("bad.npy", "PK\x03\x04 not numpy")); }, "not an .npy file at offset 0");
}

std::string idx(uint32_t n, uint32_t rows, uint32_t cols, size_t pixels) {
  std::string s;
  for (uint32_t v : {0x00000803u, n, rows, cols})
    for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
  for (size_t i = 0; i < pixels; ++i) s += static_cast<char>(i % 256);
  return s;
}

TEST_F(DatasetTest, IdxImagesPlainAndGzip) {
  const auto plain = read_vectors(write("img-idx3-ubyte", idx(2, 2, 2, 8)));
  ASSERT_EQ(plain.rows, 2u);
  ASSERT_EQ(plain.dim, 4u);
  EXPECT_EQ(plain.row(1)[3], 7.0f);
  const std::string gz = (dir_ / "img.gz").string();
  const std::string raw = idx(1, 1, 3, 3);
  gzFile f = gzopen(gz.c_str(), "wb");
  gzwrite(f, raw.data(), static_cast<unsigned>(raw.size()));
  gzclose(f);
  EXPECT_EQ(read_vectors(gz).dim, 3u);
  expect_error([&] { read_vectors(write("short-idx", idx(2, 2, 2, 5))); }, "truncated pixel data at offset 21");
  expect_error([&] { read_vectors(write("magic-idx", std::string("\x00\x00\x08\x01", 4) + idx(1, 1, 1, 1).substr(4))); }, "bad magic");
  // A gzip stream cut in the middle is an error, not a silently short dataset.
  std::string zipped;
  {
    std::ifstream in(gz, std::ios::binary);
    zipped.assign(std::istreambuf_iterator<char>(in), {});
  }
  expect_error([&] { read_vectors(write("cut.gz", zipped.substr(0, zipped.size() - 6))); }, "cut.gz");
}

}  // namespace
}  // namespace vectorx::bench
