// Product quantization (see pq.h).
#include "vectorx/pq.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "vectorx/kernels.h"
#include "vectorx/threads.h"

namespace vectorx {
namespace {

// One-dimensional k-means (sub-quantizers of one dimension): Lloyd's iterations on the sorted
// sample, started from its quantiles, each assignment a sweep over the midpoints. Returns k
// sorted levels (repeated when the sample has fewer distinct values), so encoding is a binary
// search.
std::vector<float> kmeans_1d(const float* column, size_t n, size_t stride, size_t k, int iterations) {
  std::vector<float> values(n);
  for (size_t i = 0; i < n; ++i) values[i] = column[i * stride];
  std::sort(values.begin(), values.end());
  std::vector<float> levels(k, 0.0f);
  if (n == 0) return levels;
  for (size_t c = 0; c < k; ++c) levels[c] = values[std::min(n - 1, (2 * c + 1) * n / (2 * k))];
  for (int it = 0; it < iterations; ++it) {
    size_t i = 0;
    for (size_t c = 0; c < k; ++c) {
      const double upper = c + 1 < k ? (static_cast<double>(levels[c]) + levels[c + 1]) / 2 : HUGE_VAL;
      double sum = 0;
      size_t count = 0;
      for (; i < n && values[i] <= upper; ++i, ++count) sum += values[i];
      if (count > 0) levels[c] = static_cast<float>(sum / static_cast<double>(count));
    }
    std::sort(levels.begin(), levels.end());
  }
  return levels;
}

// The index of the level nearest to x among k sorted levels.
uint32_t nearest_level(const float* levels, size_t k, float x) {
  const float* above = std::lower_bound(levels, levels + k, x);
  if (above == levels) return 0;
  if (above == levels + k) return static_cast<uint32_t>(k - 1);
  const float* below = above - 1;
  return static_cast<uint32_t>((x - *below <= *above - x ? below : above) - levels);
}

// Sub-vectors are often a few floats long (dim / m = 2..8): an inline loop then beats an
// indirect call into a kernel that is built for long vectors.
constexpr size_t kShortSubVector = 16;

float sub_l2sq(const float* a, const float* b, size_t n) {
  if (n >= kShortSubVector) return l2sq(a, b, n);
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

float sub_dot(const float* a, const float* b, size_t n) {
  if (n >= kShortSubVector) return dot(a, b, n);
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

ProductQuantizer ProductQuantizer::train(const float* data, size_t n, size_t dim, size_t m, int nbits,
                                         const KMeansOptions& options) {
  if (m == 0 || dim % m != 0) throw std::invalid_argument("PQ: m must divide the dimension");
  if (nbits != 4 && nbits != 8) throw std::invalid_argument("PQ: nbits must be 4 or 8");
  const size_t dsub = dim / m, ksub = size_t{1} << nbits;
  std::vector<float> codebooks(m * ksub * dsub, 0.0f);
  // Sub-quantizers train independently, one per thread task; each k-means runs on one thread.
  for_each_block(m, options.threads, [&](size_t j) {
    if (dsub == 1) {
      const std::vector<float> levels = kmeans_1d(data + j, n, dim, ksub, options.iterations);
      std::copy(levels.begin(), levels.end(), codebooks.begin() + static_cast<std::ptrdiff_t>(j * ksub));
      return;
    }
    std::vector<float> sub(n * dsub);
    for (size_t i = 0; i < n; ++i)
      std::copy(data + i * dim + j * dsub, data + i * dim + (j + 1) * dsub, sub.begin() + static_cast<std::ptrdiff_t>(i * dsub));
    KMeansOptions o;
    o.k = ksub;
    o.iterations = options.iterations;
    o.spherical = false;  // sub-vectors are clustered by L2 for every metric
    o.seed = options.seed + j;
    const KMeansResult r = kmeans(sub.data(), n, dsub, o);
    // With fewer rows than centroids the unused entries stay zero and are never chosen first.
    std::copy(r.centroids.begin(), r.centroids.end(), codebooks.begin() + static_cast<std::ptrdiff_t>(j * ksub * dsub));
  }, options.check);
  return ProductQuantizer(dim, m, nbits, std::move(codebooks));
}

ProductQuantizer::ProductQuantizer(size_t dim, size_t m, int nbits, std::vector<float> codebooks)
    : dim_(dim), m_(m), dsub_(m ? dim / m : 0), nbits_(nbits), codebooks_(std::move(codebooks)) {
  if (codebooks_.size() != m_ * ksub() * dsub_) throw std::invalid_argument("PQ: codebook size mismatch");
  sorted_levels_ = dsub_ == 1;
  for (size_t j = 0; j < m_ && sorted_levels_; ++j) {
    const auto book = codebooks_.begin() + static_cast<std::ptrdiff_t>(j * ksub());
    sorted_levels_ = std::is_sorted(book, book + static_cast<std::ptrdiff_t>(ksub()));
  }
}

uint32_t ProductQuantizer::code_at(const uint8_t* code, size_t j) const {
  if (nbits_ == 8) return code[j];
  return (j % 2 == 0) ? (code[j / 2] & 0x0fu) : (code[j / 2] >> 4);
}

void ProductQuantizer::encode(const float* x, uint8_t* code) const {
  std::fill(code, code + code_size(), 0);
  for (size_t j = 0; j < m_; ++j) {
    const float* book = codebooks_.data() + j * ksub() * dsub_;
    if (sorted_levels_) {
      set_code(code, j, nearest_level(book, ksub(), x[j]));
      continue;
    }
    uint32_t best = 0;
    float best_d = sub_l2sq(x + j * dsub_, book, dsub_);
    for (uint32_t c = 1; c < ksub(); ++c) {
      const float d = sub_l2sq(x + j * dsub_, book + c * dsub_, dsub_);
      if (d < best_d) best_d = d, best = c;
    }
    set_code(code, j, best);
  }
}

void ProductQuantizer::set_code(uint8_t* code, size_t j, uint32_t centroid) const {
  if (nbits_ == 8)
    code[j] = static_cast<uint8_t>(centroid);
  else
    code[j / 2] |= static_cast<uint8_t>(centroid << (4 * (j % 2)));
}

void ProductQuantizer::decode(const uint8_t* code, float* x) const {
  for (size_t j = 0; j < m_; ++j) {
    const float* centroid = codebooks_.data() + (j * ksub() + code_at(code, j)) * dsub_;
    std::copy(centroid, centroid + dsub_, x + j * dsub_);
  }
}

double ProductQuantizer::error_sq(const float* x, const uint8_t* code) const {
  double sum = 0;
  for (size_t j = 0; j < m_; ++j) {
    const float* centroid = codebooks_.data() + (j * ksub() + code_at(code, j)) * dsub_;
    for (size_t i = 0; i < dsub_; ++i) {
      const double d = static_cast<double>(x[j * dsub_ + i]) - centroid[i];
      sum += d * d;
    }
  }
  return sum;
}

double ProductQuantizer::largest_decoded_norm() const {
  double sum = 0;
  for (size_t j = 0; j < m_; ++j) {
    double largest = 0;
    for (size_t c = 0; c < ksub(); ++c) {
      double norm = 0;
      for (size_t i = 0; i < dsub_; ++i) {
        const double v = codebooks_[(j * ksub() + c) * dsub_ + i];
        norm += v * v;
      }
      largest = std::max(largest, norm);
    }
    sum += largest;
  }
  return std::sqrt(sum);
}

void ProductQuantizer::l2_table(const float* query, float* table) const {
  for (size_t j = 0; j < m_; ++j)
    for (size_t c = 0; c < ksub(); ++c)
      table[j * ksub() + c] = sub_l2sq(query + j * dsub_, codebooks_.data() + (j * ksub() + c) * dsub_, dsub_);
}

void ProductQuantizer::ip_table(const float* query, float* table) const {
  for (size_t j = 0; j < m_; ++j)
    for (size_t c = 0; c < ksub(); ++c)
      table[j * ksub() + c] = sub_dot(query + j * dsub_, codebooks_.data() + (j * ksub() + c) * dsub_, dsub_);
}

void ProductQuantizer::list_term_table(const float* list_centre, float* table) const {
  for (size_t j = 0; j < m_; ++j)
    for (size_t c = 0; c < ksub(); ++c) {
      const float* centroid = codebooks_.data() + (j * ksub() + c) * dsub_;
      table[j * ksub() + c] = sub_dot(centroid, centroid, dsub_) + 2 * sub_dot(list_centre + j * dsub_, centroid, dsub_);
    }
}

void ProductQuantizer::residual_l2_table(const float* list_terms, const float* query_ip, size_t entries, float* table) {
  for (size_t i = 0; i < entries; ++i) table[i] = list_terms[i] - 2 * query_ip[i];
}

float ProductQuantizer::table_sum(const float* table, const uint8_t* code) const {
  // The per-code hot loop of a list scan: one loop per code width, no branch inside.
  float s0 = 0, s1 = 0;
  if (nbits_ == 8) {
    size_t j = 0;
    for (; j + 2 <= m_; j += 2) {
      s0 += table[j * 256 + code[j]];
      s1 += table[(j + 1) * 256 + code[j + 1]];
    }
    if (j < m_) s0 += table[j * 256 + code[j]];
    return s0 + s1;
  }
  for (size_t j = 0; j + 2 <= m_; j += 2) {
    s0 += table[j * 16 + (code[j / 2] & 0x0f)];
    s1 += table[(j + 1) * 16 + (code[j / 2] >> 4)];
  }
  if (m_ % 2) s0 += table[(m_ - 1) * 16 + (code[m_ / 2] & 0x0f)];
  return s0 + s1;
}

}  // namespace vectorx
