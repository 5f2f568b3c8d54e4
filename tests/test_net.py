"""DANNNet: what the net owns (device, data placement, progress, the values
the schedules set) and the history it keeps."""
import inspect
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from sk_dann.batching import DOMAIN, LABEL, WEIGHT, BalancedDomainBatches, training_targets
from sk_dann.callbacks import ReversalScheduler
from sk_dann.net import DANNLoss, DANNNet, DANNRegressionLoss
from sk_dann.networks import build_dann_module

ROOT = Path(__file__).resolve().parents[1]


def _data(n_source=40, n_target=24):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_source + n_target, 3)).astype(np.float32)
    codes = np.r_[np.arange(n_source) % 2, -np.ones(n_target, int)]
    return X, training_targets(codes, np.r_[np.zeros(n_source), np.ones(n_target)])


def _net(**params):
    module = build_dann_module(None, 2, torch.zeros(1, 3), hidden_layer_sizes=(8,),
                               domain_hidden_layer_sizes=(8,))
    return DANNNet(module, optimizer=torch.optim.SGD, lr=0.05, max_epochs=2,
                   batch_size=16, **params)


def test_training_targets_put_class_domain_and_weight_in_their_columns():
    targets = training_targets(np.array([1, 0, -1]), np.array([False, False, True]))
    assert targets.dtype == np.float32
    np.testing.assert_array_equal(targets[:, LABEL], [1, 0, 0])
    np.testing.assert_array_equal(targets[:, DOMAIN], [0, 0, 1])
    np.testing.assert_array_equal(targets[:, WEIGHT], [1, 1, 0])  # unlabeled: weight 0
    weighted = training_targets(np.array([2.5, -1.0, 0.0]), np.array([False, False, True]),
                                weights=np.array([0.5, 2.0, 0.0]))
    np.testing.assert_array_equal(weighted[:, LABEL], [2.5, -1.0, 0.0])  # any real value
    np.testing.assert_array_equal(weighted[:, WEIGHT], [0.5, 2.0, 0.0])


def test_the_net_hands_its_device_and_seed_to_the_iterators():
    X, y = _data()
    net = _net(seed=7, device="cpu").initialize()
    iterator = net.get_iterator(net.get_dataset(X, y), training=True)
    assert isinstance(iterator, BalancedDomainBatches)
    assert iterator.device == torch.device("cpu") and net.adapting_
    again = _net(seed=7).initialize().get_iterator(net.get_dataset(X, y), training=True)
    other = _net(seed=8).initialize().get_iterator(net.get_dataset(X, y), training=True)
    first = [yb for _, yb in iterator]
    assert all(torch.equal(a, b) for a, b in zip(first, [yb for _, yb in again]))
    assert not all(torch.equal(a, b) for a, b in zip(first, [yb for _, yb in other]))
    valid = net.get_iterator(net.get_dataset(X), training=False)
    assert valid.batch_size == net.eval_batch_size == 1024


def test_training_data_is_placed_once_and_shared_on_the_cpu():
    X, y = _data()
    dataset = _net().initialize().get_dataset(X, y)
    assert isinstance(dataset.X, torch.Tensor)
    assert dataset.X.data_ptr() == torch.from_numpy(X).data_ptr()  # no copy on the CPU


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_on_cuda_the_net_places_training_data_once_per_fit():
    X, y = _data()
    net = _net(device="cuda").initialize()
    dataset = net.get_dataset(X, y)
    assert dataset.X.is_cuda and dataset.y.is_cuda
    first = net.get_iterator(dataset, training=True)
    second = net.get_iterator(dataset, training=True)  # the next epoch
    assert first.X.data_ptr() == second.X.data_ptr() == dataset.X.data_ptr()
    assert isinstance(net.get_dataset(X).X, np.ndarray)  # inference data stays as given


def test_schedules_set_values_through_the_net():
    X, y = _data()
    net = _net(callbacks=[("reversal", ReversalScheduler(0.4, None))]).fit(X, y)
    assert net.reversal_strength == pytest.approx(0.4)
    assert net.module_.reversal.lambda_ == pytest.approx(0.4)
    net.set_learning_rate(0.123)
    assert net.learning_rate == 0.123
    assert all(group["lr"] == 0.123 for group in net.optimizer_.param_groups)


