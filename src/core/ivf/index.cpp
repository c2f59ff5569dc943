// IVF over pages (ivf/index.h); layout and locking rules in page_format.h.
#include "vectorx/ivf/index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <stdexcept>

#include "vectorx/errors.h"
#include "vectorx/limits.h"
#include "vectorx/ivf/bounded_codes.h"
#include "vectorx/ivf/training.h"

namespace vectorx::ivf {
namespace {


bool is_data_page(const uint8_t* page) {
  return page_header(page)->kind == static_cast<uint16_t>(PageKind::kData);
}

size_t entry_bytes_of(EntryFormat format, const Space& space, size_t pq_m) {
  switch (format) {
    case EntryFormat::kValue:
      return value_bytes(space);
    case EntryFormat::kCode8:
      return kPqBoundBytes + pq_m;
    case EntryFormat::kCode4:
      return kPqBoundBytes + (pq_m + 1) / 2;
    case EntryFormat::kBounded:
    case EntryFormat::kBounded4:
      return bounded_entry_bytes(space.dim(), bounded_bits(format), space.metric());
  }
  return 0;
}

size_t codebook_floats(EntryFormat format, int64_t dim) {
  if (format == EntryFormat::kValue) return 0;
  if (bounded_bits(format) != 0) return 2 * static_cast<size_t>(dim);
  return (format == EntryFormat::kCode8 ? 256 : 16) * static_cast<size_t>(dim);
}

EntryLayout layout_of(const Meta& meta, size_t page_size) {
  return EntryLayout(static_cast<EntryFormat>(meta.entry_format), meta.entry_bytes, meta.pq_m, page_size);
}

}  // namespace

bool uses_pq(EntryFormat format) { return format == EntryFormat::kCode8 || format == EntryFormat::kCode4; }

bool supported(ElementKind kind, Metric metric, EntryFormat format) {
  return bounded_bits(format) != 0 ? bounded_supported(kind, metric) : supported(kind, metric);
}

bool supported(ElementKind kind, Metric metric) {
  switch (kind) {
    case ElementKind::kFloat32:
    case ElementKind::kFloat16:
      return metric == Metric::kL2 || metric == Metric::kInnerProduct || metric == Metric::kCosine;
    case ElementKind::kBit:
      return metric == Metric::kHamming;
    default:
      return false;
  }
}

size_t value_bytes(const Space& space) {
  const auto dim = static_cast<size_t>(space.dim());
  switch (space.kind()) {
    case ElementKind::kFloat32:
      return dim * sizeof(float);
    case ElementKind::kFloat16:
      return dim * sizeof(half_bits);
    case ElementKind::kBit:
      return (dim + 7) / 8;
    default:
      throw std::invalid_argument("IVF indexes store fixed-size values only");
  }
}

size_t max_value_bytes(size_t page_size) { return (page_size - sizeof(PageHeader) - sizeof(EntryHeader)) & ~size_t{3}; }

void IvfIndex::create(PageStore& store, const Space& space, const std::vector<uint8_t>& centres,
                      const EntrySpec& entries) {
  const size_t page_size = store.page_size(), bytes = value_bytes(space);
  const size_t per_page = slots_per_page(page_size, bytes);
  if (per_page == 0) throw IndexFull("IVF list centres of " + std::to_string(bytes) + " bytes do not fit a page");
  const size_t lists = centres.size() / bytes;
  if (lists == 0 || lists * bytes != centres.size()) throw std::invalid_argument("IVF index needs whole centres");
  const size_t floats = codebook_floats(entries.format, space.dim());
  if (entries.codebooks.size() != floats || !supported(space.kind(), space.metric(), entries.format) ||
      (uses_pq(entries.format) && (entries.pq_m == 0 || space.dim() % static_cast<int64_t>(entries.pq_m))))
    throw std::invalid_argument("IVF index: codebooks do not match the entry format");
  Meta meta{};
  meta.magic = kMagic;
  meta.version = kFormatVersion;
  meta.element_kind = static_cast<uint8_t>(space.kind());
  meta.metric = static_cast<uint8_t>(space.metric());
  meta.entry_format = static_cast<uint8_t>(entries.format);
  meta.residual = entries.residual ? 1 : 0;
  meta.lists = static_cast<uint32_t>(lists);
  meta.dim = space.dim();
  meta.centre_bytes = static_cast<uint32_t>(bytes);
  meta.directory_pages = static_cast<uint32_t>((lists + per_page - 1) / per_page);
  meta.entry_bytes = static_cast<uint32_t>(entry_bytes_of(entries.format, space, entries.pq_m));
  meta.pq_m = static_cast<uint32_t>(entries.pq_m);
  const size_t per_codebook_page = codebook_floats_per_page(page_size);
  meta.codebook_pages = static_cast<uint32_t>((floats + per_codebook_page - 1) / per_codebook_page);
  meta.build_stamp = std::random_device()();
  if (layout_of(meta, page_size).capacity() == 0)
    throw IndexFull("IVF entries of " + std::to_string(meta.entry_bytes) + " bytes do not fit a page");
  {
    Change change(store);
    PageRef page = change.new_page();
    if (page.block != kMetaBlock) throw std::logic_error("IVF meta page must be block 0");
    init_page(page.data, page_size, PageKind::kMeta);
    *meta_of(page.data) = meta;
    change.commit();
  }
  for (size_t first = 0; first < lists; first += per_page) {
    store.check_interrupts();
    Change change(store);
    PageRef page = change.new_page();
    init_page(page.data, page_size, PageKind::kDirectory);
    for (size_t l = first; l < std::min(lists, first + per_page); ++l) {
      uint8_t* slot = page.data + sizeof(PageHeader) + (l - first) * slot_size(bytes);
      const ListSlot empty{kInvalidBlock, kInvalidBlock};
      std::memcpy(slot, &empty, sizeof empty);
      std::memcpy(slot + sizeof(ListSlot), centres.data() + l * bytes, bytes);
    }
    change.commit();
  }
  for (size_t first = 0; first < floats; first += per_codebook_page) {
    Change change(store);
    PageRef page = change.new_page();
    init_page(page.data, page_size, PageKind::kCodebook);
    const size_t count = std::min(per_codebook_page, floats - first);
    std::memcpy(page.data + sizeof(PageHeader), entries.codebooks.data() + first, count * sizeof(float));
    change.commit();
  }
}

IvfIndex::IvfIndex(PageStore& store)
    : store_(store), space_(ElementKind::kFloat32, Metric::kL2, 1), layout_(EntryFormat::kValue, 4, 0, store.page_size()) {
  if (!store_.has_block(kMetaBlock)) throw CorruptIndex("IVF index has no meta page");
  {
    ReadPage page(store_, kMetaBlock);
    if (page_header(page.data())->kind != static_cast<uint16_t>(PageKind::kMeta))
      throw CorruptIndex("block 0 of the IVF index is not a meta page");
    meta_ = *meta_of(page.data());
  }
  const auto kind = static_cast<ElementKind>(meta_.element_kind);
  const auto metric = static_cast<Metric>(meta_.metric);
  const auto format = static_cast<EntryFormat>(meta_.entry_format);
  // Bounded as the reloptions and types bound them, so no size computed from them can overflow.
  constexpr uint32_t kMaxLists = 32768;
  if (meta_.magic != kMagic || meta_.version != kFormatVersion || format < EntryFormat::kValue ||
      format > EntryFormat::kBounded4 || !supported(kind, metric, format) || meta_.dim < 1 ||
      meta_.dim > Space::max_index_dim(kind) || meta_.lists == 0 || meta_.lists > kMaxLists)
    throw CorruptIndex("not an IVF index of this vectorx version (bad meta page)");
  space_ = Space(kind, metric, meta_.dim);
  const size_t per_page = slots_per_page(store_.page_size(), meta_.centre_bytes);
  const bool pq_shape_ok = uses_pq(format) ? meta_.pq_m > 0 && meta_.dim % meta_.pq_m == 0 : meta_.pq_m == 0;
  const size_t floats = codebook_floats(format, meta_.dim), per_codebook_page = codebook_floats_per_page(store_.page_size());
  if (value_bytes(space_) != meta_.centre_bytes || per_page == 0 ||
      meta_.directory_pages != (meta_.lists + per_page - 1) / per_page || !pq_shape_ok ||
      meta_.entry_bytes != entry_bytes_of(format, space_, meta_.pq_m) ||
      meta_.codebook_pages != (floats + per_codebook_page - 1) / per_codebook_page)
    throw CorruptIndex("corrupt IVF meta page");
  layout_ = layout_of(meta_, store_.page_size());
  if (layout_.capacity() == 0) throw CorruptIndex("corrupt IVF meta page");
}

IvfIndex::Place IvfIndex::slot_place(uint32_t list) const {
  const size_t per_page = slots_per_page(store_.page_size(), meta_.centre_bytes);
  return {static_cast<uint32_t>(kFirstDirectoryBlock + list / per_page),
          sizeof(PageHeader) + (list % per_page) * slot_size(meta_.centre_bytes)};
}

ListSlot IvfIndex::read_slot(uint32_t list) {
  const Place place = slot_place(list);
  ReadPage page(store_, place.block);
  if (page_header(page.data())->kind != static_cast<uint16_t>(PageKind::kDirectory))
    throw CorruptIndex("IVF directory page " + std::to_string(place.block) + " is not a directory page");
  ListSlot slot;
  std::memcpy(&slot, page.data() + place.offset, sizeof slot);
  return slot;
}

std::shared_ptr<const Centres> IvfIndex::shared_centres() {
  if (centres_) return centres_;
  const size_t bytes = meta_.centre_bytes, per_page = slots_per_page(store_.page_size(), bytes);
  std::vector<uint8_t> all(size_t{meta_.lists} * bytes);
  for (uint32_t p = 0; p < meta_.directory_pages; ++p) {
    ReadPage page(store_, kFirstDirectoryBlock + p);
    if (page_header(page.data())->kind != static_cast<uint16_t>(PageKind::kDirectory))
      throw CorruptIndex("IVF directory page " + std::to_string(kFirstDirectoryBlock + p) + " is not a directory page");
    for (size_t i = 0; i < per_page && p * per_page + i < meta_.lists; ++i)
      std::memcpy(all.data() + (p * per_page + i) * bytes,
                  page.data() + sizeof(PageHeader) + i * slot_size(bytes) + sizeof(ListSlot), bytes);
  }
  Centres read{std::move(all), {}};
  if (space_.cosine_by_dot())
    for (uint32_t l = 0; l < meta_.lists; ++l) read.inverse_norms.push_back(space_.inverse_norm(read.values.data() + size_t{l} * bytes));
  centres_ = std::make_shared<const Centres>(std::move(read));
  return centres_;
}

std::vector<float> IvfIndex::codebooks() {
  const size_t floats = codebook_floats(static_cast<EntryFormat>(meta_.entry_format), meta_.dim);
  const size_t per_page = codebook_floats_per_page(store_.page_size());
  std::vector<float> all(floats);
  for (uint32_t p = 0; p < meta_.codebook_pages; ++p) {
    const uint32_t block = kFirstDirectoryBlock + meta_.directory_pages + p;
    if (!store_.has_block(block)) throw CorruptIndex("IVF codebook page " + std::to_string(block) + " is missing");
    ReadPage page(store_, block);
    if (page_header(page.data())->kind != static_cast<uint16_t>(PageKind::kCodebook))
      throw CorruptIndex("IVF block " + std::to_string(block) + " is not a codebook page");
    const size_t first = p * per_page, count = std::min(per_page, floats - first);
    std::memcpy(all.data() + first, page.data() + sizeof(PageHeader), count * sizeof(float));
  }
  return all;
}

std::vector<std::pair<double, uint32_t>> IvfIndex::lists_by_distance(const uint8_t* payload, size_t count) {
  const Centres& c = *shared_centres();
  std::vector<std::pair<double, uint32_t>> order(meta_.lists);
  // Cosine by one dot product a centre, with the centres' inverse norms read once.
  const bool by_dot = !c.inverse_norms.empty();
  const double query_inverse_norm = by_dot ? space_.inverse_norm(payload) : 0;
  for (uint32_t l = 0; l < meta_.lists; ++l) {
    const uint8_t* centre = c.values.data() + size_t{l} * meta_.centre_bytes;
    order[l] = {by_dot ? space_.cosine_key_by_dot(payload, centre, query_inverse_norm * c.inverse_norms[l])
                       : space_.key(payload, centre),
                l};
  }
  // Pairs compare by key, then list number: equal keys keep list order.
  const auto end = order.begin() + static_cast<std::ptrdiff_t>(std::min(count, order.size()));
  std::partial_sort(order.begin(), end, order.end());
  order.erase(end, order.end());
  return order;
}

uint32_t nearest_centre(const Space& space, const uint8_t* centres, size_t count, const uint8_t* payload) {
  const size_t bytes = value_bytes(space);
  uint32_t best = 0;
  double best_key = space.key(payload, centres);
  for (uint32_t l = 1; l < count; ++l) {
    const double key = space.key(payload, centres + l * bytes);
    if (key < best_key) best_key = key, best = l;
  }
  return best;
}

size_t IvfIndex::lists_reaching(const uint8_t* query, double radius) {
  const Metric metric = space_.metric();
  if (std::isnan(radius)) return 0;
  if (metric != Metric::kL2 && metric != Metric::kCosine) return meta_.lists;  // no bound: every list
  if (std::isinf(radius) && radius > 0) return meta_.lists;
  if (radius < 0) return 0;  // no row is that close
  // Every entry sits in the list of its nearest centre (cosine: nearest on the unit sphere), so
  // a row x of list l lies on l's side of the bisector between c_l and the centre c_n nearest
  // to q: ||q - x|| >= (||q - c_l||² - ||q - c_n||²) / (2 ||c_l - c_n||).
  const size_t dim = static_cast<size_t>(space_.dim());
  const std::vector<uint8_t>& c = centres();
  std::vector<double> q(dim), centre(dim), nearest(dim), d2(meta_.lists);
  std::vector<float> scratch(dim);
  auto load = [&](const uint8_t* payload, std::vector<double>& out) {
    value_to_floats(space_, payload, scratch.data());
    double norm = 0;
    for (size_t i = 0; i < dim; ++i) norm += double{scratch[i]} * scratch[i];
    const double scale = metric == Metric::kCosine && norm > 0 ? 1 / std::sqrt(norm) : 1;
    for (size_t i = 0; i < dim; ++i) out[i] = scratch[i] * scale;
  };
  auto sq_distance = [&](const std::vector<double>& a, const std::vector<double>& b) {
    double sum = 0;
    for (size_t i = 0; i < dim; ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
    return sum;
  };
  load(query, q);
  uint32_t best = 0;
  for (uint32_t l = 0; l < meta_.lists; ++l) {
    load(c.data() + size_t{l} * meta_.centre_bytes, centre);
    d2[l] = sq_distance(q, centre);
    if (d2[l] < d2[best]) best = l;
  }
  load(c.data() + size_t{best} * meta_.centre_bytes, nearest);
  // Cosine distance r is a chord of sqrt(2r) between unit vectors; a little slack covers the
  // float rounding of the assignment.
  const double reach = (metric == Metric::kCosine ? std::sqrt(2 * radius) : radius) * (1 + 1e-4) + 1e-6;
  size_t needed = 0, position = 0;
  for (const auto& [key, list] : lists_by_distance(query, meta_.lists)) {
    ++position;
    load(c.data() + size_t{list} * meta_.centre_bytes, centre);
    const double gap = std::sqrt(sq_distance(centre, nearest));
    const double bound = gap > 0 ? (d2[list] - d2[best]) / (2 * gap) : 0;
    if (bound <= reach) needed = position;
  }
  return needed;
}

uint32_t IvfIndex::nearest_list(const uint8_t* payload) {
  return nearest_centre(space_, centres().data(), meta_.lists, payload);
}

long IvfIndex::checked_entries(const uint8_t* page) const {
  if (!is_data_page(page)) throw CorruptIndex("IVF list chain reaches a page that is not a data page");
  const long n = layout_.entries(page);
  if (n < 0) throw CorruptIndex("IVF data page claims more entries than fit");
  return n;
}

uint64_t IvfIndex::vectors() {
  ReadPage page(store_, kMetaBlock);
  return meta_of(page.data())->vectors;
}

void IvfIndex::count_entries(Change& change, int64_t delta) {
  Meta* meta = meta_of(change.page(kMetaBlock));
  if (delta > 0) store_.check_vector_quota(meta->vectors + static_cast<uint64_t>(delta));
  meta->vectors = delta >= 0 ? meta->vectors + static_cast<uint64_t>(delta)
                             : meta->vectors - std::min<uint64_t>(meta->vectors, static_cast<uint64_t>(-delta));
}

void IvfIndex::insert(uint32_t list, const uint8_t* entry, HeapTid tid) {
  if (list >= meta_.lists) throw std::out_of_range("IVF list out of range");
  // Early quota check, before any page is touched; count_entries checks again under the lock.
  store_.check_vector_quota(vectors() + 1);
  const EntryHeader header{tid.block, tid.offset, 0};
  const size_t page_size = store_.page_size();
  // Each step moves on along the chain or retries after another writer moved first. VACUUM
  // points the insert page back to the first page with room, so a long list may take many
  // steps: the cap grows with the index (a walk longer than twice its pages means a loop).
  for (uint32_t steps = 0;; ++steps) {
    if (steps > 64 && steps > 64 + 2 * static_cast<uint64_t>(store_.block_count()))
      throw CorruptIndex("IVF list " + std::to_string(list) + " has no page to insert into");
    const ListSlot slot = read_slot(list);
    if (slot.insert == kInvalidBlock) {  // empty list: its first page, if nobody made it meanwhile
      Change change(store_);
      const Place place = slot_place(list);
      uint8_t* directory = change.page(place.block);
      ListSlot now;
      std::memcpy(&now, directory + place.offset, sizeof now);
      if (now.insert != kInvalidBlock) continue;  // aborted by the Change's destructor
      PageRef page = change.new_page();
      init_page(page.data, page_size, PageKind::kData);
      layout_.append(page.data, header, entry);
      now = {page.block, page.block};
      std::memcpy(directory + place.offset, &now, sizeof now);
      count_entries(change, 1);
      change.commit();
      return;
    }
    uint32_t next;
    check_data_block(list, slot.insert, 0);
    {
      Change change(store_);
      uint8_t* page = change.page(slot.insert);
      if (static_cast<size_t>(checked_entries(page)) < layout_.capacity()) {
        layout_.append(page, header, entry);
        count_entries(change, 1);
        change.commit();
        return;
      }
      next = page_header(page)->next;
    }
    if (next == kInvalidBlock) {
      if (append_to_new_page(list, slot.insert, header, entry)) return;
    } else {
      move_insert_page(list, slot.insert, next);
    }
  }
}

// One Change of {full last page, new page, directory page}; false when the full page gained a
// successor meanwhile (another insert appended first: the caller retries).
bool IvfIndex::append_to_new_page(uint32_t list, uint32_t full_block, const EntryHeader& header, const uint8_t* entry) {
  const size_t page_size = store_.page_size();
  Change change(store_);
  uint8_t* full = change.page(full_block);
  if (page_header(full)->next != kInvalidBlock) return false;
  PageRef fresh = change.new_page();
  init_page(fresh.data, page_size, PageKind::kData);
  layout_.append(fresh.data, header, entry);
  page_header(full)->next = fresh.block;
  const Place place = slot_place(list);
  uint8_t* directory = change.page(place.block);
  ListSlot slot;
  std::memcpy(&slot, directory + place.offset, sizeof slot);
  if (slot.insert == full_block) slot.insert = fresh.block;
  std::memcpy(directory + place.offset, &slot, sizeof slot);
  count_entries(change, 1);
  change.commit();
  return true;
}

void IvfIndex::move_insert_page(uint32_t list, uint32_t from, uint32_t to) {
  Change change(store_);
  const Place place = slot_place(list);
  uint8_t* directory = change.page(place.block);
  ListSlot slot;
  std::memcpy(&slot, directory + place.offset, sizeof slot);
  if (slot.insert != from) return;  // someone else moved it
  slot.insert = to;
  std::memcpy(directory + place.offset, &slot, sizeof slot);
  change.commit();
}

void IvfIndex::check_data_block(uint32_t list, uint32_t block, uint32_t steps) {
  const uint32_t first_data = kFirstDirectoryBlock + meta_.directory_pages + meta_.codebook_pages;
  // Re-read when past the known end: a writer may have extended the index since.
  known_blocks_ = store_.known_blocks_through(std::max(block, steps), known_blocks_);
  if (block < first_data || block >= known_blocks_ || steps >= known_blocks_)
    throw CorruptIndex("IVF list " + std::to_string(list) + " has a broken page chain");
}

void IvfIndex::for_each_page(uint32_t list, const std::function<void(const uint8_t*)>& f) {
  uint32_t block = read_slot(list).head;
  for (uint32_t steps = 0; block != kInvalidBlock; ++steps) {
    check_data_block(list, block, steps);
    store_.check_interrupts();
    ReadPage page(store_, block);
    checked_entries(page.data());
    f(page.data());
    block = page_header(page.data())->next;
  }
}

IvfIndex::Scan::Scan(IvfIndex& index, const uint8_t* query, std::unique_ptr<EntryScorer> scorer, size_t probes,
                     size_t max_probes)
    : index_(index), scorer_(std::move(scorer)), probes_(std::max<size_t>(probes, 1)) {
  order_ = index.lists_by_distance(query, std::max(max_probes, probes_));
}

void IvfIndex::Scan::score_batch(size_t b, const PageScores& f) {
  const size_t end = std::min(order_.size(), (b + 1) * probes_);
  for (size_t i = b * probes_; i < end; ++i) index_.score_list(order_[i].second, order_[i].first, *scorer_, f);
}

void IvfIndex::score_list(uint32_t list, double centre_key, EntryScorer& scorer, const PageScores& f) {
  std::vector<double> keys(layout_.capacity());
  scorer.start_list(list, centre_key);
  for_each_page(list, [&](const uint8_t* page) {
    const size_t n = static_cast<size_t>(layout_.entries(page));
    scorer.score(layout_.area(page), n, keys.data());
    f(keys.data(), EntryLayout::headers(page), n);
  });
}

// Rewrites page `block` with its live entries only (a copy of the result left in `after`).
// Pages without dead entries are only read: VACUUM takes no exclusive lock it does not need.
void IvfIndex::vacuum_page(uint32_t block, const std::function<bool(HeapTid)>& is_dead, std::vector<uint8_t>& after,
                           VacuumStats& stats) {
  const size_t page_size = store_.page_size();
  auto dead = [&](const EntryHeader& e) { return is_dead(HeapTid{e.heap_block, e.heap_offset}); };
  bool any_dead = false;
  {
    ReadPage page(store_, block);
    const long n = checked_entries(page.data());
    std::memcpy(after.data(), page.data(), page_size);
    for (long i = 0; i < n && !any_dead; ++i) any_dead = dead(EntryLayout::headers(after.data())[i]);
  }
  ++stats.pages;
  if (!any_dead) {
    stats.kept += page_header(after.data())->item_count;
    return;
  }
  Change change(store_);
  uint8_t* page = change.page(block);
  const long n = checked_entries(page);  // inserts may have added entries since
  std::vector<uint8_t> payload(meta_.entry_bytes);
  size_t kept = 0;
  for (long i = 0; i < n; ++i) {
    const EntryHeader header = EntryLayout::headers(page)[i];
    if (dead(header)) {
      ++stats.removed;
      continue;
    }
    layout_.read_payload(page, static_cast<size_t>(i), payload.data());
    EntryLayout::headers(page)[kept] = header;
    layout_.write_payload(page, kept++, payload.data());
  }
  page_header(page)->item_count = static_cast<uint16_t>(kept);
  stats.kept += kept;
  std::memcpy(after.data(), page, page_size);
  count_entries(change, -(n - static_cast<long>(kept)));
  change.commit();
}

IvfIndex::ListStats IvfIndex::list_stats() {
  ListStats stats;
  stats.lengths.assign(meta_.lists, 0);
  for (uint32_t list = 0; list < meta_.lists; ++list)
    for_each_page(list, [&](const uint8_t* page) {
      ++stats.data_pages;
      const auto* headers = EntryLayout::headers(page);
      const size_t n = static_cast<size_t>(layout_.entries(page));
      for (size_t i = 0; i < n; ++i) {
        const bool dead = headers[i].flags & kEntryDead;
        stats.dead += dead;
        stats.live += !dead;
        stats.lengths[list] += !dead;
      }
    });
  return stats;
}

IvfIndex::VacuumStats IvfIndex::remove_dead(const std::function<bool(HeapTid)>& is_dead) {
  VacuumStats stats;
  std::vector<uint8_t> page(store_.page_size());
  for (uint32_t list = 0; list < meta_.lists; ++list) {
    const ListSlot slot = read_slot(list);
    uint32_t block = slot.head, first_with_room = kInvalidBlock;
    bool insert_page_seen = false, move_back = false;
    for (uint32_t steps = 0; block != kInvalidBlock; ++steps) {
      store_.check_interrupts();
      check_data_block(list, block, steps);
      vacuum_page(block, is_dead, page, stats);
      if (first_with_room == kInvalidBlock && page_header(page.data())->item_count < layout_.capacity()) {
        first_with_room = block;
        move_back = !insert_page_seen && block != slot.insert;
      }
      if (block == slot.insert) insert_page_seen = true;
      block = page_header(page.data())->next;
    }
    if (move_back) move_insert_page(list, slot.insert, first_with_room);
  }
  return stats;
}

}  // namespace vectorx::ivf
