#!/usr/bin/env python3
"""Side-by-side benchmark of syndic against datasketch and rensa on one labelled corpus.

Each peer runs a complete, ordinary dedup pipeline, end to end:
read JSON Lines -> lowercase -> words (maximal runs of alphanumeric characters) -> word 5-gram
shingles -> MinHash (num_perm=128) -> LSH query then insert -> keep candidates whose estimated
Jaccard (from the signatures) reaches the threshold -> union-find -> write one JSON line per
document with `id` and `version` (the id of its cluster's first document).

That is the same shingling and the same num_perm as syndic's defaults. Every run is a separate
process started through `syndic-bench measure` (wall time, CPU time, peak memory from the
kernel), and every output is scored by `syndic-bench eval`, the same code that scores syndic.

Usage (run.sh calls this):
  peers.py run TOOL CORPUS OUT [--threshold T] [--bands B]      one pipeline, no timing
  peers.py compare --corpus F --bench BIN --work DIR [--syndic ...] [--quick]
"""

import argparse
import json
import re
import subprocess
import sys
import time

NUM_PERM = 128
SHINGLE = 5
WORD = re.compile(r"[^\W_]+")


def shingles(text):
    """Word 5-grams of lowercased alphanumeric words; a shorter text is one shingle."""
    words = WORD.findall(text.lower())
    if not words:
        return []
    n = min(SHINGLE, len(words))
    return [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]


class UnionFind:
    def __init__(self):
        self.parent = []

    def add(self):
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def find(self, x):
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # Keep the earlier document as root, so the family id is its first member.
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def read_corpus(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            yield doc["id"], doc["text"]


def run_datasketch(corpus, out, threshold):
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    ids, sigs = [], []
    uf = UnionFind()
    for doc_id, text in read_corpus(corpus):
        m = MinHash(num_perm=NUM_PERM, seed=1)
        m.update_batch([s.encode("utf-8") for s in shingles(text)])
        i = uf.add()
        for j in lsh.query(m):
            if m.jaccard(sigs[j]) >= threshold:
                uf.union(i, j)
        lsh.insert(i, m)
        ids.append(doc_id)
        sigs.append(m)
    write(out, ids, uf)


def run_rensa(corpus, out, threshold, bands):
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold=threshold, num_perm=NUM_PERM, num_bands=bands)
    ids, sigs = [], []
    uf = UnionFind()
    for doc_id, text in read_corpus(corpus):
        m = RMinHash(num_perm=NUM_PERM, seed=1)
        m.update(shingles(text))
        i = uf.add()
        for j in lsh.query(m):
            if m.jaccard(sigs[j]) >= threshold:
                uf.union(i, j)
        lsh.insert(i, m)
        ids.append(doc_id)
        sigs.append(m)
    write(out, ids, uf)


def write(out, ids, uf):
    with open(out, "w", encoding="utf-8") as f:
        for i, doc_id in enumerate(ids):
            f.write(json.dumps({"id": doc_id, "version": ids[uf.find(i)]}))
            f.write("\n")


def measured(bench, command):
    """Runs a command under `syndic-bench measure`; returns its measurement."""
    res = subprocess.run([bench, "measure", "--", *command], stdout=subprocess.PIPE, text=True)
    lines = [l for l in res.stdout.splitlines() if l.startswith("{")]
    if res.returncode != 0 or not lines:
        sys.exit(f"failed: {' '.join(command)}")
    return json.loads(lines[-1])


