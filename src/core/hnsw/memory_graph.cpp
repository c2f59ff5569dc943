// In-memory HNSW graph (see memory_graph.h for the locking rules).
#include "vectorx/hnsw/memory_graph.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <string_view>

#include "vectorx/threads.h"

namespace vectorx::hnsw {

// The Graph interface of algorithm.h for one thread: its query and its visited marks.
class MemoryGraph::View {
 public:
  using Id = MemoryGraph::Id;

  View(MemoryGraph& g, const uint8_t* query) : g_(g) { set_query(query); }

  double distance(Id a, Id b) const { return g_.key(g_.payload(a), g_.inverse_norm(a), g_.payload(b), g_.inverse_norm(b)); }
  double query_distance(Id a) const { return g_.key(query_, query_inverse_norm_, g_.payload(a), g_.inverse_norm(a)); }
  bool linkable(Id) const { return true; }

  // Calls f for each of n's neighbours, their visited marks, offsets and values prefetched
  // ahead of their turn (as hnswlib does): each is otherwise a cache miss of its own.
  template <class F>
  void for_each_neighbor(Id n, int level, F f) const {
    Id copy[kMaxList];
    size_t count;
    {
      std::lock_guard<std::mutex> lock(g_.locks_[n]);
      count = read_list(n, level, copy);
    }
    for (size_t i = 0; i < count; ++i) {
      if (copy[i] < marks_.size()) __builtin_prefetch(&marks_[copy[i]]);
      __builtin_prefetch(&g_.values_.offsets[copy[i]]);
    }
    for (size_t i = 0; i < kPrefetchAhead && i < count; ++i) prefetch_value(copy[i]);
    for (size_t i = 0; i < count; ++i) {
      if (i + kPrefetchAhead < count) prefetch_value(copy[i + kPrefetchAhead]);
      f(copy[i]);
    }
  }

  void set_neighbors(Id n, int level, const std::vector<Id>& ids) {
    std::lock_guard<std::mutex> lock(g_.locks_[n]);
    write_list(n, level, ids);
  }

  template <class F>
  bool update_neighbors(Id n, int level, F f) {
    std::lock_guard<std::mutex> lock(g_.locks_[n]);
    Id copy[kMaxList];
    const size_t count = read_list(n, level, copy);
    write_list(n, level, f(std::vector<Id>(copy, copy + count)));
    return true;
  }

  // Visited set by epoch: a mark equal to the current epoch means seen; clearing is O(1).
  bool insert(Id id) {
    if (id >= marks_.size()) marks_.resize(g_.size(), 0);  // the graph grew since the last search
    if (marks_[id] == epoch_) return false;
    marks_[id] = epoch_;
    return true;
  }
  void clear() {
    if (++epoch_ == 0) {  // wrapped: old marks could collide with the new epoch
      std::fill(marks_.begin(), marks_.end(), 0);
      epoch_ = 1;
    }
  }

  void set_query(const uint8_t* query) {
    query_ = query;
    query_inverse_norm_ = query && g_.cosine_by_dot_ ? g_.space_.inverse_norm(query) : 0;
  }

 private:
  static constexpr size_t kMaxList = 2 * 100;  // 2m with m's upper bound of 100
  static constexpr size_t kPrefetchAhead = 2;

  void prefetch_value(Id id) const {
    const uint8_t* value = g_.payload(id);
    const size_t length = g_.payload_length(id);
    for (size_t at = 0; at < length; at += 64) __builtin_prefetch(value + at);
  }

  size_t read_list(Id n, int level, Id* out) const {
    const auto [ids, count] = g_.list(n, level);
    std::copy(ids, ids + count, out);
    return count;
  }

  void write_list(Id n, int level, const std::vector<Id>& ids) {
    if (level == 0) {
      Id* slot = g_.level0_.data() + size_t{n} * g_.slot_;
      slot[0] = static_cast<Id>(std::min(ids.size(), g_.slot_ - 1));
      std::copy(ids.begin(), ids.begin() + slot[0], slot + 1);
      return;
    }
    g_.upper_[n][static_cast<size_t>(level) - 1] = ids;
  }

