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
    "MNIST_MNISTM_PROTOCOLS",
    "load_mnist_mnistm",
    "load_mnist_usps",
]

MNIST_MNISTM = "mnist_mnistm"
MNIST_USPS = "mnist_usps_jda"


def _load_npz(folder, filename, data_home, what, image_shape=None):
    """``X, y`` of one file; with ``image_shape``, X must be uint8 images of it."""
    path = data_file(folder, filename, data_home, what=what)
    with np.load(path, allow_pickle=False) as archive:
        X, y = read_array(archive, "X", path), read_array(archive, "y", path)
    if len(X) != len(y):
        raise ValueError(f"{path}: X has {len(X)} rows but y has {len(y)}; the file is "
                         "not a data set of this loader (one label per image).")
    if image_shape is not None and (X.dtype != np.uint8 or X.shape[1:] != image_shape):
        raise ValueError(f"{path}: X is {X.dtype} of shape {X.shape}; this loader expects "
                         f"uint8 images of shape (n, {', '.join(map(str, image_shape))}).")
    return X, y.astype(np.int64)


def _grey_to_rgb32(images, chunk_rows=2048):
    """uint8 (N, H, W) grey images -> uint8 (N, 32, 32, 3), bilinear resize.

    Resized chunk by chunk, so at most ``chunk_rows`` images are float32 at
    a time (the 60,000 MNIST training images would take 740 MB at once).
    """
    out = np.empty((len(images), 32, 32, 3), dtype=np.uint8)
    for start in range(0, len(images), chunk_rows):
        chunk = torch.as_tensor(images[start:start + chunk_rows], dtype=torch.float32)
        resized = torch.nn.functional.interpolate(
            chunk[:, None], size=(32, 32), mode="bilinear", align_corners=False)
        resized = resized.round().clamp(0, 255).to(torch.uint8)[:, 0, :, :, None]
        out[start:start + chunk_rows] = resized.numpy()
    return out


#: The protocols of :func:`load_mnist_mnistm`.
MNIST_MNISTM_PROTOCOLS = ("reduced", "full", "disjoint")
_DEFAULT_N_SOURCE = {"reduced": 4500, "disjoint": 30000}


def load_mnist_mnistm(data_home=None, n_source=None, protocol="reduced"):
    """MNIST -> MNIST-M (Ganin & Lempitsky 2015): three protocols.

    MNIST images (grey 28x28) are resized to 32x32 and repeated to 3
    channels, as uint8; MNIST-M images are uint8 RGB 32x32. MNIST-M image
    ``i`` of a split was made from MNIST image ``i`` of the same split,
    which is why two of the protocols keep the indices disjoint.

    * ``"reduced"`` (test splits only): source = MNIST test ``[:n_source]``,
      target = MNIST-M test ``[n_source:]`` (4,500 and 4,501 images). The
      target is also what is scored: there is no ``X_test``.
    * ``"full"`` (the paper's protocol, JMLR 2016 table 2): source = MNIST
      train (60,000), target = MNIST-M train (59,001, labels for evaluation
      only), test = MNIST-M test (9,001). Target image ``i`` shares its
      digit with source image ``i``, as in the paper.
    * ``"disjoint"``: as ``"full"``, but source = MNIST train
      ``[:n_source]`` and target = MNIST-M train ``[n_source:]`` (30,000
      and 29,001 images), so no target image was made from a source image.

    The full protocol holds about 400 MB of uint8 images; nothing is
    converted to float as a whole (the network scales each batch).

    Parameters
    ----------
    data_home : str or path, default=None
        Folder holding ``mnist_mnistm/`` with ``mnist_test.npz`` and
        ``mnistm_test.npz`` (and, for ``"full"`` and ``"disjoint"``,
        ``mnist_train.npz`` and ``mnistm_train.npz``); defaults to
        ``$SK_DANN_DATA``.
    n_source : int, default=None
        Where the split falls: source images taken from the start of the
        MNIST split, target images from MNIST-M after that index. ``None``:
        4,500 (``"reduced"``) or 30,000 (``"disjoint"``). ``"full"`` uses
        every image and takes no ``n_source``.
    protocol : {"reduced", "full", "disjoint"}, default="reduced"
        Which images form the domains (above).

    Returns
    -------
    Bunch with ``X_source`` (uint8, n x 32 x 32 x 3), ``y_source``,
    ``X_target`` (uint8, m x 32 x 32 x 3), ``y_target`` (for evaluation
    only), ``task`` and ``protocol``; for ``"full"`` and ``"disjoint"`` also
    ``X_test`` and ``y_test`` (the MNIST-M test split, where the paper
    scores).
    """
    if protocol not in MNIST_MNISTM_PROTOCOLS:
        raise ValueError(f"protocol={protocol!r} is not one of "
                         f"{list(MNIST_MNISTM_PROTOCOLS)}.")
    if protocol == "full" and n_source is not None:
        raise ValueError("protocol='full' uses every training image and takes no "
                         "n_source; use protocol='disjoint' to split the indices.")
    what = f"MNIST -> MNIST-M ({protocol} protocol)"
    split = "test" if protocol == "reduced" else "train"
    mnist_X, mnist_y = _load_npz(MNIST_MNISTM, f"mnist_{split}.npz", data_home, what,
                                 image_shape=(28, 28))
    mnistm_X, mnistm_y = _load_npz(MNIST_MNISTM, f"mnistm_{split}.npz", data_home, what,
                                   image_shape=(32, 32, 3))
    if protocol == "full":
        source, target = slice(None), slice(None)
    else:
        n_source = _DEFAULT_N_SOURCE[protocol] if n_source is None else n_source
        limit = min(len(mnist_X), len(mnistm_X))
        if isinstance(n_source, bool) or not isinstance(n_source, (int, np.integer)) \
                or not 0 < n_source < limit:
            raise ValueError(f"n_source must be an integer in [1, {limit - 1}] (source "
                             f"images before it, target images after); got {n_source!r}.")
        source, target = slice(None, n_source), slice(n_source, None)
    # A part of MNIST-M is copied, so the whole split is not kept alive by a view.
    X_target = mnistm_X if target == slice(None) else mnistm_X[target].copy()
    data = Bunch(X_source=_grey_to_rgb32(mnist_X[source]), y_source=mnist_y[source],
                 X_target=X_target, y_target=mnistm_y[target].copy(), task="mnist->mnistm",
                 protocol=protocol)
    if protocol != "reduced":
        del mnist_X, mnistm_X  # the training splits go before the test split is read
        X_test, y_test = _load_npz(MNIST_MNISTM, "mnistm_test.npz", data_home, what,
                                   image_shape=(32, 32, 3))
        data.update(X_test=X_test, y_test=y_test)
    return data


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
