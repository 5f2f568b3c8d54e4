"""Digit images: source-only vs DANN target accuracy, 3 seeds, time per epoch.

Tasks (read from the data directory, see sk_dann.datasets):
  * MNIST -> MNIST-M: source MNIST test[:4500] (32x32x3), target MNIST-M test[4500:].
  * MNIST -> USPS: the JDA 16x16 sets (2000 MNIST, 1800 USPS).

Every model is DANNClassifier's default for images (the paper's MNIST network,
per-channel normalisation, SGD lr 0.01 annealed, batch 64) with a fixed number
of epochs per task. Rows, fixed before any run: source-only (lambda_max=0),
DANN at the package default (lambda_max=0.3) and at the paper's lambda_max=1.
No target label is used except to score.

    python benchmarks/digits.py --data-dir ../shared/data [--threads 1]

Writes benchmarks/results/digits.json and digits.md.
"""
import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from sk_dann import DANNClassifier
from sk_dann.datasets import load_mnist_mnistm, load_mnist_usps

TASKS = {
    "mnist->mnistm": (load_mnist_mnistm, 30),
    "mnist->usps": (load_mnist_usps, 100),
}
MODELS = {"source-only": 0.0, "DANN (default, lambda 0.3)": 0.3, "DANN (paper, lambda 1)": 1.0}


def run(data_dir, seeds, threads):
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


def table(results):
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (results depend on it; 1 by default)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args()
    results = run(args.data_dir, args.seeds, args.threads)
    markdown = table(results)
    print(markdown)
    machine = (f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
               f"{args.threads} thread(s), device cpu")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "digits.json").write_text(json.dumps(
        {"machine": machine, "seeds": args.seeds, "results": results}, indent=1))
    (out / "digits.md").write_text(f"Machine: {machine}\n\n{markdown}\n")


if __name__ == "__main__":
    main()
