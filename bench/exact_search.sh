#!/usr/bin/env bash
# SQL exact top-10 against the in-process scan of the same vectors (warm cache, one client).
# Needs the extension installed (scripts/setup-and-demo), the CMake build, and Debian's
# dataset-fashion-mnist package.
#   bench/exact_search.sh [seconds-per-run]
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
DATA=/usr/share/datasets/fashion-mnist
WORK="$(mktemp -d)"
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT

cmake --build "$REPO/build" --target vectorx_exact_scan >/dev/null
"$REPO/build/vectorx_exact_scan" "$DATA/train-images-idx3-ubyte.gz" "$DATA/t10k-images-idx3-ubyte.gz" \
  --queries 200 --export "$WORK"
pg_virtualenv -v 15 -o shared_buffers=1GB \
  bash "$REPO/bench/exact_search_sql.sh" "$WORK" "${1:-20}" 2>&1 | grep -v 'cluster 15/regress'
