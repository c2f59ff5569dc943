// vectorx.* operating settings (settings.h).
#include "settings.h"

#include <algorithm>

#include "optimizer/plancat.h"
#include "utils/guc.h"

namespace vectorx::pg {
namespace {

int max_index_vectors = 0;  // 0: no limit
int max_index_size_kb = 0;  // 0: no limit
int build_memory_kb = -1;   // -1: maintenance_work_mem
constexpr int kMinBuildMemoryKb = 1024;  // as maintenance_work_mem
int sample_rows = 0;        // 0: automatic
int batch_rows = 1024;
bool exact_search_only = false;
int hnsw_code_cache_kb = 65536;  // 64 MB

// "123 kB", "4 MB", … for messages.
char* pretty_kb(uint64_t kb) {
  if (kb % (1024 * 1024) == 0) return psprintf("%llu GB", static_cast<unsigned long long>(kb / (1024 * 1024)));
  if (kb % 1024 == 0) return psprintf("%llu MB", static_cast<unsigned long long>(kb / 1024));
  return psprintf("%llu kB", static_cast<unsigned long long>(kb));
}

bool check_build_memory(int* value, void**, GucSource) {
  if (*value == -1 || *value >= kMinBuildMemoryKb) return true;
  GUC_check_errdetail("vectorx.build_memory must be -1 (use maintenance_work_mem) or at least %d kB.", kMinBuildMemoryKb);
  return false;
}

}  // namespace

void define_settings() {
  DefineCustomIntVariable("vectorx.max_index_vectors", "Most vectors one vectorx index may hold (0: no limit).",
                          "Counts every entry until VACUUM removes it. Builds and inserts over the limit fail.",
                          &max_index_vectors, 0, 0, INT_MAX, PGC_SUSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("vectorx.max_index_size", "Largest size one vectorx index may grow to (0: no limit).",
                          "Builds and inserts that would extend the index past it fail.", &max_index_size_kb, 0, 0,
                          INT_MAX, PGC_SUSET, GUC_UNIT_KB, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("vectorx.build_memory", "Memory a vectorx index build may use (-1: maintenance_work_mem).",
                          nullptr, &build_memory_kb, -1, -1, MAX_KILOBYTES, PGC_USERSET, GUC_UNIT_KB, check_build_memory,
                          nullptr, nullptr);
  DefineCustomIntVariable("vectorx.build_sample_rows",
                          "Values an ivfflat or ivfpq build trains its centres and codebooks on (0: automatic).",
                          "Automatic: 100 per list, at least 10,000; always bounded by the build memory.", &sample_rows, 0,
                          0, INT_MAX, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("vectorx.build_batch_rows",
                          "Rows an ivfflat or ivfpq build assigns to lists per batch, spread over its threads.", nullptr,
                          &batch_rows, 1024, 1, 1000000, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomBoolVariable("vectorx.exact_search", "Whether plans may use only exact searches.",
                           "On: hnsw, ivfflat and ivfpq indexes are not used; a flat index or a sequential scan "
                           "answers ORDER BY distance and range keys exactly (to check the others, say).",
                           &exact_search_only, false, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("vectorx.hnsw_code_cache",
                          "Memory this session may keep for compact codes of one hnsw index's values (0: none).",
                          "hnsw searches, and inserts' searches for neighbours, rank the elements they have met before from "
                          "these codes instead of reading their pages, then compute the distances they return, and those "
                          "links are chosen by, exactly. Up to four indexes a session.",
                          &hnsw_code_cache_kb, 65536, 0, MAX_KILOBYTES, PGC_USERSET, GUC_UNIT_KB, nullptr, nullptr,
                          nullptr);
}

bool exact_search() { return exact_search_only; }

size_t hnsw_code_cache_bytes() { return static_cast<size_t>(hnsw_code_cache_kb) * 1024; }

void check_vector_quota(Relation index, uint64_t would_hold) {
  if (max_index_vectors == 0 || would_hold <= static_cast<uint64_t>(max_index_vectors)) return;
  ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                  errmsg("index \"%s\" would exceed vectorx.max_index_vectors", RelationGetRelationName(index)),
                  errdetail("The limit is %d vectors; the index would hold %llu.", max_index_vectors,
                            static_cast<unsigned long long>(would_hold)),
                  errhint("VACUUM removes the entries of deleted rows; an administrator sets the limit.")));
}

bool size_quota_exceeded(uint64_t would_have_blocks) {
  return max_index_size_kb > 0 && would_have_blocks * (BLCKSZ / 1024) > static_cast<uint64_t>(max_index_size_kb);
}

void check_size_quota(Relation index, uint64_t would_have_blocks) {
  if (!size_quota_exceeded(would_have_blocks)) return;
  const uint64_t would_kb = would_have_blocks * (BLCKSZ / 1024);
  ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                  errmsg("index \"%s\" would exceed vectorx.max_index_size", RelationGetRelationName(index)),
                  errdetail("The limit is %s; the index would grow to %s.", pretty_kb(static_cast<uint64_t>(max_index_size_kb)),
                            pretty_kb(would_kb)),
                  errhint("VACUUM makes the space of deleted rows reusable; an administrator sets the limit.")));
}

const char* build_memory_setting() { return build_memory_kb == -1 ? "maintenance_work_mem" : "vectorx.build_memory"; }

size_t build_memory_bytes() {
  return static_cast<size_t>(build_memory_kb >= 0 ? build_memory_kb : maintenance_work_mem) * 1024;
}

unsigned build_threads(Relation heap, Relation index) {
  const int workers = std::max(plan_create_index_workers(RelationGetRelid(heap), RelationGetRelid(index)), 0);
  if (workers > 0) ereport(DEBUG1, (errmsg("using %d parallel workers", workers)));
  return 1u + static_cast<unsigned>(workers);
}

int build_sample_rows() { return sample_rows; }
int build_batch_rows() { return batch_rows; }

}  // namespace vectorx::pg
