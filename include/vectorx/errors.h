// The exceptions the core throws: InputError for bad user input (its `kind` maps to an
// SQLSTATE in the Postgres layer), CorruptIndex for a damaged index, IndexFull for one that
// cannot grow.
#pragma once

#include <stdexcept>
#include <string>

namespace vectorx {

enum class ErrorKind {
  kInvalidText,    // malformed text input
  kOutOfRange,     // a number that does not fit the element type
  kDataException,  // well-formed but invalid value (NaN, zero dims, bad index…)
  kProgramLimit,   // beyond a hard limit (too many dims / non-zeros)
  kProtocolViolation,  // a binary value shorter than its header says
};

class InputError : public std::runtime_error {
 public:
  InputError(ErrorKind kind, std::string message, std::string detail = {})
      : std::runtime_error(std::move(message)), kind_(kind), detail_(std::move(detail)) {}
  ErrorKind kind() const noexcept { return kind_; }
  const std::string& detail() const noexcept { return detail_; }

 private:
  ErrorKind kind_;
  std::string detail_;
};

// An index whose pages do not hold what its format promises (SQLSTATE index_corrupted).
class CorruptIndex : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An index that would grow past what its format can address (program_limit_exceeded).
class IndexFull : public std::length_error {
 public:
  using std::length_error::length_error;
};

}  // namespace vectorx
