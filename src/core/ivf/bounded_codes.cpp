// Bounded codes (bounded_codes.h): training, encoding and the lower-bound scorer.
//
// Error terms of the scorer, with u = 2·(n + 8)·2^-24 (twice the worst-case relative error of a
// float32 sum of n terms, for any order of summation):
//   L2 / L1  the residual r = q - lo is rounded (2^-24·|r_i|), each fused x̂ step once more;
//            the sum of n terms is within u of its true value, and so is the operator's.
//   IP       q·x̂ = q·lo + Σ w_i·code_i with w_i = q_i·step_i (exact in double), summed as
//            a·Σ w̃_i·code_i with integer w̃_i = round(w_i / a) (an exact integer sum): each
//            w_i is within a/2 of a·w̃_i, so the sum is within (a/2)·L·n (L: the highest
//            code, 255 or 15); q·lo and the
//            double products add 1e-12 of their size. The operator's -q·x errs by u·||q||·||x||.
//   cosine   the same numerator terms; the operator's similarity errs by at most 3u.
// The relative bounds hold while no float32 sum overflows and no term underflows by much:
// values of norm 2^-50 .. 2^60 (the operator's sums then stay within 2^-126 .. 2^122), plus an
// absolute term for subnormal products (n·2^-149 per sum). Outside that range the bound is
// -Infinity: such rows are always re-ranked.
//
// 4-bit codes: the integer dot has its own kernel (sq4_dot); under L2 and L1 the page's codes
// are unpacked into one byte a dimension and scored by the 8-bit kernels.
#include "vectorx/ivf/bounded_codes.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "vectorx/errors.h"
#include "vectorx/ivf/training.h"
#include "vectorx/kernels.h"

namespace vectorx::ivf {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr double kUlp = 1.0 / (1 << 24);
constexpr double kLargestNorm = 0x1p60, kSmallestNorm = 0x1p-50;
constexpr double kClipPercent = 0.5;  // of a 4-bit range's sample left out at each end

class BoundScorer : public EntryScorer {
 public:
  BoundScorer(const BoundedQuantizer& quantizer, const uint8_t* query, size_t stride, bool bounds)
      : bounds_(bounds),
        metric_(quantizer.space().metric()),
        n_(static_cast<size_t>(quantizer.space().dim())),
        stride_(stride),
        levels_(quantizer.levels()),
        nibbles_(quantizer.bits() == 4),
        header_(bounded_header_bytes(quantizer.bits(), metric_)),
        u_(sum_rounding(n_)),
        q_(n_) {
    value_to_floats(quantizer.space(), query, q_.data());
    const float* lo = quantizer.lo();
    const float* step = quantizer.step();
    double q_norm_sq = 0;
    for (size_t i = 0; i < n_; ++i) q_norm_sq += static_cast<double>(q_[i]) * q_[i];
    q_norm_ = std::sqrt(q_norm_sq);
    inverse_q_norm_ = 1 / q_norm_;
    const double nd = static_cast<double>(n_);
    subnormal_ = metric_ == Metric::kL2 ? std::sqrt(nd) * 0x1p-73 : metric_ == Metric::kCosine ? nd * 0x1p-40 : nd * 0x1p-147;
    if (metric_ == Metric::kL2 || metric_ == Metric::kL1) {
      work_.resize(n_);
      double r_size = 0;  // ||r||, or Σ|r_i| under L1
      for (size_t i = 0; i < n_; ++i) {
        work_[i] = q_[i] - lo[i];
        const double r = std::fabs(static_cast<double>(work_[i]));
        r_size += metric_ == Metric::kL2 ? r * r : r;
      }
      rounding_ = 2 * kUlp * (metric_ == Metric::kL2 ? std::sqrt(r_size) : r_size);
    } else {
      set_weights(step, lo);
    }
    step_ = step;
    if (!boundable_norm(q_norm_, metric_)) rounding_ = std::numeric_limits<double>::infinity();  // every bound -Infinity
  }

  void start_list(uint32_t, double) override {}