def test_history_has_the_dann_keys_per_epoch():
    X, y = _data()
    net = _net().fit(X, y)
    assert len(net.history) == 2
    for key in ("train_loss", "label_loss", "domain_loss", "domain_acc"):
        assert all(np.isfinite(net.history[:, key]))
    assert net.training_progress() == 1.0
    assert net.train_steps_done_ == 2 * net.batches_per_epoch_


def test_the_loss_ignores_unlabeled_rows_and_weighs_the_others():
    loss = DANNLoss()
    logits = torch.tensor([[2.0, 0.0], [0.0, 2.0], [5.0, -5.0]])
    domain = torch.zeros(3)
    y = torch.from_numpy(training_targets(np.array([0, 1, -1]), np.array([0, 0, 1])))
    label_loss, _ = loss((logits, domain), y)
    expected = torch.nn.functional.cross_entropy(logits[:2], torch.tensor([0, 1]))
    assert label_loss.item() == pytest.approx(expected.item())
    y[:, WEIGHT] = torch.tensor([3.0, 1.0, 0.0])
    per_row = torch.nn.functional.cross_entropy(logits[:2], torch.tensor([0, 1]),
                                                reduction="none")
    assert loss((logits, domain), y)[0].item() == pytest.approx(
        ((3 * per_row[0] + per_row[1]) / 4).item())
    y[:, WEIGHT] = 0.0  # a batch without labeled rows: no label loss, no NaN
    assert loss((logits, domain), y)[0].item() == 0.0


def test_the_regression_loss_is_a_weighted_squared_error():
    out = torch.tensor([[1.0], [3.0], [9.0]])
    y = torch.from_numpy(training_targets(np.array([2.0, 1.0, 0.0]), np.array([0, 0, 1]),
                                          weights=np.array([1.0, 1.0, 0.0])))
    label_loss, _ = DANNRegressionLoss()((out, torch.zeros(3)), y)
    assert label_loss.item() == pytest.approx((1 + 4) / 2)


# -- compile=True: the training step through torch.compile ---------------------
@pytest.fixture(scope="module")
def eager_and_compiled():
    from sk_dann import DANNClassifier
    from sk_dann.datasets import make_domain_moons

    Xs, ys, Xt, _ = make_domain_moons(n_samples=200, random_state=0)
    torch._dynamo.reset()
    fits = {}
    # A recompilation (the lambda ramp changes the reversal strength every
    # step) would raise here.
    with torch._dynamo.config.patch(error_on_recompile=True):
        for compile_ in (False, True):
            fits[compile_] = DANNClassifier(
                hidden_layer_sizes=(16,), domain_hidden_layer_sizes=(16,), max_epochs=4,
                lambda_max=1.0, n_threads=1, random_state=0, compile=compile_,
            ).fit(Xs, ys, X_target=Xt)
    return fits, Xs, ys, Xt


def test_a_compiled_fit_trains_the_same_model_and_times_its_compilation(eager_and_compiled):
    fits, _, _, Xt = eager_and_compiled
    eager, compiled = fits[False], fits[True]
    np.testing.assert_allclose(compiled.predict_proba(Xt), eager.predict_proba(Xt), atol=1e-5)
    np.testing.assert_array_equal(compiled.history_[:, "lambda"], eager.history_[:, "lambda"])
    assert eager.compile_time_ is None
    assert 0 < compiled.compile_time_ <= compiled.history_[0, "dur"]


def test_a_compiled_fit_leaves_a_plain_module_that_pickles_and_continues(eager_and_compiled):
    fits, Xs, ys, Xt = eager_and_compiled
    compiled = fits[True]
    assert type(compiled.net_.module_) is type(fits[False].net_.module_)
    assert compiled.net_.module_.state_dict().keys() == fits[False].net_.module_.state_dict().keys()
    loaded = pickle.loads(pickle.dumps(compiled))
    np.testing.assert_array_equal(loaded.predict_proba(Xt), compiled.predict_proba(Xt))
    loaded.partial_fit(Xs, ys, X_target=Xt)  # compiles again in the new process state
    assert len(loaded.history_) == 5 and loaded.compile_time_ > 0


