// IVF over pages (ivf_index.h); layout and locking rules in page_format.h.
#include "vectorx/ivf/ivf_index.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "vectorx/errors.h"

namespace vectorx::ivf {
namespace {

constexpr int kInsertAttempts = 64;  // chain steps before an insert gives up (corruption)

const EntryHeader* entry_at(const uint8_t* page, size_t page_size, int item, size_t entry_size) {
  size_t length;
  const uint8_t* data = find_item(page, page_size, item, &length);
  return data && length >= entry_size ? reinterpret_cast<const EntryHeader*>(data) : nullptr;
}

bool is_data_page(const uint8_t* page) {
  return page_header(page)->kind == static_cast<uint16_t>(PageKind::kData);
}

void add_entry(uint8_t* page, size_t page_size, const uint8_t* entry, size_t entry_size) {
  const int item = add_item(page, entry_size);
  size_t length;
  std::memcpy(const_cast<uint8_t*>(find_item(page, page_size, item, &length)), entry, entry_size);
}

}  // namespace

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

size_t max_value_bytes(size_t page_size) { return max_item_size(page_size) - sizeof(EntryHeader); }

void IvfIndex::create(PageStore& store, const Space& space, const std::vector<uint8_t>& centres) {
  const size_t page_size = store.page_size(), bytes = value_bytes(space);
  const size_t per_page = slots_per_page(page_size, bytes);
  if (per_page == 0) throw IndexFull("IVF list centres of " + std::to_string(bytes) + " bytes do not fit a page");
  const size_t lists = centres.size() / bytes;
  if (lists == 0 || lists * bytes != centres.size()) throw std::invalid_argument("IVF index needs whole centres");
  Meta meta{};
  meta.magic = kMagic;
  meta.version = kFormatVersion;
  meta.element_kind = static_cast<uint8_t>(space.kind());
  meta.metric = static_cast<uint8_t>(space.metric());
  meta.lists = static_cast<uint32_t>(lists);
  meta.dim = space.dim();
  meta.centre_bytes = static_cast<uint32_t>(bytes);
  meta.directory_pages = static_cast<uint32_t>((lists + per_page - 1) / per_page);
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
}

IvfIndex::IvfIndex(PageStore& store) : store_(store), space_(ElementKind::kFloat32, Metric::kL2, 1), entry_size_(0) {
  if (store_.block_count() == 0) throw CorruptIndex("IVF index has no meta page");
  {
    ReadPage page(store_, kMetaBlock);
    if (page_header(page.data())->kind != static_cast<uint16_t>(PageKind::kMeta))
      throw CorruptIndex("block 0 of the IVF index is not a meta page");
    meta_ = *meta_of(page.data());
  }
  const auto kind = static_cast<ElementKind>(meta_.element_kind);
  const auto metric = static_cast<Metric>(meta_.metric);
  if (meta_.magic != kMagic || meta_.version != kFormatVersion || !supported(kind, metric) || meta_.dim < 1 ||
      meta_.lists == 0)
    throw CorruptIndex("not an IVF index of this vectorx version (bad meta page)");
  space_ = Space(kind, metric, meta_.dim);
  if (value_bytes(space_) != meta_.centre_bytes || slots_per_page(store_.page_size(), meta_.centre_bytes) == 0 ||
      meta_.directory_pages != (meta_.lists + slots_per_page(store_.page_size(), meta_.centre_bytes) - 1) /
                                   slots_per_page(store_.page_size(), meta_.centre_bytes))
    throw CorruptIndex("corrupt IVF meta page");
  entry_size_ = sizeof(EntryHeader) + meta_.centre_bytes;
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

const std::vector<uint8_t>& IvfIndex::centres() {
  if (!centres_.empty()) return centres_;
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
  centres_ = std::move(all);
  return centres_;
}

std::vector<uint32_t> IvfIndex::lists_by_distance(const uint8_t* payload) {
  const std::vector<uint8_t>& c = centres();
  std::vector<double> keys(meta_.lists);
  for (uint32_t l = 0; l < meta_.lists; ++l) keys[l] = space_.key(payload, c.data() + size_t{l} * meta_.centre_bytes);
  std::vector<uint32_t> order(meta_.lists);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return keys[a] < keys[b]; });
  return order;
}

