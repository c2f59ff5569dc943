// Nearest centres of a block of values through one matrix product (nearest_centres.h).
#include "vectorx/ivf/nearest_centres.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>

#include "vectorx/ivf/index.h"
#include "vectorx/ivf/training.h"
#include "vectorx/kernels.h"

namespace vectorx::ivf {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr double kMinNormSq = 1e-30, kMaxNormSq = 1e30;
// Below this many values (an insert's one) the dot products come from the SIMD kernel, a centre
// at a time: Eigen's product, built without -march flags, runs SSE2 only and pays off in bulk.
constexpr size_t kProductRows = 8;

bool safe_norm_sq(double norm_sq) { return norm_sq >= kMinNormSq && norm_sq <= kMaxNormSq; }

double norm_sq(const float* v, size_t dim) {
  double sum = 0;
  for (size_t i = 0; i < dim; ++i) sum += double{v[i]} * v[i];
  return sum;
}

}  // namespace

NearestCentres::NearestCentres(const Space& space, const uint8_t* centres, size_t count)
    : space_(space),
      centres_(centres),
      count_(count),
      dim_(static_cast<size_t>(space.dim())),
      value_bytes_(value_bytes(space)) {
  const bool dense = space.kind() == ElementKind::kFloat32 || space.kind() == ElementKind::kFloat16;
  const Metric m = space.metric();
  product_ = dense && count > 0 && (m == Metric::kL2 || m == Metric::kInnerProduct || m == Metric::kCosine);
  if (!product_) return;
  matrix_.resize(count * dim_);
  norms_sq_.resize(count);
  for (size_t l = 0; l < count; ++l) {
    float* row = matrix_.data() + l * dim_;
    value_to_floats(space, centres + l * value_bytes_, row);
    norms_sq_[l] = norm_sq(row, dim_);
    if (!safe_norm_sq(norms_sq_[l])) {
      product_ = false;
      return;
    }
    max_norm_ = std::max(max_norm_, std::sqrt(norms_sq_[l]));
    if (m == Metric::kCosine) {
      const double scale = 1 / std::sqrt(norms_sq_[l]);
      for (size_t i = 0; i < dim_; ++i) row[i] = static_cast<float>(row[i] * scale);
    }
  }
}

uint32_t NearestCentres::exact(const uint8_t* value) const { return nearest_centre(space_, centres_, count_, value); }

// The exact nearest among the centres whose score lies within `window` of the best score,
// in list order (the first of equal keys wins, as in nearest_centre).
uint32_t NearestCentres::among_candidates(const uint8_t* value, const double* scores, double window) const {
  const double best_score = *std::min_element(scores, scores + count_);
  uint32_t best = 0;
  double best_key = std::numeric_limits<double>::infinity();
  bool found = false;
  for (uint32_t l = 0; l < count_; ++l) {
    if (!(scores[l] <= best_score + window)) continue;
    const double key = space_.key(value, centres_ + l * value_bytes_);
    if (!found || key < best_key) best_key = key, best = l, found = true;
  }
  return best;
}

void NearestCentres::find(const uint8_t* values, size_t n, uint32_t* lists) const {
  if (count_ == 1) {  // flat: one list
    std::fill(lists, lists + n, 0u);
    return;
  }
  if (!product_) {
    for (size_t i = 0; i < n; ++i) lists[i] = exact(values + i * value_bytes_);
    return;
  }
  RowMatrix x(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(dim_));
  for (size_t i = 0; i < n; ++i) value_to_floats(space_, values + i * value_bytes_, x.data() + i * dim_);
  // dots(i, l) = x_i · c_l in float, in some summation order: the window below bounds any.
  RowMatrix dots(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(count_));
  if (n < kProductRows) {
    for (size_t i = 0; i < n; ++i)
      for (size_t l = 0; l < count_; ++l) dots.data()[i * count_ + l] = dot(x.data() + i * dim_, matrix_.data() + l * dim_, dim_);
  } else {
    const Eigen::Map<const RowMatrix> c(matrix_.data(), static_cast<Eigen::Index>(count_), static_cast<Eigen::Index>(dim_));
    dots.noalias() = x * c.transpose();
  }
  const double gamma = static_cast<double>(dim_ + 4) * std::ldexp(1.0, -24);
  const double underflow = 16.0 * static_cast<double>(dim_ + 4) * std::numeric_limits<float>::min();
  const Metric metric = space_.metric();
  std::vector<double> scores(count_);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* value = values + i * value_bytes_;
    const double x_norm_sq = norm_sq(x.data() + i * dim_, dim_);
    if (!safe_norm_sq(x_norm_sq)) {
      lists[i] = exact(value);
      continue;
    }
    const double x_norm = std::sqrt(x_norm_sq);
    double window;  // 8x the worst-case error of a score plus that of an exact key, twice over
    if (metric == Metric::kL2) {
      for (size_t l = 0; l < count_; ++l) scores[l] = norms_sq_[l] - 2.0 * dots(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(l));
      window = 16 * gamma * (x_norm + max_norm_) * (x_norm + max_norm_);
    } else {  // inner product, cosine (unit centres): the larger the product, the nearer
      for (size_t l = 0; l < count_; ++l) scores[l] = -double{dots(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(l))};
      window = 16 * gamma * x_norm * (metric == Metric::kCosine ? 1.0 : max_norm_);
    }
    lists[i] = among_candidates(value, scores.data(), window + underflow);
  }
}

}  // namespace vectorx::ivf
