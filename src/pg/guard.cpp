// Error capture and re-raise for guard.h.
#include "guard.h"

#include <cstring>

namespace vectorx::pg {
namespace {

int sqlstate_of(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kInvalidText:
      return ERRCODE_INVALID_TEXT_REPRESENTATION;
    case ErrorKind::kOutOfRange:
      return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
    case ErrorKind::kDataException:
      return ERRCODE_DATA_EXCEPTION;
    case ErrorKind::kProgramLimit:
      return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
    case ErrorKind::kProtocolViolation:
      return ERRCODE_PROTOCOL_VIOLATION;
  }
  return ERRCODE_INTERNAL_ERROR;
}

void copy_text(char* dst, size_t cap, const char* src) noexcept {
  std::strncpy(dst, src, cap - 1);
  dst[cap - 1] = '\0';
}

}  // namespace

void capture(PendingError& err, const InputError& e) noexcept {
  err.sqlstate = sqlstate_of(e.kind());
  copy_text(err.message, sizeof err.message, e.what());
  copy_text(err.detail, sizeof err.detail, e.detail().c_str());
}

void capture(PendingError& err, int sqlstate, const char* message) noexcept {
  err.sqlstate = sqlstate;
  copy_text(err.message, sizeof err.message, message);
  err.detail[0] = '\0';
}

void raise(const PendingError& err) {
  ereport(ERROR, (errcode(err.sqlstate), errmsg("%s", err.message),
                  err.detail[0] ? errdetail("%s", err.detail) : 0));
  pg_unreachable();
}

}  // namespace vectorx::pg
