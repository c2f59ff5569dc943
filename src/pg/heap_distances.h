// Exact distances read from the table inside an index scan, for re-ranking candidates in the
// index (vectorx/ivf/rerank.h) instead of the executor's reorder queue: a candidate costs one
// heap page read and one distance, and the executor fetches only the rows it returns.
//
// The value read is the indexed column of the first tuple of the TID's HOT chain, visible or
// not: a HOT update never changes an indexed column, so every version in the chain holds the
// value the index entry was made from. The executor still checks the visibility of each row it
// is handed, as for any index scan.
#pragma once

#include <memory>
#include <optional>

#include "vectorx/ivf/rerank.h"
#include "vectorx/metric.h"
#include "vectorx/slotted_page.h"
#include "am_headers.h"

namespace vectorx::pg {

class HeapDistances {
 public:
  // nullptr when the rows cannot be read this way (the index's column is an expression, or
  // the table is not a heap table): the executor re-checks the rows then. `query` must outlive
  // the reader.
  static std::unique_ptr<HeapDistances> open(IndexScanDesc scan, const Space& space, const uint8_t* query);

  // The operator's distance from the query to the row at `tid`; nullopt when no tuple is
  // there, or its value is NULL. Throws PgError, or InputError for a value of other dimensions.
  std::optional<double> at(HeapTid tid);

 private:
  HeapDistances(Relation heap, AttrNumber column, const Space& space, const uint8_t* query)
      : heap_(heap), column_(column), space_(space), query_(query) {}

  Relation heap_;
  AttrNumber column_;
  const Space& space_;
  const uint8_t* query_;
};

// A Reranker over `candidates` (in order of their distances' lower bounds) that reads each
// one's distance from the table, reading at most `cap` when cap ≥ 0; nullptr when the table's
// values cannot be read (HeapDistances::open).
std::unique_ptr<vectorx::ivf::Reranker> table_reranker(IndexScanDesc scan, const Space& space, const uint8_t* query,
                                                       vectorx::ivf::Reranker::Source candidates, long cap);

}  // namespace vectorx::pg
