// The structural check of an ivfflat or ivfpq index (what it verifies: src/core/ivf/check.cpp).
#pragma once

#include "vectorx/index_check.h"

namespace vectorx {

CheckReport check_ivf(PageStore& store);

}  // namespace vectorx
