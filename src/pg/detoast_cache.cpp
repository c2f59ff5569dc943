// See detoast_cache.h.
#include "detoast_cache.h"

extern "C" {
#include "access/detoast.h"
}

namespace vectorx::pg {
namespace {

struct CachedArg {
  Oid toast_relid;
  Oid value_id;
  varlena* value;  // detoasted, in fn_mcxt; nullptr when the slot is empty
};

struct ArgCache {
  CachedArg args[2];
};

ArgCache* cache_of(FunctionCallInfo fcinfo) {
  FmgrInfo* flinfo = fcinfo->flinfo;
  if (flinfo->fn_extra == nullptr)
    flinfo->fn_extra = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(ArgCache));
  return static_cast<ArgCache*>(flinfo->fn_extra);
}

}  // namespace

varlena* detoast_arg_cached(FunctionCallInfo fcinfo, int n) {
  varlena* raw = reinterpret_cast<varlena*>(DatumGetPointer(PG_GETARG_DATUM(n)));
  if (!VARATT_IS_EXTERNAL_ONDISK(raw) || fcinfo->flinfo == nullptr || n > 1)
    return PG_DETOAST_DATUM(PG_GETARG_DATUM(n));
  varatt_external pointer;
  VARATT_EXTERNAL_GET_POINTER(pointer, raw);
  CachedArg& slot = cache_of(fcinfo)->args[n];
  if (slot.value != nullptr && slot.toast_relid == pointer.va_toastrelid &&
      slot.value_id == pointer.va_valueid)
    return slot.value;
  MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
  varlena* value = detoast_attr(raw);
  MemoryContextSwitchTo(old);
  if (slot.value != nullptr) pfree(slot.value);
  slot = {pointer.va_toastrelid, pointer.va_valueid, value};
  return value;
}

}  // namespace vectorx::pg
