// IVF entries: values or PQ codes, and how queries rank them (entries.h).
//
// Estimates under each metric, for a query q, list centre c and decoded code r̂ (with
// residuals the entry stands for c + r̂, otherwise for r̂ alone):
//   L2      ||q - c - r̂||² = ||q - c||² + Σ_j (||r̂_j||² + 2 c_j·r̂_j - 2 q_j·r̂_j): the first
//           term is the centre's key, the sum reads a per-list table (pq.h)
//   IP      -q·(c + r̂) = -q·c + Σ_j -q_j·r̂_j: one table per query, the centre's key added
//   cosine  the same on unit-length q and values: 1 - q̂·(c + r̂)
// Each PQ entry also carries eps, its reconstruction error, from which CodeScorer turns
// estimates into lower bounds (an exact re-check then makes the answer ivfflat's).
#include "vectorx/ivf/entries.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "vectorx/ivf/training.h"
#include "vectorx/kmeans.h"
#include "vectorx/pq_fastscan.h"

namespace vectorx::ivf {
namespace {

// ivfflat: the operator's distance on the stored values.
class ValueScorer : public EntryScorer {
 public:
  ValueScorer(const Space& space, const uint8_t* query, size_t stride)
      : space_(space), query_(query, query + value_bytes(space)), stride_(stride) {}
  void start_list(uint32_t, double) override {}
  void score(const uint8_t* area, size_t count, double* keys) override {
    for (size_t i = 0; i < count; ++i) keys[i] = space_.key(query_.data(), area + i * stride_);
  }
  double distance_from_key(double key) const override { return space_.distance_from_key(key); }

 private:
  Space space_;
  std::vector<uint8_t> query_;
  size_t stride_;
};

// ivfpq: table lookups. Keys are the codes' estimates or, with `lower_bounds`, lower bounds
// of the operator's distance from the entries' eps (page_format.h):
//   L2      √(max(0, est - err)) - eps      (est: the squared distance's estimate)
//   IP      est - err - ||q||·eps
//   cosine  est - err - eps                 (unit-length q and values)
// err covers the fast scan's 8-bit table (half a unit per sub-quantizer) and the float32
// rounding of the estimate and of the operator (sum_rounding against the largest norms in
// play: the query's, the list centre's and the largest decoded code's).
class CodeScorer : public EntryScorer {
 public:
  CodeScorer(std::shared_ptr<const PqCodec> codec, const uint8_t* query, const EntryLayout& layout, bool lower_bounds)
      : codec_(std::move(codec)), layout_(layout), fast_(codec_->pq.nbits() == 4), lower_bounds_(lower_bounds) {
    const ProductQuantizer& pq = codec_->pq;
    const size_t dim = pq.dim(), entries = pq.m() * pq.ksub();
    query_.resize(dim);
    const double raw_norm = pq_input(codec_->space, query, query_.data());
    metric_ = codec_->space.metric();
    query_norm_ = metric_ == Metric::kCosine ? 1.0 : raw_norm;
    u_ = sum_rounding(dim);
    query_boundable_ = boundable_norm(raw_norm, metric_);
    per_list_ = codec_->residual && metric_ == Metric::kL2;
    query_table_.resize(entries);
    table_.resize(entries);
    if (metric_ == Metric::kL2) {
      if (per_list_) {
        pq.ip_table(query_.data(), query_table_.data());
      } else {
        pq.l2_table(query_.data(), table_.data());
      }
    } else {
      pq.ip_table(query_.data(), table_.data());
      for (float& t : table_) t = -t;
    }
    if (!per_list_ && fast_) quantize_table(table_.data(), pq.m(), quantized_);
  }

  void start_list(uint32_t list, double centre_key) override {
    const ProductQuantizer& pq = codec_->pq;
    if (codec_->residual) {
      bias_ = centre_key;
    } else {
      bias_ = metric_ == Metric::kCosine ? 1.0 : 0.0;
    }
    if (per_list_) {
      ProductQuantizer::residual_l2_table(codec_->list_terms(list), query_table_.data(), table_.size(), table_.data());
      if (fast_) quantize_table(table_.data(), pq.m(), quantized_);
    }
    const double reach = (codec_->residual ? codec_->centre_norm(list) : 0.0) + codec_->decoded_norm;
    switch (metric_) {
      case Metric::kL2:
        error_ = 8 * u_ * (query_norm_ + reach) * (query_norm_ + reach);
        break;
      case Metric::kInnerProduct:
        error_ = 8 * u_ * query_norm_ * reach;
        break;
      default:
        error_ = 8 * u_ * (1 + reach) + 3 * u_;
    }
    if (fast_) error_ += quantized_.max_error(pq.m());
    if (!query_boundable_) error_ = std::numeric_limits<double>::infinity();
  }

