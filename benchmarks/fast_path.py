"""How close a CPU epoch comes to the machine's matrix-multiply limit.

On the scale suite's data (20k + 20k rows of 2048-d features, 31 classes),
with the default network (G_f 2048 -> 256, domain head 256 -> 256 -> 1,
label head 256 -> 31), measures in one run:

* the ``torch.mm`` rate at 256x2048x256 (fp32 and bf16), median of repeats,
  measured before and after the epochs (the better of the two is the limit);
* the training FLOPs of one epoch, counted from the network's layers
  (forward 2*in*out per row and layer; backward twice that, except the first
  layer, which needs no gradient for its input);
* seconds per epoch of sk_dann's default path (fp32 and bf16), and of a plain
  skorch loop over the same network with a torch ``DataLoader`` (per-sample
  indexing and collation), at batch sizes 64 (the default) and 256;
* peak memory growth of a fit (in a fresh process) at 5k, 10k, 20k and 40k rows
  per domain, against the input size.

    python benchmarks/fast_path.py [--threads 1] [--epochs 3]
    python benchmarks/fast_path.py --device cuda --skip-memory      # on a GPU

Writes benchmarks/results/fast_path.{json,md} (fast_path_cuda.* on a GPU).
"""
import json
import subprocess
import sys
import time

import numpy as np
import torch
from skorch import NeuralNet
from torch.utils.data import DataLoader

from _harness import (BENCHMARKS, child_env, machine, make_parser, make_scale_data,
                      save_results)
from sk_dann import DANNClassifier, pack_domains
from sk_dann.batching import training_targets
from sk_dann.callbacks import StopOnDivergence
from sk_dann.net import DANNNet


def _sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def mm_rate(dtype, device="cpu", m=256, k=2048, n=256, repeats=50):
    """Median GFLOP/s of ``torch.mm`` at m x k x n (the shape the issue quotes;
    on a GPU, larger shapes reach more: see the printed table)."""
    a = torch.randn(m, k, dtype=dtype, device=device)
    b = torch.randn(k, n, dtype=dtype, device=device)
    inner = 10 if torch.device(device).type == "cpu" else 200
    for _ in range(5):
        a @ b
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        for _ in range(inner):
            a @ b
        _sync(device)
        times.append((time.perf_counter() - start) / inner)
    return 2 * m * k * n / np.median(times) / 1e9


def training_flops_per_row(module):
    linears = [m for m in module.modules() if isinstance(m, torch.nn.Linear)]
    first = module.feature_extractor[0]
    total = 0
    for layer in linears:
        forward = 2 * layer.in_features * layer.out_features
        total += forward + (forward if layer is first else 2 * forward)
    return total


class DataLoaderNet(DANNNet):
    """The same net trained through skorch's default path: a torch DataLoader
    that indexes and collates one row at a time."""

    def get_dataset(self, X, y=None):
        return NeuralNet.get_dataset(self, X, y)

    def get_iterator(self, dataset, training=False):
        iterator = NeuralNet.get_iterator(self, dataset, training=training)
        if training:
            self.batches_per_epoch_, self.adapting_ = len(iterator), True
        return iterator

    def on_epoch_end(self, net, **kwargs):
        pass


def epoch_seconds(X, y, batch_size, epochs, precision="float32", dataloader=False,
                  device="cpu"):
    clf = DANNClassifier(batch_size=batch_size, max_epochs=epochs, random_state=0,
                         precision=precision, device=device)
    if not dataloader:
        clf.fit(X, y)
        return float(np.median(clf.history_[1:, "dur"])), clf
    clf.fit(X[:256], y[:256])  # builds the same module
    module = clf.net_.module_
    net = DataLoaderNet(module, max_epochs=epochs, batch_size=batch_size,
                        optimizer=torch.optim.SGD, optimizer__momentum=0.9, lr=0.01,
                        iterator_train=DataLoader, iterator_train__shuffle=True,
                        precision=precision, device=device, verbose=0,
                        callbacks=[("stop_on_divergence", StopOnDivergence())])
    codes = np.where(y >= 0, y, -1)
    net.fit(X, training_targets(codes, y < 0))
    return float(np.median(net.history[1:, "dur"])), clf


