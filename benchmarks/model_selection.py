"""Unsupervised model selection on real domain-adaptation pairs, and the rules built on it.

For every ordered pair of each suite, one ``GridSearchCV`` over ``lambda_max``
and ``max_epochs`` scores every grid point with all four unsupervised scorers
(no target labels), and every grid point is refitted on all rows and scored on
the target labels (the oracle table, a reference only). Each pair's row holds
every candidate's per-fold score per scorer, so any selection rule can be
evaluated afterwards without refitting. Rows are appended to
``<out>/model_selection_<suite>.jsonl`` as each pair finishes; a restarted run
skips the pairs already there (same seed and grid).

The report compares, per suite: each scorer alone (best mean score), the
package default, the one-standard-error rule
(:class:`sk_dann.model_selection.KeepDefaultUnlessBetter`) with each scorer,
and the oracle: mean target accuracy, mean regret to the oracle, and the pairs
that fall below source-only. It is written to
``<out>/model_selection_<suite>.md``.

    python benchmarks/model_selection.py --data-dir ../shared/data
    python benchmarks/model_selection.py --report-only   # tables from the rows

Target labels are used only to score the refitted models.
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
# The default (lambda_max=0.3, 100 epochs) and source-only (lambda_max=0, 100
# epochs) are grid points.
GRID = {"dannclassifier__lambda_max": [0.0, 0.1, 0.3, 1.0],
        "dannclassifier__max_epochs": [30, 100]}
N_SPLITS = 3
DEFAULT = {"dannclassifier__lambda_max": 0.3, "dannclassifier__max_epochs": 100}
SOURCE_ONLY = {"dannclassifier__lambda_max": 0.0, "dannclassifier__max_epochs": 100}


def run_pair(src, tgt, steps, seed):
    """One pair's row: per candidate, its target accuracy refitted on all rows
    and its per-fold score under each unsupervised scorer."""
    X, y = pack_domains(src.X, src.y, tgt.X)

    def model(**params):
        return make_pipeline(*steps(), DANNClassifier(random_state=seed)).set_params(**params)

    search = GridSearchCV(model(), GRID, scoring=unsupervised_scorers(), refit=False,
                          cv=DomainStratifiedKFold(N_SPLITS, random_state=seed))
    search.fit(X, y)
    results = search.cv_results_
    params = [dict(p) for p in results["params"]]
    return {
        "params": params,
        # The oracle table: every candidate refitted on all rows, scored on target labels.
        "target_accuracy": [float(np.mean(model(**p).fit(X, y).predict(tgt.X) == tgt.y))
                            for p in params],
        "fold_scores": {name: np.column_stack(
            [results[f"split{k}_test_{name}"] for k in range(N_SPLITS)]).tolist()
            for name in unsupervised_scorers()},
    }


def read_rows(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def cv_results_of(row, scorer):
    """The part of ``GridSearchCV.cv_results_`` a refit rule reads, rebuilt from a row."""
    scores = np.asarray(row["fold_scores"][scorer])
    results = {"params": row["params"], "mean_test_score": scores.mean(axis=1),
               "std_test_score": scores.std(axis=1)}
    results.update({f"split{k}_test_score": scores[:, k] for k in range(scores.shape[1])})
    return results


def rules(scorers):
    """Each selection rule by name: a function of a row that returns a candidate index."""
    from sk_dann.model_selection import KeepDefaultUnlessBetter

    def index_of(params):
        return lambda row: row["params"].index(params)

    def best_mean(scorer):
        return lambda row: int(np.argmax(np.mean(row["fold_scores"][scorer], axis=1)))

    def keep_default(scorer):
        rule = KeepDefaultUnlessBetter(default=DEFAULT)
        return lambda row: rule(cv_results_of(row, scorer))

    table = {"source-only": index_of(SOURCE_ONLY), "default": index_of(DEFAULT)}
    table.update({scorer: best_mean(scorer) for scorer in scorers})
    table.update({f"default unless {scorer} says better (1 SE)": keep_default(scorer)
                  for scorer in scorers})
    table["oracle (target labels)"] = lambda row: int(np.argmax(row["target_accuracy"]))
    return table


def report(suite, rows):
    """Per-pair target accuracy of each rule, then each rule's summary."""
    scorers = list(rows[0]["fold_scores"])
    chosen = {name: [row["target_accuracy"][rule(row)] for row in rows]
              for name, rule in rules(scorers).items()}
    source_only = np.asarray(chosen["source-only"])
    oracle = np.asarray(chosen["oracle (target labels)"])
    lines = [f"**{suite}**, {len(rows)} pairs, seed {rows[0]['seed']}: target accuracy "
             f"of the candidate each rule picks", "",
             "| rule | mean target accuracy | mean regret to oracle | pairs below source-only |",
             "|---|---|---|---|"]
    for name, accuracy in chosen.items():
        accuracy = np.asarray(accuracy)
        lines.append(f"| {name} | {accuracy.mean():.3f} | {(oracle - accuracy).mean():.3f} "
                     f"| {int(np.sum(accuracy < source_only))} |")
    short = {name: name.replace("default unless ", "").replace(" says better (1 SE)", " +rule")
             for name in chosen}
    lines += ["", "Per pair:", "",
              "| pair | " + " | ".join(short.values()) + " | s |",
              "|---" * (len(chosen) + 2) + "|"]
    for k, row in enumerate(rows):
        lines.append(f"| {row['pair']} | " + " | ".join(
            f"{chosen[name][k]:.3f}" for name in chosen) + f" | {row['seconds']:.0f} |")
    table = "\n".join(lines)
    print(table, flush=True)
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("SK_DANN_DATA", "../shared/data"))
    parser.add_argument("--suites", nargs="+", default=list(SUITES), choices=list(SUITES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"),
                        help="results folder (default: benchmarks/results beside this script)")
    parser.add_argument("--report-only", action="store_true",
                        help="print and write the tables from the rows already stored")
    args = parser.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for suite in args.suites:
        path = out / f"model_selection_{suite}.jsonl"
        same_run = [r for r in read_rows(path) if r["seed"] == args.seed and r["grid"] == GRID]
        if not args.report_only:
            features, domains, steps = SUITES[suite]
            data = {d: load_office_caltech(d, features=features, data_home=args.data_dir)
                    for d in domains}
            done = {r["pair"] for r in same_run}
            for s, t in itertools.permutations(domains, 2):
                pair = f"{s[0].upper()}->{t[0].upper()}"
                if pair in done:
                    print(f"{suite} {pair}: stored, skipped", flush=True)
                    continue
                start = time.perf_counter()
                row = run_pair(data[s], data[t], steps, args.seed)
                row = {"suite": suite, "pair": pair, "seed": args.seed, "grid": GRID,
                       "seconds": time.perf_counter() - start, **row}
                with path.open("a") as f:
                    f.write(json.dumps(row) + "\n")
                same_run.append(row)
                print(f"{suite} {pair}: {row['seconds']:.0f} s", flush=True)
        if same_run:
            (out / f"model_selection_{suite}.md").write_text(report(suite, same_run) + "\n")


if __name__ == "__main__":
    main()
