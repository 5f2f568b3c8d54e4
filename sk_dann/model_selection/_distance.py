"""Proxy A-distance between two samples (Ben-David et al., 2007/2010)."""
import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_array

__all__ = [
    "proxy_a_distance",
]


def proxy_a_distance(X_source, X_target, *, classifier=None, n_splits=2, random_state=0):
    """``2 (1 - 2 err)``, with ``err`` a domain classifier's held-out error.

    A classifier learns to tell the rows of ``X_source`` from those of
    ``X_target``; ``err`` is its cross-validated error. 0 means the two sets
    cannot be told apart, 2 means they are perfectly separable. Ganin et al.
    (JMLR 2016, "proxy distance") compare it on features before and after
    adaptation: pass ``X`` itself, then ``DANNClassifier().transform(X)``.

    Parameters
    ----------
    X_source, X_target : array-like of shape (n, d)
    classifier : classifier, default=None
        Default: a linear SVM on standardised features, as in the paper.
    n_splits : int, default=2
        Folds of the stratified cross-validation that estimates ``err``.
    random_state : int, default=0

    Returns
    -------
    float in [0, 2]. An error above 0.5 (worse than chance) counts as 0.5.
    """
    X_source = check_array(X_source, input_name="X_source")
    X_target = check_array(X_target, input_name="X_target")
    if X_source.shape[1] != X_target.shape[1]:
        raise ValueError(
            f"X_source has {X_source.shape[1]} features and X_target "
            f"{X_target.shape[1]}; the proxy A-distance compares the same features.")
    if min(len(X_source), len(X_target)) < n_splits:
        raise ValueError(f"Each set needs at least n_splits={n_splits} rows.")
    if classifier is None:
        classifier = make_pipeline(StandardScaler(), LinearSVC(C=1.0, max_iter=10_000))
    X = np.concatenate([X_source, X_target])
    domain = np.r_[np.zeros(len(X_source)), np.ones(len(X_target))]
    folds = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    accuracy = cross_val_score(clone(classifier), X, domain, cv=folds).mean()
    error = min(1.0 - accuracy, 0.5)
    return float(2.0 * (1.0 - 2.0 * error))
