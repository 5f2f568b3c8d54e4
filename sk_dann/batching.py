"""Mini-batch iterators over in-memory tensors.

Batches are drawn by index from whole tensors (no per-sample collation), which
is what keeps an epoch of a small MLP from being dominated by Python overhead.

Training rows carry ``y`` of shape ``(n, 3)`` (:func:`training_targets`): the
encoded class or regression value, the domain (0 = source, 1 = target), and
the row's weight in the label loss (0 = unlabeled).

``X`` may be a scipy sparse CSR matrix: it stays sparse, and only the rows
of one batch are made dense, so sparse text features (the Amazon reviews'
5000-d counts) never exist densely as a whole.
"""
import math
import warnings

import numpy as np
import scipy.sparse as sp
import torch

__all__ = [
    "BalancedDomainBatches",
    "DOMAIN",
    "LABEL",
    "WEIGHT",
    "SequentialBatches",
    "place_on_device",
    "take_rows",
    "to_training_device",
    "training_targets",
]

LABEL, DOMAIN, WEIGHT = 0, 1, 2


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


def training_targets(labels, is_target, weights=None):
    """The ``(n, 3)`` float32 training target, one row per training row.

    Column :data:`LABEL` holds the encoded class (or the regression value),
    :data:`DOMAIN` the domain (1 target, 0 source), :data:`WEIGHT` the row's
    weight in the label loss: 0 for an unlabeled row. Without ``weights``,
    ``labels`` are class codes with ``-1`` for unlabeled rows (weight 0,
    others 1).
    """
    labels = np.asarray(labels)
    if weights is None:
        weights = (labels >= 0).astype(np.float32)
        labels = np.where(labels >= 0, labels, 0)
    targets = np.empty((len(labels), 3), dtype=np.float32)
    targets[:, LABEL] = np.where(np.asarray(weights) > 0, labels, 0)
    targets[:, DOMAIN] = np.asarray(is_target, dtype=bool)
    targets[:, WEIGHT] = weights
    return targets


def place_on_device(X, y, device):
    """Training ``X`` and ``y`` as tensors, moved to a CUDA ``device`` once when
    ``X`` takes less than half the device's free memory; otherwise (and on the
    CPU) left where they are (no copy).

    Batches are then gathered on the device with no host-to-device copy per
    step. Sparse matrices stay on the host.
    """
    X, y = _as_tensor(X), _as_tensor(y)
    device = torch.device(device)
    if device.type != "cuda" or sp.issparse(X) or X.device == device:
        return X, y
    free_bytes, _ = torch.cuda.mem_get_info(device)
    if X.numel() * X.element_size() < free_bytes // 2:
        return X.to(device), y.to(device)
    return X, y


