"""Plots of fitted DANN models and of their evaluation: training curves,
feature spaces, model-selection curves and benchmark results.

matplotlib is an optional extra (``pip install sk-dann[plot]``); it is
imported when a function is called, never at ``import sk_dann``.
"""
import textwrap
import warnings
from collections.abc import Mapping

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.utils import _safe_indexing

from .pipeline import final_estimator

__all__ = [
    "plot_benchmark",
    "plot_feature_space",
    "plot_histories",
    "plot_history",
    "plot_score_curves",
    "plot_selection_curves",
]

HISTORY_PANELS = (
    ("label_loss", "label loss (source)"),
    ("domain_loss", "domain loss (dotted: chance)"),
    ("domain_acc", "domain accuracy (dotted: chance)"),
    ("lambda", "lambda"),
    ("lr", "learning rate"),
)
METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE"}
# Where a domain classifier that cannot tell the domains apart sits: its
# binary cross-entropy at chance is ln 2, its accuracy one half.
CHANCE_LEVELS = {"domain_loss": np.log(2.0), "domain_acc": 0.5}


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
    for ax, (key, title) in zip(axes, HISTORY_PANELS):
        _draw_curve(ax, history, key)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("epoch")
    figure = axes[0].figure
    figure.tight_layout()
    return figure


