#!/usr/bin/env bash
# The benchmark: one command, results in one table (see BENCHMARKS.md).
#   bench/run.sh [--stores sqlite,mongodb] [--duration 10] [other harness options]
# Builds the release service and the harness (examples/bench), installs wrk
# if missing, starts a MongoDB-compatible server when mongodb is asked for,
# and runs every scenario. Exits non-zero if any request failed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/mongo-env

if ! command -v wrk >/dev/null 2>&1; then
    echo "== installing wrk (Debian package)"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get install -y wrk >/dev/null || { $sudo apt-get update >/dev/null && $sudo apt-get install -y wrk >/dev/null; }
fi

echo "== cargo build --release (service and harness)"
cargo build --release --bin tripdesk --example bench

args=("$@")
mongo_args=()
if [[ " ${args[*]} " == *mongodb* ]]; then
    mongo_install
    trap mongo_stop EXIT
    mongo_start
    mongo_args=(--mongodb-uri "$MONGO_TEST_URI")
fi

mkdir -p target/bench
target/release/examples/bench --server target/release/tripdesk \
    --markdown target/bench/results.md "${mongo_args[@]}" "${args[@]}"
