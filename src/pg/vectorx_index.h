// What the operating functions (vectorx_index_stats, vectorx_validate_index) share: telling
// a vectorx index from any other relation.
#pragma once

#include "am_headers.h"

namespace vectorx::pg {

enum class IndexType { kHnsw, kIvfflat, kIvfpq, kFlat };

const char* type_name(IndexType t);
// Whether an index is an hnsw, ivfflat, ivfpq or flat index of this extension.
bool is_vectorx_index(Relation index);
// The index's type, or ERROR (wrong_object_type) when it is not one of ours or is partitioned.
IndexType vectorx_index_type(Relation index);
// The table of an index, or ERROR (wrong_object_type) when the relation is not an index.
Oid table_of_index(Oid index);

}  // namespace vectorx::pg
