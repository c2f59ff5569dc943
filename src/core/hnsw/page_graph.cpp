// PageGraph (page_graph.h): opening an index, creating an empty one, writing a built graph
// in bulk, and the element and tail writers an insert shares (page_graph_internal.h).
#include <cmath>
#include <stdexcept>

#include "vectorx/errors.h"
#include "page_graph_internal.h"

namespace vectorx::hnsw {

bool fits_one_item(size_t page_size, int m, int level, size_t length) {
  return element_size(m, level, length) <= max_item_size(page_size);
}

float stored_inverse_norm(const Space& space, const uint8_t* payload) {
  if (!space.cosine_by_dot()) return 0;
  const auto inverse = static_cast<float>(space.inverse_norm(payload));
  return std::isnormal(inverse) ? inverse : 0;
}

ElementRef init_element(uint8_t* page, size_t page_size, int item, int m, HeapTid tid, int level, size_t length,
                        Id tail, Id rows, float inverse_norm, const uint8_t* payload) {
  ElementRef e;
  // A damaged page (its item directory) may not hold the item it was given.
  if (!e.parse(page, page_size, item, m)) throw CorruptIndex("hnsw page has no room for a new element where it says");
  ElementHeader& h = e.mutable_header();
  h = ElementHeader{tid.block, tid.offset, static_cast<uint8_t>(level), 0, static_cast<uint32_t>(length), tail, rows,
                    inverse_norm};
  // Again: the value's offset depends on the level.
  if (!e.parse(page, page_size, item, m)) throw CorruptIndex("hnsw page has no room for a new element where it says");
  std::memcpy(const_cast<uint8_t*>(e.value()), payload, e.head_length());
  return e;
}

size_t fill_tail(TailRef& t, const uint8_t* bytes, size_t length) {
  const size_t n = std::min(t.capacity(), length);
  std::memcpy(t.mutable_bytes(), bytes, n);
  return n;
}

size_t init_tail(uint8_t* page, size_t page_size, int item, Id next, const uint8_t* bytes, size_t length) {
  size_t item_length;
  auto* h = reinterpret_cast<TailHeader*>(const_cast<uint8_t*>(find_item(page, page_size, item, &item_length)));
  h->flags = kTail;
  h->next = next;
  TailRef t;
  t.parse(page, page_size, item);
  return fill_tail(t, bytes, length);
}

EntryPoint<Id> entry_of(const Meta& meta) {
  // A search descends one level at a time from here: never from a level no element can have.
  if (meta.entry_level < -1 || meta.entry_level > kMaxLevel)
    throw CorruptIndex("hnsw entry point has level " + std::to_string(meta.entry_level));
  return {meta.entry, meta.entry_level};
}

namespace {

Meta make_meta(const Space& space, const Params& params) {
  Meta m{};
  m.magic = kMagic;
  m.version = kFormatVersion;
  m.element_kind = static_cast<uint8_t>(space.kind());
  m.metric = static_cast<uint8_t>(space.metric());
  m.m = static_cast<uint16_t>(params.m);
  m.ef_construction = static_cast<uint16_t>(params.ef_construction);
  m.dim = space.dim();
  m.entry = kInvalidId;
  m.entry_level = -1;
  m.insert_hint = 1;
  return m;
}

void write_meta_page(PageStore& store, const Meta& meta) {
  Change change(store);
  PageRef page = change.new_page();
  if (page.block != kMetaBlock) throw std::logic_error("hnsw meta page must be block 0");
  init_page(page.data, store.page_size(), PageKind::kMeta);
  *meta_of(page.data) = meta;
  change.commit();
}

// Where a bulk build puts each item (page_format.h): elements in node order, packed as a
// stream; a split value's tails start the following pages; an element's further rows follow
// it (and its tails) in rows items filling what room there is.
class StreamLayout {
 public:
  enum class Kind : uint8_t { kElement, kTail, kRows };
  struct Item {
    Id id;
    uint32_t node;
    uint32_t size;
    Kind kind;
  };

  StreamLayout(size_t page_size, int m) : page_size_(page_size), m_(m), page_(page_size) { new_page(); }

