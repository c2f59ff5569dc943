// hnsw index build.
//
// 1. loading tuples: the heap scan collects payloads, heap TIDs and levels in memory.
// 2. building graph: MemoryGraph links them on build_threads() threads; threads run only core
//    C++ and block signals, and the backend's thread reports progress and checks interrupts.
// 3. writing pages: PageGraph::write lays the graph out without WAL; every page is WAL-logged
//    once at the end.
// When the collected tuples would exceed the build memory (vectorx.build_memory, else
// maintenance_work_mem), a NOTICE says so, the graph so far is built and written, and the
// remaining tuples are inserted one by one on disk. vectorx.max_index_vectors is checked as
// tuples are collected, before anything is written.
#include <algorithm>
#include <memory>
#include <random>
#include <vector>

#include "vectorx/hnsw/page_graph.h"
#include "buffer_page_store.h"
#include "guard.h"
#include "hnsw_am.h"
#include "index_values.h"
#include "settings.h"

namespace vectorx::pg::hnsw {
namespace {

using vectorx::HeapTid;
using vectorx::hnsw::MemoryGraph;
using vectorx::hnsw::PageGraph;
using vectorx::hnsw::Payloads;

struct BuildState {
  Relation index;
  Space space;
  vectorx::hnsw::Params params;
  BufferPageStore* store;
  unsigned threads;
  size_t budget_bytes;
  Payloads values;
  vectorx::hnsw::GraphRows rows;
  vectorx::hnsw::IdenticalValues identical;
  std::vector<int> levels;
  size_t used_bytes = 0;
  std::mt19937_64 rng{0x5eed};  // levels are reproducible build to build
  std::unique_ptr<PageGraph> on_disk;
  double indexed = 0;
  MemoryContext tuple_context;
};

HeapTid heap_tid(ItemPointer tid) {
  return {ItemPointerGetBlockNumberNoCheck(tid), ItemPointerGetOffsetNumberNoCheck(tid)};
}

// Links the collected tuples on threads and writes them as pages.
void build_and_write(BuildState& st) {
  pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseGraph);
  pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, static_cast<int64>(st.levels.size()));
  MemoryGraph graph(st.space, st.params);
  graph.build(std::move(st.values), st.levels, st.threads, [&](size_t done) {
    st.store->check_interrupts();
    pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, static_cast<int64>(done));
  });
  pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseWrite);
  std::stable_sort(st.rows.more.begin(), st.rows.more.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  PageGraph::write(*st.store, graph, st.rows);
  st.values = Payloads();
  st.rows = {};
  st.identical = {};
  st.levels = {};
  st.used_bytes = 0;
}

void switch_to_disk(BuildState& st) {
  const size_t collected = st.levels.size();
  pg_call([&] {
    // pgvector's words, so clients watching for them still see them.
    ereport(NOTICE, (errmsg("hnsw graph no longer fits into %s after %zu tuples", build_memory_setting(), collected),
                     errdetail("Building will take significantly more time."),
                     errhint("Increase %s to speed up builds.", build_memory_setting())));
  });
  build_and_write(st);
  st.on_disk = std::make_unique<PageGraph>(*st.store);
  pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseLoad);
}

void add_tuple(BuildState& st, const IndexValue& v, HeapTid tid) {
  check_index_dims(v, st.space);
  if (!st.space.indexable(v.payload)) return;
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(st.rng);
  const int level = vectorx::hnsw::random_level(1.0 - u, st.params.m);
  st.indexed += 1;
  if (!st.on_disk) {
    const int64_t same = st.identical.find_or_expect(st.values, v.payload, v.length);
    if (same >= 0 && st.used_bytes + sizeof(st.rows.more[0]) <= st.budget_bytes) {
      st.rows.more.emplace_back(static_cast<uint32_t>(same), tid);  // a row of a value stored already
      st.used_bytes += sizeof(st.rows.more[0]);
      return;
    }
    st.store->check_vector_quota(st.levels.size() + 1);  // before anything is written
    const size_t need = v.length + MemoryGraph::node_overhead(st.params, st.space) + sizeof(HeapTid) + sizeof(int) +
                        vectorx::hnsw::IdenticalValues::kBytesPerValue +
                        st.threads * sizeof(uint32_t);  // each thread's visited marks
    if (same < 0 && st.used_bytes + need <= st.budget_bytes) {
      st.values.append(v.payload, v.length);
      st.rows.first.push_back(tid);
      st.levels.push_back(level);
      st.used_bytes += need;
      return;
    }
    switch_to_disk(st);
  }
  st.on_disk->insert(v.payload, v.length, tid, level, true);
}

void build_callback(Relation, ItemPointer tid, Datum* values, bool* isnull, bool, void* state) {
  auto* st = static_cast<BuildState*>(state);
  if (isnull[0]) return;
  const MemoryContext old = MemoryContextSwitchTo(st->tuple_context);
  const IndexValue v = index_value(values[0], st->space.kind());
  guarded([&] { add_tuple(*st, v, heap_tid(tid)); });
  MemoryContextSwitchTo(old);
  MemoryContextReset(st->tuple_context);
}

}  // namespace
}  // namespace vectorx::pg::hnsw

using namespace vectorx::pg;
using namespace vectorx::pg::hnsw;

IndexBuildResult* hnsw_build(Relation heap, Relation index, IndexInfo* info) {
  if (RelationGetNumberOfBlocks(index) != 0)
    elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
  const vectorx::Space space = space_for_new_index(index);
  const vectorx::hnsw::Params params = build_params(index);
  const unsigned threads = build_threads(heap, index);
  const MemoryContext tuple_context = AllocSetContextCreate(CurrentMemoryContext, "hnsw build tuple", ALLOCSET_DEFAULT_SIZES);
  double heap_tuples = 0, indexed = 0;
  guarded([&] {
    BufferPageStore store(index, MAIN_FORKNUM, BufferPageStore::Mode::kBulk);
    BuildState st{index, space, params, &store, threads,
                  build_memory_bytes(), {}, {}, {}, {}, 0, std::mt19937_64(0x5eed), nullptr, 0,
                  tuple_context};
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, kPhaseLoad);
    pg_call([&] { heap_tuples = table_index_build_scan(heap, index, info, true, true, build_callback, &st, nullptr); });
    if (!st.on_disk) {
      if (st.levels.empty())
        vectorx::hnsw::PageGraph::create(store, space, params);
      else
        build_and_write(st);
    }
    if (RelationNeedsWAL(index)) store.log_all_pages();
    indexed = st.indexed;
  });
  MemoryContextDelete(tuple_context);
  auto* result = static_cast<IndexBuildResult*>(palloc(sizeof(IndexBuildResult)));
  result->heap_tuples = heap_tuples;
  result->index_tuples = indexed;
  return result;
}

void hnsw_build_empty(Relation index) {
  const vectorx::Space space = space_for_new_index(index);
  const vectorx::hnsw::Params params = build_params(index);
  guarded([&] {
    BufferPageStore store(index, INIT_FORKNUM, BufferPageStore::Mode::kBulk);
    vectorx::hnsw::PageGraph::create(store, space, params);
    store.log_all_pages();  // init forks are always WAL-logged
  });
}
