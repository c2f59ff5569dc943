// The weights of 4-bit dot products in the codes' byte order (kernels.h).
#include <algorithm>

#include "vectorx/kernels.h"

namespace vectorx {

void sq4_weights(const int16_t* w, size_t n, int16_t* out) {
  std::fill_n(out, sq4_weight_count(n), int16_t{0});
  for (size_t base = 0; base < n; base += kNibbleBlock) {
    // A block's byte j: dimension base + j in its low nibble, base + h + j in its high one.
    const size_t r = std::min(kNibbleBlock, n - base), h = (r + 1) / 2;
    for (size_t j = 0; j < h; ++j) {
      int16_t* low = out + sq4_weight_slot(base / 2 + j);
      low[0] = w[base + j];
      if (h + j < r) low[kSq4ChunkBytes / 2] = w[base + h + j];
    }
  }
}

}  // namespace vectorx
