"""The packed-data convention: source and target rows in one ``(X, y)``.

scikit-learn's semi-supervised convention marks unlabeled rows with
``y == -1``. Packed this way, target rows travel through a ``Pipeline`` (so
its transformers are fitted on them too) and through cross-validation
splitters, which a separate ``X_target`` argument cannot do.

``sample_domain`` (optional) follows skada's convention: positive integers
for source domains, negative integers for target domains. It lets labeled
target rows (semi-supervised) and several source domains be told apart.
"""
import collections
import hashlib
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_regressor

__all__ = [
    "UNLABELED",
    "align_columns",
    "append_unlabeled",
    "pack_domains",
    "stack_rows",
    "packed_unlabeled_mask",
    "target_mask",
    "unlabeled_mask",
]

UNLABELED = -1


def pack_domains(X_source, y_source, X_target, unlabeled=UNLABELED):
    """Stack source and target rows; target rows get ``y == unlabeled``.

    Returns ``(X, y)`` ready for ``DANNClassifier().fit(X, y)`` or a Pipeline.
    ``unlabeled`` is the marker: ``-1`` (scikit-learn's semi-supervised
    convention, for ``DANNClassifier``) or ``np.nan`` (for ``DANNRegressor``,
    whose targets may be -1).
    Works with numpy arrays, pandas objects (a DataFrame stays a DataFrame;
    the target's columns are matched to the source's by name) and scipy
    sparse matrices (the result is CSR).

    ``y_source`` may not contain ``-1``: packed, it would read as "unlabeled".
    With labels in the ``{-1, +1}`` convention, fit with
    ``X_target=...`` instead (there ``-1`` is an ordinary class), or recode
    the labels first.
    """
    y_source = np.asarray(y_source)
    if not (unlabeled == UNLABELED or (isinstance(unlabeled, float) and np.isnan(unlabeled))):
        raise ValueError(f"unlabeled must be -1 (classes) or np.nan (regression targets); "
                         f"got {unlabeled!r}.")
    if unlabeled != UNLABELED:  # NaN: regression targets
        if np.isnan(y_source.astype(np.float64)).any():
            raise ValueError("y_source holds NaN, the marker of unlabeled target rows; "
                             "every source row needs a value.")
    elif unlabeled_mask(y_source).any():
        raise ValueError(
            f"y_source holds {int(unlabeled_mask(y_source).sum())} labels equal to "
            f"{UNLABELED}, the marker pack_domains gives unlabeled target rows, so "
            "they would be read as target rows. If -1 is one of your classes (the "
            "{-1, +1} convention), pass the target separately, "
            "DANNClassifier().fit(X_source, y_source, X_target=X_target), where -1 "
            "is an ordinary class, or recode the labels first, e.g. "
            "y_source = np.where(y_source == -1, 0, y_source). For regression "
            "targets, pack with unlabeled=np.nan.")
    return (stack_rows(X_source, X_target),
            append_unlabeled(y_source, X_target.shape[0], unlabeled))


def stack_rows(X_source, X_target):
    """Source rows followed by target rows, in the source's container type.

    DataFrames are matched by column name: the target's columns are put in
    the source's order when they are the same names, and a clear error is
    raised when they are not (never a frame padded with NaN).
    """
    if hasattr(X_source, "iloc") and hasattr(X_target, "iloc"):
        import pandas as pd

        X_target = align_columns(X_target, X_source.columns, "X_target", "X_source")
        return pd.concat([X_source, X_target], ignore_index=True)
    if sp.issparse(X_source) or sp.issparse(X_target):
        return sp.vstack([X_source, X_target], format="csr")
    return np.concatenate([np.asarray(X_source), np.asarray(X_target)])


def align_columns(frame, names, what, reference):
    """``frame``'s columns in the order ``names``; raise if the names differ.

    ``what`` and ``reference`` name the two inputs in the error message.
    """
    names = [str(c) for c in names]
    columns = [str(c) for c in frame.columns]
    if columns == names:
        return frame
    missing = [c for c in names if c not in columns]
    extra = [c for c in columns if c not in names]
    if missing or extra or len(columns) != len(names):
        raise ValueError(
            f"{what}'s columns do not match {reference}'s: "
            + (f"missing {missing[:10]}" if missing else "")
            + ("; " if missing and extra else "")
            + (f"unexpected {extra[:10]}" if extra else "")
            + (". " if missing or extra else f"duplicate names in {columns[:10]}. ")
            + f"Give {what} the same feature columns as {reference} "
            "(they are matched by name).")
    return frame.iloc[:, [columns.index(c) for c in names]]