uint32_t IvfIndex::nearest_list(const uint8_t* payload) {
  const std::vector<uint8_t>& c = centres();
  uint32_t best = 0;
  double best_key = space_.key(payload, c.data());
  for (uint32_t l = 1; l < meta_.lists; ++l) {
    const double key = space_.key(payload, c.data() + size_t{l} * meta_.centre_bytes);
    if (key < best_key) best_key = key, best = l;
  }
  return best;
}

void IvfIndex::insert(uint32_t list, const uint8_t* payload, HeapTid tid) {
  if (list >= meta_.lists) throw std::out_of_range("IVF list out of range");
  std::vector<uint8_t> entry(entry_size_);
  const EntryHeader header{tid.block, tid.offset, 0};
  std::memcpy(entry.data(), &header, sizeof header);
  std::memcpy(entry.data() + sizeof header, payload, meta_.centre_bytes);
  const size_t page_size = store_.page_size();
  for (int attempt = 0; attempt < kInsertAttempts; ++attempt) {
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
      add_entry(page.data, page_size, entry.data(), entry_size_);
      now = {page.block, page.block};
      std::memcpy(directory + place.offset, &now, sizeof now);
      change.commit();
      return;
    }
    uint32_t next;
    {
      Change change(store_);
      uint8_t* page = change.page(slot.insert);
      if (!is_data_page(page)) throw CorruptIndex("IVF list chain reaches a page that is not a data page");
      if (has_room(page, entry_size_)) {
        add_entry(page, page_size, entry.data(), entry_size_);
        change.commit();
        return;
      }
      next = page_header(page)->next;
    }
    if (next == kInvalidBlock) {
      if (append_to_new_page(list, slot.insert, entry.data(), entry_size_)) return;
    } else {
      move_insert_page(list, slot.insert, next);
    }
  }
  throw CorruptIndex("IVF list " + std::to_string(list) + " has no page to insert into");
}

