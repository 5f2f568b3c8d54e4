"""Interrupting, diverging, continuing and reloading a fit."""
import pickle
import warnings

import numpy as np
import pytest
import torch

from sk_dann import DANNClassifier, DivergenceError, DivergenceWarning, pack_domains
from sk_dann.datasets import make_domain_moons
from sk_dann.exceptions import InterruptedFitWarning, SavedVersionWarning
from sk_dann.schedules import lr_annealing

@pytest.fixture(scope="module")
def fast(fast):
    # No max_epochs: each test here says how many epochs it trains.
    params = {**fast, "hidden_layer_sizes": (16,), "domain_hidden_layer_sizes": (16,),
              "random_state": 0}
    del params["max_epochs"]
    return params


@pytest.fixture(scope="module")
def moons():
    Xs, ys, Xt, yt = make_domain_moons(n_samples=120, random_state=0)
    X, y = pack_domains(Xs, ys, Xt)
    return X, y, Xt, yt


class _ExplodesAfter(torch.nn.Module):
    """A feature extractor that misbehaves at its n-th training forward pass."""

    calls = 0  # on the class: the estimator trains a deep copy

    def __init__(self, n_calls, error=None):
        super().__init__()
        self.linear = torch.nn.Linear(2, 16)
        self.n_calls, self.error = n_calls, error

    def forward(self, x):
        out = torch.relu(self.linear(x))
        if self.training:
            type(self).calls += 1
            if type(self).calls == self.n_calls:
                if self.error is not None:
                    raise self.error
                return out * float("nan")
        return out


def test_ctrl_c_leaves_a_usable_estimator_with_finished_epochs(moons, fast):
    X, y, Xt, _ = moons
    # 120 source + 120 target rows, batch 64: 4 batches per epoch; stop in epoch 3.
    _ExplodesAfter.calls = 0
    clf = DANNClassifier(feature_extractor=_ExplodesAfter(10, KeyboardInterrupt()),
                         max_epochs=20, **fast)
    with pytest.warns(InterruptedFitWarning, match="interrupted in epoch 3"):
        clf.fit(X, y)
    assert len(clf.history_) == 2
    assert all("train_loss" in row for row in clf.history_)
    assert np.isfinite(clf.predict_proba(Xt)).all()


def test_divergence_raises_or_restores_the_best_epoch(moons, fast):
    X, y, Xt, _ = moons
    _ExplodesAfter.calls = 0
    with pytest.raises(DivergenceError, match=r"epoch 3 \(lambda=.*lr="):
        DANNClassifier(feature_extractor=_ExplodesAfter(10), max_epochs=20, **fast).fit(X, y)
    _ExplodesAfter.calls = 0
    clf = DANNClassifier(feature_extractor=_ExplodesAfter(10), max_epochs=20,
                         on_divergence="restore_best", **fast)
    with pytest.warns(DivergenceWarning, match=r"epoch 3 .*Restored the weights of epoch 2"):
        clf.fit(X, y)
    assert len(clf.history_) == 2
    assert np.isfinite(clf.predict_proba(Xt)).all()
    _ExplodesAfter.calls = 0
    with pytest.raises(DivergenceError):  # nothing finished yet: nothing to restore
        DANNClassifier(feature_extractor=_ExplodesAfter(2), max_epochs=20,
                       on_divergence="restore_best", **fast).fit(X, y)
    with pytest.raises(ValueError, match="on_divergence"):
        DANNClassifier(on_divergence="ignore").fit(X, y)


def test_partial_fit_epochs_equal_one_fit(moons, fast):
    X, y, Xt, _ = moons
    whole = DANNClassifier(max_epochs=4, **fast).fit(X, y)
    stepwise = DANNClassifier(max_epochs=4, **fast)
    for _ in range(4):
        stepwise.partial_fit(X, y)
    assert len(stepwise.history_) == 4
    np.testing.assert_allclose(stepwise.history_[:, "lambda"], whole.history_[:, "lambda"])
    np.testing.assert_allclose(stepwise.predict_proba(Xt), whole.predict_proba(Xt),
                               rtol=1e-5, atol=1e-6)


