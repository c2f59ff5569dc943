// vectorx_index_stats(regclass): what an hnsw, ivfflat, ivfpq or flat index holds and how it is
// shaped, read from its pages (vectorx/hnsw/stats.h, IvfIndex::list_stats). The caller needs
// SELECT on the table; the index is read under AccessShareLock like a scan, one page at a
// time, so writers carry on and the figures are those of pages read at slightly different
// moments. Cost: one read of every index page.
#include <algorithm>
#include <string>

#include "vectorx/hnsw/stats.h"
#include "vectorx/ivf/index.h"
#include "buffer_page_store.h"
#include "guard.h"
#include "hnsw_am.h"
#include "ivf_am.h"
#include "vectorx_index.h"

extern "C" {
#include "access/table.h"
#include "funcapi.h"
#include "utils/acl.h"
}

namespace vectorx::pg {
namespace {

const char* element_name(ElementKind kind) {
  switch (kind) {
    case ElementKind::kFloat32:
      return "vector";
    case ElementKind::kFloat16:
      return "halfvec";
    case ElementKind::kSparse:
      return "sparsevec";
    case ElementKind::kBit:
      return "bit";
  }
  return "?";
}

// Common columns, then the per-type shape as JSON text.
struct Stats {
  Space space;
  size_t live = 0, dead = 0;
  std::string shape;
};

// What leaves the guarded region: plain data, the shape palloc'd (no C++ destructor may be
// live when Postgres code after it raises an ERROR).
struct Row {
  ElementKind kind;
  Metric metric;
  int64_t dim;
  size_t live, dead;
  char* shape;
};

Row to_row(const Stats& s) {
  Row row{s.space.kind(), s.space.metric(), s.space.dim(), s.live, s.dead, nullptr};
  pg_call([&] { row.shape = pstrdup(s.shape.c_str()); });
  return row;
}

std::string json_list(const std::vector<size_t>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
  return out + "]";
}

Stats hnsw_stats(Relation index) {
  BufferPageStore store(index, MAIN_FORKNUM, BufferPageStore::Mode::kWal);
  vectorx::hnsw::PageGraph graph(store);
  const vectorx::hnsw::GraphStats s = vectorx::hnsw::graph_stats(graph);
  char mean[32];
  snprintf(mean, sizeof mean, "%.2f", s.mean_out_degree);
  const std::string entry = s.entry == vectorx::hnsw::kInvalidId
                                ? "null"
                                : "\"(" + std::to_string(vectorx::hnsw::id_block(s.entry)) + "," +
                                      std::to_string(vectorx::hnsw::id_item(s.entry)) + ")\"";
  Stats out{graph.space(), s.rows, s.dead, {}};
  out.shape = "{\"live_elements\": " + std::to_string(s.live) + ", \"quota_vectors\": " + std::to_string(graph.vectors()) + ", \"m\": " + std::to_string(graph.params().m) +
              ", \"ef_construction\": " + std::to_string(graph.params().ef_construction) +
              ", \"levels\": " + std::to_string(s.entry_level + 1) + ", \"entry_point\": " + entry +
              ", \"live_per_level\": " + json_list(s.live_per_level) + ", \"mean_out_degree\": " + mean +
              ", \"min_out_degree\": " + std::to_string(s.min_out_degree) +
              ", \"unreachable\": " + std::to_string(s.unreachable) + ", \"free_items\": " + std::to_string(s.free) +
              ", \"element_pages\": " + std::to_string(s.element_pages) +
              ", \"split_values\": " + std::to_string(s.split_values) + "}";
  return out;
}

Stats ivf_stats(Relation index) {
  BufferPageStore store(index, MAIN_FORKNUM, BufferPageStore::Mode::kWal);
  vectorx::ivf::IvfIndex ivf(store);
  vectorx::ivf::IvfIndex::ListStats s = ivf.list_stats();
  std::vector<size_t> sorted = s.lengths;
  std::sort(sorted.begin(), sorted.end());
  const size_t empty = static_cast<size_t>(std::count(sorted.begin(), sorted.end(), size_t{0}));
  const vectorx::ivf::Meta& meta = ivf.meta();
  Stats out{ivf.space(), s.live, s.dead, {}};
  out.shape = "{\"quota_vectors\": " + std::to_string(ivf.vectors()) + ", \"lists\": " + std::to_string(meta.lists) + ", \"empty_lists\": " + std::to_string(empty) +
              ", \"min_list\": " + std::to_string(sorted.front()) +
              ", \"median_list\": " + std::to_string(sorted[sorted.size() / 2]) +
              ", \"max_list\": " + std::to_string(sorted.back()) + ", \"data_pages\": " + std::to_string(s.data_pages) +
              ", \"directory_pages\": " + std::to_string(meta.directory_pages);
  const auto format = static_cast<vectorx::ivf::EntryFormat>(meta.entry_format);
  if (vectorx::ivf::bounded_bits(format) != 0)
    out.shape += ", \"code_bits\": " + std::to_string(vectorx::ivf::bounded_bits(format)) + ", \"entry_bytes\": " + std::to_string(meta.entry_bytes) +
                 ", \"rows_per_page\": " + std::to_string(ivf.layout().capacity());
  if (vectorx::ivf::uses_pq(format)) {
    const int nbits = format == vectorx::ivf::EntryFormat::kCode8 ? 8 : 4;
    const size_t codebook_bytes = (size_t{1} << nbits) * static_cast<size_t>(meta.dim) * sizeof(float);
    out.shape += ", \"pq_m\": " + std::to_string(meta.pq_m) + ", \"nbits\": " + std::to_string(nbits) +
                 ", \"residual\": " + (meta.residual ? "true" : "false") +
                 ", \"codebook_bytes\": " + std::to_string(codebook_bytes) +
                 ", \"codebook_pages\": " + std::to_string(meta.codebook_pages);
  }
  out.shape += "}";
  return out;
}

void check_can_read(Oid heap_oid) {
  if (pg_class_aclcheck(heap_oid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("permission denied for table %s", get_rel_name(heap_oid)),
                    errdetail("vectorx_index_stats needs SELECT on the indexed table.")));
}

}  // namespace
}  // namespace vectorx::pg