def plot_histories(models, notes=None, keys=("label_loss", "domain_loss", "domain_acc",
                                              "lambda")):
    """Training curves of several fits, one row each, with a note beside each row.

    Made to tell healthy training from unhealthy: every row has the same
    panels, the domain loss and accuracy carry a dotted line where a domain
    classifier that cannot tell the domains apart sits (ln 2 and 0.5), and
    an epoch whose loss was not finite is marked with a red cross.

    Parameters
    ----------
    models : dict of str to fitted model
        Row title -> a fitted ``DANNClassifier``, ``DANNRegressor`` or a
        Pipeline ending in one.
    notes : dict of str to str, default=None
        Row title -> text written beside that row (what to look for).
    keys : sequence of str, default=("label_loss", "domain_loss", "domain_acc", "lambda")
        The ``history_`` entries drawn, one column each; any of
        "label_loss", "domain_loss", "domain_acc", "lambda", "lr".

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    if not isinstance(models, dict) or not models:
        raise ValueError("models must be a non-empty dict of row title -> fitted model.")
    titles = dict(HISTORY_PANELS)
    keys = (keys,) if isinstance(keys, str) else tuple(keys)
    unknown = [key for key in keys if key not in titles]
    if unknown:
        raise ValueError(f"Unknown history keys {unknown}; choose from {list(titles)}.")
    notes = notes or {}
    stray = sorted(set(notes) - set(models), key=str)
    if stray:
        raise ValueError(f"notes name rows that models does not have: {stray}.")
    histories = {name: _dann_step(model).history_ for name, model in models.items()}
    columns = len(keys) + (1 if notes else 0)
    # Sized for a page of documentation, where a wide figure is shrunk to
    # the text's width: few inches per panel, fonts of 9 to 10 points.
    widths = [1.0] * len(keys) + ([1.9] if notes else [])
    figure, axes = plt.subplots(len(models), columns, squeeze=False,
                                figsize=(2.3 * len(keys) + (4.4 if notes else 0),
                                         2.3 * len(models)),
                                gridspec_kw={"width_ratios": widths})
    for row, (name, history) in zip(axes, histories.items()):
        for ax, key in zip(row, keys):
            _draw_curve(ax, history, key)
            ax.set_title(titles[key], fontsize=9)
            ax.tick_params(labelsize=8)
        row[0].set_ylabel(name, fontsize=10, fontweight="bold")
        if notes:
            row[-1].axis("off")
            row[-1].text(0.0, 0.5, textwrap.fill(notes.get(name, ""), 46), fontsize=9,
                         va="center", ha="left", transform=row[-1].transAxes)
    for ax in axes[-1][:len(keys)]:
        ax.set_xlabel("epoch", fontsize=9)
    figure.tight_layout()
    return figure


def _draw_curve(ax, history, key):
    """One history entry over epochs; epochs where it was not finite get a cross."""
    values = np.array([row.get(key, np.nan) for row in history], dtype=float)
    epochs = np.arange(1, len(values) + 1)
    finite = np.isfinite(values)
    ax.plot(epochs[finite], values[finite], marker="." if len(epochs) < 30 else None)
    if key in CHANCE_LEVELS:
        ax.axhline(CHANCE_LEVELS[key], color="grey", linestyle=":", linewidth=1)
    if key == "domain_acc":
        ax.set_ylim(-0.02, 1.02)
    elif finite.any() and np.max(np.abs(values[finite])) > 1e3 * _start(values[finite]):
        # A loss that blew up to a thousand times where it started: on a
        # linear axis the spike flattens everything else to a line at zero.
        # (Measured against the start, not the end: a loss converging to
        # almost 0 is healthy and keeps its linear axis.)
        ax.set_yscale("symlog", linthresh=1.0)
        if values[finite].min() >= 0:
            ax.set_ylim(bottom=0)
    lost = ~finite & np.array([key in row for row in history], dtype=bool)
    if lost.any():  # a diverged step: inf or NaN, which a line would silently skip
        ax.plot(epochs[lost], np.full(lost.sum(), 0.95), "x", color="tab:red",
                transform=ax.get_xaxis_transform(), label="not finite")
        ax.legend(fontsize=7)
    ax.set_xlim(0.5, max(len(values), 1) + 0.5)


def _start(values):
    """Where a curve started: its first value, or its median if that was 0."""
    first = abs(values[0])
    return first if first > 0 else max(np.median(np.abs(values)), np.finfo(float).tiny)


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


def plot_selection_curves(cv_results, param, scorers=None, oracle=None, where=None):
    """Label-free scores across a parameter grid, with their fold noise, beside
    the target accuracy they stand in for.

    One panel per scorer: the mean over folds, a band of one standard
    deviation of the fold scores either side (the spread of the folds, not
    the uncertainty of a difference between candidates, which share their
    folds), and a star on the candidate with the best mean (among those
    drawn, when ``where`` holds other parameters). Scores are scikit-learn's,
    higher is better: a scorer of a loss or an entropy shows it negated.
    A NaN score (a failed fold) is skipped. With ``oracle``, a first panel
    draws the target accuracy of each candidate and a dotted line marks its
    best in every panel: a reference for judging the scorers, which a user
    without target labels does not have.

    Parameters
    ----------
    cv_results : dict or fitted search
        A search's ``cv_results_`` (or the search itself), scored with one or
        more scorers (``scoring={"snd": ..., "entropy": ...}``).
    param : str
        The parameter on the x axis, as the search names it, e.g.
        ``"dannclassifier__lambda_max"``. Candidates are drawn evenly spaced
        (so a grid starting at 0 needs no log axis), in increasing order of
        numeric values, else in the search's order.
    scorers : list of str, default=None
        Which scores to draw; by default every ``mean_test_<name>``.
    oracle : sequence of float, default=None
        One target score per candidate, in ``cv_results`` order (each
        candidate refitted and scored with target labels).
    where : dict of str to value, default=None
        Other parameters held at one value, when the grid varies more than
        ``param``: ``where={"dannclassifier__lr": 0.01}``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    results = getattr(cv_results, "cv_results_", cv_results)
    params = results["params"]
    rows = _candidates_along(params, param, where or {})
    values = [params[i][param] for i in rows]
    scorers = _scorer_names(results, scorers)
    if oracle is not None:
        oracle = np.asarray(oracle, dtype=float)
        if oracle.shape != (len(params),):
            raise ValueError(f"oracle must hold one score per candidate ({len(params)}, in "
                             f"cv_results order); got shape {oracle.shape}.")
        oracle = oracle[rows]
    x = np.arange(len(rows))
    panels = len(scorers) + (oracle is not None)
    figure, axes = plt.subplots(panels, 1, sharex=True, squeeze=False,
                                figsize=(6.4, 1.9 * panels + 0.6))
    axes = axes[:, 0]
    best_by_oracle = None
    if oracle is not None:
        best_by_oracle = _best(oracle, "oracle")
        ax = axes[0]
        ax.plot(x, oracle, color="black", marker="o")
        ax.set_ylabel("target accuracy\n(oracle)", fontsize=8)
        ax.set_title("reference only, it needs the target labels; dotted line: its best",
                     fontsize=8, loc="left")
    pick_label = "this scorer's best here" if where else "this scorer's pick"
    for ax, name in zip(axes[panels - len(scorers):], scorers):
        _draw_scorer(ax, results, name, rows, pick_label)
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
        if best_by_oracle is not None:
            ax.axvline(best_by_oracle, color="black", linestyle=":", linewidth=1)
    axes[panels - len(scorers)].legend(fontsize=7, loc="best")
    axes[-1].set_xticks(x, [_tick(value) for value in values])
    axes[-1].set_xlabel(param, fontsize=8)
    figure.tight_layout()
    return figure


