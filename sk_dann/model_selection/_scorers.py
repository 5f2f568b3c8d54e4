"""Scorers that rank domain-adaptation models, with or without target labels.

Each scorer is a callable ``scorer(estimator, X, y, sample_domain=None)``
returning a float where greater is better, so it plugs into ``GridSearchCV``,
``cross_validate`` and ``cross_val_score`` as ``scoring=``. ``X, y`` is a
packed validation fold: target rows carry ``y == -1`` (``y = NaN`` for a
regressor). With scikit-learn's
metadata routing enabled, every scorer requests ``sample_domain``, which
then tells target rows apart explicitly (needed only for labeled target rows).

The estimator may be a ``DANNClassifier`` or a ``Pipeline`` ending in one:
scorers use only ``predict``, ``predict_proba``, ``transform`` and ``clone``.
"""
import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, get_scorer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.metadata_routing import MetadataRequest

from ..domains import pack_domains, packed_unlabeled_mask, target_mask, unlabeled_mask

__all__ = [
    "DeepEmbeddedValidationScorer",
    "DomainScorer",
    "PredictionEntropyScorer",
    "ReverseValidationScorer",
    "SoftNeighborhoodDensityScorer",
    "SourceScorer",
    "TargetAccuracyScorer",
    "unsupervised_scorers",
]


class DomainScorer:
    """Base class: splits a packed fold into labeled source and target rows."""

    #: Whether the score needs labeled source rows in the fold.
    needs_source_labels = False
    #: Whether the score needs target rows in the fold.
    needs_target_rows = True

    def __call__(self, estimator, X, y, sample_domain=None):
        y = np.asarray(y)
        unlabeled = packed_unlabeled_mask(y, estimator)
        is_target = unlabeled if sample_domain is None else target_mask(y, sample_domain)
        if self.needs_target_rows and not is_target.any():
            raise ValueError(
                f"{type(self).__name__} needs target rows in every validation fold, "
                "but this one has none (no y == -1 and no negative sample_domain). "
                "Use cv=DomainStratifiedKFold() to keep both domains in each fold.")
        source = ~is_target & ~unlabeled
        if self.needs_source_labels and not source.any():
            raise ValueError(
                f"{type(self).__name__} needs labeled source rows in every "
                "validation fold. Use cv=DomainStratifiedKFold().")
        return float(self._score(estimator, X, y, source, is_target))

    def _score(self, estimator, X, y, source, target):
        raise NotImplementedError

    def get_metadata_routing(self):
        """Request ``sample_domain`` at scoring time (used when routing is on)."""
        request = MetadataRequest(owner=type(self).__name__)
        request.score.add_request(param="sample_domain", alias=True)
        return request

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"


class SourceScorer(DomainScorer):
    """Any scikit-learn metric, computed on the labeled source rows of a packed fold.

    scikit-learn's own scorers (``scoring="accuracy"``, ``"f1_macro"``, ...)
    compare predictions with every ``y`` of the fold, so on packed data each
    unlabeled target row (``y == -1``) counts as an error. This scorer drops
    the target rows first::

        cross_val_score(pipeline, X, y, scoring=SourceScorer("balanced_accuracy"))

    Parameters
    ----------
    scoring : str or callable, default="accuracy"
        A scikit-learn scoring name or a scorer ``scorer(estimator, X, y)``.

    Notes
    -----
    Source scores measure how well the model fits the source domain, which
    is only a proxy for the target (a model that ignores the domain shift
    scores well). To rank adaptation strength, use a label-free scorer.
    """

    needs_source_labels = True
    needs_target_rows = False

    def __init__(self, scoring="accuracy"):
        self.scoring = scoring

    def _score(self, estimator, X, y, source, target):
        y_source = y[source]
        if y_source.dtype == object and len(y_source):
            y_source = np.asarray(y_source.tolist())  # packing made str labels objects
        return get_scorer(self.scoring)(estimator, _safe_indexing(X, source), y_source)


