"""How far a CPU epoch of DANN is from the arithmetic it has to do.

On the scale suite's data (20k + 20k rows of 2048-d features, 31 classes),
the default network (2048 -> 256, label head 256 -> 31, domain head
256 -> 256 -> 1), SGD with momentum, one thread, the median epoch of:

* ``matmul floor``: the step's matrix products alone (forward and backward
  of every linear layer, into buffers allocated once, on batches gathered
  beforehand): what no float32 implementation of this network goes below;
* ``floor + optimizer``: plus torch's fused SGD step (it reads and writes
  every weight, gradient and momentum once);
* ``plain PyTorch loop``: batch gather, forward, loss, backward and fused
  SGD written by hand, no framework;
* ``sk_dann``, ``sk_dann compile=True`` and ``sk_dann bfloat16``
  (``precision="bfloat16"``: bf16 matrix products, float32 weights);
* ``skada`` (``--compare-skada``): skada's DANN on the same network and rows
  per step (``benchmarks/suite.py``'s ``fit_skada``).

Every variant runs once per round, for ``--rounds`` rounds, so that the
host's noise falls on all of them alike; the table gives medians and each
variant's ratio to sk_dann. ``compile=True``'s first training step (where
``torch.compile`` traces and compiles) is reported apart.

    python benchmarks/step_floor.py --compare-skada
    python benchmarks/step_floor.py --batch-size 256 --rounds 5

Writes ``<out>/step_floor_<batch>.json`` and ``.md``.
"""
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from _harness import machine, make_parser, make_scale_data, save_results
from sk_dann import DANNClassifier
from sk_dann.reversal import reverse_gradient
from suite import fit_skada

HIDDEN, DOMAIN_HIDDEN = 256, 256


def _layers(n_features, n_classes):
    """(in, out) of every linear layer, in forward order."""
    return [(n_features, HIDDEN), (HIDDEN, n_classes), (HIDDEN, DOMAIN_HIDDEN),
            (DOMAIN_HIDDEN, 1)]


def matmul_floor(X, n_classes, batch_size, n_steps, optimizer):
    """Seconds for ``n_steps`` steps of the network's matrix products only
    (and, with ``optimizer``, a fused SGD step over its parameters)."""
    rows = batch_size
    layers = _layers(X.shape[1], n_classes)
    weights = [torch.randn(out, inp) * 0.01 for inp, out in layers]
    biases = [torch.zeros(out) for _, out in layers]
    batches = [X[torch.randint(len(X), (rows,))].contiguous() for _ in range(8)]
    hidden = torch.randn(rows, HIDDEN)
    domain_hidden = torch.randn(rows, DOMAIN_HIDDEN)
    inputs = [None, hidden, hidden, domain_hidden]  # the input of each layer
    outputs = [torch.empty(rows, out) for _, out in layers]
    grad_out = [torch.randn(rows, out) for _, out in layers]
    grad_w = [torch.empty(out, inp) for inp, out in layers]
    grad_in = [None, torch.empty(rows, HIDDEN), torch.empty(rows, HIDDEN),
               torch.empty(rows, DOMAIN_HIDDEN)]  # no gradient for the input rows
    params = [*weights, *biases]
    for p, g in zip(params, [*grad_w, *[torch.zeros_like(b) for b in biases]]):
        p.grad = g
    sgd = torch.optim.SGD(params, lr=1e-6, momentum=0.9, fused=True) if optimizer else None
    start = time.perf_counter()
    for step in range(n_steps):
        inputs[0] = batches[step % len(batches)]
        for i in range(len(layers)):
            torch.addmm(biases[i], inputs[i], weights[i].t(), out=outputs[i])
        for i in range(len(layers)):
            torch.mm(grad_out[i].t(), inputs[i], out=grad_w[i])
            if grad_in[i] is not None:
                torch.mm(grad_out[i], weights[i], out=grad_in[i])
        if sgd is not None:
            sgd.step()
    return time.perf_counter() - start


