// The HNSW graph stored in pages (layout in page_format.h): bulk writing of a built graph,
// inserts, iterative searches and the three vacuum steps, over any PageStore.
//
// Distances are Space keys internally (the squared distance for L2; under cosine, by one dot
// product with the elements' stored inverse norms) and leave as the operator's exact distance,
// computed again for the elements a scan returns, so an index scan reports what the SQL
// operator computes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vectorx/hnsw/algorithm.h"
#include "vectorx/hnsw/memory_graph.h"
#include "vectorx/hnsw/page_format.h"
#include "vectorx/metric.h"
#include "vectorx/page_store.h"

namespace vectorx::hnsw {

class CodeCache;
class Reachability;

// A place for a new element: a free item it fits in, or fresh space on a page.
struct Placement {
  uint32_t block = kInvalidBlock;
  int free_item = -1;          // reuse this item, or -1 to add one
  size_t head_capacity = 0;    // value bytes the free item holds after the new lists
  Id reuse_tail = kInvalidId;  // the free item's tail chain (kept, even when unused)
};

// Heap rows of a graph written in bulk: node i's row, and further rows whose values are
// identical to a node's (stored with its element, page_format.h).
struct GraphRows {
  std::vector<HeapTid> first;                         // [node]
  std::vector<std::pair<uint32_t, HeapTid>> more;     // (node, row), sorted by node
};

class PageGraph {
 public:
  class View;
  class Scan;
  class Vacuum;

  // Writes the meta page of an empty index into an empty store.
  static void create(PageStore& store, const Space& space, const Params& params);
  // Writes a built graph into an empty store: the meta page, then elements in node order
  // packed as a stream (page_format.h), each with its rows.
  static void write(PageStore& store, const MemoryGraph& graph, const GraphRows& rows);

  // Opens an index; throws CorruptIndex (errors.h) when block 0 is not a meta page of this format.
  explicit PageGraph(PageStore& store);

  const Space& space() const { return space_; }
  const Params& params() const { return params_; }
  PageStore& store() { return store_; }
  EntryPoint<Id> entry_point();  // read from the meta page now
  uint64_t vectors();            // elements that are not free, from the meta page now
  Meta meta() { return read_meta(); }  // the meta page now

  // Inserts a value with its heap row at `level`. Raising the entry point needs the caller's
  // exclusive index lock: without it (`may_raise_entry` false) an insert that would raise it
  // returns false having written nothing, and the caller retries with the lock.
  // `codes` (code_cache.h), when given, steer the search for neighbours as they steer a scan.
  bool insert(const uint8_t* payload, size_t length, HeapTid tid, int level, bool may_raise_entry,
              CodeCache* codes = nullptr);

 private:
  friend class View;
  friend class Vacuum;
  Meta read_meta();
  // Whether `block` lies within the index. Its length is asked again (a system call) only for a
  // block beyond what this graph has seen: an index relation never shrinks while it is open.
  bool has_block(uint32_t block);
  // Stores an element with empty lists where it fits, looking from block `insert_hint` (reusing
  // a free item when one does); the first element of an empty graph also becomes the entry
  // point in the same change (`became_entry`).
  Id store_element(const uint8_t* payload, size_t length, HeapTid tid, int level, uint32_t insert_hint,
                   bool* became_entry);
  bool claim_free_item(const Placement& place);
  // Removes from new element `id`'s lists (levels 0..levels-1) the neighbours that died
  // while it was linked.
  void rekey_from_pages(View& view, std::vector<std::vector<Candidate<Id>>>& found);
  void drop_dead_links(View& view, Id id, size_t levels);
  // Adds `tid` to the first of `candidates` (an insert's level-0 candidates) whose value is
  // identical to `payload` and that takes it; false when none does.
  bool attach_to_identical(View& view, const std::vector<Candidate<Id>>& candidates, const uint8_t* payload,
                           size_t length, HeapTid tid);
  // Adds `tid` to the rows of element `id` (page_format.h); false when the element is dead.
  bool attach_row(Id id, HeapTid tid);
  // The same, when the element's page is full: a rows item elsewhere, linked at the chain's
  // head if that is still `head`.
  bool attach_elsewhere(Id id, HeapTid tid, Id head);
  // Writes `owner`'s new rows item holding `tid` in front of `next` on a page with room other
  // than the owner's (from the insert hint on, else a fresh page); returns its id.
  Id store_rows_item(Id owner, HeapTid tid, Id next);
  // Adds one to the vector count of a meta page held in a change, after the quota check.
  void count_vector(Meta* meta);
  // Writes the part of a value its element does not hold into a tail chain (`reuse`'s, which
  // must be long enough, or a new one on fresh pages); returns the chain's first tail.
  Id write_tails(const uint8_t* bytes, size_t length, Id reuse);
  void set_entry(EntryPoint<Id> ep);
  // CorruptIndex unless `payload` is a well-formed value of this index's space: a damaged meta
  // page may name another element kind or dimension count than the column's values have.
  void check_value(const uint8_t* payload, size_t length) const;

