"""The runtime helpers: devices, autocast, batched inference, CPU threads per fit."""
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
import torch

from sk_dann import CNNFeatures, DANNClassifier, SlowPrecisionWarning
from sk_dann.datasets import make_domain_moons
from sk_dann.runtime import (autocast, available_devices, busy_cpus,
                             cpu_bfloat16_instructions, infer_in_batches, resolve_device,
                             resolve_n_threads, torch_threads, usable_cpus)

@pytest.fixture(scope="module")
def fast(fast):
    return {**fast, "max_epochs": 2, "random_state": 0}


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


def test_n_threads_applies_during_the_fit_and_is_restored(moons, fast):
    Xs, ys, Xt, _ = moons
    before = torch.get_num_threads()
    _RecordsThreads.seen = set()
    clf = DANNClassifier(feature_extractor=_RecordsThreads(), n_threads=1, **fast)
    clf.fit(Xs, ys, X_target=Xt)
    assert _RecordsThreads.seen == {1} and clf.n_threads_ == 1
    assert torch.get_num_threads() == before


class _RecordsInferenceThreads(_RecordsThreads):
    seen = set()

    def forward(self, x):
        if not self.training:
            type(self).seen.add(torch.get_num_threads())
        return torch.relu(self.linear(x))


def test_a_fixed_n_threads_holds_for_inference_too(moons, fast):
    # A thread count changes the last bits of float sums: with a fixed count a
    # Dask worker (one thread) predicts and scores as this process does.
    Xs, ys, Xt, _ = moons
    clf = DANNClassifier(feature_extractor=_RecordsInferenceThreads(), n_threads=1, **fast)
    clf.fit(Xs, ys, X_target=Xt)
    with torch_threads(2):
        _RecordsInferenceThreads.seen = set()
        clf.predict_proba(Xt), clf.transform(Xt), clf.predict_domain(Xt)
        assert _RecordsInferenceThreads.seen == {1}
        assert torch.get_num_threads() == 2
        # the automatic count leaves inference to torch's setting (no load reading)
        clf.set_params(n_threads=None)
        _RecordsInferenceThreads.seen = set()
        clf.predict(Xt)
        assert _RecordsInferenceThreads.seen == {2}


def test_torch_keeps_torchs_setting_and_minus_one_says_it_is_deprecated(moons, fast):
    Xs, ys, Xt, _ = moons
    for n_threads in ("torch", -1):
        _RecordsThreads.seen = set()
        with torch_threads(1), warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            DANNClassifier(feature_extractor=_RecordsThreads(), n_threads=n_threads,
                           **fast).fit(Xs, ys, X_target=Xt)
        assert _RecordsThreads.seen == {1}
        deprecations = [w for w in said if issubclass(w.category, FutureWarning)]
        if n_threads == -1:
            assert "n_threads='torch'" in str(deprecations[0].message)
            assert deprecations[0].filename == __file__
        else:
            assert not deprecations


def test_the_default_never_exceeds_torchs_setting():
    with torch_threads(1):
        assert resolve_n_threads(None) == 1
    assert 1 <= resolve_n_threads(None) <= min(usable_cpus(), torch.get_num_threads())


@pytest.mark.skipif(usable_cpus() < 2, reason="needs 2 usable CPUs")
def test_the_default_leaves_a_busy_process_its_core(spinner, moons, fast):
    assert busy_cpus() >= 1
    assert resolve_n_threads(None) <= usable_cpus() - 1
    Xs, ys, Xt, _ = moons
    clf = DANNClassifier(**fast).fit(Xs, ys, X_target=Xt)
    assert clf.n_threads_ <= usable_cpus() - 1


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_bad_n_threads_is_refused(bad, moons, fast):
    Xs, ys, Xt, _ = moons
    with pytest.raises(ValueError, match="'n_threads' parameter"):
        DANNClassifier(n_threads=bad, **fast).fit(Xs, ys, X_target=Xt)


def test_a_fixed_thread_count_gives_the_same_model(moons, fast):
    Xs, ys, Xt, _ = moons
    first = DANNClassifier(n_threads=1, **fast).fit(Xs, ys, X_target=Xt)
    second = DANNClassifier(n_threads=1, **fast).fit(Xs, ys, X_target=Xt)
    np.testing.assert_array_equal(first.predict_proba(Xt), second.predict_proba(Xt))


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


def test_autocast_runs_bfloat16_only_when_asked():
    layer = torch.nn.Linear(4, 3)
    x = torch.ones(2, 4)
    with autocast("cpu", "bfloat16"):
        assert layer(x).dtype == torch.bfloat16
    with autocast("cpu", "float32"):
        assert layer(x).dtype == torch.float32


def test_infer_in_batches_flattens_concatenates_and_needs_no_grad():
    layer = torch.nn.Conv2d(1, 2, 3)
    batches = [torch.ones(3, 1, 4, 4), torch.zeros(2, 1, 4, 4)]
    out = infer_in_batches(layer, batches, "cpu", "float32")
    assert out.shape == (5, 8) and out.dtype == np.float32
    np.testing.assert_allclose(out[:3], layer(batches[0]).flatten(1).detach().numpy(),
                               rtol=1e-6)
    assert infer_in_batches(layer, [], "cpu", "float32") is None


