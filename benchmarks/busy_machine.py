"""A fit on an idle machine against the same fit beside busy processes.

Each fit runs in a fresh process (so OpenMP starts anew) on the embedded
Office-Caltech A->W features, while 0, 1 or 2 other processes spin on a core
each. Per condition and thread setting it records the median epoch time
(skorch's ``dur``, first epoch left out; the median over ``--repeats`` fits)
and the ratio to the idle machine with the same thread setting.

    python benchmarks/busy_machine.py                     # threads: default, 1, 2
    python benchmarks/busy_machine.py --threads default 1 --busy 0 1
    python benchmarks/busy_machine.py --env OMP_WAIT_POLICY=PASSIVE   # diagnosis

"default" is ``DANNClassifier()``'s own choice (``n_threads=None``); a number
is passed as ``n_threads``; ``torch:N`` sets ``torch.set_num_threads(N)``
before the fit and leaves ``n_threads`` at "keep torch's setting" (``"torch"``), the
behaviour of sk_dann before ``n_threads`` existed.

Writes ``<out>/busy_machine.json`` and ``.md`` (``--out``: benchmarks/results
unless given).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from _harness import machine, make_parser, save_results


def child(threads, epochs):
    """Fit once and print the per-epoch durations as JSON (runs in a subprocess)."""
    import torch

    from sk_dann import DANNClassifier
    from sk_dann.datasets import load_office_caltech

    params = {}
    if threads.startswith("torch:"):
        torch.set_num_threads(int(threads.split(":")[1]))
        params["n_threads"] = "torch"
    elif threads != "default":
        params["n_threads"] = int(threads)
    src, tgt = load_office_caltech("amazon"), load_office_caltech("webcam")
    model = DANNClassifier(max_epochs=epochs, random_state=0, **params)
    start = time.perf_counter()
    model.fit(src.X, src.y, X_target=tgt.X)
    print(json.dumps({"durations": [row["dur"] for row in model.history_],
                      "fit_s": time.perf_counter() - start,
                      "threads_used": getattr(model, "n_threads_", None),
                      "torch_threads_after": torch.get_num_threads()}))


def spinner(seconds):
    """A busy process: one core at 100% for at most ``seconds``."""
    return subprocess.Popen(
        [sys.executable, "-c",
         f"import time\nend = time.time() + {seconds}\nwhile time.time() < end: pass"])


def measure(threads, n_busy, epochs, env, timeout):
    busy = [spinner(timeout) for _ in range(n_busy)]
    try:
        time.sleep(0.5 if busy else 0)  # let the spinners reach full speed
        out = subprocess.run(
            [sys.executable, __file__, "--child", threads, "--epochs", str(epochs)],
            capture_output=True, text=True, timeout=timeout, env={**os.environ, **env})
    except subprocess.TimeoutExpired:
        return {"epoch_s": float("nan"), "note": f"timed out after {timeout} s"}
    finally:
        for process in busy:
            process.kill()
            process.wait()
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["epoch_s"] = statistics.median(result["durations"][1:])
    return result


def main():
    parser = make_parser(__doc__)
    # Not the harness's --threads (one number for every fit): the settings compared.
    parser.add_argument("--threads", nargs="+", default=["default", "1", "2", "torch:2"],
                        help="n_threads settings compared: default, N or torch:N "
                             "(default: default 1 2 torch:2)")
    parser.add_argument("--busy", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--env", nargs="*", default=[], help="NAME=VALUE for the fits")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.epochs)

    env = dict(item.split("=", 1) for item in args.env)
    rows = []
    for threads in args.threads:
        idle = None
        for n_busy in args.busy:
            runs = [measure(threads, n_busy, args.epochs, env, args.timeout)
                    for _ in range(args.repeats)]
            result = dict(runs[0], epoch_s=statistics.median(r["epoch_s"] for r in runs),
                          epoch_s_runs=[r["epoch_s"] for r in runs])
            idle = result["epoch_s"] if n_busy == 0 else idle
            ratio = result["epoch_s"] / idle if idle else float("nan")
            rows.append({"threads": threads, "busy": n_busy, "ratio_to_idle": ratio,
                         **{k: v for k, v in result.items() if k != "durations"}})
            print(f"threads={threads:>8} busy={n_busy}  epoch {result['epoch_s']:.3f} s  "
                  f"x{ratio:.2f} of idle  (used {result.get('threads_used')})", flush=True)

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines = [
        f"# Beside busy processes ({args.epochs} epochs of Office-Caltech A->W, "
        f"median epoch, median of {args.repeats} fits)",
        "", f"env: {env or 'as is'}", "",
        "| n_threads | busy processes | s/epoch | x idle | threads used |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {r['threads']} | {r['busy']} | {r['epoch_s']:.3f} | {r['ratio_to_idle']:.2f} "
              f"| {r.get('threads_used')} |" for r in rows]
    save_results(args.out, "busy_machine", "\n".join(lines), {"env": env, "rows": rows},
                 machine(usable_cpus=cpus))


if __name__ == "__main__":
    main()
