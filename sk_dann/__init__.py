"""sk_dann: domain-adversarial neural networks, the scikit-learn way."""
from .callbacks import DivergenceError
from .domains import pack_domains
from .estimator import DANNClassifier, NoTargetDataWarning
from .reversal import GradientReversal, reverse_gradient

__version__ = "0.1.0"

__all__ = [
    "DANNClassifier",
    "DivergenceError",
    "GradientReversal",
    "NoTargetDataWarning",
    "pack_domains",
    "reverse_gradient",
]
