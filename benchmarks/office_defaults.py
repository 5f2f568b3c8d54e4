"""Measure DANN defaults (lambda_max, lr, epochs) on the embedded Office-Caltech10 features.

Prints a table of target accuracy (mean over seeds) for the 6 ordered pairs
(A, D, W) and writes it with its data to ``<out>/office_defaults.md`` and
``.json`` (default: benchmarks/results). Target labels are used
only to score: this is a study of *defaults*, not a model-selection method.

    python benchmarks/office_defaults.py
"""
import itertools
import time

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _harness import machine, make_parser, office_pairs, save_results
from sk_dann import DANNClassifier, pack_domains
from sk_dann.datasets import OFFICE_CALTECH_DOMAINS

GRID = {"lr": [0.01], "max_epochs": [30, 100], "lambda_max": [0.0, 0.1, 0.3, 1.0]}
SEEDS = [0, 1, 2]


def main():
    # The embedded GoogLeNet features: no data folder needed.
    data = dict(office_pairs("office_caltech10_googlenet1024", OFFICE_CALTECH_DOMAINS, None))
    parser = make_parser(__doc__, seeds=SEEDS)
    parser.add_argument("--pairs", nargs="+", default=list(data), choices=list(data),
                        help="run only these pairs, e.g. A->W (default: all 6)")
    parser.add_argument("--max-epochs", type=int, nargs="+", default=GRID["max_epochs"],
                        help="the max_epochs of the grid (default: %(default)s)")
    args = parser.parse_args()
    grid = {**GRID, "max_epochs": args.max_epochs}
    lines = ["| lr | max_epochs | lambda_max | " + " | ".join(args.pairs)
             + " | mean | fit s (median) |",
             "|---" * (len(args.pairs) + 5) + "|"]
    print(lines[0], flush=True)
    rows = []
    for lr, epochs, lam in itertools.product(*grid.values()):
        accs, times, per_seed = [], [], {}
        for name in args.pairs:
            Xs, ys, Xt, _, yt = data[name]
            X, y = pack_domains(Xs, ys, Xt)
            seed_accs = []
            for seed in args.seeds:
                model = make_pipeline(StandardScaler(), DANNClassifier(
                    lambda_max=lam, lr=lr, max_epochs=epochs, random_state=seed))
                start = time.perf_counter()
                model.fit(X, y)
                times.append(time.perf_counter() - start)
                seed_accs.append(float(np.mean(model.predict(Xt) == yt)))
            accs.append(np.mean(seed_accs))
            per_seed[name] = seed_accs
        line = (f"| {lr} | {epochs} | {lam} | " + " | ".join(f"{a:.3f}" for a in accs)
                + f" | {np.mean(accs):.3f} | {np.median(times):.1f} |")
        lines.append(line)
        rows.append({"lr": lr, "max_epochs": epochs, "lambda_max": lam,
                     "accuracy": dict(zip(args.pairs, map(float, accs))),
                     "accuracy_per_seed": per_seed, "mean": float(np.mean(accs)),
                     "fit_s_median": float(np.median(times)), "fit_s": times})
        print(line, flush=True)
    save_results(args.out, "office_defaults", "\n".join(lines), rows,
                 machine(seeds=args.seeds, pairs=args.pairs))


if __name__ == "__main__":
    main()
