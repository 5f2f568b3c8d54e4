"""Who is calling the estimator: two traps only the call stack can reveal.

scikit-learn hands an estimator its data but not the context, and it has no
public hook for either of these mistakes with domain-adaptation data:

* a plain ``Pipeline`` routing ``X_target`` straight to its last step, past
  the transformers (the scaler never sees, nor transforms, the target rows).
  The way that works is :class:`~sk_dann.DomainPipeline`
  (``make_da_pipeline``), which is never refused, nor is any other Pipeline
  subclass: only the exact ``sklearn.pipeline.Pipeline`` class is;
* a scikit-learn scorer (``scoring="accuracy"``) comparing predictions with
  packed ``y``, where every ``-1`` target row counts as an error. A scorer
  calls ``predict`` with ``X`` only; ``y`` is visible in its frame alone.

This module is the one place in sk_dann that reads call frames (``_frames``;
a few dozen at most, only on ``fit`` with ``X_target`` and on prediction).
The scorer check relies on scikit-learn's scorer computing in a function
``_score`` of ``sklearn.metrics._scorer`` with a local ``y_true``: it is
tested against the newest scikit-learn (``make test``) and the oldest that
``pyproject.toml`` allows (``make test-sklearn-floor``, also run by CI), so
a change there fails a test instead of silently dropping the warning.
"""
import sys
import warnings

import numpy as np

from .domains import UNLABELED, unlabeled_mask
from .exceptions import PackedLabelsScoringWarning

__all__ = [
    "refuse_pipeline_bypass",
    "warn_if_scored_on_packed_labels",
]

_MAX_DEPTH = 40


def _frames():
    frame = sys._getframe(2)
    for _ in range(_MAX_DEPTH):
        if frame is None:
            return
        yield frame
        frame = frame.f_back


def refuse_pipeline_bypass(estimator):
    """Raise if ``estimator`` is being fitted with ``X_target`` as the last step
    of a plain ``sklearn.pipeline.Pipeline`` whose earlier steps transform ``X``.

    Only the exact ``Pipeline`` class is refused: its subclasses, such as
    :class:`~sk_dann.DomainPipeline`, may transform ``X_target`` themselves.
    """
    from sklearn.pipeline import Pipeline

    for frame in _frames():
        pipeline = frame.f_locals.get("self")
        if not (isinstance(pipeline, Pipeline) and frame.f_code.co_name.startswith("fit")
                and pipeline.steps[-1][1] is estimator):
            continue
        transformers = [name for name, step in pipeline.steps[:-1]
                        if step is not None and step != "passthrough"]
        if type(pipeline) is Pipeline and transformers:
            raise ValueError(
                f"X_target reached {type(estimator).__name__} inside a Pipeline without "
                f"passing through its steps {transformers}: the network would train on "
                "target rows that were never transformed (nor seen by the transformers' "
                "fit). Use sk_dann.make_da_pipeline(...) (or DomainPipeline) instead of "
                "make_pipeline: its fit(X_source, y_source, X_target=X_target) fits the "
                "steps on both domains. Or pack the target rows into X: X, y = "
                "sk_dann.pack_domains(X_source, y_source, X_target); pipeline.fit(X, y).")
        return


def warn_if_scored_on_packed_labels(estimator):
    """Warn when a scikit-learn scorer is about to compare ``estimator``'s
    predictions with a ``y`` holding ``-1`` unlabeled markers."""
    for frame in _frames():
        if not (frame.f_code.co_name == "_score"
                and frame.f_globals.get("__name__") == "sklearn.metrics._scorer"):
            continue
        y_true = frame.f_locals.get("y_true")
        if y_true is None or UNLABELED in getattr(estimator, "classes_", np.empty(0)).tolist():
            return
        n_marked = int(unlabeled_mask(np.asarray(y_true)).sum())
        if n_marked:
            warnings.warn(
                f"A scikit-learn scorer is comparing predictions with y that has "
                f"{n_marked} rows equal to -1 (unlabeled target rows in packed data): "
                "each counts as a wrong prediction. Use scoring=None (the estimator's "
                "score, which skips them), sk_dann.model_selection.SourceScorer("
                "'accuracy') for any metric on labeled source rows, or a label-free "
                "scorer from sk_dann.model_selection.",
                PackedLabelsScoringWarning, stacklevel=2)
        return
