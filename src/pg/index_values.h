// What an index stores for a column value: the payload of metric.h, and the Space an operator
// class and column typmod define.
#pragma once

#include <vector>

#include "vectorx/metric.h"
#include "am_headers.h"

namespace vectorx::pg {

// A detoasted column value seen as a payload.
struct IndexValue {
  const uint8_t* payload;
  size_t length;
  int64_t dim;  // the value's own dimension count (bits for bit strings)
};

// Detoasts (in the current memory context) and splits a vector, halfvec, sparsevec or bit value.
IndexValue index_value(Datum value, ElementKind kind);
// Throws InputError when the value's dimensions differ from the index's.
void check_index_dims(const IndexValue& v, const Space& space);
// What a scan orders by: `query` (dimensions checked), or, when there is none (ORDER BY a NULL
// distance) or the metric cannot order it (zero under cosine), the space's stand-in, kept in
// `stand_in`: every distance is then NULL or NaN, so every row comes back, in any order.
IndexValue ordering_query(const IndexValue* query, const Space& space, std::vector<uint8_t>& stand_in);

// The Space of a new index on column 1: element kind and metric from the operator class's
// support function 1 (the operator's distance function), dimensions from the column typmod.
// ERRORs when the column has no dimensions or exceeds what the index supports.
Space space_for_new_index(Relation index);
// Element kind and metric of a distance function; false when it is not one of vectorx's.
bool metric_of_function(Oid function, ElementKind* kind, Metric* metric);
// amvalidate of the vectorx access methods: support function 1 is a vectorx distance function
// and every operator is an ORDER BY operator of strategy 1 (INFO lines name what is not).
bool validate_distance_opclass(Oid opclass, const char* am_name);

}  // namespace vectorx::pg
