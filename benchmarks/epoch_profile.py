"""Where a CPU epoch's time goes: gather, forward, backward, optimizer, skorch.

On the scale suite's data (20k + 20k rows of 2048-d, 31 classes), default
network: a real ``DANNClassifier`` epoch (median ``dur`` of the epochs after
the first), and the same steps replayed by hand on its fitted module,
optimizer and loss, each phase timed: gathering the batch rows
(``take_rows``), the forward pass and loss, the backward pass, the optimizer
step. What the real epoch takes beyond the replay is skorch's per-batch
bookkeeping (callbacks, history, schedules, ``.item()`` reads).

    python benchmarks/epoch_profile.py --batch-sizes 64 256 --threads 1
    python benchmarks/epoch_profile.py --optimizer-impl fused

``--optimizer-impl`` picks torch's SGD implementation for the real fit and
the replay: ``default`` (what ``optimizer="sgd"`` gets), ``foreach`` or
``fused`` (one kernel for all parameters). Writes
``<out>/epoch_profile.json`` and ``.md``.
"""
import statistics
import time

import numpy as np
import torch

from _harness import machine, make_parser, make_scale_data, save_results
from sk_dann import DANNClassifier
from sk_dann.batching import take_rows

PHASES = ("gather", "forward + loss", "backward", "optimizer")


def sgd(implementation):
    """``optimizer="sgd"``, or torch's SGD with one implementation forced."""
    if implementation == "default":
        return "sgd"

    class SGD(torch.optim.SGD):
        def __init__(self, params, lr, momentum=0.9, weight_decay=0.0):
            super().__init__(params, lr=lr, momentum=momentum, weight_decay=weight_decay,
                             **{implementation: True})

    return SGD


def real_epoch(Xs, ys, Xt, batch_size, epochs, optimizer_impl):
    model = DANNClassifier(max_epochs=epochs, batch_size=batch_size, n_threads="torch",
                           optimizer=sgd(optimizer_impl), random_state=0)
    model.fit(Xs, ys, X_target=Xt)
    return model, statistics.median(model.history_[1:, "dur"])


def replay_epoch(model, Xs, ys, Xt, batch_size):
    """The real epoch's steps, by hand, each phase timed (seconds per epoch)."""
    net = model.net_
    X = torch.as_tensor(np.concatenate([Xs, Xt]))
    targets = torch.as_tensor(np.c_[np.r_[ys, np.zeros(len(Xt))],
                                    np.r_[np.zeros(len(Xs)), np.ones(len(Xt))],
                                    np.r_[np.ones(len(Xs)), np.zeros(len(Xt))]]
                              .astype(np.float32))
    generator = torch.Generator().manual_seed(0)
    half = batch_size // 2
    n_steps = max(len(Xs), len(Xt)) // half
    source = torch.randperm(len(Xs), generator=generator)[:n_steps * half].view(n_steps, half)
    target = (len(Xs) + torch.randperm(len(Xt), generator=generator)[:n_steps * half]
              ).view(n_steps, half)
    rows = torch.cat([source, target], dim=1)
    spent = dict.fromkeys(PHASES, 0.0)
    net.module_.train()
    for step_rows in rows:
        t0 = time.perf_counter()
        Xb, yb = take_rows(X, step_rows), take_rows(targets, step_rows)
        t1 = time.perf_counter()
        label_loss, domain_loss = net.criterion_(net.module_(Xb), yb)
        loss = label_loss + domain_loss
        t2 = time.perf_counter()
        net.optimizer_.zero_grad()
        loss.backward()
        t3 = time.perf_counter()
        net.optimizer_.step()
        t4 = time.perf_counter()
        for phase, seconds in zip(PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            spent[phase] += seconds
    return spent


def main(argv=None):
    parser = make_parser(__doc__, threads=1)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--optimizer-impl", default="default",
                        choices=["default", "foreach", "fused"])
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    Xs, ys, Xt, _ = make_scale_data()
    rows = []
    for batch_size in args.batch_sizes:
        model, epoch_s = real_epoch(Xs, ys, Xt, batch_size, args.epochs, args.optimizer_impl)
        spent = replay_epoch(model, Xs, ys, Xt, batch_size)
        rows.append({"batch_size": batch_size, "epoch_s": epoch_s, **spent,
                     "skorch bookkeeping": epoch_s - sum(spent.values())})
    columns = [*PHASES, "skorch bookkeeping"]
    lines = [f"Scale suite epoch, optimizer_impl={args.optimizer_impl}", "",
             "| batch | epoch (s) | " + " | ".join(columns) + " |",
             "|---:|---:|" + "---:|" * len(columns)]
    for row in rows:
        lines.append(f"| {row['batch_size']} | {row['epoch_s']:.2f} | " + " | ".join(
            f"{row[c]:.2f} ({100 * row[c] / row['epoch_s']:.0f}%)" for c in columns) + " |")
    table = "\n".join(lines)
    save_results(args.out, f"epoch_profile_{args.optimizer_impl}", table, rows,
                 machine(args.threads, optimizer_impl=args.optimizer_impl,
                         epochs=args.epochs))


if __name__ == "__main__":
    main()
