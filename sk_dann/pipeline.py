"""``DomainPipeline``: a scikit-learn Pipeline whose transformers see the target rows.

A plain :class:`~sklearn.pipeline.Pipeline` passes one ``(X, y)`` through
its steps. Domain adaptation has a second input, the unlabeled target rows,
and they must go through the same transformers as the source rows (a scaler
that never saw them would leave them on another scale than the rows the
network learned from). :class:`DomainPipeline` takes them as ``X_target``:
it fits the transformers on the source and target rows together, transforms
both, and hands the final estimator ``fit(X_source, y_source,
X_target=...)``. Everything else is the Pipeline it inherits.
"""
import time
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils import Bunch
from sklearn.utils.metadata_routing import process_routing

from .domains import stack_rows, warn_columns_matched_by_position

__all__ = ["DomainPipeline", "final_estimator", "make_da_pipeline"]


def final_estimator(model):
    """The estimator that predicts: ``model`` itself, or the last step of a
    Pipeline (of the innermost one, for Pipelines nested as last steps).

    Parameters
    ----------
    model : estimator or Pipeline

    Returns
    -------
    estimator
    """
    while isinstance(model, Pipeline):
        model = model.steps[-1][1]
    return model


class DomainPipeline(Pipeline):
    """A Pipeline that fits its transformers on source and target rows together.

    ``fit(X_source, y_source, X_target=X_target)`` fits every transformer
    on the source rows followed by the target rows (``y`` is not passed to
    them: the target rows have no labels), transforms both, and fits the
    final estimator with ``fit(X_source_transformed, y_source,
    X_target=X_target_transformed)``. Without ``X_target`` it is exactly a
    :class:`~sklearn.pipeline.Pipeline`, so packed data (target rows marked
    by ``y == -1``, or ``y = NaN`` for a regressor) works as well: the
    transformers see every row either way. ``predict``, ``predict_proba``,
    ``transform``, ``score``, ``set_output``, ``get_feature_names_out``,
    indexing and ``clone`` are the Pipeline's.

    With ``X_target``, the transformers are fitted in place one after the
    other (``memory`` caching and ``transform_input`` apply to fits without
    it), and ``-1`` in ``y_source`` is an ordinary label (the ``{-1, +1}``
    convention works).

    Parameters
    ----------
    steps : list of (str, estimator) tuples
        As in :class:`~sklearn.pipeline.Pipeline`: transformers, then the
        final estimator (a :class:`~sk_dann.DANNClassifier`,
        :class:`~sk_dann.DANNRegressor`, or anything whose ``fit`` takes
        ``X_target``).
    transform_input : list of str, default=None
        As in :class:`~sklearn.pipeline.Pipeline`, for fits without
        ``X_target`` (refused with it).
    memory : str or object with the joblib.Memory interface, default=None
        As in :class:`~sklearn.pipeline.Pipeline`; used by fits without
        ``X_target``.
    verbose : bool, default=False
        As in :class:`~sklearn.pipeline.Pipeline`.

    Attributes
    ----------
    named_steps : :class:`~sklearn.utils.Bunch`
        The steps by name, as in :class:`~sklearn.pipeline.Pipeline`.

    See Also
    --------
    make_da_pipeline : Build a DomainPipeline from its steps, naming them.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sk_dann import DANNClassifier, DomainPipeline
    >>> from sk_dann.datasets import make_domain_moons
    >>> Xs, ys, Xt, yt = make_domain_moons(random_state=0)
    >>> pipe = DomainPipeline([("scale", StandardScaler()),
    ...                        ("dann", DANNClassifier(max_epochs=5, random_state=0))])
    >>> pipe.fit(Xs, ys, X_target=Xt).predict(Xt).shape
    (300,)
    """

    # X_target is this pipeline's own input, never a step's metadata: with
    # metadata routing enabled, a search passes it here without a request.
    __metadata_request__fit = {"X_target": True}
    __metadata_request__fit_transform = {"X_target": True}

    def fit(self, X, y=None, X_target=None, **params):
        """Fit the transformers on source and target rows, then the final estimator.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix
            Source rows (or packed source and target rows, without
            ``X_target``).
        y : array-like of shape (n_samples,), default=None
            Labels of the rows of ``X``.
        X_target : array-like, DataFrame or sparse matrix, default=None
            Unlabeled target rows, with the columns of ``X`` (a DataFrame's
            are matched by name). ``None``: a plain Pipeline fit.
        **params : dict of str -> object
            Parameters of the steps' ``fit``, as in
            :meth:`sklearn.pipeline.Pipeline.fit`: ``step__param`` keys, or,
            with metadata routing enabled, the metadata the steps requested.
            Per-row parameters describe the rows of ``X``: with ``X_target``
            they may go to the final estimator (``sample_weight``) but not to
            a transformer, which is fitted on the target rows too.

        Returns
        -------
        self : DomainPipeline
        """
        self._refuse_target_as_step_parameter(params)
        if X_target is None:
            return super().fit(X, y, **params)
        self._check_steps_for_target()
        step_params = self._step_params(params, "fit")
        X_source, X_target = self._fit_transformers(X, X_target, step_params)
        name, final = self.steps[-1]
        if not _is_passthrough(final):
            with self._timed(len(self.steps) - 1):
                final.fit(X_source, y, X_target=X_target, **step_params[name].fit)
        return self

    def fit_transform(self, X, y=None, X_target=None, **params):
        """:meth:`fit`, then the transform of ``X`` through every step.

        Parameters
        ----------
        X, y, X_target, **params
            As in :meth:`fit`.

        Returns
        -------
        ndarray or DataFrame
            ``X`` (the source rows) transformed.
        """
        if X_target is None:
            self._refuse_target_as_step_parameter(params)
            return super().fit_transform(X, y, **params)
        return self.fit(X, y, X_target=X_target, **params).transform(X)

    def _refuse_target_as_step_parameter(self, params):
        """``final__X_target`` would reach the last step past the transformers:
        the trap this class exists to close."""
        routed = [key for key in params if key.endswith("__X_target")]
        if routed:
            raise ValueError(
                f"{routed[0]}=... would hand the target rows to a step directly, past "
                "the transformers before it. Pass them to the pipeline itself: "
                "fit(X_source, y_source, X_target=X_target).")

    def _check_steps_for_target(self):
        """What Pipeline.fit checks about its steps, for the fit it does not run."""
        names = [name for name, _ in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"Names provided are not unique: {names!r}")
        if self.transform_input is not None:
            raise ValueError(
                "transform_input is not supported together with X_target: the "
                "target rows already go through every transformer.")
        for name, step in self.steps[:-1]:
            if _is_passthrough(step):
                continue
            if not (hasattr(step, "fit") and hasattr(step, "transform")):
                raise TypeError(
                    f"Step {name!r} ({type(step).__name__}) is not a transformer: every "
                    "step but the last needs fit and transform (or 'passthrough').")

    def _fit_transformers(self, X, X_target, step_params):
        """Fit each transformer, in place, on the stacked rows; return the
        transformed source and target rows, split again."""
        n_source = _n_rows(X)
        rows = _stack_domains(X, X_target)
        for index, (name, step) in enumerate(self.steps[:-1]):
            if _is_passthrough(step):
                continue
            routed = step_params[name]
            for method_params in routed.values():
                per_row = [key for key, value in method_params.items()
                           if _n_rows(value, default=None) == n_source]
                if per_row:
                    raise ValueError(
                        f"The step {name!r} got {per_row[0]} with one value per row of "
                        f"X ({n_source}), but with X_target it is fitted on the "
                        f"{_n_rows(rows)} source and target rows. Fit it without "
                        f"{per_row[0]}, or pack the target rows into X "
                        "(sk_dann.pack_domains) and give them values too.")
            with self._timed(index):
                if hasattr(step, "fit_transform"):
                    rows = step.fit_transform(rows, None, **routed.fit_transform)
                else:
                    rows = step.fit(rows, None, **routed.fit).transform(
                        rows, **routed.transform)
        return _split_rows(rows, n_source)

    def _step_params(self, params, method):
        """Each step's parameters as a Bunch of method -> dict, from routing
        (when enabled) or from ``step__param`` keys (which, as in Pipeline,
        go to ``fit`` and ``fit_transform`` only)."""
        if sklearn.get_config().get("enable_metadata_routing", False):
            return process_routing(self, method, **params)
        names = [name for name, _ in self.steps]
        routed = {name: Bunch(fit={}, fit_transform={}, transform={}) for name in names}
        for key, value in params.items():
            name, sep, param = key.partition("__")
            if not sep or name not in routed:
                raise ValueError(
                    f"DomainPipeline.{method} got the parameter {key!r}, which names no "
                    f"step. Pass step parameters as step__parameter, with a step among "
                    f"{names}; X_target is DomainPipeline's own parameter.")
            routed[name].fit[param] = routed[name].fit_transform[param] = value
        return routed

    @contextmanager
    def _timed(self, index):
        """With ``verbose``, print each step's fit time as Pipeline does."""
        start = time.perf_counter()
        yield
        if self.verbose:
            name = self.steps[index][0]
            print(f"[DomainPipeline] ({index + 1} of {len(self.steps)}) Processing "
                  f"{name}, total={time.perf_counter() - start:5.1f}s", flush=True)


