"""CPU threads per fit: chosen from the idle CPUs, set for the fit only."""
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from sk_dann import DANNClassifier
from sk_dann.datasets import make_domain_moons
from sk_dann.threads import busy_cpus, resolve_n_threads, torch_threads, usable_cpus

FAST = dict(max_epochs=2, hidden_layer_sizes=(8,), domain_hidden_layer_sizes=(8,),
            random_state=0)


class _RecordsThreads(torch.nn.Module):
    """A feature extractor that notes torch's thread count while training."""

    seen = set()  # on the class: the estimator trains a deep copy

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 8)

    def forward(self, x):
        if self.training:
            type(self).seen.add(torch.get_num_threads())
        return torch.relu(self.linear(x))


@pytest.fixture()
def moons():
    return make_domain_moons(n_samples=60, random_state=0)


@pytest.fixture()
def spinner():
    """One other process holding a core at 100%, for a few seconds at most."""
    process = subprocess.Popen([sys.executable, "-c",
                                "import time\nend = time.time() + 20\n"
                                "while time.time() < end: pass"])
    time.sleep(0.3)
    yield process
    process.kill()
    process.wait()


def test_n_threads_applies_during_the_fit_and_is_restored(moons):
    Xs, ys, Xt, _ = moons
    before = torch.get_num_threads()
    _RecordsThreads.seen = set()
    clf = DANNClassifier(feature_extractor=_RecordsThreads(), n_threads=1, **FAST)
    clf.fit(Xs, ys, X_target=Xt)
    assert _RecordsThreads.seen == {1} and clf.n_threads_ == 1
    assert torch.get_num_threads() == before


def test_minus_one_keeps_torchs_setting(moons):
    Xs, ys, Xt, _ = moons
    _RecordsThreads.seen = set()
    with torch_threads(1):
        DANNClassifier(feature_extractor=_RecordsThreads(), n_threads=-1, **FAST).fit(
            Xs, ys, X_target=Xt)
    assert _RecordsThreads.seen == {1}


def test_the_default_never_exceeds_torchs_setting():
    with torch_threads(1):
        assert resolve_n_threads(None) == 1
    assert 1 <= resolve_n_threads(None) <= min(usable_cpus(), torch.get_num_threads())


@pytest.mark.skipif(usable_cpus() < 2, reason="needs 2 usable CPUs")
def test_the_default_leaves_a_busy_process_its_core(spinner, moons):
    assert busy_cpus() >= 1
    assert resolve_n_threads(None) <= usable_cpus() - 1
    Xs, ys, Xt, _ = moons
    clf = DANNClassifier(**FAST).fit(Xs, ys, X_target=Xt)
    assert clf.n_threads_ <= usable_cpus() - 1


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_bad_n_threads_is_refused(bad, moons):
    Xs, ys, Xt, _ = moons
    with pytest.raises(ValueError, match="n_threads must be"):
        DANNClassifier(n_threads=bad, **FAST).fit(Xs, ys, X_target=Xt)


def test_a_fixed_thread_count_gives_the_same_model(moons):
    Xs, ys, Xt, _ = moons
    first = DANNClassifier(n_threads=1, **FAST).fit(Xs, ys, X_target=Xt)
    second = DANNClassifier(n_threads=1, **FAST).fit(Xs, ys, X_target=Xt)
    np.testing.assert_array_equal(first.predict_proba(Xt), second.predict_proba(Xt))