  MemoryGraph& g_;
  const uint8_t* query_ = nullptr;
  double query_inverse_norm_ = 0;
  std::vector<uint32_t> marks_;
  uint32_t epoch_ = 0;
};

Payloads Payloads::from_floats(const float* rows, size_t n, size_t dim) {
  Payloads p;
  const auto* bytes = reinterpret_cast<const uint8_t*>(rows);
  p.bytes.assign(bytes, bytes + n * dim * sizeof(float));
  p.offsets.resize(n + 1);
  for (size_t i = 0; i <= n; ++i) p.offsets[i] = i * dim * sizeof(float);
  return p;
}

int64_t IdenticalValues::find_or_expect(const Payloads& values, const uint8_t* payload, size_t length) {
  const uint64_t hash = std::hash<std::string_view>()({reinterpret_cast<const char*>(payload), length});
  const auto [it, inserted] = first_by_hash_.try_emplace(hash, static_cast<uint32_t>(values.size()));
  if (inserted) return -1;
  const uint32_t node = it->second;
  const bool same = values.length(node) == length && std::memcmp(values.at(node), payload, length) == 0;
  return same ? int64_t{node} : -1;
}

MemoryGraph::MemoryGraph(const Space& space, const Params& params)
    : space_(space),
      params_(params),
      cosine_by_dot_(space.cosine_by_dot()),
      slot_(1 + static_cast<size_t>(max_neighbors(params, 0))),
      adder_(std::make_unique<View>(*this, nullptr)) {}

double MemoryGraph::key(const uint8_t* a, double inverse_a, const uint8_t* b, double inverse_b) const {
  return cosine_by_dot_ ? space_.cosine_key_by_dot(a, b, inverse_a * inverse_b) : space_.key(a, b);
}

void MemoryGraph::note_inverse_norm(Id id) {
  if (cosine_by_dot_) inverse_norms_[id] = space_.inverse_norm(payload(id));
}

MemoryGraph::~MemoryGraph() = default;

MemoryGraph::Searcher::Searcher(MemoryGraph& graph) : graph_(graph), view_(std::make_unique<View>(graph, nullptr)) {}

MemoryGraph::Searcher::~Searcher() = default;

std::vector<Candidate<MemoryGraph::Id>> MemoryGraph::Searcher::search(const uint8_t* query, size_t ef, size_t k) {
  view_->set_query(query);
  view_->clear();
  return hnsw::search(*view_, graph_.entry_point(), ef, k, *view_);
}

void MemoryGraph::reserve_node(int level) {
  levels_.push_back(level);
  if (cosine_by_dot_) inverse_norms_.push_back(0);
  level0_.resize(level0_.size() + slot_, 0);
  upper_.emplace_back(static_cast<size_t>(level));
  locks_.emplace_back();
}

EntryPoint<MemoryGraph::Id> MemoryGraph::entry_point() const {
  std::lock_guard<std::mutex> lock(entry_lock_);
  return entry_;
}

// Links stored node `id` into the graph, using `view` (whose query is the node's vector).
void MemoryGraph::link(View& view, Id id) {
  const int level = levels_[id];
  std::unique_lock<std::mutex> lock(entry_lock_);
  EntryPoint<Id> ep = entry_;
  if (ep.level >= level && ep.level >= 0) lock.unlock();  // only a new top keeps the entry locked
  view.clear();
  insert(view, id, level, ep, params_, view);
  if (!lock.owns_lock()) lock.lock();
  if (level > entry_.level) entry_ = {id, level};
}

MemoryGraph::Id MemoryGraph::add(const uint8_t* payload, size_t length, int level) {
  const Id id = static_cast<Id>(levels_.size());
  values_.append(payload, length);
  reserve_node(level);
  note_inverse_norm(id);
  adder_->set_query(this->payload(id));
  link(*adder_, id);
  return id;
}

void MemoryGraph::build(Payloads values, const std::vector<int>& levels, unsigned threads, const Progress& progress) {
  const size_t n = values.size();
  values_ = std::move(values);
  levels_.clear();
  level0_.clear();
  upper_.clear();
  locks_.clear();
  entry_ = {};
  inverse_norms_.clear();
  for (size_t i = 0; i < n; ++i) reserve_node(levels[i]);
  for (size_t i = 0; i < n; ++i) note_inverse_norm(static_cast<Id>(i));
  if (n == 0) return;
  adder_->set_query(payload(0));
  link(*adder_, 0);
  std::atomic<size_t> next{1}, done{1};
  std::atomic<bool> stop{false};
  run_on_threads(std::max(threads, 1u), stop, [&](bool caller) {
    View view(*this, nullptr);
    size_t since_report = 0;
    for (size_t i; !stop && (i = next++) < n; ++done) {
      view.set_query(payload(static_cast<Id>(i)));
      link(view, static_cast<Id>(i));
      if (caller && progress && ++since_report >= 256) {
        since_report = 0;
        progress(done);
      }
    }
  });
  reconnect_unreachable();
  if (progress) progress(n);
}

size_t MemoryGraph::mark_reachable(Id from, std::vector<char>& reached) const {
  if (reached[from]) return 0;
  size_t marked = 0;
  std::vector<Id> stack{from};
  reached[from] = 1;
  while (!stack.empty()) {
    const Id id = stack.back();
    stack.pop_back();
    ++marked;
    const auto [ids, count] = list(id, 0);
    for (size_t i = 0; i < count; ++i)
      if (!reached[ids[i]]) {
        reached[ids[i]] = 1;
        stack.push_back(ids[i]);
      }
  }
  return marked;
}

size_t MemoryGraph::reconnect_unreachable() {
  const size_t n = size();
  if (n == 0 || entry_.level < 0) return 0;
  std::vector<char> reached(n, 0);
  mark_reachable(entry_.id, reached);
  size_t linked = 0;
  Searcher searcher(*this);
  const size_t ef = reconnect_candidates(params_);
  for (Id u = 0; u < n; ++u) {
    if (reached[u]) continue;
    // Link u from the nearest reachable element with room (a search can also lead to
    // elements that are not reachable at level 0 from the entry point).
    for (const Candidate<Id>& c : searcher.search(payload(u), ef, ef)) {
      Id* slot = level0_.data() + size_t{c.id} * slot_;
      if (c.id == u || !reached[c.id] || slot[0] + 1 >= slot_) continue;
      slot[1 + slot[0]++] = u;
      ++linked;
      mark_reachable(u, reached);
      break;
    }
  }
  return linked;
}

std::vector<Candidate<MemoryGraph::Id>> MemoryGraph::search(const uint8_t* query, size_t ef, size_t k) {
  return Searcher(*this).search(query, ef, k);
}

std::pair<const MemoryGraph::Id*, size_t> MemoryGraph::list(Id n, int level) const {
  if (level == 0) {
    const Id* slot = level0_.data() + size_t{n} * slot_;
    return {slot + 1, slot[0]};
  }
  const auto& upper = upper_[n][static_cast<size_t>(level) - 1];
  return {upper.data(), upper.size()};
}

std::vector<MemoryGraph::Id> MemoryGraph::neighbors(Id n, int level) const {
  std::lock_guard<std::mutex> lock(locks_[n]);
  const auto [ids, count] = list(n, level);
  return std::vector<Id>(ids, ids + count);
}

size_t MemoryGraph::node_overhead(const Params& params, const Space& space) {
  // level-0 slot, level, lock, payload offset, inverse norm (cosine), and upper levels (1/m of nodes have one)
  return (1 + static_cast<size_t>(max_neighbors(params, 0))) * sizeof(Id) + sizeof(int) + sizeof(std::mutex) +
         (space.cosine_by_dot() ? sizeof(double) : 0) +
         sizeof(size_t) + sizeof(std::vector<std::vector<Id>>) + 2 * sizeof(Id) + sizeof(std::vector<Id>) / 4;
}

size_t MemoryGraph::memory_bytes() const {
  size_t bytes = values_.bytes.size() + values_.offsets.size() * sizeof(size_t) + level0_.size() * sizeof(Id) +
                 inverse_norms_.size() * sizeof(double);
  for (const auto& node : upper_)
    for (const auto& list : node) bytes += list.size() * sizeof(Id);
  return bytes;
}

}  // namespace vectorx::hnsw
