// The structural check of an hnsw index (what it verifies: src/core/hnsw/check.cpp).
#pragma once

#include "vectorx/index_check.h"

namespace vectorx {

CheckReport check_hnsw(PageStore& store);

}  // namespace vectorx