def plain_loop(Xs, ys, Xt, batch_size, n_steps, seed=0):
    """Seconds for ``n_steps`` DANN steps written by hand in PyTorch."""
    torch.manual_seed(seed)
    n_classes = int(ys.max()) + 1
    X = torch.as_tensor(np.concatenate([Xs, Xt]))
    labels = torch.as_tensor(np.r_[ys, np.zeros(len(Xt), dtype=ys.dtype)]).long()
    domains = torch.as_tensor(np.r_[np.zeros(len(Xs)), np.ones(len(Xt))]).float()
    features = torch.nn.Sequential(torch.nn.Linear(Xs.shape[1], HIDDEN), torch.nn.ReLU())
    label_head = torch.nn.Linear(HIDDEN, n_classes)
    domain_head = torch.nn.Sequential(torch.nn.Linear(HIDDEN, DOMAIN_HIDDEN),
                                      torch.nn.ReLU(), torch.nn.Linear(DOMAIN_HIDDEN, 1))
    params = [*features.parameters(), *label_head.parameters(), *domain_head.parameters()]
    sgd = torch.optim.SGD(params, lr=0.01, momentum=0.9, fused=True)
    half = batch_size // 2
    generator = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    for step in range(n_steps):
        source = torch.randint(len(Xs), (half,), generator=generator)
        target = len(Xs) + torch.randint(len(Xt), (half,), generator=generator)
        rows = torch.cat([source, target])
        z = features(X[rows])
        label_loss = F.cross_entropy(label_head(z[:half]), labels[source])
        domain_logits = domain_head(reverse_gradient(z, 0.3)).squeeze(-1)
        loss = label_loss + F.binary_cross_entropy_with_logits(domain_logits, domains[rows])
        sgd.zero_grad()
        loss.backward()
        sgd.step()
        loss.item()  # what a framework reads to log the step
    return time.perf_counter() - start


def sk_dann_epoch(Xs, ys, Xt, batch_size, epochs, **params):
    model = DANNClassifier(max_epochs=epochs, batch_size=batch_size, n_threads="torch",
                           random_state=0, **params).fit(Xs, ys, X_target=Xt)
    durations = model.history_[:, "dur"]
    # compile=True: the first epoch holds the compilation (reported apart)
    later = durations[1:] if model.compile_time_ is not None else durations
    return statistics.median(later), model.compile_time_


def compile_line(compile_s):
    """The compile=True fits' first training steps: the process's first fit
    traces and compiles; later fits of the same network reuse its graphs."""
    later = ", ".join(f"{seconds:.2f}" for seconds in compile_s[1:])
    return (f"compile=True, first training step of a fit (tracing and compiling): "
            f"{compile_s[0]:.1f} s in the process's first fit"
            + (f"; {later} s in later fits (graphs reused)" if later else "") + ".")


def main(argv=None):
    parser = make_parser(__doc__, threads=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3,
                        help="epochs per sk_dann / skada fit (their median is taken)")
    parser.add_argument("--compare-skada", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    Xs, ys, Xt, _ = make_scale_data()
    n_steps = max(len(Xs), len(Xt)) // (args.batch_size // 2)  # steps of one epoch
    X = torch.as_tensor(np.concatenate([Xs, Xt]))
    n_classes = int(ys.max()) + 1
    settings = {"batch_size": args.batch_size, "max_epochs": args.epochs}
    variants = {
        "matmul floor": lambda: matmul_floor(X, n_classes, args.batch_size, n_steps, False),
        "floor + optimizer": lambda: matmul_floor(X, n_classes, args.batch_size, n_steps,
                                                  True),
        "plain PyTorch loop": lambda: plain_loop(Xs, ys, Xt, args.batch_size, n_steps),
        "sk_dann": lambda: sk_dann_epoch(Xs, ys, Xt, args.batch_size, args.epochs),
        "sk_dann compile=True": lambda: sk_dann_epoch(Xs, ys, Xt, args.batch_size,
                                                      args.epochs, compile=True),
        "sk_dann bfloat16": lambda: sk_dann_epoch(Xs, ys, Xt, args.batch_size, args.epochs,
                                                  precision="bfloat16"),
    }
    if args.compare_skada:
        variants["skada"] = lambda: fit_skada(Xs, ys, Xt, 0.3, 0, settings, "float32")[2]
    epochs = {name: [] for name in variants}
    compile_s = []
    for round_ in range(args.rounds):
        for name, run in variants.items():
            result = run()
            seconds, compiled = result if isinstance(result, tuple) else (result, None)
            epochs[name].append(seconds)
            if compiled is not None:
                compile_s.append(compiled)
            print(f"round {round_ + 1}: {name}: {seconds:.3f} s/epoch", flush=True)
    medians = {name: statistics.median(values) for name, values in epochs.items()}
    lines = [f"Scale suite, batch {args.batch_size} ({n_steps} steps per epoch), "
             f"median of {args.rounds} interleaved rounds", "",
             "| variant | s/epoch | ms/step | / sk_dann | rounds (s/epoch) |",
             "|---|---:|---:|---:|---|"]
    for name, median in medians.items():
        lines.append(f"| {name} | {median:.3f} | {1000 * median / n_steps:.2f} | "
                     f"{median / medians['sk_dann']:.2f} | "
                     + ", ".join(f"{v:.2f}" for v in epochs[name]) + " |")
    if compile_s:
        lines += ["", compile_line(compile_s)]
    table = "\n".join(lines)
    save_results(args.out, f"step_floor_{args.batch_size}", table,
                 {"batch_size": args.batch_size, "steps_per_epoch": n_steps,
                  "epochs_s": epochs, "compile_s": compile_s},
                 machine(args.threads, rounds=args.rounds, epochs=args.epochs))


if __name__ == "__main__":
    main()
