// ivfflat, ivfpq and flat index builds (flat: one list, no k-means; its quantizer's ranges are
// what it trains).
//
// 1. sampling tuples: one heap scan keeps a uniform sample (reservoir) of at most
//    vectorx.build_sample_rows values (automatic: max(100 × lists, 10,000)), bounded by the
//    build memory (vectorx.build_memory, else maintenance_work_mem). The scan also counts
//    the rows, so vectorx.max_index_vectors is checked before anything is written.
// 2. performing k-means: centres from the sample (vectorx/ivf/training.h).
// 3. training codebooks (ivfpq): PQ codebooks from the sample or its residuals (entries.h).
// 4. loading tuples: a second heap scan collects values in batches; each batch's nearest
//    lists and entries are computed on threads (loader.h), then appended in heap order
//    without WAL; every page is WAL-logged once at the end.
// Phases 2-4 run on build_threads() threads. Helper threads run only core C++ and block signals;
// the backend's thread checks interrupts. The index does not depend on N.
// A table with fewer rows than lists gets as many lists as rows (at least one), with a NOTICE.
#include <algorithm>
#include <memory>

#include "vectorx/ivf/entries.h"
#include "vectorx/ivf/loader.h"
#include "vectorx/ivf/training.h"
#include "buffer_page_store.h"
#include "guard.h"
#include "index_values.h"
#include "ivf_am.h"
#include "settings.h"

namespace vectorx::pg::ivf {
namespace {

using vectorx::HeapTid;
using vectorx::ivf::BatchLoader;
using vectorx::ivf::Entries;
using vectorx::ivf::IvfIndex;
using vectorx::ivf::Reservoir;

constexpr uint64_t kSampleSeed = 0x1f5eed;

struct BuildState {
  Space space;
  MemoryContext tuple_context;
  Reservoir* sample = nullptr;
  BatchLoader* loader = nullptr;
};

// Calls f(value) for a non-null, indexable value of the right dimensions (ERROR otherwise).
template <class F>
void with_value(BuildState& st, Datum* values, bool* isnull, F f) {
  if (isnull[0]) return;
  const MemoryContext old = MemoryContextSwitchTo(st.tuple_context);
  const IndexValue v = index_value(values[0], st.space.kind());
  guarded([&] {
    check_index_dims(v, st.space);
    if (st.space.indexable(v.payload)) f(v);
  });
  MemoryContextSwitchTo(old);
  MemoryContextReset(st.tuple_context);
}

void sample_callback(Relation, ItemPointer, Datum* values, bool* isnull, bool, void* state) {
  auto* st = static_cast<BuildState*>(state);
  with_value(*st, values, isnull, [&](const IndexValue& v) { st->sample->offer(v.payload); });
}

void load_callback(Relation, ItemPointer tid, Datum* values, bool* isnull, bool, void* state) {
  auto* st = static_cast<BuildState*>(state);
  with_value(*st, values, isnull, [&](const IndexValue& v) {
    st->loader->add(v.payload, HeapTid{ItemPointerGetBlockNumberNoCheck(tid), ItemPointerGetOffsetNumberNoCheck(tid)});
  });
}

// Rows per load batch: vectorx.build_batch_rows, or fewer when a batch (values and entries)
// would take more than a tenth of the build memory.
size_t load_batch_rows(size_t value_bytes, size_t entry_bytes) {
  const size_t affordable = build_memory_bytes() / 10 / (value_bytes + entry_bytes);
  return std::max<size_t>(1, std::min(static_cast<size_t>(build_batch_rows()), affordable));
}

size_t sample_capacity(int lists, size_t value_bytes) {
  const size_t automatic = vectorx::ivf::automatic_sample_rows(static_cast<size_t>(lists));
  const size_t wanted = build_sample_rows() > 0 ? static_cast<size_t>(build_sample_rows()) : automatic;
  const size_t affordable = build_memory_bytes() / 2 / value_bytes;  // half: k-means copies
  return std::max<size_t>(1, std::min(wanted, affordable));
}

// What the entries are coded with, from the sample: ivfpq's PQ codebooks, flat's quantizer
// ranges (nothing for ivfflat).
std::vector<float> train_codebooks(const vectorx::ivf::EntrySpec& spec, const Space& space, const Reservoir& sample,
                                   const std::vector<uint8_t>& centres, unsigned threads,
                                   const std::function<void()>& check) {
  switch (spec.format) {
    case vectorx::ivf::EntryFormat::kCode8:
    case vectorx::ivf::EntryFormat::kCode4:
      return vectorx::ivf::train_codebooks(space, sample.values().data(), sample.size(), centres, spec.pq_m,
                                           spec.format == vectorx::ivf::EntryFormat::kCode8 ? 8 : 4, spec.residual,
                                           kSampleSeed, threads, check);
    case vectorx::ivf::EntryFormat::kBounded:
    case vectorx::ivf::EntryFormat::kBounded4:
      return vectorx::ivf::BoundedQuantizer::train(space, sample.values().data(), sample.size(),
                                                   vectorx::ivf::bounded_bits(spec.format));
    default:
      return {};
  }
}

IndexBuildResult* build(Method method, Relation heap, Relation index, IndexInfo* info) {
  if (RelationGetNumberOfBlocks(index) != 0)
    elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
  BuildState st{space_for_new_ivf_index(index, method),
                AllocSetContextCreate(CurrentMemoryContext, "ivf build tuple", ALLOCSET_DEFAULT_SIZES)};
  vectorx::ivf::EntrySpec spec = entry_spec(method, index, st.space);
  const int lists = index_lists(index, method);
  const unsigned threads = build_threads(heap, index);
  double heap_tuples = 0, indexed = 0;
  guarded([&] {
    const size_t bytes = vectorx::ivf::value_bytes(st.space);
    Reservoir sample(sample_capacity(lists, bytes), bytes, kSampleSeed);
    st.sample = &sample;
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseSample);
    pg_call([&] { table_index_build_scan(heap, index, info, true, true, sample_callback, &st, nullptr); });
    BufferPageStore store(index, MAIN_FORKNUM, BufferPageStore::Mode::kBulk);
    store.check_vector_quota(sample.seen());
    if (sample.seen() < static_cast<size_t>(lists) && method != Method::kFlat) {
      const size_t rows = sample.seen();
      pg_call([&] {
        ereport(NOTICE, (errmsg("%s index trained on %zu rows for %d lists", method_name(method), rows, lists),
                         errdetail("The index has %zu list(s); searches read a larger share of the table.",
                                   std::max<size_t>(rows, 1)),
                         errhint("Create the index after loading the data.")));
      });
    }
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseKMeans);
    const auto check = [&] { store.check_interrupts(); };
    const std::vector<uint8_t> centres = vectorx::ivf::train_centres(st.space, sample.values().data(), sample.size(),
                                                                     static_cast<size_t>(lists), kSampleSeed, threads, check);
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseCodebooks);
    spec.codebooks = train_codebooks(spec, st.space, sample, centres, threads, check);
    st.sample = nullptr;
    IvfIndex::create(store, st.space, centres, spec);
    IvfIndex ivf(store);
    const Entries entries(ivf);
    BatchLoader loader(ivf, entries, threads, load_batch_rows(bytes, entries.entry_bytes()), check);
    st.loader = &loader;
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseLoad);
    pg_call([&] { heap_tuples = table_index_build_scan(heap, index, info, true, true, load_callback, &st, nullptr); });
    st.loader = nullptr;
    loader.flush();
    indexed = static_cast<double>(loader.loaded());
    if (RelationNeedsWAL(index)) store.log_all_pages();
  });
  MemoryContextDelete(st.tuple_context);
  auto* result = static_cast<IndexBuildResult*>(palloc(sizeof(IndexBuildResult)));
  result->heap_tuples = heap_tuples;
  result->index_tuples = indexed;
  return result;
}

