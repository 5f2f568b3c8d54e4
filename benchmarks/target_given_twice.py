"""What the "target given twice" check costs a fit.

``fit(X, y, X_target=...)`` with ``-1`` among the labels digests the rows of
``X_target`` once and looks up the ``-1`` rows (and, when most of those
match, the other labeled rows) among them, before training. This times that
check alone on dense rows like the scale suite's (2048 float32 columns) and
on sparse bag-of-words rows (50,000 columns, density 0.001), with as many
source rows as target rows and half of them labelled -1, none of them target
rows (the {-1, +1} convention, which the check lets through). Median of
``--repeats`` runs.

    python benchmarks/target_given_twice.py

Writes benchmarks/results/target_given_twice.{json,md}.
"""
import statistics
import time

import numpy as np
import scipy.sparse as sp

from _harness import machine, make_parser, save_results
from sk_dann import DANNClassifier


def data(kind, n_rows, seed):
    if kind == "dense":
        return np.random.default_rng(seed).normal(size=(n_rows, 2048)).astype(np.float32)
    return sp.random(n_rows, 50_000, density=0.001, format="csr", dtype=np.float32,
                     random_state=seed)


def main():
    parser = make_parser(__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[5_000, 20_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for kind in ("dense", "sparse"):
        for n_rows in args.rows:
            X, X_target = data(kind, n_rows, 0), data(kind, n_rows, 1)
            marker = np.arange(n_rows) % 2 == 0  # the {-1, +1} convention
            seconds = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                DANNClassifier()._refuse_target_given_twice(X, marker, X_target)
                seconds.append(time.perf_counter() - start)
            rows.append({"kind": kind, "rows": n_rows, "seconds": statistics.median(seconds)})
            print(rows[-1], flush=True)
    table = "\n".join(
        [f"Check of a fit with -1 labels and X_target (median of {args.repeats})", "",
         "| rows | source + target rows | seconds |", "|---|---:|---:|"]
        + [f"| {r['kind']} | {r['rows']:,} + {r['rows']:,} | {r['seconds']:.3f} |"
           for r in rows])
    save_results(args.out, "target_given_twice", table, rows, machine())


if __name__ == "__main__":
    main()
