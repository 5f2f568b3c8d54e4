"""What every benchmark script shares: its flags, the machine record, the
results writers and the suites' pairs.

A script builds its command line with :func:`make_parser` (``--out``, and
``--data-dir``, ``--seeds``, ``--threads`` where it takes them, each with
one meaning everywhere), describes the machine with :func:`machine`, and
ends with :func:`save_results` (its table printed, and written with its data
as ``<out>/<name>.md`` and ``.json``). A long run appends each finished row
to a :class:`ResultRows` file (JSON lines) and skips the rows already there
when restarted.

Scripts run as ``python benchmarks/<name>.py`` from anywhere: Python puts
this folder first on ``sys.path``, so ``from _harness import ...`` needs no
path edits. A relative ``--out`` or ``--data-dir`` is read against the
current folder, as every command line does; the defaults are absolute.
"""
import argparse
import datetime
import itertools
import json
import os
import platform
from pathlib import Path

import numpy as np

BENCHMARKS = Path(__file__).resolve().parent
#: Where results go unless ``--out`` says otherwise.
RESULTS = BENCHMARKS / "results"
#: The shared data folder beside the checkout (``$SK_DANN_DATA`` overrides it).
DATA_DIR = Path(os.environ.get("SK_DANN_DATA", BENCHMARKS.parent.parent / "shared" / "data"))

AMAZON = ("books", "dvd", "electronics", "kitchen")


# -- the command line -----------------------------------------------------------
def make_parser(doc, *, out=RESULTS, data_dir=False, seeds=None, threads=None):
    """An ``ArgumentParser`` described by the first line of ``doc`` (the
    script's docstring, shown whole under ``--help``), with ``--out``
    (default ``out``) and, where given a default, ``--data-dir``,
    ``--seeds`` and ``--threads``."""
    parser = argparse.ArgumentParser(
        description=doc.strip().splitlines()[0], epilog=doc,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(out),
                        help=f"folder the results are written to (default: {out})")
    if data_dir:
        parser.add_argument("--data-dir", type=Path, default=DATA_DIR,
                            help=f"the benchmark data (default: $SK_DANN_DATA or {DATA_DIR})")
    if seeds is not None:
        parser.add_argument("--seeds", type=int, nargs="+", default=list(seeds),
                            help=f"seeds of the fits (default: {' '.join(map(str, seeds))})")
    if threads is not None:
        parser.add_argument("--threads", type=int, default=threads,
                            help=f"CPU threads of each fit (default: {threads})")
    return parser


def child_env(*folders):
    """This process's environment with ``folders`` first on a child Python's
    ``PYTHONPATH`` (before any it had), for a script's ``python -c`` children.
    Such a child also puts its working folder first on ``sys.path``."""
    path = [str(folder) for folder in folders]
    if os.environ.get("PYTHONPATH"):
        path.append(os.environ["PYTHONPATH"])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


# -- the machine ---------------------------------------------------------------
def machine(threads=None, device="cpu", **settings):
    """What a result depends on beyond the code: the CPU, the CPUs, the
    versions, the threads and device of the fits, and ``settings`` (any
    other run-wide values worth recording), as a JSON-ready dict."""
    import sklearn
    import torch

    import sk_dann
    record = {
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "sk_dann": sk_dann.__version__,
        "device": str(device),
        "date": datetime.date.today().isoformat(),
    }
    if threads is not None:
        record["threads"] = threads
    return {**record, **settings}


def machine_line(record):
    """One line of a :func:`machine` record, for the top of a table."""
    threads = f", {record['threads']} thread(s)" if "threads" in record else ""
    extra = "".join(f", {key} {value}" for key, value in record.items() if key not in {
        "cpu", "cpus", "python", "torch", "scikit-learn", "sk_dann", "device", "date",
        "threads"})
    return (f"{record['cpu']}, {record['cpus']} CPUs, device {record['device']}{threads}, "
            f"torch {record['torch']}, scikit-learn {record['scikit-learn']}, sk_dann "
            f"{record['sk_dann']}{extra} ({record['date']})")


