"""Unsupervised model selection on real domain-adaptation pairs, and the rules built on it.

For every ordered pair of each suite, one ``GridSearchCV`` over ``lambda_max``
and ``max_epochs`` scores every grid point with all four unsupervised scorers
(no target labels), and every grid point is refitted on all rows and scored on
the target labels (the oracle table, a reference only). Each pair's row holds
every candidate's per-fold score per scorer, so any selection rule can be
evaluated afterwards without refitting. Rows are appended to
``<out>/model_selection_<suite>.jsonl`` as each pair finishes; a restarted run
skips the pairs already there (same seed, grid and fold count).

The report compares, per suite: each scorer alone (best mean score), the
package default, the one-standard-error rule
(:class:`sk_dann.model_selection.KeepDefaultUnlessBetter`) with each scorer,
and the oracle: mean target accuracy, mean regret to the oracle, and the pairs
that fall below source-only. It is written to
``<out>/model_selection_<suite>.md``, and over the suites to
``<out>/model_selection_summary.md``.

    python benchmarks/model_selection.py --data-dir ../shared/data --seeds 0 1
    python benchmarks/model_selection.py --report-only --seeds 0 1   # tables from the rows

Target labels are used only to score the refitted models.
"""
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer, StandardScaler

from _harness import ResultRows, make_parser, office_pairs
from sk_dann import DANNClassifier, pack_domains
from sk_dann.model_selection import (
    DomainStratifiedKFold,
    KeepDefaultUnlessBetter,
    unsupervised_scorers,
)

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
# The rule's bars (n_standard_errors) whose effect the report shows.
BARS = (0.0, 0.5, 1.0, 2.0, 3.0)


def run_pair(Xs, ys, Xt, yt, steps, seed):
    """One pair's row: per candidate, its target accuracy refitted on all rows
    and its per-fold score under each unsupervised scorer."""
    X, y = pack_domains(Xs, ys, Xt)

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
        "target_accuracy": [float(np.mean(model(**p).fit(X, y).predict(Xt) == yt))
                            for p in params],
        "fold_scores": {name: np.column_stack(
            [results[f"split{k}_test_{name}"] for k in range(N_SPLITS)]).tolist()
            for name in unsupervised_scorers()},
    }


def read_rows(path, seeds):
    """The stored rows of this grid and fold count for ``seeds``, one per pair
    and seed (the first); a line cut short by a killed run is skipped."""
    rows = {}
    for row in ResultRows(path).read():
        n_folds = len(next(iter(row["fold_scores"].values()))[0])
        if row["seed"] in seeds and row["grid"] == GRID and n_folds == N_SPLITS:
            rows.setdefault((row["pair"], row["seed"]), row)
    return list(rows.values())


def cv_results_of(row, scorer):
    """The part of ``GridSearchCV.cv_results_`` a refit rule reads, rebuilt from a row."""
    scores = np.asarray(row["fold_scores"][scorer])
    results = {f"split{k}_test_score": scores[:, k] for k in range(scores.shape[1])}
    return {"params": row["params"], **results}


def keep_default(scorer, n_standard_errors=1.0):
    """The rule with ``scorer``'s fold scores, as a function of a row."""
    rule = KeepDefaultUnlessBetter(default=DEFAULT, n_standard_errors=n_standard_errors)
    return lambda row: rule(cv_results_of(row, scorer))


def rules(scorers):
    """Each selection rule by name: a function of a row that returns a candidate index."""
    def index_of(params):
        return lambda row: row["params"].index(params)

    def best_mean(scorer):
        # As scikit-learn ranks: a failed candidate (NaN) is never the best.
        return lambda row: int(np.nanargmax(np.mean(row["fold_scores"][scorer], axis=1)))

    table = {"source-only": index_of(SOURCE_ONLY), "default": index_of(DEFAULT)}
    table.update({scorer: best_mean(scorer) for scorer in scorers})
    table.update({f"default unless {scorer} says better (1 SE)": keep_default(scorer)
                  for scorer in scorers})
    table["oracle (target labels)"] = lambda row: int(np.argmax(row["target_accuracy"]))
    return table


def picked_accuracy(rows):
    """Per rule, the target accuracy of the candidate it picks in each row."""
    return {name: np.array([row["target_accuracy"][rule(row)] for row in rows])
            for name, rule in rules(list(rows[0]["fold_scores"])).items()}


def bar_lines(rows, measure):
    """Table rows: per scorer, the mean of ``measure(row, picked index)`` at each bar."""
    lines = ["| scorer | " + " | ".join(f"{bar:g} SE" for bar in BARS) + " |",
             "|---" * (len(BARS) + 1) + "|"]
    for scorer in rows[0]["fold_scores"]:
        means = [np.mean([measure(row, keep_default(scorer, bar)(row)) for row in rows])
                 for bar in BARS]
        lines.append(f"| {scorer} | " + " | ".join(f"{m:.3f}" for m in means) + " |")
    return lines


def summary(chosen):
    """Per rule: mean target accuracy, mean regret to the oracle, runs below
    source-only, runs below the default."""
    oracle = chosen["oracle (target labels)"]
    return {name: (accuracy.mean(), (oracle - accuracy).mean(),
                   int(np.sum(accuracy < chosen["source-only"])),
                   int(np.sum(accuracy < chosen["default"])))
            for name, accuracy in chosen.items()}


