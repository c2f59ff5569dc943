#!/usr/bin/env bash
# Soak test (not part of CI; scripts/soak runs it in a throwaway cluster): for each access
# method, MINUTES of 4 pgbench clients inserting, updating, deleting, vacuuming and searching
# one indexed table at once. Passes when no statement failed, vectorx_validate_index finds
# nothing, and recall@10 is within 0.02 of a fresh build of the same rows. Prints one line of
# figures per access method (SOAK_METHODS names fewer). flat, being exact, must keep recall 1. Needs PG* variables pointing at a
# server (pg_virtualenv sets them).
set -euo pipefail
minutes="${1:-10}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At -c "$1"; }

psql_q "CREATE EXTENSION IF NOT EXISTS vectorx"
psql_q "CREATE OR REPLACE FUNCTION soak_vector(seed float8) RETURNS vector LANGUAGE sql IMMUTABLE AS \$\$
  SELECT ARRAY(SELECT (((seed * 1000)::int % 40) * 0.1 + sin(seed * j) * 0.3)::real FROM generate_series(1, 32) j)::vector \$\$"
# recall@10 of the index over 50 queries, against exact answers
psql_q "CREATE OR REPLACE FUNCTION soak_recall() RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE q vector; found bigint := 0; wanted bigint := 0; by_index bigint[]; exact bigint[];
BEGIN
  FOR i IN 1..50 LOOP
    q := soak_vector(i * 0.0137 + 0.5);
    SET LOCAL enable_seqscan = off;
    SELECT array_agg(id) INTO by_index FROM (SELECT id FROM soak ORDER BY v <-> q LIMIT 10) s;
    SET LOCAL enable_seqscan = on; SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off;
    SELECT array_agg(id) INTO exact FROM (SELECT id FROM soak ORDER BY v <-> q LIMIT 10) s;
    SET LOCAL enable_indexscan = on; SET LOCAL enable_bitmapscan = on;
    found := found + (SELECT count(*) FROM unnest(exact) e WHERE e = ANY(coalesce(by_index, '{}')));
    wanted := wanted + cardinality(exact);
  END LOOP;
  RETURN found::float8 / greatest(wanted, 1);
END \$\$"

cat >"$dir/insert.sql" <<'SQL'
INSERT INTO soak (v) SELECT soak_vector(random()) FROM generate_series(1, 10);
SQL
cat >"$dir/update.sql" <<'SQL'
\set id random(1, 40000)
UPDATE soak SET v = soak_vector(random()) WHERE id = :id;
SQL
cat >"$dir/delete.sql" <<'SQL'
\set id random(1, 40000)
DELETE FROM soak WHERE id BETWEEN :id AND :id + 5;
SQL
cat >"$dir/search.sql" <<'SQL'
\set q random(1, 1000000)
SET enable_seqscan = off;
SELECT id FROM soak ORDER BY v <-> soak_vector(:q * 0.000001) LIMIT 10;
SQL
cat >"$dir/vacuum.sql" <<'SQL'
VACUUM soak;
SQL

status=0
for am in ${SOAK_METHODS:-hnsw ivfflat ivfpq flat}; do
  options=""
  [ "$am" = hnsw ] || [ "$am" = flat ] || options="WITH (lists = 50)"
  psql_q "DROP TABLE IF EXISTS soak"
  psql_q "CREATE TABLE soak (id serial PRIMARY KEY, v vector(32))"
  psql_q "INSERT INTO soak (v) SELECT soak_vector(random()) FROM generate_series(1, 20000)"
  psql_q "CREATE INDEX soak_v ON soak USING $am (v vector_l2_ops) $options"
  start=$(date +%s)
  if pgbench -n -c 4 -j 2 -T $((minutes * 60)) -f "$dir/insert.sql@4" -f "$dir/update.sql@2" -f "$dir/delete.sql@2" \
      -f "$dir/search.sql@10" -f "$dir/vacuum.sql@1" >"$dir/pgbench.log" 2>&1; then errors=0; else errors=1; fi
  transactions=$(sed -n 's/^number of transactions actually processed: //p' "$dir/pgbench.log")
  failed=$(grep -c "ERROR" "$dir/pgbench.log" || true)
  problems=$(psql_q "SELECT count(*) FROM vectorx_validate_index('soak_v', true)")
  settings="SET LOCAL hnsw.ef_search = 100; SET LOCAL ivfflat.probes = 10; SET LOCAL ivfpq.probes = 10;"
  after=$(psql_q "BEGIN; $settings SELECT round(soak_recall()::numeric, 4); COMMIT" | tail -n 1)
  psql_q "REINDEX INDEX soak_v"
  fresh=$(psql_q "BEGIN; $settings SELECT round(soak_recall()::numeric, 4); COMMIT" | tail -n 1)
  rows=$(psql_q "SELECT count(*) FROM soak")
  echo "soak $am: $((($(date +%s) - start) / 60)) min, 4 clients, $transactions transactions, $failed failed statements, $rows rows at the end, validate: $problems problems, recall@10 $after (fresh build $fresh)"
  if [ "$errors" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$problems" -ne 0 ] || \
     awk -v a="$after" -v f="$fresh" 'BEGIN { exit !(f - a > 0.02) }' || \
     { [ "$am" = flat ] && [ "$after" != 1.0000 ]; }; then
    grep ERROR "$dir/pgbench.log" | head -n 5 || true
    status=1
  fi
done
exit $status
