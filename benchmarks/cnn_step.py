"""The CNN training step on the CPU: each option the package has, timed.

MNIST -> MNIST-M images of the full protocol (the first ``--images`` of each
domain, 32x32x3 uint8), the paper's settings of ``benchmarks/digits.py``
(MNIST network, batches of 128, SGD with momentum, lambda ramp), and these
variants of ``DANNClassifier``:

* ``float32, N threads`` (the reference) and ``float32, 1 thread``;
* ``compile=True`` (``torch.compile`` of the training step; its first step,
  where it compiles, is left out of the step time and reported apart);
* ``precision="bfloat16"`` (autocast: bf16 matrix products and convolutions,
  float32 weights);
* ``channels-last``: the same network with its convolutions in NHWC memory
  order (weights and each batch), which oneDNN can run faster on a CPU; not
  an option of the package, measured here to see whether it should be.

Each variant fits ``--epochs`` epochs of ``images / 64`` steps; the step time
is the median epoch's ``dur`` after the first epoch, divided by the steps.
Variants run in turn within each of ``--rounds`` rounds, so the host's noise
falls on all of them alike; the table gives medians over rounds, each one's
ratio to the reference, and the target test accuracy each reached (a check
that an option does not change what is learned beyond noise).

    python benchmarks/cnn_step.py --threads 2 --rounds 3

Writes ``<out>/cnn_step.json`` and ``.md``.
"""
import statistics

import numpy as np
import torch

from _harness import machine, make_parser, save_results
from digits import paper_settings, subset
from sk_dann import DANNClassifier
from sk_dann.datasets import load_mnist_mnistm
from sk_dann.networks import mnist_cnn
from sk_dann.runtime import cpu_bfloat16_instructions


class ChannelsLastMNIST(torch.nn.Module):
    """The paper's MNIST network with NHWC ("channels last") convolutions."""

    def __init__(self, in_channels=3):
        super().__init__()
        self.body = mnist_cnn(in_channels).to(memory_format=torch.channels_last)

    def forward(self, x):
        return self.body(x.contiguous(memory_format=torch.channels_last))


def variants(threads):
    return {
        f"float32, {threads} threads": dict(n_threads=threads),
        "float32, 1 thread": dict(n_threads=1),
        "compile=True": dict(n_threads=threads, compile=True),
        "bfloat16": dict(n_threads=threads, precision="bfloat16"),
        # A module of one's own gets a linear label head (768 -> 10) instead of
        # the named network's 100-100: 1.5% fewer multiply-adds per image.
        "channels-last": dict(n_threads=threads, feature_extractor=ChannelsLastMNIST()),
    }


def main():
    parser = make_parser(__doc__, data_dir=True, threads=2)
    parser.add_argument("--images", type=int, default=9600,
                        help="images of each domain (steps per epoch: images / 64)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    data = subset(load_mnist_mnistm(args.data_dir, protocol="full"), args.images)
    settings = paper_settings(data)
    steps = -(-len(data.X_source) // (settings["batch_size"] // 2))
    runs = {name: [] for name in variants(args.threads)}
    for round_ in range(args.rounds):
        for name, options in variants(args.threads).items():
            clf = DANNClassifier(max_epochs=args.epochs, lambda_max=1.0, random_state=0,
                                 **{**settings, **options})
            try:
                clf.fit(data.X_source, data.y_source, X_target=data.X_target)
            except RuntimeError as error:  # compile=True without a C++ compiler, say
                print(f"round {round_ + 1} {name}: failed: {error}", flush=True)
                continue
            step_ms = 1000 * float(np.median(clf.history_[1:, "dur"])) / steps
            run = dict(step_ms=step_ms, first_epoch_s=float(clf.history_[0, "dur"]),
                       compile_s=clf.compile_time_,
                       test_accuracy=float(clf.score(data.X_test, data.y_test)))
            runs[name].append(run)
            print(f"round {round_ + 1} {name}: {step_ms:.1f} ms/step, test "
                  f"{run['test_accuracy']:.4f}", flush=True)

    reference = statistics.median(r["step_ms"] for r in next(iter(runs.values())))
    bf16 = cpu_bfloat16_instructions()
    record = machine(args.threads, torch_threads_available=torch.get_num_threads(),
                     bf16_instructions="unknown" if bf16 is None else (
                         ", ".join(bf16[1]) or "none"))
    lines = [f"{args.images} images per domain, {steps} steps of "
             f"{settings['batch_size']} per epoch, {args.epochs} epochs, {args.rounds} "
             "rounds; step time: median over rounds of the median epoch after the first.",
             "", "| variant | ms/step (median) | per round | ratio to reference | "
             "first epoch s | test acc. (median) |", "|---" * 6 + "|"]
    for name, results in runs.items():
        if not results:
            lines.append(f"| {name} | failed (see the log) | | | | |")
            continue
        step = statistics.median(r["step_ms"] for r in results)
        per_round = " ".join(f"{r['step_ms']:.1f}" for r in results)
        compile_s = [r["compile_s"] for r in results if r["compile_s"] is not None]
        first = f"{statistics.median(r['first_epoch_s'] for r in results):.1f}" + (
            f" (compile {statistics.median(compile_s):.1f})" if compile_s else "")
        lines.append(
            f"| {name} | {step:.1f} | {per_round} | "
            f"{step / reference:.2f} | {first} | "
            f"{statistics.median(r['test_accuracy'] for r in results):.4f} |")
    save_results(args.out, "cnn_step", "\n".join(lines),
                 {"images": args.images, "steps_per_epoch": steps, "epochs": args.epochs,
                  "runs": runs}, record)


if __name__ == "__main__":
    main()