def _scorer_names(results, scorers):
    """The scorers asked for (all by default), each checked to be in ``results``."""
    available = [key[len("mean_test_"):] for key in results if key.startswith("mean_test_")]
    scorers = available if scorers is None else list(scorers)
    missing = [name for name in scorers if name not in available]
    if missing or not scorers:
        raise ValueError(f"No scores for {missing or scorers} in cv_results; "
                         f"it has {available}.")
    return scorers


def _is_number(value):
    """A real number, and not a boolean (which Python counts as an int)."""
    return (isinstance(value, (int, float, np.number))
            and not isinstance(value, (bool, np.bool_)))


def _tick(value):
    """A parameter value as a tick label: 0.3, not 0.30000000000000004."""
    return f"{value:g}" if _is_number(value) else str(value)


def _best(scores, what):
    """Index of the highest score, skipping NaN (a fold that failed)."""
    if np.all(np.isnan(scores)):
        raise ValueError(f"Every {what} score is NaN: nothing to pick.")
    return int(np.nanargmax(scores))


def _draw_scorer(ax, results, name, rows, pick_label):
    """One scorer's mean over folds along the candidates ``rows``, a band of
    one standard deviation of its fold scores, and a star on its pick."""
    x = np.arange(len(rows))
    split_keys = sorted((key for key in results
                         if key.startswith("split") and key.endswith(f"_test_{name}")),
                        key=lambda key: int(key[len("split"):key.index("_")]))
    mean = np.asarray(results[f"mean_test_{name}"], dtype=float)[rows]
    if split_keys:
        folds = np.array([[results[key][i] for key in split_keys] for i in rows], dtype=float)
        spread = np.nanstd(folds, axis=1)
        ax.fill_between(x, mean - spread, mean + spread, alpha=0.25,
                        label=f"± 1 std over {folds.shape[1]} folds")
    ax.plot(x, mean, marker="o", label="mean over folds")
    pick = _best(mean, repr(name))
    ax.plot(x[pick], mean[pick], "*", markersize=13, color="tab:orange", label=pick_label)
    # scikit-learn's scores are higher-is-better: a loss or an entropy is
    # negated, so the axis names the score, not the quantity.
    what = "score" if name == "score" else f"{name} score"  # scoring=None names it "score"
    ax.set_ylabel(f"{what}\n(higher is better)", fontsize=8)


