// hnsw index statistics (see stats.h).
#include "vectorx/hnsw/stats.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace vectorx::hnsw {
namespace {

// What the reachability walk needs of an element.
struct Node {
  bool live;
  bool traversed;         // searches pass through live and dead elements, not free ones
  std::vector<Id> links;  // all levels' lists
};

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

Node node_of(const ElementRef& e, int m) {
  Node node{!e.dead(), !e.free(), {}};
  for (int level = 0; node.traversed && level <= e.level(); ++level) {
    const uint32_t count = std::min<uint32_t>(e.count(level), static_cast<uint32_t>(list_capacity(m, level)));
    node.links.insert(node.links.end(), e.ids(level), e.ids(level) + count);
  }
  return node;
}

// Live elements that no chain of lists from the entry point reaches.
size_t count_unreachable(const std::unordered_map<Id, Node>& nodes, Id entry) {
  std::unordered_set<Id> reached;
  std::vector<Id> stack;
  if (nodes.count(entry)) {
    reached.insert(entry);
    stack.push_back(entry);
  }
  while (!stack.empty()) {
    const Node& node = nodes.at(stack.back());
    stack.pop_back();
    if (!node.traversed) continue;
    for (Id next : node.links)
      if (nodes.count(next) && reached.insert(next).second) stack.push_back(next);
  }
  size_t unreachable = 0;
  for (const auto& [id, node] : nodes)
    if (node.live && !reached.count(id)) ++unreachable;
  return unreachable;
}

}  // namespace

GraphStats graph_stats(PageGraph& graph) {
  PageStore& store = graph.store();
  const int m = graph.params().m;
  GraphStats s;
  const EntryPoint<Id> ep = graph.entry_point();
  s.entry = ep.id;
  s.entry_level = ep.level;
  std::unordered_map<Id, Node> nodes;
  uint32_t min_degree = UINT32_MAX;
  size_t degree_sum = 0;
  const uint32_t blocks = store.block_count();
  for (uint32_t block = 1; block < blocks; ++block) {
    store.check_interrupts();
    ReadPage page(store, block);
    const PageHeader* h = page_header(page.data());
    if (h->kind == static_cast<uint16_t>(PageKind::kOverflow)) ++s.overflow_pages;
    if (h->kind != static_cast<uint16_t>(PageKind::kElements)) continue;
    ++s.element_pages;
    for (int item = 0; item < h->item_count; ++item) {
      ElementRef e;
      if (!e.parse(page.data(), store.page_size(), item, m)) continue;
      count_element(e, m, s, &min_degree, &degree_sum);
      nodes.emplace(make_id(block, item), node_of(e, m));
    }
  }
  if (s.live > 0) {
    s.min_out_degree = min_degree;
    s.mean_out_degree = static_cast<double>(degree_sum) / static_cast<double>(s.live);
  }
  s.unreachable = count_unreachable(nodes, s.entry);
  return s;
}

}  // namespace vectorx::hnsw
