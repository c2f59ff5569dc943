// An HNSW graph held in memory: the form CREATE INDEX builds before writing pages, and the
// in-process reference the benchmark compares with hnswlib.
//
// Layout: vectors in one contiguous array; level-0 neighbour lists in one flat array of
// fixed-size slots (count + 2m ids), so the hot level is a single allocation; upper levels,
// which few nodes have, in per-node vectors.
#pragma once

#include <cstdint>
#include <vector>

#include "vectorx/hnsw/algorithm.h"

namespace vectorx::hnsw {

// How two vectors compare; smaller is closer.
enum class Distance { kL2Squared, kNegativeDot };

class MemoryGraph {
 public:
  using Id = uint32_t;

  MemoryGraph(size_t dim, Distance distance, const Params& params);

  // Stores a vector at `level` and links it in; returns its id (ids are 0, 1, 2, …).
  Id add(const float* vector, int level);
  // The k nearest stored vectors to `query`, nearest first.
  std::vector<Candidate<Id>> search(const float* query, size_t ef, size_t k);

  size_t size() const { return levels_.size(); }
  size_t dim() const { return dim_; }
  const float* vector(Id id) const { return vectors_.data() + size_t{id} * dim_; }
  int level(Id id) const { return levels_[id]; }
  const EntryPoint<Id>& entry_point() const { return entry_; }
  // Bytes of vectors and neighbour lists.
  size_t memory_bytes() const;

  // The Graph interface of algorithm.h.
  float distance(Id a, Id b) const { return measure(vector(a), vector(b)); }
  float query_distance(Id a) const { return measure(query_, vector(a)); }
  template <class F>
  void for_each_neighbor(Id n, int level, F f) const {
    const Id* list = level == 0 ? level0_.data() + size_t{n} * slot_ : upper_[n][static_cast<size_t>(level) - 1].data();
    const Id count = level == 0 ? list[0] : static_cast<Id>(upper_[n][static_cast<size_t>(level) - 1].size());
    const Id* ids = level == 0 ? list + 1 : list;
    for (Id i = 0; i < count; ++i) f(ids[i]);
  }
  void set_neighbors(Id n, int level, const std::vector<Id>& ids);

 private:
  float measure(const float* a, const float* b) const;

  // Visited set by epoch: a mark equal to the current epoch means seen. Marks and epoch live
  // in the graph so that clearing is O(1) and no search sees another's marks.
  class Visited {
   public:
    explicit Visited(MemoryGraph& g) : g_(g) {}
    bool insert(Id id);
    void clear();

   private:
    MemoryGraph& g_;
  };

  size_t dim_;
  Distance distance_;
  Params params_;
  size_t slot_;  // 1 + 2m
  std::vector<float> vectors_;
  std::vector<int> levels_;
  std::vector<Id> level0_;
  std::vector<std::vector<std::vector<Id>>> upper_;
  std::vector<uint32_t> marks_;
  uint32_t epoch_ = 0;
  EntryPoint<Id> entry_;
  const float* query_ = nullptr;
};

}  // namespace vectorx::hnsw