@pytest.mark.slow
def test_a_compiled_fit_shows_no_warning_of_torch(tmp_path):
    # torch.compile's first use in a process imports torch.utils.mkldnn, which
    # warned three times that torch.jit.script_method is deprecated; the
    # package's own warnings are the ones a user should see.
    script = tmp_path / "compiled_fit.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        from sk_dann import DANNClassifier
        X = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
        DANNClassifier(compile=True, max_epochs=1, hidden_layer_sizes=(8,),
                       domain_hidden_layer_sizes=(8,)).fit(X, np.arange(40) % 2, X_target=X)
        print("fitted")
    """))
    result = subprocess.run([sys.executable, "-W", "always", str(script)], capture_output=True,
                            text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0 and "fitted" in result.stdout, result.stderr[-3000:]
    torch_warnings = [line for line in result.stderr.splitlines()
                      if "Warning" in line and f"{os.sep}torch{os.sep}" in line]
    assert not torch_warnings, result.stderr[-3000:]


@pytest.mark.parametrize("compile_, error", [({"mod": "default"}, "torch.compile"),
                                              ("max_autotune", "max-autotune")])
def test_compile_options_are_checked_before_training(compile_, error):
    from sk_dann import DANNClassifier

    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match=error):
        DANNClassifier(compile=compile_, max_epochs=1).fit(X, np.arange(20) % 2, X_target=X)


def test_a_failed_compilation_says_what_to_do(monkeypatch):
    from sk_dann import DANNClassifier

    class BackendCompilerFailed(Exception):  # as torch._dynamo.exc raises it
        __module__ = "torch._dynamo.exc"

    def no_compiler(function, **options):
        def compiled(*args, **kwargs):
            raise BackendCompilerFailed("backend='inductor' raised: no C++ compiler found")
        return compiled

    monkeypatch.setattr(torch, "compile", no_compiler)
    X = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    with pytest.raises(RuntimeError, match="compile=False") as raised:
        DANNClassifier(compile=True, max_epochs=1).fit(X, np.arange(40) % 2, X_target=X)
    assert "no C++ compiler found" in str(raised.value)


def test_compile_hands_its_mode_or_options_to_torch_compile(monkeypatch):
    from sk_dann import DANNClassifier

    received = []

    real_compile = torch.compile

    def recording_compile(model, **options):
        received.append(options)
        return model  # runs eagerly

    recording_compile.__signature__ = inspect.signature(real_compile)  # what fit checks

    monkeypatch.setattr(torch, "compile", recording_compile)
    X = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    for compile_ in ("max-autotune-no-cudagraphs", {"dynamic": False}, {}, True):
        received.clear()
        DANNClassifier(compile=compile_, max_epochs=1).fit(X, np.arange(40) % 2, X_target=X)
        expected = ({"mode": compile_} if isinstance(compile_, str)
                    else compile_ if isinstance(compile_, dict) else {})
        assert received == [expected, expected]  # the module and the loss


def test_a_source_only_continuation_leaves_the_idle_domain_head_alone():
    from sk_dann import DANNClassifier, NoTargetDataWarning
    from sk_dann.datasets import make_domain_moons

    Xs, ys, Xt, _ = make_domain_moons(n_samples=100, random_state=0)
    model = DANNClassifier(max_epochs=2, n_threads=1, random_state=0).fit(Xs, ys, X_target=Xt)
    head = [p.detach().clone() for p in model.net_.module_.domain_head.parameters()]
    with pytest.warns(NoTargetDataWarning):  # the domain head gets no gradient
        model.partial_fit(Xs, ys)
    after = list(model.net_.module_.domain_head.parameters())
    assert all(torch.equal(a, b) for a, b in zip(head, after))


def test_forgetting_training_state_leaves_an_ordinary_fitted_net_without_rows():
    from skorch.helper import predefined_split
    from skorch.dataset import Dataset
    X, y = _data()
    net = _net(distributed=False, train_split=predefined_split(Dataset(X[:8], y[:8])))
    net.fit(X, y)
    net.distributed = True  # as a data-parallel fit leaves it before forgetting
    net.forget_training_state()
    assert net.train_split is None and net.distributed is False
    pickled = pickle.dumps(net)
    before = net.predict_proba(X)
    np.testing.assert_array_equal(pickle.loads(pickled).predict_proba(X), before)
    with pytest.warns(FutureWarning, match="forget_training_state"):
        net.release_training_data()


def test_infer_head_runs_a_head_and_evaluate_is_its_deprecated_name():
    X, y = _data()
    net = _net().fit(X, y)
    features = net.infer_head(X, "features")
    assert features.shape == (len(X), 8) and features.dtype == np.float32
    with pytest.warns(FutureWarning, match="infer_head"):
        np.testing.assert_array_equal(net.evaluate(X, "features"), features)