def report(suite, rows, chosen):
    """Each rule's summary, the bar's effect, then the per-pair target accuracy
    (``chosen``: ``picked_accuracy(rows)``)."""
    seeds = sorted({row["seed"] for row in rows})
    lines = [f"**{suite}**, {len(rows)} runs (pairs x seeds {', '.join(map(str, seeds))}): "
             f"target accuracy of the candidate each rule picks", "",
             "| rule | mean target accuracy | mean regret to oracle | runs below source-only "
             "| runs below default |", "|---|---|---|---|---|"]
    for name, (accuracy, regret, below_source, below_default) in summary(chosen).items():
        lines.append(f"| {name} | {accuracy:.3f} | {regret:.3f} | {below_source} "
                     f"| {below_default} |")
    lines += ["", "The bar (`n_standard_errors`), mean target accuracy (0 SE is the best "
              "mean score, ties going to the default):", ""]
    lines += bar_lines(rows, lambda row, index: row["target_accuracy"][index])
    short = {name: name.replace("default unless ", "").replace(" says better (1 SE)", " +rule")
             for name in chosen}
    lines += ["", "Per pair:", "",
              "| pair | seed | " + " | ".join(short.values()) + " | s |",
              "|---" * (len(chosen) + 3) + "|"]
    for k, row in enumerate(rows):
        lines.append(f"| {row['pair']} | {row['seed']} | " + " | ".join(
            f"{chosen[name][k]:.3f}" for name in chosen) + f" | {row['seconds']:.0f} |")
    table = "\n".join(lines)
    print(table, flush=True)
    return table


def combined_report(rows_by_suite, chosen):
    """One table over the suites: per suite and over all runs, each rule's mean
    target accuracy, regret and runs below source-only (``chosen``: per suite,
    ``picked_accuracy`` of its rows)."""
    everything = {name: np.concatenate([c[name] for c in chosen.values()])
                  for name in next(iter(chosen.values()))}
    columns = {f"{suite} ({len(rows)} runs)": summary(chosen[suite])
               for suite, rows in rows_by_suite.items()}
    columns[f"all ({len(everything['default'])} runs)"] = summary(everything)
    lines = ["Mean target accuracy / mean regret to the oracle / runs below source-only "
             "(a run: one pair, one seed)", "",
             "| rule | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name in everything:
        lines.append(f"| {name} | " + " | ".join(
            f"{c[name][0]:.3f} / {c[name][1]:.3f} / {c[name][2]}" for c in columns.values())
            + " |")
    rows = [row for suite_rows in rows_by_suite.values() for row in suite_rows]
    overall = columns[next(reversed(columns))]
    lines += ["", f"The bar (`n_standard_errors`) over all {len(rows)} runs, mean regret to "
              f"the oracle (0 SE is the best mean score, ties going to the default; the "
              f"default alone: {overall['default'][1]:.3f}):", ""]
    lines += bar_lines(rows, lambda row, index: max(row["target_accuracy"])
                       - row["target_accuracy"][index])
    table = "\n".join(lines)
    print(table, flush=True)
    return table


def run_suite(suite, seed, path, data_dir, pairs=None):
    """Append the rows of the pairs (``pairs``: those named, else all) not yet
    stored in ``path`` for ``seed``."""
    stored = {r["pair"] for r in read_rows(path, [seed])}
    features, domains, steps = SUITES[suite]
    for pair, (Xs, ys, Xt, _, yt) in office_pairs(features, domains, data_dir):
        if pairs is not None and pair not in pairs:
            continue
        if pair in stored:
            print(f"{suite} seed {seed} {pair}: stored, skipped", flush=True)
            continue
        start = time.perf_counter()
        row = run_pair(Xs, ys, Xt, yt, steps, seed)
        row = {"suite": suite, "pair": pair, "seed": seed, "grid": GRID,
               "seconds": time.perf_counter() - start, **row}
        ResultRows(path).append(row)
        print(f"{suite} seed {seed} {pair}: {row['seconds']:.0f} s", flush=True)


def main(argv=None):
    parser = make_parser(__doc__, data_dir=True, seeds=(0,))
    parser.add_argument("--suites", nargs="+", default=list(SUITES), choices=list(SUITES))
    parser.add_argument("--pairs", nargs="+", default=None,
                        help="run only these pairs, e.g. A->W (default: all)")
    parser.add_argument("--report-only", action="store_true",
                        help="print and write the tables from the rows already stored")
    args = parser.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows_by_suite, chosen = {}, {}
    for suite in args.suites:
        path = out / f"model_selection_{suite}.jsonl"
        if not args.report_only:
            for seed in args.seeds:
                run_suite(suite, seed, path, args.data_dir, args.pairs)
        rows = read_rows(path, args.seeds)
        if rows:
            rows_by_suite[suite], chosen[suite] = rows, picked_accuracy(rows)
            (out / f"model_selection_{suite}.md").write_text(
                report(suite, rows, chosen[suite]) + "\n")
    if len(rows_by_suite) > 1:
        (out / "model_selection_summary.md").write_text(
            combined_report(rows_by_suite, chosen) + "\n")


if __name__ == "__main__":
    main()
