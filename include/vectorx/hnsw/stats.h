// The shape of an hnsw index, from one pass over its pages (vectorx_index_stats): element
// counts by state and level, out-degrees, and which live elements the graph cannot reach.
// Cost: every page is read once under a short shared lock, and the lists of all elements
// are held in memory for the reachability walk (reachability.h: 9 bytes per element and 4 per
// link, at most 137 bytes per element at m = 16).
// Concurrent writers are not blocked, so the figures are those of pages read at slightly
// different moments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "vectorx/hnsw/page_graph.h"

namespace vectorx::hnsw {

struct GraphStats {
  size_t live = 0;            // elements a search can return
  size_t rows = 0;            // their heap rows (more than `live` when values repeat)
  size_t dead = 0;            // marked dead by a VACUUM that has not finished with them
  size_t free = 0;            // items waiting to be reused by inserts
  size_t element_pages = 0;
  size_t split_values = 0;    // elements in use whose value continues in tails on other pages
  Id entry = kInvalidId;
  int entry_level = -1;
  std::vector<size_t> live_per_level;  // [l]: live elements whose top level is l
  double mean_out_degree = 0;          // level 0, over live elements
  uint32_t min_out_degree = 0;         // level 0, over live elements (0 when there are none)
  size_t unreachable = 0;              // live elements no path of lists leads to from the entry
};

GraphStats graph_stats(PageGraph& graph);

}  // namespace vectorx::hnsw
