"""The parameter rule table, in scikit-learn's declarative style.

Each estimator states ``_parameter_constraints`` (a dict: parameter name ->
list of accepted constraints, see ``sklearn.utils._param_validation``) and
validates them once at the start of ``fit`` with ``self._validate_params()``.
Entries used by more than one estimator live here, so ``DANNClassifier`` and
``CNNFeatures`` agree on what a batch size, a device or a precision is.
"""
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from .runtime import PRECISIONS

__all__ = ["NUMBER_AT_LEAST_ZERO", "POSITIVE_INT", "SHARED_CONSTRAINTS", "StrictInterval"]


class StrictInterval(Interval):
    """An :class:`~sklearn.utils._param_validation.Interval` that refuses
    booleans (``True`` is an ``Integral`` to Python, never a batch size)."""

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


POSITIVE_INT = StrictInterval(Integral, 1, None, closed="left")
NUMBER_AT_LEAST_ZERO = StrictInterval(Real, 0, None, closed="left")

#: Constraints shared by every sk_dann estimator that has the parameter.
SHARED_CONSTRAINTS = {
    "batch_size": [POSITIVE_INT],
    "device": [str, torch.device],  # the value is checked by runtime.resolve_device
    "precision": [StrOptions(set(PRECISIONS))],
    "verbose": ["verbose"],
}
