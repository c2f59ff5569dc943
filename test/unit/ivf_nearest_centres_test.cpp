// NearestCentres (one matrix product a block, or kernel dot products for a single value) picks
// exactly the centre nearest_centre picks
// (the smallest key, the first of equal keys), for every metric and element type, on data
// with duplicate centres (exact ties), near ties, and values outside the product's range.
#include <gtest/gtest.h>

#include <vector>

#include "test_data.h"
#include "vectorx/float16.h"
#include "vectorx/ivf/index.h"
#include "vectorx/ivf/nearest_centres.h"

namespace vectorx::ivf {
namespace {

constexpr size_t kDim = 37, kCentres = 40, kValues = 600;

// Centres drawn from the values themselves (near ties: a value close to a centre and to its
// slightly moved copy), two exact duplicates, and values with extreme norms.
std::vector<float> values_and_centres(std::vector<float>* centres) {
  std::vector<float> values = test::clustered(kValues, kDim, 5);
  centres->assign(values.begin(), values.begin() + kCentres * kDim);
  for (size_t i = 0; i < kDim; ++i) {
    (*centres)[7 * kDim + i] = (*centres)[3 * kDim + i];                      // an exact duplicate
    (*centres)[9 * kDim + i] = (*centres)[4 * kDim + i] * (1 + 1e-7f);        // a near duplicate
  }
  for (size_t i = 0; i < kDim; ++i) {
    values[10 * kDim + i] = 1e20f * (i % 3 == 0 ? 1 : -1);  // norm² beyond 1e30
    values[11 * kDim + i] = 1e-18f;                          // norm² below 1e-30
    values[12 * kDim + i] = 0;                               // zero
    values[13 * kDim + i] = (*centres)[3 * kDim + i];        // on the duplicated centre
  }
  return values;
}

std::vector<uint8_t> payloads(const std::vector<float>& v, ElementKind kind) {
  std::vector<uint8_t> out;
  for (float f : v) {
    if (kind == ElementKind::kFloat16) {
      half_bits h = 0;
      float_to_half(f, &h);
      out.insert(out.end(), reinterpret_cast<uint8_t*>(&h), reinterpret_cast<uint8_t*>(&h) + sizeof h);
    } else {
      out.insert(out.end(), reinterpret_cast<uint8_t*>(&f), reinterpret_cast<uint8_t*>(&f) + sizeof f);
    }
  }
  return out;
}

TEST(NearestCentres, SameCentreAsTheExactLoop) {
  std::vector<float> centre_floats;
  const std::vector<float> value_floats = values_and_centres(&centre_floats);
  for (ElementKind kind : {ElementKind::kFloat32, ElementKind::kFloat16})
    for (Metric metric : {Metric::kL2, Metric::kInnerProduct, Metric::kCosine, Metric::kL1}) {
      const Space space(kind, metric, kDim);
      const auto centres = payloads(centre_floats, kind);
      const auto values = payloads(value_floats, kind);
      const size_t bytes = value_bytes(space);
      const NearestCentres nearest(space, centres.data(), kCentres);
      std::vector<uint32_t> lists(kValues);
      nearest.find(values.data(), kValues, lists.data());
      size_t differ = 0;
      for (size_t i = 0; i < kValues; ++i)
        differ += lists[i] != nearest_centre(space, centres.data(), kCentres, values.data() + i * bytes);
      EXPECT_EQ(differ, 0u) << "kind " << static_cast<int>(kind) << " metric " << static_cast<int>(metric);
      EXPECT_EQ(lists[13], 3u) << "of two equal centres, the first";
      // One value at a time (an insert): the kernel's dot products instead of the matrix product.
      for (size_t i = 0; i < kValues; ++i) {
        uint32_t one = kCentres;
        nearest.find(values.data() + i * bytes, 1, &one);
        ASSERT_EQ(one, lists[i]) << "value " << i << " kind " << static_cast<int>(kind) << " metric " << static_cast<int>(metric);
      }
    }
}

}  // namespace
}  // namespace vectorx::ivf
