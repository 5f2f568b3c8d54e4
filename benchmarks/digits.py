"""Digit images: source-only vs DANN target accuracy, time per epoch.

Two protocols (data read from the data directory, see sk_dann.datasets):

``--protocol reduced`` (the default; test splits only, 3 seeds):
  * MNIST -> MNIST-M: source MNIST test[:4500] (32x32x3), target MNIST-M test[4500:].
  * MNIST -> USPS: the JDA 16x16 sets (2000 MNIST, 1800 USPS).
  Every model is DANNClassifier's default for images (the paper's MNIST
  network, per-channel normalisation, SGD lr 0.01 annealed, batch 64) with a
  fixed number of epochs per task; the target set is also the scored set.

``--protocol full`` (the paper's, JMLR 2016 table 2) or ``disjoint``:
  source MNIST train (60,000; disjoint: [:30000]), target MNIST-M train
  (59,001; disjoint: [30000:]), scored on MNIST-M test (9,001) after every
  epoch. The paper's settings where it gives them (section 5.2.2): the MNIST
  network with its 100-unit domain head, batches of 128 (half source, half
  target), mean subtraction, SGD with momentum 0.9, lr 0.01 / (1 + 10 p)^0.75,
  lambda ramped 2 / (1 + exp(-10 p)) - 1 up to lambda_max. The paper does not
  give the training length: ``--epochs`` (15 by default).

Rows, fixed before any run: source-only (lambda_max=0), DANN at the package
default (lambda_max=0.3) and at the paper's lambda_max=1. No target label is
used except to score.

    python benchmarks/digits.py --data-dir ../shared/data [--threads 1]
    python benchmarks/digits.py --protocol full --seeds 0 --threads 2

The full and disjoint protocols append each finished (row, seed) to
``benchmarks/results/digits_<protocol>.jsonl`` as it completes (with the
accuracy after every epoch) and skip what is there when restarted; the table
(``digits_<protocol>.md``) and the curves (``digits_<protocol>.png``) are
written from that file. ``--subset N`` runs on the first N images of each
domain (a smoke test; its rows are kept apart from the full ones).
The reduced protocol writes benchmarks/results/digits.json and digits.md.
"""
import json
import time
from pathlib import Path

import numpy as np
import torch

from _harness import ResultRows, machine, machine_line, make_parser, save_results
from sk_dann import DANNClassifier
from sk_dann.datasets import load_mnist_mnistm, load_mnist_usps
from sk_dann.images import channel_mean_std

TASKS = {
    "mnist->mnistm": (load_mnist_mnistm, 30),
    "mnist->usps": (load_mnist_usps, 100),
}
MODELS = {"source-only": 0.0, "DANN (default, lambda 0.3)": 0.3, "DANN (paper, lambda 1)": 1.0}
#: Rows of the full/disjoint protocols beyond the three fixed ones, run with
#: ``--rows``: lambda_max, the settings they start from ("paper": the
#: paper's, as the fixed rows; "package": DANNClassifier's image defaults)
#: and the parameters they change.
EXTRA_ROWS = {
    "DANN (package image defaults, lambda 0.3)": (0.3, "package", {}),
    "DANN (package image defaults, lambda 0.3, bfloat16)": (
        0.3, "package", dict(precision="bfloat16")),
    "DANN (paper + channel normalisation, lambda 0.3)": (
        0.3, "paper", dict(image_normalization="channel")),
    "DANN (paper + channel normalisation, lambda 1)": (
        1.0, "paper", dict(image_normalization="channel")),
    "source-only (package image defaults)": (0.0, "package", {}),
}
#: JMLR 2016, table 2, MNIST -> MNIST-M (target test accuracy).
PAPER = {"paper source-only .5225": 0.5225, "paper DANN .7666": 0.7666}


# -- the reduced protocol (test splits), as before ---------------------------------
def run_reduced(data_dir, seeds, threads):
    torch.set_num_threads(threads)
    results = []
    for task, (loader, epochs) in TASKS.items():
        data = loader(data_dir)
        for model, lambda_max in MODELS.items():
            for seed in seeds:
                clf = DANNClassifier(lambda_max=lambda_max, max_epochs=epochs,
                                     random_state=seed)
                start = time.perf_counter()
                clf.fit(data.X_source, data.y_source, X_target=data.X_target)
                fit_s = time.perf_counter() - start
                row = dict(task=task, model=model, lambda_max=lambda_max, seed=seed,
                           epochs=epochs,
                           target_accuracy=float(clf.score(data.X_target, data.y_target)),
                           source_accuracy=float(clf.score(data.X_source, data.y_source)),
                           final_domain_acc=float(clf.history_[-1, "domain_acc"]),
                           fit_s=fit_s,
                           epoch_s=float(np.median(clf.history_[:, "dur"])))
                results.append(row)
                print(json.dumps(row), flush=True)
    return results


