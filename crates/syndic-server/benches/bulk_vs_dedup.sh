#!/usr/bin/env bash
# Bulk `syndic index add` against batch `syndic dedup` on the same corpus, side by side: the
# wall time of each, documents/s, and the ratio (the target is at least 0.5).
#
#   cargo build --release -p syndic-cli
#   crates/syndic-server/benches/bulk_vs_dedup.sh CORPUS [SYNDIC] [WORKDIR]
#
# SYNDIC defaults to target/release/syndic (or $CARGO_TARGET_DIR/release/syndic); WORKDIR (a
# fresh index is built in WORKDIR/bulk-index, removed afterwards) defaults to a temporary
# directory. Both commands read the same file with the same settings and print the same family
# count, which is checked. CPU seconds (user + system) are printed beside wall time: on a shared
# machine the wall-clock ratio swings with the neighbours' load, the CPU figures much less.
set -euo pipefail
corpus=${1:?usage: bulk_vs_dedup.sh CORPUS [SYNDIC] [WORKDIR]}
syndic=${2:-${CARGO_TARGET_DIR:-target}/release/syndic}
work=${3:-$(mktemp -d)}
index="$work/bulk-index"
rm -rf "$index"

now() { date +%s.%N; }
docs=$(wc -l < "$corpus")

t0=$(now)
/usr/bin/time -f "%U %S" -o "$work/dedup.cpu" "$syndic" dedup "$corpus" --quiet -o "$work/dedup.jsonl"
t1=$(now)
/usr/bin/time -f "%U %S" -o "$work/add.cpu" "$syndic" index add "$corpus" --data "$index" --quiet
t2=$(now)
dedup_cpu=$(awk '{print $1 + $2}' "$work/dedup.cpu")
add_cpu=$(awk '{print $1 + $2}' "$work/add.cpu")
read -r add_families store_bytes < <("$syndic" index stats --data "$index" |
    python3 -c 'import sys, json; s = json.load(sys.stdin); print(s["families"], s["bytes_on_disk"])')
dedup_families=$(python3 -c 'import sys, json; print(len({json.loads(l)["version"] for l in open(sys.argv[1])}))' "$work/dedup.jsonl")
rm -rf "$index" "$work/dedup.jsonl" "$work/dedup.cpu" "$work/add.cpu"

python3 - "$docs" "$t0" "$t1" "$t2" "$dedup_families" "$add_families" "$dedup_cpu" "$add_cpu" "$store_bytes" <<'PY'
import sys
docs, t0, t1, t2 = int(sys.argv[1]), *map(float, sys.argv[2:5])
dedup_f, add_f = int(sys.argv[5]), int(sys.argv[6])
dedup_cpu, add_cpu = float(sys.argv[7]), float(sys.argv[8])
store_mb = int(sys.argv[9]) / 1e6
dedup, add = t1 - t0, t2 - t1
print(f"dedup:     {docs} documents in {dedup:.1f} s = {docs / dedup:.0f} docs/s, {dedup_cpu:.1f} CPU-s ({dedup_f} families)")
print(f"index add: {docs} documents in {add:.1f} s = {docs / add:.0f} docs/s, {add_cpu:.1f} CPU-s ({add_f} families, store {store_mb:.0f} MB)")
print(f"ratio index add / dedup throughput: {dedup / add:.2f} (CPU per document: {dedup_cpu / add_cpu:.2f})")
if dedup_f != add_f:
    sys.exit(f"family counts differ: dedup {dedup_f}, index add {add_f}")
PY