def _candidates_along(params, param, where):
    """Indices of the candidates that differ only in ``param`` once ``where``
    holds the other parameters, by increasing ``param`` where it is a number;
    a clear error when they do not make a line."""
    names = sorted({key for candidate in params for key in candidate})
    if param not in names:
        raise ValueError(f"cv_results has no parameter {param!r}; it has {names}.")
    for key in where:
        if key not in names:
            raise ValueError(f"where names {key!r}, which cv_results does not have: {names}.")
    rows = [i for i, candidate in enumerate(params)
            if all(_same(candidate.get(key), value) for key, value in where.items())]
    if not rows:
        raise ValueError(f"No candidate has {where}.")
    values = [params[i][param] for i in rows]
    if len(set(map(repr, values))) < len(values):
        varying = [key for key in names if key != param and key not in where
                   and len({repr(params[i].get(key)) for i in rows}) > 1]
        if not varying:
            raise ValueError(f"The candidates repeat values of {param!r} with every other "
                             "parameter equal (a random search that drew one twice?): "
                             "there is one line to draw only when each value appears once.")
        raise ValueError(f"Several candidates share each value of {param!r} (the grid also "
                         f"varies {varying}): hold those at one value with "
                         f"where={{{varying[0]!r}: ...}}.")
    if all(map(_is_number, values)):
        rows = sorted(rows, key=lambda i: params[i][param])  # not a random search's order
    return rows


def _same(a, b):
    """Parameter values equal, arrays included (``==`` on arrays is not a bool)."""
    try:
        return bool(np.array_equal(a, b)) if np.ndim(a) or np.ndim(b) else bool(a == b)
    except (TypeError, ValueError):
        return a is b