def _is_passthrough(step):
    """Whether a step is left out, as Pipeline reads ``None`` and ``"passthrough"``."""
    return step is None or (isinstance(step, str) and step == "passthrough")


def _n_rows(value, default=0):
    """Rows of an array-like (``default`` for anything without them)."""
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape) > 0:
        return shape[0]
    if isinstance(value, (list, tuple)):
        return len(value)
    return default


def _split_rows(rows, n_first):
    """The first ``n_first`` rows and the rest, in ``rows``' container type."""
    if hasattr(rows, "iloc"):
        return rows.iloc[:n_first], rows.iloc[n_first:]
    if sp.issparse(rows):
        rows = rows.tocsr()
    return rows[:n_first], rows[n_first:]


def _stack_domains(X, X_target):
    """The source rows followed by the target rows, checked to share columns.

    A DataFrame on one side only is matched by position, with a warning (as
    the estimators do), and the stack keeps the DataFrame's column names, so
    the transformers learn them either way.
    """
    if hasattr(X, "iloc") != hasattr(X_target, "iloc"):
        has, lacks = ("X", "X_target") if hasattr(X, "iloc") else ("X_target", "X")
        warn_columns_matched_by_position(has, lacks, stacklevel=4)
        if hasattr(X, "iloc") and not sp.issparse(X_target):
            X_target = X.__class__(np.asarray(X_target), columns=X.columns)
        elif hasattr(X_target, "iloc"):
            X_target = X_target.to_numpy()
    widths = [np.shape(rows)[1:] if not sp.issparse(rows) else rows.shape[1:]
              for rows in (X, X_target)]
    if widths[0] != widths[1]:
        raise ValueError(
            f"X_target has per-row shape {widths[1]} but X has {widths[0]}; source "
            "and target rows must have the same columns in the same order.")
    return stack_rows(X, X_target)


def make_da_pipeline(*steps, memory=None, transform_input=None, verbose=False):
    """Build a :class:`DomainPipeline` from its steps, naming them by type.

    The domain-adaptation counterpart of
    :func:`sklearn.pipeline.make_pipeline`: the same step names
    (``"standardscaler"``, ``"dannclassifier"``), and ``fit(X_source,
    y_source, X_target=X_target)`` fits the transformers on both domains.

    Parameters
    ----------
    *steps : list of estimators
        Transformers, then the final estimator.
    memory, transform_input, verbose
        As in :func:`sklearn.pipeline.make_pipeline`.

    Returns
    -------
    DomainPipeline

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sk_dann import DANNClassifier, make_da_pipeline
    >>> pipe = make_da_pipeline(StandardScaler(), DANNClassifier())
    >>> [name for name, _ in pipe.steps]
    ['standardscaler', 'dannclassifier']
    """
    plain = make_pipeline(*steps)
    return DomainPipeline(plain.steps, memory=memory, transform_input=transform_input,
                          verbose=verbose)
