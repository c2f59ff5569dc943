// The IVF shape cache (ivf_shape_cache.h).
#include "ivf_shape_cache.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace vectorx::pg::ivf {
namespace {

struct CachedShape {
  RelFileNode file{};
  uint32_t build_stamp = 0;
  uint64_t last_used = 0;  // 0: empty
  std::shared_ptr<const vectorx::ivf::Centres> centres;
  std::shared_ptr<const vectorx::ivf::PqCodec> codec;
  std::shared_ptr<const vectorx::ivf::NearestCentres> nearest;  // made by the first insert
  uint32_t blocks_seen = 0;  // IvfIndex::blocks_seen() of the last insert
};

std::array<CachedShape, kShapeCacheSize> cache;
uint64_t clock_ticks = 0;

// The slot of `index`'s current build, filled on a miss (the least recently used one reused);
// `ivf` gets its centres from it.
CachedShape& slot_for(Relation index, vectorx::ivf::IvfIndex& ivf) {
  const RelFileNode& file = index->rd_node;
  const uint32_t stamp = ivf.meta().build_stamp;
  CachedShape* slot = &cache[0];
  for (CachedShape& c : cache) {
    if (c.last_used != 0 && RelFileNodeEquals(c.file, file) && c.build_stamp == stamp) {
      c.last_used = ++clock_ticks;
      ivf.adopt_centres(c.centres);
      return c;
    }
    if (c.last_used < slot->last_used) slot = &c;
  }
  CachedShape fresh;
  fresh.file = file;
  fresh.build_stamp = stamp;
  fresh.centres = ivf.shared_centres();
  if (vectorx::ivf::uses_pq(static_cast<vectorx::ivf::EntryFormat>(ivf.meta().entry_format)))
    fresh.codec = std::make_shared<const vectorx::ivf::PqCodec>(ivf);
  fresh.last_used = ++clock_ticks;
  *slot = std::move(fresh);
  return *slot;
}

}  // namespace

std::shared_ptr<const vectorx::ivf::PqCodec> use_cached_shape(Relation index, vectorx::ivf::IvfIndex& ivf) {
  return slot_for(index, ivf).codec;
}

InsertShape cached_insert_shape(Relation index, vectorx::ivf::IvfIndex& ivf) {
  CachedShape& slot = slot_for(index, ivf);
  ivf.add_blocks_seen(slot.blocks_seen);
  if (!slot.nearest)
    slot.nearest = std::make_shared<const vectorx::ivf::NearestCentres>(ivf.space(), slot.centres->values.data(), ivf.lists());
  return {slot.codec, slot.nearest.get(), &slot.blocks_seen};
}

}  // namespace vectorx::pg::ivf