def test_built_in_optimizers_take_torchs_fused_step_where_it_has_one(moons, fast):
    from sk_dann.runtime import fused_step_supported

    Xs, ys, Xt, _ = moons
    clf = DANNClassifier(**fast).fit(Xs, ys, X_target=Xt)
    expected = fused_step_supported(torch.optim.SGD, "cpu")
    assert bool(clf.net_.optimizer_.defaults.get("fused")) is expected
    assert expected  # torch 2.13 (CI's) has a fused SGD step on the CPU


X86_WITHOUT_BF16 = ("processor\t: 0\nmodel name\t: Intel(R) Xeon(R)\n"
                    "flags\t\t: fpu sse2 avx2 avx512f avx512bw\n\n"
                    "processor\t: 1\nflags\t\t: fpu sse2 avx2 avx512f avx512bw\n")
X86_WITH_AMX = "processor\t: 0\nflags\t\t: fpu avx2 avx512f amx_tile amx_bf16\n"
ARM_WITH_BF16 = "processor\t: 0\nFeatures\t: fp asimd sve bf16 i8mm\n"
ARM_WITHOUT_BF16 = "processor\t: 0\nFeatures\t: fp asimd evtstrm aes crc32\n"


def _pretend_cpu(monkeypatch, path, text, machine):
    """Make sk_dann read ``text`` as this machine's /proc/cpuinfo, on ``machine``."""
    path.write_text(text)
    monkeypatch.setattr("sk_dann.runtime.CPUINFO", str(path))
    monkeypatch.setattr("sk_dann.runtime.platform.machine", lambda: machine)


@pytest.fixture()
def cpu_without_bf16(tmp_path, monkeypatch):
    _pretend_cpu(monkeypatch, tmp_path / "cpuinfo", X86_WITHOUT_BF16, "x86_64")


def test_cpu_bfloat16_instructions_reads_x86_and_arm_flags(tmp_path):
    files = {}
    for name, text in [("none", X86_WITHOUT_BF16), ("amx", X86_WITH_AMX),
                       ("arm", ARM_WITH_BF16), ("arm_none", ARM_WITHOUT_BF16), ("empty", "")]:
        files[name] = tmp_path / name
        files[name].write_text(text)
    assert cpu_bfloat16_instructions(files["none"], "x86_64") == (
        "x86", (), ("avx512_bf16", "amx_bf16"))
    assert cpu_bfloat16_instructions(files["amx"], "AMD64")[1] == ("amx_bf16",)
    assert cpu_bfloat16_instructions(files["arm"], "aarch64") == ("arm", ("bf16",), ("bf16",))
    assert cpu_bfloat16_instructions(files["arm_none"], "arm64") == ("arm", (), ("bf16",))
    # Where the CPU cannot be read or is of another family, nothing is claimed:
    # s390x also has a "features" line, which says nothing about bf16.
    assert cpu_bfloat16_instructions(files["arm"], "s390x") is None
    assert cpu_bfloat16_instructions(files["empty"], "x86_64") is None
    assert cpu_bfloat16_instructions(tmp_path / "missing", "x86_64") is None


def test_bfloat16_on_a_cpu_without_bf16_instructions_warns_naming_them(
        cpu_without_bf16, moons, fast):
    Xs, ys, Xt, _ = moons
    with pytest.warns(SlowPrecisionWarning, match=r"avx512_bf16, amx_bf16.*"
                      r"precision='float32'") as record:
        clf = DANNClassifier(precision="bfloat16", device="cpu", **fast).fit(
            Xs, ys, X_target=Xt)
    assert record[0].filename == __file__  # points at the user's call, not sk_dann
    assert clf.predict(Xt).shape == (len(Xt),)  # a warning, never a refusal
    with pytest.warns(SlowPrecisionWarning):
        clf.partial_fit(Xs, ys, X_target=Xt)


@pytest.mark.parametrize("text, machine", [(X86_WITH_AMX, "x86_64"),
                                           (ARM_WITH_BF16, "aarch64"),
                                           (ARM_WITH_BF16, "s390x"),
                                           ("", "x86_64")])
def test_bfloat16_where_the_cpu_has_the_instructions_or_cannot_be_read_never_warns(
        text, machine, tmp_path, monkeypatch, moons, fast):
    _pretend_cpu(monkeypatch, tmp_path / "cpuinfo", text, machine)
    Xs, ys, Xt, _ = moons
    with warnings.catch_warnings():
        warnings.simplefilter("error", SlowPrecisionWarning)
        DANNClassifier(precision="bfloat16", device="cpu", **fast).fit(Xs, ys, X_target=Xt)


def test_float32_on_a_cpu_without_bf16_never_warns(cpu_without_bf16, moons, fast):
    Xs, ys, Xt, _ = moons
    with warnings.catch_warnings():
        warnings.simplefilter("error", SlowPrecisionWarning)
        DANNClassifier(device="cpu", **fast).fit(Xs, ys, X_target=Xt)


def test_cnn_features_in_bfloat16_on_a_cpu_without_bf16_warns(cpu_without_bf16):
    backbone = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Flatten())
    images = np.zeros((4, 8, 8, 3), dtype=np.uint8)
    with pytest.warns(SlowPrecisionWarning, match="bfloat16 instructions") as record:
        CNNFeatures(backbone, precision="bfloat16", device="cpu").fit(images)
    assert record[0].filename == __file__
