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

struct CachedCodes {
  RelFileNode file{};
  uint32_t freed_generation = 0;
  uint64_t vectors = 0;
  uint64_t last_used = 0;  // 0: empty
  std::shared_ptr<vectorx::hnsw::CodeCache> codes;
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
  for (CachedCodes& c : caches) {
    if (c.last_used != 0 && RelFileNodeEquals(c.file, file)) {
      if (c.freed_generation == generation && vectors <= 2 * c.vectors + kRegrowth) {
        c.last_used = ++clock_ticks;
        return c.codes;
      }
      slot = &c;  // this index's outdated cache: replaced below
      break;
    }
    if (c.last_used < slot->last_used) slot = &c;
  }
  CachedCodes fresh;
  fresh.file = file;
  fresh.freed_generation = generation;
  fresh.vectors = vectors;
  fresh.codes = vectorx::hnsw::CodeCache::for_graph(graph, limit);
  fresh.last_used = ++clock_ticks;
  *slot = std::move(fresh);
  return slot->codes;
}

}  // namespace vectorx::pg::hnsw
