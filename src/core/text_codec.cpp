// Parsing and printing of the dense and sparse text forms (see text_codec.h).
#include "vectorx/text_codec.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "vectorx/binary_codec.h"
#include "vectorx/errors.h"
#include "vectorx/limits.h"

namespace vectorx {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// A cursor over a NUL-free view; parse errors quote the whole input like Postgres does.
class Cursor {
 public:
  Cursor(std::string_view text, const char* type_name) : text_(text), type_(type_name) {}

  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  bool accept(char c) {
    skip_space();
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c, const char* detail = "") {
    if (!accept(c)) syntax_error(detail);
  }

  [[noreturn]] void syntax_error(const char* detail = "") const {
    throw InputError(ErrorKind::kInvalidText, "invalid input syntax for type " + std::string(type_) +
                                                  ": \"" + std::string(text_) + "\"",
                     detail);
  }

  // strtof semantics (accepts what float4in accepts), bounded by the view. Overflow is an error;
  // underflow reads as a denormal or zero (as float4in and pgvector's dense types do) unless
  // `underflow_is_error` (pgvector's sparsevec). Plain decimals take
  // from_chars (correctly rounded like strtof, without its locale and copies: 3x faster
  // input of 784-dim vectors); '+' signs, hex floats and every error go through strtof.
  float read_float(bool underflow_is_error = false) {
    skip_space();
    const std::string_view digits = current_token();
    float fast = 0;
    const auto [end_fast, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), fast);
    const bool tiny = std::fabs(fast) < std::numeric_limits<float>::min();  // strtof decides ERANGE
    if (ec == std::errc() && end_fast == digits.data() + digits.size() && !digits.empty() &&
        !(underflow_is_error && tiny)) {
      pos_ += static_cast<size_t>(end_fast - digits.data());
      return fast;
    }
    const std::string token(digits);
    if (token.empty()) syntax_error();
    errno = 0;
    char* end = nullptr;
    const float v = std::strtof(token.c_str(), &end);
    const size_t used = static_cast<size_t>(end - token.c_str());
    if (used == 0) syntax_error();
    if (errno == ERANGE && (underflow_is_error || std::isinf(v)))
      throw InputError(ErrorKind::kOutOfRange, "\"" + token.substr(0, used) +
                                                   "\" is out of range for type " + type_);
    pos_ += used;
    return v;
  }

  // strtol semantics, clamped to int32 (as pgvector does, so a huge index or dimension count
  // gets the message about indices or dimensions, not about the number).
  long long read_integer() {
    skip_space();
    const std::string token(current_token());
    char* end = nullptr;
    const long long v = std::strtoll(token.c_str(), &end, 10);
    const size_t used = static_cast<size_t>(end - token.c_str());
    if (used == 0) syntax_error();
    pos_ += used;
    return std::clamp<long long>(v, INT32_MIN, INT32_MAX);
  }

 private:
  // The run of characters that could belong to a number (strtof stops where it must).
  std::string_view current_token() const {
    size_t end = pos_;
    while (end < text_.size() && text_[end] != ',' && text_[end] != ']' && text_[end] != '}' &&
           text_[end] != ':' && text_[end] != '/' && !is_space(text_[end]))
      ++end;
    return text_.substr(pos_, end - pos_);
  }

  std::string_view text_;
  const char* type_;
  size_t pos_ = 0;
};

void check_finite(float v, const char* type_name) {
  if (std::isnan(v))
    throw InputError(ErrorKind::kDataException, std::string("NaN not allowed in ") + type_name);
  if (std::isinf(v))
    throw InputError(ErrorKind::kDataException,
                     std::string("infinite value not allowed in ") + type_name);
}

[[noreturn]] void too_many_dims(const char* type_name) {
  throw InputError(ErrorKind::kProgramLimit, std::string(type_name) + " cannot have more than " +
                                                 std::to_string(kMaxDim) + " dimensions");
}

}  // namespace

size_t text_element_bound(std::string_view text) noexcept {
  return static_cast<size_t>(std::count(text.begin(), text.end(), ',')) + 1;
}

size_t parse_dense_text(std::string_view text, const char* type_name, float* out,
                        size_t capacity) {
  Cursor in(text, type_name);
  in.expect('[', "Vector contents must start with \"[\".");
  size_t n = 0;
  if (!in.accept(']')) {
    do {
      const float v = in.read_float();
      check_finite(v, type_name);
      if (n >= static_cast<size_t>(kMaxDim)) too_many_dims(type_name);
      if (n >= capacity) in.syntax_error();
      out[n++] = v;
    } while (in.accept(','));
    in.expect(']');
  }
  in.skip_space();
  if (!in.at_end()) in.syntax_error("Junk after closing right brace.");
  if (n == 0)
    throw InputError(ErrorKind::kDataException,
                     std::string(type_name) + " must have at least 1 dimension");
  return n;
}

