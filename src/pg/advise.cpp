// vectorx_advise(table, column, operator, target_recall): the advisor's rules (vectorx/advisor.h)
// applied to a real column. Inputs: the table's row count (pg_class.reltuples, or a count when
// the table was never analysed), the column's type and dimensions (its typmod, else one stored
// value), the distance (given; else the one an existing vectorx index on the column uses; else
// <->, or <~> for bit), vectorx.build_memory and shared_buffers. Output: the method, the
// CREATE INDEX statement, the settings for the recall target, a one-line reason and the
// figures behind it. Needs SELECT on the table.
#include "vectorx/advisor.h"
#include "guard.h"
#include "settings.h"
#include "vectorx_index.h"

extern "C" {
#include "access/table.h"
#include "catalog/pg_opclass.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/acl.h"
}

namespace vectorx::pg {
namespace {

struct Distance {
  const char* op;
  const char* suffix;  // of the operator class names: vector_<suffix>_ops
  vectorx::Metric metric;
};

using vectorx::AdvisedMethod;
using vectorx::ElementKind;
using vectorx::Metric;

constexpr Distance kDistances[] = {{"<->", "l2", Metric::kL2},          {"<#>", "ip", Metric::kInnerProduct},
                                   {"<=>", "cosine", Metric::kCosine},   {"<+>", "l1", Metric::kL1},
                                   {"<~>", "hamming", Metric::kHamming}, {"<%>", "jaccard", Metric::kJaccard}};

const Distance* distance_by_operator(const char* op) {
  for (const Distance& d : kDistances)
    if (strcmp(d.op, op) == 0) return &d;
  return nullptr;
}

// The distance of an existing single-column vectorx index on the column, by its operator class.
const Distance* distance_in_use(Relation table, AttrNumber attnum) {
  const Distance* found = nullptr;
  ListCell* cell;
  foreach (cell, RelationGetIndexList(table)) {
    Relation index = index_open(lfirst_oid(cell), AccessShareLock);
    if (is_vectorx_index(index) && index->rd_index->indnatts == 1 && index->rd_index->indkey.values[0] == attnum) {
      HeapTuple tuple = SearchSysCache1(CLAOID, ObjectIdGetDatum(get_index_column_opclass(RelationGetRelid(index), 1)));
      if (HeapTupleIsValid(tuple)) {
        const char* name = NameStr(reinterpret_cast<Form_pg_opclass>(GETSTRUCT(tuple))->opcname);
        for (const Distance& d : kDistances)
          if (strstr(name, psprintf("_%s_ops", d.suffix))) found = &d;
        ReleaseSysCache(tuple);
      }
    }
    index_close(index, AccessShareLock);
    if (found) break;
  }
  return found;
}

struct Column {
  vectorx::ElementKind kind;
  const char* type;  // SQL type name: also the operator classes' prefix
  const char* dims_sql;  // an expression for one value's dimensions
};

Column column_kind(Oid type, const char* column) {
  const char* name = format_type_be(type);
  if (const char* dot = strrchr(name, '.')) name = dot + 1;
  if (strcmp(name, "vector") == 0) return {ElementKind::kFloat32, "vector", "vector_dims(%s)"};
  if (strcmp(name, "halfvec") == 0) return {ElementKind::kFloat16, "halfvec", "vector_dims(%s)"};
  if (strcmp(name, "sparsevec") == 0) return {ElementKind::kSparse, "sparsevec", "split_part(%s::text, '/', 2)::int"};
  if (type == BITOID || type == VARBITOID) return {ElementKind::kBit, "bit", "length(%s)"};
  ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH), errmsg("column \"%s\" is of type %s", column, name),
                  errhint("vectorx_advise takes a vector, halfvec, sparsevec or bit column.")));
  pg_unreachable();
}

// A count of the rows, or one value's dimensions, through SPI.
double spi_number(const char* sql) {
  SPI_connect();
  if (SPI_execute(sql, true, 1) != SPI_OK_SELECT) elog(ERROR, "vectorx_advise: \"%s\" failed", sql);
  bool isnull = true;
  const Datum d = SPI_processed > 0 ? SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull) : 0;
  const double value = isnull ? -1 : static_cast<double>(DatumGetInt64(d));
  SPI_finish();
  return value;
}

// The settings line for the advice: what a session sets to reach the recall target.
char* settings_of(const vectorx::AdvisedIndex& a) {
  switch (a.method) {
    case AdvisedMethod::kHnsw:
      return psprintf("SET hnsw.ef_search = %d", a.ef_search);
    case AdvisedMethod::kIvfflat:
      return psprintf("SET ivfflat.probes = %d", a.probes);
    case AdvisedMethod::kIvfpq:
      return psprintf("SET ivfpq.probes = %d", a.probes);
    case AdvisedMethod::kExact:
    case AdvisedMethod::kFlat:
      break;
  }
  return nullptr;
}

char* create_index_of(const vectorx::AdvisedIndex& a, const char* table, const char* column, const char* opclass) {
  switch (a.method) {
    case AdvisedMethod::kHnsw:
      return psprintf("CREATE INDEX ON %s USING hnsw (%s %s) WITH (m = %d, ef_construction = %d)", table, column, opclass,
                      a.m, a.ef_construction);
    case AdvisedMethod::kIvfflat:
      return psprintf("CREATE INDEX ON %s USING ivfflat (%s %s) WITH (lists = %d)", table, column, opclass, a.lists);
    case AdvisedMethod::kIvfpq:
      if (a.pq_m > 0)
        return psprintf("CREATE INDEX ON %s USING ivfpq (%s %s) WITH (lists = %d, quantizer = product, m = %d, nbits = 4)",
                        table, column, opclass, a.lists, a.pq_m);
      if (a.scalar_bits == 4)
        return psprintf("CREATE INDEX ON %s USING ivfpq (%s %s) WITH (lists = %d, quantizer = scalar, nbits = 4)", table,
                        column, opclass, a.lists);
      return psprintf("CREATE INDEX ON %s USING ivfpq (%s %s) WITH (lists = %d)", table, column, opclass, a.lists);
    case AdvisedMethod::kFlat:
      return psprintf("CREATE INDEX ON %s USING flat (%s %s)", table, column, opclass);
    case AdvisedMethod::kExact:
      break;
  }
  return nullptr;
}

}  // namespace
}  // namespace vectorx::pg

