"""Mini-batch iterators over in-memory tensors.

Batches are drawn by index from whole tensors (no per-sample collation), which
is what keeps an epoch of a small MLP from being dominated by Python overhead.

Training rows carry ``y`` of shape ``(n, 2)``: column 0 the encoded class
(``-1`` = unlabeled), column 1 the domain (0 = source, 1 = target).

``X`` may be a scipy sparse CSR matrix: it stays sparse, and only the rows
of one batch are made dense, so sparse text features (the Amazon reviews'
5000-d counts) never exist densely as a whole.
"""
import math
import warnings

import numpy as np
import scipy.sparse as sp
import torch

LABEL, DOMAIN = 0, 1


def _as_tensor(data):
    """A tensor sharing memory with ``data`` where possible (no copy).

    Read-only arrays (memory maps, pandas copy-on-write buffers) are shared
    too: batches only ever read from them, so torch's warning about
    non-writable arrays does not apply.
    """
    if isinstance(data, torch.Tensor) or sp.issparse(data):
        return data
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.as_tensor(data)


def take_rows(X, rows):
    """Rows of ``X`` (a tensor or a sparse matrix) as a dense tensor.

    ``rows`` is an index tensor or a slice.
    """
    if not sp.issparse(X):
        if isinstance(rows, torch.Tensor):
            # index_select is several times faster than X[rows] for a batch.
            return torch.index_select(X, 0, rows)
        return X[rows]
    if isinstance(rows, torch.Tensor):
        rows = rows.numpy()
    return torch.from_numpy(np.asarray(X[rows].toarray()))


def _draw(n_rows, n_draws, generator):
    """``n_draws`` indices into ``range(n_rows)`` from successive permutations.

    Every row appears once before any appears twice, so resampling the smaller
    domain is as even as possible.
    """
    n_perms = math.ceil(n_draws / n_rows)
    perms = [torch.randperm(n_rows, generator=generator) for _ in range(n_perms)]
    return torch.cat(perms)[:n_draws]


class BalancedDomainBatches:
    """Training batches of half source, half target rows (the paper's recipe).

    One epoch is one pass over the larger domain; the smaller one is resampled
    to match. With no target rows it degrades to shuffled source batches.

    Parameters
    ----------
    dataset : skorch Dataset
        ``dataset.X`` the inputs, ``dataset.y`` the ``(n, 2)`` label/domain array.
    batch_size : int
        Rows per batch, source and target together.
    seed : int
        Seed of the shuffling generator, so batches repeat with the seed.
    """

    def __init__(self, dataset, batch_size, seed=0):
        self.X = _as_tensor(dataset.X)
        self.y = _as_tensor(dataset.y)
        self.batch_size = int(batch_size)
        self.generator = torch.Generator().manual_seed(int(seed))
        is_target = self.y[:, DOMAIN] == 1
        self.source_rows = torch.nonzero(~is_target).flatten()
        self.target_rows = torch.nonzero(is_target).flatten()

    @property
    def adapting(self):
        return len(self.target_rows) > 0

    def _half(self):
        return max(1, self.batch_size // 2)

    def __len__(self):
        if not self.adapting:
            return math.ceil(len(self.source_rows) / self.batch_size)
        larger = max(len(self.source_rows), len(self.target_rows))
        return math.ceil(larger / self._half())

    def __iter__(self):
        if not self.adapting:
            order = self.source_rows[torch.randperm(len(self.source_rows),
                                                    generator=self.generator)]
            for batch_rows in order.split(self.batch_size):
                yield take_rows(self.X, batch_rows), take_rows(self.y, batch_rows)
            return
        half, n_batches = self._half(), len(self)
        source = self.source_rows[_draw(len(self.source_rows), n_batches * half,
                                        self.generator)].view(n_batches, half)
        target = self.target_rows[_draw(len(self.target_rows), n_batches * half,
                                        self.generator)].view(n_batches, half)
        for batch_rows in torch.cat([source, target], dim=1):
            yield take_rows(self.X, batch_rows), take_rows(self.y, batch_rows)


class SequentialBatches:
    """Evaluation batches: consecutive slices, in order, no copies of the set."""

    def __init__(self, dataset, batch_size):
        self.X = _as_tensor(dataset.X)
        self.y = None if dataset.y is None else _as_tensor(dataset.y)
        self.batch_size = int(batch_size)

    def __len__(self):
        return math.ceil(self.X.shape[0] / self.batch_size)

    def __iter__(self):
        for start in range(0, self.X.shape[0], self.batch_size):
            rows = slice(start, start + self.batch_size)
            yield take_rows(self.X, rows), (None if self.y is None else self.y[rows])
