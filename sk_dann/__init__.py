"""sk_dann: domain-adversarial neural networks, the scikit-learn way."""
from ._version import __version__
from .domains import pack_domains
from .estimator import DANNClassifier
from .exceptions import (
    DivergenceError,
    DivergenceWarning,
    InterruptedFitWarning,
    NoTargetDataWarning,
    PackedLabelsScoringWarning,
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
