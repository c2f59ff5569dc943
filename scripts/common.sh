# Shared by the scripts in this folder: root check, build, and running as a non-root user
# (PostgreSQL refuses to run as root; the TAP tests start their own servers).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEST_USER=vectorx_test

require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    exec sudo -E "$0" "$@"
  fi
}

build_and_install() {
  cmake -S "$REPO" -B "$REPO/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$REPO/build" -j"$(nproc)"
  make -C "$REPO" -j"$(nproc)" >/dev/null
  make -C "$REPO" install >/dev/null
}

# Copies the built tree to a fresh directory owned by $TEST_USER; prints its path.
tree_for_test_user() {
  id "$TEST_USER" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$TEST_USER"
  local dir
  dir="$(mktemp -d /tmp/vectorx.XXXXXX)"
  cp -a "$REPO/." "$dir/"
  chown -R "$TEST_USER" "$dir"
  echo "$dir"
}

as_test_user() {
  runuser -u "$TEST_USER" -- "$@"
}