def test_partial_fit_keeps_classes_and_says_so(moons, fast):
    X, y, _, _ = moons
    clf = DANNClassifier(max_epochs=4, **fast).partial_fit(X, y, classes=[0, 1, 2])
    assert clf.classes_.tolist() == [0, 1, 2]
    y_new = y.copy()
    y_new[0] = 7
    with pytest.raises(ValueError, match=r"labels \[7\] .*classes \[0, 1, 2\]"):
        clf.partial_fit(X, y_new)
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :1], y)


def test_classes_that_miss_a_label_of_y_are_named_as_such(moons, fast):
    X, y, _, _ = moons  # labels 0 and 1, target rows packed with y == -1
    with pytest.raises(ValueError, match=r"y has labels \[1\] that are not in "
                       r"classes=\[0\]; classes must list every class"):
        DANNClassifier(max_epochs=2, **fast).partial_fit(X, y, classes=[0])
    with pytest.raises(ValueError, match=r"classes=\[0\] lists 1 class"):
        DANNClassifier(max_epochs=2, **fast).partial_fit(X[y == 0], y[y == 0], classes=[0])
    X, y = X[y >= 0], y[y >= 0]
    words = np.array(["cat", "dog"])[y]
    clf = DANNClassifier(max_epochs=2, lambda_max=0, **fast).partial_fit(
        X, words, classes=["cat", "dog"])
    with pytest.raises(ValueError, match=r"labels \['emu'\] .*classes \['cat', 'dog'\]"):
        clf.partial_fit(X, np.where(y == 0, "emu", words))


def test_the_first_partial_fit_past_max_epochs_says_the_schedules_ended(moons, fast):
    X, y, _, _ = moons
    clf = DANNClassifier(max_epochs=2, **fast)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(2):
            clf.partial_fit(X, y, classes=[0, 1])
    with pytest.warns(UserWarning, match=r"epoch 3, past max_epochs=2.*lambda stays at "
                      r"0\.3 .*learning rate at 0\.001656"):
        clf.partial_fit(X, y)
    with warnings.catch_warnings():  # once, not at every later call
        warnings.simplefilter("error")
        clf.partial_fit(X, y)
    assert clf.history_[-1, "lr"] == clf.history_[-2, "lr"] == pytest.approx(
        0.01 * lr_annealing(1.0))


def test_a_warm_start_with_a_new_lr_says_what_it_trains_at(moons, fast):
    X, y, _, _ = moons
    clf = DANNClassifier(max_epochs=3, warm_start=True, **fast).fit(X, y)
    with pytest.warns(UserWarning, match=r"new lr=0\.1 trains at 0\.01656.*"
                      r"lr_schedule=\"constant\""):
        clf.set_params(lr=0.1).fit(X, y)
    assert clf.history_[-1, "lr"] == pytest.approx(0.1 * lr_annealing(1.0))
    with warnings.catch_warnings():  # the documented way to train at lr as given
        warnings.simplefilter("error")
        clf.set_params(lr=0.05, lr_schedule="constant").fit(X, y)
        clf.fit(X, y)  # the same lr again: nothing new to say
    np.testing.assert_allclose(clf.history_[-6:, "lr"], 0.05)


def test_a_warm_start_after_an_early_stop_says_the_schedules_go_on(moons, fast):
    X, y, _, _ = moons
    clf = DANNClassifier(max_epochs=40, warm_start=True, early_stopping=True,
                         n_iter_no_change=1, tol=10.0, **fast).fit(X, y)
    assert len(clf.history_) == 2  # stopped at p = 0.05
    with pytest.warns(UserWarning, match=r"at p = 0\.05, where the last fit stopped, and "
                      r"lr_schedule\(p\) = 0\.7378 there: the new lr=0\.1 trains at "
                      r"0\.07378, lower as the schedule goes on"):
        clf.set_params(lr=0.1, early_stopping=False, max_epochs=1).fit(X, y)
    assert clf.history_[-1, "lr"] < 0.1 * lr_annealing(0.05)  # annealing on


