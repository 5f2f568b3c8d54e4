"""``CNNFeatures``: images to off-the-shelf CNN features, as a scikit-learn transformer.

Put it in front of a :class:`~sk_dann.DANNClassifier` to adapt deep features
computed from raw images::

    make_pipeline(CNNFeatures(backbone, weights="resnet50.pth"), DANNClassifier())

The backbone is any ``torch.nn.Module`` the user has (torchvision, timm or
their own); sk_dann depends on neither library and downloads nothing.
"""
import copy
import os
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from tqdm.auto import tqdm

from ._dask_arrays import is_dask_array, map_row_blocks, refuse_dask_array
from ._params import POSITIVE_INT, SHARED_CONSTRAINTS
from .images import (NORMALIZATIONS, ImageInput, image_shape, resolve_image_layout,
                     resolve_normalization)
from .runtime import infer_in_batches, resolve_device, warn_if_bfloat16_is_slow

__all__ = [
    "CNNFeatures",
]


class CNNFeatures(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Features of a fixed (pretrained) CNN backbone for image arrays.

    ``fit`` loads the backbone once; ``transform`` runs images through it in
    batches, in evaluation mode and without gradients, on the GPU when
    there is one, and returns its flattened output as float32 rows.

    Parameters
    ----------
    backbone : torch.nn.Module
        The network, for instance ``torchvision.models.resnet50()`` with its
        classifier replaced by ``torch.nn.Identity()``. It is deep-copied at
        ``fit``; the module you pass is never changed.
    weights : str, path, dict or None, default=None
        A state-dict file (``torch.save(model.state_dict(), path)``; read
        with ``weights_only=True``) or a state dict, loaded into the copy.
        ``None`` uses the backbone's weights as they are.
    image_layout : {"auto", "NCHW", "NHWC"}, default="auto"
        How 3-D and 4-D X are read (see :class:`~sk_dann.DANNClassifier`).
        ``uint8`` images are scaled to [0, 1].
    normalization : {"imagenet", "channel"}, (mean, std) or None, default="imagenet"
        Per-channel normalisation after scaling. ``"imagenet"`` is what
        ImageNet-pretrained backbones expect; ``"channel"`` uses the mean and
        std of the images given to ``fit``.
    resize : int, (int, int) or None, default=None
        Resize each batch (bilinear, on the device) to this size before the
        backbone, for instance 224 for ImageNet backbones.
    grey_to_rgb : bool, default=True
        Repeat one-channel images to three channels (for RGB backbones).
    batch_size : int, default=128
    device : str or torch.device, default="auto"
        ``"auto"``: CUDA when available, else the CPU.
    precision : {"float32", "bfloat16"}, default="float32"
        ``"bfloat16"`` runs the backbone under autocast; features are
        returned as float32.
    verbose : int, default=0
        ``1`` shows a progress bar over batches.

    Attributes
    ----------
    backbone_ : torch.nn.Module
        The loaded copy, in evaluation mode, on ``device_``.
    device_ : str
    image_layout_ : str
        ``"NHW"``, ``"NCHW"`` or ``"NHWC"``.
    input_ : sk_dann.images.ImageInput
        Layout, scaling and normalisation of each batch, on ``device_``.
    n_features_out_ : int
        Width of the flattened backbone output.
    """

    _parameter_constraints = {
        **SHARED_CONSTRAINTS,  # batch_size, device, precision, verbose
        "backbone": [torch.nn.Module],
        "weights": [str, os.PathLike, dict, None],
        "image_layout": [StrOptions({"auto", "NCHW", "NHWC"})],
        "normalization": [StrOptions(set(NORMALIZATIONS)), tuple, list, None],
        "resize": [POSITIVE_INT, tuple, list, None],
        "grey_to_rgb": ["boolean"],
    }

    def __init__(self, backbone, *, weights=None, image_layout="auto",
                 normalization="imagenet", resize=None, grey_to_rgb=True,
                 batch_size=128, device="auto", precision="float32", verbose=0):
        self.backbone = backbone
        self.weights = weights
        self.image_layout = image_layout
        self.normalization = normalization
        self.resize = resize
        self.grey_to_rgb = grey_to_rgb
        self.batch_size = batch_size
        self.device = device
        self.precision = precision
        self.verbose = verbose

    def fit(self, X, y=None):
        """Load the backbone and check ``X``.

        Parameters
        ----------
        X : image array of shape (N, H, W), (N, H, W, C) or (N, C, H, W)
            ``uint8`` or float images; with ``normalization="channel"`` their
            statistics are taken here.
        y : ignored
            Packed ``y == -1`` rows are fine.

        Returns
        -------
        self
        """
        self._validate_params()
        refuse_dask_array(X, "X", (
            "CNNFeatures.fit needs the images in memory (their channel statistics, "
            "their shape): fit on a numpy sample, e.g. fit(X[:1000].compute()); "
            "transform then accepts the Dask array and maps over its blocks."))
        X = validate_data(self, X, dtype=[np.float32, np.uint8], allow_nd=True)
        self.image_layout_ = resolve_image_layout(X.shape, self.image_layout)
        if self.image_layout_ is None:
            raise ValueError(
                f"CNNFeatures needs image arrays (N, H, W), (N, H, W, C) or (N, C, H, W); "
                f"X has shape {X.shape}.")
        self.input_shape_ = tuple(X.shape[1:])
        self.device_ = resolve_device(self.device)
        warn_if_bfloat16_is_slow(self.device_, self.precision, stacklevel=2)
        n_channels = image_shape(X.shape, self.image_layout_)[0]
        if self.grey_to_rgb and n_channels == 1:
            n_channels = 3
        stats = resolve_normalization(self.normalization, X, self.image_layout_, n_channels)
        self.input_ = ImageInput(self.image_layout_, *(stats or (None, None))).to(self.device_)
        self.backbone_ = copy.deepcopy(self.backbone)
        if self.weights is not None:
            self.backbone_.load_state_dict(_read_weights(self.weights))
        self.backbone_.to(self.device_).eval()
        self.n_features_out_ = int(self._features(X[:1]).shape[1])
        return self

    def _prepare(self, batch):
        """A raw batch as normalised float (N, C, H, W) on the device."""
        # Three-channel statistics broadcast a grey batch to three channels.
        x = self.input_(torch.as_tensor(batch).to(self.device_))
        if self.grey_to_rgb and x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if self.resize is not None:
            size = (self.resize, self.resize) if isinstance(self.resize, int) else self.resize
            x = torch.nn.functional.interpolate(x, size=tuple(size), mode="bilinear",
                                                align_corners=False)
        return x

    def _features(self, X, progress=False):
        starts = tqdm(range(0, X.shape[0], self.batch_size), disable=not progress,
                      desc="CNNFeatures", unit="batch")
        batches = (self._prepare(np.asarray(X[start:start + self.batch_size]))
                   for start in starts)
        out = infer_in_batches(self.backbone_, batches, self.device_, self.precision)
        if out is None:
            return np.empty((0, getattr(self, "n_features_out_", 0)), dtype=np.float32)
        return out

    def transform(self, X):
        """Backbone features of images ``X``.

        Parameters
        ----------
        X : image array shaped like the images given to :meth:`fit`, or a
            ``dask.array`` of them
            A Dask array is transformed lazily, block of rows by block of rows
            (``map_blocks``), so a Dask cluster extracts features in
            parallel; the result equals the numpy one.

        Returns
        -------
        ndarray of float32, shape ``(n_samples, n_features_out_)``
            A Dask array of them for Dask input (``.compute()`` it).
        """
        check_is_fitted(self)
        if is_dask_array(X):
            self._check_image_shape(X)
            # Lazily, one task per block of rows (each never printing): a
            # cluster extracts in parallel.
            return map_row_blocks(X, self._transform_images, self.n_features_out_,
                                  row_multiple=self.batch_size)
        return self._transform_images(X, progress=self.verbose > 0)

    def _transform_images(self, X, progress=False):
        """Features of in-memory images (all of them, or one Dask block)."""
        if hasattr(X, "shape"):  # before validate_data, which would count a height as features
            self._check_image_shape(X)
        X = validate_data(self, X, reset=False, dtype=[np.float32, np.uint8], allow_nd=True)
        self._check_image_shape(X)
        return self._features(X, progress=progress)

    def _check_image_shape(self, X):
        if tuple(X.shape[1:]) != self.input_shape_:
            raise ValueError(
                f"X has images of shape {tuple(X.shape[1:])}, but CNNFeatures was fitted "
                f"on images of shape {self.input_shape_}. Give images of that shape and "
                "layout, or fit a CNNFeatures on images like these (resize= then scales "
                "them for the backbone).")

    @property
    def _n_features_out(self):
        return self.n_features_out_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _read_weights(weights):
    if isinstance(weights, dict):
        return weights
    path = Path(weights)
    if not path.is_file():
        raise FileNotFoundError(
            f"weights file {str(path)!r} does not exist. Give the path of a state dict "
            "saved with torch.save(model.state_dict(), path), already on this machine "
            "(sk_dann never downloads weights).")
    return torch.load(path, map_location="cpu", weights_only=True)
