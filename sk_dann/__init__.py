"""sk_dann: domain-adversarial neural networks, the scikit-learn way.

The estimators and building blocks load on first use (PEP 562), so that
``import sk_dann`` and ``sk-dann --help`` do not pay for torch and skorch
until something needs them.
"""
import importlib

from ._version import __version__
from . import exceptions
from .exceptions import (
    DivergenceError,
    DivergenceWarning,
    InterruptedFitWarning,
    ModelFileError,
    NoTargetDataWarning,
    PackedLabelsScoringWarning,
    SavedVersionWarning,
    SlowPrecisionWarning,
)

#: Public name -> the module that defines it, imported when first used.
_LAZY = {
    "CNNFeatures": ".feature_extraction",
    "DANNClassifier": ".classifier",
    "DANNRegressor": ".regressor",
    "DomainPipeline": ".pipeline",
    "GradientReversal": ".reversal",
    "ImageAugmentation": ".images",
    "load_model": ".persistence",
    "make_da_pipeline": ".pipeline",
    "pack_domains": ".domains",
    "reverse_gradient": ".reversal",
    "save_model": ".persistence",
}

# The exceptions are imported above; everything else is in _LAZY.
__all__ = ["__version__", *sorted([*_LAZY, *exceptions.__all__])]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'sk_dann' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
