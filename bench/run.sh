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
    if ! command -v mongod >/dev/null 2>&1 && ! command -v nx-27017 >/dev/null 2>&1 \
        && ! "$TRIPDESK_MONGO_VENV/bin/nx-27017" --help >/dev/null 2>&1; then
        echo "== installing nx-27017 $NX_27017_VERSION into $TRIPDESK_MONGO_VENV"
        python3 -m venv "$TRIPDESK_MONGO_VENV"
        "$TRIPDESK_MONGO_VENV/bin/pip" install --quiet --disable-pip-version-check "nx-27017==$NX_27017_VERSION"
    fi
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    data="$(mktemp -d)"
    scripts/mongo-server "$port" "$data/db" >"$data/server.log" 2>&1 &
    server=$!
    trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    mongo_args=(--mongodb-uri "mongodb://127.0.0.1:$port")
fi

mkdir -p target/bench
target/release/examples/bench --server target/release/tripdesk \
    --markdown target/bench/results.md "${mongo_args[@]}" "${args[@]}"
