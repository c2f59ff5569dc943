// An inverted-file index over pages (layout and locking: page_format.h): entries are grouped in
// lists, one per centre; a search measures the query against every centre and reads the
// entries of the nearest lists ("probes"). The ivfflat access method's entries carry whole
// values, ivfpq's carry product-quantization codes (entries.h says how each is made and
// scored); this class stores and finds entries without knowing which.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "vectorx/ivf/page_format.h"
#include "vectorx/metric.h"

namespace vectorx::ivf {

// Element kinds and metrics the IVF indexes support (dense vectors under L2, inner product
// and cosine; bit strings under Hamming).
bool supported(ElementKind kind, Metric metric);
// The same for an index whose entries have `format` (flat's bounded codes serve L1 too).
bool supported(ElementKind kind, Metric metric, EntryFormat format);
// Whether entries of `format` are PQ codes (ivfpq).
bool uses_pq(EntryFormat format);
// Payload bytes of one value (and so of one centre) of a space of fixed size.
size_t value_bytes(const Space& space);
// Largest value payload an ivfflat entry on a page of `page_size` bytes can carry.
size_t max_value_bytes(size_t page_size);

// What a new index's entries hold (ivfflat: the values; ivfpq: codes of `pq_m` sub-quantizers
// with the given codebooks).
struct EntrySpec {
  EntryFormat format = EntryFormat::kValue;
  size_t pq_m = 0;
  bool residual = false;
  std::vector<float> codebooks;  // ProductQuantizer::codebooks() order
};

// How a scan ranks the entries of the lists it probes, smaller keys first.
class EntryScorer {
 public:
  virtual ~EntryScorer() = default;
  // Before the pages of each probed list; `centre_key` is Space::key(query, centre).
  virtual void start_list(uint32_t list, double centre_key) = 0;
  // Keys of the first `count` entries of a data page's entry area.
  virtual void score(const uint8_t* area, size_t count, double* keys) = 0;
  virtual double distance_from_key(double key) const = 0;
};

// The number of the centre nearest to a value among `count` centres (value_bytes(space) each).
uint32_t nearest_centre(const Space& space, const uint8_t* centres, size_t count, const uint8_t* payload);

// The centres as read once from the directory: payloads (value_bytes(space) each) and, where
// the space ranks cosine by dot products (Space::cosine_by_dot), each one's inverse norm.
struct Centres {
  std::vector<uint8_t> values;
  std::vector<double> inverse_norms;
};

class IvfIndex {
 public:
  // Writes the meta page, the directory (one list per centre: payloads of `space`,
  // value_bytes(space) each, concatenated; all lists empty) and any codebooks.
  static void create(PageStore& store, const Space& space, const std::vector<uint8_t>& centres,
                     const EntrySpec& entries = {});

  // Opens an index; CorruptIndex when the meta page is not one of ours.
  explicit IvfIndex(PageStore& store);

  const Space& space() const { return space_; }
  size_t lists() const { return meta_.lists; }
  const Meta& meta() const { return meta_; }
  const EntryLayout& layout() const { return layout_; }
  // Every list's centre, value_bytes(space()) each (read once; centres never change, so a
  // caller may keep them for later opens of the same build: meta().build_stamp).
  const std::vector<uint8_t>& centres() { return shared_centres()->values; }
  std::shared_ptr<const Centres> shared_centres();
  void adopt_centres(std::shared_ptr<const Centres> centres) { centres_ = std::move(centres); }
  // Blocks the store was seen to hold (asked again only for a block beyond them: asking costs
  // a system call). An index never shrinks while its build stands, so a caller may carry
  // the count to later opens of the same build, as with the centres.
  uint32_t blocks_seen() const { return known_blocks_; }
  void add_blocks_seen(uint32_t blocks) { known_blocks_ = std::max(known_blocks_, blocks); }
  // The PQ codebooks (empty for ivfflat).
  std::vector<float> codebooks();