def to_training_device(batch, device):
    """A host batch bound for CUDA goes through pinned memory, asynchronously."""
    device = torch.device(device)
    if device.type == "cuda" and batch.device.type == "cpu":
        return batch.pin_memory().to(device, non_blocking=True)
    return batch


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
        ``dataset.X`` the inputs, ``dataset.y`` the ``(n, 3)``
        label/domain/weight array of :func:`training_targets`.
    batch_size : int
        Rows per batch, source and target together.
    seed : int
        Seed of the shuffling generator, so batches repeat with the seed.
    device : str or torch.device, default="cpu"
        The training device. On CUDA the data is kept there when it fits
        (see :func:`place_on_device`); otherwise each batch is gathered on
        the host and copied through pinned memory.
    rank, world_size : int, default=0, 1
        Data-parallel training (:mod:`sk_dann.data_parallel`): every rank draws
        the same batches (same ``seed``) and yields its own share of each,
        rows ``rank::world_size`` of its source half and of its target half,
        so the ranks' shares are disjoint and together make the batch.
    """

    def __init__(self, dataset, batch_size, seed=0, device="cpu", rank=0, world_size=1):
        self.device = torch.device(device)
        # The net placed the data (see place_on_device); batches are taken
        # where it lies.
        self.X, self.y = _as_tensor(dataset.X), _as_tensor(dataset.y)
        self._on_device = not sp.issparse(self.X) and self.X.device.type != "cpu"
        is_target = (self.y[:, DOMAIN] == 1).cpu()
        # Row indices and their shuffling stay on the host (seeded CPU generator).
        self.source_rows = torch.nonzero(~is_target).flatten()
        self.target_rows = torch.nonzero(is_target).flatten()
        self.batch_size = int(batch_size)
        self.generator = torch.Generator().manual_seed(int(seed))
        self.rank, self.world_size = int(rank), int(world_size)
        per_domain = self._half() if self.adapting else self.batch_size
        if per_domain < self.world_size:
            raise ValueError(
                f"batch_size={self.batch_size} gives {per_domain} rows per domain in a "
                f"step, fewer than the {self.world_size} processes sharing it; use "
                f"batch_size >= {2 * self.world_size}.")

    def generator_state(self):
        """The batch order's RNG state, to continue it in a later epoch."""
        return self.generator.get_state()

    def set_generator_state(self, state):
        """Continue the batch order from :meth:`generator_state`'s value."""
        self.generator.set_state(state)

    def _batches(self, batch_rows):
        """Batches for a (n_batches, batch) index tensor: one index copy per epoch."""
        if self._on_device:
            batch_rows = batch_rows.to(self.X.device)
        for rows in batch_rows:
            X, y = take_rows(self.X, rows), take_rows(self.y, rows)
            yield to_training_device(X, self.device), to_training_device(y, self.device)

    @property
    def adapting(self):
        """Whether there are target rows (else: shuffled source batches)."""
        return len(self.target_rows) > 0

    def _half(self):
        return max(1, self.batch_size // 2)

    def __len__(self):
        if not self.adapting:
            return len(self._source_batch_sizes())
        larger = max(len(self.source_rows), len(self.target_rows))
        return math.ceil(larger / self._half())

    def _source_batch_sizes(self):
        """Batch sizes of a source-only epoch; the last one may be short, and
        is left out when it has fewer rows than there are ranks to share it."""
        n_rows = len(self.source_rows)
        sizes = [self.batch_size] * (n_rows // self.batch_size)
        if n_rows % self.batch_size >= self.world_size:
            sizes.append(n_rows % self.batch_size)
        return sizes

    def _share(self, rows):
        """This rank's columns of a (n_batches, batch) index tensor."""
        return rows if self.world_size == 1 else rows[:, self.rank::self.world_size]

    def __iter__(self):
        if not self.adapting:
            order = self.source_rows[torch.randperm(len(self.source_rows),
                                                    generator=self.generator)]
            sizes = self._source_batch_sizes()
            for batch_rows in order[:sum(sizes)].split(sizes):
                yield from self._batches(self._share(batch_rows[None]))
            return
        half, n_batches = self._half(), len(self)
        source = self.source_rows[_draw(len(self.source_rows), n_batches * half,
                                        self.generator)].view(n_batches, half)
        target = self.target_rows[_draw(len(self.target_rows), n_batches * half,
                                        self.generator)].view(n_batches, half)
        yield from self._batches(torch.cat([self._share(source), self._share(target)], dim=1))


class SequentialBatches:
    """Evaluation batches: consecutive slices, in order, no copies of the set.

    Parameters
    ----------
    dataset : skorch Dataset
        ``dataset.X`` the inputs; ``dataset.y`` is passed through per batch.
    batch_size : int
    device : str or torch.device, default="cpu"
        Each batch of ``X`` is moved there (through pinned memory on CUDA).
    """

    def __init__(self, dataset, batch_size, device="cpu"):
        self.X = _as_tensor(dataset.X)
        self.y = None if dataset.y is None else _as_tensor(dataset.y)
        self.batch_size = int(batch_size)
        self.device = torch.device(device)

    def __len__(self):
        return math.ceil(self.X.shape[0] / self.batch_size)

    def __iter__(self):
        for start in range(0, self.X.shape[0], self.batch_size):
            rows = slice(start, start + self.batch_size)
            yield (to_training_device(take_rows(self.X, rows), self.device),
                   None if self.y is None else self.y[rows])
