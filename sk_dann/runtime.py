"""Where and how torch runs: the device, the precision, CPU threads, inference.

One home for the runtime helpers that :class:`~sk_dann.DANNClassifier`'s
net and :class:`~sk_dann.CNNFeatures` share:

* :func:`resolve_device` turns ``device="auto"`` (or a name) into a checked
  device string, with an error naming the devices this machine has;
* :func:`autocast` is the ``precision="bfloat16"`` context on that device;
  :func:`warn_if_bfloat16_is_slow` says so when the CPU would emulate it;
* :func:`infer_in_batches` runs a module over batches without gradients;
* :func:`resolve_n_threads` and :class:`torch_threads` choose and set the CPU
  threads of a fit, for its duration only.

Why threads need care: torch's intra-op pool (OpenMP) spins at every
parallel region's barrier. When another process holds a core, one thread of
the pool is descheduled at each barrier while the others spin, so a fit with
as many threads as cores runs several times slower than with one thread
(``benchmarks/busy_machine.py``). The wait policy that would stop the
spinning is read once, when torch loads OpenMP, so a library cannot change
it; the number of threads it can.
"""
import functools
import math
import os
import platform
import time
import warnings
from numbers import Integral

import torch

from .exceptions import SlowPrecisionWarning

__all__ = [
    "DEPRECATED_KEEP_TORCH_SETTING",
    "KEEP_TORCH_SETTING",
    "PRECISIONS",
    "autocast",
    "available_devices",
    "busy_cpus",
    "fixed_n_threads",
    "fused_step_supported",
    "is_deprecated_keep_torch_setting",
    "infer_in_batches",
    "resolve_device",
    "resolve_n_threads",
    "torch_threads",
    "cpu_bfloat16_instructions",
    "usable_cpus",
    "warn_if_bfloat16_is_slow",
]

PRECISIONS = ("float32", "bfloat16")

#: ``n_threads`` value that leaves torch's thread setting as it is.
KEEP_TORCH_SETTING = "torch"
#: The old spelling of :data:`KEEP_TORCH_SETTING`, deprecated: in
#: scikit-learn, ``n_jobs=-1`` means all CPUs, not "leave it".
DEPRECATED_KEEP_TORCH_SETTING = -1


def is_deprecated_keep_torch_setting(n_threads):
    """Whether ``n_threads`` is the deprecated ``-1`` (``True`` equals 1, not -1,
    but a bool is never a thread count)."""
    return n_threads == DEPRECATED_KEEP_TORCH_SETTING and not isinstance(n_threads, bool)


# -- device -------------------------------------------------------------------
def available_devices():
    """The device names that work on this machine, for error messages."""
    names = ["auto", "cpu"]
    if torch.cuda.is_available():
        names += ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        names.append("mps")
    return names


def resolve_device(device):
    """``"auto"`` -> ``"cuda"`` when available, else ``"cpu"``; other values are
    checked, with a clear error naming the devices this machine has."""
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    here = f"Devices available here: {', '.join(map(repr, available_devices()))}."
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(f"device={device!r} is not a torch device name. {here}") from None
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} but CUDA is not available. {here}")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r} but this machine has "
                             f"{torch.cuda.device_count()} CUDA device(s). {here}")
    elif resolved.type != "cpu":
        backend = getattr(torch.backends, resolved.type, None) or getattr(
            torch, resolved.type, None)
        is_available = getattr(backend, "is_available", None)
        if is_available is None or not is_available():
            raise ValueError(f"device={device!r}: no {resolved.type} device is "
                             f"available on this machine. {here}")
    return str(resolved)


@functools.lru_cache(maxsize=None)
def fused_step_supported(optimizer, device_type):
    """Whether torch has a fused step (one kernel for all parameters) for the
    optimizer class on this device type ("cpu", "cuda"): tried once on a
    one-element parameter, since support grew with torch releases."""
    try:
        parameter = torch.zeros(1, device=device_type, requires_grad=True)
        parameter.grad = torch.zeros_like(parameter)
        optimizer([parameter], lr=0.1, fused=True).step()
    except (RuntimeError, TypeError, ValueError):
        return False
    return True


# -- precision and inference --------------------------------------------------
def autocast(device, precision):
    """``torch.autocast`` in bfloat16 on ``device`` when ``precision`` asks for
    it; a disabled context for ``"float32"``."""
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16,
                          enabled=precision == "bfloat16")


#: Per CPU family: the /proc/cpuinfo line that lists its flags, and the flags
#: of instructions that run bfloat16 matrix products natively (x86's
#: AVX-512-BF16 and AMX-BF16, Arm's BF16).
BFLOAT16_CPU_FLAGS = {"x86": ("flags", ("avx512_bf16", "amx_bf16")),
                      "arm": ("features", ("bf16",))}
CPUINFO = "/proc/cpuinfo"


def _cpu_family(machine):
    machine = machine.lower()
    if machine in ("x86_64", "amd64", "x86", "i386", "i686"):
        return "x86"
    if machine in ("aarch64", "arm64") or machine.startswith("armv8"):
        return "arm"
    return None


def cpu_bfloat16_instructions(cpuinfo=None, machine=None):
    """``(family, present, looked_for)``: which of the bfloat16 instruction
    flags of this CPU family the first CPU of ``cpuinfo`` lists, and which
    were looked for; ``None`` where that cannot be told (no such file, as on
    macOS and Windows, or a CPU family other than x86 and 64-bit Arm).

    ``cpuinfo``: the file to read, ``/proc/cpuinfo`` by default;
    ``machine``: the architecture, ``platform.machine()`` by default.
    """
    family = _cpu_family(platform.machine() if machine is None else machine)
    if family is None:
        return None
    return _bfloat16_flags(str(cpuinfo or CPUINFO), family)


