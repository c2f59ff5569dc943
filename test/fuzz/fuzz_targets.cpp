// The fuzz targets (fuzz_targets.h).
#include "fuzz_targets.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "vectorx/binary_codec.h"
#include "vectorx/errors.h"
#include "vectorx/hnsw/page_graph.h"
#include "vectorx/hnsw/stats.h"
#include "vectorx/hnsw/check.h"
#include "vectorx/ivf/bound_order.h"
#include "vectorx/ivf/candidates.h"
#include "vectorx/ivf/check.h"
#include "vectorx/ivf/entries.h"
#include "vectorx/ivf/training.h"
#include "vectorx/limits.h"
#include "vectorx/text_codec.h"

namespace vectorx::fuzz {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Stops the process the way a crash would, so both drivers report the input.
[[noreturn]] void bug(const char* what) {
  std::fprintf(stderr, "fuzz target found a bug: %s\n", what);
  std::abort();
}

// ---- text forms: parse; what parses prints and parses back to the same bits ----

void dense_text(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.find('\0') != std::string_view::npos) return;  // Postgres text never holds NUL
  const size_t capacity = std::min<size_t>(text_element_bound(text), kMaxDim + 1);
  std::vector<float> values(capacity);
  size_t n = 0;
  try {
    n = parse_dense_text(text, "vector", values.data(), capacity);
  } catch (const InputError&) {
    return;
  }
  std::string printed(dense_text_capacity(n), '\0');
  printed.resize(format_dense(values.data(), n, printed.data()));
  std::vector<float> again(n);
  if (parse_dense_text(printed, "vector", again.data(), n) != n ||
      std::memcmp(again.data(), values.data(), n * sizeof(float)) != 0)
    bug("dense text does not read back to the same value");
}

void sparse_text(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.find('\0') != std::string_view::npos) return;
  const size_t capacity = std::min<size_t>(text_element_bound(text), kSparseMaxNnz + 1);
  std::vector<SparseElement> elements(capacity);
  SparseHeader h{};
  try {
    h = parse_sparse_text(text, elements.data(), capacity);
  } catch (const InputError&) {
    return;
  }
  std::vector<int32_t> indices(h.nnz);
  std::vector<float> values(h.nnz);
  for (size_t i = 0; i < h.nnz; ++i) {
    if (elements[i].value == 0) bug("sparse text kept a zero");
    indices[i] = elements[i].index;
    values[i] = elements[i].value;
  }
  std::string printed(sparse_text_capacity(h.nnz), '\0');
  printed.resize(format_sparse(h.dim, indices.data(), values.data(), h.nnz, printed.data()));
  std::vector<SparseElement> again(std::max<size_t>(h.nnz, 1));
  const SparseHeader h2 = parse_sparse_text(printed, again.data(), again.size());
  if (h2.dim != h.dim || h2.nnz != h.nnz) bug("sparse text does not read back to the same shape");
  for (size_t i = 0; i < h.nnz; ++i)
    if (again[i].index != indices[i] || std::memcmp(&again[i].value, &values[i], sizeof(float)) != 0)
      bug("sparse text does not read back to the same value");
}

// ---- binary forms: the first byte picks the column's typmod (0: none) ----

int32_t typmod_of(uint8_t b) { return b == 0 ? -1 : b; }

void dense_binary(const uint8_t* data, size_t size) {
  if (size < 2) return;
  const bool half = data[0] & 1;
  WireReader in(data + 2, size - 2);
  try {
    const int dim = read_dense_header(in, half ? "halfvec" : "vector", typmod_of(data[1]));
    if (dim < 1 || dim > kMaxDim) bug("dense header accepted an impossible dimension count");
    if (half) {
      std::vector<half_bits> values(static_cast<size_t>(dim));
      read_dense_values(in, values.data(), dim);
    } else {
      std::vector<float> values(static_cast<size_t>(dim));
      read_dense_values(in, values.data(), dim);
      for (float v : values)
        if (!std::isfinite(v)) bug("dense binary accepted a non-finite value");
    }
  } catch (const InputError&) {
  }
}

void sparse_binary(const uint8_t* data, size_t size) {
  if (size < 1) return;
  WireReader in(data + 1, size - 1);
  try {
    const SparseWireHeader h = read_sparse_header(in, typmod_of(data[0]));
    if (h.nnz < 0 || h.nnz > kSparseMaxNnz || h.nnz > h.dim) bug("sparse header accepted an impossible count");
    std::vector<int32_t> indices(static_cast<size_t>(h.nnz));
    std::vector<float> values(static_cast<size_t>(h.nnz));
    read_sparse_elements(in, h, indices.data(), values.data());
    for (int32_t i = 0; i < h.nnz; ++i)
      if (indices[i] < 0 || indices[i] >= h.dim || (i > 0 && indices[i] <= indices[i - 1]) || values[i] == 0)
        bug("sparse binary accepted a value that breaks the type's rules");
  } catch (const InputError&) {
  }
}

