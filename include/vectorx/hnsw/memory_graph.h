// An HNSW graph held in memory: the form CREATE INDEX builds before writing pages, and the
// in-process reference the benchmark compares with hnswlib.
//
// Layout: vectors in one contiguous array; level-0 neighbour lists in one flat array of
// fixed-size slots (count + 2m ids), so the hot level is a single allocation; upper levels,
// which few nodes have, in per-node vectors.
//
// Concurrency (build with several threads): each node's lists are guarded by the node's own
// mutex; readers copy a list out under the lock and compute distances after releasing it, and
// a back-link is one read-modify-write under the lock (update_neighbors). Vectors and levels are
// immutable once stored. The entry point has its own mutex, held for a whole insert only when
// the new node will become the top (rare). Searches are safe alongside each other but not
// alongside inserts into a graph that is growing by add().
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "vectorx/hnsw/algorithm.h"

namespace vectorx::hnsw {

// How two vectors compare; smaller is closer.
enum class Distance { kL2Squared, kNegativeDot };

class MemoryGraph {
 public:
  using Id = uint32_t;
  class View;  // one thread's Graph interface: its query and visited set over the shared storage

  // Runs searches for one thread, reusing its visited set between them.
  class Searcher {
   public:
    explicit Searcher(MemoryGraph& graph);
    ~Searcher();
    std::vector<Candidate<Id>> search(const float* query, size_t ef, size_t k);

   private:
    MemoryGraph& graph_;
    std::unique_ptr<View> view_;
  };

  MemoryGraph(size_t dim, Distance distance, const Params& params);
  ~MemoryGraph();

  // Stores a vector at `level` and links it in (one thread); returns its id (0, 1, 2, …).
  Id add(const float* vector, int level);
  // Replaces the contents with rows [0, n) of `vectors` at the given levels, inserting them on
  // `threads` threads. Row i becomes node i.
  void build(const float* vectors, size_t n, const std::vector<int>& levels, unsigned threads);
  // The k nearest stored vectors to `query`, nearest first (a one-off Searcher).
  std::vector<Candidate<Id>> search(const float* query, size_t ef, size_t k);

  size_t size() const { return levels_.size(); }
  size_t dim() const { return dim_; }
  const float* vector(Id id) const { return vectors_.data() + size_t{id} * dim_; }
  int level(Id id) const { return levels_[id]; }
  EntryPoint<Id> entry_point() const;
  // The neighbour ids of node n at a level (a copy taken under the node's lock).
  std::vector<Id> neighbors(Id n, int level);
  // Bytes of vectors and neighbour lists.
  size_t memory_bytes() const;

 private:
  float measure(const float* a, const float* b) const;
  void reserve_node(int level);
  void link(View& view, Id id);

  size_t dim_;
  Distance distance_;
  Params params_;
  size_t slot_;  // 1 + 2m
  std::vector<float> vectors_;
  std::vector<int> levels_;
  std::vector<Id> level0_;
  std::vector<std::vector<std::vector<Id>>> upper_;
  std::deque<std::mutex> locks_;  // one per node; a deque never moves its elements
  mutable std::mutex entry_lock_;
  EntryPoint<Id> entry_;
  std::unique_ptr<View> adder_;  // add()'s view, reused so its visited set grows with the graph
};

}  // namespace vectorx::hnsw
