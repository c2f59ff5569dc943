#!/usr/bin/env bash
# CI smoke runs of vectorx-bench on siftsmall inside a pg_virtualenv cluster: exact search must
# reach recall@10 = 1.0 and every JSON line must parse. The second run also covers the index
# build with progress (a btree index on id: the tool is under test, not an index), inserts in two
# batch sizes over two connections, and queries picked by id from a table.
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
perl -MJSON::PP -ne 'my $r = decode_json($_); $n++; $t{$r->{type}}++;
  END { for my $type (qw(search build insert load)) { die "no $type record\n" unless $t{$type} }
        print "bench smoke: $n JSON lines parse, $t{search} searches, $t{insert} insert runs\n" }' "$out/run.jsonl"