// ---- index pages: a small healthy index, damaged by the input, then used every way ----

constexpr size_t kDim = 8;
constexpr size_t kRows = 300;

const std::vector<float>& rows() {
  static const std::vector<float> out = [] {
    std::vector<float> values(kRows * kDim);
    uint32_t x = 12345;
    for (float& v : values) {
      x = x * 1664525u + 1013904223u;
      v = static_cast<float>(static_cast<int>(x >> 8) % 2000 - 1000) / 250.0f;
    }
    return values;
  }();
  return out;
}

const uint8_t* payload(const std::vector<float>& data, size_t row) {
  return reinterpret_cast<const uint8_t*>(data.data() + row * kDim);
}

HeapTid tid_of(size_t row) { return {static_cast<uint32_t>(row / 100), static_cast<uint16_t>(row % 100 + 1)}; }

// The hnsw index the damage targets read and write: 2 kB pages (the code is page-size generic)
// so that 110 elements, a fifth of a run's cost at 8 kB, still span several pages and levels.
constexpr size_t kHnswPageSize = 1024;
constexpr size_t kHnswRows = 60;

const MemoryPageStore& healthy_hnsw() {
  static const MemoryPageStore store = [] {
    MemoryPageStore s(kHnswPageSize);
    // Cosine: its elements keep inverse norms and its scans recompute exact distances, on top
    // of everything L2 reads.
    const Space space(ElementKind::kFloat32, Metric::kCosine, kDim);
    hnsw::PageGraph::create(s, space, {4, 16});
    hnsw::PageGraph graph(s);
    const auto& data = rows();
    for (size_t i = 0; i < kHnswRows; ++i) graph.insert(payload(data, i), kDim * sizeof(float), tid_of(i), static_cast<int>(i % 7 == 0) + static_cast<int>(i % 49 == 0), true);
    // Identical values: their rows join the first ten elements' rows items.
    for (size_t k = 0; k < 6; ++k) graph.insert(payload(data, k), kDim * sizeof(float), tid_of(kHnswRows + 1 + k), 0, true);
    return s;
  }();
  return store;
}

// A small IVF index of each entry format: ivfflat values, ivfpq 4-bit PQ and 4-bit scalar codes
// (4 lists each), flat's bounded codes (one list).
const MemoryPageStore& healthy_ivf(ivf::EntryFormat format) {
  auto build = [](ivf::EntryFormat f) {
    MemoryPageStore s;
    const Space space(ElementKind::kFloat32, Metric::kL2, kDim);
    const auto& data = rows();
    const int bits = ivf::bounded_bits(f);
    const auto centres = ivf::train_centres(space, payload(data, 0), kRows, f == ivf::EntryFormat::kBounded ? 1 : 4, 1);
    ivf::EntrySpec spec;
    spec.format = f;
    if (f == ivf::EntryFormat::kCode4) {
      spec.pq_m = 4;
      spec.residual = true;
      spec.codebooks = ivf::train_codebooks(space, payload(data, 0), kRows, centres, 4, 4, true, 1);
    }
    if (bits != 0) spec.codebooks = ivf::BoundedQuantizer::train(space, payload(data, 0), kRows, bits);
    ivf::IvfIndex::create(s, space, centres, spec);
    ivf::IvfIndex index(s);
    ivf::Entries entries(index);
    for (size_t i = 0; i < kRows; ++i) {
      const uint32_t list = index.nearest_list(payload(data, i));
      index.insert(list, entries.encode(payload(data, i), list), tid_of(i));
    }
    return s;
  };
  static const MemoryPageStore flat = build(ivf::EntryFormat::kValue), quantized = build(ivf::EntryFormat::kCode4),
                               bounded = build(ivf::EntryFormat::kBounded),
                               scalar4 = build(ivf::EntryFormat::kBounded4);
  switch (format) {
    case ivf::EntryFormat::kValue:
      return flat;
    case ivf::EntryFormat::kCode4:
      return quantized;
    case ivf::EntryFormat::kBounded4:
      return scalar4;
    default:
      return bounded;
  }
}