// One Change of {full last page, new page, directory page}; false when the full page gained a
// successor meanwhile (another insert appended first: the caller retries).
bool IvfIndex::append_to_new_page(uint32_t list, uint32_t full_block, const uint8_t* entry, size_t entry_size) {
  const size_t page_size = store_.page_size();
  Change change(store_);
  uint8_t* full = change.page(full_block);
  if (page_header(full)->next != kInvalidBlock) return false;
  PageRef fresh = change.new_page();
  init_page(fresh.data, page_size, PageKind::kData);
  add_entry(fresh.data, page_size, entry, entry_size);
  page_header(full)->next = fresh.block;
  const Place place = slot_place(list);
  uint8_t* directory = change.page(place.block);
  ListSlot slot;
  std::memcpy(&slot, directory + place.offset, sizeof slot);
  if (slot.insert == full_block) slot.insert = fresh.block;
  std::memcpy(directory + place.offset, &slot, sizeof slot);
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

void IvfIndex::for_each_page(uint32_t list, const std::function<void(const uint8_t*)>& f) {
  uint32_t block = read_slot(list).head;
  const uint32_t blocks = store_.block_count();
  for (uint32_t steps = 0; block != kInvalidBlock; ++steps) {
    if (block <= meta_.directory_pages || block >= blocks || steps >= blocks)
      throw CorruptIndex("IVF list " + std::to_string(list) + " has a broken page chain");
    store_.check_interrupts();
    ReadPage page(store_, block);
    if (!is_data_page(page.data())) throw CorruptIndex("IVF list chain reaches a page that is not a data page");
    f(page.data());
    block = page_header(page.data())->next;
  }
}

IvfIndex::Scan::Scan(IvfIndex& index, const uint8_t* query, size_t probes, size_t max_probes)
    : index_(index),
      query_(query, query + index.meta_.centre_bytes),
      order_(index.lists_by_distance(query)),
      probes_(std::max<size_t>(probes, 1)) {
  order_.resize(std::min(order_.size(), std::max(max_probes, probes_)));
}

bool IvfIndex::Scan::next_batch(std::vector<Result>& out) {
  if (next_ >= order_.size()) return false;
  const size_t end = std::min(order_.size(), next_ + probes_);
  const size_t page_size = index_.store_.page_size(), first = out.size();
  std::vector<std::pair<double, HeapTid>> found;
  for (; next_ < end; ++next_)
    index_.for_each_page(order_[next_], [&](const uint8_t* page) {
      for (int item = 0; item < page_header(page)->item_count; ++item) {
        const EntryHeader* e = entry_at(page, page_size, item, index_.entry_size_);
        if (!e || (e->flags & kEntryDead)) continue;
        const auto* value = reinterpret_cast<const uint8_t*>(e + 1);
        found.push_back({index_.space_.key(query_.data(), value), HeapTid{e->heap_block, e->heap_offset}});
      }
    });
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  out.reserve(first + found.size());
  for (const auto& [key, tid] : found) out.push_back({index_.space_.distance_from_key(key), tid});
  return true;
}

// Rewrites page `block` with its live entries only (into `page`, a copy also left in `after`).
// Pages without dead entries are only read: VACUUM takes no exclusive lock it does not need.
void IvfIndex::vacuum_page(uint32_t block, const std::function<bool(HeapTid)>& is_dead, std::vector<uint8_t>& after,
                           VacuumStats& stats) {
  const size_t page_size = store_.page_size();
  bool any_dead = false;
  {
    ReadPage page(store_, block);
    if (!is_data_page(page.data())) throw CorruptIndex("IVF list chain reaches a page that is not a data page");
    std::memcpy(after.data(), page.data(), page_size);
  }
  for (int item = 0; item < page_header(after.data())->item_count && !any_dead; ++item) {
    const EntryHeader* e = entry_at(after.data(), page_size, item, entry_size_);
    any_dead = !e || is_dead(HeapTid{e->heap_block, e->heap_offset});
  }
  ++stats.pages;
  if (!any_dead) {
    stats.kept += page_header(after.data())->item_count;
    return;
  }
  Change change(store_);
  uint8_t* page = change.page(block);
  std::vector<uint8_t> before(page, page + page_size);  // inserts may have added entries since
  init_page(page, page_size, PageKind::kData);
  page_header(page)->next = page_header(before.data())->next;
  for (int item = 0; item < page_header(before.data())->item_count; ++item) {
    const EntryHeader* e = entry_at(before.data(), page_size, item, entry_size_);
    if (!e || is_dead(HeapTid{e->heap_block, e->heap_offset})) {
      ++stats.removed;
      continue;
    }
    add_entry(page, page_size, reinterpret_cast<const uint8_t*>(e), entry_size_);
    ++stats.kept;
  }
  std::memcpy(after.data(), page, page_size);
  change.commit();
}

IvfIndex::VacuumStats IvfIndex::remove_dead(const std::function<bool(HeapTid)>& is_dead) {
  VacuumStats stats;
  std::vector<uint8_t> page(store_.page_size());
  for (uint32_t list = 0; list < meta_.lists; ++list) {
    const ListSlot slot = read_slot(list);
    uint32_t block = slot.head, first_with_room = kInvalidBlock;
    bool insert_page_seen = false, move_back = false;
    for (uint32_t steps = 0; block != kInvalidBlock && steps < store_.block_count(); ++steps) {
      store_.check_interrupts();
      vacuum_page(block, is_dead, page, stats);
      if (first_with_room == kInvalidBlock && has_room(page.data(), entry_size_)) {
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
