// Text parsing and printing: round trips of random vectors and every error case.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "test_data.h"
#include "vectorx/errors.h"
#include "vectorx/limits.h"
#include "vectorx/text_codec.h"

namespace vectorx {
namespace {

std::vector<float> parse_dense(const std::string& s) {
  std::vector<float> out(text_element_bound(s));
  out.resize(parse_dense_text(s, "vector", out.data(), out.size()));
  return out;
}

std::string print_dense(const std::vector<float>& v) {
  std::string s(dense_text_capacity(v.size()), '\0');
  s.resize(format_dense(v.data(), v.size(), s.data()));
  return s;
}

std::string print_float(float f) {
  char buf[kMaxFloatText];
  return std::string(buf, format_float(f, buf));
}

ErrorKind dense_error(const std::string& s) {
  try {
    parse_dense(s);
  } catch (const InputError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no error for " << s;
  return ErrorKind::kInvalidText;
}

TEST(FormatFloat, MatchesPostgresFloat4Output) {
  // Expected strings are what PostgreSQL 15 prints for these float4 values.
  EXPECT_EQ(print_float(1.0f), "1");
  EXPECT_EQ(print_float(2.5f), "2.5");
  EXPECT_EQ(print_float(-3.0f), "-3");
  EXPECT_EQ(print_float(0.0f), "0");
  EXPECT_EQ(print_float(-0.0f), "-0");
  EXPECT_EQ(print_float(1000000.0f), "1e+06");
  EXPECT_EQ(print_float(123456.0f), "123456");
  // 4.378356e+08 is shorter and reads back to this float, but lies exactly halfway to the next
  // one; Postgres' printer takes one more digit.
  EXPECT_EQ(print_float(-437835584.0f), "-4.3783558e+08");
  EXPECT_EQ(print_float(437835584.0f), "4.3783558e+08");
  EXPECT_EQ(print_float(999999.0f), "999999");
  EXPECT_EQ(print_float(1234567.0f), "1.234567e+06");
  EXPECT_EQ(print_float(12345678.0f), "1.2345678e+07");
  EXPECT_EQ(print_float(0.0001f), "0.0001");
  EXPECT_EQ(print_float(0.00001f), "1e-05");
  EXPECT_EQ(print_float(1.5e-7f), "1.5e-07");
  EXPECT_EQ(print_float(3.4e38f), "3.4e+38");
  EXPECT_EQ(print_float(1e15f), "1e+15");
  EXPECT_EQ(print_float(1.17549435e-38f), "1.1754944e-38");
  EXPECT_EQ(print_float(0.1f), "0.1");
  EXPECT_EQ(print_float(100.25f), "100.25");
}

TEST(FormatFloat, ShortestTextRoundTripsEveryFloatSampled) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i) {
    uint32_t bits = static_cast<uint32_t>(rng());
    float f;
    std::memcpy(&f, &bits, sizeof f);
    if (!std::isfinite(f)) continue;
    const std::string s = print_float(f);
    ASSERT_LE(s.size(), kMaxFloatText);
    EXPECT_EQ(std::strtof(s.c_str(), nullptr), f) << s;
  }
}

TEST(DenseText, RoundTripsRandomVectors) {
  for (size_t n : {1, 2, 3, 17, 128, 784, 16000}) {
    const auto v = test::random_floats(n, static_cast<uint32_t>(n), -1e6f, 1e6f);
    const auto back = parse_dense(print_dense(v));
    ASSERT_EQ(back, v) << n;
  }
}

TEST(DenseText, AcceptsWhitespaceAndFloatSyntax) {
  EXPECT_EQ(parse_dense(" [ 1 , 2.5,3e2 ] "), (std::vector<float>{1, 2.5, 300}));
  EXPECT_EQ(parse_dense("[-0.5,+4]"), (std::vector<float>{-0.5, 4}));
  EXPECT_EQ(print_dense({1, 2, 3}), "[1,2,3]");
  EXPECT_EQ(parse_dense("[0x1p3,1e-40,.5,5.]"), (std::vector<float>{8, 1e-40f, 0.5f, 5}));
}

// Plain decimals take a faster parser than strtof; both must round every input alike.
TEST(DenseText, ParsesDecimalsExactlyAsStrtof) {
  std::mt19937 rng(11);
  for (int i = 0; i < 20000; ++i) {
    std::string digits = std::to_string(rng()) + "." + std::to_string(rng()) + std::to_string(rng());
    if (i % 2) digits += "e" + std::to_string(static_cast<int>(rng() % 80) - 50);
    if (i % 3 == 0) digits = "-" + digits;
    const float expected = std::strtof(digits.c_str(), nullptr);
    if (!std::isfinite(expected) || expected == 0) continue;
    EXPECT_EQ(parse_dense("[" + digits + "]"), std::vector<float>{expected}) << digits;
  }
}

TEST(DenseText, RejectsMalformedInput) {
  for (const char* s : {"", "1,2", "[1,2", "[1,,2]", "[1,]", "[,1]", "[1 2]", "[a]", "[1]x",
                        "[1]]", "(1,2)", "[1;2]", "[1e]", "[--1]"})
    EXPECT_EQ(dense_error(s), ErrorKind::kInvalidText) << s;
}

TEST(DenseText, RejectsNonFiniteAndEmpty) {
  EXPECT_EQ(dense_error("[NaN]"), ErrorKind::kDataException);
  EXPECT_EQ(dense_error("[1,Infinity]"), ErrorKind::kDataException);
  EXPECT_EQ(dense_error("[-inf]"), ErrorKind::kDataException);
  EXPECT_EQ(dense_error("[]"), ErrorKind::kDataException);
  EXPECT_EQ(dense_error("[ ]"), ErrorKind::kDataException);
  EXPECT_EQ(dense_error("[1e39]"), ErrorKind::kOutOfRange);
}

TEST(DenseText, UnderflowReadsAsDenormalOrZero) {  // as float4in and pgvector read it
  const auto v = parse_dense("[1e-46,1e-40,-1e-50]");
  EXPECT_EQ(v[0], 0.0f);
  EXPECT_EQ(v[1], std::strtof("1e-40", nullptr));
  EXPECT_EQ(v[2], 0.0f);
  EXPECT_TRUE(std::signbit(v[2]));
}

TEST(DenseText, RejectsTooManyDimensions) {
  std::string s = "[";
  for (int i = 0; i <= kMaxDim; ++i) s += i ? ",1" : "1";
  s += "]";
  EXPECT_EQ(dense_error(s), ErrorKind::kProgramLimit);
}

TEST(DenseText, MessagesNameTheTypeAndInput) {
  try {
    std::vector<float> out(4);
    parse_dense_text("[1,x]", "halfvec", out.data(), out.size());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "invalid input syntax for type halfvec: \"[1,x]\"");
  }
}

