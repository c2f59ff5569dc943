# Sourced by bench/shard_demo.sh and bench/replica_demo.sh: throwaway clusters in one temporary
# directory (their sockets there, no TCP), stopped and removed when the script exits.
bin=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
base=$(mktemp -d /tmp/vectorx-clusters.XXXXXX)
cluster_options="-k $base -c listen_addresses='' -c shared_buffers=512MB -c maintenance_work_mem=512MB"

stop_clusters() {
  for dir in "$base"/*/; do
    if [ -f "$dir/postmaster.pid" ]; then "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true; fi
  done
  rm -rf "$base"
}
trap stop_clusters EXIT

# start_cluster NAME PORT: starts $base/NAME on PORT, after initdb unless the directory exists.
start_cluster() {
  [ -d "$base/$1" ] || "$bin/initdb" -D "$base/$1" -A trust >/dev/null
  "$bin/pg_ctl" -D "$base/$1" -l "$base/$1.log" -w start -o "-p $2 $cluster_options" >/dev/null
}

# sql PORT [psql arguments]: psql on database postgres of the cluster on PORT, stopping at errors.
sql() {
  local port=$1
  shift
  psql -X -q -v ON_ERROR_STOP=1 -h "$base" -p "$port" -d postgres "$@"
}
