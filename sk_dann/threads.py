"""CPU threads for one fit: how many, set for the fit's duration only.

torch's intra-op pool (OpenMP) spins at every parallel region's barrier. On a
machine where another process holds a core, a thread of the pool is
descheduled at each barrier and the others spin until it returns, so a fit
with as many threads as cores can run several times slower than with one
thread (measured: ``benchmarks/busy_machine.py``). The wait policy that would
stop the spinning is read once, when torch loads OpenMP, so a library cannot
change it; the number of threads it can. The default takes as many threads
as there are usable CPUs that no other runnable task occupies when the fit
starts.
"""
import math
import os
import time

import torch

#: ``n_threads`` value that leaves torch's thread setting as it is.
KEEP_TORCH_SETTING = -1


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


def resolve_n_threads(n_threads):
    """The thread count a fit uses; ``None`` for "leave torch's setting".

    ``None`` (the default): the usable CPUs not occupied by other runnable
    tasks at this moment, at least 1 and at most torch's current setting (so
    ``OMP_NUM_THREADS`` and ``torch.set_num_threads`` still cap it). A
    positive int is used as given; ``-1`` keeps torch's setting.
    """
    if n_threads == KEEP_TORCH_SETTING:
        return None
    if n_threads is not None:
        return int(n_threads)
    idle = usable_cpus() - busy_cpus()
    return max(1, min(torch.get_num_threads(), idle))


class torch_threads:
    """Context manager: torch uses ``n`` intra-op threads inside, the caller's
    setting is restored after. ``n=None`` changes nothing."""

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
