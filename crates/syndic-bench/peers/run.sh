#!/usr/bin/env bash
# Side by side: syndic, datasketch and rensa on the same labelled corpus, in one run.
#
#   crates/syndic-bench/peers/run.sh [DOCS] [--quick] [--cli]
#
# DOCS      corpus size (default 100000; 10000 for a quick look). The corpus is generated once
#           into $BENCH_DATA (default <repo>/bench-data, git-ignored) and reused.
# --quick   skip datasketch at its default threshold 0.9 (the slowest run).
# --cli     time the real `syndic dedup` binary instead of the engine driver (`syndic-bench run`).
#
# Creates a Python venv in crates/syndic-bench/.venv (git-ignored; override with $PEERS_VENV),
# pip-installs datasketch and rensa into it, builds syndic-bench (and syndic for --cli) in
# release mode ($CARGO_TARGET_DIR honoured), then prints the table of peers.py.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
docs=100000
quick=()
cli=0
for arg in "$@"; do
    case "$arg" in
        --quick) quick=(--quick) ;;
        --cli) cli=1 ;;
        ''|*[!0-9]*) echo "usage: $0 [DOCS] [--quick] [--cli]" >&2; exit 2 ;;
        *) docs="$arg" ;;
    esac
done

venv="${PEERS_VENV:-$root/crates/syndic-bench/.venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check datasketch rensa

target="${CARGO_TARGET_DIR:-$root/target}"
(cd "$root" && cargo build --release --quiet -p syndic-bench)
bench="$target/release/syndic-bench"
if [ "$cli" = 1 ]; then
    (cd "$root" && cargo build --release --quiet -p syndic-cli)
fi

data="${BENCH_DATA:-$root/bench-data}"
work="$data/peers-$docs"
mkdir -p "$work"
corpus="$data/corpus-$docs-seed20260301.jsonl"
if [ ! -f "$corpus" ]; then
    "$bench" generate --docs "$docs" -o "$corpus"
fi

if [ "$cli" = 1 ]; then
    syndic=("$target/release/syndic" dedup "$corpus" -o "$work/syndic.jsonl" --quiet)
else
    syndic=("$bench" run "$corpus" -o "$work/syndic.jsonl")
fi

echo "versions: $("$venv/bin/python" -c 'import importlib.metadata as m; print("datasketch", m.version("datasketch"), "rensa", m.version("rensa"))'); $(nproc) cores" >&2
"$venv/bin/python" "$here/peers.py" compare --corpus "$corpus" --bench "$bench" --work "$work" \
    "${quick[@]}" --syndic "${syndic[@]}"