  void score(const uint8_t* area, size_t count, double* keys) override {
    const ProductQuantizer& pq = codec_->pq;
    const size_t stride = layout_.group_bytes();
    if (fast_) {
      sums_.resize(count);
      fastscan(area, count, pq.m(), quantized_, sums_.data(), stride);
      for (size_t i = 0; i < count; ++i) keys[i] = bias_ + quantized_.dequantize(sums_[i]);
    } else {
      for (size_t i = 0; i < count; ++i) keys[i] = bias_ + pq.table_sum(table_.data(), area + i * stride + kPqBoundBytes);
    }
    if (!lower_bounds_) return;
    for (size_t i = 0; i < count; ++i) keys[i] = bound(keys[i], eps_of(area, i));
  }

  double distance_from_key(double key) const override {
    if (lower_bounds_) return key;
    return codec_->space.distance_from_key(metric_ == Metric::kL2 ? std::max(key, 0.0) : key);
  }

 private:
  double eps_of(const uint8_t* area, size_t i) const {
    const size_t group = layout_.group();
    const uint8_t* at = area + (i / group) * layout_.group_bytes();
    if (fast_) at += layout_.group_bounds_offset() + (i % group) * kPqBoundBytes;
    float eps;
    std::memcpy(&eps, at, sizeof eps);
    return eps;
  }

  double bound(double estimate, double eps) const {
    double b;
    if (metric_ == Metric::kL2) {
      b = (std::sqrt(std::max(0.0, estimate - error_)) - eps) * (1 - u_);
    } else if (metric_ == Metric::kInnerProduct) {
      b = estimate - error_ - query_norm_ * eps * (1 + u_);
    } else {
      b = estimate - error_ - eps;
    }
    return std::isfinite(b) ? b : -std::numeric_limits<double>::infinity();
  }

