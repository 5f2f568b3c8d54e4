"""Grid search on a Dask cluster: wall time and fit time against the sequential run, same scores.

Office-Caltech10 GoogLeNet features (embedded), amazon -> webcam, packed
(target rows unlabeled). 8 candidates (lambda_max x lr) x 3 folds of
DomainStratifiedKFold, scored without target labels (soft neighborhood
density) and by source accuracy; every fit one thread (``n_threads=1``).
Each worker count is a fresh ``LocalCluster`` of that many worker processes
(one thread each), used through joblib's Dask backend; with one worker
joblib would run the search in the calling process, so there the whole
search is submitted to the worker. Each cluster is started twice: with
Dask's defaults, and with the configuration docs/distributed.md recommends
(``MALLOC_TRIM_THRESHOLD_`` left out of the workers' environment, the
statistical profiler off; why: ``benchmarks/dask_worker_fit.py``). The
sequential run (no Dask, in this process) is the reference for the
speed-ups, the fit times and the scores.

    python benchmarks/dask_grid_search.py
    python benchmarks/dask_grid_search.py --workers 2 --max-epochs 100

Writes ``<out>/dask_grid_search.json`` and ``.md``; each run is appended to
``<out>/dask_grid_search.jsonl`` as it finishes, and a restart skips the
runs stored for the same ``--max-epochs``.
"""
import time

import joblib
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _harness import ResultRows, machine, make_parser, save_results
from dask_worker_fit import WORKER_ENVIRONMENTS, local_cluster
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


def sequential_run(X, y, max_epochs):
    start = time.perf_counter()
    result = search(X, y, max_epochs)
    return {"run": "sequential (no Dask)", "environment": "-", "workers": 0,
            "wall_s": time.perf_counter() - start, "fit_s": median_fit_time(result),
            "scores": scores(result)}


def dask_run(X, y, max_epochs, n_workers, environment):
    """The search on a fresh cluster of ``n_workers`` one-thread workers
    started with ``environment`` (a name of ``WORKER_ENVIRONMENTS``)."""
    with local_cluster(n_workers, WORKER_ENVIRONMENTS[environment]) as client:
        start = time.perf_counter()
        if n_workers == 1:
            # joblib runs a one-worker "parallel" search in the calling
            # process; to time the worker, the whole search is sent there.
            result = client.submit(search, X, y, max_epochs, pure=False).result()
        else:
            with joblib.parallel_backend("dask"):
                result = search(X, y, max_epochs)
        wall = time.perf_counter() - start
    return {"run": f"Dask, {n_workers} worker(s)", "environment": environment,
            "workers": n_workers, "wall_s": wall, "fit_s": median_fit_time(result),
            "scores": scores(result)}


def median_fit_time(result):
    """The median over candidates of the mean fit time over folds, as the
    search measured it where the fit ran (a worker, or this process)."""
    return float(np.median(result.cv_results_["mean_fit_time"]))


def table_of(rows, header):
    sequential = next(row for row in rows if row["workers"] == 0)
    lines = [header, "", "| run | worker configuration | wall time (s) | speed-up vs sequential "
             "| fit time (s) | fit time vs sequential's | scores identical to sequential |",
             "|---|---|---:|---:|---:|---:|---|"]
    for row in rows:
        lines.append(
            f"| {row['run']} | {row['environment']} | {row['wall_s']:.1f} | "
            f"{sequential['wall_s'] / row['wall_s']:.2f}x | {row['fit_s']:.2f} | "
            f"{row['fit_s'] / sequential['fit_s']:.2f}x | "
            f"{row['scores'] == sequential['scores']} |")
    return "\n".join(lines)


def main(argv=None):
    parser = make_parser(__doc__)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--environments", nargs="+", choices=list(WORKER_ENVIRONMENTS),
                        default=["Dask's default", "MALLOC_TRIM_THRESHOLD_ left out, profiler off"])
    parser.add_argument("--max-epochs", type=int, default=100)
    args = parser.parse_args(argv)

    source, target = load_office_caltech("amazon"), load_office_caltech("webcam")
    X, y = pack_domains(source.X, source.y, target.X)
    stored = ResultRows(args.out / "dask_grid_search.jsonl")
    rows = [row for row in stored.read() if row["max_epochs"] == args.max_epochs]
    runs = [("sequential (no Dask)", "-", lambda: sequential_run(X, y, args.max_epochs))]
    runs += [(f"Dask, {n} worker(s)", environment,
              (lambda n=n, environment=environment:
               dask_run(X, y, args.max_epochs, n, environment)))
             for environment in args.environments for n in args.workers]
    for name, environment, run in runs:
        if any(row["run"] == name and row["environment"] == environment for row in rows):
            continue
        row = {**run(), "max_epochs": args.max_epochs}
        stored.append(row)
        rows.append(row)
        print(f"{name}, {environment}: {row['wall_s']:.1f} s", flush=True)

    n_fits = len(GRID["dannclassifier__lambda_max"]) * len(GRID["dannclassifier__lr"]) * 3
    header = (f"Grid search, Office-Caltech A->W packed, {n_fits // 3} candidates x 3 folds "
              f"= {n_fits} fits of {args.max_epochs} epochs, one thread per fit; fit time: "
              "median over candidates of the mean fit time the search measured where "
              "the fit ran")
    save_results(args.out, "dask_grid_search", table_of(rows, header),
                 {"rows": rows, "max_epochs": args.max_epochs, "grid": GRID},
                 machine(threads=1))


if __name__ == "__main__":
    main()
