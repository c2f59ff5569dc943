#!/usr/bin/env bash
# CI smoke run of vectorx-bench on siftsmall inside a pg_virtualenv cluster: exact search must
# reach recall@10 = 1.0, and every JSON line must parse.
#   bench_smoke.sh DATA_DIR   (DATA_DIR holds siftsmall/)
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
psql -X -q -c "CREATE EXTENSION IF NOT EXISTS vectorx"
build/vectorx-bench --dataset siftsmall --data-dir "$1" --clients 1,2 --anchors kernel-scan \
  --json "$out/run.jsonl" --expect-recall 1.0
perl -MJSON::PP -ne 'my $r = decode_json($_); $n++; $s++ if $r->{type} eq "search";
  END { die "no search results\n" unless $s; print "bench smoke: $n JSON lines parse, $s searches\n" }' "$out/run.jsonl"