  // Inner product and cosine: the integer weights w̃ and their scale a (see the top).
  void set_weights(const float* step, const float* lo) {
    std::vector<double> w(n_);
    double largest = 0, terms = 0, lo_terms = 0;
    for (size_t i = 0; i < n_; ++i) {
      w[i] = static_cast<double>(q_[i]) * step[i];
      largest = std::max(largest, std::fabs(w[i]));
      terms += std::fabs(w[i]) * levels_;
      constant_ += static_cast<double>(q_[i]) * lo[i];
      lo_terms += std::fabs(static_cast<double>(q_[i]) * lo[i]);
    }
    const double limit = sq8_dot_weight_limit(n_);
    weight_scale_ = std::isfinite(largest) && largest > 0 ? largest / limit : 0;  // else no finite bound anyway
    weights_.assign(n_, 0);
    if (weight_scale_ > 0)
      for (size_t i = 0; i < n_; ++i) weights_[i] = static_cast<int16_t>(std::clamp(std::nearbyint(w[i] / weight_scale_), -limit, limit));
    if (nibbles_) {
      std::vector<int16_t> laid_out(sq4_weight_count(n_));
      sq4_weights(weights_.data(), n_, laid_out.data());
      weights_ = std::move(laid_out);
    }
    rounding_ = weight_scale_ * (0.5 + 1e-9) * levels_ * static_cast<double>(n_) + 1e-12 * (terms + lo_terms);
  }

  // Estimates first (the kernels), then bounds in branch-free loops, one per metric, reading
  // each entry's eps and scale where they lie: entries are independent, so no division or
  // comparison waits on the one before.
  void score(const uint8_t* area, size_t count, double* keys) override {
    estimate(area, count, keys);
    if (!bounds_) {
      estimated_distances(area, keys, count);
      return;
    }
    switch (metric_) {
      case Metric::kL2:
      case Metric::kL1:
        bound_distances(area, keys, count);
        break;
      case Metric::kInnerProduct:
        bound_inner_products(area, keys, count);
        break;
      default:
        bound_cosines(area, keys, count);
    }
  }

  double distance_from_key(double key) const override { return key; }

 private:
  // keys[e]: the code's estimate of the distance (L2, L1); dots_[e]: Σ w̃_i·code_i, whose
  // estimate of q·x is constant_ + weight_scale_·dots_[e] (inner product, cosine).
  void estimate(const uint8_t* area, size_t count, double* keys) {
    const KernelTable& k = kernels();
    const uint8_t* codes = area + header_;
    size_t stride = stride_;
    if (nibbles_ && (metric_ == Metric::kL2 || metric_ == Metric::kL1)) {
      unpacked_.resize(count * n_);
      for (size_t e = 0; e < count; ++e) unpack_nibble_codes(codes + e * stride_, n_, unpacked_.data() + e * n_);
      codes = unpacked_.data();
      stride = n_;
    }
    switch (metric_) {
      case Metric::kL2:
        sums_.resize(count);
        k.sq8_l2sq(work_.data(), step_, codes, stride, count, n_, sums_.data());
        for (size_t e = 0; e < count; ++e) keys[e] = std::sqrt(static_cast<double>(sums_[e]));
        break;
      case Metric::kL1:
        sums_.resize(count);
        k.sq8_l1(work_.data(), step_, codes, stride, count, n_, sums_.data());
        for (size_t e = 0; e < count; ++e) keys[e] = sums_[e];
        break;
      default: {
        dots_.resize(count);
        (nibbles_ ? k.sq4_dot : k.sq8_dot)(weights_.data(), codes, stride, count, n_, dots_.data());
      }
    }
  }

  // -Infinity for a bound that cannot be computed finitely (x - x is 0 only for finite x).
  static double finite_or_lowest(double x) { return x - x == 0 ? x : kNegInf; }

  // An entry's eps (`at` 0) or scale (`at` 4).
  static float entry_float(const uint8_t* area, size_t stride, size_t e, size_t at) {
    float f;
    std::memcpy(&f, area + e * stride + at, sizeof f);
    return f;
  }

  // The loops below read members into locals first: stores to keys[] could otherwise alias
  // them (Postgres builds with -fno-strict-aliasing) and keep the loops from vectorizing.

  // The estimate less its rounding and eps, less the operator's own rounding.
  void bound_distances(const uint8_t* area, double* keys, size_t count) const {
    const size_t stride = stride_;
    const double keep = 1 - u_, rounding = rounding_, subnormal = subnormal_;
#pragma omp simd
    for (size_t e = 0; e < count; ++e)
      keys[e] = finite_or_lowest((keys[e] * keep - rounding - entry_float(area, stride, e, 0) - subnormal) * keep - subnormal);
  }

