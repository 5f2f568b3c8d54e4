"""The skorch net's helpers: device resolution."""
import pytest
import torch

from sk_dann import DANNClassifier
from sk_dann.datasets import make_domain_moons
from sk_dann.net import available_devices, resolve_device


@pytest.mark.parametrize("device, message", [
    ("gpu", "not a torch device name"),
    ("mps", "no mps device is available"),
    ("cuda", "CUDA is not available"),
])
def test_unavailable_devices_name_the_ones_that_exist(device, message):
    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    if device == "mps" and "mps" in available_devices():
        pytest.skip("this machine has MPS")
    Xs, ys, Xt, _ = make_domain_moons(n_samples=20, random_state=0)
    with pytest.raises(ValueError, match=f"{message}.*Devices available here: 'auto', 'cpu'"):
        DANNClassifier(device=device, max_epochs=1).fit(Xs, ys, X_target=Xt)


def test_auto_and_cpu_resolve():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