// The init fork of an UNLOGGED index: one empty list (and, for ivfpq, all-zero codebooks).
void build_empty(Method method, Relation index) {
  const vectorx::Space space = space_for_new_ivf_index(index, method);
  vectorx::ivf::EntrySpec spec = entry_spec(method, index, space);
  guarded([&] {
    const auto centres = vectorx::ivf::train_centres(space, nullptr, 0, 1, 0);
    const Reservoir nothing(1, vectorx::ivf::value_bytes(space), 0);
    spec.codebooks = train_codebooks(spec, space, nothing, centres, 1, {});
    BufferPageStore store(index, INIT_FORKNUM, BufferPageStore::Mode::kBulk);
    vectorx::ivf::IvfIndex::create(store, space, centres, spec);
    store.log_all_pages();  // init forks are always WAL-logged
  });
}

}  // namespace
}  // namespace vectorx::pg::ivf

using namespace vectorx::pg::ivf;

IndexBuildResult* ivfflat_build(Relation heap, Relation index, IndexInfo* info) {
  return build(Method::kIvfFlat, heap, index, info);
}
void ivfflat_build_empty(Relation index) { build_empty(Method::kIvfFlat, index); }
IndexBuildResult* ivfpq_build(Relation heap, Relation index, IndexInfo* info) {
  return build(Method::kIvfPq, heap, index, info);
}
void ivfpq_build_empty(Relation index) { build_empty(Method::kIvfPq, index); }
IndexBuildResult* flat_build(Relation heap, Relation index, IndexInfo* info) {
  return build(Method::kFlat, heap, index, info);
}
void flat_build_empty(Relation index) { build_empty(Method::kFlat, index); }
