// The hnsw code caches (hnsw_code_cache.h).
#include "hnsw_code_cache.h"

#include <array>
#include <cstdint>

#include "settings.h"

namespace vectorx::pg::hnsw {
namespace {

// A cache made when the index held `vectors` is made again once it holds twice as many (and
// kRegrowth more): its quantizer's ranges came from a sample of what it held then.
constexpr uint64_t kRegrowth = 1000;

// A session's first search or insert on an index goes without codes; the cache is made at the
// next. A connection that asks one query then does not pay for the sample, and gains nothing
// from codes (none are kept yet): on glove-100 a session's first query took 9 ms, and 15-17 ms
// when it made the cache.
constexpr uint32_t kUsesWithoutCodes = 1;

struct CachedCodes {
  RelFileNode file{};
  uint32_t freed_generation = 0;
  uint64_t vectors = 0;
  uint64_t last_used = 0;  // 0: empty
  uint32_t uses = 0;       // before the cache was made
  bool made = false;
  std::shared_ptr<vectorx::hnsw::CodeCache> codes;  // once made: nullptr where codes cannot serve
};

std::array<CachedCodes, kCodeCaches> caches;
uint64_t clock_ticks = 0;

}  // namespace

std::shared_ptr<vectorx::hnsw::CodeCache> cached_codes(Relation index, vectorx::hnsw::PageGraph& graph) {
  const size_t limit = hnsw_code_cache_bytes();
  if (limit == 0) {
    caches = {};  // the setting turned off: give the memory back
    return nullptr;
  }
  const RelFileNode& file = index->rd_node;
  const vectorx::hnsw::Meta meta = graph.meta();  // one read for both
  const uint32_t generation = meta.freed_generation;
  const uint64_t vectors = meta.vectors;
  CachedCodes* slot = &caches[0];
  bool found = false;
  for (CachedCodes& c : caches) {
    if (c.last_used != 0 && RelFileNodeEquals(c.file, file)) {
      slot = &c;
      found = true;
      break;
    }
    if (c.last_used < slot->last_used) slot = &c;
  }
  const bool outdated = found && (slot->freed_generation != generation || (slot->made && vectors > 2 * slot->vectors + kRegrowth));
  if (!found || outdated) {
    CachedCodes fresh;
    fresh.file = file;
    fresh.freed_generation = generation;
    fresh.uses = outdated ? kUsesWithoutCodes : 0;  // a session that used the index has its codes at once
    *slot = std::move(fresh);
  }
  slot->last_used = ++clock_ticks;
  if (!slot->made && ++slot->uses > kUsesWithoutCodes) {
    slot->codes = vectorx::hnsw::CodeCache::for_graph(graph, limit);
    slot->vectors = vectors;
    slot->made = true;
  }
  return slot->codes;
}

}  // namespace vectorx::pg::hnsw
