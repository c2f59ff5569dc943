// The HNSW algorithm (Malkov & Yashunin), independent of where the graph lives.
//
// Every function is a template over a Graph that provides:
//   using Id = …;                                    node identity (index, or a packed TID)
//   double distance(Id a, Id b);                     between two stored nodes
//   double query_distance(Id a);                     to the query of the current search
//   bool linkable(Id a);                             false for nodes being deleted
//   template <class F> void for_each_neighbor(Id n, int level, F f);
//   void set_neighbors(Id n, int level, const std::vector<Id>& ids);     (a new node's own list)
//   template <class F> void update_neighbors(Id n, int level, F f);
//       replaces n's list with f(current list) atomically with respect to other updates of n
// and a Visited set with `bool insert(Id)` (true when newly seen) and `void clear()`.
// The in-memory build graph and the page-backed index graph both plug in here, so
// construction, insertion and search are one piece of code.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <queue>
#include <vector>

namespace vectorx::hnsw {

struct Params {
  int m = 16;                // neighbours per node above level 0 (2m at level 0)
  int ef_construction = 64;  // candidate list size while inserting
};

inline int max_neighbors(const Params& p, int level) { return level == 0 ? 2 * p.m : p.m; }

// How many of its nearest reachable elements an unreachable element may be linked from (the
// first with a free level-0 slot): at small m the ef_construction nearest often all have full
// lists (m = 2, ef_construction = 4 left a fifth of the unreachable elements unlinked).
inline size_t reconnect_candidates(const Params& p) { return static_cast<size_t>(std::max(p.ef_construction, 64)); }

// The level of a new node from a uniform sample u in (0, 1]: floor(-ln(u) / ln(m)), capped.
inline int random_level(double u, int m) {
  constexpr int kMaxLevel = 16;
  const double level = -std::log(std::max(u, 1e-300)) / std::log(static_cast<double>(std::max(m, 2)));
  return std::min(kMaxLevel, static_cast<int>(level));
}

template <class Id>
struct Candidate {
  double distance;
  Id id;
  bool operator<(const Candidate& o) const { return distance < o.distance || (distance == o.distance && id < o.id); }
  bool operator>(const Candidate& o) const { return o < *this; }
};

// The ef nearest nodes to the query reachable at `level` from `entry`, nearest first
// (Algorithm 2 of the paper). `visited` must be clear.
template <class Graph, class Visited>
std::vector<Candidate<typename Graph::Id>> search_layer(Graph& g, const std::vector<Candidate<typename Graph::Id>>& entry,
                                                        size_t ef, int level, Visited& visited) {
  using C = Candidate<typename Graph::Id>;
  std::priority_queue<C, std::vector<C>, std::greater<C>> frontier;  // nearest on top
  std::priority_queue<C> best;                                        // farthest on top
  for (const C& e : entry) {
    if (!visited.insert(e.id)) continue;
    frontier.push(e);
    best.push(e);
  }
  while (best.size() > ef) best.pop();
  while (!frontier.empty()) {
    const C current = frontier.top();
    if (best.size() >= ef && current.distance > best.top().distance) break;
    frontier.pop();
    g.for_each_neighbor(current.id, level, [&](typename Graph::Id n) {
      if (!visited.insert(n)) return;
      const double d = g.query_distance(n);
      if (best.size() < ef || d < best.top().distance) {
        frontier.push({d, n});
        best.push({d, n});
        if (best.size() > ef) best.pop();
      }
    });
  }
  std::vector<C> out(best.size());
  for (size_t i = out.size(); i-- > 0; best.pop()) out[i] = best.top();
  return out;
}

// Keeps at most `max` of `candidates` (sorted nearest first): a candidate stays only if it is
// closer to the base node than to every neighbour already kept, so links spread in different
// directions (Algorithm 4 without extending or refilling; refilling pruned slots measured 1.5x
// slower builds on siftsmall for no recall gain at equal QPS). Exact duplicates (bit strings,
// repeated embeddings) are the exception: a list keeps one copy per value first, or copies fill
// each other's lists and form an island the search cannot leave; then, with `keep_copies`,
// left-over slots take the other copies so back-links still reach them.
template <class Graph>
std::vector<typename Graph::Id> select_neighbors(Graph& g, const std::vector<Candidate<typename Graph::Id>>& candidates,
                                                 size_t max, bool keep_copies = false) {
  using Id = typename Graph::Id;
  std::vector<Id> kept, copies;
  for (const auto& c : candidates) {
    if (kept.size() >= max) break;
    bool diverse = true;
    for (Id k : kept) {
      const double to_kept = g.distance(c.id, k);
      if (to_kept == 0) copies.push_back(c.id);
      if (to_kept < c.distance || to_kept == 0) {
        diverse = false;
        break;
      }
    }
    if (diverse) kept.push_back(c.id);
  }
  for (size_t i = 0; keep_copies && i < copies.size() && kept.size() < max; ++i) kept.push_back(copies[i]);
  return kept;
}

template <class Id>
struct EntryPoint {
  Id id;
  int level = -1;  // -1: empty graph
};

// Greedy descent from the entry point to `to_level` + 1, then the ef nearest at each level down.
template <class Graph, class Visited>
std::vector<Candidate<typename Graph::Id>> descend(Graph& g, const EntryPoint<typename Graph::Id>& ep, int to_level,
                                                   Visited& visited) {
  std::vector<Candidate<typename Graph::Id>> nearest = {{g.query_distance(ep.id), ep.id}};
  for (int level = ep.level; level > to_level; --level) {
    visited.clear();
    nearest = search_layer(g, nearest, 1, level, visited);
  }
  return nearest;
}

// Links node `id` (already stored, with the query set to its vector) into the graph at
// levels 0..level, and makes it the entry point if it is the highest node.
template <class Graph, class Visited>
void insert(Graph& g, typename Graph::Id id, int level, EntryPoint<typename Graph::Id>& ep, const Params& p,
            Visited& visited) {
  using Id = typename Graph::Id;
  if (ep.level < 0) {
    ep = {id, level};
    return;
  }
  auto nearest = descend(g, ep, level, visited);
  for (int l = std::min(level, ep.level); l >= 0; --l) {
    visited.clear();
    nearest = search_layer(g, nearest, static_cast<size_t>(p.ef_construction), l, visited);
    // With concurrent inserts another thread may already have linked `id` at this level, so the
    // search can find the node itself: it must not become its own neighbour.
    std::vector<Candidate<Id>> others;
    for (const auto& c : nearest)
      if (c.id != id && g.linkable(c.id)) others.push_back(c);
    const size_t max = static_cast<size_t>(max_neighbors(p, l));
    // m links for the new node at every level (as hnswlib); level-0 lists grow to 2m by back-links.
    const std::vector<Id> links = select_neighbors(g, others, static_cast<size_t>(p.m));
    g.set_neighbors(id, l, links);
    for (Id n : links)  // link back, pruning the neighbour's list when it overflows
      g.update_neighbors(n, l, [&](const std::vector<Id>& current) {
        if (std::find(current.begin(), current.end(), id) != current.end()) return current;  // linked already
        if (current.size() < max) {
          std::vector<Id> grown = current;
          grown.push_back(id);
          return grown;
        }
        std::vector<Candidate<Id>> theirs = {{g.distance(n, id), id}};
        for (Id x : current) theirs.push_back({g.distance(n, x), x});
        std::sort(theirs.begin(), theirs.end());
        return select_neighbors(g, theirs, max, true);
      });
  }
  if (level > ep.level) ep = {id, level};
}

// The k nearest to the query with a candidate list of ef (>= k), nearest first.
template <class Graph, class Visited>
std::vector<Candidate<typename Graph::Id>> search(Graph& g, const EntryPoint<typename Graph::Id>& ep, size_t ef, size_t k,
                                                  Visited& visited) {
  if (ep.level < 0) return {};
  auto nearest = descend(g, ep, 0, visited);
  visited.clear();
  nearest = search_layer(g, nearest, std::max(ef, k), 0, visited);
  if (nearest.size() > k) nearest.resize(k);
  return nearest;
}

}  // namespace vectorx::hnsw
