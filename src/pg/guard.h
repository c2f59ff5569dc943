// The C++ -> Postgres error boundary.
//
// guarded(body) runs C++ that may throw and turns any exception into a Postgres ERROR only
// after every C++ frame of `body` has unwound: the ereport (a longjmp) happens here, where
// the only live object is a trivially destructible buffer. Code inside `body` must not call
// Postgres functions that can ERROR while it holds C++ objects with destructors; fmgr
// functions do their Postgres work (detoast, palloc, ereport) outside guarded().
#pragma once

#include <exception>
#include <new>

#include "vectorx/errors.h"
#include "pg_headers.h"

namespace vectorx::pg {

struct PendingError {
  int sqlstate;
  char message[512];
  char detail[256];
};

void capture(PendingError& err, const InputError& e) noexcept;
void capture(PendingError& err, int sqlstate, const char* message) noexcept;
[[noreturn]] void raise(const PendingError& err);

template <typename Body>
auto guarded(Body&& body) -> decltype(body()) {
  PendingError err;
  try {
    return body();
  } catch (const InputError& e) {
    capture(err, e);
  } catch (const std::bad_alloc&) {
    capture(err, ERRCODE_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    capture(err, ERRCODE_INTERNAL_ERROR, e.what());
  } catch (...) {
    capture(err, ERRCODE_INTERNAL_ERROR, "unknown C++ exception");
  }
  raise(err);
}

}  // namespace vectorx::pg