def test_warm_start_continues_instead_of_restarting(moons, fast):
    X, y, Xt, _ = moons
    clf = DANNClassifier(max_epochs=3, warm_start=True, **fast).fit(X, y)
    first = clf.net_.module_
    clf.fit(X, y)
    assert clf.net_.module_ is first and len(clf.history_) == 6
    assert clf.history_[-1, "lambda"] == pytest.approx(clf.lambda_max, rel=1e-3)
    cold = DANNClassifier(max_epochs=3, **fast).fit(X, y)
    cold.fit(X, y)
    assert len(cold.history_) == 3


@pytest.mark.parametrize("continue_with", ["warm_start", "partial_fit"])
def test_continued_fits_use_changed_parameters(moons, continue_with, fast):
    X, y, _, _ = moons
    clf = DANNClassifier(max_epochs=2, warm_start=True, **fast)
    step = (lambda: clf.fit(X, y)) if continue_with == "warm_start" else (
        lambda: clf.partial_fit(X, y))
    step()
    clf.set_params(lr=0.003, lr_schedule="constant", lambda_max=0.7,
                   lambda_schedule="constant", momentum=0.5, weight_decay=1e-3)
    step()
    last = clf.history_[-1]
    assert last["lr"] == pytest.approx(0.003) and last["lambda"] == pytest.approx(0.7)
    group = clf.net_.optimizer_.param_groups[0]
    assert group["momentum"] == 0.5 and group["weight_decay"] == 1e-3
    # The momentum buffers carried over: the optimizer continued, not restarted.
    assert all("momentum_buffer" in state for state in clf.net_.optimizer_.state.values())


@pytest.mark.parametrize("change", [dict(hidden_layer_sizes=(32,)), dict(activation="tanh"),
                                    dict(dropout=0.2)])
def test_continued_fits_refuse_a_changed_network_shape(moons, change, fast):
    X, y, _, _ = moons
    clf = DANNClassifier(max_epochs=2, warm_start=True, **fast).fit(X, y)
    clf.set_params(**change)
    with pytest.raises(ValueError, match=f"{next(iter(change))} changed.*warm_start=False"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match="changed"):
        clf.partial_fit(X, y)
    clf.set_params(warm_start=False).fit(X, y)  # starts afresh with the new shape
    assert len(clf.history_) == 2


def test_skorch_parameter_files_round_trip(moons, tmp_path, fast):
    X, y, Xt, _ = moons
    trained = DANNClassifier(max_epochs=3, **fast).fit(X, y)
    trained.net_.save_params(f_params=tmp_path / "params.pt",
                             f_optimizer=tmp_path / "opt.pt", f_history=tmp_path / "h.json")
    fresh = DANNClassifier(max_epochs=1, random_state=1, **{
        k: v for k, v in fast.items() if k != "random_state"}).fit(X, y)
    assert not np.allclose(fresh.predict_proba(Xt), trained.predict_proba(Xt))
    fresh.net_.load_params(f_params=tmp_path / "params.pt",
                           f_optimizer=tmp_path / "opt.pt", f_history=tmp_path / "h.json")
    np.testing.assert_allclose(fresh.predict_proba(Xt), trained.predict_proba(Xt))


def test_saved_model_holds_no_training_data(moons, fast):
    X, y, _, _ = moons
    X_big = np.repeat(X, 50, axis=0)
    clf = DANNClassifier(max_epochs=1, **fast).fit(X_big, np.repeat(y, 50))
    assert len(pickle.dumps(clf)) < X_big.nbytes / 2


def test_loading_a_model_from_another_version_warns(moons, fast):
    X, y, Xt, _ = moons
    clf = DANNClassifier(max_epochs=1, **fast).fit(X, y)
    state = clf.__getstate__()
    assert state["_sk_dann_version"]
    state["_sk_dann_version"] = "0.0.1"
    old = DANNClassifier.__new__(DANNClassifier)
    with pytest.warns(SavedVersionWarning, match="saved by sk_dann 0.0.1"):
        old.__setstate__(state)
    assert old.predict(Xt).shape == (len(Xt),)  # it still works, with a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", SavedVersionWarning)
        pickle.loads(pickle.dumps(clf))  # same version: silent
