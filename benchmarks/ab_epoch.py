"""Seconds per epoch of two checkouts of sk_dann, interleaved in one run.

A/B timing on a noisy machine: each run fits the default network on the
scale suite's data (20k + 20k rows, 2048-d, one thread, 3 epochs, median of
epochs 2-3) at batch 64 and 256, alternating the two checkouts ``--repeats``
times, and prints each run and the medians.

    git worktree add /tmp/old <commit>
    python benchmarks/ab_epoch.py /tmp/old . --repeats 5
"""
import argparse
import statistics
import subprocess
import sys

CHILD = """
import statistics, sys, torch
torch.set_num_threads(1)
sys.path[:0] = [{root!r}, {root!r} + "/benchmarks"]
from suite import make_scale_data
from sk_dann import DANNClassifier, pack_domains
X, y = pack_domains(*make_scale_data()[:3])
for b in (64, 256):
    clf = DANNClassifier(batch_size=b, max_epochs=3, random_state=0).fit(X, y)
    print(b, statistics.median(clf.history_[1:, "dur"]))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    times = {(root, b): [] for root in (args.a, args.b) for b in (64, 256)}
    for _ in range(args.repeats):
        for root in (args.a, args.b):
            out = subprocess.run([sys.executable, "-c", CHILD.format(root=root)],
                                 capture_output=True, text=True, check=True).stdout
            for line in out.split("\n"):
                if line.strip():
                    batch, seconds = line.split()
                    times[root, int(batch)].append(float(seconds))
            print(root, {b: round(times[root, b][-1], 3) for b in (64, 256)}, flush=True)
    for b in (64, 256):
        a, c = (statistics.median(times[r, b]) for r in (args.a, args.b))
        print(f"batch {b}: {args.a} {a:.3f} s, {args.b} {c:.3f} s, ratio b/a {c / a:.2f}")


if __name__ == "__main__":
    main()
