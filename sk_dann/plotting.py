"""Plots of a fitted DANNClassifier: training curves and feature spaces.

matplotlib is an optional extra (``pip install sk-dann[plot]``); it is
imported when a function is called, never at ``import sk_dann``.
"""
import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

__all__ = [
    "plot_feature_space",
    "plot_history",
]

HISTORY_PANELS = (
    ("label_loss", "label loss (source)"),
    ("domain_loss", "domain loss"),
    ("domain_acc", "domain accuracy (0.5 = invariant)"),
    ("lambda", "lambda"),
    ("lr", "learning rate"),
)


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("sk_dann.plotting needs matplotlib: "
                          "pip install matplotlib (or sk-dann[plot])") from error
    return plt


def _dann_step(model):
    """The DANNClassifier itself, or the last step of a Pipeline ending in one."""
    step = model.steps[-1][1] if hasattr(model, "steps") else model
    if not hasattr(step, "history_"):
        raise ValueError("Pass a fitted DANNClassifier, or a fitted Pipeline ending in one.")
    return step


def plot_history(model, axes=None):
    """Per-epoch training curves from ``history_``: label and domain loss,
    domain accuracy, lambda and lr. Returns the matplotlib Figure."""
    plt = _pyplot()
    history = _dann_step(model).history_
    if axes is None:
        figure, axes = plt.subplots(1, len(HISTORY_PANELS),
                                    figsize=(3.2 * len(HISTORY_PANELS), 2.8))
    axes = np.ravel(axes)
    if len(axes) < len(HISTORY_PANELS):
        raise ValueError(f"axes must hold {len(HISTORY_PANELS)} plots; got {len(axes)}.")
    epochs = np.arange(1, len(history) + 1)
    for ax, (key, title) in zip(axes, HISTORY_PANELS):
        values = [row.get(key, np.nan) for row in history]
        ax.plot(epochs, values, marker="." if len(epochs) < 30 else None)
        if key == "domain_acc":
            ax.axhline(0.5, color="grey", linestyle=":", linewidth=1)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("epoch")
    figure = axes[0].figure
    figure.tight_layout()
    return figure


def plot_feature_space(models, X_source, X_target, method="pca", names=None,
                       max_rows=1000, random_state=0):
    """Source against target rows in each model's learned features, in 2-D.

    ``models`` is one fitted model or a list (e.g. source-only and DANN, to
    show before and after adaptation); ``method`` is ``"pca"`` (default) or
    ``"tsne"``. Each panel embeds that model's ``transform`` of the rows.
    Returns the matplotlib Figure.
    """
    plt = _pyplot()
    if method not in ("pca", "tsne"):
        raise ValueError(f"method must be 'pca' or 'tsne'; got {method!r}.")
    models = list(models) if isinstance(models, (list, tuple)) else [models]
    names = names or [f"model {i + 1}" for i in range(len(models))]
    rng = np.random.default_rng(random_state)
    rows_s = np.sort(rng.permutation(len(X_source))[:max_rows])
    rows_t = np.sort(rng.permutation(len(X_target))[:max_rows])
    figure, axes = plt.subplots(1, len(models), figsize=(4 * len(models), 3.6), squeeze=False)
    for ax, model, name in zip(axes[0], models, names):
        Z = np.concatenate([model.transform(_rows(X_source, rows_s)),
                            model.transform(_rows(X_target, rows_t))])
        embedding = (PCA(2, random_state=random_state) if method == "pca" else
                     TSNE(2, random_state=random_state, init="pca",
                          perplexity=min(30.0, (len(Z) - 1) / 3)))
        Z2 = embedding.fit_transform(Z)
        n = len(rows_s)
        ax.scatter(*Z2[:n].T, s=6, alpha=0.6, label="source")
        ax.scatter(*Z2[n:].T, s=6, alpha=0.6, label="target")
        ax.set_title(f"{name} ({method.upper()} of features)", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0][0].legend(fontsize=8)
    figure.tight_layout()
    return figure


def _rows(X, rows):
    return X.iloc[rows] if hasattr(X, "iloc") else X[rows]
