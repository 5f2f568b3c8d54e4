"""DANNRegressor against source-only on a shifted regression problem.

The rotated moons with a real-valued target (``make_domain_moons_regression``:
``y`` is the position along the two moons, the target domain is rotated by
35 degrees), target R^2 and RMSE per seed for ``lambda_max=0`` (source-only,
the same network) and DANN, with the settings the moons want (lr 0.05,
lambda_max 3, 64 hidden units, 150 epochs), one thread.

    python benchmarks/regression.py [--seeds 0 1 2 3 4 5 6 7] [--lambda-max 3]

Writes ``<out>/regression.json`` and ``.md`` (default: benchmarks/results).
"""
import time

import numpy as np
from sklearn.metrics import mean_squared_error, r2_score

from _harness import machine, make_parser, save_results
from sk_dann import DANNRegressor
from sk_dann.datasets import make_domain_moons_regression


def main():
    parser = make_parser(__doc__, seeds=range(8))
    parser.add_argument("--lambda-max", type=float, default=3.0)
    parser.add_argument("--n-samples", type=int, default=150)
    parser.add_argument("--epochs", type=int, default=150)
    args = parser.parse_args()
    settings = dict(lr=0.05, max_epochs=args.epochs, hidden_layer_sizes=64,
                    domain_hidden_layer_sizes=64, n_threads=1)
    rows = []
    for seed in args.seeds:
        Xs, ys, Xt, yt = make_domain_moons_regression(n_samples=args.n_samples,
                                                      random_state=seed)
        row = {"seed": seed}
        for label, strength in (("source_only", 0.0), ("dann", args.lambda_max)):
            start = time.perf_counter()
            model = DANNRegressor(lambda_max=strength, random_state=seed, **settings)
            predicted = model.fit(Xs, ys, X_target=Xt).predict(Xt)
            row[f"{label}_fit_s"] = time.perf_counter() - start
            row[f"{label}_r2"] = r2_score(yt, predicted)
            row[f"{label}_rmse"] = mean_squared_error(yt, predicted) ** 0.5
        rows.append(row)
        print(f"seed {seed}: target R^2 {row['source_only_r2']:.3f} -> {row['dann_r2']:.3f}",
              flush=True)
    keys = [k for k in rows[0] if k != "seed"]
    mean = {k: float(np.mean([r[k] for r in rows])) for k in keys}
    wins = sum(r["dann_r2"] > r["source_only_r2"] for r in rows)
    lines = [
        f"# DANNRegressor on the rotated moons (35 degrees), lambda_max={args.lambda_max}", "",
        f"{args.n_samples} rows per domain, {args.epochs} epochs, seeds {args.seeds}; "
        "target R^2 and RMSE.", "",
        "| seed | R^2 source-only | R^2 DANN | RMSE source-only | RMSE DANN | fit s (DANN) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {r['seed']} | {r['source_only_r2']:.3f} | {r['dann_r2']:.3f} | "
              f"{r['source_only_rmse']:.3f} | {r['dann_rmse']:.3f} | {r['dann_fit_s']:.1f} |"
              for r in rows]
    lines += [f"| mean | {mean['source_only_r2']:.3f} | {mean['dann_r2']:.3f} | "
              f"{mean['source_only_rmse']:.3f} | {mean['dann_rmse']:.3f} | "
              f"{mean['dann_fit_s']:.1f} |", "",
              f"DANN better on {wins} of {len(rows)} seeds."]
    save_results(args.out, "regression", "\n".join(lines),
                 {"rows": rows, "mean": mean, "wins": wins},
                 machine(settings["n_threads"], lambda_max=args.lambda_max,
                         n_samples=args.n_samples, epochs=args.epochs, seeds=args.seeds))


if __name__ == "__main__":
    main()