# -- results ---------------------------------------------------------------------
def save_results(out, name, table, data, machine_record=None):
    """Print ``table``; write it to ``<out>/<name>.md`` (under a "Machine:"
    line when ``machine_record`` is given) and ``data`` (anything JSON takes)
    to ``<out>/<name>.json`` (as ``{"machine": ..., "results": data}`` with a
    machine record), making ``out`` if needed."""
    print(table, flush=True)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if machine_record is not None:
        table = f"Machine: {machine_line(machine_record)}\n\n{table}"
        data = {"machine": machine_record, "results": data}
    (out / f"{name}.md").write_text(table + "\n")
    (out / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")


class ResultRows:
    """The finished rows of a long run, one JSON line each in ``path``.

    :meth:`append` writes a row as soon as it is done (flushed to disk), so
    a stopped run loses at most the row it was on; :meth:`read` returns the
    rows stored, skipping (with a message) a line cut short by a killed run;
    a script skips the rows it finds, so a restarted run resumes.
    """

    def __init__(self, path):
        self.path = Path(path)

    def read(self):
        if not self.path.exists():
            return []
        rows = []
        for number, line in enumerate(self.path.read_text().splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    print(f"{self.path}:{number}: not a whole row (a run stopped while "
                          "writing it?); skipped", flush=True)
        return rows

    def append(self, row):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(row) + "\n"
        if self.path.exists() and self.path.stat().st_size:
            with open(self.path, "rb") as existing:
                existing.seek(-1, 2)
                if existing.read(1) != b"\n":
                    text = "\n" + text  # after a line cut short
        with open(self.path, "a") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())


# -- the suites' pairs -----------------------------------------------------------
def office_pairs(features, domains, data_dir):
    """Office-Caltech10 ordered pairs ``"A->W"``: ``(Xs, ys, Xt, Xt_test, yt_test)``
    (the target rows are both the unlabeled rows and the scored ones)."""
    from sk_dann.datasets import load_office_caltech
    data = {d: load_office_caltech(d, features=features, data_home=data_dir) for d in domains}
    for s, t in itertools.permutations(domains, 2):
        yield f"{s[0].upper()}->{t[0].upper()}", (data[s].X, data[s].y, data[t].X,
                                                   data[t].X, data[t].y)


def amazon_pairs(data_dir):
    """Amazon reviews ordered pairs ``"B->D"`` (JMLR protocol): the source's
    training reviews labeled, the target's training reviews unlabeled, its
    test reviews scored."""
    data = {}
    for domain in AMAZON:
        with np.load(Path(data_dir) / "amazon_reviews_5000" / f"{domain}.npz") as archive:
            data[domain] = {k: archive[k] for k in ("X", "y", "X_test", "y_test")}
    for s, t in itertools.permutations(AMAZON, 2):
        yield f"{s[0].upper()}->{t[0].upper()}", (
            data[s]["X"], data[s]["y"], data[t]["X"], data[t]["X_test"], data[t]["y_test"])


def make_scale_data(n_per_domain=20_000, n_features=2048, n_classes=31, seed=0):
    """Gaussian classes in 2048-d. The target is shifted by one offset vector
    drawn inside the span of the class means, so it pushes target rows
    towards other classes (a nearest-class-mean rule drops from 1.0 to about
    0.6), while features that ignore that one direction are unharmed."""
    rng = np.random.default_rng(seed)
    means = rng.normal(0, 0.15, (n_classes, n_features)).astype(np.float32)

    def draw(n):
        y = rng.integers(0, n_classes, n)
        return means[y] + rng.normal(0, 1, (n, n_features)).astype(np.float32), y

    Xs, ys = draw(n_per_domain)
    Xt, yt = draw(n_per_domain)
    Xt += 0.6 * rng.normal(0, 1, n_classes).astype(np.float32) @ means
    return Xs, ys, Xt, yt


def scale_pairs(_data_dir):
    """The synthetic scale suite's one pair ``"S->T"``."""
    Xs, ys, Xt, yt = make_scale_data()
    yield "S->T", (Xs, ys, Xt, Xt, yt)
