"""One fit inside a Dask worker against the same fit in a plain process, one cause at a time.

Office-Caltech10 GoogLeNet features (embedded), amazon -> webcam, packed,
scaled, ``DANNClassifier(max_epochs=20, n_threads=1, random_state=0)``.
Every condition is a process (or thread) kept alive for the whole run,
which fits once to warm up; then each round runs one fit in every
condition in turn, so a machine whose speed drifts slows all conditions
alike, starting one condition later than the round before, so that no
condition always runs first. Each fit is timed inside the process that
runs it (no transfer or scheduling is counted), in wall and CPU time (one
torch thread: the calling thread's user and system time), with the minor
page faults it caused. Conditions:

- three plain processes that only fit (as a script's main process does):
  the reference is the median of their fits in each round;
- this process, which also runs the clusters' schedulers and clients,
  fitting in its main thread and in another thread (a Dask worker runs
  tasks in a thread beside its event loop);
- a child process with one of the variables Dask's nanny sets before it
  starts a worker (``distributed.nanny.pre-spawn-environ``), each alone,
  then all of them; then glibc's default mmap threshold (128 KiB) fixed
  with ``MALLOC_MMAP_THRESHOLD_``, without trimming;
- a Dask worker (``LocalCluster``, one worker process of one thread) with
  Dask's defaults; with ``MALLOC_TRIM_THRESHOLD_`` left out of its
  environment; and with that and Dask's statistical profiler off (the
  configuration docs/distributed.md recommends).

``--workers-only`` runs the plain processes and the workers alone: shorter
rounds, so more of them in the same time, for differences of a few percent.

The finding: two causes. ``MALLOC_TRIM_THRESHOLD_`` explains most of the
worker's slower fit: setting any of glibc's malloc thresholds fixes the
mmap threshold at its 128 KiB default (glibc otherwise raises it to the
largest block freed), so every training step's tensors of 128 KiB or more
(the first layer's 1 MiB weight gradient, the 256 KiB batches) are mapped
fresh from the kernel and unmapped again, page-faulting on first touch: a
few hundred faults per step instead of next to none. Fixing the mmap
threshold alone, without any trimming, does the same. The rest is the
worker's statistical profiler, which every 10 ms takes the interpreter lock
to sample the stack of every thread, the fit's included.

    python benchmarks/dask_worker_fit.py --repeats 7
    python benchmarks/dask_worker_fit.py --workers-only --repeats 15

Writes ``<out>/dask_worker_fit.json`` and ``.md`` (``dask_worker_fit_workers``
with ``--workers-only``); each fit is appended to the ``.jsonl`` file of the
same name as it finishes, and a restart skips the whole rounds stored for the
same ``--max-epochs`` (a round cut short runs again).
"""
import contextlib
import functools
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
#: The configuration docs/distributed.md recommends: glibc's thresholds left
#: alone, and no statistical profiler (it samples every thread's stack every
#: 10 ms, taking the interpreter lock from the fit each time).
FAST_WORKERS = {**KEEP_GLIBC_DEFAULTS, "distributed.worker.profile.enabled": False}
#: The worker environments compared: name -> Dask configuration.
WORKER_ENVIRONMENTS = {"Dask's default": {},
                       "MALLOC_TRIM_THRESHOLD_ left out": KEEP_GLIBC_DEFAULTS,
                       "MALLOC_TRIM_THRESHOLD_ left out, profiler off": FAST_WORKERS}
#: The conditions the others are compared with: processes that only fit, as
#: the main process of a user's script does (this process is not that: it
#: also runs the clusters' schedulers and clients, in threads of its own);
#: three, so that one process's luck does not set the reference.
REFERENCES = [f"plain process {number} (no variable)" for number in (1, 2, 3)]
MALLOC_VARIABLES = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_",
                    "MALLOC_MMAP_MAX_", "MALLOC_ARENA_MAX")
#: The variables a fit's malloc or thread behaviour may depend on.
PROCESS_VARIABLES = MALLOC_VARIABLES + tuple(NANNY_ENVIRON)


@functools.cache
def packed_office_caltech():
    """Amazon -> webcam, packed: read once per process, outside the timing."""
    from sk_dann import pack_domains
    from sk_dann.datasets import load_office_caltech

    source, target = load_office_caltech("amazon"), load_office_caltech("webcam")
    return pack_domains(source.X, source.y, target.X)