// The input as damage: records of (block, offset, length, bytes...) written over the pages.
void damage(MemoryPageStore& store, const uint8_t* data, size_t size) {
  size_t at = 0;
  while (at + 4 <= size) {
    const uint32_t block = data[at] % store.block_count();
    const size_t offset = ((size_t{data[at + 1]} << 8) | data[at + 2]) % store.page_size();
    const size_t length = std::min<size_t>({data[at + 3], size - at - 4, store.page_size() - offset});
    std::memcpy(store.raw(block) + offset, data + at + 4, length);
    at += 4 + length;
  }
}

template <class F>
void expecting_corruption(F f) {
  try {
    f();
  } catch (const CorruptIndex&) {
  } catch (const InputError&) {
  } catch (const IndexFull&) {
  }
}

// Reading a damaged hnsw index: the check, statistics and a search.
void hnsw_read(const uint8_t* data, size_t size) {
  MemoryPageStore store = healthy_hnsw();
  damage(store, data, size);
  const bool healthy = size < 4;  // no damage record: everything must work
  if (!check_hnsw(store).problems.empty() && healthy) bug("a healthy hnsw index fails its check");
  const auto& values = rows();
  expecting_corruption([&] {
    hnsw::PageGraph graph(store);
    hnsw::graph_stats(graph);
    hnsw::PageGraph::Scan::Limits limits;
    limits.ef = 10;
    limits.max_visited = 2000;
    hnsw::PageGraph::Scan scan(graph, payload(values, 3), kDim * sizeof(float), limits);
    std::vector<Result> out;
    for (int batch = 0; batch < 3 && scan.next_batch(out); ++batch) {
    }
    if (healthy && out.size() < 10) bug("a healthy hnsw index returns too few rows");
  });
}

// Writing into a damaged hnsw index: an insert, and (one input in eight, it costs most) VACUUM.
void hnsw_write(const uint8_t* data, size_t size) {
  MemoryPageStore store = healthy_hnsw();
  damage(store, data, size);
  const auto& values = rows();
  expecting_corruption([&] {
    hnsw::PageGraph graph(store);
    graph.insert(payload(values, 5), kDim * sizeof(float), tid_of(kHnswRows), 1, true);
  });
  if (size < 4 || data[0] % 8 != 0) return;
  expecting_corruption([&] {
    hnsw::PageGraph graph(store);
    hnsw::PageGraph::Vacuum vacuum(graph);
    // One dead element: its neighbours' lists are repaired, each by a search (the cost).
    vacuum.mark_dead([](HeapTid tid) { return tid.block == 0 && tid.offset == 23; });
    vacuum.repair();
    vacuum.release();
    vacuum.reconnect(1 << 20);
  });
}

// Every entry of an IVF index: lists in order of distance (ivfflat, ivfpq), or the bound order
// of an exact scan, in windows small enough for several passes (flat).
size_t read_every_entry(ivf::IvfIndex& index, ivf::Entries& entries, const uint8_t* query) {
  if (static_cast<ivf::EntryFormat>(index.meta().entry_format) != ivf::EntryFormat::kBounded) {
    ivf::IvfIndex::Scan scan(index, query, entries.scorer(query), 2, 4);
    ivf::CandidateCursor cursor = ivf::scan_candidates(scan, 8);
    size_t n = 0;
    while (cursor.next()) ++n;
    return n;
  }
  auto scorer = entries.scorer(query);
  ivf::BoundOrder order(
      [&](const ivf::BoundOrder::Sink& sink) {
        for (uint32_t l = 0; l < index.lists(); ++l) index.score_list(l, 0, *scorer, sink);
      },
      64);
  size_t n = 0;
  for (Result r{}; order.next(r);) ++n;
  return n;
}

void ivf_pages(const uint8_t* data, size_t size, ivf::EntryFormat format) {
  MemoryPageStore store = healthy_ivf(format);
  damage(store, data, size);
  const bool healthy = size < 4;
  if (!check_ivf(store).problems.empty() && healthy) bug("a healthy IVF index fails its check");
  const auto& values = rows();
  expecting_corruption([&] {
    ivf::IvfIndex index(store);
    ivf::Entries entries(index);
    index.list_stats();
    if (read_every_entry(index, entries, payload(values, 7)) != kRows && healthy)
      bug("a healthy IVF index does not return every row of every list");
    const uint32_t list = index.nearest_list(payload(values, 9));
    index.insert(list, entries.encode(payload(values, 9), list), tid_of(kRows));
    index.remove_dead([](HeapTid tid) { return tid.offset % 3 == 0; });
  });
}

