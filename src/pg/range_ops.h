// Balls for range search (`v <@ l2_ball(center, radius)`, see range_ops.cpp), as index scans
// read them from their WHERE keys (strategy kRangeStrategy of the operator classes).
#pragma once

#include "vectorx/metric.h"
#include "pg_headers.h"

namespace vectorx::pg {

constexpr StrategyNumber kRangeStrategy = 2;

struct Ball {
  Datum center;  // a vector
  double radius;
};

// The center and radius of a ball datum; false when either is NULL.
bool read_ball(Datum ball, Ball* out);
// A ball's center as a value of the column's element type (by the casts from vector).
Datum center_as(Datum center, ElementKind kind);

}  // namespace vectorx::pg
