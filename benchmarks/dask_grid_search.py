"""Grid search on a Dask cluster: wall time with 1 and 2 workers, same scores.

Office-Caltech10 GoogLeNet features (embedded), amazon -> webcam, packed
(target rows unlabeled). 8 candidates (lambda_max x lr) x 3 folds of
DomainStratifiedKFold, scored without target labels (soft neighborhood
density) and by source accuracy; every fit one thread (``n_threads=1``).
Each worker count is a fresh ``LocalCluster`` of that many worker processes
(one thread each), used through joblib's Dask backend; with one worker
joblib would run the search in the calling process, so there the whole
search is submitted to the worker. The sequential run (no Dask, in this
process) is the reference for the scores.

    python benchmarks/dask_grid_search.py --out benchmarks/results
    python benchmarks/dask_grid_search.py --workers 1 2 --max-epochs 100

Writes ``<out>/dask_grid_search.json`` and ``.md``.
"""
import time

import joblib
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _harness import machine, make_parser, save_results
from sk_dann import DANNClassifier, pack_domains
from sk_dann.datasets import load_office_caltech
from sk_dann.model_selection import (DomainStratifiedKFold, SoftNeighborhoodDensityScorer,
                                     SourceScorer)

GRID = {"dannclassifier__lambda_max": [0.0, 0.1, 0.3, 1.0],
        "dannclassifier__lr": [0.01, 0.003]}


def search(X, y, max_epochs):
    pipe = make_pipeline(StandardScaler(), DANNClassifier(
        max_epochs=max_epochs, n_threads=1, random_state=0))
    return GridSearchCV(pipe, GRID, cv=DomainStratifiedKFold(3, random_state=0),
                        scoring={"snd": SoftNeighborhoodDensityScorer(),
                                 "source_accuracy": SourceScorer("accuracy")},
                        refit=False).fit(X, y)


def scores(result):
    return {key: np.asarray(value).tolist() for key, value in result.cv_results_.items()
            if key.startswith(("split", "mean_test"))}


def _search_scores(X, y, max_epochs):
    return scores(search(X, y, max_epochs))


def main(argv=None):
    parser = make_parser(__doc__)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--max-epochs", type=int, default=100)
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    source, target = load_office_caltech("amazon"), load_office_caltech("webcam")
    X, y = pack_domains(source.X, source.y, target.X)

    start = time.perf_counter()
    reference = scores(search(X, y, args.max_epochs))
    rows = [{"run": "sequential (no Dask)", "workers": 0,
             "wall_s": time.perf_counter() - start, "identical": True}]
    for n_workers in args.workers:
        with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            start = time.perf_counter()
            if n_workers == 1:
                # joblib runs a one-worker "parallel" search in the calling
                # process; to time the worker, the whole search is sent there.
                result = client.submit(_search_scores, X, y, args.max_epochs).result()
            else:
                with joblib.parallel_backend("dask"):
                    result = scores(search(X, y, args.max_epochs))
            wall = time.perf_counter() - start
        rows.append({"run": f"Dask, {n_workers} worker(s)", "workers": n_workers,
                     "wall_s": wall, "identical": result == reference})
    one = next((r["wall_s"] for r in rows if r["workers"] == 1), rows[0]["wall_s"])
    for row in rows:
        row["speedup_vs_1_worker"] = one / row["wall_s"]

    n_fits = len(GRID["dannclassifier__lambda_max"]) * len(GRID["dannclassifier__lr"]) * 3
    header = (f"Grid search, Office-Caltech A->W packed, {n_fits // 3} candidates x 3 folds "
              f"= {n_fits} fits of {args.max_epochs} epochs, one thread per fit")
    lines = [header, "", "| run | wall time (s) | speed-up vs 1 worker | scores identical "
             "to sequential |", "|---|---:|---:|---|"]
    for row in rows:
        lines.append(f"| {row['run']} | {row['wall_s']:.1f} | "
                     f"{row['speedup_vs_1_worker']:.2f}x | {row['identical']} |")
    table = "\n".join(lines)
    save_results(args.out, "dask_grid_search", table,
                 {"rows": rows, "max_epochs": args.max_epochs, "grid": GRID,
                  "reference_scores": reference}, machine(threads=1))


if __name__ == "__main__":
    main()
