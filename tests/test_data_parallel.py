"""Data-parallel fits over torch.distributed (gloo on the CPU, launched by torchrun)."""
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from skorch.dataset import Dataset

from sk_dann import DANNClassifier, load_model
from sk_dann.batching import BalancedDomainBatches, training_targets
from sk_dann.datasets import load_office_caltech, make_domain_moons

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "torchrun_office_caltech.py"


def torchrun(script, *args, nproc=2, cwd=None):
    """Run ``script`` under ``torchrun --standalone`` with ``nproc`` CPU processes."""
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone",
         f"--nproc_per_node={nproc}", str(script), *map(str, args)],
        capture_output=True, text=True, timeout=300, env=env, cwd=cwd)


def test_rank_shares_of_a_batch_are_disjoint_and_make_the_whole_batch():
    # 20 + 20 rows: one epoch draws every row once, so shares can be compared as sets.
    X = torch.arange(40, dtype=torch.float32)[:, None]
    y = torch.as_tensor(training_targets(np.r_[np.zeros(20), -np.ones(20)],
                                         np.r_[np.zeros(20), np.ones(20)]))
    whole = [rows.flatten().tolist() for rows, _ in
             BalancedDomainBatches(Dataset(X, y), batch_size=8, seed=3)]
    shares = [[rows.flatten().tolist() for rows, _ in BalancedDomainBatches(
        Dataset(X, y), batch_size=8, seed=3, rank=rank, world_size=2)] for rank in (0, 1)]
    assert len(shares[0]) == len(shares[1]) == len(whole) == 5
    for batch, first, second in zip(whole, *shares):
        assert sorted(first + second) == sorted(batch)
        # each rank keeps the half-source, half-target recipe
        assert sum(v < 20 for v in first) == sum(v >= 20 for v in first) == 2
    epoch = [sum(share, []) for share in shares]
    assert not set(epoch[0]) & set(epoch[1])
    assert sorted(epoch[0] + epoch[1]) == list(range(40))


def test_batch_too_small_to_share_is_refused():
    X = torch.zeros(20, 1)
    y = torch.as_tensor(training_targets(np.r_[np.zeros(10), -np.ones(10)],
                                         np.r_[np.zeros(10), np.ones(10)]))
    with pytest.raises(ValueError, match="batch_size >= 8"):
        BalancedDomainBatches(Dataset(X, y), batch_size=6, world_size=4)


def test_distributed_true_without_a_process_group_says_how_to_launch():
    X, y, _, _ = make_domain_moons(n_samples=40, random_state=0)
    with pytest.raises(RuntimeError, match="torchrun"):
        DANNClassifier(distributed=True, max_epochs=1).fit(X, y)


def test_single_process_fit_is_an_ordinary_one():
    X, y, Xt, _ = make_domain_moons(n_samples=40, random_state=0)
    model = DANNClassifier(max_epochs=1, random_state=0).fit(X, y, X_target=Xt)
    assert model.world_size_ == 1 and model.net_.distributed is False