using namespace vectorx::pg;

VX_FUNCTION(vectorx_index_stats) {
  const Oid index_oid = PG_GETARG_OID(0);
  const Oid heap_oid = table_of_index(index_oid);
  check_can_read(heap_oid);
  // Table first, then index: the order a scan takes its locks in.
  Relation heap = table_open(heap_oid, AccessShareLock);
  Relation index = index_open(index_oid, AccessShareLock);
  const IndexType type = vectorx_index_type(index);
  const Row row = guarded([&] { return to_row(type == IndexType::kHnsw ? hnsw_stats(index) : ivf_stats(index)); });
  const BlockNumber pages = RelationGetNumberOfBlocks(index);
  index_close(index, AccessShareLock);
  table_close(heap, AccessShareLock);

  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) elog(ERROR, "return type must be a row type");
  Datum values[9];
  bool nulls[9] = {false};
  values[0] = CStringGetTextDatum(type_name(type));
  values[1] = CStringGetTextDatum(element_name(row.kind));
  values[2] = Int32GetDatum(static_cast<int32>(row.dim));
  values[3] = CStringGetTextDatum(metric_name(row.metric));
  values[4] = Int64GetDatum(static_cast<int64>(row.live));
  values[5] = Int64GetDatum(static_cast<int64>(row.dead));
  values[6] = Int64GetDatum(static_cast<int64>(pages));
  values[7] = Int64GetDatum(static_cast<int64>(pages) * BLCKSZ);
  values[8] = DirectFunctionCall1(jsonb_in, CStringGetDatum(row.shape));
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
