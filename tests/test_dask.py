"""Model selection and feature extraction on a Dask cluster (``sk-dann[dask]``).

One ``LocalCluster`` of two worker processes (one thread each) serves the
module: what runs there is what runs on SLURM or Kubernetes workers.
"""
import contextlib
import io
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")
import dask  # noqa: E402
import joblib  # noqa: E402
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_validate  # noqa
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sk_dann import CNNFeatures, DANNClassifier, pack_domains  # noqa: E402
from sk_dann.datasets import load_office_caltech, make_domain_moons  # noqa: E402
from sk_dann.model_selection import (DeepEmbeddedValidationScorer,  # noqa: E402
                                     DomainStratifiedKFold, PredictionEntropyScorer,
                                     SoftNeighborhoodDensityScorer, unsupervised_scorers)

# n_threads fixed: the automatic count follows the machine's load, and a
# different thread count may change the last bit of a float sum.
# (Workers run one thread, the test process two: this is what makes the
# comparison meaningful.)
QUICK = dict(max_epochs=3, n_threads=1, random_state=0)


@contextlib.contextmanager
def environment_kept():
    """This process's environment as it was on entry, again on exit: a Dask
    nanny writes its worker variables (MALLOC_TRIM_THRESHOLD_...) into the
    environment of the process that starts it, and later tests' child
    processes would inherit them."""
    environ = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(environ)


@pytest.fixture(scope="module")
def client():
    with environment_kept():
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                           processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as dask_client:
        yield dask_client


@pytest.fixture(scope="module")
def packed():
    Xs, ys, Xt, _ = make_domain_moons(n_samples=150, degrees=40, random_state=0)
    return pack_domains(Xs, ys, Xt)


def on_cluster(run):
    with joblib.parallel_backend("dask"):
        return run()


def assert_same_scores(sequential, parallel):
    scores = [key for key in sequential if key.startswith(("split", "mean_test", "rank"))]
    assert scores
    for key in scores:
        np.testing.assert_array_equal(sequential[key], parallel[key], err_msg=key)


@pytest.fixture(scope="module")
def office():
    """Amazon -> webcam, packed: 1024-d rows, where a thread count would show."""
    source, target = load_office_caltech("amazon"), load_office_caltech("webcam")
    return pack_domains(source.X, source.y, target.X)


def test_grid_search_over_lambda_on_a_cluster_equals_the_sequential_run(client, office):
    X, y = office

    def search():
        return GridSearchCV(
            make_pipeline(StandardScaler(), DANNClassifier(**QUICK)),
            {"dannclassifier__lambda_max": [0.0, 0.3, 1.0, 3.0]},
            scoring={"snd": SoftNeighborhoodDensityScorer(),
                     "dev": DeepEmbeddedValidationScorer()},
            refit="dev", cv=DomainStratifiedKFold(3, random_state=0)).fit(X, y)

    sequential, parallel = search(), on_cluster(search)
    assert_same_scores(sequential.cv_results_, parallel.cv_results_)
    assert sequential.best_params_ == parallel.best_params_
    np.testing.assert_array_equal(sequential.predict_proba(X), parallel.predict_proba(X))
    # the candidates really differ, so equal scores are not a coincidence
    assert len(set(sequential.cv_results_["mean_test_snd"])) > 1


def test_randomized_search_and_cross_validate_of_the_bare_estimator(client, packed):
    X, y = packed

    def randomized():
        return RandomizedSearchCV(
            DANNClassifier(**QUICK), {"lambda_max": [0.1, 1.0, 3.0], "lr": [0.01, 0.03]},
            n_iter=3, random_state=0, cv=DomainStratifiedKFold(3, random_state=0)
        ).fit(X, y)  # default scoring: accuracy on the labeled source rows

    assert_same_scores(randomized().cv_results_, on_cluster(randomized).cv_results_)

    def validate():
        return cross_validate(DANNClassifier(**QUICK), X, y,
                              cv=DomainStratifiedKFold(3, random_state=0),
                              scoring=PredictionEntropyScorer(), return_estimator=True)

    sequential, parallel = validate(), on_cluster(validate)
    np.testing.assert_array_equal(sequential["test_score"], parallel["test_score"])
    for local, remote in zip(sequential["estimator"], parallel["estimator"]):
        np.testing.assert_array_equal(local.predict_proba(X), remote.predict_proba(X))
        assert remote.device_ == "cpu" and remote.n_threads_ == 1


def _fit_and_report(X, y, verbose):
    """Run on a worker: a fit's output and the global state around it."""
    import sklearn

    def state():
        return (torch.get_num_threads(), torch.random.get_rng_state().clone(),
                np.random.get_state()[1].copy(), sklearn.get_config())

    before, out = state(), io.StringIO()
    with contextlib.redirect_stdout(out):
        DANNClassifier(max_epochs=2, n_threads=2, verbose=verbose, random_state=0).fit(X, y)
    after = state()
    return {"printed": out.getvalue(), "threads": (before[0], after[0]),
            "torch_rng": bool(torch.equal(before[1], after[1])),
            "numpy_rng": bool(np.array_equal(before[2], after[2])),
            "config": before[3] == after[3]}


