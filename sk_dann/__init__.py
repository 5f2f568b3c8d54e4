"""sk_dann: domain-adversarial neural networks, the scikit-learn way."""
from ._version import __version__
from .callbacks import DivergenceError, DivergenceWarning
from .domains import pack_domains
from .estimator import (
    DANNClassifier,
    InterruptedFitWarning,
    NoTargetDataWarning,
    SavedVersionWarning,
)
from .reversal import GradientReversal, reverse_gradient

__all__ = [
    "__version__",
    "DANNClassifier",
    "DivergenceError",
    "DivergenceWarning",
    "GradientReversal",
    "InterruptedFitWarning",
    "NoTargetDataWarning",
    "SavedVersionWarning",
    "pack_domains",
    "reverse_gradient",
]