SparseHeader parse_sparse_text(std::string_view text, SparseElement* out, size_t capacity) {
  constexpr const char* kType = "sparsevec";
  // Entries are counted before parsing, zeros included, as pgvector counts them.
  if (text_element_bound(text) > static_cast<size_t>(kSparseMaxNnz))
    throw InputError(ErrorKind::kProgramLimit,
                     "sparsevec cannot have more than " + std::to_string(kSparseMaxNnz) + " non-zero elements");
  Cursor in(text, kType);
  in.expect('{', "Vector contents must start with \"{\".");
  size_t nnz = 0;
  if (!in.accept('}')) {
    do {
      const long long index = std::max<long long>(in.read_integer(), INT32_MIN + 1LL);
      in.expect(':');
      const float v = in.read_float(/*underflow_is_error=*/true);
      check_finite(v, kType);
      if (v == 0) continue;  // zeros are implicit: neither stored nor checked
      if (nnz >= capacity) in.syntax_error();
      out[nnz++] = {static_cast<int32_t>(index - 1), v};
    } while (in.accept(','));
    in.expect('}');
  }
  in.expect('/', "Unexpected end of input.");
  const long long dim = in.read_integer();
  in.skip_space();
  if (!in.at_end()) in.syntax_error("Junk after closing.");
  if (dim < 1)
    throw InputError(ErrorKind::kDataException, "sparsevec must have at least 1 dimension");
  if (dim > kSparseMaxDim)
    throw InputError(ErrorKind::kProgramLimit, "sparsevec cannot have more than " +
                                                   std::to_string(kSparseMaxDim) + " dimensions");
  std::stable_sort(out, out + nnz,
                   [](const SparseElement& a, const SparseElement& b) { return a.index < b.index; });
  for (size_t i = 0; i < nnz; ++i) check_sparse_index(out[i].index, i > 0 ? out[i - 1].index : -1, dim);
  return {dim, nnz};
}

namespace {

// Whether the decimal `sci` (scientific, NUL-terminated) lies exactly halfway between `v` and
// a neighbouring float. Such a decimal reads back to v (ties go to v's even mantissa), but
// Postgres' shortest printer (float4out, pgvector) never picks it: it prints one digit more.
// Only 2^23 <= |v| < 2^61 has halfway points of 9 significant digits or fewer.
bool halfway_to_neighbour(float v, const char* sci) noexcept {
  const float magnitude = std::fabs(v);
  if (magnitude < 0x1p23f || magnitude >= 0x1p61f) return false;
  const double d = std::strtod(sci, nullptr);  // exact for such a decimal
  const double below = (double{v} + std::nextafter(v, -INFINITY)) / 2;
  const double above = (double{v} + std::nextafter(v, INFINITY)) / 2;
  return d == below || d == above;
}

// Shortest digits of v in scientific form ("-d.ddde+XX") as Postgres chooses them.
size_t shortest_scientific(float v, char* sci, size_t size) noexcept {
  auto res = std::to_chars(sci, sci + size - 1, v, std::chars_format::scientific);
  *res.ptr = '\0';
  // The next length up, correctly rounded, is what Postgres prints instead of a halfway point.
  const int digits = static_cast<int>(std::strchr(sci, 'e') - sci) - (sci[0] == '-') - (std::strchr(sci, '.') ? 1 : 0);
  for (int precision = digits; halfway_to_neighbour(v, sci) && precision <= 8; ++precision) {
    res = std::to_chars(sci, sci + size - 1, v, std::chars_format::scientific, precision);
    *res.ptr = '\0';
  }
  return static_cast<size_t>(res.ptr - sci);
}

}  // namespace

size_t format_float(float v, char* out) noexcept {
  if (v == 0) {
    if (std::signbit(v)) {
      std::memcpy(out, "-0", 2);
      return 2;
    }
    out[0] = '0';
    return 1;
  }
  // Where Postgres prints fixed notation, the shortest fixed digits are its text: checked for
  // every float in this range (no float below 2^23 lies halfway between two shorter decimals).
  if (const float magnitude = std::fabs(v); magnitude >= 1e-4f && magnitude < 1e6f) {
    const auto whole = static_cast<int32_t>(v);  // whole numbers (pixel values, counts) print as integers, faster
    if (static_cast<float>(whole) == v) return static_cast<size_t>(std::to_chars(out, out + kMaxFloatText, whole).ptr - out);
    return static_cast<size_t>(std::to_chars(out, out + kMaxFloatText, v, std::chars_format::fixed).ptr - out);
  }
  char sci[32];
  const char* const end = sci + shortest_scientific(v, sci, sizeof sci);
  const char* p = sci;
  size_t len = 0;
  if (*p == '-') out[len++] = *p++;
  char digits[12];
  size_t ndigits = 0;
  for (; *p != 'e'; ++p)
    if (*p != '.') digits[ndigits++] = *p;
  int exp10 = 0;
  const char* e = p + 1;
  if (*e == '+') ++e;
  std::from_chars(e, end, exp10);

  if (exp10 < -4 || exp10 >= 6) {
    // Scientific, as Postgres prints float4: mantissa digits, then e±XX (two digits at least).
    out[len++] = digits[0];
    if (ndigits > 1) {
      out[len++] = '.';
      for (size_t i = 1; i < ndigits; ++i) out[len++] = digits[i];
    }
    out[len++] = 'e';
    out[len++] = exp10 < 0 ? '-' : '+';
    const int mag = exp10 < 0 ? -exp10 : exp10;
    if (mag < 10) out[len++] = '0';
    const auto r = std::to_chars(out + len, out + len + 4, mag);
    return static_cast<size_t>(r.ptr - out);
  }
  if (exp10 < 0) {
    out[len++] = '0';
    out[len++] = '.';
    for (int i = -1; i > exp10; --i) out[len++] = '0';
    for (size_t i = 0; i < ndigits; ++i) out[len++] = digits[i];
    return len;
  }
  const size_t int_digits = static_cast<size_t>(exp10) + 1;
  for (size_t i = 0; i < int_digits; ++i) out[len++] = i < ndigits ? digits[i] : '0';
  if (ndigits > int_digits) {
    out[len++] = '.';
    for (size_t i = int_digits; i < ndigits; ++i) out[len++] = digits[i];
  }
  return len;
}

}  // namespace vectorx