void ivfflat_pages(const uint8_t* data, size_t size) { ivf_pages(data, size, ivf::EntryFormat::kValue); }
void ivfpq_pages(const uint8_t* data, size_t size) { ivf_pages(data, size, ivf::EntryFormat::kCode4); }
void flat_pages(const uint8_t* data, size_t size) { ivf_pages(data, size, ivf::EntryFormat::kBounded); }
void ivfpq_scalar4_pages(const uint8_t* data, size_t size) { ivf_pages(data, size, ivf::EntryFormat::kBounded4); }

// ---- one page as input: the page decoders alone, fast enough for tens of millions of runs ----

// `store` with block `block` replaced by the input (cut or zero-padded to a page).
MemoryPageStore with_page(const MemoryPageStore& healthy, uint32_t block, const uint8_t* data, size_t size) {
  MemoryPageStore store = healthy;
  uint8_t* page = store.raw(block);
  std::memset(page, 0, store.page_size());
  std::memcpy(page, data, std::min(size, store.page_size()));
  return store;
}

Bytes page_bytes(const MemoryPageStore& store, uint32_t block) {
  MemoryPageStore copy = store;
  return Bytes(copy.raw(block), copy.raw(block) + copy.page_size());
}

// An hnsw element page: items, element headers, lists, value tails. The index is the meta page
// and this page alone, so every run parses just the input (links elsewhere lead past the end).
void hnsw_page(const uint8_t* data, size_t size) {
  const MemoryPageStore& healthy = healthy_hnsw();
  MemoryPageStore store(healthy.page_size());
  {  // its meta page (a copy of the whole index cost 4x the run)
    Change change(store);
    std::memcpy(change.new_page().data, healthy.raw(0), store.page_size());
    uint8_t* page = change.new_page().data;
    std::memset(page, 0, store.page_size());
    std::memcpy(page, data, std::min(size, store.page_size()));
    change.commit();
  }
  check_hnsw(store);
  const auto& values = rows();
  expecting_corruption([&] {
    hnsw::PageGraph graph(store);
    hnsw::PageGraph::Scan scan(graph, payload(values, 3), kDim * sizeof(float), {});
    std::vector<Result> out;
    scan.next_batch(out);
  });
}

// An IVF data page: items and entries (the first page of list 0).
void ivf_page(const uint8_t* data, size_t size) {
  const MemoryPageStore& healthy = healthy_ivf(ivf::EntryFormat::kValue);
  MemoryPageStore probe = healthy;
  const uint32_t block = 1 + ivf::IvfIndex(probe).meta().directory_pages;
  MemoryPageStore store = with_page(healthy, block, data, size);
  check_ivf(store);
  expecting_corruption([&] { ivf::IvfIndex(store).list_stats(); });
}

// A codebook page, read as a scan loads it: as ivfpq's PQ codebooks and as flat's quantizer.
void codebook_page(const uint8_t* data, size_t size) {
  const auto& values = rows();
  for (ivf::EntryFormat format : {ivf::EntryFormat::kCode4, ivf::EntryFormat::kBounded}) {
    const MemoryPageStore& healthy = healthy_ivf(format);
    MemoryPageStore probe = healthy;
    const ivf::Meta meta = ivf::IvfIndex(probe).meta();
    MemoryPageStore store = with_page(healthy, 1 + meta.directory_pages, data, size);
    check_ivf(store);
    expecting_corruption([&] {
      ivf::IvfIndex index(store);
      ivf::Entries entries(index);
      std::vector<double> keys(8);
      auto scorer = entries.scorer(payload(values, 1));
      scorer->start_list(0, 0);
      scorer->score(index.layout().area(store.raw(1 + meta.directory_pages + meta.codebook_pages)), 1, keys.data());
      entries.encode(payload(values, 1), 0);
    });
  }
}

std::vector<Bytes> hnsw_page_seeds() { return {page_bytes(healthy_hnsw(), 1)}; }

std::vector<Bytes> ivf_page_seeds() {
  MemoryPageStore probe = healthy_ivf(ivf::EntryFormat::kValue);
  return {page_bytes(probe, 1 + ivf::IvfIndex(probe).meta().directory_pages)};
}

std::vector<Bytes> codebook_page_seeds() {
  MemoryPageStore probe = healthy_ivf(ivf::EntryFormat::kCode4);
  return {page_bytes(probe, 1 + ivf::IvfIndex(probe).meta().directory_pages)};
}

// ---- seeds ----

std::vector<Bytes> dense_text_seeds() {
  return {bytes_of("[1,2.5,-3e-07]"), bytes_of(" [ 1e+38 , -0 , 1e-46 ] "), bytes_of("[]"), bytes_of("[1,2")};
}