  // The codes' estimates of the operator's distance, without error terms (scale as below).
  void estimated_distances(const uint8_t* area, double* keys, size_t count) const {
    if (metric_ == Metric::kL2 || metric_ == Metric::kL1) return;  // estimate() gave them
    const int64_t* dots = dots_.data();
    const size_t stride = stride_;
    const bool cosine = metric_ == Metric::kCosine, scaled = header_ > sizeof(float);
    const double constant = constant_, weight_scale = weight_scale_, inverse_q_norm = inverse_q_norm_;
    for (size_t e = 0; e < count; ++e) {
      const double dot = constant + weight_scale * static_cast<double>(dots[e]);
      keys[e] = cosine ? 1 - dot * inverse_q_norm * (scaled ? entry_float(area, stride, e, sizeof(float)) : 1.0f) : -dot;
    }
  }

  // -(the largest q·x can be), less the operator's rounding (scale: ||x||).
  void bound_inner_products(const uint8_t* area, double* keys, size_t count) const {
    const int64_t* dots = dots_.data();
    const size_t stride = stride_;
    const double constant = constant_, weight_scale = weight_scale_;
    const double rounding = rounding_, q_norm = q_norm_, subnormal = subnormal_;
    const double operator_rounding = u_ * q_norm_ * (1 + 2 * kUlp);
#pragma omp simd
    for (size_t e = 0; e < count; ++e) {
      const double estimate = constant + weight_scale * static_cast<double>(dots[e]);
      const double largest_dot = estimate + rounding + q_norm * entry_float(area, stride, e, 0);
      keys[e] = finite_or_lowest(-largest_dot - operator_rounding * entry_float(area, stride, e, sizeof(float)) - subnormal);
    }
  }

  // 1 - the largest cosine similarity can be (scale: 1/||x||, within 2^-24 of it; 4-bit
  // entries hold unit values and no scale).
  void bound_cosines(const uint8_t* area, double* keys, size_t count) const {
    const int64_t* dots = dots_.data();
    const size_t stride = stride_;
    const bool scaled = header_ > sizeof(float);
    const double constant = constant_, weight_scale = weight_scale_;
    const double rounding = rounding_, q_norm = q_norm_, inverse_q_norm = inverse_q_norm_;
    const double absolute = 3 * u_ + subnormal_;
#pragma omp simd
    for (size_t e = 0; e < count; ++e) {
      const double estimate = constant + weight_scale * static_cast<double>(dots[e]);
      const double largest_dot = estimate + rounding + q_norm * entry_float(area, stride, e, 0);
      const double similarity = largest_dot * inverse_q_norm * (scaled ? entry_float(area, stride, e, sizeof(float)) : 1.0f);
      const double largest = similarity + std::fabs(similarity) * 4 * kUlp + absolute;
      const double b = 1 - (largest < 1.0 ? largest : 1.0);  // NaN: 1 - 1, then -Infinity below
      keys[e] = finite_or_lowest(b + (largest_dot - largest_dot));  // NaN unless both are finite
    }
  }

  bool bounds_;  // keys are lower bounds, else the codes' estimates
  Metric metric_;
  size_t n_, stride_;
  double levels_;
  bool nibbles_;                   // 4-bit codes (L2, L1: unpacked into unpacked_ for the kernels)
  size_t header_;                  // bytes before an entry's codes
  std::vector<uint8_t> unpacked_;
  double u_;
  std::vector<float> q_, work_;  // work_: q - lo (L2, L1)
  std::vector<int16_t> weights_;  // w̃ (IP, cosine), laid out by sq4_weights for 4-bit codes
  double weight_scale_ = 0;       // a
  std::vector<int64_t> dots_;     // Σ w̃_i·code_i of the entries being scored
  const float* step_ = nullptr;
  double q_norm_ = 0, inverse_q_norm_ = 0, constant_ = 0, rounding_ = 0;
  double subnormal_ = 0;  // the absolute error of subnormal terms, in the bound's units
  std::vector<float> sums_;  // of the entries being scored (L2, L1)
};

}  // namespace

