// A per-backend cache of what every IVF scan and insert reads before any list: the centres
// (directory pages), for ivfpq the PQ codec (codebook pages, centres as floats, per-list table
// terms), and for inserts the nearest-centre finder. Keyed by the index's file and the build
// stamp on its meta page, so a new build, REINDEX or TRUNCATE is never served an old shape. At
// most kShapeCacheSize indexes, least recently used evicted; C++ heap memory, like the scans'
// own state.
#pragma once

#include <memory>

#include "vectorx/ivf/entries.h"
#include "vectorx/ivf/nearest_centres.h"
#include "am_headers.h"

namespace vectorx::pg::ivf {

constexpr int kShapeCacheSize = 8;

// Gives `ivf` its centres from the cache (filling the cache on a miss) and returns the codec
// to build its Entries with (nullptr for ivfflat). C++ code: call inside guarded().
std::shared_ptr<const vectorx::ivf::PqCodec> use_cached_shape(Relation index, vectorx::ivf::IvfIndex& ivf);
// What an insert reads from the cache, in one lookup; valid while the caller runs.
struct InsertShape {
  std::shared_ptr<const vectorx::ivf::PqCodec> codec;  // nullptr for ivfflat
  const vectorx::ivf::NearestCentres* nearest;         // made by the first insert, then cached
  uint32_t* blocks_seen;  // the blocks earlier inserts saw (`ivf` has learnt them): raise it
                          // to ivf.blocks_seen() after inserting (one system call saved)
};
// The same as use_cached_shape, for inserts.
InsertShape cached_insert_shape(Relation index, vectorx::ivf::IvfIndex& ivf);

}  // namespace vectorx::pg::ivf
