"""Dask arrays, recognised without importing dask.

``CNNFeatures.transform`` maps over the row blocks of a Dask array of images
(:func:`map_row_blocks`), so a cluster extracts features in parallel. The
DANN estimators train and predict on in-memory arrays and refuse Dask
arrays with a message saying what to do (:func:`refuse_dask_array`), rather
than letting numpy compute the whole array silently.
"""
import numpy as np

__all__ = ["is_dask_array", "map_row_blocks", "refuse_dask_array"]


def is_dask_array(X):
    """Whether ``X`` is a ``dask.array.Array`` (dask stays unimported if not)."""
    cls = type(X)
    return cls.__name__ == "Array" and cls.__module__.split(".")[0] == "dask"


def refuse_dask_array(X, name, advice):
    """Raise a ``TypeError`` naming ``name`` when it is a Dask array."""
    if is_dask_array(X):
        raise TypeError(f"{name} is a Dask array, which is not supported here. {advice}")


def map_row_blocks(X, function, n_outputs, row_multiple=1):
    """``function`` (numpy rows -> ``(rows, n_outputs)`` float32) over the row
    blocks of the Dask array ``X``, lazily; the result is a 2-D Dask array.

    Each row block is one task: the other axes are first made one chunk, so
    that ``function`` always sees whole rows (whole images). With
    ``row_multiple`` (a batch size), row blocks are made a multiple of it,
    the nearest to ``X``'s first block: every block then splits into the same
    batches as the whole array would, and the result equals numpy's exactly.
    """
    if any(np.isnan(size) for size in X.chunks[0]):
        raise ValueError(
            "The Dask array's row blocks have unknown sizes (after boolean indexing, "
            "for instance). Call X.compute_chunk_sizes() first, then transform it.")
    rows = X.chunks[0][0] if X.chunks[0] else 1
    rows = max(row_multiple, int(round(rows / row_multiple)) * row_multiple)
    whole_rows = X.rechunk({0: rows, **{axis: -1 for axis in range(1, X.ndim)}})
    return whole_rows.map_blocks(
        function, dtype=np.float32, chunks=(whole_rows.chunks[0], (n_outputs,)),
        drop_axis=list(range(2, X.ndim)) if X.ndim > 2 else [],
        meta=np.empty((0, 0), dtype=np.float32))
