#!/usr/bin/env bash
# N local shard clusters and a coordinator (docs/scale-out.md), run as a non-root user:
#   shard_demo.sh SHARDS BENCH [demo|bench] [EF_LIST]
# The coordinator's table `items` is hash-partitioned over postgres_fdw foreign tables, one per
# shard; each shard has vectorx and an hnsw index. fashion-mnist (Debian's dataset package) is
# loaded through the coordinator. `demo` runs one query and shows its plan; `bench` also times
# the query on the parent (MergeAppend, shards asked in turn), the fan-out query of
# vectorx_fan_out_query (all shards at once) and the same rows on one node, at each ef_search.
set -euo pipefail
shards=${1:?usage: shard_demo.sh SHARDS BENCH [demo|bench] [EF_LIST]}
bench=${2:?}
mode=${3:-demo}
ef_list=${4:-10,20,40,80}
first_port=${SHARD_DEMO_PORT:-55430}
source "$(dirname "$0")/local_clusters.sh"

coordinator=$first_port
start_cluster node0 "$coordinator"
sql "$coordinator" -c "CREATE EXTENSION vectorx" -c "CREATE EXTENSION postgres_fdw" \
  -c "CREATE TABLE items (id int, embedding vector(784)) PARTITION BY HASH (id)"
for s in $(seq 1 "$shards"); do
  port=$((first_port + s))
  start_cluster "node$s" "$port"
  sql "$port" -c "CREATE EXTENSION vectorx" -c "CREATE TABLE items (id int PRIMARY KEY, embedding vector(784))"
  sql "$coordinator" <<SQL
CREATE SERVER shard$s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$base', port '$port', dbname 'postgres',
  extensions 'vectorx', async_capable 'true', use_remote_estimate 'true', fetch_size '10', batch_size '1000');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard$s;
CREATE FOREIGN TABLE items_$s PARTITION OF items FOR VALUES WITH (MODULUS $shards, REMAINDER $((s - 1)))
  SERVER shard$s OPTIONS (table_name 'items');
SQL
done
echo "coordinator on port $coordinator, $shards shards on ports $((first_port + 1))-$((first_port + shards)) (socket $base)"

conninfo="host=$base port=$coordinator dbname=postgres"
run_bench() {  # table, query SQL or "", then extra vectorx-bench options
  local table=$1 query=$2
  shift 2
  "$bench" --dataset fashion-mnist --conninfo "$conninfo" --table "$table" --queries-limit 500 \
    ${query:+--query-sql "$query"} "$@" | grep -E '^(search|build|load):'
}

# One node: the same rows in a local table with its own index (and the loading step).
hnsw="CREATE INDEX ON {table} USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)"
run_bench single "" --storage plain --index "$hnsw" --sweep "hnsw.ef_search=$ef_list"
time_load=$(date +%s.%N)
sql "$coordinator" -c "INSERT INTO items SELECT id, embedding FROM single"
echo "rows routed to the shards in $(echo "$(date +%s.%N) - $time_load" | bc) s"
for s in $(seq 1 "$shards"); do
  sql $((first_port + s)) -c "ALTER TABLE items ALTER embedding SET STORAGE plain" \
    -c "CREATE INDEX ON items USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)" \
    -c "ANALYZE items" -At -c "SELECT 'shard $s: ' || count(*) || ' rows' FROM items"
done
sql "$coordinator" -c "ANALYZE items"

query=$(sql "$coordinator" -At -c "SELECT embedding FROM single ORDER BY id LIMIT 1")
echo "-- the nearest 5 to row 1, through the coordinator:"
sql "$coordinator" -c "SELECT id, embedding <-> '$query' AS distance FROM items ORDER BY embedding <-> '$query' LIMIT 5"
sql "$coordinator" -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM items ORDER BY embedding <-> '$query' LIMIT 5" |
  sed -E 's/\[[-0-9.e,]{40,}\]/[…]/g'
[ "$mode" = bench ] || exit 0

fan_out=$(sql "$coordinator" -At -c "SELECT vectorx_fan_out_query('items', 'embedding <-> {q}', 10, 'id')")
for ef in ${ef_list//,/ }; do
  # Settings reach the shards through the connection postgres_fdw opens (a server option).
  for s in $(seq 1 "$shards"); do
    sql "$coordinator" -c "ALTER SERVER shard$s OPTIONS (ADD options '-c hnsw.ef_search=$ef')" 2>/dev/null ||
      sql "$coordinator" -c "ALTER SERVER shard$s OPTIONS (SET options '-c hnsw.ef_search=$ef')"
  done
  echo "-- ef_search $ef on every shard"
  run_bench items "" --sweep "hnsw.ef_search=$ef" | sed 's/^search:/search parent query:/'
  run_bench items "$fan_out" --sweep "hnsw.ef_search=$ef" | sed 's/^search:/search fan-out query:/'
done
echo "-- rows each shard sends for one top-10 query (EXPLAIN ANALYZE on the coordinator):"
sql "$coordinator" -c "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF) SELECT id FROM items ORDER BY embedding <-> '$query' LIMIT 10" |
  grep -E 'Foreign Scan|Limit' | sed -E 's/\[[-0-9.e,]{40,}\]/[…]/g'
fan_out_literal=${fan_out//\{q\}/\'$query\'::vector}
sql "$coordinator" -c "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF) $fan_out_literal" |
  grep -E 'Foreign Scan|Limit' | sed -E 's/\[[-0-9.e,]{40,}\]/[…]/g'
