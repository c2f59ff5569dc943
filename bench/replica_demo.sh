#!/usr/bin/env bash
# Read scale-out on a hot standby (docs/scale-out.md), run as a non-root user:
#   replica_demo.sh BENCH [EF]
# Starts a primary, loads fashion-mnist with an hnsw index, clones a streaming standby from it
# and times top-10 queries: 1 and 2 clients on the primary, then one client on the primary and
# one on the standby at the same time. Everything is removed at the end.
set -euo pipefail
bench=${1:?usage: replica_demo.sh BENCH [EF]}
ef=${2:-40}
primary=${REPLICA_DEMO_PORT:-55450}
standby=$((primary + 1))
source "$(dirname "$0")/local_clusters.sh"

start_cluster primary "$primary"
sql "$primary" -c "CREATE EXTENSION vectorx"
run_bench() {  # port, then vectorx-bench options
  local port=$1
  shift
  "$bench" --dataset fashion-mnist --conninfo "host=$base port=$port dbname=postgres" --table items \
    --queries-limit 500 --sweep "hnsw.ef_search=$ef" "$@" | grep -E '^(search|build):'
}
run_bench "$primary" --storage plain \
  --index "CREATE INDEX ON {table} USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)" \
  --clients 1,2 | sed 's/^search:/search primary:/'
"$bin/pg_basebackup" -h "$base" -p "$primary" -D "$base/standby" -R -X stream -c fast >/dev/null
start_cluster standby "$standby"
until [ "$(sql "$standby" -At -c 'SELECT pg_is_in_recovery()')" = t ]; do sleep 1; done
echo "standby on port $standby, in recovery; the index is usable there:"
run_bench "$standby" --repeat 2 | sed 's/^search:/search standby alone:/'
echo "one client on the primary and one on the standby at the same time (repeat 4):"
run_bench "$primary" --repeat 4 | sed 's/^search:/search primary, shared:/' &
run_bench "$standby" --repeat 4 | sed 's/^search:/search standby, shared:/'
wait
echo "two clients on the primary (repeat 4):"
run_bench "$primary" --repeat 4 --clients 2 | sed 's/^search:/search primary, 2 clients:/'
