#!/usr/bin/env bash
# The per-instruction-set kernel objects must define no weak (mergeable) code: the linker
# keeps one copy of a weak function for the whole library, so an inline function compiled
# with -mavx512f could end up running on a CPU without AVX-512. Run after `make`.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for obj in src/core/kernels/sse2.o src/core/kernels/avx2.o src/core/kernels/avx512.o; do
  weak=$(nm -C "$obj" | awk '$2 == "W"' || true)
  if [ -n "$weak" ]; then
    echo "FAIL: $obj defines weak code:"
    echo "$weak"
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "kernel objects isolated: ok"
exit "$status"
