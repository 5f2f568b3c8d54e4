"""An imbalanced source: class_weight="balanced" against no weights.

Amazon reviews (5000-d, the JMLR paper's data): the source keeps all 1000
negative and the first 50 positive reviews of its training set (in file
order); the target's 2000 training reviews are the unlabeled target rows and
its test reviews score the model. Preprocessing as in the suite (log1p, then
z-scores fitted on source and target rows). Per pair and seed: balanced
accuracy and accuracy on the target test set, for ``class_weight=None``,
``class_weight="balanced"`` (default settings otherwise: 100 epochs), and
``class_weight="balanced"`` with ``early_stopping=True`` (10% of the labeled
source rows held out, stratified), which trains fewer epochs.

    python benchmarks/imbalanced_source.py --data-dir ../shared/data
    python benchmarks/imbalanced_source.py --data-dir ../shared/data --pairs B->D --seeds 0

Writes ``<out>/imbalanced_source.json`` and ``.md`` (default: benchmarks/results).
"""
import numpy as np
import torch
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from _harness import amazon_pairs, machine, make_parser, save_results
from sk_dann import DANNClassifier, pack_domains

SETTINGS = (("none", {}), ("balanced", {"class_weight": "balanced"}),
            ("balanced_early", {"class_weight": "balanced", "early_stopping": True}))


def imbalance(X, y, n_negative=1000, n_positive=50):
    rows = np.r_[np.flatnonzero(y == 0)[:n_negative], np.flatnonzero(y == 1)[:n_positive]]
    return X[rows], y[rows]


def main():
    parser = make_parser(__doc__, data_dir=True, seeds=(0, 1), threads=1)
    parser.add_argument("--pairs", nargs="+", default=["B->D", "D->E", "E->K", "K->B"])
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="override max_epochs (default: the estimator's, 100)")
    args = parser.parse_args()
    epochs = {} if args.max_epochs is None else {"max_epochs": args.max_epochs}
    torch.set_num_threads(args.threads)

    rows = []
    for name, (Xs, ys, Xt, Xt_test, yt_test) in amazon_pairs(args.data_dir):
        if name not in args.pairs:
            continue
        Xs, ys = imbalance(Xs, ys)
        X, y = pack_domains(Xs, ys, Xt)
        for seed in args.seeds:
            row = {"pair": name, "seed": seed}
            for label, params in SETTINGS:
                model = make_pipeline(FunctionTransformer(np.log1p), StandardScaler(),
                                      DANNClassifier(random_state=seed, **epochs, **params))
                predicted = model.fit(X, y).predict(Xt_test)
                row[f"{label}_balanced_acc"] = balanced_accuracy_score(yt_test, predicted)
                row[f"{label}_acc"] = accuracy_score(yt_test, predicted)
                row[f"{label}_positive_share"] = float(np.mean(predicted == 1))
            rows.append(row)
            print(f"{name} seed {seed}: balanced accuracy {row['none_balanced_acc']:.3f} -> "
                  f"{row['balanced_balanced_acc']:.3f} (class_weight='balanced'), "
                  f"{row['balanced_early_balanced_acc']:.3f} (and early stopping)", flush=True)

    mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0] if k not in ("pair", "seed")}
    lines = [
        "# Imbalanced source (1000 negative, 50 positive Amazon reviews)", "",
        f"Pairs {', '.join(args.pairs)}; seeds {args.seeds}; {args.threads} thread(s); "
        "target test set. Balanced accuracy (accuracy; share predicted positive).", "",
        "| pair | seed | no weights | class_weight='balanced' | balanced + early_stopping |",
        "| --- | --- | --- | --- | --- |",
    ]

    def cell(r, label):
        return (f"{r[label + '_balanced_acc']:.3f} ({r[label + '_acc']:.3f}; "
                f"{r[label + '_positive_share']:.3f})")

    lines += [f"| {r['pair']} | {r['seed']} | " + " | ".join(cell(r, label) for label, _ in SETTINGS)
              + " |" for r in rows]
    lines.append("| mean | | " + " | ".join(cell(mean, label) for label, _ in SETTINGS) + " |")
    save_results(args.out, "imbalanced_source", "\n".join(lines), {"rows": rows, "mean": mean},
                 machine(args.threads, pairs=args.pairs, seeds=args.seeds,
                         max_epochs=epochs.get("max_epochs", DANNClassifier().max_epochs)))


if __name__ == "__main__":
    main()
