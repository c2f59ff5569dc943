// PageGraph::insert (page_graph.h): placing an element (a free item, fresh space, or a split
// across pages), linking it, and attaching rows of identical values (page_format.h).
#include <optional>

#include "vectorx/errors.h"
#include "page_graph_internal.h"

namespace vectorx::hnsw {

Id PageGraph::write_tails(const uint8_t* bytes, size_t length, Id reuse) {
  const size_t page_size = store_.page_size();
  if (reuse != kInvalidId) {  // the chain of a freed element: rewritten in place
    for (Id tail = reuse; length > 0;) {
      if (tail == kInvalidId) throw CorruptIndex("hnsw value tail chain shorter than its element says");
      if (id_block(tail) == kMetaBlock || !has_block(id_block(tail)))
        throw CorruptIndex("hnsw value tail chain leads outside the index");
      Change change(store_);
      TailRef t;
      if (!t.parse(change.page(id_block(tail)), page_size, id_item(tail))) throw CorruptIndex("hnsw value tail missing");
      const size_t n = fill_tail(t, bytes, length);
      bytes += n;
      length -= n;
      tail = t.next();
      change.commit();
    }
    return reuse;
  }
  // A new chain on fresh pages, written from its end so each tail knows its successor; the
  // last page keeps what the last tail leaves free for later inserts.
  const size_t cap = max_item_size(page_size) - sizeof(TailHeader);
  Id next = kInvalidId;
  for (size_t k = (length + cap - 1) / cap; k-- > 0;) {
    const size_t part = std::min(cap, length - k * cap);
    Change change(store_);
    PageRef page = change.new_page();
    if (page.block > kMaxBlock) throw IndexFull("hnsw index exceeds 2^24 pages");
    init_page(page.data, page_size, PageKind::kElements);
    const int item = add_item(page.data, sizeof(TailHeader) + part);
    init_tail(page.data, page_size, item, next, bytes + k * cap, part);
    change.commit();
    next = make_id(page.block, item);
  }
  return next;
}

namespace {

// Looks on one element page for room: a free item whose element and tail chain together hold
// the new element (`fixed` bytes of header and lists, a `length`-byte value), or fresh space
// for an item of `size` bytes. `room` receives the page's fresh space (its largest new item).
Placement find_room(const uint8_t* page, size_t page_size, int m, size_t fixed, size_t length, size_t size,
                    size_t* free_items, size_t* room) {
  Placement p;
  const PageHeader* h = page_header(page);
  *free_items = 0;
  *room = 0;
  if (h->kind != static_cast<uint16_t>(PageKind::kElements)) return p;
  *room = largest_item(page, page_size);
  for (int item = 0; item < h->item_count; ++item) {
    ElementRef e;
    if (!e.parse(page, page_size, item, m) || !e.free()) continue;
    ++*free_items;
    if (p.free_item >= 0 || e.item_length() < fixed) continue;
    const size_t in_tails = e.header().value_len - e.head_length();
    if (e.item_length() - fixed + in_tails < length) continue;
    p.free_item = item;
    p.head_capacity = e.item_length() - fixed;
    p.reuse_tail = e.header().tail;
  }
  if (p.free_item < 0 && !has_room(page, page_size, size)) return p;
  p.block = 0;  // found (the caller fills in the block)
  return p;
}

}  // namespace

// Places a new element. In order: a free item it fits (with that item's tail chain), fresh
// space for it whole, and, for an element larger than an eighth of a page, the roomiest page's
// space as its head with the rest on a fresh page after it, as a bulk build packs them; else a
// fresh page. The meta page's insert hint moves to the first page that could take an element
// like this one, so later inserts do not re-read pages left with only a sliver of room.
Id PageGraph::store_element(const uint8_t* payload, size_t length, HeapTid tid, int level, uint32_t insert_hint,
                            bool* became_entry) {
  const size_t page_size = store_.page_size();
  const int m = params_.m;
  const size_t fixed = element_size(m, level, 0);
  // A value that does not fit in a page with its lists lives in tails on fresh pages.
  const size_t head = fits_one_item(page_size, m, level, length) ? length : 0;
  const size_t size = element_size(m, level, head);
  const bool splittable = head == length && size > split_above(page_size);
  const size_t useful_room = splittable ? fixed + kMinHead : size;
  uint32_t first_useful = kInvalidBlock, split_block = kInvalidBlock;
  size_t split_room = 0;
  Placement place;
  const uint32_t blocks = store_.block_count();
  for (uint32_t block = std::max<uint32_t>(insert_hint, 1); block < blocks && place.block == kInvalidBlock; ++block) {
    ReadPage page(store_, block);
    size_t free_items = 0, room = 0;
    Placement p = find_room(page.data(), page_size, m, fixed, length, size, &free_items, &room);
    if ((free_items > 0 || room >= useful_room) && first_useful == kInvalidBlock) first_useful = block;
    if (p.block != kInvalidBlock) {
      p.block = block;
      place = p;
    } else if (splittable && room >= fixed + kMinHead && room > split_room) {
      split_block = block;
      split_room = room;
    }
  }
  if (place.free_item >= 0 && !claim_free_item(place)) return store_element(payload, length, tid, level, insert_hint, became_entry);
  size_t in_head = head;
  if (place.free_item >= 0) {
    in_head = std::min(length, place.head_capacity);
  } else if (place.block == kInvalidBlock && split_block != kInvalidBlock) {
    place.block = split_block;
    in_head = split_room - fixed;
  }
  const size_t item_size = element_size(m, level, in_head);
  Id tail = place.reuse_tail;
  const bool new_tails = in_head < length && place.free_item < 0;
  if (in_head < length) tail = write_tails(payload + in_head, length - in_head, place.reuse_tail);
  Change change(store_);
  uint8_t* page = nullptr;
  int item = place.free_item;
  if (place.block != kInvalidBlock) {
    page = change.page(place.block);
    if (item >= 0) {
      ElementRef old;
      old.parse(page, page_size, item, m);  // claimed: nobody else writes it
      std::memset(const_cast<ElementHeader*>(&old.header()), 0, old.item_length());
    } else if (has_room(page, page_size, item_size)) {
      item = add_item(page, item_size);
    } else if (!new_tails) {
      change.commit();  // the room went to a concurrent insert: look again
      return store_element(payload, length, tid, level, insert_hint, became_entry);
    } else {
      page = nullptr;  // as above, but the tails for this head are written: a fresh page takes it
    }
  }
  if (!page) {
    PageRef fresh = change.new_page();
    if (fresh.block > kMaxBlock) throw IndexFull("hnsw index exceeds 2^24 pages");
    init_page(fresh.data, page_size, PageKind::kElements);
    place.block = fresh.block;
    page = fresh.data;
    item = add_item(page, item_size);
    if (first_useful == kInvalidBlock) first_useful = place.block;
  }
  init_element(page, page_size, item, m, tid, level, length, tail, kInvalidId, stored_inverse_norm(space_, payload), payload);
  const Id id = make_id(place.block, item);
  Meta* meta_page = meta_of(change.page(kMetaBlock));
  if (place.free_item < 0) count_vector(meta_page);  // a claimed item was counted when claimed
  *became_entry = meta_page->entry_level < 0;
  if (*became_entry) {
    meta_page->entry = id;
    meta_page->entry_level = level;
  }
  // Only from the hint this insert started at: a VACUUM that lowered it meanwhile points at
  // room this scan never saw.
  if (first_useful != kInvalidBlock && meta_page->insert_hint == insert_hint) meta_page->insert_hint = first_useful;
  change.commit();
  return id;
}

// Takes a free item for this insert (marks it dead: not free, never linked or returned) so its
// tail chain can be rewritten before the element is; false if another insert took it.
// A crash after claiming leaves a dead item, which the next VACUUM frees again.
bool PageGraph::claim_free_item(const Placement& place) {
  Change change(store_);
  uint8_t* page = change.page(place.block);
  ElementRef e;
  if (!e.parse(page, store_.page_size(), place.free_item, params_.m) || !e.free()) return false;
  e.mutable_header().flags = kDead;
  count_vector(meta_of(change.page(kMetaBlock)));
  change.commit();
  return true;
}

void PageGraph::count_vector(Meta* meta) {
  store_.check_vector_quota(meta->vectors + 1);
  ++meta->vectors;
}

// The candidates a search found, those it scored by code estimates keyed again from their
// pages as a search without codes keys them (unreadable ones dropped), nearest first: links are
// chosen, and identical values recognised, by exact keys. The visited table marks the level-0
// keys read from pages (VisitedTable::kKeyedExactly; the entry points a level starts from keep
// the keys of the level above); it was cleared after each level above, whose few candidates
// are all keyed again.
void PageGraph::rekey_from_pages(View& view, std::vector<std::vector<Candidate<Id>>>& found) {
  view.stop_codes();
  for (size_t l = 0; l < found.size(); ++l) {
    std::vector<Candidate<Id>> keyed;
    for (Candidate<Id> c : found[l]) {
      const VisitedTable::Slot* visit = l == 0 ? view.visited().find(c.id) : nullptr;
      const bool exact = visit && (visit->flags & VisitedTable::kKeyedExactly);
      if (exact || view.page_key(c.id, &c.distance)) keyed.push_back(c);
    }
    std::sort(keyed.begin(), keyed.end());
    found[l].swap(keyed);
  }
}

bool PageGraph::insert(const uint8_t* payload, size_t length, HeapTid tid, int level, bool may_raise_entry,
                       CodeCache* codes) {
  check_value(payload, length);
  const Meta meta = read_meta();
  // Early quota check, before any page is touched; count_vector checks again under the lock.
  store_.check_vector_quota(meta.vectors + 1);
  EntryPoint<Id> ep = entry_of(meta);
  if (level > ep.level && !may_raise_entry) return false;
  View view(*this);
  view.set_query(payload);
  std::vector<std::vector<Candidate<Id>>> found;
  if (ep.level >= 0) {
    if (codes) view.use_codes(codes, true);
    found = find_neighbors(view, level, ep, params_, view);
    if (codes) rekey_from_pages(view, found);
    if (attach_to_identical(view, found[0], payload, length, tid)) return true;
  }
  bool became_entry = false;
  const Id id = store_element(payload, length, tid, level, meta.insert_hint, &became_entry);
  if (became_entry || ep.level < 0) return true;  // the first element of an empty graph
  const EntryPoint<Id> before = ep;
  connect(view, id, level, found, ep, params_);
  drop_dead_links(view, id, found.size());
  if (ep.id != before.id || ep.level != before.level) set_entry(ep);
  return true;
}

// VACUUM marks elements dead without waiting for inserts (it frees them only after they end),
// so a neighbour found by the search may have died before the new lists were written, and
// VACUUM's repair may have passed this page already. Read after the write, a dead neighbour is
// seen here; one that dies later is in the list when the repair reads it.
void PageGraph::drop_dead_links(View& view, Id id, size_t levels) {
  for (size_t l = 0; l < levels; ++l)
    view.update_neighbors(id, static_cast<int>(l), [&](const std::vector<Id>& current) {
      std::vector<Id> live;
      for (Id x : current)
        if (view.is_live(x)) live.push_back(x);
      return live;
    });
}

bool PageGraph::attach_to_identical(View& view, const std::vector<Candidate<Id>>& candidates, const uint8_t* payload,
                                    size_t length, HeapTid tid) {
  // An identical value is at exactly the query's key from itself (the same kernel on the same
  // bytes and inverse norms); only such candidates are compared byte for byte.
  if (space_.payload_size(payload, length) != length) return false;  // a damaged meta page's shape
  const float inverse_norm = stored_inverse_norm(space_, payload);
  const double self = view.key(payload, inverse_norm, payload, inverse_norm);
  for (const auto& c : candidates) {
    if (c.distance != self) continue;
    bool identical = false;
    view.with_value(c.id, nullptr, [&](const uint8_t* v, float) { identical = std::memcmp(v, payload, length) == 0; });
    if (identical && attach_row(c.id, tid)) return true;
  }
  return false;
}

namespace {

// Adds `tid` to an empty slot of a rows item `owner` owns on `page`; false when none has one.
bool add_to_owned_rows(uint8_t* page, size_t page_size, Id owner, HeapTid tid) {
  const PageHeader* h = page_header(page);
  for (int i = 0; i < h->item_count; ++i)
    if (RowsRef rows; rows.parse(page, page_size, i) && !rows.free() && rows.owner() == owner && rows.add(tid))
      return true;
  return false;
}

int free_rows_item(const uint8_t* page, size_t page_size) {
  const PageHeader* h = page_header(page);
  for (int i = 0; i < h->item_count; ++i)
    if (RowsRef rows; rows.parse(page, page_size, i) && rows.free()) return i;
  return -1;
}

// Whether a page could take a rows item of kRowsPerItem slots (or has a free one to reuse).
bool takes_rows_item(const uint8_t* page, size_t page_size) {
  return page_header(page)->kind == static_cast<uint16_t>(PageKind::kElements) &&
         (largest_item(page, page_size) >= rows_item_size(kRowsPerItem) || free_rows_item(page, page_size) >= 0);
}

// Makes a rows item on `page` holding `tid` for `owner`, in front of `next`: a free one reused,
// or a new one in fresh space (up to kRowsPerItem slots); kInvalidId when the page has neither.
Id add_rows_item(uint8_t* page, size_t page_size, uint32_t block, Id owner, Id next, HeapTid tid) {
  int item = free_rows_item(page, page_size);
  if (item < 0) {
    const size_t room = largest_item(page, page_size);
    if (room < rows_item_size(1)) return kInvalidId;
    item = add_item(page, rows_item_size(std::min(kRowsPerItem, (room - sizeof(RowsHeader)) / sizeof(HeapTid))));
  }
  RowsRef rows;
  rows.format(page, page_size, item, owner, next);
  rows.add(tid);
  return make_id(block, item);
}

}  // namespace

bool PageGraph::attach_row(Id id, HeapTid tid) {
  const size_t page_size = store_.page_size();
  const uint32_t block = id_block(id);
  Id head;
  {
    Change change(store_);
    uint8_t* page = change.page(block);
    ElementRef e;
    if (!e.parse(page, page_size, id_item(id), params_.m) || e.dead()) return false;
    if (add_to_owned_rows(page, page_size, id, tid)) {
      change.commit();
      return true;
    }
    const Id item = add_rows_item(page, page_size, block, id, e.rows(), tid);
    if (item != kInvalidId) {
      e.mutable_header().rows = item;
      change.commit();
      return true;
    }
    head = e.rows();
  }
  return attach_elsewhere(id, tid, head);
}

bool PageGraph::attach_elsewhere(Id id, HeapTid tid, Id head) {
  const size_t page_size = store_.page_size();
  const Id item = store_rows_item(id, tid, head);
  for (int attempt = 0; attempt < kBackLinkRetries; ++attempt) {
    {
      Change change(store_);
      ElementRef e;
      if (!e.parse(change.page(id_block(id)), page_size, id_item(id), params_.m) || e.dead()) break;
      if (e.rows() == head) {
        e.mutable_header().rows = item;
        change.commit();
        return true;
      }
      head = e.rows();  // another attach put an item in front meanwhile
    }
    Change change(store_);
    RowsRef rows;
    if (!rows.parse(change.page(id_block(item)), page_size, id_item(item))) break;
    rows.set_next(head);
    change.commit();
  }
  Change change(store_);  // not linked: free it for others
  RowsRef rows;
  if (rows.parse(change.page(id_block(item)), page_size, id_item(item))) {
    rows.set_free();
    change.commit();
  }
  return false;
}

Id PageGraph::store_rows_item(Id owner, HeapTid tid, Id next) {
  const size_t page_size = store_.page_size();
  const uint32_t blocks = store_.block_count();
  for (uint32_t block = std::max<uint32_t>(read_meta().insert_hint, 1); block < blocks; ++block) {
    if (block == id_block(owner)) continue;  // full: that is why this item goes elsewhere
    {
      ReadPage page(store_, block);
      if (!takes_rows_item(page.data(), page_size)) continue;
    }
    Change change(store_);
    uint8_t* page = change.page(block);
    if (!takes_rows_item(page, page_size)) continue;  // taken meanwhile
    const Id item = add_rows_item(page, page_size, block, owner, next, tid);
    change.commit();
    return item;
  }
  Change change(store_);
  PageRef fresh = change.new_page();
  if (fresh.block > kMaxBlock) throw IndexFull("hnsw index exceeds 2^24 pages");
  init_page(fresh.data, page_size, PageKind::kElements);
  const Id item = add_rows_item(fresh.data, page_size, fresh.block, owner, next, tid);
  change.commit();
  return item;
}

}  // namespace vectorx::hnsw
