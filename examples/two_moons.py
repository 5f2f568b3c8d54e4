"""
Inter-twinning moons: source-only against DANN
==============================================

From Ganin et al., JMLR 2016. The target is the source rotated by 35 degrees.
Prints target accuracy and the final domain-classifier accuracy of each model
(near 0.5 = domain-invariant), and draws the paper's pictures: each model's
decision boundary over source and target points, and the PCA of its hidden
features (saved as ``two_moons.png`` and ``two_moons_features.png`` in the
folder given as the first argument, if one is). Needs matplotlib for the
figures (``pip install sk-dann[plot]``); without it, only the numbers.

    python examples/two_moons.py [output_folder]
"""
import sys
from pathlib import Path

import numpy as np

from sk_dann import DANNClassifier
from sk_dann.datasets import make_domain_moons

Xs, ys, Xt, yt = make_domain_moons(n_samples=300, degrees=35, random_state=0)
models = {}
for name, lambda_max in [("source-only", 0.0), ("DANN", 3.0)]:
    clf = DANNClassifier(lambda_max=lambda_max, lr=0.05, max_epochs=300, random_state=0)
    models[name] = clf.fit(Xs, ys, X_target=Xt)
    print(f"{name:<12} target accuracy {np.mean(clf.predict(Xt) == yt):.3f}   "
          f"domain accuracy {clf.history_[-1, 'domain_acc']:.3f}")

try:
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit(0)

from sk_dann.plotting import plot_feature_space  # noqa: E402

grid = np.stack(np.meshgrid(np.linspace(-2, 3, 200), np.linspace(-2, 2.5, 200)), -1)
figure, axes = plt.subplots(1, 2, figsize=(9, 3.8))
for ax, (name, clf) in zip(axes, models.items()):
    proba = clf.predict_proba(grid.reshape(-1, 2).astype(np.float32))[:, 1]
    ax.contourf(grid[..., 0], grid[..., 1], proba.reshape(grid.shape[:2]),
                levels=[0, 0.5, 1], colors=["#dde7f5", "#f8e1d4"])
    ax.scatter(*Xs[ys == 0].T, s=8, marker="+", c="tab:blue", label="source, class 0")
    ax.scatter(*Xs[ys == 1].T, s=8, marker="_", c="tab:red", label="source, class 1")
    ax.scatter(*Xt.T, s=6, c="black", alpha=0.4, label="target (unlabeled)")
    ax.set_title(f"{name}: target accuracy {np.mean(clf.predict(Xt) == yt):.3f}", fontsize=9)
axes[0].legend(fontsize=7, loc="lower left")
figure.tight_layout()
features = plot_feature_space(list(models.values()), Xs, Xt, names=list(models))
if len(sys.argv) > 1:
    out = Path(sys.argv[1])
    figure.savefig(out / "two_moons.png", dpi=100)
    features.savefig(out / "two_moons_features.png", dpi=100)
    print(f"figures written to {out / 'two_moons.png'} and {out / 'two_moons_features.png'}")
plt.show()