  void place(uint32_t node, int level, size_t length, size_t more_rows) {
    const size_t fixed = element_size(m_, level, 0), whole = element_size(m_, level, length);
    const size_t room = largest_item(page_.data(), page_size_);
    const bool split_here = whole > split_above(page_size_) && room >= fixed + kMinHead;
    if (whole > room && !split_here) new_page();
    const size_t head = std::min(whole, largest_item(page_.data(), page_size_));
    add(node, head, Kind::kElement);
    for (size_t rest = length - std::min(length, head - fixed); rest > 0;) {
      new_page();
      const size_t size = std::min((sizeof(TailHeader) + rest + 3) & ~size_t{3}, largest_item(page_.data(), page_size_));
      add(node, size, Kind::kTail);
      rest -= std::min(rest, size - sizeof(TailHeader));
    }
    while (more_rows > 0) {
      const size_t room_now = largest_item(page_.data(), page_size_);
      if (room_now < rows_item_size(1)) {
        new_page();
        continue;
      }
      const size_t rows = std::min({more_rows, kMaxRowsPerItem, (room_now - sizeof(RowsHeader)) / sizeof(HeapTid)});
      add(node, rows_item_size(rows), Kind::kRows);
      more_rows -= rows;
    }
  }
  const std::vector<Item>& items() const { return items_; }
  uint32_t last_block() const { return block_; }

 private:
  void new_page() {
    init_page(page_.data(), page_size_, PageKind::kElements);
    ++block_;
  }
  void add(uint32_t node, size_t size, Kind kind) {
    items_.push_back({make_id(block_, add_item(page_.data(), size)), node, static_cast<uint32_t>(size), kind});
  }

