"""A K-fold splitter that keeps source and target rows in every fold."""
import numpy as np
from sklearn.model_selection import BaseCrossValidator, StratifiedKFold

from ..domains import target_mask, unlabeled_mask

__all__ = [
    "DomainStratifiedKFold",
]


class DomainStratifiedKFold(BaseCrossValidator):
    """K-fold over packed data, stratified by domain and by class.

    Every training and validation fold holds source and target rows in the
    proportions of the whole set, and the labeled classes in theirs. A class
    with fewer than ``n_splits`` rows is spread with the rest of its domain.

    Works wherever scikit-learn takes ``cv=``, including ``n_jobs > 1``.

    Parameters
    ----------
    n_splits : int, default=5
    shuffle : bool, default=True
        Shuffle each stratum before splitting (Office-Caltech files, for
        one, are sorted by class).
    random_state : int, RandomState instance or None, default=0
        Seeds the shuffle. An int (the default) gives the same folds on every
        call to ``split`` for the same data: successive-halving searches
        require that, and two searches on the same data then compare their
        candidates on the same folds. ``None`` or a ``RandomState`` instance
        draws new folds on each call, as in scikit-learn's splitters.

    Notes
    -----
    ``split(X, y, groups)``: rows with ``y == -1`` are target rows. ``groups``,
    when given, is ``sample_domain`` (positive source, negative target), so
    labeled target rows and several source domains are stratified too; each
    domain then needs at least ``n_splits`` rows. Pass it as
    ``GridSearchCV(...).fit(X, y, groups=sample_domain)``, and with metadata
    routing on, as ``fit(X, y, sample_domain=sd, groups=sd)``.
    """

    # Under metadata routing, ask for ``groups`` (the sample_domain) by default,
    # as scikit-learn's group splitters do.
    __metadata_request__split = {"groups": True}

    def __init__(self, n_splits=5, *, shuffle=True, random_state=0):
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        """The number of folds, ``n_splits``.

        Parameters
        ----------
        X, y, groups : ignored
            For scikit-learn's splitter interface.

        Returns
        -------
        int
        """
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Train and validation row indices of each fold.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,)
            Labels, ``-1`` on target rows (required).
        groups : array-like of shape (n_samples,), default=None
            ``sample_domain``: positive for source domains, negative for target.

        Yields
        ------
        train, test : ndarray of int
        """
        if y is None:
            raise ValueError(
                "DomainStratifiedKFold needs y (with -1 marking unlabeled target "
                "rows) to keep both domains in every fold.")
        y = np.asarray(y)
        is_target = target_mask(y, None if groups is None else np.asarray(groups))
        domain = (np.where(is_target, -1, 1) if groups is None
                  else np.asarray(groups)).astype(str)
        label = np.where(unlabeled_mask(y), "unlabeled", y.astype(str))
        strata = np.char.add(np.char.add(domain, "|"), label).astype(object)
        domains = [("source", ~is_target), ("target", is_target)]
        if groups is not None:
            domains += [(f"sample_domain={d}", domain == d) for d in np.unique(domain)]
        for name, mask in domains:
            if mask.sum() < self.n_splits:
                raise ValueError(
                    f"The {name} domain has {mask.sum()} rows, fewer than "
                    f"n_splits={self.n_splits}; every fold needs rows of every "
                    f"domain. Lower n_splits or add rows (unlabeled target rows "
                    f"carry the integer label -1).")
        values, inverse, counts = np.unique(strata, return_inverse=True, return_counts=True)
        rare = counts[inverse] < self.n_splits
        strata[rare] = np.char.add(domain[rare], "|rare").astype(object)
        # A domain's rare rows together may still be too few: join the domain's
        # largest stratum, which keeps the domain itself in every fold.
        for d in np.unique(domain[rare]):
            rows = rare & (domain == d)
            if rows.sum() < self.n_splits:
                others, sizes = np.unique(strata[(domain == d) & ~rare], return_counts=True)
                strata[rows] = others[np.argmax(sizes)] if len(others) else strata[rows]
        folds = StratifiedKFold(self.n_splits, shuffle=self.shuffle,
                                random_state=self.random_state if self.shuffle else None)
        yield from folds.split(np.zeros((len(y), 1)), strata)
