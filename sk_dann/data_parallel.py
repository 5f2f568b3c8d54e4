"""Data-parallel training of one fit over the processes of ``torch.distributed``.

When a fit runs on every process of a ``torch.distributed`` group (launched by
``torchrun``), each process ("rank") holds the same training data and trains
the same network, wrapped in PyTorch's ``DistributedDataParallel`` (DDP),
which averages the gradients over the ranks at every step:

* every rank draws the same balanced source/target batch of ``batch_size``
  rows (the same seed, broadcast from rank 0) and trains on its own share of
  it, ``batch_size / world_size`` rows, half source and half target, no row
  on two ranks; so ``batch_size`` is the batch of one optimisation step
  across all ranks, and a fit on several processes takes the same steps,
  schedules and learning rate as a fit in one process;
* DDP broadcasts rank 0's initial weights, so every rank starts and ends
  with the same weights;
* the per-batch losses in the history are averaged over the ranks, so every
  rank records (and reacts to) the same epoch losses;
* only rank 0 prints.

The fitted estimator holds the plain module, not the DDP wrapper: it
pickles, and predicts in a process without any process group.

This module is the only one that talks to ``torch.distributed``.
"""
import inspect
import os
import warnings
import zlib

import numpy as np
import scipy.sparse as sp
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

__all__ = [
    "ProcessLayout",
    "SINGLE_PROCESS",
    "average_batch_records",
    "broadcast_buffers",
    "broadcast_from_first",
    "check_device_matches_backend",
    "check_same_on_every_rank",
    "continue_from_first",
    "fingerprint",
    "process_layout",
    "rank_device",
    "share_totals",
    "wrap_data_parallel",
]


class ProcessLayout:
    """Where this process stands in a fit: its ``rank`` among ``world_size``
    processes (``0`` of ``1`` for an ordinary fit)."""

    def __init__(self, rank=0, world_size=1):
        self.rank = int(rank)
        self.world_size = int(world_size)

    @property
    def parallel(self):
        """Whether the fit is shared with other processes."""
        return self.world_size > 1

    @property
    def prints(self):
        """Whether this process reports progress (rank 0 only)."""
        return self.rank == 0

    def __repr__(self):
        return f"ProcessLayout(rank={self.rank}, world_size={self.world_size})"


SINGLE_PROCESS = ProcessLayout()


def process_layout(distributed="auto"):
    """The :class:`ProcessLayout` a fit with ``distributed`` uses.

    ``"auto"``: data-parallel when a ``torch.distributed`` group of more
    than one process is initialised, else one process. ``False``: always
    one process (each rank fits its own model). ``True``: data-parallel,
    and an error when no group is initialised.
    """
    initialised = dist.is_available() and dist.is_initialized()
    if distributed is True and not initialised:
        raise RuntimeError(
            "distributed=True but no torch.distributed process group is initialised. "
            "Launch the script with torchrun (e.g. torchrun --nproc_per_node 2 "
            "train.py) and call torch.distributed.init_process_group() before fit, "
            "or use distributed='auto' to train in one process when there is none.")
    launched = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed == "auto" and launched and not initialised:
        warnings.warn(
            f"This process was launched as one of {os.environ['WORLD_SIZE']} (WORLD_SIZE), "
            "but no torch.distributed process group is initialised, so each process fits "
            "its own model. Call torch.distributed.init_process_group() before fit to "
            "train one model data-parallel, or pass distributed=False to silence this.",
            UserWarning, stacklevel=4)
    if distributed is False or not initialised:
        return SINGLE_PROCESS
    return ProcessLayout(dist.get_rank(), dist.get_world_size())


def rank_device(device):
    """The device of this rank: ``"cuda"`` becomes the rank's own GPU
    (``LOCAL_RANK``, set by torchrun, else the current CUDA device);
    explicit indices and the CPU are kept."""
    device = torch.device(device)
    if device.type != "cuda" or device.index is not None:
        return str(device)
    local_rank = os.environ.get("LOCAL_RANK")
    index = int(local_rank) if local_rank is not None else torch.cuda.current_device()
    return f"cuda:{index % torch.cuda.device_count()}"


def check_device_matches_backend(device):
    """NCCL only moves CUDA tensors: refuse a CPU fit on an NCCL group."""
    backend = dist.get_backend()
    if backend == "nccl" and torch.device(device).type != "cuda":
        raise ValueError(
            f"The torch.distributed group uses the NCCL backend, which needs CUDA, but "
            f"this fit runs on device={device!r}. Initialise the group with "
            "backend='gloo' for CPU training, or train on the GPUs (device='auto').")


