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

Writes benchmarks/results/imbalanced_source.{json,md}.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

sys.path.insert(0, str(Path(__file__).parent))
from suite import amazon_pairs  # noqa: E402

from sk_dann import DANNClassifier, pack_domains  # noqa: E402

RESULTS = Path(__file__).parent / "results"
SETTINGS = (("none", {}), ("balanced", {"class_weight": "balanced"}),
            ("balanced_early", {"class_weight": "balanced", "early_stopping": True}))


def imbalance(X, y, n_negative=1000, n_positive=50):
    rows = np.r_[np.flatnonzero(y == 0)[:n_negative], np.flatnonzero(y == 1)[:n_positive]]
    return X[rows], y[rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--pairs", nargs="+", default=["B->D", "D->E", "E->K", "K->B"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(RESULTS / "imbalanced_source"))
    args = parser.parse_args()
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
                                      DANNClassifier(random_state=seed, **params))
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
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps({"rows": rows, "mean": mean}, indent=1))
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
