"""
Benchmark results as charts
===========================

The numbers behind the tables of the :doc:`../benchmarks` page, drawn from
the result files the benchmark scripts wrote (``benchmarks/results/suite/``
in the repository; no fitting here). Target accuracy is the mean over seeds
0, 1 and 2 with its standard deviation as the error bar; the settings are
those ``benchmarks/suite.py`` runs (DANN at its defaults, no target label
tuning anything; see the benchmarks page).
Run it from a checkout of the repository, where the result files are.
"""

# %%
# The result files
# ----------------
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import sk_dann
from sk_dann.plotting import plot_benchmark

RESULTS = Path(sk_dann.__file__).resolve().parents[1] / "benchmarks" / "results" / "suite"
if not RESULTS.is_dir():
    raise FileNotFoundError(f"No benchmark results at {RESULTS}: run this example from a "
                            "checkout of the sk_dann repository, where they are.")


def rows(name):
    """The result rows of one run of benchmarks/suite.py."""
    return json.loads((RESULTS / f"{name}.json").read_text())["rows"]


def mean_accuracy(results, library, model):
    return np.mean([row["target_accuracy"] for row in results
                    if row["library"] == library and row["model"] == model])


office = rows("office_googlenet_vs_skada")
for library in ("sk_dann", "skada"):
    print(f"Office-Caltech GoogLeNet, {library:<8} mean target accuracy: source-only "
          f"{mean_accuracy(office, library, 'source-only'):.3f}, "
          f"DANN {mean_accuracy(office, library, 'DANN'):.3f}")

# %%
# Target accuracy: sk_dann against source-only and skada
# ------------------------------------------------------
# Office-Caltech10 with GoogLeNet features, each library with the same
# networks, epochs, rows per step and learning rate (see the benchmarks
# page for the protocol). skada's DANN has no lambda ramp and no learning
# rate annealing, and its default domain classifier passes no gradient, so
# it got a working one.
plot_benchmark(office, title="Office-Caltech10, GoogLeNet features: target accuracy",
               ylabel="target accuracy")
plt.ylim(0.8, 1.01)
plt.show()

# %%
# The other suites, sk_dann alone: Office-Caltech10 SURF features (the
# GFK/JDA protocol) and the Amazon reviews of the JMLR paper.
figure, axes = plt.subplots(2, 1, figsize=(9, 6.4))
for ax, (name, title, low) in zip(axes, [
        ("office_surf", "Office-Caltech10, SURF features", 0.2),
        ("amazon", "Amazon reviews, 5000-d (JMLR protocol)", 0.6)]):
    results = rows(name)
    plot_benchmark(results, group="model", ax=ax, title=title, ylabel="target accuracy")
    ax.set_ylim(low, 1.0)
    print(f"{title:<40} mean target accuracy: source-only "
          f"{mean_accuracy(results, 'sk_dann', 'source-only'):.3f}, "
          f"DANN {mean_accuracy(results, 'sk_dann', 'DANN'):.3f}")
figure.tight_layout()
plt.show()

# %%
# Time per epoch against the peers
# ---------------------------------
# The same work per epoch in every library (one thread, equal networks and
# rows per step); ADAPT is TensorFlow's, with and without XLA. One run each
# on a 2-core machine whose speed drifts between runs: small differences
# between bars may not repeat.
figure, axes = plt.subplots(1, 2, figsize=(10, 3.6), width_ratios=[3, 1])
for ax, (name, title) in zip(axes, [
        ("office_googlenet_vs_skada_vs_adapt", "Office-Caltech10 GoogLeNet, 20 epochs"),
        ("scale_vs_skada_vs_adapt", "scale suite: 40k rows of 2048-d")]):
    dann = [row for row in rows(name) if row["model"] == "DANN"]
    plot_benchmark(dann, value="epoch_s", group="library", ax=ax, title=title,
                   ylabel="seconds per epoch")
figure.tight_layout()
plt.show()
