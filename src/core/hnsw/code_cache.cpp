// hnsw's code cache (code_cache.h).
#include "vectorx/hnsw/code_cache.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>

#include "vectorx/errors.h"
#include "vectorx/hnsw/page_graph.h"

namespace vectorx::hnsw {
namespace {

constexpr int kBits = 8;
constexpr size_t kMaxSamples = 2000;
// Pages read for the sample: enough for kWantedSamples values of the index's size, within
// these. Large values leave few a page: 64 pages gave fashion-mnist (784 dimensions) 160
// values, and ranges so narrow that 7.6% of its rows fell far outside them, were not coded,
// and every search that met one read its page. glove-100 gets its 64 pages (~830 values).
constexpr size_t kWantedSamples = 1000, kMinSamplePages = 64, kMaxSamplePages = 256;
// Each dimension's range is the sample's, widened by this share of its width on both sides:
// values met later (inserted after, or missed by the sample) then rarely fall outside it.
// Measured on glove-100 with a 900-value sample: 7.8% of the values were not faithful
// (CodeCache::code) with the sample's ranges, 0.13% with these.
constexpr double kRangeMargin = 0.25;

// The quantizer's ranges (lo[dim] then step[dim]) widened by kRangeMargin, where the wider
// range stays within the float range.
std::vector<float> widened(std::vector<float> ranges, int levels) {
  const size_t dim = ranges.size() / 2;
  for (size_t i = 0; i < dim; ++i) {
    const double width = static_cast<double>(ranges[dim + i]) * levels;
    const auto lo = static_cast<float>(ranges[i] - kRangeMargin * width);
    const auto step = static_cast<float>(width * (1 + 2 * kRangeMargin) / levels);
    if (!std::isfinite(lo) || !std::isnormal(step) || !std::isfinite(lo + step * static_cast<float>(levels))) continue;
    ranges[i] = lo;
    ranges[dim + i] = step;
  }
  return ranges;
}

// Values of live elements held whole in their items, from evenly spaced pages: what the
// quantizer's ranges are trained on (values outside them are clamped, and their larger eps
// keeps the bounds true).
std::vector<uint8_t> sample_values(PageGraph& graph, size_t* count) {
  PageStore& store = graph.store();
  const size_t page_size = store.page_size();
  const size_t value_bytes = graph.space().max_payload_size();
  const uint32_t blocks = store.block_count();
  std::vector<uint8_t> values;
  *count = 0;
  if (blocks < 2) return values;
  const size_t values_per_page = std::max<size_t>(1, page_size / (value_bytes + sizeof(ElementHeader)));
  const size_t pages = std::clamp((kWantedSamples + values_per_page - 1) / values_per_page, kMinSamplePages, kMaxSamplePages);
  const uint32_t step = std::max<uint32_t>(1, static_cast<uint32_t>((blocks - 1) / pages));
  // Grown in place, a large sample was copied (and its fresh memory faulted in) several times.
  values.reserve(std::min(kMaxSamples, pages * values_per_page) * value_bytes);
  for (uint32_t block = 1; block < blocks && *count < kMaxSamples; block += step) {
    store.check_interrupts();
    ReadPage page(store, block);
    if (page_header(page.data())->kind != static_cast<uint16_t>(PageKind::kElements)) continue;
    const int items = page_header(page.data())->item_count;
    for (int item = 0; item < items && *count < kMaxSamples; ++item) {
      ElementRef e;
      if (!e.parse(page.data(), page_size, item, graph.params().m) || e.dead() || !e.value_inline()) continue;
      if (e.header().value_len != value_bytes) continue;
      values.insert(values.end(), e.value(), e.value() + value_bytes);
      ++*count;
    }
  }
  return values;
}

}  // namespace

double CodeCache::neighbour_error(const ivf::BoundedQuantizer& quantizer, const uint8_t* samples, size_t count) {
  const Space& space = quantizer.space();
  const size_t bytes = space.max_payload_size(), entry_bytes = ivf::bounded_entry_bytes(space.dim(), kBits, space.metric());
  if (count <= kProbeNeighbours) return 0;
  std::vector<uint8_t> entries(count * entry_bytes);
  std::vector<float> scratch(static_cast<size_t>(space.dim()));
  for (size_t i = 0; i < count; ++i) quantizer.encode(samples + i * bytes, entries.data() + i * entry_bytes, scratch.data());
  double ratios = 0;
  size_t probes = 0;
  const size_t step = std::max<size_t>(1, count / kProbeQueries);
  std::vector<std::pair<double, size_t>> nearest(count);
  std::vector<uint8_t> gathered(kProbeNeighbours * entry_bytes);
  double estimates[kProbeNeighbours];
  for (size_t qi = 0; qi < count; qi += step) {
    const uint8_t* query = samples + qi * bytes;
    for (size_t i = 0; i < count; ++i) nearest[i] = {i == qi ? std::numeric_limits<double>::infinity() : space.distance(query, samples + i * bytes), i};
    std::partial_sort(nearest.begin(), nearest.begin() + kProbeNeighbours, nearest.end());
    const double farthest = std::fabs(nearest[kProbeNeighbours - 1].first);  // (inner products are negative)
    if (!(farthest > 0) || !std::isfinite(farthest)) continue;  // duplicates, or no finite distance
    for (size_t j = 0; j < kProbeNeighbours; ++j)
      std::memcpy(gathered.data() + j * entry_bytes, entries.data() + nearest[j].second * entry_bytes, entry_bytes);
    quantizer.estimator(query, entry_bytes)->score(gathered.data(), kProbeNeighbours, estimates);
    double error = 0;
    for (size_t j = 0; j < kProbeNeighbours; ++j) error += std::fabs(estimates[j] - nearest[j].first);
    ratios += error / kProbeNeighbours / farthest;
    ++probes;
  }
  return probes ? ratios / static_cast<double>(probes) : 0;
}

std::unique_ptr<CodeCache> CodeCache::for_graph(PageGraph& graph, size_t max_bytes) {
  const Space& space = graph.space();
  if (!ivf::bounded_supported(space.kind(), space.metric())) return nullptr;
  if (max_bytes < kChunkSlots * slot_bytes(space)) return nullptr;
  size_t count = 0;
  const std::vector<uint8_t> samples = sample_values(graph, &count);
  if (count == 0) return nullptr;
  try {
    auto cache = std::make_unique<CodeCache>(
        space, widened(ivf::BoundedQuantizer::train(space, samples.data(), count, kBits), 255), max_bytes);
    if (neighbour_error(cache->quantizer(), samples.data(), count) > kMaxNeighbourError) return nullptr;
    return cache;
  } catch (const CorruptIndex&) {
    return nullptr;  // no finite ranges for this sample (values near the float range): no codes
  }
}

namespace {

// eps of a value whose every dimension lies within its range: each coordinate is off by at
// most half its step (ivf/bounded_codes.h), with a margin for eps' own rounding.
float within_range_eps(const ivf::BoundedQuantizer& q) {
  const auto dim = static_cast<size_t>(q.space().dim());
  double sum = 0;
  for (size_t i = 0; i < dim; ++i) {
    const double half = q.step()[i] / 2.0;
    sum += q.space().metric() == Metric::kL1 ? half : half * half;
  }
  const double eps = q.space().metric() == Metric::kL1 ? sum : std::sqrt(sum);
  return static_cast<float>(eps * CodeCache::kFaithfulEps);
}

}  // namespace

// An entry rounded up to a power of two within a cache line, or to whole lines beyond one:
// glove-100's 108 bytes take 128, so a lookup touches two lines instead of two or three
// (4-5% of a query in the backend).
size_t CodeCache::slot_bytes(const Space& space) {
  constexpr size_t kLine = 64;
  const size_t bytes = ivf::bounded_entry_bytes(space.dim(), kBits, space.metric());
  if (bytes > kLine) return (bytes + kLine - 1) / kLine * kLine;
  size_t rounded = 1;
  while (rounded < bytes) rounded *= 2;
  return rounded;
}

CodeCache::CodeCache(const Space& space, std::vector<float> ranges, size_t max_bytes)
    : quantizer_(space, std::move(ranges), kBits),
      entry_bytes_(ivf::bounded_entry_bytes(space.dim(), kBits, space.metric())),
      slot_bytes_(slot_bytes(space)),
      faithful_eps_(within_range_eps(quantizer_)),
      max_slots_(max_bytes / (slot_bytes_ + 1)),  // (+ 1: more than the two state bits a slot)
      scratch_(static_cast<size_t>(space.dim())) {}

bool CodeCache::encode(const uint8_t* payload, uint8_t* out) {
  quantizer_.encode(payload, out, scratch_.data());
  float eps;
  std::memcpy(&eps, out, sizeof eps);  // an entry starts with eps
  return eps <= faithful_eps_;         // false for NaN and +Infinity too
}

// Gives `block` a slot for each of `items`, consecutive; false past the limit.
bool CodeCache::reserve(uint32_t block, PageItems items) {
  if (items.end <= items.first || items.end > static_cast<uint32_t>(kMaxItemsPerPage)) return false;
  const size_t count = items.end - items.first;
  if (used_slots_ + count > max_slots_) return false;
  if (block >= blocks_.size()) blocks_.resize(std::max<size_t>(block + 1, blocks_.size() * 2));
  while (chunks_.size() * kChunkSlots < used_slots_ + count) {
    const size_t bytes = kChunkSlots * slot_bytes_;  // a multiple of the alignment
    auto* chunk = static_cast<uint8_t*>(std::aligned_alloc(64, bytes));
    if (!chunk) throw std::bad_alloc();
    std::memset(chunk, 0, bytes);
    chunks_.emplace_back(chunk);
  }
  blocks_[block] = {static_cast<uint32_t>(used_slots_), static_cast<uint16_t>(items.first), static_cast<uint16_t>(items.end)};
  used_slots_ += count;
  coded_.resize(used_slots_);
  unfaithful_.resize(used_slots_);
  return true;
}

size_t CodeCache::slot_for(Id id, PageItems items) {
  const uint32_t block = id_block(id);
  if (!has_slots(block) && !reserve(block, items)) return kNoSlot;
  return slot_of(blocks_[block], id_item(id));
}

const uint8_t* CodeCache::code(Id id, PageItems items, const uint8_t* payload, uint8_t* scratch) {
  const size_t slot = slot_for(id, items);
  if (slot != kNoSlot) return keep_in(slot, payload);
  return encode(payload, scratch) ? scratch : nullptr;
}

void CodeCache::keep(Id id, PageItems items, const uint8_t* payload) {
  const size_t slot = slot_for(id, items);
  if (slot != kNoSlot && !coded_[slot]) keep_in(slot, payload);
}

const uint8_t* CodeCache::keep_in(size_t slot, const uint8_t* payload) {
  if (unfaithful_[slot]) return nullptr;  // known: not coded again
  const bool faithful = encode(payload, entry(slot));
  if (faithful) ++cached_;
  (faithful ? coded_ : unfaithful_)[slot] = true;
  return faithful ? entry(slot) : nullptr;
}

}  // namespace vectorx::hnsw
