// The HNSW algorithm (Malkov & Yashunin), independent of where the graph lives.
//
// Every function is a template over a Graph that provides:
//   using Id = …;                                    node identity (index, or a packed TID)
//   double distance(Id a, Id b);                     between two stored nodes
//   double query_distance(Id a);                     to the query of the current search
//   bool linkable(Id a);                             false for nodes being deleted
//   template <class F> void for_each_neighbor(Id n, int level, F f);
//   void set_neighbors(Id n, int level, const std::vector<Id>& ids);     (a new node's own list)
//   template <class F> bool update_neighbors(Id n, int level, F f);
//       replaces n's list with f(current list) atomically with respect to other updates of n;
//       false when it gave up under contention (the list is not f's result)
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

// Searches that mend the graph (VACUUM's list repairs and reconnections) look at least this
// deep, however small ef_construction is: at small m the ef_construction nearest often all
// have full lists (m = 2, ef_construction = 4 left a fifth of the unreachable elements
// unlinked), and a repair from 16 candidates (m = 4, ef_construction = 8, pgvector's bit(52)
// test with 75% deleted) measured recall 0.82-0.85 where 64 measured 0.86-0.93.
constexpr size_t kMinMendingSearch = 64;

// How many of its nearest reachable elements an unreachable element may be linked from (the
// first with a free level-0 slot).
inline size_t reconnect_candidates(const Params& p) {
  return std::max(static_cast<size_t>(p.ef_construction), kMinMendingSearch);
}

// How many live elements a repaired list is chosen from: twice its capacity at least.
inline size_t repair_candidates(const Params& p, int level) {
  return std::max(reconnect_candidates(p), 2 * static_cast<size_t>(max_neighbors(p, level)));
}

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

// Chooses at most `max` of `candidates` (sorted nearest first). First the diverse ones: a
// candidate is diverse if it is closer to the base node than to every diverse one already
// kept, so links spread in different directions (Algorithm 4 of the paper). Exact duplicates
// of a kept one are never diverse, so copies cannot fill each other's lists and form an island.
// Then, while fewer than `at_least` are kept, the pruned candidates, nearest first: in few
// dimensions the rule alone keeps 3 to 6 links, and such sparse lists cost recall (inner
// product on 3-dim data), VACUUM repairs and the reachability of concurrent inserts.
template <class Graph>
std::vector<typename Graph::Id> select_neighbors(Graph& g, const std::vector<Candidate<typename Graph::Id>>& candidates,
                                                 size_t max, size_t at_least, size_t* diverse = nullptr) {
  using Id = typename Graph::Id;
  std::vector<Id> kept, pruned;
  for (const auto& c : candidates) {
    if (kept.size() >= max) break;
    bool diverse = true;
    for (Id k : kept) {
      const double to_kept = g.distance(c.id, k);
      if (to_kept < c.distance || to_kept == 0) {
        diverse = false;
        break;
      }
    }
    (diverse ? kept : pruned).push_back(c.id);
  }
  if (diverse) *diverse = kept.size();
  for (size_t i = 0; i < pruned.size() && kept.size() < std::min(at_least, max); ++i) kept.push_back(pruned[i]);
  return kept;
}

// A new node keeps at least m links of its own when lists have 16 slots or more, m / 2 below
// that. Its diverse links and the nearest pruned ones up to m / 2 link back to it even when
// their lists are full (evicting one); the rest of its links link back only where a list has
// room, so full lists keep their far links. Measured on 10,000 3-dim rows (inner product, 5
// datasets, recall@20 at ef_search 40): diverse links only 0.92-0.99; at least m / 2:
// 0.995-1.00. Own lists of m: 10-dim halfvec L1 (pgvector's test 024) 0.988-0.993 against
// 0.985-0.988. The back-links where there is room: the same L1 data inserted by 10 clients
// (test 025) 0.9875-0.995 against 0.98-0.995, glove-100 recall@10 at ef_search 10 / 40 / 160
// 0.876 / 0.969 / 0.994 against 0.863 / 0.968 / 0.993, build time unchanged. Back-links from
// every link with eviction did as well there but evicted far links on a low-dimensional curve
// (8-dim cosine, test/sql/range_search.sql: balls no longer whole).
// At m = 4 own lists of m left too little room: after VACUUM, 465-712 of 4,800 near-duplicates
// stayed unreachable in 2 of 6 runs (test/sql/index_stats.sql). Both lists at 2m (pgvector's
// choice): a 60,000-row build took 4 times as long (every back-link prunes a full list), and
// the same curve traps a search in a local minimum (4 of the 30 nearest found; 69 of 150 at
// ef_search 200).
// A full list that gains a link evicts just one: the farthest pruned one (the farthest of all
// when every one is diverse). Cutting it back to its diverse links instead would drop up to
// m in-links at once, and with them the only way into some elements; evicting the nearest or
// most redundant pruned one kept far links and cost inner product 0.03 of recall.
inline size_t new_node_links(const Params& p) { return static_cast<size_t>(std::max(p.m / 2, 1)); }
inline size_t own_links_at_least(const Params& p) { return p.m >= 8 ? static_cast<size_t>(p.m) : new_node_links(p); }

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

// Appends `id` to n's level-0 list if the list has room; true when `id` is in the list.
template <class Graph>
bool link_if_room(Graph& g, typename Graph::Id n, typename Graph::Id id, size_t max) {
  using Id = typename Graph::Id;
  bool linked = false;
  const bool stored = g.update_neighbors(n, 0, [&](const std::vector<Id>& current) {
    const bool present = std::find(current.begin(), current.end(), id) != current.end();
    linked = present || current.size() < max;
    if (present || !linked) return current;
    std::vector<Id> grown = current;
    grown.push_back(id);
    return grown;
  });
  return stored && linked;
}