class TargetAccuracyScorer(DomainScorer):
    """Accuracy on labeled target rows, for users who hold a few of them.

    Target rows are those with a negative ``sample_domain``, which reaches
    the scorer through metadata routing::

        with sklearn.config_context(enable_metadata_routing=True):
            clf = DANNClassifier().set_fit_request(sample_domain=True)
            GridSearchCV(clf, grid, scoring=TargetAccuracyScorer(),
                         cv=DomainStratifiedKFold()).fit(X, y, sample_domain=sd)
    """

    def _score(self, estimator, X, y, source, target):
        labeled_target = target & ~unlabeled_mask(y)
        if not labeled_target.any():
            raise ValueError(
                "TargetAccuracyScorer needs labeled target rows: pass sample_domain "
                "(negative for target rows) with metadata routing enabled, and keep "
                "the target labels in y. Without target labels, use an unsupervised "
                "scorer such as ReverseValidationScorer.")
        return accuracy_score(y[labeled_target],
                              estimator.predict(_safe_indexing(X, labeled_target)))


class PredictionEntropyScorer(DomainScorer):
    """Negative mean entropy of the predicted class probabilities on target rows.

    Confident target predictions score higher (Morerio, Cavazza & Murino,
    "Minimal-entropy correlation alignment", ICLR 2018). Cheap, but a model
    can be confidently wrong: it favours over-confident networks.
    """

    def _score(self, estimator, X, y, source, target):
        proba = np.clip(estimator.predict_proba(_safe_indexing(X, target)), 1e-12, 1.0)
        return np.mean(np.sum(proba * np.log(proba), axis=1))


class SoftNeighborhoodDensityScorer(DomainScorer):
    """Soft neighborhood density of target predictions (Saito et al., ICCV 2021).

    Rows are L2-normalised class-probability vectors (``representation=
    "proba"``, the paper's choice) or learned features (``"features"``).
    Each row's similarities to the other target rows, divided by
    ``temperature``, go through a softmax; the score is the mean entropy of
    those distributions. Dense, well-clustered target neighbourhoods score
    higher.

    Parameters
    ----------
    temperature : float, default=0.05
    representation : {"proba", "features"}, default="proba"
    max_rows : int, default=2000
        The similarity matrix is quadratic: larger folds are subsampled.
    random_state : int, default=0
    """

    def __init__(self, *, temperature=0.05, representation="proba", max_rows=2000,
                 random_state=0):
        if representation not in ("proba", "features"):
            raise ValueError(f"representation must be 'proba' or 'features'; "
                             f"got {representation!r}.")
        self.temperature = temperature
        self.representation = representation
        self.max_rows = max_rows
        self.random_state = random_state

    def _score(self, estimator, X, y, source, target):
        if not self.temperature > 0:
            raise ValueError(f"temperature must be > 0; got {self.temperature!r}.")
        if self.max_rows < 2:
            raise ValueError(f"max_rows must be at least 2; got {self.max_rows!r}.")
        rows = np.flatnonzero(target)
        if len(rows) < 2:
            raise ValueError("SoftNeighborhoodDensityScorer needs at least 2 target rows.")
        if len(rows) > self.max_rows:
            rows = np.sort(check_random_state(self.random_state).choice(
                rows, self.max_rows, replace=False))
        X_target = _safe_indexing(X, rows)
        Z = (estimator.predict_proba(X_target) if self.representation == "proba"
             else estimator.transform(X_target)).astype(np.float64)
        Z /= np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)
        logits = Z @ Z.T / self.temperature
        np.fill_diagonal(logits, -np.inf)
        logits -= logits.max(axis=1, keepdims=True)
        P = np.exp(logits)
        P /= P.sum(axis=1, keepdims=True)
        return np.mean(-np.sum(P * np.log(np.clip(P, 1e-300, None)), axis=1))


