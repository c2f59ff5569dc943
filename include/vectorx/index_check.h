// What the structural checks of the page indexes (vectorx_validate_index; hnsw/check.h,
// ivf/check.h) report. In the spirit of amcheck:
// every problem is reported with its location, corrupt bytes are never trusted (every id,
// block number and count is range-checked before use), and a check never throws on what it
// finds. Heap TIDs are handed back for the caller to check against the table.
//
// The caller keeps writers out while a check runs (the counts on the meta page are compared
// with what the pages hold); the check reads every page once, under short shared locks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vectorx/page_store.h"
#include "vectorx/slotted_page.h"

namespace vectorx {

struct CheckProblem {
  uint32_t block;
  int item;  // -1: the page as a whole
  std::string problem;
};

struct HeapReference {
  HeapTid tid;
  uint32_t block;
  int item;
};

struct CheckReport {
  std::vector<CheckProblem> problems;
  std::vector<HeapReference> heap;  // every live entry's row, for the caller to look up
};

}  // namespace vectorx