using namespace vectorx::pg;

VX_FUNCTION(vectorx_advise) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3)) PG_RETURN_NULL();  // operator may be NULL
  const Oid table_oid = PG_GETARG_OID(0);
  const char* column = NameStr(*PG_GETARG_NAME(1));
  const char* op = PG_ARGISNULL(2) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(2));
  const double target = PG_GETARG_FLOAT8(3);
  if (!(target > 0 && target <= 1))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("target_recall must be in (0, 1]")));
  if (pg_class_aclcheck(table_oid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("permission denied for table %s", get_rel_name(table_oid))));
  Relation table = table_open(table_oid, AccessShareLock);
  const AttrNumber attnum = get_attnum(table_oid, column);  // never a dropped column's
  if (attnum == InvalidAttrNumber)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                    errmsg("column \"%s\" of relation \"%s\" does not exist", column, RelationGetRelationName(table))));
  if (attnum < 0)
    ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("column \"%s\" is a system column", column),
                    errhint("vectorx_advise takes a vector, halfvec, sparsevec or bit column.")));
  const Form_pg_attribute attr = TupleDescAttr(RelationGetDescr(table), attnum - 1);
  const Column kind = column_kind(attr->atttypid, column);
  const char* table_name = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(table)), RelationGetRelationName(table));
  const char* column_sql = quote_identifier(column);
  const bool typed = attr->atttypmod > 0;  // indexes need declared dimensions

  const Distance* distance = op ? distance_by_operator(op) : distance_in_use(table, attnum);
  if (op && !distance)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("unknown distance operator \"%s\"", op),
                    errhint("Use <->, <#>, <=>, <+>, <~> or <%%>.")));
  if (!distance) distance = distance_by_operator(kind.kind == ElementKind::kBit ? "<~>" : "<->");
  const bool bit_metric = distance->metric == Metric::kHamming || distance->metric == Metric::kJaccard;
  if (bit_metric != (kind.kind == ElementKind::kBit))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("operator %s does not apply to %s columns", distance->op, kind.type)));

  double rows = table->rd_rel->reltuples;
  if (rows < 0) rows = spi_number(psprintf("SELECT count(*) FROM %s", table_name));
  int64 dims = attr->atttypmod;
  if (dims <= 0)
    dims = static_cast<int64>(spi_number(psprintf("SELECT (%s)::int8 FROM %s WHERE %s IS NOT NULL LIMIT 1",
                                                  psprintf(kind.dims_sql, column_sql), table_name, column_sql)));
  if (dims <= 0)
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("column \"%s\" declares no dimensions and holds no values", column)));
  table_close(table, AccessShareLock);

  const vectorx::AdviceInput input{rows, dims, kind.kind, distance->metric, target, build_memory_bytes(),
                                   static_cast<size_t>(NBuffers) * BLCKSZ};
  // Only plain data and palloc'd text leave the guarded call.
  vectorx::AdvisedIndex advice;
  char* reason = nullptr;
  guarded([&] {
    const vectorx::Advice a = vectorx::advise(input);
    pg_call([&] { reason = pstrdup(a.reason.c_str()); });
    advice = a.plan;
  });
  const char* opclass = psprintf("%s_%s_ops", kind.type, distance->suffix);
  // Without declared dimensions an index goes on a cast to them, and queries must use it.
  const char* indexed = typed ? column_sql : psprintf("(%s::%s(%lld))", column_sql, kind.type, static_cast<long long>(dims));
  if (!typed && advice.method != AdvisedMethod::kExact)
    reason = psprintf("%s; the column declares no dimensions, so the index is on %s and queries must order by that "
                      "expression", reason, indexed);
  TupleDesc desc;
  if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) elog(ERROR, "return type must be a row type");
  Datum values[5];
  bool nulls[5] = {false, false, false, false, false};
  values[0] = CStringGetTextDatum(vectorx::advised_method_name(advice.method));
  char* create = create_index_of(advice, table_name, indexed, opclass);
  char* settings = settings_of(advice);
  nulls[1] = create == nullptr;
  nulls[2] = settings == nullptr;
  values[1] = create ? CStringGetTextDatum(create) : 0;
  values[2] = settings ? CStringGetTextDatum(settings) : 0;
  values[3] = CStringGetTextDatum(reason);
  values[4] = DirectFunctionCall1(
      jsonb_in, CStringGetDatum(psprintf("{\"rows\": %.0f, \"dimensions\": %lld, \"type\": \"%s\", \"operator\": \"%s\", "
                                         "\"target_recall\": %g, \"estimated_index_mb\": %.1f, \"build_memory_mb\": %.0f, "
                                         "\"shared_buffers_mb\": %.0f}",
                                         rows, static_cast<long long>(dims), kind.type, distance->op, target,
                                         advice.index_bytes / 1048576.0, input.build_memory_bytes / 1048576.0,
                                         input.cache_bytes / 1048576.0)));
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