struct ParsedSparse {
  SparseHeader header;
  std::vector<SparseElement> elements;
};

ParsedSparse parse_sparse(const std::string& s) {
  std::vector<SparseElement> out(text_element_bound(s));
  const SparseHeader h = parse_sparse_text(s, out.data(), out.size());
  out.resize(h.nnz);
  return {h, out};
}

ErrorKind sparse_error(const std::string& s) {
  try {
    parse_sparse(s);
  } catch (const InputError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no error for " << s;
  return ErrorKind::kInvalidText;
}

TEST(SparseText, ParsesSortsAndDropsZeros) {
  const auto p = parse_sparse(" { 3:2 , 1:1.5, 2:0 } / 5 ");
  EXPECT_EQ(p.header.dim, 5);
  ASSERT_EQ(p.header.nnz, 2u);
  EXPECT_EQ(p.elements[0].index, 0);
  EXPECT_EQ(p.elements[0].value, 1.5f);
  EXPECT_EQ(p.elements[1].index, 2);
  EXPECT_EQ(p.elements[1].value, 2.0f);
  EXPECT_EQ(parse_sparse("{}/3").header.nnz, 0u);
}

TEST(SparseText, RoundTrips) {
  const int32_t idx[] = {0, 2, 999999999};
  const float val[] = {1.5f, -2.0f, 1e-7f};
  std::string s(sparse_text_capacity(3), '\0');
  s.resize(format_sparse(1000000000, idx, val, 3, s.data()));
  EXPECT_EQ(s, "{1:1.5,3:-2,1000000000:1e-07}/1000000000");
  const auto p = parse_sparse(s);
  ASSERT_EQ(p.header.nnz, 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(p.elements[i].index, idx[i]);
    EXPECT_EQ(p.elements[i].value, val[i]);
  }
}

TEST(SparseText, RejectsBadInput) {
  for (const char* s : {"", "{1:1}", "{1:1}/", "{1:1/5", "{1 1}/5", "{1:}/5", "{:1}/5",
                        "{1:1,}/5", "{1:1}/5x", "[1:1]/5", "{1:1}/a"})
    EXPECT_EQ(sparse_error(s), ErrorKind::kInvalidText) << s;
  EXPECT_EQ(sparse_error("{0:1}/5"), ErrorKind::kDataException);
  EXPECT_EQ(sparse_error("{-1:1}/5"), ErrorKind::kDataException);
  EXPECT_EQ(sparse_error("{6:1}/5"), ErrorKind::kDataException);
  EXPECT_EQ(sparse_error("{2:1,2:3}/5"), ErrorKind::kDataException);
  EXPECT_EQ(sparse_error("{1:NaN}/5"), ErrorKind::kDataException);
  EXPECT_EQ(sparse_error("{1:inf}/5"), ErrorKind::kDataException);
  EXPECT_EQ(sparse_error("{}/0"), ErrorKind::kDataException);
  EXPECT_EQ(sparse_error("{}/1000000001"), ErrorKind::kProgramLimit);
  EXPECT_EQ(sparse_error("{99999999999:1}/5"), ErrorKind::kDataException);  // index out of bounds
  EXPECT_EQ(sparse_error("{1:1}/99999999999"), ErrorKind::kProgramLimit);  // too many dimensions
  EXPECT_EQ(sparse_error("{1:1e39}/5"), ErrorKind::kOutOfRange);
}

TEST(SparseText, UnderflowIsOutOfRange) {  // pgvector's sparsevec, unlike its dense types
  for (const char* s : {"{1:1e-46}/2", "{1:-1e-46}/2", "{1:1e-40}/2"})
    EXPECT_EQ(sparse_error(s), ErrorKind::kOutOfRange) << s;
  EXPECT_EQ(parse_sparse("{1:2e-38,2:0e-99}/2").header.nnz, 1u);
}

TEST(SparseText, ZeroEntriesAreDroppedUnchecked) {  // as pgvector reads them
  const ParsedSparse p = parse_sparse("{0:0,7:0,2:1.5}/3");
  ASSERT_EQ(p.header.nnz, 1u);
  EXPECT_EQ(p.elements[0].index, 1);
}

TEST(SparseText, RejectsTooManyNonZeros) {
  std::string s = "{";
  for (int i = 1; i <= kSparseMaxNnz + 1; ++i) s += (i > 1 ? "," : "") + std::to_string(i) + ":1";
  s += "}/100000";
  EXPECT_EQ(sparse_error(s), ErrorKind::kProgramLimit);
  std::string zeros = "{";  // entries count, zeros included
  for (int i = 1; i <= kSparseMaxNnz + 1; ++i) zeros += (i > 1 ? "," : "") + std::to_string(i) + ":0";
  zeros += "}/100000";
  EXPECT_EQ(sparse_error(zeros), ErrorKind::kProgramLimit);
}

}  // namespace
}  // namespace vectorx