def plot_benchmark(rows, value="target_accuracy", by="pair", group=("library", "model"),
                   ax=None, ylabel=None, title=None):
    """Grouped bars of benchmark results: one group of bars per ``by`` value
    (a domain pair), one bar per ``group`` (library and model), the mean over
    the rows that share both (seeds) with their standard deviation as an
    error bar (none when every bar has a single row).

    Parameters
    ----------
    rows : list of dict, or pandas DataFrame
        One result each, as ``benchmarks/suite.py`` writes them in its JSON
        file's ``"rows"``: keys ``by``, every key of ``group`` and ``value``.
        Rows whose ``value`` is NaN are left out of their bar (with a warning).
    value : str, default="target_accuracy"
        The number drawn, e.g. ``"epoch_s"`` for the time per epoch.
    by : str, default="pair"
        The key whose values are the groups along the x axis, in first-seen order.
    group : str or sequence of str, default=("library", "model")
        The keys that tell the bars of a group apart; the legend joins their values.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure by default.
    ylabel : str, default=None
        The y axis label; ``value`` by default.
    title : str, default=None
        The axes title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    rows = rows.to_dict("records") if hasattr(rows, "to_dict") else list(rows)
    if not rows:
        raise ValueError("rows is empty: give the benchmark's result rows (a list of dicts).")
    if not all(isinstance(row, Mapping) for row in rows):
        raise ValueError("rows must be dicts (one per result, e.g. the 'rows' of a "
                         "benchmarks/suite.py JSON file) or a pandas DataFrame; got "
                         f"{type(rows[0]).__name__}.")
    group = (group,) if isinstance(group, str) else tuple(group)
    for key in (by, value, *group):
        lacking = sum(key not in row for row in rows)
        if lacking:
            raise ValueError(f"{lacking} of {len(rows)} rows have no {key!r}; "
                             f"the first has {sorted(rows[0])}.")
    columns = list(dict.fromkeys(row[by] for row in rows))
    bars = list(dict.fromkeys(tuple(row[key] for key in group) for row in rows))
    finite = [row for row in rows if np.isfinite(float(row[value]))]
    if len(finite) < len(rows):  # a failed run: left out of its bar's mean, and said so
        warnings.warn(f"{len(rows) - len(finite)} of {len(rows)} rows have no finite "
                      f"{value!r}; their bars average the others.", stacklevel=2)
    own_figure = ax is None
    if own_figure:
        _, ax = plt.subplots(figsize=(max(4.0, 0.9 * len(columns) * max(1, len(bars)) / 2),
                                      3.4))
    width = 0.8 / len(bars)
    for j, bar in enumerate(bars):
        numbers = [[row[value] for row in finite
                    if row[by] == column and tuple(row[key] for key in group) == bar]
                   for column in columns]
        means = [np.mean(n) if n else np.nan for n in numbers]
        # An error bar only where there is a spread to show: one run per bar
        # (a timing run, say) gets none rather than a bar of zero height.
        repeated = any(len(n) > 1 for n in numbers)
        spreads = [np.std(n) if len(n) > 1 else 0.0 for n in numbers] if repeated else None
        ax.bar(np.arange(len(columns)) + (j - (len(bars) - 1) / 2) * width, means, width,
               yerr=spreads, capsize=2, label=" ".join(map(str, bar)))
    ax.set_xticks(np.arange(len(columns)), [str(column) for column in columns])
    ax.set_ylabel(ylabel or value, fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    ax.tick_params(labelsize=7)
    # Below the bars: inside, a legend hides whichever group it sits on.
    ax.legend(fontsize=7, ncol=min(len(bars), 4), loc="upper center",
              bbox_to_anchor=(0.5, -0.08), frameon=False)
    if own_figure:
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
    # With classes, the legend sits in a column of its own on the right:
    # one entry per class colour, then one per domain marker.
    legend_width = 0.0 if labels is None else 1.6 + 0.9 * (len(classes) > 12)
    figure, axes = plt.subplots(1, len(models), squeeze=False,
                                figsize=(4.4 * len(models) + legend_width, 4.0))
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
            _scatter_by_class(ax, Z2[:n], Z2[n:], labels, classes, colours)
        ax.set_title(f"{name}\nlearned features, {METHOD_NAMES[method]}", fontsize=9)
        ax.set_xlabel("component 1", fontsize=8)
        ax.set_ylabel("component 2", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    if labels is None:
        axes[0][0].legend(fontsize=7, markerscale=1.5)
        figure.tight_layout()
        return figure
    right = 1 - legend_width / figure.get_figwidth()
    figure.tight_layout(rect=(0, 0, right, 1))
    _legend_of_classes(figure, classes, colours, y_target is not None, right)
    return figure


def _scatter_by_class(ax, source, target, labels, classes, colours):
    """Source rows as dots, target rows as crosses, one colour per class."""
    # Every source dot first, then the target crosses over them: the
    # crosses are what the reader looks for.
    for i, label in enumerate(classes):
        ax.scatter(*source[labels[0] == label].T, s=8, alpha=0.45,
                   color=colours(i % colours.N), marker="o")
    for i, label in enumerate(classes):
        rows = np.array([v == label for v in labels[1].tolist()], dtype=bool)
        ax.scatter(*target[rows].T, s=22, alpha=0.9, linewidths=1.2,
                   color=colours(i % colours.N), marker="x")
    unlabeled = np.array([v is None for v in labels[1].tolist()], dtype=bool)
    if unlabeled.any():
        ax.scatter(*target[unlabeled].T, s=14, alpha=0.6, color="grey", marker="x")


def _legend_of_classes(figure, classes, colours, target_labeled, left):
    """The figure's legend, in a column right of ``left``: a colour per
    class, then a marker per domain."""
    from matplotlib.lines import Line2D

    def key(marker, colour, text):
        return Line2D([], [], linestyle="none", marker=marker, color=colour, label=text)

    handles = [key("o", colours(i % colours.N), str(label))
               for i, label in enumerate(classes)]
    # Black: no class has it (tab10 and tab20 have none).
    handles += [key("o", "black", "source"),
                key("x", "black", "target" if target_labeled else "target (unlabeled)")]
    figure.legend(handles=handles, loc="center left", bbox_to_anchor=(left, 0.5),
                  fontsize=7, ncol=1 if len(classes) <= 12 else 2, frameon=False)


def _describe(model):
    """A panel title: source-only or DANN with its lambda_max."""
    estimator = final_estimator(model)
    strength = getattr(estimator, "lambda_max", None)
    if strength is None:
        return type(estimator).__name__
    return "source-only (lambda_max=0)" if strength == 0 else f"DANN (lambda_max={strength:g})"

