// An HNSW graph held in memory: the form CREATE INDEX builds before writing pages, and the
// in-process reference the benchmark compares with hnswlib.
//
// Layout: value payloads (metric.h) back to back in one array; level-0 neighbour lists in one flat array of
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
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vectorx/hnsw/algorithm.h"
#include "vectorx/metric.h"

namespace vectorx::hnsw {

// Payloads of n values back to back: value i is bytes [offsets[i], offsets[i + 1]).
struct Payloads {
  std::vector<uint8_t> bytes;
  std::vector<size_t> offsets{0};

  size_t size() const { return offsets.size() - 1; }
  const uint8_t* at(size_t i) const { return bytes.data() + offsets[i]; }
  size_t length(size_t i) const { return offsets[i + 1] - offsets[i]; }
  void append(const uint8_t* p, size_t len) {
    bytes.insert(bytes.end(), p, p + len);
    offsets.push_back(bytes.size());
  }
  // Rows of a float matrix as float32 payloads.
  static Payloads from_floats(const float* rows, size_t n, size_t dim);
};

// Remembers collected values by content, so a bulk build stores identical values once.
class IdenticalValues {
 public:
  // The index in `values` of a value byte-for-byte equal to `payload`; otherwise remembers
  // `payload` as the value about to be appended at index values.size() and returns -1.
  int64_t find_or_expect(const Payloads& values, const uint8_t* payload, size_t length);
  // Estimated bytes a remembered value costs.
  static constexpr size_t kBytesPerValue = 48;

 private:
  std::unordered_map<uint64_t, uint32_t> first_by_hash_;  // one value per hash (a collision is stored twice)
};

class MemoryGraph {
 public:
  using Id = uint32_t;
  class View;  // one thread's Graph interface: its query and visited set over the shared storage

  // Runs searches for one thread, reusing its visited set between them.
  class Searcher {
   public:
    explicit Searcher(MemoryGraph& graph);
    ~Searcher();
    // Candidates carry Space keys (distance_from_key gives the operator's distance); under
    // cosine, keys computed by one dot product (Space::cosine_key_by_dot).
    std::vector<Candidate<Id>> search(const uint8_t* query, size_t ef, size_t k);

   private:
    MemoryGraph& graph_;
    std::unique_ptr<View> view_;
  };

  MemoryGraph(const Space& space, const Params& params);
  ~MemoryGraph();

  // Stores a payload at `level` and links it in (one thread); returns its id (0, 1, 2, …).
  Id add(const uint8_t* payload, size_t length, int level);
  // Called on the building thread about every 256 insertions with the count done; may throw
  // to cancel (the other threads stop and are joined before the exception propagates).
  using Progress = std::function<void(size_t done)>;
  // Replaces the contents with `values` at the given levels, inserting them on `threads`
  // threads (which block all signals: a host process's handlers stay on its own thread).
  // Value i becomes node i.
  void build(Payloads values, const std::vector<int>& levels, unsigned threads, const Progress& progress = {});
  // The k nearest stored values to `query`, nearest first (a one-off Searcher).
  std::vector<Candidate<Id>> search(const uint8_t* query, size_t ef, size_t k);

  size_t size() const { return levels_.size(); }
  const Space& space() const { return space_; }
  const Params& params() const { return params_; }
  const uint8_t* payload(Id id) const { return values_.at(id); }
  size_t payload_length(Id id) const { return values_.length(id); }
  int level(Id id) const { return levels_[id]; }
  EntryPoint<Id> entry_point() const;
  // The neighbour ids of node n at a level (a copy taken under the node's lock).
  std::vector<Id> neighbors(Id n, int level) const;
  // Bytes of payloads and neighbour lists.
  size_t memory_bytes() const;
  // Estimated bytes per node beyond its payload (lists, level, lock), for memory budgets.
  static size_t node_overhead(const Params& params, const Space& space);

 private:
  // The key between two stored or query values, given their inverse norms (used under cosine).
  double key(const uint8_t* a, double inverse_a, const uint8_t* b, double inverse_b) const;
  double inverse_norm(Id id) const { return cosine_by_dot_ ? inverse_norms_[id] : 0; }
  void note_inverse_norm(Id id);
  // n's list at a level, in place (the caller holds n's lock).
  std::pair<const Id*, size_t> list(Id n, int level) const;
  void reserve_node(int level);
  void link(View& view, Id id);
  // Links every element that no chain of level-0 lists reaches from the entry point (the neighbour
  // heuristic can prune all links to an element, most often among near-duplicates) from the
  // nearest reachable element whose level-0 list has room; returns how many it linked.
  size_t reconnect_unreachable();
  // Marks `from` and everything its level-0 lists lead to in `reached` (a search follows no
  // other links at level 0, where it ends); returns how many it newly marked.
  size_t mark_reachable(Id from, std::vector<char>& reached) const;

  Space space_;
  Params params_;
  bool cosine_by_dot_;  // distances by one dot product and stored inverse norms
  std::vector<double> inverse_norms_;  // per node, under cosine_by_dot_
  size_t slot_;  // 1 + 2m
  Payloads values_;
  std::vector<int> levels_;
  std::vector<Id> level0_;
  std::vector<std::vector<std::vector<Id>>> upper_;
  mutable std::deque<std::mutex> locks_;  // one per node; a deque never moves its elements
  mutable std::mutex entry_lock_;
  EntryPoint<Id> entry_;
  std::unique_ptr<View> adder_;  // add()'s view, reused so its visited set grows with the graph
};

}  // namespace vectorx::hnsw
