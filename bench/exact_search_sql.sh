#!/usr/bin/env bash
# The SQL half of exact_search.sh, run inside pg_virtualenv: loads WORK/base.tsv twice (default
# EXTERNAL storage, and PLAIN storage that keeps vectors inline), then measures an exact top-10
# with pgbench (prepared statements, one client), serial and with one parallel worker.
#   exact_search_sql.sh WORK SECONDS
set -euo pipefail
WORK="$1"
SECONDS_PER_RUN="$2"

psql -X -q -v ON_ERROR_STOP=1 -v work="$WORK" <<'SQL'
CREATE EXTENSION vectorx;
CREATE EXTENSION pg_prewarm;
CREATE TABLE fm_queries (id int PRIMARY KEY, embedding vector(784));
CREATE TABLE fm_external (id int, embedding vector(784));
CREATE TABLE fm_plain (id int, embedding vector(784));
ALTER TABLE fm_plain ALTER COLUMN embedding SET STORAGE PLAIN;
\set queries :work '/queries.tsv'
\set base :work '/base.tsv'
COPY fm_queries FROM :'queries';
COPY fm_external FROM :'base';
COPY fm_plain FROM :'base';
VACUUM ANALYZE;
SQL

measure() {
  local table="$1" label="$2"
  psql -X -q -c "SELECT pg_prewarm('$table')" \
    -c "SELECT pg_prewarm(reltoastrelid) FROM pg_class WHERE relname = '$table' AND reltoastrelid <> 0" >/dev/null
  printf '%s\n' '\set q random(0, 199)' \
    "SELECT id FROM $table ORDER BY embedding <-> (SELECT embedding FROM fm_queries WHERE id = :q) LIMIT 10;" \
    >"$WORK/query.sql"
  for workers in 0 1; do
    tps=$(PGOPTIONS="-c max_parallel_workers_per_gather=$workers" \
      pgbench -n -M prepared -c 1 -T "$SECONDS_PER_RUN" -f "$WORK/query.sql" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    printf 'SQL exact top-10, %s, max_parallel_workers_per_gather=%s: %.1f queries/s\n' "$label" "$workers" "$tps"
  done
}

measure fm_external "storage external (type default)"
measure fm_plain "storage plain (inline)"