def one_fit(max_epochs):
    """One fit in the calling process, timed there: its seconds (wall and
    CPU), its minor page faults per training step, and what the process's
    environment says about malloc and threads."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sk_dann import DANNClassifier

    X, y = packed_office_caltech()
    # The calling thread's counts only: a worker's event loop runs beside it.
    before = resource.getrusage(resource.RUSAGE_THREAD)
    start, cpu_start = time.perf_counter(), time.thread_time()
    model = make_pipeline(StandardScaler(), DANNClassifier(
        max_epochs=max_epochs, n_threads=1, random_state=0)).fit(X, y)
    # One torch thread: the calling thread's CPU time (user and system) is
    # the fit's; wall time beyond it is time spent waiting.
    seconds, cpu_seconds = time.perf_counter() - start, time.thread_time() - cpu_start
    faults = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before.ru_minflt
    return {"seconds": seconds, "cpu_seconds": cpu_seconds,
            "faults_per_step": faults / model[-1].net_.train_steps_done_,
            "environ": {k: os.environ[k] for k in PROCESS_VARIABLES if k in os.environ}}


#: What starts a child's result line (anything else it prints is passed over).
RESULT = "dask_worker_fit result: "


def serve():
    """A child's loop: one :func:`one_fit` per line read (the epochs), its
    result written as one JSON line after :data:`RESULT`."""
    for line in sys.stdin:
        print(RESULT + json.dumps(one_fit(int(line))), flush=True)


class Child:
    """A fresh Python process whose environment is this one's without any
    malloc or thread variable, plus ``environ``; calling it runs one fit there."""

    def __init__(self, environ):
        env = {k: v for k, v in child_env(BENCHMARKS).items() if k not in PROCESS_VARIABLES}
        self.process = subprocess.Popen(
            [sys.executable, "-c", "import dask_worker_fit; dask_worker_fit.serve()"],
            env={**env, **environ}, cwd=BENCHMARKS, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)

    def __call__(self, max_epochs):
        self.process.stdin.write(f"{max_epochs}\n")
        self.process.stdin.flush()
        for line in self.process.stdout:
            if line.startswith(RESULT):
                return json.loads(line[len(RESULT):])
        raise RuntimeError(f"the child process ended (exit code {self.process.wait()})")

    def close(self):
        self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


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


def runners(stack, workers_only=False):
    """(condition, function of the epochs running one fit there), in the
    order each round runs them; processes and clusters live in ``stack``.
    ``workers_only``: the plain processes and the Dask workers alone."""
    thread = stack.enter_context(ThreadPoolExecutor(1))

    def child(environ):
        process = Child(environ)
        stack.callback(process.close)
        return process

    def worker(config):
        client = stack.enter_context(local_cluster(1, config))
        return lambda epochs: client.submit(one_fit, epochs, pure=False).result()

    workers = [(f"Dask worker, {name}", worker(config))
               for name, config in WORKER_ENVIRONMENTS.items()]
    if workers_only:
        return [*[(name, child({})) for name in REFERENCES], *workers]
    return [*[(name, child({})) for name in REFERENCES],
            ("this process (also runs the clusters' schedulers)", one_fit),
            ("this process, fit in a thread",
             lambda epochs: thread.submit(one_fit, epochs).result()),
            *[(f"child process, {key}={value}", child({key: value}))
              for key, value in NANNY_ENVIRON.items()],
            ("child process, all of Dask's variables", child(NANNY_ENVIRON)),
            # The mechanism: glibc's default mmap threshold fixed, no trimming.
            ("child process, MALLOC_MMAP_THRESHOLD_=131072",
             child({"MALLOC_MMAP_THRESHOLD_": "131072"})),
            *workers]


def table_of(rows, header):
    by_condition, reference = {}, {}
    for row in rows:
        by_condition.setdefault(row["condition"], []).append(row)
        if row["condition"] in REFERENCES:
            reference.setdefault(row["round"], []).append(row)

    def against_reference(fits, key):
        # Each fit against the median of the plain processes' fits of the
        # same round: a machine whose speed drifts moves both alike.
        return statistics.median(
            row[key] / statistics.median(r[key] for r in reference[row["round"]])
            for row in fits)

    lines = [header, "", "| where the fit runs | median fit (s) | vs plain processes | "
             "CPU time vs plain processes | page faults per step | malloc variables seen |",
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


def whole_rounds(rows, conditions):
    """The stored rows of the rounds that ran every condition: a round cut
    short is run again whole, so that its fits share one stretch of time."""
    by_round = {}
    for row in rows:
        by_round.setdefault(row["round"], {})[row["condition"]] = row
    return {round_: fits for round_, fits in by_round.items() if set(fits) >= set(conditions)}


def main(argv=None):
    parser = make_parser(__doc__)
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers-only", action="store_true",
                        help="only the plain processes and the Dask workers: shorter "
                        "rounds, so more of them in the same time (written as "
                        "dask_worker_fit_workers.*)")
    args = parser.parse_args(argv)
    name = "dask_worker_fit_workers" if args.workers_only else "dask_worker_fit"
    stored = ResultRows(args.out / f"{name}.jsonl")
    with contextlib.ExitStack() as stack:
        conditions = runners(stack, args.workers_only)
        names = [name for name, _ in conditions]
        done = whole_rounds([row for row in stored.read()
                             if row["max_epochs"] == args.max_epochs], names)
        rounds = [round_ for round_ in range(args.repeats) if round_ not in done]
        for _, run in conditions if rounds else []:
            run(args.max_epochs)  # warm-up: imports, first allocations
        for round_ in rounds:
            # Each round starts one condition later: none always runs first.
            shift = round_ % len(conditions)
            for condition, run in conditions[shift:] + conditions[:shift]:
                row = {"round": round_, "condition": condition,
                       "max_epochs": args.max_epochs, **run(args.max_epochs)}
                stored.append(row)
                done.setdefault(round_, {})[condition] = row
                print(f"round {round_}, {condition}: {row['seconds']:.2f} s", flush=True)
    rows = [done[round_][name] for round_ in range(args.repeats) for name in names]
    header = (f"One fit (Office-Caltech A->W packed, {args.max_epochs} epochs, one thread), "
              f"median of {args.repeats} rounds; each round runs every condition once, "
              "starting one condition later than the round before (after a warm-up fit "
              "each); timed inside the process that fits; vs plain processes: median over "
              "rounds of the fit's time over the median of the three plain processes' in "
              "that round")
    save_results(args.out, name, table_of(rows, header),
                 {"max_epochs": args.max_epochs, "repeats": args.repeats, "rows": rows},
                 machine(threads=1))


if __name__ == "__main__":
    main()