MEMORY_CHILD = """
import numpy as np, torch
torch.set_num_threads({threads})
from _harness import make_scale_data
from suite import PeakMemory
from sk_dann import DANNClassifier, pack_domains
Xs, ys, Xt, _ = make_scale_data(n_per_domain={n})
X, y = pack_domains(Xs, ys, Xt)
del Xs, Xt
with PeakMemory() as memory:
    DANNClassifier(max_epochs=1, random_state=0).fit(X, y)
print(memory.growth_mb, X.nbytes / 2**20)
"""


def memory_growth(n, threads):
    """The child imports from benchmarks/, found through its PYTHONPATH."""
    code = MEMORY_CHILD.format(threads=threads, n=n)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=child_env(BENCHMARKS)).stdout.split()
    return float(out[0]), float(out[1])


def main():
    parser = make_parser(__doc__, threads=1)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rates = {"float32": mm_rate(torch.float32, args.device),
             "bfloat16": mm_rate(torch.bfloat16, args.device)}
    Xs, ys, Xt, _ = make_scale_data()
    X, y = pack_domains(Xs, ys, Xt)
    del Xs, Xt
    rows = []
    for batch_size in (64, 256):
        for path, precision, dataloader in [("sk_dann", "float32", False),
                                            ("sk_dann", "bfloat16", False),
                                            ("skorch DataLoader", "float32", True)]:
            seconds, clf = epoch_seconds(X, y, batch_size, args.epochs, precision, dataloader,
                                         args.device)
            flops = training_flops_per_row(clf.net_.module_) * len(X)
            row = dict(path=path, precision=precision, batch_size=batch_size,
                       epoch_s=seconds, rows_per_s=len(X) / seconds,
                       gflop_per_epoch=flops / 1e9, gflops=flops / seconds / 1e9)
            rows.append(row)
            print(json.dumps(row), flush=True)
    # The limit is the best torch.mm rate seen in this run (before and after
    # the epochs), so a busy moment cannot flatter the fractions.
    for precision in rates:
        rates[precision] = max(rates[precision], mm_rate(getattr(torch, precision),
                                                         args.device))
    for row in rows:
        row["fraction_of_mm"] = row["gflops"] / rates[row["precision"]]
    memory = []
    for n in () if args.skip_memory else (5_000, 10_000, 20_000, 40_000):
        growth, input_mb = memory_growth(n, args.threads)
        memory.append(dict(rows_per_domain=n, input_mb=input_mb, peak_growth_mb=growth,
                           ratio=growth / input_mb))
        print(json.dumps(memory[-1]), flush=True)

    lines = [f"torch.mm at 256x2048x256 on {args.device}: fp32 {rates['float32']:.0f} GFLOP/s, "
             f"bf16 {rates['bfloat16']:.0f} GFLOP/s", "",
             "| path | precision | batch | s/epoch | rows/s | GFLOP/epoch | GFLOP/s | "
             "fraction of torch.mm |", "|---" * 8 + "|"]
    lines += [f"| {r['path']} | {r['precision']} | {r['batch_size']} | {r['epoch_s']:.3f} | "
              f"{r['rows_per_s']:.0f} | {r['gflop_per_epoch']:.1f} | {r['gflops']:.0f} | "
              f"{r['fraction_of_mm']:.2f} |" for r in rows]
    lines += ["", "| rows per domain | input MB | peak memory growth of fit MB | growth / input |",
              "|---" * 4 + "|"]
    lines += [f"| {m['rows_per_domain']} | {m['input_mb']:.0f} | {m['peak_growth_mb']:.0f} | "
              f"{m['ratio']:.2f} |" for m in memory]
    name = "fast_path" if args.device == "cpu" else f"fast_path_{torch.device(args.device).type}"
    save_results(args.out, name, "\n".join(lines),
                 {"mm_gflops": rates, "epochs": rows, "memory": memory},
                 machine(args.threads, args.device, epochs=args.epochs))


if __name__ == "__main__":
    main()
