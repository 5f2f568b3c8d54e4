"""Seconds per epoch of two checkouts of sk_dann, interleaved in one run.

A/B timing on a noisy machine: each run fits the default network on the
scale suite's data (20k + 20k rows, 2048-d, one thread, 3 epochs, median of
epochs 2-3) at batch 64 and 256, alternating the two checkouts ``--repeats``
times, and prints each run and the medians.

    git worktree add /tmp/old <commit>
    python benchmarks/ab_epoch.py /tmp/old . --repeats 5

Writes the medians to ``<out>/ab_epoch.md`` and the runs to ``.json``.
"""
import os
import statistics
import subprocess
import sys

from _harness import child_env, machine, make_parser, save_results

# Run in the checkout, with it and its benchmarks/ on PYTHONPATH, so that
# sk_dann comes from there (an older checkout has make_scale_data in suite.py).
CHILD = """
import statistics, torch
torch.set_num_threads(1)
try:
    from _harness import make_scale_data
except ImportError:
    from suite import make_scale_data
from sk_dann import DANNClassifier, pack_domains
X, y = pack_domains(*make_scale_data()[:3])
for b in (64, 256):
    clf = DANNClassifier(batch_size=b, max_epochs=3, random_state=0).fit(X, y)
    print(b, statistics.median(clf.history_[1:, "dur"]))
"""


def main():
    parser = make_parser(__doc__)
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    times = {(root, b): [] for root in (args.a, args.b) for b in (64, 256)}
    for _ in range(args.repeats):
        for root in (args.a, args.b):
            path = os.path.abspath(root)
            # cwd too: ``python -c`` puts the current folder before PYTHONPATH.
            env = child_env(path, os.path.join(path, "benchmarks"))
            out = subprocess.run([sys.executable, "-c", CHILD], cwd=path, env=env,
                                 capture_output=True, text=True, check=True).stdout
            for line in out.split("\n"):
                if line.strip():
                    batch, seconds = line.split()
                    times[root, int(batch)].append(float(seconds))
            print(root, {b: round(times[root, b][-1], 3) for b in (64, 256)}, flush=True)
    lines, rows = [], []
    for b in (64, 256):
        a, c = (statistics.median(times[r, b]) for r in (args.a, args.b))
        lines.append(f"batch {b}: {args.a} {a:.3f} s, {args.b} {c:.3f} s, "
                     f"ratio b/a {c / a:.2f}")
        rows.append({"batch": b, "a": args.a, "b": args.b, "a_epoch_s": a, "b_epoch_s": c,
                     "ratio_b_a": c / a, "a_runs": times[args.a, b],
                     "b_runs": times[args.b, b]})
    save_results(args.out, "ab_epoch", "\n".join(lines), rows,
                 machine(threads=1, repeats=args.repeats))


if __name__ == "__main__":
    main()
