"""
Grid search over lambda_max on a Dask cluster
=============================================

Scored without target labels. A ``LocalCluster`` of two worker processes (one
thread each) on this machine; on SLURM or Kubernetes only the cluster line
changes (see "Beyond one machine" in the documentation). Every candidate x
fold is one task; the scores equal a sequential run's (``n_threads`` fixed).
The workers start without Dask's ``MALLOC_TRIM_THRESHOLD_`` and its
statistical profiler, so a fit there runs as fast as in this process.

    pip install "sk-dann[dask]"
    python examples/dask_grid_search.py
"""
import dask
import joblib
import numpy as np
from distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_dann import DANNClassifier, pack_domains
from sk_dann.datasets import load_office_caltech
from sk_dann.model_selection import DomainStratifiedKFold, SoftNeighborhoodDensityScorer


def main():
    source, target = load_office_caltech("amazon"), load_office_caltech("webcam")
    X, y = pack_domains(source.X, source.y, target.X)  # target rows: y == -1
    search = GridSearchCV(
        make_pipeline(StandardScaler(), DANNClassifier(max_epochs=30, n_threads=1,
                                                       random_state=0)),
        {"dannclassifier__lambda_max": [0.0, 0.1, 0.3, 1.0]},
        scoring=SoftNeighborhoodDensityScorer(),  # needs no target labels
        cv=DomainStratifiedKFold(3, random_state=0))

    # Two of Dask's defaults slow a fit on a worker: MALLOC_TRIM_THRESHOLD_
    # in its environment (glibc then maps every training step's larger
    # tensors afresh) and the statistical profiler (it takes the interpreter
    # lock every 10 ms). Leave both out while the workers start:
    fast_workers = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                    "distributed.worker.profile.enabled": False}
    with dask.config.set(fast_workers):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1)
    with cluster, Client(cluster), joblib.parallel_backend("dask"):
        search.fit(X, y)  # 12 fits, spread over the workers

    for params, score in zip(search.cv_results_["params"],
                             search.cv_results_["mean_test_score"]):
        print(f"{params}  soft neighborhood density {score:.4f}")
    accuracy = np.mean(search.predict(target.X) == target.y)  # labels only to report
    print(f"chosen {search.best_params_}: target accuracy {accuracy:.3f}")


if __name__ == "__main__":  # worker processes import this file: keep work in main()
    main()
