"""One fit inside a Dask worker against the same fit in the main process, one cause at a time.

Office-Caltech10 GoogLeNet features (embedded), amazon -> webcam, packed,
scaled, ``DANNClassifier(max_epochs=20, n_threads=1, random_state=0)``.
Every condition is a process (or thread) kept alive for the whole run,
which fits once to warm up; then each round runs one fit in every
condition in turn, so a machine whose speed drifts slows all conditions
alike. Each fit is timed inside the process that runs it (no transfer or
scheduling is counted), in wall and CPU time (one torch thread: the calling
thread's user and system time), with the minor page faults it caused. Conditions:

- a plain process that only fits (as a script's main process does): the
  reference; and this process, which also runs the clusters' schedulers and
  clients, fitting in its main thread and in another thread (a Dask worker
  runs tasks in a thread beside its event loop);
- a child process with one of the variables Dask's nanny sets before it
  starts a worker (``distributed.nanny.pre-spawn-environ``), each alone,
  then all of them; then glibc's default mmap threshold (128 KiB) fixed
  with ``MALLOC_MMAP_THRESHOLD_``, without trimming;
- a Dask worker (``LocalCluster``, one worker process of one thread) with
  Dask's default environment, and with ``MALLOC_TRIM_THRESHOLD_`` left out
  of it (the configuration docs/distributed.md recommends).

The finding: ``MALLOC_TRIM_THRESHOLD_`` alone explains the worker's slower
fit. Setting any of glibc's malloc thresholds fixes the mmap threshold at
its 128 KiB default (glibc otherwise raises it to the largest block freed),
so every training step's tensors of 128 KiB or more (the first layer's
1 MiB weight gradient, the 256 KiB batches) are mapped fresh from the kernel
and unmapped again, page-faulting on first touch: a few hundred faults per
step instead of about one. Fixing the mmap threshold alone, without any
trimming, does the same.

    python benchmarks/dask_worker_fit.py
    python benchmarks/dask_worker_fit.py --repeats 5 --max-epochs 20

Writes ``<out>/dask_worker_fit.json`` and ``.md``; each fit is appended to
``<out>/dask_worker_fit.jsonl`` as it finishes, and a restart skips the
(round, condition) pairs stored for the same ``--max-epochs``.
"""
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from _harness import BENCHMARKS, ResultRows, child_env, machine, make_parser, save_results

#: What Dask's nanny puts in a worker's environment before starting it
#: (``distributed.nanny.pre-spawn-environ``, distributed 2024-2026).
NANNY_ENVIRON = {"MALLOC_TRIM_THRESHOLD_": "65536", "OMP_NUM_THREADS": "1",
                 "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                 "PYTHONHASHSEED": "6640"}
#: The Dask configuration that leaves glibc's adaptive thresholds alone.
KEEP_GLIBC_DEFAULTS = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
#: The worker environments compared: name -> Dask configuration.
WORKER_ENVIRONMENTS = {"Dask's default environment": {},
                       "MALLOC_TRIM_THRESHOLD_ left out": KEEP_GLIBC_DEFAULTS}
#: The condition the others are compared with: a process that only fits, as
#: the main process of a user's script does. (This process is not that: it
#: also runs the clusters' schedulers and clients, in threads of its own.)
REFERENCE = "plain process (no variable)"
MALLOC_VARIABLES = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_",
                    "MALLOC_MMAP_MAX_", "MALLOC_ARENA_MAX")


