// In-memory HNSW graph (see memory_graph.h).
#include "vectorx/hnsw/memory_graph.h"

#include <algorithm>

#include "vectorx/kernels.h"

namespace vectorx::hnsw {

MemoryGraph::MemoryGraph(size_t dim, Distance distance, const Params& params)
    : dim_(dim), distance_(distance), params_(params), slot_(1 + static_cast<size_t>(max_neighbors(params, 0))) {}

float MemoryGraph::measure(const float* a, const float* b) const {
  return distance_ == Distance::kL2Squared ? l2sq(a, b, dim_) : -dot(a, b, dim_);
}

bool MemoryGraph::Visited::insert(Id id) {
  if (g_.marks_[id] == g_.epoch_) return false;
  g_.marks_[id] = g_.epoch_;
  return true;
}

void MemoryGraph::Visited::clear() {
  if (++g_.epoch_ == 0) {  // wrapped: old marks could collide with the new epoch
    std::fill(g_.marks_.begin(), g_.marks_.end(), 0);
    g_.epoch_ = 1;
  }
}

void MemoryGraph::set_neighbors(Id n, int level, const std::vector<Id>& ids) {
  if (level == 0) {
    Id* list = level0_.data() + size_t{n} * slot_;
    list[0] = static_cast<Id>(std::min(ids.size(), slot_ - 1));
    std::copy(ids.begin(), ids.begin() + list[0], list + 1);
    return;
  }
  upper_[n][static_cast<size_t>(level) - 1] = ids;
}

MemoryGraph::Id MemoryGraph::add(const float* vector, int level) {
  const Id id = static_cast<Id>(levels_.size());
  vectors_.insert(vectors_.end(), vector, vector + dim_);
  levels_.push_back(level);
  level0_.resize(level0_.size() + slot_, 0);
  upper_.emplace_back(static_cast<size_t>(level));
  marks_.push_back(0);
  query_ = this->vector(id);
  Visited visited(*this);
  visited.clear();
  insert(*this, id, level, entry_, params_, visited);
  return id;
}

std::vector<Candidate<MemoryGraph::Id>> MemoryGraph::search(const float* query, size_t ef, size_t k) {
  query_ = query;
  Visited visited(*this);
  visited.clear();
  return hnsw::search(*this, entry_, ef, k, visited);
}

size_t MemoryGraph::memory_bytes() const {
  size_t bytes = vectors_.size() * sizeof(float) + level0_.size() * sizeof(Id);
  for (const auto& node : upper_)
    for (const auto& list : node) bytes += list.size() * sizeof(Id);
  return bytes;
}

}  // namespace vectorx::hnsw
