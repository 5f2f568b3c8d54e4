"""Choosing hyperparameters without target labels.

Scorers for ``GridSearchCV(scoring=...)`` / ``cross_val_score`` on packed
data (target rows have ``y == -1``), a splitter that keeps both domains in
every fold, and the proxy A-distance between two feature sets.

All scorers follow scikit-learn's convention: greater is better.
"""
from ._distance import proxy_a_distance
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
    "PredictionEntropyScorer",
    "ReverseValidationScorer",
    "SoftNeighborhoodDensityScorer",
    "SourceScorer",
    "TargetAccuracyScorer",
    "proxy_a_distance",
    "unsupervised_scorers",
]
