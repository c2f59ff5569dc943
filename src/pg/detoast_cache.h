// Argument detoasting that fetches an out-of-line (TOASTed) value once per call site.
//
// `ORDER BY embedding <-> (SELECT embedding FROM queries WHERE id = $1)` passes the same TOAST
// pointer for every row of the scan; detoasting it each time costs a TOAST index lookup and
// heap fetch per row. The cache keeps the last detoasted value per argument position in the
// function's fn_mcxt (it lives as long as the expression), keyed by the TOAST relation and
// value OIDs. A value with those OIDs cannot change, and cannot be removed while our
// snapshot can see it, so the key identifies the contents for the cache's whole lifetime.
#pragma once

#include "pg_headers.h"

namespace vectorx::pg {

// Like PG_DETOAST_DATUM(PG_GETARG_DATUM(n)) for n < 2, reusing a cached copy of on-disk
// TOAST values.
varlena* detoast_arg_cached(FunctionCallInfo fcinfo, int n);

}  // namespace vectorx::pg
