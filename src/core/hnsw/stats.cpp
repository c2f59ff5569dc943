// hnsw index statistics (see stats.h).
#include "vectorx/hnsw/stats.h"

#include <algorithm>

#include "vectorx/hnsw/reachability.h"

namespace vectorx::hnsw {
namespace {

void count_element(const ElementRef& e, int m, GraphStats& s, uint32_t* min_degree, size_t* degree_sum) {
  if (e.free()) {
    ++s.free;
    return;
  }
  if (e.dead()) {
    ++s.dead;
    return;
  }
  ++s.live;
  const size_t level = static_cast<size_t>(e.level());
  if (s.live_per_level.size() <= level) s.live_per_level.resize(level + 1, 0);
  ++s.live_per_level[level];
  const uint32_t degree = std::min<uint32_t>(e.count(0), static_cast<uint32_t>(list_capacity(m, 0)));
  *min_degree = std::min(*min_degree, degree);
  *degree_sum += degree;
}

}  // namespace

GraphStats graph_stats(PageGraph& graph) {
  PageStore& store = graph.store();
  const int m = graph.params().m;
  GraphStats s;
  const EntryPoint<Id> ep = graph.entry_point();
  s.entry = ep.id;
  s.entry_level = ep.level;
  Reachability reachability;
  uint32_t min_degree = UINT32_MAX;
  size_t degree_sum = 0;
  for_each_element_page(store, [&](uint32_t block, const uint8_t* page) {
    ++s.element_pages;
    for (int item = 0; item < page_header(page)->item_count; ++item) {
      if (RowsRef r; r.parse(page, store.page_size(), item)) {
        if (!r.free()) s.rows += static_cast<size_t>(std::count_if(r.rows(), r.rows() + r.capacity(), holds_row));
        continue;
      }
      ElementRef e;
      if (!e.parse(page, store.page_size(), item, m)) continue;
      if (!e.dead() && holds_row(e.heap_tid())) ++s.rows;
      count_element(e, m, s, &min_degree, &degree_sum);
      if (!e.free() && !e.value_inline()) ++s.split_values;
      reachability.add(make_id(block, item), e, m);
    }
    return true;
  });
  if (s.live > 0) {
    s.min_out_degree = min_degree;
    s.mean_out_degree = static_cast<double>(degree_sum) / static_cast<double>(s.live);
  }
  reachability.reach_from(s.entry);
  s.unreachable = reachability.unreached_live().size();
  return s;
}

}  // namespace vectorx::hnsw
