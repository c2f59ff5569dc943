// The hnsw code caches of this backend (core hnsw/code_cache.h): one per index searched
// lately, keyed by the index's file and its meta page's freed_generation, so a new build,
// REINDEX, TRUNCATE or a VACUUM that freed elements is never served old codes; made again when
// the index has grown well past the sample its quantizer was trained on. At most
// kCodeCaches indexes, least recently used evicted, each at most vectorx.hnsw_code_cache bytes;
// C++ heap memory, like the IVF shape cache.
#pragma once

#include <memory>

#include "vectorx/hnsw/code_cache.h"
#include "vectorx/hnsw/page_graph.h"
#include "am_headers.h"

namespace vectorx::pg::hnsw {

constexpr int kCodeCaches = 4;

// The cache of `index` (opened as `graph`), made at the session's second search or insert on
// it; nullptr before that, when vectorx.hnsw_code_cache is 0, or when the index's values have
// no codes. C++ code: call inside guarded().
std::shared_ptr<vectorx::hnsw::CodeCache> cached_codes(Relation index, vectorx::hnsw::PageGraph& graph);

}  // namespace vectorx::pg::hnsw