std::vector<Bytes> sparse_text_seeds() {
  return {bytes_of("{1:1.5,3:-2}/5"), bytes_of("{}/3"), bytes_of(" { 3:2 , 1:0 } / 4 "), bytes_of("{1:1}/1000000000")};
}

std::vector<Bytes> dense_binary_seeds() {
  return {{0, 0, 0, 2, 0, 0, 0x3f, 0x80, 0, 0, 0x40, 0, 0, 0}, {1, 3, 0, 3, 0, 0, 0x3c, 0, 0x40, 0, 0xc2, 0}};
}

std::vector<Bytes> sparse_binary_seeds() {
  return {{0, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 3, 0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0}};
}

std::vector<Bytes> page_damage_seeds() {
  return {{}, {1, 0, 24, 4, 0xff, 0xff, 0xff, 0xff}, {2, 0, 100, 2, 0, 0}, {0, 0, 16, 8, 1, 2, 3, 4, 5, 6, 7, 8},
          // found by libFuzzer: inserts into a damaged item directory and a damaged free-space pointer
          {0xfe, 0, 2, 2, 0x30, 0}, {0xfe, 0, 6, 0xfe, 0xcf, 0xff},
          // m = 91 on the meta page of 1 kB pages: an insert wrote lists larger than a fresh page
          {0xf8, 0x10, 0x1a, 0xff, 0x5b},
          // a free item whose value tail id lies past the last page: an insert reusing it wrote there
          {0x60, 0x00, 0x17, 0x02, 0x00, 0x02, 0x01, 0x00, 0x60, 0x00, 0x17, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x29, 0xff, 0x60, 0x00, 0x02, 0x02, 0x02, 0x07, 0x02, 0x00, 0x00, 0x04, 0x05, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x02, 0x02, 0x02, 0x07, 0x02, 0x00, 0x00, 0x04, 0x05, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x05, 0x04, 0x01, 0x01, 0x02, 0x6e, 0x6e, 0x00, 0x05, 0x04, 0x01, 0x01, 0x02, 0x6e, 0x6e, 0x52, 0xfc, 0xff, 0xff, 0x02, 0x00, 0x02, 0x00, 0x02, 0x3f, 0x01, 0x00, 0x05, 0x09, 0x00},
          // a meta page naming sparse values: the float query was read as a sparse one
          {0x60, 0x00, 0x17, 0x02, 0x00, 0x03, 0xd0, 0x00, 0x40, 0x06, 0x01, 0x00, 0x00, 0x04, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x7e, 0x55, 0x55, 0x08, 0x01, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x04, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x7e, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7e, 0x7e},
          // an invalid id among an insert's candidates: its distance read the empty value cache
          {0x9a, 0x57, 0x86, 0x01, 0xbc, 0xc1, 0x67, 0x98, 0x40, 0x00, 0x98, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00},
          // a neighbour id past a 1 kB page's directory: a search's prefetch read beyond the page
          {0xfa, 0x81, 0xa2, 0xdb, 0x00, 0x00, 0x00, 0xfe, 0x3a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x00, 0xff, 0x00, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x2a, 0x00}};
}

}  // namespace

const std::vector<Target>& targets() {
  static const std::vector<Target> all = {
      {"dense_text", dense_text, dense_text_seeds, 20000},
      {"sparse_text", sparse_text, sparse_text_seeds, 20000},
      {"dense_binary", dense_binary, dense_binary_seeds, 20000},
      {"sparse_binary", sparse_binary, sparse_binary_seeds, 20000},
      {"hnsw_page", hnsw_page, hnsw_page_seeds, 2000},
      {"ivf_page", ivf_page, ivf_page_seeds, 2000},
      {"codebook_page", codebook_page, codebook_page_seeds, 2000},
      {"hnsw_read", hnsw_read, page_damage_seeds, 400},
      {"hnsw_write", hnsw_write, page_damage_seeds, 400},
      {"ivfflat_pages", ivfflat_pages, page_damage_seeds, 400},
      {"ivfpq_pages", ivfpq_pages, page_damage_seeds, 400},
      {"flat_pages", flat_pages, page_damage_seeds, 400},
      {"ivfpq_scalar4_pages", ivfpq_scalar4_pages, page_damage_seeds, 400},
  };
  return all;
}

const Target* find_target(const char* name) {
  for (const Target& t : targets())
    if (std::strcmp(t.name, name) == 0) return &t;
  return nullptr;
}

}  // namespace vectorx::fuzz