  PageStore& store_;
  Space space_;
  Params params_;
  uint32_t known_blocks_ = 0;  // has_block's lower bound of the index's length
};

// A query's search in batches: the first batch is the classic HNSW answer (the ef nearest at
// level 0); each later batch continues the same best-first search past what was returned
// (pgvector's iterative scan), until the limits stop it.
class PageGraph::Scan {
 public:
  struct Limits {
    size_t ef = 40;
    size_t max_visited = SIZE_MAX;       // distances computed
    size_t max_memory_bytes = SIZE_MAX;  // candidate and visited sets
    // Hold back a candidate until nothing unexplored is nearer, so batches come in distance
    // order (as far as the graph search can tell).
    bool strict = false;
    // Whether later batches will be asked for; a one-batch scan keeps no candidates beyond
    // best_ (pushing every evaluated node onto a heap it never reads cost a tenth of a query).
    bool more_batches = true;
  };
  // `codes` (may be null) serves one-batch scans only: the bounds of later batches need the
  // query's own keys.
  Scan(PageGraph& graph, const uint8_t* query, size_t length, const Limits& limits, CodeCache* codes = nullptr);
  ~Scan();
  // Appends the next batch, nearest first; false when the search has nothing more to give.
  bool next_batch(std::vector<Result>& out);
  size_t visited() const { return visited_; }
  bool limit_reached() const { return limit_reached_; }

 private:
  using C = Candidate<Id>;
  void expand();
  void emit(std::vector<Result>& out);
  void discard(const C& c);  // into discarded_, when later batches can use it
  void take_measured_key(Id id, double key);
  size_t memory_bytes() const;

  PageGraph& graph_;
  std::vector<uint8_t> query_;
  Limits limits_;
  std::unique_ptr<View> view_;
  std::vector<C> frontier_;   // min-heap: unexpanded
  std::vector<C> best_;       // max-heap: at most ef, not yet returned
  std::vector<C> discarded_;  // min-heap: evaluated, outside best_, not yet returned
  size_t visited_ = 0;
  bool started_ = false;
  bool limit_reached_ = false;
};

// Rows VACUUM found dead (and removed) and live.
struct RowCount {
  size_t dead = 0;
  size_t live = 0;
};

// VACUUM in three steps; the caller holds its exclusive index lock around release() only.
class PageGraph::Vacuum {
 public:
  explicit Vacuum(PageGraph& graph);
  ~Vacuum();
  // Removes the heap rows that `is_dead` from their elements and marks elements left with no
  // row as dead; returns how many rows it removed.
  size_t mark_dead(const std::function<bool(HeapTid)>& is_dead);
  // Rewrites every list that points at a dead element from the dead element's own neighbours.
  void repair();
  // Moves the entry point off a dead element and marks dead elements free for reuse;
  // returns how many it freed.
  size_t release();
  size_t live() const { return live_; }            // elements left with rows
  size_t live_rows() const { return live_rows_; }  // their rows

  struct Reconnected {
    size_t unreachable = 0;  // live elements no chain of lists led to from the entry point
    size_t linked = 0;       // of those, linked from a reachable element (the rest follow them)
    bool skipped = false;    // the lists would not fit `memory_budget`: nothing was checked
  };
  // Links every live element that no chain of level-0 lists reaches from the entry point (an insert's
  // or a repair's pruning can drop an element's last in-link) from the nearest reachable
  // element with room in its level-0 list. Reads every page and holds all lists in memory
  // (reachability.h), up to `memory_budget` bytes.
  Reconnected reconnect(size_t memory_budget);

 private:
  // Clears dead rows from the part of chain `rows` on pages other than `block` (a build's items,
  // which never gain rows: page_format.h), each page under its own lock.
  RowCount clear_rows_elsewhere(uint32_t block, Id rows, const std::function<bool(HeapTid)>& is_dead_row);
  // Marks the rows items of a freed element free, for attaches on their pages to reuse.
  void free_rows(Id rows);
  void repair_list(Id node, int level);
  // Adds `id` to the level-0 list of the nearest reachable element a search finds that has room.
  bool link_from_nearest(Id id, Reachability& reachability);
  // Copies element `id`'s value into `value` and makes it the view's query.
  bool query_by_value(Id id, std::vector<uint8_t>& value);

  PageGraph& graph_;
  std::unique_ptr<View> view_;
  bool is_dead(Id id) const;

  std::vector<Id> dead_;  // sorted
  size_t live_ = 0;
  size_t live_rows_ = 0;
  EntryPoint<Id> best_live_;  // a highest live element, the entry point if the old one died
};

}  // namespace vectorx::hnsw