  size_t page_size_;
  int m_;
  std::vector<uint8_t> page_;
  uint32_t block_ = 0;
  std::vector<Item> items_;
};

// The id of the first item of `kind` that follows items[i] for the same node; kInvalidId when none does.
Id next_of_node(const std::vector<StreamLayout::Item>& items, size_t i, StreamLayout::Kind kind) {
  for (size_t j = i + 1; j < items.size() && items[j].node == items[i].node; ++j)
    if (items[j].kind == kind) return items[j].id;
  return kInvalidId;
}

}  // namespace

void PageGraph::create(PageStore& store, const Space& space, const Params& params) {
  write_meta_page(store, make_meta(space, params));
}

void PageGraph::write(PageStore& store, const MemoryGraph& graph, const GraphRows& rows) {
  const size_t n = graph.size(), page_size = store.page_size();
  const int m = graph.params().m;
  Meta meta = make_meta(graph.space(), graph.params());
  StreamLayout layout(page_size, m);
  // rows.more is sorted by node: node i's further rows are more[more_begin[i] .. more_begin[i + 1]).
  std::vector<size_t> more_begin(n + 1, 0);
  for (const auto& [node, tid] : rows.more) ++more_begin[node + 1];
  for (size_t i = 0; i < n; ++i) more_begin[i + 1] += more_begin[i];
  for (size_t i = 0; i < n; ++i) {
    const auto node = static_cast<Id>(i);
    layout.place(node, graph.level(node), graph.payload_length(node), more_begin[i + 1] - more_begin[i]);
  }
  if (layout.last_block() > kMaxBlock) throw IndexFull("hnsw index would exceed 2^24 pages");
  const std::vector<StreamLayout::Item>& items = layout.items();
  std::vector<Id> ids(n);
  for (const auto& it : items)
    if (it.kind == StreamLayout::Kind::kElement) ids[it.node] = it.id;
  if (n) {
    const auto ep = graph.entry_point();
    meta.entry = ids[ep.id];
    meta.entry_level = ep.level;
    meta.insert_hint = layout.last_block();
    meta.vectors = n;
  }
  write_meta_page(store, meta);
  size_t value_done = 0;  // bytes of the current node's value written so far
  size_t more_done = 0;   // rows.more written so far
  for (size_t i = 0; i < items.size();) {
    store.check_interrupts();
    Change change(store);
    PageRef page = change.new_page();
    if (page.block != id_block(items[i].id)) throw std::logic_error("hnsw bulk write: pages out of order");
    init_page(page.data, page_size, PageKind::kElements);
    for (; i < items.size() && id_block(items[i].id) == page.block; ++i) {
      const StreamLayout::Item& it = items[i];
      const int item = add_item(page.data, it.size);
      const uint8_t* value = graph.payload(it.node);
      const size_t len = graph.payload_length(it.node);
      if (it.kind == StreamLayout::Kind::kRows) {
        RowsRef r;
        r.format(page.data, page_size, item, ids[it.node], next_of_node(items, i, StreamLayout::Kind::kRows));
        while (more_done < rows.more.size() && rows.more[more_done].first == it.node && r.add(rows.more[more_done].second))
          ++more_done;
        continue;
      }
      const Id next = i + 1 < items.size() && items[i + 1].kind == StreamLayout::Kind::kTail ? items[i + 1].id : kInvalidId;
      if (it.kind == StreamLayout::Kind::kTail) {
        value_done += init_tail(page.data, page_size, item, next, value + value_done, len - value_done);
        continue;
      }
      ElementRef e = init_element(page.data, page_size, item, m, rows.first[it.node], graph.level(it.node), len, next,
                                  next_of_node(items, i, StreamLayout::Kind::kRows),
                                  stored_inverse_norm(graph.space(), value), value);
      value_done = e.head_length();
      for (int l = 0; l <= graph.level(it.node); ++l) {
        std::vector<Id> list = graph.neighbors(it.node, l);
        for (Id& x : list) x = ids[x];
        e.set_list(l, list.data(), list.size());
      }
    }
    change.commit();
  }
}

PageGraph::PageGraph(PageStore& store) : store_(store), space_(ElementKind::kFloat32, Metric::kL2, 1) {
  const Meta meta = read_meta();
  if (meta.magic != kMagic || meta.version != kFormatVersion)
    throw CorruptIndex("not an hnsw index of this vectorx version (bad meta page)");
  const auto kind = static_cast<ElementKind>(meta.element_kind);
  const auto metric = static_cast<Metric>(meta.metric);
  if (!Space::valid(kind, metric) || meta.m < 2 || meta.m > 100 || meta.dim < 1 || meta.dim > Space::max_index_dim(kind))
    throw CorruptIndex("corrupt hnsw meta page");
  // Every element's lists (at the highest level, with no value in its head) fit one page item:
  // inserts and repairs place them on fresh pages without looking.
  if (!fits_one_item(store.page_size(), meta.m, kMaxLevel, 0))
    throw CorruptIndex("hnsw meta page names m = " + std::to_string(meta.m) + ", too large for the page size");
  space_ = Space(kind, metric, meta.dim);
  params_ = Params{meta.m, meta.ef_construction};
}

bool PageGraph::has_block(uint32_t block) {
  known_blocks_ = store_.known_blocks_through(block, known_blocks_);
  return block < known_blocks_;
}

Meta PageGraph::read_meta() {
  if (!has_block(kMetaBlock)) throw CorruptIndex("hnsw index has no meta page");
  ReadPage page(store_, kMetaBlock);
  if (page_header(page.data())->kind != static_cast<uint16_t>(PageKind::kMeta))
    throw CorruptIndex("block 0 of the hnsw index is not a meta page");
  return *meta_of(page.data());
}


EntryPoint<Id> PageGraph::entry_point() { return entry_of(read_meta()); }

uint64_t PageGraph::vectors() { return read_meta().vectors; }

void PageGraph::check_value(const uint8_t* payload, size_t length) const {
  if (length == 0 || space_.payload_size(payload, length) != length)
    throw CorruptIndex("hnsw meta page does not describe the indexed values (element kind or dimensions)");
}

void PageGraph::set_entry(EntryPoint<Id> ep) {
  Change change(store_);
  Meta* meta = meta_of(change.page(kMetaBlock));
  meta->entry = ep.id;
  meta->entry_level = ep.level;
  change.commit();
}

}  // namespace vectorx::hnsw