@pytest.mark.slow
def test_two_cpu_processes_fit_like_one(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    single = subprocess.run(
        [sys.executable, str(EXAMPLE), "--max-epochs", "30", "--weights-dir", one],
        capture_output=True, text=True, timeout=300, env=env)
    assert single.returncode == 0, single.stderr
    result = torchrun(EXAMPLE, "--max-epochs", 30, "--weights-dir", two,
                      "--model", two / "model.skdann")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 process(es)" in result.stdout
    assert result.stdout.count("target accuracy") == 1  # rank 0 prints, rank 1 does not

    rank0, rank1 = (torch.load(two / f"rank{r}.pt") for r in (0, 1))
    assert all(torch.equal(rank0[name], rank1[name]) for name in rank0)

    # Same effective batch (64 rows per step) as the single-process fit:
    # the same steps, so the same model up to float summation order.
    model = load_model(two / "model.skdann")  # in this plain process: no process group
    assert not torch.distributed.is_initialized()
    target = load_office_caltech("webcam")
    accuracy_two = np.mean(model.predict(target.X) == target.y)
    accuracy_one = float(single.stdout.split("target accuracy")[1].split()[0])
    assert abs(accuracy_two - accuracy_one) <= 0.02
    assert model[-1].world_size_ == 2 and model[-1].net_.distributed is False


BAD_USE = textwrap.dedent("""
    import pickle, sys
    import numpy as np
    import torch
    import torch.distributed as dist
    from sk_dann import DANNClassifier
    from sk_dann.datasets import make_domain_moons

    dist.init_process_group("gloo")
    rank = dist.get_rank()

    def say(line):
        # one file per rank: the ranks share stdout, where their lines can interleave
        with open(sys.argv[1] + f"/said{rank}.txt", "a") as handle:
            handle.write(line + "\\n")

    X, y, Xt, _ = make_domain_moons(n_samples=60, random_state=0)
    try:
        DANNClassifier(max_epochs=1).partial_fit(X, y, X_target=Xt, classes=[0, 1])
    except ValueError as error:
        say(f"rank {rank} partial_fit: {error}")
    try:  # rank 1 got fewer rows
        DANNClassifier(max_epochs=1).fit(X[: 60 - 5 * rank], y[: 60 - 5 * rank], X_target=Xt)
    except ValueError as error:
        say(f"rank {rank} shapes: {error}")
    try:  # one rank with another momentum
        DANNClassifier(max_epochs=1, momentum=0.9 - 0.4 * rank).fit(X, y, X_target=Xt)
    except ValueError as error:
        say(f"rank {rank} momentum: {error}")
    # Uneven shares (batch 7: 2 + 1 rows per domain) and unequal weights: the
    # same model as one process fitting the whole batches.
    weights = np.random.default_rng(0).uniform(0.2, 2.0, len(y))
    uneven = dict(max_epochs=3, batch_size=7, class_weight="balanced", random_state=0)
    shared = DANNClassifier(**uneven).fit(X, y, X_target=Xt, sample_weight=weights)
    alone = DANNClassifier(distributed=False, **uneven).fit(X, y, X_target=Xt,
                                                             sample_weight=weights)
    gap = max(float((a - b).abs().max()) for a, b in zip(
        shared.net_.module_.state_dict().values(), alone.net_.module_.state_dict().values()))
    say(f"rank {rank} gap to one process: {gap:.3g}")
    # BatchNorm statistics, updated by each rank on its share, end as rank 0's
    norm = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU())
    batch_norm = DANNClassifier(feature_extractor=norm, max_epochs=2, random_state=0)
    batch_norm.fit(X, y, X_target=Xt)
    with open(sys.argv[1] + f"/norm{rank}.pkl", "wb") as handle:
        pickle.dump(batch_norm, handle)
    # no target rows: the idle domain head gets no gradient (DDP must allow it)
    source_only = DANNClassifier(max_epochs=2, lambda_max=0, random_state=0).fit(X, y)
    say(f"rank {rank} source-only epochs {source_only.n_iter_}")
    # compile=True compiles the DDP wrapper; the lambda ramp compiles nothing again
    same = dict(max_epochs=2, batch_size=16, lambda_max=1.0, random_state=0)
    with torch._dynamo.config.patch(error_on_recompile=True):
        compiled = DANNClassifier(compile=True, **same).fit(X, y, X_target=Xt)
    eager = DANNClassifier(**same).fit(X, y, X_target=Xt)
    gap = max(float((a - b).abs().max()) for a, b in zip(
        compiled.net_.module_.state_dict().values(), eager.net_.module_.state_dict().values()))
    checksum = float(sum(v.double().sum() for v in compiled.net_.module_.state_dict().values()))
    say(f"rank {rank} compiled gap: {gap:.3g} checksum {checksum:.12g}")
    # random_state=None: rank 0's seed is used on every rank
    model = DANNClassifier(max_epochs=3, verbose=1, random_state=None)
    model.fit(X, y, X_target=Xt)
    with open(sys.argv[1] + f"/rank{rank}.pkl", "wb") as handle:
        pickle.dump(model, handle)
    dist.destroy_process_group()
""")


@pytest.mark.slow
def test_bad_use_under_torchrun_gets_clear_errors_on_every_rank(tmp_path):
    script = tmp_path / "bad_use.py"
    script.write_text(BAD_USE)
    result = torchrun(script, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    # the package's own warnings only: not torch's broadcast_buffers deprecation
    assert "FutureWarning" not in result.stderr, result.stderr[-3000:]
    out = "".join((tmp_path / f"said{rank}.txt").read_text() for rank in (0, 1))
    for rank in (0, 1):
        assert f"rank {rank} partial_fit: partial_fit trains in one process" in out
        assert f"rank {rank} shapes: Data-parallel fit: the ranks" in out
        assert f"rank {rank} source-only epochs 2" in out
        assert f"rank {rank} momentum: Data-parallel fit" in out
        gap = float(out.split(f"rank {rank} gap to one process: ")[1].split()[0])
        assert gap < 1e-5, gap  # it was 1e-3 before shares were divided by the batch's totals
        compiled_gap = float(out.split(f"rank {rank} compiled gap: ")[1].split()[0])
        assert compiled_gap < 1e-5, compiled_gap
    checksums = {line.split("checksum ")[1] for line in out.splitlines() if "checksum" in line}
    assert len(checksums) == 1, checksums  # the same compiled-trained weights on both ranks
    assert "data_shape" in out and "(120, 2)" in out and "(115, 2)" in out
    assert "momentum='0.9'" in out and "momentum='0.5'" in out
    norms = [pickle.load(open(tmp_path / f"norm{r}.pkl", "rb")).net_.module_.state_dict()
             for r in (0, 1)]
    assert any("running_mean" in name for name in norms[0])
    assert all(torch.equal(norms[0][name], norms[1][name]) for name in norms[0])
    # verbose=1 prints the epoch table once (rank 0), not once per rank
    assert result.stdout.count("train_loss") == 1

    models = [pickle.load(open(tmp_path / f"rank{r}.pkl", "rb")) for r in (0, 1)]
    weights = [m.net_.module_.state_dict() for m in models]
    assert models[0].seed_ == models[1].seed_
    assert all(torch.equal(weights[0][name], weights[1][name]) for name in weights[0])
    # every rank recorded the same (rank-averaged) losses
    assert models[0].history_[:, "train_loss"] == models[1].history_[:, "train_loss"]


def test_the_old_module_name_still_imports_and_says_it_is_deprecated():
    import importlib
    import sys

    import sk_dann.data_parallel
    sys.modules.pop("sk_dann.distributed", None)
    with pytest.warns(FutureWarning, match="sk_dann.data_parallel"):
        old = importlib.import_module("sk_dann.distributed")
    assert old.process_layout is sk_dann.data_parallel.process_layout