  // The list whose centre is nearest to a value.
  uint32_t nearest_list(const uint8_t* payload);
  // How many of the lists nearest to `query` (lists_by_distance order) a scan must read to see
  // every entry within `radius` (the operator's distance) of it: exact for L2 and cosine
  // (bisector bounds between centres), every list for other distances.
  size_t lists_reaching(const uint8_t* query, double radius);
  // The `count` lists whose centres are nearest to a value (by key; cosine by
  // Space::cosine_key_by_dot), nearest first.
  std::vector<std::pair<double, uint32_t>> lists_by_distance(const uint8_t* payload, size_t count);
  // Appends an entry (payload of meta().entry_bytes) to a list; the store's vector quota
  // (PageStore::check_vector_quota) applies.
  void insert(uint32_t list, const uint8_t* entry, HeapTid tid);
  // Scores the entries of `list` a page at a time, each page under a shared lock: f(keys,
  // headers, count) for the page's entries, dead ones included. `centre_key`: as start_list's.
  using PageScores = std::function<void(const double* keys, const EntryHeader* headers, size_t count)>;
  void score_list(uint32_t list, double centre_key, EntryScorer& scorer, const PageScores& f);
  // Entries the index holds, from the meta page now (kept in step by inserts and VACUUM).
  uint64_t vectors();

  // Reads the nearest lists to a query, `probes` lists a batch, at most `max_probes` in all
  // (candidates.h hands out the entries of each batch in order).
  class Scan {
   public:
    Scan(IvfIndex& index, const uint8_t* query, std::unique_ptr<EntryScorer> scorer, size_t probes,
         size_t max_probes);
    size_t batches() const { return (order_.size() + probes_ - 1) / probes_; }
    // Scores every entry of batch `b`'s lists (dead ones included), a page at a time.
    void score_batch(size_t b, const PageScores& f);
    double distance_from_key(double key) const { return scorer_->distance_from_key(key); }

   private:
    IvfIndex& index_;
    std::unique_ptr<EntryScorer> scorer_;
    std::vector<std::pair<double, uint32_t>> order_;
    size_t probes_;
  };

  // The shape of the lists, from one pass over the directory and every list's chain
  // (vectorx_index_stats): each page once, under a short shared lock.
  struct ListStats {
    size_t live = 0, dead = 0;
    size_t data_pages = 0;
    std::vector<size_t> lengths;  // live entries per list
  };
  ListStats list_stats();

  struct VacuumStats {
    size_t removed = 0, kept = 0, pages = 0;
  };
  // Removes the entries whose rows are dead and lets inserts reuse the space.
  VacuumStats remove_dead(const std::function<bool(HeapTid)>& is_dead);

 private:
  struct Place {
    uint32_t block;
    size_t offset;  // of the slot within the directory page
  };
  Place slot_place(uint32_t list) const;
  ListSlot read_slot(uint32_t list);
  // Throws CorruptIndex unless `block` can be the `steps`-th page of a list's chain.
  void check_data_block(uint32_t list, uint32_t block, uint32_t steps);
  // Reads a list's chain, calling f(page data) under a shared lock for each page.
  void for_each_page(uint32_t list, const std::function<void(const uint8_t*)>& f);
  long checked_entries(const uint8_t* page) const;
  // Adds delta to the meta page's entry count within `change` (the meta page is always the
  // last page a change locks); a positive delta is checked against the vector quota first.
  void count_entries(Change& change, int64_t delta);
  bool append_to_new_page(uint32_t list, uint32_t full_block, const EntryHeader& header, const uint8_t* entry);
  void move_insert_page(uint32_t list, uint32_t from, uint32_t to);
  void vacuum_page(uint32_t block, const std::function<bool(HeapTid)>& is_dead, std::vector<uint8_t>& after,
                   VacuumStats& stats);

  PageStore& store_;
  Meta meta_{};
  Space space_;
  EntryLayout layout_;
  std::shared_ptr<const Centres> centres_;  // loaded on first use
  uint32_t known_blocks_ = 0;  // blocks_seen()
};

}  // namespace vectorx::ivf
