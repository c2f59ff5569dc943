#!/usr/bin/env bash
# The runs behind docs/performance.md, inside a pg_virtualenv cluster.
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
# hnsw index vs hnswlib (1 thread); the build runs on 1 + max_parallel_maintenance_workers threads
hnsw_index='CREATE INDEX ON {table} USING hnsw (embedding vector_l2_ops)'
ef=10,20,40,80,160,320
PGOPTIONS="-c maintenance_work_mem=2GB -c max_parallel_maintenance_workers=1" \
  run siftsmall-hnsw --dataset siftsmall --data-dir "$data" --storage plain --index "$hnsw_index" \
  --sweep hnsw.ef_search=$ef --anchors hnswlib --hnsw-ef $ef --insert-fraction 0.2 --insert-batches 1,100 --insert-clients 1,2 --clients 1,2 --repeat 5
PGOPTIONS="-c maintenance_work_mem=2GB -c max_parallel_maintenance_workers=1" \
  run fashion-mnist-hnsw --dataset fashion-mnist --queries-limit 500 --storage plain --index "$hnsw_index" --repeat 5 \
  --sweep hnsw.ef_search=$ef --anchors hnswlib --hnsw-ef $ef --clients 1,2
# inserts into an indexed fashion-mnist table: 54,000 rows built, 6,000 inserted
PGOPTIONS="-c maintenance_work_mem=2GB -c max_parallel_maintenance_workers=1" \
  run fashion-mnist-hnsw-inserts --dataset fashion-mnist --table vxb_fashion_mnist_inserts --queries-limit 500 \
  --storage plain --index "$hnsw_index" --insert-fraction 0.1 --insert-batches 1,100 --insert-clients 1,2 --sweep hnsw.ef_search=40
# ivfflat and ivfpq (defaults: 8-bit scalar codes re-checked to ivfflat's answer), each in the
# same run as FAISS IVFFlat / IVFPQ / IVFPQ + exact re-rank of 40 candidates
for spec in "ivfflat|ivfflat.probes" "ivfpq|ivfpq.probes"; do
  am="${spec%%|*}" guc="${spec##*|}"
  run "siftsmall-$am" --dataset siftsmall --data-dir "$data" --storage plain \
    --index "CREATE INDEX ON {table} USING $am (embedding) WITH (lists = 100)" --sweep "$guc=4,8,16" --repeat 3 \
    --anchors faiss-ivfflat,faiss-ivfpq,faiss-ivfpq-rerank --ivf-lists 100 --ivf-probes 4,8,16 --pq-m 64 --pq-nbits 4 --pq-rerank 40
  PGOPTIONS="-c maintenance_work_mem=1GB" run "fashion-mnist-$am" --dataset fashion-mnist --queries-limit 1000 --storage plain \
    --index "CREATE INDEX ON {table} USING $am (embedding) WITH (lists = 245)" --sweep "$guc=4,5,6,8" --repeat 2 \
    --anchors faiss-ivfflat,faiss-ivfpq,faiss-ivfpq-rerank --ivf-lists 245 --ivf-probes 4,5,6,8 --pq-m 196 --pq-nbits 4 --pq-rerank 40
done
# exact search through a flat index (recall 1), with the in-process flat scans as anchors
run fashion-mnist-flat --dataset fashion-mnist --queries-limit 500 --storage plain \
  --index "CREATE INDEX ON {table} USING flat (embedding)" --anchors faiss-flat,kernel-scan
# IVF build times on 1 and 2 threads (max_parallel_maintenance_workers 0 and 1)
for am in ivfflat ivfpq; do
  for workers in 0 1; do
    echo "build $am fashion-mnist lists=245 max_parallel_maintenance_workers=$workers"
    psql -X -q -c "DROP INDEX IF EXISTS vxb_fashion_mnist_embedding_idx" \
      -c "SET maintenance_work_mem = '1GB'" -c "SET max_parallel_maintenance_workers = $workers" -c '\timing on' \
      -c "CREATE INDEX ON vxb_fashion_mnist USING $am (embedding) WITH (lists = 245)"
  done
done | tee "$out/ivf-build-threads.txt"
# build settings: rows per assignment batch and training sample size (fashion-mnist, 2 threads)
for setting in vectorx.build_batch_rows=64 vectorx.build_batch_rows=1024 vectorx.build_batch_rows=4096 \
  vectorx.build_batch_rows=65536 vectorx.build_sample_rows=5000 vectorx.build_sample_rows=0 \
  vectorx.build_sample_rows=30000 vectorx.build_sample_rows=60000; do
  echo "$setting"
  PGOPTIONS="-c maintenance_work_mem=1GB -c max_parallel_maintenance_workers=1 -c $setting" \
    build/vectorx-bench --dataset fashion-mnist --queries-limit 1000 \
    --index "CREATE INDEX ON {table} USING ivfflat (embedding) WITH (lists = 245)" --sweep ivfflat.probes=5 | grep -E '^(build|search):'
done | tee "$out/build-settings.txt"
