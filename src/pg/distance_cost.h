// What the planner charges for one distance: the work grows with the values' size, and a value
// stored out of line (TOAST) must be fetched first. The distance functions' support function
// (vectorx_distance_cost) tells the planner so for every plan that computes distances (a
// sequential scan's ORDER BY most of all), and the index cost estimates charge their own
// distances with the same rule, so the two compare like with like.
#pragma once

#include <cstddef>

#include "am_headers.h"

namespace vectorx::pg {

// Work of one distance between two values of `value_bytes` each, already in memory, without
// the cost of a function call (what an index pays for each distance it computes).
Cost distance_cost(size_t value_bytes);
// The fixed part of a distance called from SQL (the COST the functions declare). A visit of
// an hnsw search costs about as much: a page lookup, the visited set, a neighbour list.
Cost distance_call_overhead();
// Bytes of a value of an index's column (its element type and dimensions).
size_t index_value_bytes(Relation index);
// An index cost estimate's answer for a path it will not serve (infinite cost): the vectorx
// indexes answer ORDER BY distance and range keys only, and under vectorx.exact_search the
// approximate ones serve nothing.
void refuse_path(Cost* startup, Cost* total, Selectivity* selectivity, double* correlation, double* pages);

}  // namespace vectorx::pg