def one_fit(max_epochs):
    """One fit in the calling process, timed there: its seconds (wall and
    CPU), its minor page faults per training step, and what the process's
    environment says about malloc and threads."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sk_dann import DANNClassifier, pack_domains
    from sk_dann.datasets import load_office_caltech

    source, target = load_office_caltech("amazon"), load_office_caltech("webcam")
    X, y = pack_domains(source.X, source.y, target.X)
    before = resource.getrusage(resource.RUSAGE_SELF)
    start, cpu_start = time.perf_counter(), time.thread_time()
    model = make_pipeline(StandardScaler(), DANNClassifier(
        max_epochs=max_epochs, n_threads=1, random_state=0)).fit(X, y)
    # One torch thread: the calling thread's CPU time (user and system) is
    # the fit's; wall time beyond it is time spent waiting.
    seconds, cpu_seconds = time.perf_counter() - start, time.thread_time() - cpu_start
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before.ru_minflt
    return {"seconds": seconds, "cpu_seconds": cpu_seconds,
            "faults_per_step": faults / model[-1].net_.train_steps_done_,
            "environ": {k: os.environ[k] for k in MALLOC_VARIABLES + tuple(NANNY_ENVIRON)
                        if k in os.environ}}


def serve():
    """A child's loop: one :func:`one_fit` per line read (the epochs), its
    result written as one JSON line."""
    for line in sys.stdin:
        print(json.dumps(one_fit(int(line))), flush=True)


class Child:
    """A fresh Python process whose environment is this one's without any
    malloc or thread variable, plus ``environ``; calling it runs one fit there."""

    def __init__(self, environ):
        env = {k: v for k, v in child_env(BENCHMARKS).items()
               if k not in MALLOC_VARIABLES + tuple(NANNY_ENVIRON)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", "import dask_worker_fit; dask_worker_fit.serve()"],
            env={**env, **environ}, cwd=BENCHMARKS, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)

    def __call__(self, max_epochs):
        self.process.stdin.write(f"{max_epochs}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the child process ended (exit code {self.process.wait()})")
        return json.loads(line)

    def close(self):
        self.process.stdin.close()
        self.process.wait()


@contextlib.contextmanager
def local_cluster(n_workers, config):
    """A ``Client`` of a ``LocalCluster`` of ``n_workers`` worker processes
    (one thread each) started under the Dask configuration ``config``."""
    import dask
    from distributed import Client, LocalCluster

    environ = dict(os.environ)
    with dask.config.set(config), LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True,
            dashboard_address=None) as cluster, Client(cluster) as client:
        # The nanny also wrote its variables into this process's environment
        # (distributed's own note on pre-spawn-environ), where the next
        # cluster's workers and any child process would inherit them.
        os.environ.clear()
        os.environ.update(environ)
        yield client


def runners(stack):
    """(condition, function of the epochs running one fit there), in the
    order each round runs them; processes and clusters live in ``stack``."""
    thread = stack.enter_context(ThreadPoolExecutor(1))

    def child(environ):
        process = Child(environ)
        stack.callback(process.close)
        return process

    def worker(config):
        client = stack.enter_context(local_cluster(1, config))
        return lambda epochs: client.submit(one_fit, epochs, pure=False).result()

    return [(REFERENCE, child({})),
            ("this process (also runs the clusters' schedulers)", one_fit),
            ("this process, fit in a thread",
             lambda epochs: thread.submit(one_fit, epochs).result()),
            *[(f"child process, {key}={value}", child({key: value}))
              for key, value in NANNY_ENVIRON.items()],
            ("child process, all of Dask's variables", child(NANNY_ENVIRON)),
            # The mechanism: glibc's default mmap threshold fixed, no trimming.
            ("child process, MALLOC_MMAP_THRESHOLD_=131072",
             child({"MALLOC_MMAP_THRESHOLD_": "131072"})),
            *[(f"Dask worker, {name}", worker(config))
              for name, config in WORKER_ENVIRONMENTS.items()]]


def table_of(rows, header):
    by_condition = {}
    for row in rows:
        by_condition.setdefault(row["condition"], []).append(row)
    reference = {row["round"]: row for row in by_condition[REFERENCE]}

    def against_reference(fits, key):
        # Each fit against the reference's fit of the same round: a machine
        # whose speed drifts between rounds moves both alike.
        return statistics.median(row[key] / reference[row["round"]][key] for row in fits
                                 if row["round"] in reference)

    lines = [header, "", "| where the fit runs | median fit (s) | vs plain process | "
             "CPU time vs plain process | page faults per step | malloc variables seen |",
             "|---|---:|---:|---:|---:|---|"]
    for condition, fits in by_condition.items():
        median = statistics.median(row["seconds"] for row in fits)
        faults = statistics.median(row["faults_per_step"] for row in fits)
        malloc = ", ".join(f"{k}={v}" for k, v in fits[0]["environ"].items()
                           if k.startswith("MALLOC")) or "none"
        lines.append(f"| {condition} | {median:.2f} | "
                     f"{against_reference(fits, 'seconds'):.2f}x | "
                     f"{against_reference(fits, 'cpu_seconds'):.2f}x | {faults:.0f} | {malloc} |")
    return "\n".join(lines)


def main(argv=None):
    parser = make_parser(__doc__)
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    stored = ResultRows(args.out / "dask_worker_fit.jsonl")
    rows = [row for row in stored.read() if row["max_epochs"] == args.max_epochs]
    done = {(row["round"], row["condition"]) for row in rows}
    with contextlib.ExitStack() as stack:
        conditions = runners(stack)
        for _, run in conditions:
            run(args.max_epochs)  # warm-up: imports, first allocations
        for round_ in range(args.repeats):
            for condition, run in conditions:
                if (round_, condition) in done:
                    continue
                row = {"round": round_, "condition": condition,
                       "max_epochs": args.max_epochs, **run(args.max_epochs)}
                stored.append(row)
                rows.append(row)
                print(f"round {round_}, {condition}: {row['seconds']:.2f} s", flush=True)
    header = (f"One fit (Office-Caltech A->W packed, {args.max_epochs} epochs, one thread), "
              f"median of {args.repeats}, every condition once per round in turn (after a "
              "warm-up fit each), timed inside the process that fits; vs plain process: "
              "median over rounds of the fit's time over the plain process's in that round")
    rows = [row for row in rows if row["round"] < args.repeats]
    save_results(args.out, "dask_worker_fit", table_of(rows, header),
                 {"max_epochs": args.max_epochs, "repeats": args.repeats, "rows": rows},
                 machine(threads=1))


if __name__ == "__main__":
    main()