bool boundable_norm(double norm, Metric metric) {
  return norm < kLargestNorm && (metric != Metric::kCosine || norm > kSmallestNorm);
}

double sum_rounding(size_t n) { return 2.0 * static_cast<double>(n + 8) * kUlp; }

float round_up(double x) {
  const auto f = static_cast<float>(x);
  return static_cast<double>(f) >= x ? f : std::nextafter(f, std::numeric_limits<float>::infinity());
}

bool bounded_supported(ElementKind kind, Metric metric) {
  return (kind == ElementKind::kFloat32 || kind == ElementKind::kFloat16) &&
         (metric == Metric::kL2 || metric == Metric::kInnerProduct || metric == Metric::kCosine || metric == Metric::kL1);
}

void unpack_nibble_codes(const uint8_t* packed, size_t n, uint8_t* out) {
  for (size_t base = 0; base < n; base += kNibbleBlock, packed += kNibbleBlock / 2, out += kNibbleBlock) {
    if (n - base >= kNibbleBlock) {
#pragma omp simd
      for (size_t j = 0; j < kNibbleBlock / 2; ++j) {
        out[j] = packed[j] & 15;
        out[kNibbleBlock / 2 + j] = packed[j] >> 4;
      }
      continue;
    }
    const size_t r = n - base, h = (r + 1) / 2;
    for (size_t j = 0; j < h; ++j) {
      out[j] = packed[j] & 15;
      if (h + j < r) out[h + j] = packed[j] >> 4;
    }
  }
}

namespace {

// Code c (≤ 15) of dimension i of n into zero-initialized 4-bit codes (the header's layout).
void put_nibble(uint8_t* packed, size_t n, size_t i, unsigned c) {
  const size_t base = i - i % kNibbleBlock, h = (std::min(kNibbleBlock, n - base) + 1) / 2, j = i - base;
  if (j < h) {
    packed[base / 2 + j] |= static_cast<uint8_t>(c);
  } else {
    packed[base / 2 + j - h] |= static_cast<uint8_t>(c << 4);
  }
}

// The range of one dimension's sample the codes span: all of it (8 bits), or without the
// kClipPercent smallest and largest (4 bits: 16 levels cannot afford the outliers' span).
std::pair<double, double> code_range(std::vector<float>& column, int bits) {
  if (column.empty()) return {0, 0};
  if (bits == 8) {
    const auto [lo, hi] = std::minmax_element(column.begin(), column.end());
    return {*lo, *hi};
  }
  const auto at = [&](double percent) {
    const auto k = static_cast<size_t>(percent / 100 * static_cast<double>(column.size() - 1));
    std::nth_element(column.begin(), column.begin() + static_cast<long>(k), column.end());
    return static_cast<double>(column[k]);
  };
  return {at(kClipPercent), at(100 - kClipPercent)};
}

// Whether codes stand for the value's direction x/||x|| rather than x: 4-bit codes under
// cosine, whose 16 levels cannot afford a range stretched by the values' varying norms. The
// scorer is the same: such an entry's scale is 1.
bool codes_directions(const Space& space, int bits) { return bits == 4 && space.metric() == Metric::kCosine; }

// 1/||x|| of a value whose direction is coded (0 when it cannot be bounded: its codes are 0).
double direction_scale(const float* x, size_t dim) {
  double norm_sq = 0;
  for (size_t i = 0; i < dim; ++i) norm_sq += static_cast<double>(x[i]) * x[i];
  const double norm = std::sqrt(norm_sq);
  return boundable_norm(norm, Metric::kCosine) ? 1 / norm : 0;
}

}  // namespace

std::vector<float> BoundedQuantizer::train(const Space& space, const uint8_t* samples, size_t n, int bits) {
  const auto dim = static_cast<size_t>(space.dim());
  const size_t bytes = value_bytes(space);
  const double levels = bits == 4 ? 15 : 255;
  const bool directions = codes_directions(space, bits);
  std::vector<std::vector<float>> columns(dim, std::vector<float>(n));
  std::vector<float> x(dim);
  for (size_t r = 0; r < n; ++r) {
    value_to_floats(space, samples + r * bytes, x.data());
    const double scale = directions ? direction_scale(x.data(), dim) : 1;
    for (size_t i = 0; i < dim; ++i) columns[i][r] = static_cast<float>(x[i] * scale);
  }
  std::vector<float> ranges(2 * dim);
  for (size_t i = 0; i < dim; ++i) {
    const auto [lo, hi] = code_range(columns[i], bits);
    const auto step = static_cast<float>((hi - lo) / levels);
    ranges[i] = static_cast<float>(lo);
    ranges[dim + i] = std::isnormal(step) ? step : 1.0f;  // a constant dimension: any step codes it
  }
  return ranges;
}

