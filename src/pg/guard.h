// The boundary between C++ and Postgres errors, in both directions.
//
// guarded(body) runs C++ that may throw and turns any exception into a Postgres ERROR only
// after every C++ frame of `body` has unwound: the ereport (a longjmp) happens here, where
// the only live object is a trivially destructible buffer.
//
// pg_call(f) runs Postgres code from C++ frames: a Postgres ERROR inside f (a longjmp) is
// caught at once, copied, and thrown as PgError, so the C++ frames between unwind normally
// (releasing page locks and memory) before guarded() re-raises the original error with its
// SQLSTATE. f itself must hold no C++ objects with destructors.
#pragma once

#include <exception>
#include <new>

#include "vectorx/errors.h"
#include "pg_headers.h"

namespace vectorx::pg {

// A Postgres ERROR in flight through C++ frames (the copied ErrorData lives in the memory
// context that was current at pg_call).
class PgError : public std::exception {
 public:
  explicit PgError(ErrorData* edata) : edata_(edata) {}
  const char* what() const noexcept override { return edata_->message ? edata_->message : "postgres error"; }
  ErrorData* edata() const { return edata_; }

 private:
  ErrorData* edata_;
};

template <typename F>
void pg_call(F&& f) {
  const MemoryContext context = CurrentMemoryContext;
  ErrorData* volatile edata = nullptr;
  PG_TRY();
  {
    f();
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(context);
    edata = CopyErrorData();
    FlushErrorState();
  }
  PG_END_TRY();
  if (edata) throw PgError(edata);
}

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
  ErrorData* postgres_error = nullptr;
  try {
    return body();
  } catch (const PgError& e) {
    postgres_error = e.edata();
  } catch (const InputError& e) {
    capture(err, e);
  } catch (const CorruptIndex& e) {
    capture(err, ERRCODE_INDEX_CORRUPTED, e.what());
  } catch (const IndexFull& e) {
    capture(err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, e.what());
  } catch (const std::bad_alloc&) {
    capture(err, ERRCODE_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    capture(err, ERRCODE_INTERNAL_ERROR, e.what());
  } catch (...) {
    capture(err, ERRCODE_INTERNAL_ERROR, "unknown C++ exception");
  }
  if (postgres_error) ReThrowError(postgres_error);
  raise(err);
}

}  // namespace vectorx::pg
