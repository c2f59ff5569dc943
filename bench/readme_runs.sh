#!/usr/bin/env bash
# The runs behind README's performance section, inside a pg_virtualenv cluster.
#   readme_runs.sh DATA_DIR OUT_DIR   (DATA_DIR holds siftsmall/; fashion-mnist comes from Debian)
set -euo pipefail
cd "$(dirname "$0")/.."
data="$1" out="$2"
psql -X -q -c "CREATE EXTENSION IF NOT EXISTS vectorx"
run() {
  local name="$1"
  shift
  build/vectorx-bench "$@" --json "$out/results.jsonl" --plot "$out/$name.png" | tee "$out/$name.txt"
}
run siftsmall --dataset siftsmall --data-dir "$data" --storage plain --clients 1,2 --anchors all
run fashion-mnist --dataset fashion-mnist --queries-limit 500 --storage plain --clients 1,2 --anchors all \
  --ivf-lists 245 --ivf-probes 1,2,4,8,16,32 --pq-m 16
# the same inline table, each query vector fetched by id from a (TOASTed) queries table
run fashion-mnist-query-table --dataset fashion-mnist --queries-limit 500 --clients 1 --query-from-table
# the type's default storage: vectors over ~2 KB live in TOAST
run fashion-mnist-external --dataset fashion-mnist --queries-limit 500 --clients 1 --reload