BoundedQuantizer::BoundedQuantizer(const Space& space, std::vector<float> ranges, int bits)
    : space_(space), dim_(static_cast<size_t>(space.dim())), bits_(bits), ranges_(std::move(ranges)) {
  if (bits != 8 && bits != 4) throw std::invalid_argument("bounded codes have 8 or 4 bits");
  if (ranges_.size() != 2 * dim_) throw CorruptIndex("bounded code ranges do not match the index's dimensions");
  for (size_t i = 0; i < dim_; ++i)
    if (!std::isfinite(lo()[i]) || !std::isnormal(step()[i]) || step()[i] < 0)
      throw CorruptIndex("bounded code ranges are not finite");
  inverse_step_.resize(dim_);
  for (size_t i = 0; i < dim_; ++i) inverse_step_[i] = 1.0 / step()[i];
}

void BoundedQuantizer::encode(const uint8_t* payload, uint8_t* out, float* scratch) const {
  value_to_floats(space_, payload, scratch);
  const size_t header = bounded_header_bytes(bits_, space_.metric());
  uint8_t* code = out + header;
  if (bits_ == 4) std::memset(code, 0, bounded_code_bytes(space_.dim(), 4));
  const bool directions = codes_directions(space_, bits_);
  const double direction = directions ? direction_scale(scratch, dim_) : 1;
  double residual = 0, norm_sq = 0;
  const auto top = static_cast<float>(levels());
  for (size_t i = 0; i < dim_; ++i) {
    const double x = scratch[i] * direction, step = this->step()[i];
    // The nearest level, up to the reciprocal's rounding (no division, no rounding call:
    // this runs for every value an hnsw scan first meets); eps below is exact for any level.
    const float t = std::min(top, std::max(0.0f, static_cast<float>((x - lo()[i]) * inverse_step_[i])));  // NaN: 0
    const auto c = static_cast<double>(static_cast<unsigned>(t + 0.5f));
    if (bits_ == 4) {
      put_nibble(code, dim_, i, static_cast<unsigned>(c));
    } else {
      code[i] = static_cast<uint8_t>(c);
    }
    const double d = std::fabs(x - (lo()[i] + step * c));  // float·float is exact in double
    residual += space_.metric() == Metric::kL1 ? d : d * d;
    norm_sq += static_cast<double>(scratch[i]) * scratch[i];
  }
  if (space_.metric() != Metric::kL1) residual = std::sqrt(residual);
  const double norm = std::sqrt(norm_sq);
  const float eps = boundable_norm(norm, space_.metric()) ? round_up(residual * (1 + 1e-12))
                                                         : std::numeric_limits<float>::infinity();
  const auto scale = static_cast<float>(directions ? 1 : space_.metric() == Metric::kCosine ? 1 / norm : norm);
  std::memcpy(out, &eps, sizeof eps);
  if (header > sizeof eps) std::memcpy(out + sizeof eps, &scale, sizeof scale);
}

void BoundedQuantizer::decode(const uint8_t* entry, float* out) const {
  const uint8_t* code = entry + bounded_header_bytes(bits_, space_.metric());
  std::vector<uint8_t> unpacked;
  if (bits_ == 4) {
    unpacked.resize(dim_);
    unpack_nibble_codes(code, dim_, unpacked.data());
    code = unpacked.data();
  }
  for (size_t i = 0; i < dim_; ++i) out[i] = lo()[i] + step()[i] * static_cast<float>(code[i]);
}

std::unique_ptr<EntryScorer> BoundedQuantizer::scorer(const uint8_t* query, size_t stride) const {
  return std::make_unique<BoundScorer>(*this, query, stride, true);
}

std::unique_ptr<EntryScorer> BoundedQuantizer::estimator(const uint8_t* query, size_t stride) const {
  return std::make_unique<BoundScorer>(*this, query, stride, false);
}

}  // namespace vectorx::ivf
