"""Saved models, devices and what the user sees printed."""
import pickle
import warnings

import numpy as np
import pytest
import torch

from sk_dann import DANNClassifier
from sk_dann.datasets import make_domain_moons
from sk_dann.runtime import resolve_device

@pytest.fixture(scope="module")
def fast(fast):
    return {**fast, "random_state": 0}


@pytest.fixture(scope="module")
def fitted(fast):
    Xs, ys, Xt, _ = make_domain_moons(n_samples=60, random_state=0)
    return DANNClassifier(**fast).fit(Xs, ys, X_target=Xt), Xt


@pytest.mark.skipif(torch.cuda.is_available(), reason="simulates a CPU-only machine")
def test_model_saved_from_cuda_loads_on_cpu_only_machine(fitted):
    clf, Xt = fitted
    expected = clf.predict_proba(Xt)
    clone = pickle.loads(pickle.dumps(clf))
    clone.net_.device = "cuda"  # as if it had been trained on a GPU
    blob = pickle.dumps(clone)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skorch says it falls back to the CPU
        loaded = pickle.loads(blob)
    assert str(loaded.net_.device) == "cpu"
    np.testing.assert_allclose(loaded.predict_proba(Xt), expected)


def test_auto_trains_on_the_cpu_when_cuda_is_missing(fast, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    Xs, ys, Xt, _ = make_domain_moons(n_samples=40, random_state=0)
    clf = DANNClassifier(device="auto", **fast).fit(Xs, ys, X_target=Xt)
    assert clf.device_ == "cpu"
    assert all(p.device.type == "cpu" for p in clf.net_.module_.parameters())
    with pytest.raises(ValueError, match="device='cuda' but CUDA is not available. "
                                         r"Devices available here: 'auto', 'cpu'\."):
        DANNClassifier(device="cuda", **fast).fit(Xs, ys, X_target=Xt)


def test_auto_picks_cuda_when_there_is_one_and_checks_the_index(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert resolve_device("auto") == "cuda"
    assert resolve_device("cuda:0") == "cuda:0"
    with pytest.raises(ValueError, match="device='cuda:1' but this machine has 1 CUDA"):
        resolve_device("cuda:1")
    with pytest.raises(ValueError, match="device='gpu' is not a torch device name"):
        resolve_device("gpu")


def test_verbose_prints_epoch_table_and_predict_prints_nothing(capsys, fast):
    Xs, ys, Xt, _ = make_domain_moons(n_samples=40, random_state=0)
    clf = DANNClassifier(verbose=1, **fast).fit(Xs, ys, X_target=Xt)
    header = capsys.readouterr().out
    for column in ("epoch", "label_loss", "domain_loss", "domain_acc", "lambda", "lr"):
        assert column in header
    clf.predict(Xt)
    clf.score(Xs, ys)
    assert capsys.readouterr() == ("", "")
    DANNClassifier(verbose=0, **fast).fit(Xs, ys, X_target=Xt)
    assert capsys.readouterr() == ("", "")


def test_verbose_2_adds_a_progress_bar_over_batches(capsys, fast):
    Xs, ys, Xt, _ = make_domain_moons(n_samples=200, random_state=0)
    DANNClassifier(verbose=2, **fast).fit(Xs, ys, X_target=Xt)
    out, err = capsys.readouterr()
    assert "domain_acc" in out
    # tqdm's bar, from the second epoch on (the first one counts the batches).
    assert "/7" in err and "it/s" in err


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_fit_on_gpu_places_model_there_and_predicts_from_numpy(fast):
    Xs, ys, Xt, _ = make_domain_moons(n_samples=60, random_state=0)
    clf = DANNClassifier(device="auto", **fast).fit(Xs, ys, X_target=Xt)
    assert clf.device_ == "cuda"
    assert next(clf.net_.module_.parameters()).is_cuda
    assert clf.predict(Xt).shape == (len(Xt),)
