"""sk_dann: domain-adversarial neural networks, the scikit-learn way."""
from ._version import __version__
from .callbacks import DivergenceError, DivergenceWarning
from .domains import pack_domains
from .estimator import DANNClassifier, NoTargetDataWarning
from .reversal import GradientReversal, reverse_gradient

__all__ = [
    "__version__",
    "DANNClassifier",
    "DivergenceError",
    "DivergenceWarning",
    "GradientReversal",
    "NoTargetDataWarning",
    "pack_domains",
    "reverse_gradient",
]
