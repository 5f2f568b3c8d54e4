"""sk_dann: domain-adversarial neural networks, the scikit-learn way."""
from ._callers import PackedLabelsScoringWarning
from ._version import __version__
from .callbacks import DivergenceError, DivergenceWarning
from .domains import pack_domains
from .estimator import (
    DANNClassifier,
    InterruptedFitWarning,
    NoTargetDataWarning,
    SavedVersionWarning,
)
from .feature_extraction import CNNFeatures
from .images import ImageAugmentation
from .reversal import GradientReversal, reverse_gradient

__all__ = [
    "__version__",
    "CNNFeatures",
    "DANNClassifier",
    "DivergenceError",
    "DivergenceWarning",
    "GradientReversal",
    "ImageAugmentation",
    "InterruptedFitWarning",
    "NoTargetDataWarning",
    "PackedLabelsScoringWarning",
    "SavedVersionWarning",
    "pack_domains",
    "reverse_gradient",
]
