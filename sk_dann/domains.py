"""The packed-data convention: source and target rows in one ``(X, y)``.

scikit-learn's semi-supervised convention marks unlabeled rows with
``y == -1``. Packed this way, target rows travel through a ``Pipeline`` (so
its transformers are fitted on them too) and through cross-validation
splitters, which a separate ``X_target`` argument cannot do.

``sample_domain`` (optional) follows skada's convention: positive integers
for source domains, negative integers for target domains. It lets labeled
target rows (semi-supervised) and several source domains be told apart.
"""
import numbers

import numpy as np
import scipy.sparse as sp

UNLABELED = -1


def pack_domains(X_source, y_source, X_target):
    """Stack source and target rows; target rows get ``y == -1``.

    Returns ``(X, y)`` ready for ``DANNClassifier().fit(X, y)`` or a Pipeline.
    Works with numpy arrays, pandas objects (a DataFrame stays a DataFrame)
    and scipy sparse matrices (the result is CSR).
    """
    if hasattr(X_source, "iloc") and hasattr(X_target, "iloc"):
        import pandas as pd

        X = pd.concat([X_source, X_target], ignore_index=True)
    elif sp.issparse(X_source) or sp.issparse(X_target):
        X = sp.vstack([X_source, X_target], format="csr")
    else:
        X = np.concatenate([np.asarray(X_source), np.asarray(X_target)])
    return X, append_unlabeled(y_source, X_target.shape[0])


def append_unlabeled(y, n_rows):
    """``y`` followed by ``n_rows`` unlabeled markers, in a dtype that holds -1."""
    y = np.asarray(y)
    if y.dtype.kind == "u":
        y = y.astype(np.int64)
    elif y.dtype.kind not in "if":
        y = y.astype(object)
    return np.concatenate([y, np.full(n_rows, UNLABELED, dtype=y.dtype)])


def unlabeled_mask(y):
    """Boolean mask of rows whose label is the integer ``-1``."""
    y = np.asarray(y)
    if y.dtype.kind in "iuf":
        return y == UNLABELED
    if y.dtype.kind == "O":
        return np.fromiter(
            (isinstance(v, numbers.Integral) and not isinstance(v, bool)
             and v == UNLABELED for v in y), dtype=bool, count=len(y))
    return np.zeros(len(y), dtype=bool)  # strings, booleans: no marker


def target_mask(y, sample_domain=None):
    """Boolean mask of target rows.

    Without ``sample_domain`` the target is the unlabeled rows; with it,
    the rows whose domain is negative.
    """
    if sample_domain is None:
        return unlabeled_mask(y)
    sample_domain = np.asarray(sample_domain)
    if sample_domain.shape != (len(y),):
        raise ValueError(
            f"sample_domain must be 1-D with one entry per row of X "
            f"({len(y)}); got shape {sample_domain.shape}.")
    if sample_domain.dtype.kind not in "iu" or np.any(sample_domain == 0):
        raise ValueError(
            "sample_domain must hold non-zero integers: positive for source "
            "domains, negative for target domains (skada's convention); "
            f"got values {np.unique(sample_domain)[:10]}.")
    return sample_domain < 0
