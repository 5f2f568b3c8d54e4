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
import numpy as np
import sklearn
from sklearn.pipeline import Pipeline
from sklearn.utils import Bunch, _safe_indexing
from sklearn.utils.metadata_routing import process_routing

from .domains import stack_rows

__all__ = ["DomainPipeline", "make_da_pipeline"]


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
    other (``memory`` caching applies to fits without it), and ``-1`` in ``y_source`` is an ordinary
    label (the ``{-1, +1}`` convention works).

    Parameters
    ----------
    steps : list of (str, estimator) tuples
        As in :class:`~sklearn.pipeline.Pipeline`: transformers, then the
        final estimator (a :class:`~sk_dann.DANNClassifier`,
        :class:`~sk_dann.DANNRegressor`, or anything whose ``fit`` takes
        ``X_target``).
    transform_input : list of str, default=None
        As in :class:`~sklearn.pipeline.Pipeline`.
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
            With ``X_target``, per-row parameters such as ``sample_weight``
            describe the rows of ``X``.

        Returns
        -------
        self : DomainPipeline
        """
        if X_target is None:
            return super().fit(X, y, **params)
        step_params = self._step_params(params, "fit")
        X_source, X_target = self._fit_transformers(X, X_target, step_params)
        name, final = self.steps[-1]
        if final is not None and final != "passthrough":
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
            return super().fit_transform(X, y, **params)
        return self.fit(X, y, X_target=X_target, **params).transform(X)

    def _fit_transformers(self, X, X_target, step_params):
        """Fit each transformer, in place, on the stacked rows; return the
        transformed source and target rows, split again."""
        n_source = X.shape[0] if hasattr(X, "shape") else len(X)
        rows = stack_rows(X, X_target)
        for name, step in self.steps[:-1]:
            if step is None or step == "passthrough":
                continue
            if not (hasattr(step, "fit") and hasattr(step, "transform")):
                raise TypeError(
                    f"Step {name!r} ({type(step).__name__}) is not a transformer: every "
                    "step but the last needs fit and transform (or 'passthrough').")
            routed = step_params[name]
            if hasattr(step, "fit_transform"):
                rows = step.fit_transform(rows, None, **routed.fit_transform)
            else:
                rows = step.fit(rows, None, **routed.fit).transform(rows,
                                                                    **routed.transform)
        n_rows = rows.shape[0]
        return (_safe_indexing(rows, np.arange(n_source)),
                _safe_indexing(rows, np.arange(n_source, n_rows)))

    def _step_params(self, params, method):
        """Each step's parameters as a Bunch of method -> dict, from routing
        (when enabled) or from ``step__param`` keys."""
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
            for per_method in routed[name].values():
                per_method[param] = value
        return routed


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
    from sklearn.pipeline import make_pipeline

    plain = make_pipeline(*steps)
    return DomainPipeline(plain.steps, memory=memory, transform_input=transform_input,
                          verbose=verbose)