@functools.lru_cache(maxsize=None)
def _bfloat16_flags(cpuinfo, family):
    """:func:`cpu_bfloat16_instructions` for a file and family, read once per
    process: a fit in bfloat16 asks at every ``fit`` and ``partial_fit``."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as file:
            text = file.read(1 << 20)
    except OSError:
        return None
    flags_key, looked_for = BFLOAT16_CPU_FLAGS[family]
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == flags_key:
            flags = set(value.split())
            return family, tuple(f for f in looked_for if f in flags), looked_for
    return None


def warn_if_bfloat16_is_slow(device, precision, stacklevel=2):
    """Warn (:class:`~sk_dann.SlowPrecisionWarning`) when ``precision="bfloat16"``
    runs on a CPU that lacks bfloat16 instructions: torch then emulates
    them, which can make a CNN epoch several times slower than float32.
    Silent on other devices, for float32, and where the CPU cannot be read.
    ``stacklevel`` counts from the caller, as in :func:`warnings.warn`."""
    if precision != "bfloat16" or torch.device(device).type != "cpu":
        return
    found = cpu_bfloat16_instructions()
    if found is None or found[1]:
        return
    family, _, looked_for = found
    warnings.warn(
        f"precision='bfloat16' on a CPU ({platform.machine() or family}) without "
        f"bfloat16 instructions (its flags list none of {', '.join(looked_for)}): "
        "torch emulates them, which can make training several times slower than "
        "float32 (docs/benchmarks.md). Use precision='float32' on this machine.",
        SlowPrecisionWarning, stacklevel=stacklevel + 1)


def infer_in_batches(function, batches, device, precision):
    """``function`` over each tensor of ``batches``, without gradients, under
    :func:`autocast`; the outputs, flattened per row, as one float32 numpy
    array (``None`` when there were no batches)."""
    chunks = []
    with torch.no_grad(), autocast(device, precision):
        for batch in batches:
            out = function(batch)
            chunks.append((out.flatten(1) if out.ndim > 1 else out).float().cpu())
    return torch.cat(chunks).numpy() if chunks else None


# -- CPU threads ----------------------------------------------------------------
def usable_cpus():
    """CPUs this process may run on: its affinity mask, capped by a cgroup quota."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    quota = _cgroup_cpu_quota()
    return max(1, min(cpus, math.ceil(quota))) if quota else cpus


def _cgroup_cpu_quota():
    """CPUs allowed by the cgroup's CPU quota (containers), or None."""
    try:
        with open("/sys/fs/cgroup/cpu.max") as handle:  # cgroup v2
            quota, period = handle.read().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        with open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") as quota_file, \
                open("/sys/fs/cgroup/cpu/cpu.cfs_period_us") as period_file:  # v1
            quota, period = int(quota_file.read()), int(period_file.read())
        return None if quota <= 0 else quota / period
    except (OSError, ValueError):
        return None


def busy_cpus(samples=5, interval=0.002):
    """Runnable tasks other than this one, from ``/proc/loadavg`` (Linux).

    The fewest seen over a few samples ``interval`` seconds apart: a busy
    process is runnable in every sample, a short-lived one (or torch's own
    pool finishing its spin) is not. ``0`` where the count cannot be read.
    """
    counts = []
    for i in range(samples):
        try:
            with open("/proc/loadavg") as handle:
                running = int(handle.read().split()[3].split("/")[0])
        except (OSError, ValueError, IndexError):
            return 0
        counts.append(running - 1)  # the reading task itself is running
        if i + 1 < samples:
            time.sleep(interval)
    return max(0, min(counts))


def fixed_n_threads(n_threads):
    """The count a fixed ``n_threads`` (a positive int) sets; ``None`` for the
    automatic count (``None``) and for ``"torch"`` (torch's setting). Inference
    uses only this: reading the load costs a few ms per call."""
    if isinstance(n_threads, Integral) and not isinstance(n_threads, bool) and n_threads > 0:
        return int(n_threads)
    return None


def resolve_n_threads(n_threads):
    """The thread count a fit uses; ``None`` for "leave torch's setting".

    ``None`` (the default): the usable CPUs not occupied by other runnable
    tasks at this moment, at least 1 and at most torch's current setting (so
    ``OMP_NUM_THREADS`` and ``torch.set_num_threads`` still cap it). A
    positive int is used as given; ``"torch"`` (and the deprecated ``-1``)
    keeps torch's setting.
    """
    if n_threads is not None:
        return fixed_n_threads(n_threads)
    idle = usable_cpus() - busy_cpus()
    return max(1, min(torch.get_num_threads(), idle))


class torch_threads:
    """Context manager: torch uses ``n`` intra-op threads inside, the caller's
    setting is restored after.

    Parameters
    ----------
    n : int or None
        The thread count; ``None`` changes nothing.
    """

    def __init__(self, n):
        self.n = n
        self._previous = None

    def __enter__(self):
        if self.n is not None:
            self._previous = torch.get_num_threads()
            if self.n != self._previous:
                torch.set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        if self._previous is not None and torch.get_num_threads() != self._previous:
            torch.set_num_threads(self._previous)
        return False
