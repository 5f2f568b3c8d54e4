"""``DANNRegressor``: domain-adversarial training for a real-valued target.

The same network, net, schedules and training as
:class:`~sk_dann.DANNClassifier`; the label head has one output trained with
the (weighted) squared error. In packed data, unlabeled target rows carry
``y = NaN`` (a real value such as ``-1`` can be a target).
"""
import warnings

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from ._docstrings import with_shared_docs
from .base import BaseDANN
from .net import DANNRegressionLoss

__all__ = ["DANNRegressor"]


@with_shared_docs
class DANNRegressor(RegressorMixin, BaseDANN):
    """Domain-adversarial neural network regressor.

    DANN (Ganin et al., JMLR 2016) for a real-valued target: features that
    predict ``y`` on the labeled source domain (squared error) and that a
    domain classifier, trained against them through a gradient reversal
    layer, cannot tell apart between source and target. The network learns
    ``y`` standardised with the labeled rows' mean and standard deviation
    (``y_mean_``, ``y_scale_``), so the default learning rate suits any scale
    of ``y``; ``predict`` returns values on the original scale.

    In packed data, unlabeled target rows carry ``y = NaN``; ``X_target=``
    and ``sample_domain=`` work as for :class:`~sk_dann.DANNClassifier`.

    Parameters
    ----------
    {shared_parameters}

    Attributes
    ----------
    y_mean_, y_scale_ : float
        The standardisation of ``y`` learned at the first fit.
    {shared_attributes}

    Examples
    --------
    >>> import numpy as np
    >>> from sk_dann import DANNRegressor
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(200, 3)); ys = Xs @ [1.0, -2.0, 0.5]
    >>> Xt = rng.normal(size=(200, 3)) + 1.0
    >>> reg = DANNRegressor(max_epochs=20, random_state=0).fit(Xs, ys, X_target=Xt)
    >>> reg.predict(Xt).shape
    (200,)
    """

    _MARKER = "y = NaN"
    _criterion = DANNRegressionLoss

    def partial_fit(self, X, y, X_target=None, sample_domain=None, sample_weight=None):
        """Train one more epoch on ``(X, y)`` without resetting the network.

        The schedules advance exactly as in ``fit`` (``max_epochs`` calls
        follow one fit's ramp and annealing); later calls stay at their end
        values, and the first of them warns.

        Parameters
        ----------
        X, y, X_target, sample_domain, sample_weight
            As in :meth:`fit`.

        Returns
        -------
        self
        """
        return self._fit(X, y, X_target, sample_domain, sample_weight, epochs=1)

    # -- what a label is -------------------------------------------------------
    def _check_y(self, y, n_rows):
        y = super()._check_y(y, n_rows)
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"DANNRegressor needs numeric y; got dtype {y.dtype}. For "
                             "classes, use DANNClassifier.") from None
        if np.isinf(y).any():
            raise ValueError("y contains infinity; NaN is the only non-finite value "
                             "allowed (it marks unlabeled target rows in packed data).")
        return y

    def _encode_labels(self, y_labeled, reset, classes, n_marked, packed):
        if np.isnan(y_labeled).any():
            raise ValueError(f"y is NaN in {int(np.isnan(y_labeled).sum())} source rows; "
                             "every labeled source row needs a value (NaN marks unlabeled "
                             "target rows in packed data).")
        if reset and packed and n_marked == 0 and (y_labeled == -1).any():
            warnings.warn(
                "y has values -1 and no NaN rows: for DANNRegressor -1 is a value, not "
                "the unlabeled marker. Pack regression targets with "
                "pack_domains(X_source, y_source, X_target, unlabeled=np.nan).",
                UserWarning, stacklevel=6)
        if reset:
            # The network learns standardised targets, so that the default
            # learning rate suits any scale of y; predict scales back.
            self.y_mean_ = float(np.mean(y_labeled))
            scale = float(np.std(y_labeled))
            self.y_scale_ = scale if scale > 0 else 1.0
        return (y_labeled - self.y_mean_) / self.y_scale_

    def _n_outputs(self):
        return 1

    # -- inference ---------------------------------------------------------------
    def predict(self, X):
        """Predicted value of each row of ``X``.

        Parameters
        ----------
        X : array-like or image array
            Rows to predict, of any domain.

        Returns
        -------
        ndarray of float64, shape (n_samples,)
        """
        scaled = self._head_output(X, "label_logits").reshape(-1).astype(np.float64)
        return scaled * self.y_scale_ + self.y_mean_

    def score(self, X, y, sample_weight=None):
        """R^2 on the labeled rows of ``(X, y)``; rows with ``y = NaN`` are skipped.

        On packed data this is R^2 on held-out labeled (source) rows, what
        ``GridSearchCV``'s default scoring then maximises.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or image array
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        float
        """
        check_is_fitted(self)
        y = np.asarray(y, dtype=np.float64)
        return self._score_labeled(X, y, ~np.isnan(y), r2_score, sample_weight)