def reduced_table(results):
    lines = ["| task | model | epochs | target acc. mean | std | per seed | "
             "s/epoch (median) | fit s (median) |", "|---" * 8 + "|"]
    for task in TASKS:
        for model in MODELS:
            rows = [r for r in results if r["task"] == task and r["model"] == model]
            accs = [r["target_accuracy"] for r in rows]
            lines.append(
                f"| {task} | {model} | {rows[0]['epochs']} | {np.mean(accs):.3f} | "
                f"{np.std(accs):.3f} | {' '.join(f'{a:.3f}' for a in accs)} | "
                f"{np.median([r['epoch_s'] for r in rows]):.2f} | "
                f"{np.median([r['fit_s'] for r in rows]):.0f} |")
    return "\n".join(lines)


# -- the paper's protocol on the training splits -------------------------------------
def paper_settings(data):
    """DANNClassifier parameters of the paper's MNIST -> MNIST-M run.

    "Mean subtraction": the per-channel mean of the training images of both
    domains, no division (std 1).
    """
    n_s, n_t = len(data.X_source), len(data.X_target)
    mean = (channel_mean_std(data.X_source, "NHWC")[0] * n_s
            + channel_mean_std(data.X_target, "NHWC")[0] * n_t) / (n_s + n_t)
    return dict(feature_extractor="mnist", domain_hidden_layer_sizes=(100,),
                batch_size=128, optimizer="sgd", lr=0.01, lr_schedule="annealed",
                momentum=0.9, lambda_schedule="ramp",
                image_normalization=(mean.tolist(), 1.0))


def subset(data, n):
    """The first ``n`` images of each domain and of the test split."""
    if n is None:
        return data
    return type(data)(**{key: value[:n] if isinstance(value, np.ndarray) else value
                         for key, value in data.items()})


def describe_settings(base, settings):
    """What a results row records of its settings (read back by ``family``)."""
    if base == "package":
        return ({"package image defaults with": settings} if settings
                else "package image defaults")
    return {k: (v if k != "image_normalization" or isinstance(v, str)
                else "mean subtraction") for k, v in settings.items()}


def run_paper(data_dir, protocol, seeds, threads, epochs, n_subset, results_path,
              extra_rows=()):
    """Fit each (row, seed) not yet in ``results_path``; append each as it ends."""
    done = {(r["model"], r["seed"], r["epochs"], r["subset"])
            for r in ResultRows(results_path).read()}
    rows = {**{name: (lambda_max, "paper", {}) for name, lambda_max in MODELS.items()},
            **{name: EXTRA_ROWS[name] for name in extra_rows}}
    todo = [(model, lambda_max, base, changes, seed)
            for model, (lambda_max, base, changes) in rows.items()
            for seed in seeds if (model, seed, epochs, n_subset) not in done]
    if not todo:
        print(f"every row is in {results_path} already")
        return
    data = subset(load_mnist_mnistm(data_dir, protocol=protocol), n_subset)
    paper = paper_settings(data)
    torch.set_num_threads(threads)
    for model, lambda_max, base, changes, seed in todo:
        settings = {**(paper if base == "paper" else {}), **changes}
        clf = DANNClassifier(lambda_max=lambda_max, max_epochs=epochs, random_state=seed,
                             n_threads=threads, **settings)
        curve, epoch_s = [], []
        for epoch in range(epochs):
            # partial_fit follows the same lambda ramp and lr annealing as one fit
            # of max_epochs, and lets the test split be scored after each epoch.
            start = time.perf_counter()
            clf.partial_fit(data.X_source, data.y_source, X_target=data.X_target)
            epoch_s.append(time.perf_counter() - start)
            curve.append(float(clf.score(data.X_test, data.y_test)))
            print(f"{model} seed {seed} epoch {epoch + 1}: test {curve[-1]:.4f} "
                  f"({epoch_s[-1]:.1f} s, lambda {clf.history_[-1, 'lambda']:.3f}, "
                  f"domain acc {clf.history_[-1, 'domain_acc']:.3f})", flush=True)
        row = dict(protocol=protocol, model=model, lambda_max=lambda_max, seed=seed,
                   epochs=epochs, subset=n_subset, threads=threads,
                   machine=machine_line(machine(threads)),
                   test_accuracy=curve[-1], best_epoch=int(np.argmax(curve)) + 1,
                   test_curve=curve, epoch_s=epoch_s,
                   target_train_accuracy=float(clf.score(data.X_target, data.y_target)),
                   source_accuracy=float(clf.score(data.X_source, data.y_source)),
                   final_domain_acc=float(clf.history_[-1, "domain_acc"]),
                   settings=describe_settings(base, settings))
        ResultRows(results_path).append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "test_curve"}), flush=True)


