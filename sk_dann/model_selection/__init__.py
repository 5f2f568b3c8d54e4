"""Choosing hyperparameters without target labels.

Scorers for ``GridSearchCV(scoring=...)`` / ``cross_val_score`` on packed
data (target rows have ``y == -1``), a splitter that keeps both domains in
every fold, a ``refit=`` rule that keeps the default unless a candidate
clearly beats it, and the proxy A-distance between two feature sets.

All scorers follow scikit-learn's convention: greater is better.
"""
from ._distance import proxy_a_distance
from ._refit import KeepDefaultUnlessBetter
from ._scorers import (
    DeepEmbeddedValidationScorer,
    DomainScorer,
    PredictionEntropyScorer,
    ReverseValidationScorer,
    SoftNeighborhoodDensityScorer,
    SourceScorer,
    TargetAccuracyScorer,
    unsupervised_scorers,
)
from ._split import DomainStratifiedKFold

__all__ = [
    "DeepEmbeddedValidationScorer",
    "DomainScorer",
    "DomainStratifiedKFold",
    "KeepDefaultUnlessBetter",
    "PredictionEntropyScorer",
    "ReverseValidationScorer",
    "SoftNeighborhoodDensityScorer",
    "SourceScorer",
    "TargetAccuracyScorer",
    "proxy_a_distance",
    "unsupervised_scorers",
]