// When every neighbour pruned the new node `id` from its full level-0 list, nothing leads to
// it: it is linked from the nearest other candidate whose list has room (no eviction: evicting
// a hub's link for a far element wrecked inner-product recall), so concurrent inserts do not
// leave elements unreachable until the next VACUUM.
template <class Graph>
void link_from_room(Graph& g, typename Graph::Id id, const std::vector<Candidate<typename Graph::Id>>& candidates,
                    const std::vector<typename Graph::Id>& tried, size_t max) {
  for (const auto& c : candidates)
    if (std::find(tried.begin(), tried.end(), c.id) == tried.end() && link_if_room(g, c.id, id, max)) return;
}

// Adds `id` to the level-`level` list of each of `links`. A full list among the first
// `may_evict` links is pruned (it evicts one: the farthest pruned); the others' full lists are
// left as they are. True when some list kept `id`.
template <class Graph>
bool link_back(Graph& g, typename Graph::Id id, const std::vector<typename Graph::Id>& links, int level, size_t max,
               size_t may_evict) {
  using Id = typename Graph::Id;
  bool linked_in = false;
  for (size_t i = 0; i < links.size(); ++i) {
    const Id n = links[i];
    bool kept = false;
    const bool stored = g.update_neighbors(n, level, [&](const std::vector<Id>& current) {
      kept = true;
      if (std::find(current.begin(), current.end(), id) != current.end()) return current;  // linked already
      if (current.size() < max) {
        std::vector<Id> grown = current;
        grown.push_back(id);
        return grown;
      }
      if (i >= may_evict) {
        kept = false;
        return current;
      }
      std::vector<Candidate<Id>> theirs = {{g.distance(n, id), id}};
      for (Id x : current) theirs.push_back({g.distance(n, x), x});
      std::sort(theirs.begin(), theirs.end());
      std::vector<Id> pruned = select_neighbors(g, theirs, max, max);
      kept = std::find(pruned.begin(), pruned.end(), id) != pruned.end();
      return pruned;
    });
    linked_in |= stored && kept;
  }
  return linked_in;
}

// A new node's candidate neighbours (`[l]` for each level l it shares with the graph), from a
// search for the query (its vector) that descends from the entry point: the ef_construction
// nearest linkable nodes at each level, nearest first. The graph must not be empty.
template <class Graph, class Visited>
std::vector<std::vector<Candidate<typename Graph::Id>>> find_neighbors(Graph& g, int level,
                                                                       const EntryPoint<typename Graph::Id>& ep,
                                                                       const Params& p, Visited& visited) {
  using C = Candidate<typename Graph::Id>;
  const int top = std::min(level, ep.level);
  std::vector<std::vector<C>> found(static_cast<size_t>(top) + 1);
  auto nearest = descend(g, ep, level, visited);
  for (int l = top; l >= 0; --l) {
    visited.clear();
    nearest = search_layer(g, nearest, static_cast<size_t>(p.ef_construction), l, visited);
    for (const C& c : nearest)
      if (g.linkable(c.id)) found[static_cast<size_t>(l)].push_back(c);
  }
  return found;
}

// Links the stored node `id` to its candidates (find_neighbors) at each level and back, and
// makes it the entry point if it is the highest node.
template <class Graph>
void connect(Graph& g, typename Graph::Id id, int level, const std::vector<std::vector<Candidate<typename Graph::Id>>>& found,
             EntryPoint<typename Graph::Id>& ep, const Params& p) {
  using Id = typename Graph::Id;
  for (int l = static_cast<int>(found.size()) - 1; l >= 0; --l) {
    // With concurrent inserts another thread may already have linked `id` at this level, so a
    // search can find the node itself: it must not become its own neighbour.
    std::vector<Candidate<Id>> others;
    for (const auto& c : found[static_cast<size_t>(l)])
      if (c.id != id) others.push_back(c);
    const size_t max = static_cast<size_t>(max_neighbors(p, l));
    size_t diverse = 0;
    const std::vector<Id> links = select_neighbors(g, others, max, own_links_at_least(p), &diverse);
    // Concurrent inserts that found `id` may have linked back to it already: keep those links
    // too (overwriting them dropped the only way into some elements: 8-12 of 1,000 rows
    // inserted by 20 clients were unreachable).
    const bool merged = g.update_neighbors(id, l, [&](const std::vector<Id>& current) {
      std::vector<Id> list = links;
      for (Id x : current)
        if (list.size() < max && std::find(list.begin(), list.end(), x) == list.end()) list.push_back(x);
      return list;
    });
    if (!merged) g.set_neighbors(id, l, links);
    const bool linked_in = link_back(g, id, links, l, max, std::max(diverse, new_node_links(p)));
    if (l == 0 && !linked_in) link_from_room(g, id, others, links, max);
  }
  if (level > ep.level) ep = {id, level};
}

// Links node `id` (already stored, with the query set to its vector) into the graph at
// levels 0..level, and makes it the entry point if it is the highest node.
template <class Graph, class Visited>
void insert(Graph& g, typename Graph::Id id, int level, EntryPoint<typename Graph::Id>& ep, const Params& p,
            Visited& visited) {
  if (ep.level < 0) {
    ep = {id, level};
    return;
  }
  connect(g, id, level, find_neighbors(g, level, ep, p, visited), ep, p);
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