def paper_table(rows):
    lines = ["| model | seed | epochs | test acc. (last) | best (epoch) | gain over "
             "source-only | target-train acc. | source acc. | domain acc. | s/epoch "
             "(median) |", "|---" * 10 + "|"]
    def family(r):  # gains are over the source-only row of the package's image
        # defaults, or else of the paper's settings (mean subtraction)
        settings = r["settings"]
        return ("package" if settings == "package image defaults"
                or "package image defaults with" in settings else "paper")

    baseline = {(r["seed"], r["epochs"], r["subset"], family(r)): r["test_accuracy"]
                for r in rows if r["lambda_max"] == 0}
    for r in sorted(rows, key=lambda r: (r["subset"] or 0, r["epochs"], family(r) == "package",
                                          r["seed"], r["lambda_max"], r["model"])):
        base = baseline.get((r["seed"], r["epochs"], r["subset"], family(r)))
        gain = "" if base is None or r["lambda_max"] == 0 else \
            f"{r['test_accuracy'] - base:+.3f}"
        name = r["model"] + ("" if r["subset"] is None else f" (first {r['subset']})")
        lines.append(
            f"| {name} | {r['seed']} | {r['epochs']} | {r['test_accuracy']:.4f} | "
            f"{max(r['test_curve']):.4f} ({r['best_epoch']}) | {gain} | "
            f"{r['target_train_accuracy']:.4f} | {r['source_accuracy']:.4f} | "
            f"{r['final_domain_acc']:.3f} | {np.median(r['epoch_s']):.1f} |")
    return "\n".join(lines)


def draw_curves(rows, path, protocol):
    try:
        import matplotlib
        matplotlib.use("Agg")
        from sk_dann.plotting import plot_score_curves
    except ImportError:
        print("matplotlib is not installed: no plot")
        return
    curves = {f"{r['model']} seed {r['seed']}, {r['epochs']} epochs" + (
        "" if r["subset"] is None else f" (first {r['subset']})"): r["test_curve"]
        for r in rows}
    import matplotlib.pyplot as plt
    figure, ax = plt.subplots(figsize=(7.5, 4.2))
    plot_score_curves(curves, references=PAPER, ax=ax, ylabel="MNIST-M test accuracy",
                      title=f"MNIST -> MNIST-M, {protocol} protocol")
    # below the plot, where no curve is hidden by it
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=1)
    figure.savefig(path, dpi=110, bbox_inches="tight")
    print(f"wrote {path}")


def main():
    parser = make_parser(__doc__, data_dir=True, threads=1)
    parser.add_argument("--protocol", choices=["reduced", "full", "disjoint"],
                        default="reduced")
    parser.add_argument("--seeds", type=int, nargs="+", default=None,
                        help="seeds (default: 0 1 2 reduced, 0 full/disjoint)")
    parser.add_argument("--epochs", type=int, default=15,
                        help="epochs of the full/disjoint protocols")
    parser.add_argument("--subset", type=int, default=None,
                        help="full/disjoint: first N images of each domain (smoke test)")
    parser.add_argument("--rows", nargs="+", choices=[*MODELS, *EXTRA_ROWS], default=None,
                        help="full/disjoint: only these rows (default: the three fixed "
                             "ones); the others change the paper's settings")
    args = parser.parse_args()
    if args.protocol == "reduced":
        seeds = args.seeds or [0, 1, 2]
        results = run_reduced(args.data_dir, seeds, args.threads)
        save_results(args.out, "digits", reduced_table(results), results,
                     machine(args.threads, seeds=seeds))
        return
    extra_rows = [name for name in args.rows or [] if name in EXTRA_ROWS]
    if args.rows:
        for name in set(MODELS) - set(args.rows):
            del MODELS[name]
    results_path = Path(args.out) / f"digits_{args.protocol}.jsonl"
    run_paper(args.data_dir, args.protocol, args.seeds or [0], args.threads, args.epochs,
              args.subset, results_path, extra_rows)
    rows = ResultRows(results_path).read()
    markdown = paper_table(rows)
    print(markdown)
    machines = sorted({r["machine"] for r in rows})
    (Path(args.out) / f"digits_{args.protocol}.md").write_text(
        f"Machine: {'; '.join(machines)}\n\n{markdown}\n")
    draw_curves(rows, Path(args.out) / f"digits_{args.protocol}.png", args.protocol)


if __name__ == "__main__":
    main()
