"""Measure DANN defaults (lambda_max, lr, epochs) on the embedded Office-Caltech10 features.

Prints a table of target accuracy (mean over seeds) for the 6 ordered pairs
(A, D, W) and writes it to benchmarks/results/office_defaults.md. Target labels are used
only to score: this is a study of *defaults*, not a model-selection method.

    python benchmarks/office_defaults.py
"""
import itertools
import time
from pathlib import Path

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_dann import DANNClassifier, pack_domains
from sk_dann.datasets import OFFICE_CALTECH_DOMAINS, load_office_caltech

GRID = {"lr": [0.01], "max_epochs": [30, 100], "lambda_max": [0.0, 0.1, 0.3, 1.0]}
SEEDS = [0, 1, 2]


def main():
    data = {d: load_office_caltech(d) for d in OFFICE_CALTECH_DOMAINS}
    pairs = list(itertools.permutations(OFFICE_CALTECH_DOMAINS, 2))
    lines = ["| lr | max_epochs | lambda_max | " + " | ".join(
        f"{s[0].upper()}->{t[0].upper()}" for s, t in pairs) + " | mean | fit s (median) |",
        "|---" * (len(pairs) + 5) + "|"]
    print(lines[0], flush=True)
    for lr, epochs, lam in itertools.product(*GRID.values()):
        accs, times = [], []
        for s, t in pairs:
            X, y = pack_domains(data[s].X, data[s].y, data[t].X)
            seed_accs = []
            for seed in SEEDS:
                model = make_pipeline(StandardScaler(), DANNClassifier(
                    lambda_max=lam, lr=lr, max_epochs=epochs, random_state=seed))
                start = time.perf_counter()
                model.fit(X, y)
                times.append(time.perf_counter() - start)
                seed_accs.append(np.mean(model.predict(data[t].X) == data[t].y))
            accs.append(np.mean(seed_accs))
        line = (f"| {lr} | {epochs} | {lam} | " + " | ".join(f"{a:.3f}" for a in accs)
                + f" | {np.mean(accs):.3f} | {np.median(times):.1f} |")
        lines.append(line)
        print(line, flush=True)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "office_defaults.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
