// vectorx_validate_index(regclass, check_heap): the structural checks of index_check.h, one
// row (block, item, problem) per problem found; no rows for a sound index. Like amcheck's
// parent check it takes ShareLock on the table, so writers and VACUUM wait while it runs and
// the meta page's counts can be compared with the pages. With check_heap, every row an entry
// names must exist in the table (a line pointer in use on a page the table has); each heap
// page is read once. The caller must own the table.
#include <algorithm>

#include "vectorx/hnsw/check.h"
#include "vectorx/ivf/check.h"
#include "buffer_page_store.h"
#include "guard.h"
#include "vectorx_index.h"

extern "C" {
#include "access/table.h"
#include "funcapi.h"
#include "utils/acl.h"
}

namespace vectorx::pg {
namespace {

struct Emitter {
  ReturnSetInfo* rsinfo;
  void emit(uint32_t block, int item, const char* problem) const {
    Datum values[3] = {Int64GetDatum(static_cast<int64>(block)), Int32GetDatum(item), CStringGetTextDatum(problem)};
    bool nulls[3] = {false, item < 0, false};
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  }
};

// The problems as palloc'd rows, so no C++ object outlives the guarded region.
struct Found {
  uint32_t block;
  int item;
  char* problem;
};

struct Checked {
  Found* problems;
  size_t count;
  HeapReference* heap;
  size_t heap_count;
};

Checked run_check(Relation index, IndexType type) {
  return guarded([&] {
    BufferPageStore store(index, MAIN_FORKNUM, BufferPageStore::Mode::kWal);
    CheckReport report = type == IndexType::kHnsw ? check_hnsw(store) : check_ivf(store);
    std::sort(report.heap.begin(), report.heap.end(),
              [](const HeapReference& a, const HeapReference& b) { return a.tid.block < b.tid.block; });
    Checked out{nullptr, report.problems.size(), nullptr, report.heap.size()};
    pg_call([&] {
      out.problems = static_cast<Found*>(palloc(sizeof(Found) * std::max<size_t>(out.count, 1)));
      for (size_t i = 0; i < out.count; ++i)
        out.problems[i] = {report.problems[i].block, report.problems[i].item, pstrdup(report.problems[i].problem.c_str())};
      out.heap = static_cast<HeapReference*>(palloc_extended(sizeof(HeapReference) * std::max<size_t>(out.heap_count, 1),
                                                             MCXT_ALLOC_HUGE));
    });
    std::copy(report.heap.begin(), report.heap.end(), out.heap);
    return out;
  });
}

void check_owner(Oid heap_oid) {
  if (!pg_class_ownercheck(heap_oid, GetUserId()))
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("must be owner of table %s", get_rel_name(heap_oid)),
                    errdetail("vectorx_validate_index locks the table against writes while it runs.")));
}

}  // namespace
}  // namespace vectorx::pg

namespace {

// Outside namespace vectorx: Postgres' page macros name its own PageHeader.
// Each referenced row must be a used line pointer on an existing page of the table.
void check_heap_rows(Relation heap, const vectorx::pg::Checked& c, const vectorx::pg::Emitter& out) {
  const BlockNumber blocks = RelationGetNumberOfBlocks(heap);
  for (size_t i = 0; i < c.heap_count;) {
    CHECK_FOR_INTERRUPTS();
    const uint32_t block = c.heap[i].tid.block;
    size_t end = i;
    while (end < c.heap_count && c.heap[end].tid.block == block) ++end;
    if (block >= blocks) {
      for (; i < end; ++i)
        out.emit(c.heap[i].block, c.heap[i].item,
                 psprintf("row (%u,%u) lies beyond the table's %u blocks", block, c.heap[i].tid.offset, blocks));
      continue;
    }
    const Buffer buffer = ReadBufferExtended(heap, MAIN_FORKNUM, block, RBM_NORMAL, GetAccessStrategy(BAS_BULKREAD));
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    const Page page = BufferGetPage(buffer);
    const OffsetNumber max = PageIsNew(page) ? 0 : PageGetMaxOffsetNumber(page);
    for (; i < end; ++i) {
      const OffsetNumber offset = c.heap[i].tid.offset;
      if (offset < FirstOffsetNumber || offset > max || !ItemIdIsUsed(PageGetItemId(page, offset)))
        out.emit(c.heap[i].block, c.heap[i].item, psprintf("row (%u,%u) does not exist in the table", block, offset));
    }
    UnlockReleaseBuffer(buffer);
  }
}

}  // namespace

using namespace vectorx::pg;

VX_FUNCTION(vectorx_validate_index) {
  const Oid index_oid = PG_GETARG_OID(0);
  const bool check_heap = PG_GETARG_BOOL(1);
  const Oid heap_oid = table_of_index(index_oid);
  check_owner(heap_oid);
  InitMaterializedSRF(fcinfo, 0);
  const Emitter out{reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo)};
  Relation heap = table_open(heap_oid, ShareLock);
  Relation index = index_open(index_oid, AccessShareLock);
  const Checked checked = run_check(index, vectorx_index_type(index));
  for (size_t i = 0; i < checked.count; ++i) out.emit(checked.problems[i].block, checked.problems[i].item, checked.problems[i].problem);
  if (check_heap) check_heap_rows(heap, checked, out);
  index_close(index, AccessShareLock);
  table_close(heap, ShareLock);
  PG_RETURN_NULL();
}