class DeepEmbeddedValidationScorer(DomainScorer):
    """Deep embedded validation (You, Wang, Chen, Long & Jordan, ICML 2019).

    The class loss on labeled source rows, importance-weighted by the
    density ratio ``p_target(z) / p_source(z)`` of the learned features
    ``z = transform(x)``, estimates the target loss. The ratio comes from a
    domain classifier's out-of-fold probabilities; a control variate (the
    weights' mean is 1 in expectation) reduces the estimate's variance. The
    score is minus that risk.

    Parameters
    ----------
    domain_classifier : classifier with predict_proba, default=None
        Default: logistic regression (C=0.1) on standardised features.
    n_splits : int, default=5
        Folds for the out-of-fold domain probabilities (so ``n_splits``
        domain-classifier fits per scored fold).
    random_state : int, default=0
    """

    needs_source_labels = True

    def __init__(self, *, domain_classifier=None, n_splits=5, random_state=0):
        self.domain_classifier = domain_classifier
        self.n_splits = n_splits
        self.random_state = random_state

    def _score(self, estimator, X, y, source, target):
        rows = source | target
        Z = estimator.transform(_safe_indexing(X, rows)).astype(np.float64)
        is_target = target[rows].astype(int)
        classifier = self.domain_classifier
        if classifier is None:
            # Strongly regularised: the fold is small and the features wide,
            # and an overfitted domain classifier makes extreme weights.
            classifier = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=1000))
        n_splits = min(self.n_splits, np.bincount(is_target).min())
        if n_splits < 2:
            raise ValueError("DeepEmbeddedValidationScorer needs at least 2 source "
                             "and 2 target rows in each validation fold.")
        folds = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
        p_target = cross_val_predict(clone(classifier), Z, is_target, cv=folds,
                                     method="predict_proba")[:, 1]
        # Clipping bounds each weight to 99x the class ratio: a few rows with
        # near-certain domain probabilities must not carry the whole estimate.
        p_target = np.clip(p_target[is_target == 0], 0.01, 0.99)
        n_source, n_target = np.bincount(is_target)
        weight = p_target / (1 - p_target) * (n_source / n_target)

        proba = estimator.predict_proba(_safe_indexing(X, source))
        loss = -np.log(np.clip(_proba_of_true_class(estimator.classes_, proba, y[source]),
                               1e-12, None))

        weighted = weight * loss
        variance = np.var(weight, ddof=1) if len(weight) > 1 else 0.0
        eta = -np.cov(weighted, weight)[0, 1] / variance if variance > 0 else 0.0
        risk = weighted.mean() + eta * weight.mean() - eta
        return -risk


class ReverseValidationScorer(DomainScorer):
    """Reverse validation (Zhong et al., ECML 2010; used for unsupervised
    hyperparameter selection by Ganin et al., JMLR 2016).

    The fitted model pseudo-labels the fold's target rows. A reverse model,
    a clone with the same hyperparameters, is then trained the other way:
    pseudo-labeled target rows as its labeled source, the fold's source rows
    (labels hidden) as its unlabeled target. The score is the reverse model's
    accuracy on those source rows' true labels. A model whose target labels
    are wrong cannot teach the way back.

    Differences from the paper, which holds out 10% of the source for
    scoring and trains the reverse model on the training split: a scikit-learn
    scorer sees only the validation fold, so the reverse model trains on the
    fold (smaller, hence fewer steps per epoch at the same ``max_epochs``) and
    is scored transductively on the source rows it saw without labels.

    Costs one extra fit per scored model. Cannot rank ``lambda_max=0`` fairly:
    a source-only reverse model learns back the boundary that made its own
    pseudo-labels (see docs/model_selection.md).
    """

    needs_source_labels = True

    def _score(self, estimator, X, y, source, target):
        X_target, X_source = _safe_indexing(X, target), _safe_indexing(X, source)
        pseudo = estimator.predict(X_target)
        if len(np.unique(pseudo)) < 2:
            # A reverse classifier trained on one class could only predict it.
            return np.mean(y[source] == pseudo[0])
        X_reverse, y_reverse = pack_domains(X_target, pseudo, X_source)
        reverse = clone(estimator).fit(X_reverse, y_reverse)
        return accuracy_score(y[source], reverse.predict(X_source))


def unsupervised_scorers():
    """The scorers that need no target labels, by name, for multi-metric search.

    ``GridSearchCV(..., scoring=unsupervised_scorers(), refit=False)`` scores
    every candidate with all of them in one search.
    """
    return {
        "reverse_validation": ReverseValidationScorer(),
        "deep_embedded_validation": DeepEmbeddedValidationScorer(),
        "neg_prediction_entropy": PredictionEntropyScorer(),
        "soft_neighborhood_density": SoftNeighborhoodDensityScorer(),
    }


def _proba_of_true_class(classes, proba, y_true):
    """Each row's predicted probability of its true class (0 for an unseen class)."""
    column = {c: i for i, c in enumerate(classes.tolist())}
    index = np.array([column.get(v, -1) for v in np.asarray(y_true).tolist()])
    picked = proba[np.arange(len(index)), np.maximum(index, 0)]
    return np.where(index >= 0, picked, 0.0)
