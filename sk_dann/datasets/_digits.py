"""Digit-image tasks read from a data directory: MNIST -> MNIST-M, MNIST <-> USPS.

The files are the ones ``../shared/data`` holds (``mnist_mnistm/`` and
``mnist_usps_jda/``, one ``.npz`` per domain with ``X`` and ``y``); they are
not shipped with sk_dann, and nothing is downloaded.
"""
import numpy as np
import torch
from sklearn.utils import Bunch

from ._data_home import data_file, read_array

__all__ = [
    "load_mnist_mnistm",
    "load_mnist_usps",
]

MNIST_MNISTM = "mnist_mnistm"
MNIST_USPS = "mnist_usps_jda"


def _load_npz(folder, filename, data_home, what):
    path = data_file(folder, filename, data_home, what=what)
    with np.load(path, allow_pickle=False) as archive:
        return read_array(archive, "X", path), read_array(archive, "y", path).astype(np.int64)


def _grey_to_rgb32(images, chunk_rows=2048):
    """uint8 (N, H, W) grey images -> uint8 (N, 32, 32, 3), bilinear resize."""
    out = np.empty((len(images), 32, 32, 3), dtype=np.uint8)
    for start in range(0, len(images), chunk_rows):
        chunk = torch.as_tensor(images[start:start + chunk_rows], dtype=torch.float32)
        resized = torch.nn.functional.interpolate(
            chunk[:, None], size=(32, 32), mode="bilinear", align_corners=False)
        resized = resized.round().clamp(0, 255).to(torch.uint8)[:, 0, :, :, None]
        out[start:start + chunk_rows] = resized.numpy()
    return out


def load_mnist_mnistm(data_home=None, n_source=4500):
    """MNIST -> MNIST-M (Ganin & Lempitsky 2015) on disjoint test images.

    MNIST-M test image ``i`` was made from MNIST test image ``i``, so the two
    domains use disjoint indices: source = MNIST test ``[:n_source]``
    (grey 28x28, resized to 32x32 and repeated to 3 channels), target =
    MNIST-M test ``[n_source:]`` (the recommended split of the shared data
    README: 4500 source and 4501 target images).

    Parameters
    ----------
    data_home : str or path, default=None
        Folder holding ``mnist_mnistm/mnist_test.npz`` and
        ``mnist_mnistm/mnistm_test.npz``; defaults to ``$SK_DANN_DATA``.
    n_source : int, default=4500
        Source images taken from the start of the MNIST test set.

    Returns
    -------
    Bunch with ``X_source`` (uint8, n x 32 x 32 x 3), ``y_source``,
    ``X_target`` (uint8, m x 32 x 32 x 3), ``y_target`` (for evaluation only)
    and ``task``.
    """
    what = "MNIST -> MNIST-M"
    mnist_X, mnist_y = _load_npz(MNIST_MNISTM, "mnist_test.npz", data_home, what)
    mnistm_X, mnistm_y = _load_npz(MNIST_MNISTM, "mnistm_test.npz", data_home, what)
    if not 0 < n_source < len(mnistm_X):
        raise ValueError(f"n_source must be in [1, {len(mnistm_X) - 1}]; got {n_source}.")
    return Bunch(X_source=_grey_to_rgb32(mnist_X[:n_source]), y_source=mnist_y[:n_source],
                 X_target=np.ascontiguousarray(mnistm_X[n_source:]),
                 y_target=mnistm_y[n_source:], task="mnist->mnistm")


def load_mnist_usps(data_home=None, source="mnist"):
    """MNIST <-> USPS, 16x16 grey images (the JDA protocol: 2000 MNIST, 1800 USPS).

    Parameters
    ----------
    data_home : str or path, default=None
        Folder holding ``mnist_usps_jda/mnist.npz`` and ``mnist_usps_jda/usps.npz``;
        defaults to ``$SK_DANN_DATA``.
    source : {"mnist", "usps"}, default="mnist"
        The labeled domain; the other one is the target.

    Returns
    -------
    Bunch with ``X_source``, ``X_target`` (float32 in [0, 1], n x 16 x 16),
    ``y_source``, ``y_target`` (for evaluation only) and ``task``. Rows are
    sorted by class in the files and are returned shuffled (seed 0).
    """
    if source not in ("mnist", "usps"):
        raise ValueError(f"source must be 'mnist' or 'usps'; got {source!r}.")
    target = "usps" if source == "mnist" else "mnist"
    what = "MNIST <-> USPS"
    Xs, ys = _load_npz(MNIST_USPS, f"{source}.npz", data_home, what)
    Xt, yt = _load_npz(MNIST_USPS, f"{target}.npz", data_home, what)
    rng = np.random.default_rng(0)
    s, t = rng.permutation(len(Xs)), rng.permutation(len(Xt))
    return Bunch(X_source=Xs[s].astype(np.float32), y_source=ys[s],
                 X_target=Xt[t].astype(np.float32), y_target=yt[t],
                 task=f"{source}->{target}")
