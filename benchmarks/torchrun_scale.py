"""One fit over 1 and 2 processes (torchrun, DistributedDataParallel) on the scale suite.

The scale suite's data (synthetic, 20k + 20k rows of 2048-d, 31 classes; see
``make_scale_data`` in ``_harness.py``), DANNClassifier at its defaults
except ``max_epochs``: time per epoch (median of the epochs' ``dur``), target
accuracy, and where the time of a data-parallel epoch goes:

* compute of a rank's share: the same processes, each fitting alone
  (``distributed=False``) with ``batch_size / P`` rows per step, at the same
  time (so they contend for the cores as the DDP ranks do); its epoch has P
  times the steps, so its epoch time / P is the compute of one share;
* all-reduce: an ``all_reduce`` of a tensor the size of the model's
  parameters (DDP sends them in one bucket), timed alone, times the steps;
* the rest: DDP's per-step work (bucket copies, hooks) and what overlap of
  communication and backward does not hide.

    python benchmarks/torchrun_scale.py --out benchmarks/results
    python benchmarks/torchrun_scale.py --runs 1x1 2x1 1x2 --batch-sizes 64 1024

Each run ``PxT`` is P processes of T threads each (``torchrun --standalone
--nproc_per_node P``; gloo on the CPU, NCCL with ``--device cuda``).
Writes ``<out>/torchrun_scale.json`` and ``.md``.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

from _harness import machine, make_parser, make_scale_data, save_results
from sk_dann import DANNClassifier


def time_all_reduce(n_values, device, repeats=50):
    """Median seconds of one all_reduce of ``n_values`` float32 values."""
    buffer = torch.zeros(n_values, dtype=torch.float32, device=device)
    timings = []
    for _ in range(repeats + 5):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        dist.all_reduce(buffer)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings[5:])


def worker(args):
    """One rank's fit (run under torchrun)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    cuda = args.device.startswith("cuda")
    dist.init_process_group("nccl" if cuda else "gloo")
    Xs, ys, Xt, yt = make_scale_data()
    model = DANNClassifier(max_epochs=args.epochs, n_threads=args.threads,
                           batch_size=args.batch_size, device=args.device, random_state=0)
    start = time.perf_counter()
    model.fit(Xs, ys, X_target=Xt)
    fit_s = time.perf_counter() - start
    epochs = model.history_[:, "dur"]
    steps = model.net_.batches_per_epoch_
    n_params = sum(p.numel() for p in model.net_.module_.parameters())
    device = model.device_
    reduce_s = time_all_reduce(n_params, device) if world > 1 else 0.0
    share_s = statistics.median(epochs[1:] if len(epochs) > 1 else epochs)
    if world > 1:
        alone = DANNClassifier(max_epochs=2, n_threads=args.threads, device=args.device,
                               batch_size=args.batch_size // world, random_state=0,
                               distributed=False).fit(Xs, ys, X_target=Xt)
        share_s = alone.history_[-1, "dur"] / world
        dist.barrier()
    if dist.get_rank() == 0:
        accuracy = float(np.mean(model.predict(Xt) == yt))
        result = {"processes": world, "threads": args.threads, "device": device,
                  "backend": dist.get_backend(), "fit_s": fit_s,
                  "epoch_s": statistics.median(epochs[1:] if len(epochs) > 1 else epochs),
                  "epochs_s": epochs, "steps_per_epoch": steps,
                  "rows_per_rank_per_step": model.batch_size // world,
                  "parameters": n_params, "all_reduce_s_per_step": reduce_s,
                  "all_reduce_s_per_epoch": reduce_s * steps,
                  "batch_size": model.batch_size, "compute_share_s_per_epoch": share_s,
                  "target_accuracy": accuracy}
        Path(args.result).write_text(json.dumps(result))
    dist.destroy_process_group()


def launch(processes, threads, args, result):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               f"--nproc_per_node={processes}", __file__, "--worker", "--threads",
               str(threads), "--epochs", str(args.epochs), "--device", args.device,
               "--batch-size", str(args.batch_size),
               "--result", result]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"run {processes}x{threads} failed:\n{done.stderr[-4000:]}")
    return json.loads(Path(result).read_text())


def main(argv=None):
    parser = make_parser(__doc__)
    parser.add_argument("--runs", nargs="+", default=["1x1", "2x1", "1x2"],
                        help="PxT: P processes of T threads")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 1024],
                        help="rows per step across processes")
    parser.add_argument("--batch-size", type=int, default=64, help=argparse.SUPPRESS)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for batch_size in args.batch_sizes:
            args.batch_size = batch_size
            for run in args.runs:
                processes, threads = map(int, run.split("x"))
                rows.append(launch(processes, threads, args,
                                   os.path.join(scratch, f"{run}_{batch_size}")))
    lines = [f"Scale suite (20k + 20k rows, 2048-d, 31 classes), DANN defaults but the "
             f"batch, {args.epochs} epochs, {args.device}; epoch times are medians of "
             f"epochs 2-{args.epochs}", "",
             "| batch per step | processes x threads | backend | steps per epoch | epoch (s) "
             "| speed-up | compute of a share (s) | all-reduce (s) | rest (s) "
             "| target accuracy |",
             "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        base = next(r["epoch_s"] for r in rows if r["batch_size"] == row["batch_size"])
        rest = (row["epoch_s"] - row["all_reduce_s_per_epoch"]
                - row["compute_share_s_per_epoch"])
        lines.append(
            f"| {row['batch_size']} | {row['processes']} x {row['threads']} | "
            f"{row['backend'] if row['processes'] > 1 else '-'} | "
            f"{row['steps_per_epoch']} | {row['epoch_s']:.2f} | "
            f"{base / row['epoch_s']:.2f}x | {row['compute_share_s_per_epoch']:.2f} | "
            f"{row['all_reduce_s_per_epoch']:.2f} | {rest:.2f} | "
            f"{row['target_accuracy']:.3f} |")
    table = "\n".join(lines)
    save_results(args.out, "torchrun_scale", table, rows, machine(device=args.device))


if __name__ == "__main__":
    main()
