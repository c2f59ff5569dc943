// Distances on Postgres' built-in bit type, by popcount kernels.
#include "types.h"

namespace vectorx::pg {
namespace {

struct BitOperands {
  VarBit* a;
  VarBit* b;
  explicit BitOperands(FunctionCallInfo fcinfo) : a(PG_GETARG_VARBIT_P(0)), b(PG_GETARG_VARBIT_P(1)) {
    if (VARBITLEN(a) != VARBITLEN(b))
      ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                      errmsg("different bit lengths %d and %d", VARBITLEN(a), VARBITLEN(b))));
  }
  size_t nbytes() const { return static_cast<size_t>(VARBITBYTES(a)); }
};

}  // namespace
}  // namespace vectorx::pg

using namespace vectorx;
using namespace vectorx::pg;

VX_FUNCTION(hamming_distance) {
  const BitOperands o(fcinfo);
  PG_RETURN_FLOAT8(bit_distance(Metric::kHamming, VARBITS(o.a), VARBITS(o.b), o.nbytes()));
}

VX_FUNCTION(jaccard_distance) {
  const BitOperands o(fcinfo);
  PG_RETURN_FLOAT8(bit_distance(Metric::kJaccard, VARBITS(o.a), VARBITS(o.b), o.nbytes()));
}