def test_fits_on_workers_print_nothing_and_leave_global_state(client, packed):
    X, y = packed
    quiet, loud = client.gather([client.submit(_fit_and_report, X, y, verbose, pure=False)
                                 for verbose in (0, 1)])
    assert quiet["printed"] == ""
    assert "train_loss" in loud["printed"]  # verbose=1 does print: the capture works
    for report in (quiet, loud):
        assert report["threads"][0] == report["threads"][1]
        assert report["torch_rng"] and report["numpy_rng"] and report["config"]


def test_estimators_and_scorers_survive_the_trip_to_a_worker(packed):
    X, y = packed
    fitted = DANNClassifier(**QUICK).fit(X, y)
    for obj in [DANNClassifier(**QUICK), fitted, DomainStratifiedKFold(3),
                *unsupervised_scorers().values()]:
        assert type(pickle.loads(pickle.dumps(obj))) is type(obj)
    copy = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(copy.predict_proba(X), fitted.predict_proba(X))
    for name, scorer in unsupervised_scorers().items():
        if name != "reverse_validation":  # that one refits: slower, same pickling path
            assert pickle.loads(pickle.dumps(scorer))(fitted, X, y) == scorer(fitted, X, y)


def _backbone():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(),
                               torch.nn.AdaptiveAvgPool2d(2))


@pytest.mark.parametrize("scheduler", ["cluster", "threads"])
def test_cnn_features_of_a_dask_array_equal_the_numpy_result(client, scheduler):
    images = (np.random.default_rng(0).random((53, 16, 16, 3)) * 255).astype(np.uint8)
    features = CNNFeatures(_backbone(), batch_size=8).fit(images)
    lazy = features.transform(da.from_array(images, chunks=(11, 8, 16, 3)))
    assert lazy.shape == (53, features.n_features_out_)
    computed = (client.compute(lazy).result() if scheduler == "cluster"
                else lazy.compute(scheduler="threads"))
    np.testing.assert_array_equal(computed, features.transform(images))


def test_dask_arrays_given_to_training_or_prediction_say_what_to_do(packed):
    X, y = packed
    lazy = da.from_array(X, chunks=50)
    with pytest.raises(TypeError, match=r"X is a Dask array.*X.compute\(\)"):
        DANNClassifier(**QUICK).fit(lazy, y)
    model = DANNClassifier(**QUICK).fit(X, y)
    with pytest.raises(TypeError, match="X_target is a Dask array"):
        DANNClassifier(**QUICK).fit(X[y != -1], y[y != -1], X_target=lazy)
    with pytest.raises(TypeError, match="map_blocks"):
        model.predict(lazy)
    # the recipe in that message works
    blockwise = lazy.map_blocks(model.predict, drop_axis=1, dtype=model.classes_.dtype)
    np.testing.assert_array_equal(blockwise.compute(), model.predict(X))
    with pytest.raises(TypeError, match="y is a Dask array"):
        DANNClassifier(**QUICK).fit(X, da.from_array(y, chunks=50))
    with pytest.raises(TypeError, match="sample_weight is a Dask array"):
        DANNClassifier(**QUICK).fit(X, y, sample_weight=da.ones(len(y), chunks=50))
    images = da.zeros((4, 8, 8, 3), dtype=np.uint8)
    with pytest.raises(TypeError, match=r"fit on a numpy sample"):
        CNNFeatures(_backbone()).fit(images)
    # row blocks of unknown size (boolean indexing): say what to call
    features = CNNFeatures(_backbone()).fit(np.zeros((4, 8, 8, 3), dtype=np.uint8))
    masked = images[da.from_array(np.array([True, False, True, True]), chunks=2)]
    with pytest.raises(ValueError, match=r"compute_chunk_sizes\(\)"):
        features.transform(masked)
    masked.compute_chunk_sizes()
    assert features.transform(masked).compute().shape == (3, features.n_features_out_)


def test_importing_sk_dann_does_not_import_dask():
    code = ("import sys, sk_dann; from sk_dann import DANNClassifier, CNNFeatures; "
            "import sk_dann.model_selection; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_the_readme_recipe_runs_the_search_on_fast_workers(packed):
    # The README's recipe once had no cluster: joblib then has nowhere to send
    # the tasks. Every fold must be scored in a worker process, not here, and
    # the worker must start without Dask's MALLOC_TRIM_THRESHOLD_ (it fixes
    # glibc's mmap threshold, so every training step faults its larger
    # tensors in afresh) and without the statistical profiler (it takes the
    # interpreter lock every 10 ms): benchmarks/dask_worker_fit.py.
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Beyond one machine")[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    X, y = packed
    scoring = {"pid": lambda estimator, X, y: float(os.getpid()),
               "trim_threshold_set": lambda estimator, X, y: float(
                   "MALLOC_TRIM_THRESHOLD_" in os.environ),
               "profiling": lambda estimator, X, y: float(
                   dask.config.get("distributed.worker.profile.enabled"))}
    search = GridSearchCV(DANNClassifier(**QUICK), {"lambda_max": [0.0, 0.3]}, cv=2,
                          scoring=scoring, refit=False)
    with environment_kept():
        os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)  # as in a fresh shell
        exec(compile(code, "README.md", "exec"), {"search": search, "X": X, "y": y})
    scored = {key: {search.cv_results_[f"split{fold}_test_{key}"][candidate]
                    for fold in (0, 1) for candidate in (0, 1)} for key in scoring}
    assert os.getpid() not in scored["pid"]
    assert scored["trim_threshold_set"] == {0.0}
    assert scored["profiling"] == {0.0}

