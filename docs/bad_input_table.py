"""Print the user guide's bad-input table: each bad input tried, and what the user sees.

    python docs/bad_input_table.py

``tests/test_docs_examples.py`` checks that docs/user_guide.md holds this
table as printed, so the guide cannot drift from the code.
"""
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_dann import DANNClassifier, pack_domains

rng = np.random.default_rng(0)
Xs = rng.normal(size=(20, 3)).astype(np.float32)
ys = np.r_[np.zeros(10), np.ones(10)].astype(int)
Xt = rng.normal(size=(15, 3))


def _tuples(y):
    labels = np.empty(len(y), dtype=object)
    labels[:] = [("class", int(v)) for v in y]
    return labels


def quick(**params):
    return DANNClassifier(max_epochs=1, **params)


CASES = {
    "target with a different feature count": lambda: quick().fit(Xs, ys, X_target=Xt[:, :2]),
    "NaN in X": lambda: quick().fit(np.where(Xs > 1.5, np.nan, Xs), ys, X_target=Xt),
    "inf in X_target": lambda: quick().fit(Xs, ys, X_target=np.where(Xt > 1.5, np.inf, Xt)),
    "no labeled rows (packed, all y == -1)": lambda: quick().fit(Xs, -np.ones(20, int)),
    "{-1, +1} labels packed with y == -1 target rows": lambda: quick().fit(
        np.r_[Xs, Xt], np.r_[np.ones(20, int), -np.ones(15, int)]),
    "{-1, +1} labels given to pack_domains": lambda: pack_domains(Xs, 2 * ys - 1, Xt),
    "a single class": lambda: quick().fit(Xs, np.zeros(20, int), X_target=Xt),
    "X_target with 0 rows": lambda: quick().fit(Xs, ys, X_target=Xt[:0]),
    "1-D X": lambda: quick().fit(Xs[:, 0], ys, X_target=Xt),
    "3-D X too small for the default image network":
        lambda: quick().fit(Xs.reshape(20, 3, 1), ys),
    "4-D images with no clear channel axis":
        lambda: quick().fit(np.zeros((20, 8, 8, 8), np.uint8), ys),
    "target images of another size": lambda: quick().fit(
        np.zeros((20, 16, 16), np.uint8), ys, X_target=np.zeros((15, 20, 20), np.uint8)),
    "predict on images of another size": lambda: quick().fit(
        np.zeros((20, 16, 16), np.uint8), ys).predict(np.zeros((3, 20, 20), np.uint8)),
    "X_target frame with other column names": lambda: quick().fit(
        pd.DataFrame(Xs, columns=list("abc")), ys,
        X_target=pd.DataFrame(Xt, columns=list("abd"))),
    "X_target routed past a Pipeline's scaler": lambda: make_pipeline(
        StandardScaler(), quick()).fit(Xs, ys, dannclassifier__X_target=Xt),
    "y of the wrong length": lambda: quick().fit(Xs, ys[:5], X_target=Xt),
    "predict with a different feature count":
        lambda: quick().fit(Xs, ys, X_target=Xt).predict(Xt[:, :2]),
    "predict before fit": lambda: quick().predict(Xt),
    "lambda_max=-1": lambda: quick(lambda_max=-1).fit(Xs, ys, X_target=Xt),
    "unknown domain_input_layer of a named network": lambda: quick(
        feature_extractor="mnist", domain_input_layer="fc").fit(
        np.zeros((20, 28, 28), np.uint8), ys),
    "warm start after changing hidden_layer_sizes": lambda: quick(warm_start=True).fit(
        Xs, ys, X_target=Xt).set_params(hidden_layer_sizes=(8,)).fit(Xs, ys, X_target=Xt),
    "n_threads=0": lambda: quick(n_threads=0).fit(Xs, ys, X_target=Xt),
    "device='gpu'": lambda: quick(device="gpu").fit(Xs, ys, X_target=Xt),
    "device='cuda' without CUDA": lambda: quick(device="cuda").fit(Xs, ys, X_target=Xt),
    "diverging loss (lr=1e6)": lambda: DANNClassifier(lr=1e6, max_epochs=3).fit(
        Xs * 1e3, ys, X_target=Xt * 1e3),
    "no target rows at all": lambda: quick().fit(Xs, ys),
    "tuples as labels": lambda: quick().fit(Xs, _tuples(ys), X_target=Xt),
    "partial_fit with a class the first call did not have":
        lambda: quick().partial_fit(Xs, ys, X_target=Xt).partial_fit(Xs, ys + 5, X_target=Xt),
    "sparse X with a user feature_extractor": lambda: quick(
        feature_extractor=torch.nn.Linear(3, 4)).fit(sp.csr_matrix(Xs), ys),
    "the target given twice (packed with y == -1 and as X_target)": lambda: quick().fit(
        *pack_domains(Xs, ys, Xt), X_target=Xt),
    "repeated column names in X_target": lambda: quick().fit(
        pd.DataFrame(Xs, columns=list("abc")), ys,
        X_target=pd.DataFrame(Xt, columns=list("abb"))),
    "partial_fit with classes that miss a label of y":
        lambda: quick().partial_fit(Xs, ys, X_target=Xt, classes=[0]),
    "early stopping on one labeled row per class": lambda: quick(
        early_stopping=True, validation_fraction=0.3).fit(
        Xs, np.r_[np.zeros(15, int), np.arange(1, 6)], X_target=Xt),
    "early stopping on 2 validation rows": lambda: quick(early_stopping=True).fit(
        Xs, ys, X_target=Xt),
    "a negative learning rate from lr_schedule": lambda: quick(
        lr_schedule=lambda p: 1 - 2 * p).fit(Xs, ys, X_target=Xt),
    "hidden_layer_sizes=() with target rows": lambda: quick(hidden_layer_sizes=()).fit(
        Xs, ys, X_target=Xt),
    "batch_size=1 with target rows": lambda: quick(batch_size=1).fit(Xs, ys, X_target=Xt),
    "momentum=2": lambda: quick(momentum=2).fit(Xs, ys, X_target=Xt),
    "partial_fit past max_epochs": lambda: [
        model.partial_fit(Xs, ys, X_target=Xt) for model in [quick()] for _ in range(2)],
    "warm start with a new lr": lambda: quick(warm_start=True).fit(
        Xs, ys, X_target=Xt).set_params(lr=0.1).fit(Xs, ys, X_target=Xt),
}


def shorten(message, limit=200):
    message = " ".join(str(message).split())
    if len(message) <= limit:
        return message
    end = message.find(". ")
    return (message[:end + 1] if 0 < end < limit else message[:limit]) + " ..."


def outcome(case):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            case()
        except Exception as error:  # the point is to show every error as the user sees it
            return f"`{type(error).__name__}: {shorten(error)}`"
    # the package's own warning classes, and the plain UserWarnings it gives
    ours = [w for w in caught if w.category.__module__.startswith("sk_dann")
            or w.category is UserWarning]
    return "works" + "".join(f", with `{w.category.__name__}: {shorten(w.message)}`"
                             for w in ours)


def table():
    rows = ["| input | what the user sees |", "| --- | --- |"]
    rows += [f"| {name} | {outcome(case)} |" for name, case in CASES.items()]
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