def check_unique_columns(X, name):
    """Refuse a DataFrame ``X`` whose column names repeat: columns are told
    apart (and ``X_target``'s matched to ``X``'s) by name, so a repeated name
    cannot say which column is which."""
    columns = getattr(X, "columns", None)
    if columns is None:
        return
    counts = collections.Counter(columns)
    repeated = {column: count for column, count in counts.items() if count > 1}
    if repeated:
        listed = ", ".join(f"{column!r} ({count} times)"
                           for column, count in list(repeated.items())[:10])
        raise ValueError(
            f"{name} has repeated column names: {listed}. Each column needs a name "
            f"of its own, as columns are told apart by name: rename them (e.g. "
            f"{name}.columns = [...]), or pass {name}.to_numpy() to use the columns "
            "by position.")


def warn_columns_matched_by_position(has, lacks, stacklevel):
    """Warn that ``has`` (which has column names) and ``lacks`` (which has
    none) are matched by position; ``stacklevel`` counts from the caller."""
    warnings.warn(
        f"{has} has feature names but {lacks} does not, so their columns are "
        "matched by position. Give both the same column names (DataFrames), "
        "or neither.", UserWarning, stacklevel=stacklevel + 1)


def row_digests(X, chunk_size=4096):
    """A digest of each row of ``X`` (array, images, or sparse matrix),
    equal for rows with equal values whether they are stored dense or
    sparse: each is digested from its non-zero positions and values, so a
    wide sparse matrix is never made dense."""
    def digest(positions, values):
        return hashlib.blake2b(positions.astype(np.int64).tobytes() + b"|"
                               + values.tobytes(), digest_size=16).digest()

    if sp.issparse(X):
        X = sp.csr_matrix(X, copy=True)
        X.sum_duplicates()
        X.eliminate_zeros()
        X.sort_indices()
        for start, end in zip(X.indptr[:-1], X.indptr[1:]):
            yield digest(X.indices[start:end], X.data[start:end])
        return
    for start in range(0, X.shape[0], chunk_size):
        chunk = np.asarray(X[start:start + chunk_size])
        for row in chunk.reshape(len(chunk), -1):
            positions = np.flatnonzero(row)
            yield digest(positions, row[positions])


def count_rows_in(rows, digests):
    """How many of ``rows`` are rows whose digest is among ``digests`` (a set
    of :func:`row_digests` of the same dtype)."""
    return sum(digest in digests for digest in row_digests(rows))


def append_unlabeled(y, n_rows, unlabeled=UNLABELED):
    """``y`` followed by ``n_rows`` ``unlabeled`` markers (-1, or NaN for
    regression targets), in a dtype that holds the marker."""
    y = np.asarray(y)
    if unlabeled != UNLABELED:  # NaN
        y = y.astype(np.float64)
    elif y.dtype.kind == "u":
        y = y.astype(np.int64)
    elif y.dtype.kind not in "if":
        y = y.astype(object)
    return np.concatenate([y, np.full(n_rows, unlabeled, dtype=y.dtype)])


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


def packed_unlabeled_mask(y, estimator):
    """Boolean mask of the rows of packed ``y`` that mark unlabeled target
    rows for ``estimator``: ``NaN`` for a regressor (scikit-learn's
    :func:`~sklearn.base.is_regressor`, which sees through a Pipeline or a
    search to the estimator inside), the integer ``-1`` for anything else,
    including duck-typed models without scikit-learn's tags. The convention
    of :func:`pack_domains` and of the estimators' packed ``fit``."""
    if not (hasattr(estimator, "__sklearn_tags__") and is_regressor(estimator)):
        return unlabeled_mask(y)
    y = np.asarray(y)
    if y.dtype.kind == "f":
        return np.isnan(y)
    if y.dtype.kind == "O":
        return np.fromiter((isinstance(v, numbers.Real) and v != v for v in y),
                           dtype=bool, count=len(y))
    return np.zeros(len(y), dtype=bool)  # integers, strings: no NaN


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
