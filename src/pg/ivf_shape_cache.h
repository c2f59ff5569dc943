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
// The same, for inserts: the nearest-centre finder of its centres (made once, then cached with
// them; valid while the caller runs). `ivf` also learns how many blocks earlier inserts saw.
const vectorx::ivf::NearestCentres& cached_nearest_centres(Relation index, vectorx::ivf::IvfIndex& ivf);
// Keeps the blocks `ivf` saw for the next insert into the same build (one system call saved).
void remember_blocks_seen(Relation index, vectorx::ivf::IvfIndex& ivf);

}  // namespace vectorx::pg::ivf
