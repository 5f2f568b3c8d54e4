"""Balanced batches drawn by index, on the host or kept on a CUDA device."""
import numpy as np
import pytest
import torch
from skorch.dataset import Dataset

from sk_dann.batching import (BalancedDomainBatches, SequentialBatches, place_on_device,
                              training_targets)


def dataset(n_source=10, n_target=4, n_features=3):
    X = np.arange((n_source + n_target) * n_features, dtype=np.float32).reshape(-1, n_features)
    y = training_targets(np.r_[np.arange(n_source) % 2, -np.ones(n_target, int)],
                         np.r_[np.zeros(n_source, bool), np.ones(n_target, bool)])
    return Dataset(X, y)


def test_every_batch_is_half_source_half_target_and_the_larger_domain_is_covered():
    batches = list(BalancedDomainBatches(dataset(), batch_size=4, seed=0))
    assert len(batches) == 5  # ceil(10 source rows / 2 per batch)
    seen_source = set()
    for X, y in batches:
        assert y[:, 1].tolist() == [0, 0, 1, 1]
        seen_source |= set(X[y[:, 1] == 0, 0].tolist())
    assert len(seen_source) == 10  # one pass over the larger domain


def test_the_seed_fixes_the_batch_order():
    first = [X for X, _ in BalancedDomainBatches(dataset(), batch_size=4, seed=3)]
    again = [X for X, _ in BalancedDomainBatches(dataset(), batch_size=4, seed=3)]
    other = [X for X, _ in BalancedDomainBatches(dataset(), batch_size=4, seed=4)]
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert not all(torch.equal(a, b) for a, b in zip(first, other))


def test_batches_share_memory_with_the_data_not_a_copy_of_it():
    data = dataset()
    iterator = BalancedDomainBatches(data, batch_size=4)
    assert iterator.X.data_ptr() == data.X.__array_interface__["data"][0]


def test_sequential_batches_keep_order_and_cover_every_row():
    data = dataset()
    rows = torch.cat([X for X, _ in SequentialBatches(data, batch_size=5)])
    np.testing.assert_array_equal(rows.numpy(), data.X)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_on_cuda_placed_data_is_batched_where_it_lies():
    data = dataset()
    data.X, data.y = place_on_device(data.X, data.y, "cuda")
    iterator = BalancedDomainBatches(data, batch_size=4, seed=0, device="cuda")
    assert iterator.X.is_cuda and iterator.y.is_cuda
    next_epoch = BalancedDomainBatches(data, batch_size=4, seed=0, device="cuda")
    assert next_epoch.X.data_ptr() == iterator.X.data_ptr()  # copied once, not per epoch
    host = list(BalancedDomainBatches(dataset(), batch_size=4, seed=0))
    for (X, y), (X_host, y_host) in zip(iterator, host):
        assert X.is_cuda and y.is_cuda
        assert torch.equal(X.cpu(), X_host) and torch.equal(y.cpu(), y_host)
    X, _ = next(iter(SequentialBatches(dataset(), batch_size=5, device="cuda")))
    assert X.is_cuda
