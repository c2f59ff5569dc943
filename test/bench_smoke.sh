#!/usr/bin/env bash
# CI smoke runs of vectorx-bench on siftsmall inside a pg_virtualenv cluster: exact search must
# reach recall@10 = 1.0 and every JSON line must parse. The second run also covers the index
# build with progress (a btree index on id: the tool is under test, not an index), inserts in two
# batch sizes over two connections, and queries picked by id from a table. The third compares two
# databases in one command (--versus-*, two rounds): both sides loaded, indexed and inserted into,
# and their q/s and insert ratios reported.
#   bench_smoke.sh DATA_DIR   (DATA_DIR holds siftsmall/)
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
psql -X -q -c "CREATE EXTENSION IF NOT EXISTS vectorx"
build/vectorx-bench --dataset siftsmall --data-dir "$1" --clients 1,2 --anchors kernel-scan \
  --json "$out/run.jsonl" --expect-recall 1.0
build/vectorx-bench --dataset siftsmall --data-dir "$1" --index "CREATE INDEX ON {table} (id)" \
  --insert-fraction 0.2 --insert-batches 1,50 --insert-clients 2 --query-from-table \
  --json "$out/run.jsonl" --expect-recall 1.0
psql -X -q -c "DROP DATABASE IF EXISTS vxb_versus" -c "CREATE DATABASE vxb_versus"
psql -X -q -d vxb_versus -c "CREATE EXTENSION vectorx"
build/vectorx-bench --dataset siftsmall --data-dir "$1" --index "CREATE INDEX ON {table} USING hnsw (embedding vector_l2_ops)" \
  --sweep hnsw.ef_search=1,40 --versus-conninfo "dbname=vxb_versus" --versus-extension vectorx \
  --versus-index "CREATE INDEX ON {table} USING ivfflat (embedding vector_l2_ops) WITH (lists = 20)" \
  --versus-sweep ivfflat.probes=1,20 --insert-fraction 0.1 --insert-batches 10 --rounds 2 --ratio-at 0.9 \
  --json "$out/run.jsonl"
perl -MJSON::PP -ne 'my $r = decode_json($_); $n++; $t{$r->{type}}++;
  END { for my $type (qw(search build insert load qps_ratio insert_ratio)) { die "no $type record\n" unless $t{$type} }
        print "bench smoke: $n JSON lines parse, $t{search} searches, $t{insert} insert runs, $t{qps_ratio} ratios\n" }' "$out/run.jsonl"
