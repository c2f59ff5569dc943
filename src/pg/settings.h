// vectorx.* settings for operating indexes: quotas (what one index may hold), build memory
// and build batch sizes, whether plans may use approximate indexes, and the memory of hnsw's
// code caches. Quotas are superuser settings (PGC_SUSET): administrators set them
// per database or role (ALTER DATABASE / ALTER ROLE … SET) or per session, and an ordinary
// user cannot lift them (GRANT SET ON PARAMETER delegates that right).
#pragma once

#include <cstddef>
#include <cstdint>

#include "am_headers.h"

namespace vectorx::pg {

void define_settings();

// ERROR (program_limit_exceeded) when an index would hold more than vectorx.max_index_vectors.
// Plain Postgres code (inside guarded regions, through pg_call or BufferPageStore).
void check_vector_quota(Relation index, uint64_t would_hold);
// The same for vectorx.max_index_size, with the index's size in blocks after a change.
void check_size_quota(Relation index, uint64_t would_have_blocks);
bool size_quota_exceeded(uint64_t would_have_blocks);

// Memory an index build may use: vectorx.build_memory, or maintenance_work_mem when it is -1.
size_t build_memory_bytes();
// The setting build_memory_bytes() comes from, by name (for messages).
const char* build_memory_setting();
// Threads a build of `index` on `heap` runs on: 1 + plan_create_index_workers (max_parallel_
// maintenance_workers, table size, the table's parallel_workers); says how many at DEBUG1
// in pgvector's words. The threads are inside this backend, not parallel worker processes.
unsigned build_threads(Relation heap, Relation index);
// Values a build's training sample holds at most (0: automatic).
int build_sample_rows();
// Rows per assignment batch of a parallel IVF load.
int build_batch_rows();
// vectorx.exact_search: plans use no approximate index (hnsw, ivfflat, ivfpq), so ORDER BY
// distance comes from a flat index or a sequential scan, exactly.
bool exact_search();
// vectorx.hnsw_code_cache in bytes: the most one hnsw index's code cache may take in a backend
// (hnsw_code_cache.h); 0 turns the caches off.
size_t hnsw_code_cache_bytes();

}  // namespace vectorx::pg
