// Every live entry an IVF scan reads, as the index scans hand them out: batch after batch, each
// in key order (ties by heap TID), with the operator's distance (or its bound).
#pragma once

#include <vector>

#include "vectorx/ivf/candidates.h"
#include "vectorx/ivf/index.h"

namespace vectorx::test {

inline std::vector<Result> scan_all(ivf::IvfIndex::Scan& scan) {
  ivf::CandidateCursor cursor = ivf::scan_candidates(scan);
  std::vector<Result> out;
  for (const Result* r; (r = cursor.next()) != nullptr;) out.push_back(*r);
  return out;
}

}  // namespace vectorx::test
