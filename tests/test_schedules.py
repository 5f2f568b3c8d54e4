"""The paper's schedules (JMLR 2016, Section 5.2.2), numerically, and how
the estimator's schedule parameters reach training."""
import math

import numpy as np
import pytest

from sk_dann import DANNClassifier
from sk_dann.datasets import make_domain_moons
from sk_dann.schedules import (LAMBDA_SCHEDULES, LR_SCHEDULES, constant, lambda_ramp,
                               lr_annealing, resolve_schedule)


@pytest.mark.parametrize("p, factor", [
    (0.0, 0.0),
    (0.1, 2 / (1 + math.exp(-1)) - 1),   # 0.4621
    (0.5, 2 / (1 + math.exp(-5)) - 1),   # 0.9866
    (1.0, 2 / (1 + math.exp(-10)) - 1),  # 0.99991
])
def test_lambda_ramp_is_the_papers_formula(p, factor):
    assert lambda_ramp(p) == pytest.approx(factor, rel=1e-12)
    assert lambda_ramp(0.1) == pytest.approx(0.46211715726, rel=1e-9)


@pytest.mark.parametrize("p, factor", [
    (0.0, 1.0),
    (0.1, 2 ** -0.75),        # 0.5946
    (0.5, 6 ** -0.75),        # 0.2609
    (1.0, 11 ** -0.75),       # 0.16556
])
def test_lr_annealing_is_the_papers_formula(p, factor):
    assert lr_annealing(p) == pytest.approx(factor, rel=1e-12)
    assert lr_annealing(1.0) == pytest.approx(0.165560, rel=1e-5)


def test_names_resolve_and_bad_callables_are_explained():
    assert resolve_schedule("ramp", LAMBDA_SCHEDULES, "lambda_schedule") is lambda_ramp
    assert resolve_schedule("annealed", LR_SCHEDULES, "lr_schedule") is lr_annealing
    assert resolve_schedule("constant", LR_SCHEDULES, "lr_schedule") is constant
    with pytest.raises(ValueError, match="lr_schedule callable must map"):
        resolve_schedule(lambda p: float("nan"), LR_SCHEDULES, "lr_schedule")
    with pytest.raises(ValueError, match="is not supported"):
        resolve_schedule("cosine", LR_SCHEDULES, "lr_schedule")


@pytest.mark.parametrize("params, message", [
    (dict(lr_schedule=lambda p: -1.0), r"lr_schedule\(0\) returned -1; a negative "
     r"learning rate trains by gradient ascent"),
    (dict(lr_schedule=lambda p: 1 - 2 * p), r"lr_schedule\(0\.6\) returned -0\.2"),
    (dict(lr_schedule=lambda p: 0.0), r"lr_schedule returned 0 at every progress value"),
    (dict(lambda_schedule=lambda p: -p), r"lambda_schedule\(0\.1\) returned -0\.1; a "
     r"negative lambda would train the features to tell the domains apart"),
])
def test_schedules_that_would_train_backwards_are_refused_before_training(moons, fast,
                                                                        params, message):
    with pytest.raises(ValueError, match=message):
        _fit(moons, fast, **params)


def test_schedules_that_reach_zero_are_fine(moons, fast):
    # a warm-up from 0, a decay to 0, a lambda of 0: nothing trains backwards
    clf = _fit(moons, fast, lr_schedule=lambda p: min(1.0, 10 * p) * (1 - p),
               lambda_schedule=lambda p: 0.0)
    assert clf.history_[0, "lr"] > 0 and clf.history_[-1, "lambda"] == 0


@pytest.fixture(scope="module")
def moons():
    return make_domain_moons(n_samples=60, random_state=0)


def _fit(moons, fast, **params):
    Xs, ys, Xt, _ = moons
    return DANNClassifier(**{**fast, "random_state": 0, **params}).fit(Xs, ys, X_target=Xt)


def test_lambda_and_lr_follow_their_schedules_per_epoch(moons, fast):
    clf = _fit(moons, fast, lambda_max=0.5, lr=0.02, max_epochs=4)
    steps = clf.net_.batches_per_epoch_
    for epoch, row in enumerate(clf.history_, start=1):
        # The value in force at an epoch's end: set before its last batch.
        p = (epoch * steps - 1) / (4 * steps)
        assert row["lambda"] == pytest.approx(0.5 * lambda_ramp(p))
        assert row["lr"] == pytest.approx(0.02 * lr_annealing(p))


def test_constant_and_callable_schedules(moons, fast):
    constant_fit = _fit(moons, fast, lambda_schedule="constant", lr_schedule="constant",
                        lambda_max=0.7, lr=0.03)
    np.testing.assert_allclose(constant_fit.history_[:, "lambda"], 0.7)
    np.testing.assert_allclose(constant_fit.history_[:, "lr"], 0.03)
    half = _fit(moons, fast, lambda_schedule=lambda p: 0.5, lambda_max=0.8)
    np.testing.assert_allclose(half.history_[:, "lambda"], 0.4)
    assert not np.allclose(half.predict_proba(moons[2]), constant_fit.predict_proba(moons[2]))
