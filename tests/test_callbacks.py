"""The skorch callbacks: one schedule base, and the divergence stop."""
import pickle

import numpy as np
import pytest
import torch

from sk_dann import DANNClassifier, DivergenceError
from sk_dann.callbacks import (ProgressLRScheduler, ProgressSchedule, ReversalScheduler,
                               StopOnDivergence)
from sk_dann.datasets import make_domain_moons


class _FakeNet:
    """Just what a schedule callback uses of the net."""

    lr = 0.1

    def __init__(self, p):
        self.p, self.set_to = p, {}
        self.history = type("History", (), {"record_batch": lambda *a: None,
                                              "record": lambda *a: None})()

    def training_progress(self):
        return self.p

    def set_reversal_strength(self, value):
        self.set_to["lambda"] = value

    def set_learning_rate(self, value):
        self.set_to["lr"] = value


def test_both_schedules_share_one_base_and_set_through_the_net():
    assert issubclass(ReversalScheduler, ProgressSchedule)
    assert issubclass(ProgressLRScheduler, ProgressSchedule)
    net = _FakeNet(p=0.25)
    ReversalScheduler(2.0, lambda p: p).on_batch_begin(net, training=True)
    ProgressLRScheduler(lambda p: 1 - p).on_batch_begin(net, training=True)
    assert net.set_to == {"lambda": 0.5, "lr": pytest.approx(0.075)}
    ReversalScheduler(2.0, None).on_batch_begin(net, training=False)  # inference: no-op
    assert net.set_to["lambda"] == 0.5


@pytest.fixture(scope="module")
def moons():
    return make_domain_moons(n_samples=60, random_state=0)


class _NanAfter(torch.nn.Module):
    calls = 0

    def __init__(self, n_calls):
        super().__init__()
        self.linear, self.n_calls = torch.nn.Linear(2, 8), n_calls

    def forward(self, x):
        out = torch.relu(self.linear(x))
        if self.training:
            type(self).calls += 1
            if type(self).calls >= self.n_calls:
                return out * float("nan")
        return out


def test_restored_models_pickle_without_the_copy_of_the_best_weights(moons, fast):
    Xs, ys, Xt, _ = moons
    _NanAfter.calls = 0
    clf = DANNClassifier(**{**fast, "max_epochs": 6, "random_state": 0},
                         feature_extractor=_NanAfter(12), on_divergence="restore_best")
    with pytest.warns(RuntimeWarning, match="Restored the weights"):
        clf.fit(Xs, ys, X_target=Xt)
    stop = dict(clf.net_.callbacks_)["stop_on_divergence"]
    assert stop.best_state_ is None
    loaded = pickle.loads(pickle.dumps(clf))
    assert dict(loaded.net_.callbacks_)["stop_on_divergence"].best_state_ is None
    np.testing.assert_array_equal(loaded.predict_proba(Xt), clf.predict_proba(Xt))


def test_a_pickle_never_holds_the_weight_copy_even_mid_training():
    stop = StopOnDivergence(restore_best=True)
    stop.best_state_ = {"weight": torch.ones(1000)}
    assert pickle.loads(pickle.dumps(stop)).best_state_ is None


def test_divergence_message_names_lambda_and_lr(moons, fast):
    Xs, ys, Xt, _ = moons
    _NanAfter.calls = 0
    with pytest.raises(DivergenceError, match=r"lambda=.*lr=.*initial lr=0\.01"):
        DANNClassifier(**fast, feature_extractor=_NanAfter(3)).fit(Xs, ys, X_target=Xt)


@pytest.mark.parametrize("mode, threshold, lower", [("abs", 0.05, True), ("rel", 0.1, True),
                                                    ("abs", 0.0, False), ("rel", 0.02, False)])
@pytest.mark.parametrize("sign", [1, -1])  # negative scores: "rel" keeps the value's sign
def test_best_epoch_rule_names_the_epoch_skorchs_early_stopping_keeps(mode, threshold, lower,
                                                                      sign):
    from skorch.callbacks import EarlyStopping
    from skorch.history import History

    from sk_dann.callbacks import BestEpochRule
    values = [sign * v for v in [1.0, 0.9, 0.88, 0.7, 0.69, 0.71, 0.5, 0.49, float("nan"),
                                 0.6, -float("inf")]]
    early = EarlyStopping(monitor="score", lower_is_better=lower, threshold=threshold,
                          threshold_mode=mode, patience=100, sink=lambda *a, **k: None)
    net = type("Net", (), {"history": History(), "verbose": 0})()
    early.on_train_begin(net)
    for epoch, value in enumerate(values, start=1):
        net.history.new_epoch()
        net.history.record("epoch", epoch)
        net.history.record("score", value)
        early.on_epoch_end(net)
    assert BestEpochRule.of(early).best_epoch(net.history) == early.best_epoch_
    assert BestEpochRule.of(early).best_epoch(net.history, first_epoch=len(values) + 1) is None


def test_find_early_stopping_finds_it_by_type_under_any_name():
    from skorch.callbacks import EarlyStopping, LRScheduler

    from sk_dann.callbacks import find_early_stopping
    mine = EarlyStopping(monitor="domain_loss")
    assert find_early_stopping([LRScheduler(), ("patience", mine)]) is mine
    assert find_early_stopping([mine]) is mine
    assert find_early_stopping([LRScheduler()]) is None and find_early_stopping(None) is None
    assert find_early_stopping([(mine,)]) is None  # a malformed entry is not a pair