def check_same_on_every_rank(**facts):
    """Raise on every rank when ``facts`` (shapes, parameters) differ between ranks.

    Data-parallel training needs the same training data on every rank; a
    mismatch would otherwise hang or train on garbage. All ranks take part
    and all raise the same error, so none is left waiting.
    """
    gathered = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, facts)
    differing = sorted(name for name in facts
                       if any(other.get(name) != gathered[0].get(name) for other in gathered))
    if differing:
        per_rank = "; ".join(
            f"rank {rank}: " + ", ".join(f"{name}={other.get(name)!r}" for name in differing)
            for rank, other in enumerate(gathered))
        raise ValueError(
            f"Data-parallel fit: the ranks of the torch.distributed group disagree on "
            f"{', '.join(differing)} ({per_rank}). Every rank must call fit with the same "
            "data (all rows, in the same order) and the same parameters; each rank then "
            "trains on its own share of every batch. To fit separate models per rank, "
            "pass distributed=False.")


def fingerprint(data, max_rows=512):
    """A checksum of up to ``max_rows`` evenly spaced rows of ``data`` (an
    array or a sparse matrix): cheap, and it tells apart ranks that were
    given different rows."""
    n_rows = data.shape[0]
    sample = data[np.unique(np.linspace(0, n_rows - 1, min(n_rows, max_rows)).astype(np.int64))]
    if sp.issparse(sample):
        sample = sample.toarray()
    return zlib.crc32(np.ascontiguousarray(sample).tobytes())


def continue_from_first(net):
    """Rank 0's optimizer state and batch order for a continued fit."""
    state = broadcast_from_first({"optimizer": net.optimizer_.state_dict(),
                                  "batch_order": net.batch_generator_state_,
                                  "steps": net.train_steps_done_})
    net.optimizer_.load_state_dict(state["optimizer"])
    net.batch_generator_state_ = state["batch_order"]
    net.train_steps_done_ = state["steps"]


def broadcast_from_first(value):
    """``value`` as rank 0 has it (a picklable object), on every rank."""
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def wrap_data_parallel(module, device, find_unused_parameters=False):
    """``module`` wrapped in ``DistributedDataParallel`` on ``device``.

    Wrapping broadcasts rank 0's weights and buffers to every rank.
    ``find_unused_parameters``: needed when some parameters get no gradient
    in a step (the domain head in a fit without target rows).
    """
    device = torch.device(device)
    device_ids = [device] if device.type == "cuda" else None
    # No collective per forward pass for buffers: every rank sets the same
    # reversal strength itself, and BatchNorm's running statistics (used
    # only in eval mode) are made rank 0's when the fit ends
    # (broadcast_buffers below). torch >= 2.13 names this
    # forward_sync_buffers and warns that broadcast_buffers is deprecated;
    # unlike broadcast_buffers=False it still copies rank 0's buffers once
    # when wrapping, which is what every rank holds already (same seed,
    # same initial module), and what the fit's end makes them anyway.
    no_forward_sync = ({"forward_sync_buffers": False} if "forward_sync_buffers"
                       in inspect.signature(DDP.__init__).parameters
                       else {"broadcast_buffers": False})
    return DDP(module, device_ids=device_ids, find_unused_parameters=find_unused_parameters,
               **no_forward_sync)


def share_totals(weights, layout):
    """``(label weight, rows)`` of the whole batch over ``world_size``: what a
    rank divides its share's summed losses by, so that DDP's average of the
    ranks' gradients is the gradient of the whole batch's weighted mean,
    however unevenly weights and rows fall on the ranks. One all-reduce of
    two numbers per step."""
    totals = torch.stack([weights.sum(), torch.tensor(float(len(weights)),
                                                      device=weights.device)])
    dist.all_reduce(totals)
    return totals[0] / layout.world_size, totals[1] / layout.world_size


def broadcast_buffers(module):
    """Rank 0's buffers (BatchNorm running statistics) on every rank."""
    for buffer in module.buffers():
        dist.broadcast(buffer.data, src=0)


def average_batch_records(batches, keys, size_key="train_batch_size", total_size=True):
    """Average the per-batch values ``keys`` of one epoch over the ranks, in place.

    ``batches`` is skorch's ``history[-1]["batches"]``; every rank has the
    same number of training batches. Training losses are each rank's share
    divided by the whole batch's totals (:func:`share_totals`), so their
    plain mean over ranks is the whole batch's loss. The rows (``size_key``)
    become the total over ranks when ``total_size`` (training: the ranks
    share each batch; validation runs the same rows on every rank).
    """
    rows = [batch for batch in batches if size_key in batch]
    if not rows:
        return
    present = [key for key in keys if all(key in batch for batch in rows)]
    sizes = torch.tensor([float(batch[size_key]) for batch in rows], dtype=torch.float64)
    values = torch.tensor([[float(batch[key]) for key in present] for batch in rows],
                          dtype=torch.float64).reshape(len(rows), len(present))
    packed = torch.cat([values, sizes[:, None]], dim=1)
    if dist.get_backend() == "nccl":
        packed = packed.cuda()
    dist.all_reduce(packed)
    packed = packed.cpu()
    totals = packed[:, -1]
    means = packed[:, :-1] / dist.get_world_size()
    for batch, mean, total in zip(rows, means.tolist(), totals.tolist()):
        batch.update(zip(present, mean))
        if total_size:
            batch[size_key] = int(total)
