// Telling vectorx indexes apart (vectorx_index.h).
#include "vectorx_index.h"

#include "hnsw_am.h"
#include "ivf_am.h"

namespace vectorx::pg {

const char* type_name(IndexType t) {
  switch (t) {
    case IndexType::kHnsw:
      return "hnsw";
    case IndexType::kIvfflat:
      return "ivfflat";
    case IndexType::kIvfpq:
      return "ivfpq";
    case IndexType::kFlat:
      return "flat";
  }
  return "?";
}

bool is_vectorx_index(Relation index) {
  const IndexAmRoutine* am = index->rd_indam;
  return am && (am->ambuild == hnsw_build || am->ambuild == ivfflat_build || am->ambuild == ivfpq_build ||
                am->ambuild == flat_build);
}

IndexType vectorx_index_type(Relation index) {
  if (index->rd_rel->relkind == RELKIND_PARTITIONED_INDEX)
    ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                    errmsg("\"%s\" is a partitioned index", RelationGetRelationName(index)),
                    errdetail("A partitioned index has no storage of its own; each partition has its own index."),
                    errhint("Ask about the partitions' indexes: pg_partition_tree('%s') lists them (isleaf).",
                            RelationGetRelationName(index))));
  const IndexAmRoutine* am = index->rd_indam;
  if (am && am->ambuild == hnsw_build) return IndexType::kHnsw;
  if (am && am->ambuild == ivfflat_build) return IndexType::kIvfflat;
  if (am && am->ambuild == ivfpq_build) return IndexType::kIvfpq;
  if (am && am->ambuild == flat_build) return IndexType::kFlat;
  ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                  errmsg("\"%s\" is not a vectorx index", RelationGetRelationName(index)),
                  errhint("vectorx indexes use the hnsw, ivfflat, ivfpq or flat access method.")));
  pg_unreachable();
}

Oid table_of_index(Oid index) {
  const Oid heap = IndexGetRelation(index, true);
  if (!OidIsValid(heap))
    ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("\"%s\" is not an index", get_rel_name(index))));
  return heap;
}

}  // namespace vectorx::pg
