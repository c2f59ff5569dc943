// The Postgres headers every glue file needs (am_headers.h adds the access methods'). A file
// that needs more includes them right after this one, in its own extern "C" block. Include
// these after every C++ and third-party header: Postgres macros (Min, Max, printf
// redirection…) break C++ libraries.
#pragma once

extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/varbit.h"
}

// Declares an SQL-callable function with C linkage and its fmgr info record.
#define VX_FUNCTION(name)                    \
  extern "C" {                               \
  PG_FUNCTION_INFO_V1(name);                 \
  }                                          \
  extern "C" Datum name(PG_FUNCTION_ARGS)