  std::shared_ptr<const PqCodec> codec_;
  EntryLayout layout_;
  bool fast_, lower_bounds_, per_list_ = false, query_boundable_ = true;
  Metric metric_;
  double bias_ = 0, query_norm_ = 0, u_ = 0, error_ = 0;
  std::vector<float> query_, query_table_, table_;
  QuantizedTable quantized_;
  std::vector<uint16_t> sums_;
};

std::vector<float> floats_of_values(const Space& space, const uint8_t* values, size_t n) {
  const size_t dim = static_cast<size_t>(space.dim()), bytes = value_bytes(space);
  std::vector<float> out(n * dim);
  for (size_t i = 0; i < n; ++i) pq_input(space, values + i * bytes, out.data() + i * dim);
  return out;
}

}  // namespace

double pq_input(const Space& space, const uint8_t* payload, float* out) {
  value_to_floats(space, payload, out);
  const auto dim = static_cast<size_t>(space.dim());
  double norm = 0;
  for (size_t i = 0; i < dim; ++i) norm += static_cast<double>(out[i]) * out[i];
  norm = std::sqrt(norm);
  if (space.metric() == Metric::kCosine && norm > 0) {
    const auto scale = static_cast<float>(1.0 / norm);
    for (size_t i = 0; i < dim; ++i) out[i] *= scale;
  }
  return norm;
}

PqCodec::PqCodec(IvfIndex& index)
    : space(index.space()),
      residual(index.meta().residual != 0),
      pq(static_cast<size_t>(index.space().dim()), index.meta().pq_m,
         static_cast<EntryFormat>(index.meta().entry_format) == EntryFormat::kCode8 ? 8 : 4, index.codebooks()),
      centres(floats_of_values(index.space(), index.centres().data(), index.lists())),
      decoded_norm(pq.largest_decoded_norm()) {
  const size_t dim = pq.dim();
  centre_norms.resize(centres.size() / dim);
  for (size_t l = 0; l < centre_norms.size(); ++l) {
    double norm = 0;
    for (size_t i = 0; i < dim; ++i) norm += static_cast<double>(centres[l * dim + i]) * centres[l * dim + i];
    centre_norms[l] = std::sqrt(norm);
  }
}

double PqCodec::centre_norm(uint32_t list) const {
  if (list >= centre_norms.size()) throw std::out_of_range("PQ list out of range");
  return centre_norms[list];
}

const float* PqCodec::list_terms(uint32_t list) const {
  const size_t lists = centres.size() / pq.dim();
  if (list >= lists) throw std::out_of_range("PQ list out of range");
  if (list_terms_.empty()) list_terms_.resize(lists);
  std::vector<float>& terms = list_terms_[list];
  if (terms.empty()) {
    terms.resize(pq.m() * pq.ksub());
    pq.list_term_table(centres.data() + size_t{list} * pq.dim(), terms.data());
  }
  return terms.data();
}

Entries::Entries(IvfIndex& index, std::shared_ptr<const PqCodec> codec)
    : index_(index), codec_(std::move(codec)), entry_bytes_(index.meta().entry_bytes) {
  const auto format = static_cast<EntryFormat>(index.meta().entry_format);
  if (!codec_ && uses_pq(format)) codec_ = std::make_shared<const PqCodec>(index);
  if (bounded_bits(format) != 0)
    bounded_ = std::make_shared<const BoundedQuantizer>(index.space(), index.codebooks(), bounded_bits(format));
  if (codec_ || bounded_) {
    floats_.resize(static_cast<size_t>(index.space().dim()));
    code_.resize(entry_bytes_);
  }
}

const uint8_t* Entries::encode(const uint8_t* value, uint32_t list) {
  if (exact()) return value;
  encode_to(value, list, code_.data(), floats_.data());
  return code_.data();
}

void Entries::encode_to(const uint8_t* value, uint32_t list, uint8_t* out, float* scratch) const {
  if (bounded_) {
    bounded_->encode(value, out, scratch);
    return;
  }
  if (!codec_) {
    std::memcpy(out, value, entry_bytes_);
    return;
  }
  // eps: the distance from the PQ input to the code's reconstruction, plus the rounding of
  // the residual (2^-24 of its norm) and, under cosine, of the normalization; rounded up.
  const size_t dim = codec_->pq.dim();
  const double raw_norm = pq_input(codec_->space, value, scratch);
  if (codec_->residual) {
    const float* centre = codec_->centres.data() + size_t{list} * dim;
    for (size_t i = 0; i < dim; ++i) scratch[i] -= centre[i];
  }
  uint8_t* code = out + kPqBoundBytes;
  codec_->pq.encode(scratch, code);
  double input_norm = 0;
  for (size_t i = 0; i < dim; ++i) input_norm += static_cast<double>(scratch[i]) * scratch[i];
  const double eps = std::sqrt(codec_->pq.error_sq(scratch, code)) + 0x1p-23 * std::sqrt(input_norm) +
                     (codec_->space.metric() == Metric::kCosine ? 0x1p-21 : 0.0);
  const float stored = boundable_norm(raw_norm, codec_->space.metric()) ? round_up(eps * (1 + 1e-12))
                                                                        : std::numeric_limits<float>::infinity();
  std::memcpy(out, &stored, sizeof stored);
}

std::unique_ptr<EntryScorer> Entries::scorer(const uint8_t* query, bool lower_bounds) const {
  if (bounded_) return bounded_->scorer(query, index_.layout().group_bytes());
  if (!codec_) return std::make_unique<ValueScorer>(index_.space(), query, index_.layout().group_bytes());
  return std::make_unique<CodeScorer>(codec_, query, index_.layout(), lower_bounds);
}

std::vector<float> train_codebooks(const Space& space, const uint8_t* samples, size_t n,
                                   const std::vector<uint8_t>& centres, size_t m, int nbits, bool residual,
                                   uint64_t seed, unsigned threads, const std::function<void()>& check) {
  const size_t dim = static_cast<size_t>(space.dim()), ksub = size_t{1} << nbits;
  if (n == 0) return std::vector<float>(ksub * dim, 0.0f);
  std::vector<float> data = floats_of_values(space, samples, n);
  if (residual) {
    const size_t lists = centres.size() / value_bytes(space);
    const std::vector<float> c = floats_of_values(space, centres.data(), lists);
    std::vector<uint32_t> nearest(n);
    assign_nearest(c.data(), lists, data.data(), n, dim, space.metric() != Metric::kL2, nearest.data(), nullptr, threads,
                   check);
    for (size_t i = 0; i < n; ++i)
      for (size_t d = 0; d < dim; ++d) data[i * dim + d] -= c[size_t{nearest[i]} * dim + d];
  }
  KMeansOptions options;
  options.seed = seed;
  options.threads = threads;
  options.check = check;
  return ProductQuantizer::train(data.data(), n, dim, m, nbits, options).codebooks();
}

}  // namespace vectorx::ivf

namespace vectorx::ivf {

size_t default_pq_m(size_t dim, int nbits) {
  size_t limit = nbits == 4 ? std::min(dim / 2, kMaxFastScanM) : dim / 4;
  for (size_t m = std::max<size_t>(limit, 1); m > 1; --m)
    if (dim % m == 0) return m;
  return 1;
}

}  // namespace vectorx::ivf