def evaluate(bench, corpus, pred):
    res = subprocess.run(
        [bench, "eval", "--corpus", corpus, "--pred", pred, "--json"],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(res.stdout)


def compare(args):
    me = [sys.executable, __file__, "run"]
    runs = [
        ("syndic", "0.35 (J) + C>=0.7", args.syndic),
        ("rensa", "0.7 (16 bands)", me + ["rensa", args.corpus, f"{args.work}/rensa-0.7.jsonl",
                                           "--threshold", "0.7", "--bands", "16"]),
        ("rensa", "0.4 (32 bands)", me + ["rensa", args.corpus, f"{args.work}/rensa-0.4.jsonl",
                                           "--threshold", "0.4", "--bands", "32"]),
        ("datasketch", "0.9 (default)", me + ["datasketch", args.corpus,
                                               f"{args.work}/datasketch-0.9.jsonl",
                                               "--threshold", "0.9"]),
        ("datasketch", "0.4", me + ["datasketch", args.corpus, f"{args.work}/datasketch-0.4.jsonl",
                                    "--threshold", "0.4"]),
    ]
    if args.quick:
        runs = [r for r in runs if r[1] != "0.9 (default)"]
    docs = sum(1 for _ in open(args.corpus, encoding="utf-8"))
    mb = __import__("os").path.getsize(args.corpus) / 1e6
    rows = []
    for tool, threshold, command in runs:
        out = command[command.index("-o") + 1] if tool == "syndic" else command[5]
        print(f"running {tool} at {threshold} ...", file=sys.stderr, flush=True)
        m = measured(args.bench, command)
        q = evaluate(args.bench, args.corpus, out)
        rows.append((tool, threshold, m, q))
    syndic_speed = docs / rows[0][2]["wall_s"]
    print(f"\ncorpus: {args.corpus} ({docs} docs, {mb:.1f} MB); word 5-grams, num_perm {NUM_PERM}")
    head = (f"{'tool':<11} {'threshold':<18} {'wall s':>8} {'docs/s':>9} {'MB/s':>7} "
            f"{'peak MB':>8} {'prec':>7} {'recall':>7} {'R[.4,.5)':>8} {'ARI':>7} "
            f"{'syndic/peer':>11}")
    print(head)
    print("-" * len(head))
    for tool, threshold, m, q in rows:
        speed = docs / m["wall_s"]
        low = q["buckets"]["buckets"][0]
        low_recall = low["found"] / low["total"] if low["total"] else 1.0
        ratio = "" if tool == "syndic" else f"{syndic_speed / speed:.1f}x"
        print(f"{tool:<11} {threshold:<18} {m['wall_s']:>8.1f} {speed:>9.0f} "
              f"{mb / m['wall_s']:>7.1f} {m['max_rss_mb']:>8.0f} "
              f"{q['scores']['precision']:>7.4f} {q['scores']['recall']:>7.4f} "
              f"{low_recall:>8.4f} {q['scores']['ari']:>7.4f} {ratio:>11}")
    best = {}
    for tool, _, m, _ in rows[1:]:
        best[tool] = max(best.get(tool, 0), docs / m["wall_s"])
    print()
    for tool, target in (("datasketch", 30), ("rensa", 10)):
        if tool in best:
            ratio = syndic_speed / best[tool]
            verdict = "met" if ratio >= target else "MISSED"
            print(f"target: syndic >= {target}x {tool} (its fastest run): {ratio:.1f}x -> {verdict}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run one peer pipeline")
    r.add_argument("tool", choices=["datasketch", "rensa"])
    r.add_argument("corpus")
    r.add_argument("out")
    r.add_argument("--threshold", type=float, default=0.7)
    r.add_argument("--bands", type=int, default=16, help="rensa LSH bands")
    c = sub.add_parser("compare", help="run syndic and the peers, print the table")
    c.add_argument("--corpus", required=True)
    c.add_argument("--bench", required=True, help="path of the syndic-bench binary")
    c.add_argument("--work", required=True, help="directory for outputs")
    c.add_argument("--syndic", nargs=argparse.REMAINDER, required=True,
                   help="the syndic command to time (must contain -o OUT)")
    c.add_argument("--quick", action="store_true", help="skip datasketch at 0.9")
    args = p.parse_args()
    if args.cmd == "run":
        start = time.perf_counter()
        if args.tool == "datasketch":
            run_datasketch(args.corpus, args.out, args.threshold)
        else:
            run_rensa(args.corpus, args.out, args.threshold, args.bands)
        print(f"{args.tool}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    else:
        compare(args)


if __name__ == "__main__":
    main()
