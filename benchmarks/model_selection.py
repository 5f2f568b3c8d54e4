"""Unsupervised model selection on real domain-adaptation pairs.

For every ordered pair of each suite, prints the target accuracy of
source-only, DANN at default settings, DANN selected by each unsupervised
scorer (grid search over ``lambda_max`` and ``max_epochs``, no target labels), and the
oracle (the grid point with the best target accuracy, which needs target
labels). Writes ``benchmarks/results/model_selection_<suite>.{json,md}``.

    python benchmarks/model_selection.py --data-dir ../shared/data

Target labels are used only to score the chosen models.
"""
import argparse
import itertools
import json
import os
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer, StandardScaler

from sk_dann import DANNClassifier, pack_domains
from sk_dann.datasets import load_office_caltech
from sk_dann.model_selection import DomainStratifiedKFold, unsupervised_scorers

SUITES = {
    # name: (features folder, domains, preprocessing steps before DANN)
    "office_googlenet": ("office_caltech10_googlenet1024", ("amazon", "dslr", "webcam"),
                         lambda: [StandardScaler()]),
    # The GFK/JDA protocol for SURF histograms: L1-normalise rows, then z-score.
    "office_surf": ("office_caltech10_surf", ("amazon", "caltech", "dslr", "webcam"),
                    lambda: [Normalizer(norm="l1"), StandardScaler()]),
}
# The default (lambda_max=0.3, 100 epochs) is one of the grid points.
GRID = {"dannclassifier__lambda_max": [0.0, 0.1, 0.3, 1.0],
        "dannclassifier__max_epochs": [30, 100]}


def run_pair(src, tgt, steps, seed):
    X, y = pack_domains(src.X, src.y, tgt.X)

    def model(**params):
        return make_pipeline(*steps(), DANNClassifier(random_state=seed, **params))

    def target_accuracy(estimator):
        return float(np.mean(estimator.fit(X, y).predict(tgt.X) == tgt.y))

    result = {"source_only": target_accuracy(model(lambda_max=0.0)),
              "dann_default": target_accuracy(model())}
    grid = list(itertools.product(*GRID.values()))
    # Oracle table: every grid point refitted on all rows, scored on target labels.
    oracle = {point: target_accuracy(model(**{
        k.split("__")[1]: v for k, v in zip(GRID, point)})) for point in grid}
    result["oracle"] = max(oracle.values())
    search = GridSearchCV(model(), GRID, scoring=unsupervised_scorers(),
                          refit=False, cv=DomainStratifiedKFold(3, random_state=seed))
    search.fit(X, y)
    for name in unsupervised_scorers():
        best = search.cv_results_["params"][np.argmax(search.cv_results_[f"mean_test_{name}"])]
        point = tuple(best[k] for k in GRID)
        result[name] = oracle[point]
        result[f"{name}_choice"] = {k.split("__")[1]: v for k, v in best.items()}
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("SK_DANN_DATA", "../shared/data"))
    parser.add_argument("--suites", nargs="+", default=list(SUITES), choices=list(SUITES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)

    columns = ["source_only", "dann_default", *unsupervised_scorers(), "oracle"]
    header = "| pair | " + " | ".join(columns) + " | s |"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for suite in args.suites:
        features, domains, steps = SUITES[suite]
        data = {d: load_office_caltech(d, features=features, data_home=args.data_dir)
                for d in domains}
        lines = [header, "|---" * (len(columns) + 2) + "|"]
        print(f"{suite}: target accuracy\n{header}", flush=True)
        results = []
        for s, t in itertools.permutations(domains, 2):
            start = time.perf_counter()
            result = run_pair(data[s], data[t], steps, args.seed)
            result.update(pair=f"{s[0].upper()}->{t[0].upper()}",
                          seconds=time.perf_counter() - start)
            results.append(result)
            lines.append(f"| {result['pair']} | " + " | ".join(
                f"{result[c]:.3f}" for c in columns) + f" | {result['seconds']:.0f} |")
            print(lines[-1], flush=True)
        lines.append("| mean | " + " | ".join(
            f"{np.mean([r[c] for r in results]):.3f}" for c in columns) + " | |")
        print(lines[-1], flush=True)
        (out / f"model_selection_{suite}.json").write_text(json.dumps(
            {"args": vars(args), "grid": GRID, "results": results}, indent=1, default=str))
        (out / f"model_selection_{suite}.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
