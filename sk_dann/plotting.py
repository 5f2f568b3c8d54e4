"""Plots of a fitted DANNClassifier: training curves and feature spaces.

matplotlib is an optional extra (``pip install sk-dann[plot]``); it is
imported when a function is called, never at ``import sk_dann``.
"""
import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.utils import _safe_indexing

from .pipeline import final_estimator

__all__ = [
    "plot_feature_space",
    "plot_history",
    "plot_score_curves",
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
    step = final_estimator(model)
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


def plot_score_curves(curves, references=None, ax=None, ylabel="target accuracy",
                      title=None):
    """Scores after each epoch, one line per model (e.g. the target test
    accuracy recorded after each ``partial_fit`` epoch).

    Parameters
    ----------
    curves : dict of str to sequence of float
        Model name -> its score after epoch 1, 2, ...
    references : dict of str to float, default=None
        Name -> a score drawn as a dotted horizontal line (a published
        result, say).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure by default.
    ylabel : str, default="target accuracy"
    title : str, default=None

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    if not curves:
        raise ValueError("curves is empty: give a dict of name -> scores per epoch.")
    own_figure = ax is None
    if own_figure:
        _, ax = plt.subplots(figsize=(6.4, 4.0))
    for name, scores in curves.items():
        scores = np.asarray(scores, dtype=float)
        if scores.ndim != 1 or len(scores) == 0:
            raise ValueError(f"curves[{name!r}] must be a non-empty sequence of scores.")
        epochs = np.arange(1, len(scores) + 1)
        ax.plot(epochs, scores, marker="." if len(scores) < 40 else None, label=name)
    # References in black, told apart by their dash pattern, never by a
    # colour that a curve may have.
    for i, (name, value) in enumerate((references or {}).items()):
        ax.axhline(value, color="black", linestyle=[":", "--", "-."][i % 3],
                   linewidth=1.0, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if own_figure:  # a figure the caller made keeps its layout
        ax.figure.tight_layout()
    return ax.figure


def plot_feature_space(models, X_source, X_target, method="pca", names=None,
                       max_rows=1000, random_state=0, y_source=None, y_target=None):
    """Source against target rows in each model's learned features, in 2-D.

    Parameters
    ----------
    models : fitted model or list of them
        ``DANNClassifier``, ``DANNRegressor`` or a Pipeline ending in one
        (e.g. source-only and DANN, to show before and after adaptation).
        Each panel embeds that model's ``transform`` of the rows.
    X_source, X_target : array-like
    method : {"pca", "tsne"}, default="pca"
    names : list of str, default=None
        Panel titles; by default each model is named by its adaptation
        strength ("source-only" for ``lambda_max=0``).
    max_rows : int, default=1000
        Rows drawn from each domain at most.
    random_state : int, default=0
    y_source, y_target : array-like, default=None
        Class labels. Given, points are coloured by class and the domain is
        told by the marker (source: dot, target: cross); else coloured by
        domain. ``y_target`` is only drawn, never used to fit anything.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    if method not in ("pca", "tsne"):
        raise ValueError(f"method must be 'pca' or 'tsne'; got {method!r}.")
    models = list(models) if isinstance(models, (list, tuple)) else [models]
    names = names or [_describe(model) for model in models]
    rng = np.random.default_rng(random_state)
    rows_s = np.sort(rng.permutation(len(X_source))[:max_rows])
    rows_t = np.sort(rng.permutation(len(X_target))[:max_rows])
    labels = None
    if y_source is not None:
        y_t = np.full(len(rows_t), None) if y_target is None else np.asarray(y_target)[rows_t]
        labels = (np.asarray(y_source)[rows_s], y_t)
        classes = sorted({v for v in np.r_[labels[0], labels[1]].tolist() if v is not None},
                         key=str)
        colours = plt.get_cmap("tab10" if len(classes) <= 10 else "tab20")
    figure, axes = plt.subplots(1, len(models), figsize=(4.4 * len(models), 4.0),
                                squeeze=False)
    for ax, model, name in zip(axes[0], models, names):
        Z = np.concatenate([model.transform(_safe_indexing(X_source, rows_s)),
                            model.transform(_safe_indexing(X_target, rows_t))])
        embedding = (PCA(2, random_state=random_state) if method == "pca" else
                     TSNE(2, random_state=random_state, init="pca",
                          perplexity=min(30.0, (len(Z) - 1) / 3)))
        Z2 = embedding.fit_transform(Z)
        n = len(rows_s)
        if labels is None:
            ax.scatter(*Z2[:n].T, s=6, alpha=0.6, label="source")
            ax.scatter(*Z2[n:].T, s=6, alpha=0.6, label="target")
        else:
            for i, label in enumerate(classes):
                colour = colours(i % colours.N)
                source = labels[0] == label
                target = np.array([v == label for v in labels[1].tolist()], dtype=bool)
                ax.scatter(*Z2[:n][source].T, s=8, alpha=0.6, color=colour, marker="o",
                           label=f"{label} (source)")
                ax.scatter(*Z2[n:][target].T, s=14, alpha=0.7, color=colour, marker="x",
                           label=f"{label} (target)")
            unlabeled = np.array([v is None for v in labels[1].tolist()], dtype=bool)
            if unlabeled.any():
                ax.scatter(*Z2[n:][unlabeled].T, s=14, alpha=0.6, color="grey", marker="x",
                           label="target")
        ax.set_title(f"{name}\nlearned features, {method.upper()}", fontsize=9)
        ax.set_xlabel("component 1", fontsize=8)
        ax.set_ylabel("component 2", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0][0].legend(fontsize=7, markerscale=1.5,
                      ncol=1 if labels is None or len(classes) <= 4 else 2)
    figure.tight_layout()
    return figure


def _describe(model):
    """A panel title: source-only or DANN with its lambda_max."""
    estimator = final_estimator(model)
    strength = getattr(estimator, "lambda_max", None)
    if strength is None:
        return type(estimator).__name__
    return "source-only (lambda_max=0)" if strength == 0 else f"DANN (lambda_max={strength:g})"

