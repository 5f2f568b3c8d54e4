"""Image arrays: layout, scaling, normalisation and augmentation, done per batch.

Images stay in the array the user gave (``uint8`` stays ``uint8``, channels
stay where they are), so a data set is never copied or converted as a whole.
:class:`ImageInput` is the first layer of the network: it turns each batch,
on the training device, into float32 ``(N, C, H, W)``, scales ``uint8`` to
[0, 1], applies :class:`ImageAugmentation` in training mode only, and
normalises per channel. Because it is part of the module, ``predict``,
``transform`` and a pickled model apply exactly the same preprocessing.
"""
import math
import numbers

import numpy as np
import torch
from torch import nn

__all__ = [
    "IMAGE_LAYOUTS",
    "ImageAugmentation",
    "ImageInput",
    "NORMALIZATIONS",
    "build_image_input",
    "channel_mean_std",
    "image_shape",
    "resolve_image_layout",
    "resolve_normalization",
    "to_nchw_float",
]

IMAGE_LAYOUTS = ("auto", "NCHW", "NHWC", "raw")
#: Named per-channel normalisations (a (mean, std) pair or None also work).
NORMALIZATIONS = ("channel", "imagenet")
# ImageNet statistics, what torchvision and timm pretrained backbones expect.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
_CHANNEL_COUNTS = (1, 2, 3, 4)


def resolve_image_layout(shape, image_layout="auto"):
    """Layout of an input array of ``shape``: ``"NHW"``, ``"NCHW"``, ``"NHWC"``,
    or ``None`` when it is not an image array (2-D, or ``image_layout="raw"``).

    ``"auto"`` reads 3-D arrays as grey images ``(N, H, W)`` and finds the
    channel axis of 4-D arrays: the one of size 1-4 at position 1 or 3.
    """
    if image_layout not in IMAGE_LAYOUTS:
        raise ValueError(f"image_layout={image_layout!r} is not supported; use one of "
                         f"{list(IMAGE_LAYOUTS)}.")
    ndim = len(shape)
    if ndim <= 2 or image_layout == "raw":
        return None
    if ndim == 3:
        if image_layout == "auto":
            return "NHW"
        raise ValueError(
            f"image_layout={image_layout!r} needs 4-D images, but X has shape "
            f"{tuple(shape)}. 3-D arrays are read as grey images (N, H, W) with "
            "image_layout='auto'.")
    if ndim > 4:
        raise ValueError(
            f"X has {ndim} dimensions {tuple(shape)}; images are (N, H, W), "
            "(N, H, W, C) or (N, C, H, W). To feed other arrays to your own "
            "feature_extractor unchanged, pass image_layout='raw'.")
    if image_layout != "auto":
        return image_layout
    first, last = shape[1] in _CHANNEL_COUNTS, shape[3] in _CHANNEL_COUNTS
    if first != last:
        return "NCHW" if first else "NHWC"
    raise ValueError(
        f"Cannot tell the channel axis of images of shape {tuple(shape)}: "
        + ("both axis 1 and axis 3 could be it" if first else
           "neither axis 1 nor axis 3 has 1-4 channels")
        + ". Pass image_layout='NCHW' or 'NHWC' (or 'raw' to feed the array to "
          "your own feature_extractor unchanged).")


def image_shape(shape, layout):
    """``(C, H, W)`` of images stored with ``layout``."""
    if layout == "NHW":
        return (1, shape[1], shape[2])
    if layout == "NHWC":
        return (shape[3], shape[1], shape[2])
    return tuple(shape[1:4])


def to_nchw_float(x, layout):
    """A batch as float32 ``(N, C, H, W)``; ``uint8`` is scaled to [0, 1].

    Scaling depends on the batch's dtype, not on what ``fit`` saw, so a
    model fitted on ``uint8`` images predicts the same on the same images
    given as floats in [0, 1].
    """
    scale = x.dtype == torch.uint8
    x = x.to(torch.float32)
    if scale:
        x = x / 255.0
    if layout == "NHW":
        return x.unsqueeze(1)
    if layout == "NHWC":
        return x.permute(0, 3, 1, 2)
    return x


def channel_mean_std(X, layout, chunk_rows=4096):
    """Per-channel mean and standard deviation of images ``X`` (after scaling).

    Reads ``X`` in chunks, so the set is never converted to float as a whole.
    """
    total = total_sq = None
    count = 0
    for start in range(0, X.shape[0], chunk_rows):
        chunk = to_nchw_float(torch.as_tensor(np.asarray(X[start:start + chunk_rows])),
                              layout).to(torch.float64)
        sums, sq = chunk.sum(dim=(0, 2, 3)), (chunk ** 2).sum(dim=(0, 2, 3))
        total = sums if total is None else total + sums
        total_sq = sq if total_sq is None else total_sq + sq
        count += chunk.shape[0] * chunk.shape[2] * chunk.shape[3]
    mean = total / count
    std = (total_sq / count - mean ** 2).clamp(min=0).sqrt()
    # A constant channel (a blank border set, say) must not divide by zero.
    return mean.float(), std.clamp(min=1e-3).float()


def resolve_normalization(normalization, X, layout, n_channels=None):
    """``(mean, std)`` tensors of shape (C,), or ``None``.

    ``"channel"``: statistics of ``X``; ``"imagenet"``: ImageNet's; ``None``:
    no normalisation; a pair of per-channel sequences (or scalars): as given.
    ``n_channels`` is the channel count the statistics apply to, if not that
    of ``X`` (grey images repeated to RGB, say).
    """
    n_channels = n_channels or image_shape(X.shape, layout)[0]
    if normalization is None:
        return None
    if isinstance(normalization, str):
        if normalization == "channel":
            return channel_mean_std(X, layout)
        if normalization == "imagenet":
            if n_channels != 3:
                raise ValueError(
                    f"ImageNet normalisation needs 3-channel images; these have "
                    f"{n_channels}. Use 'channel' or give (mean, std).")
            return torch.tensor(IMAGENET_MEAN), torch.tensor(IMAGENET_STD)
        raise ValueError(f"normalization {normalization!r} is not supported; use "
                         "'channel', 'imagenet', None or a (mean, std) pair.")
    try:
        mean, std = normalization
        mean = torch.as_tensor(mean, dtype=torch.float32).reshape(-1).expand(n_channels)
        std = torch.as_tensor(std, dtype=torch.float32).reshape(-1).expand(n_channels)
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(
            f"normalization {normalization!r} is not a (mean, std) pair of "
            f"scalars or {n_channels} per-channel values.") from None
    if not (torch.isfinite(mean).all() and (std > 0).all()):
        raise ValueError("normalization needs finite means and std > 0.")
    return mean.clone(), std.clone()


class ImageAugmentation(nn.Module):
    """Random image augmentation, applied per batch on the training device.

    Active in training mode only (``predict`` and ``transform`` never
    augment). Acts on float ``(N, C, H, W)`` batches in [0, 1], before
    normalisation; each image gets its own random draw from torch's RNG,
    which ``DANNClassifier`` seeds from ``random_state``.

    Parameters
    ----------
    shift : int, default=0
        Random translation by up to ``shift`` pixels in each direction
        (zero padding), the usual "pad and random crop".
    horizontal_flip : bool, default=False
        Flip half of the images left-right (not for digits or text).
    brightness : float, default=0.0
        Add a random offset in ``[-brightness, brightness]`` per image.
    contrast : float, default=0.0
        Scale each image about its mean by a factor in ``[1 - contrast, 1 + contrast]``.
    noise_std : float, default=0.0
        Standard deviation of added Gaussian pixel noise.
    """

    def __init__(self, *, shift=0, horizontal_flip=False, brightness=0.0, contrast=0.0,
                 noise_std=0.0):
        super().__init__()
        if not (isinstance(shift, numbers.Integral) and not isinstance(shift, bool)
                and shift >= 0):
            raise ValueError(f"shift must be an integer >= 0; got {shift!r}.")
        for name, value in [("brightness", brightness), ("contrast", contrast),
                            ("noise_std", noise_std)]:
            if not (isinstance(value, numbers.Real) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0; got {value!r}.")
        self.shift = int(shift)
        self.horizontal_flip = bool(horizontal_flip)
        self.brightness = float(brightness)
        self.contrast = float(contrast)
        self.noise_std = float(noise_std)

    def extra_repr(self):
        return (f"shift={self.shift}, horizontal_flip={self.horizontal_flip}, "
                f"brightness={self.brightness}, contrast={self.contrast}, "
                f"noise_std={self.noise_std}")

    def _per_image(self, x, low, high):
        """A uniform draw in [low, high) per image, shaped to broadcast."""
        return torch.empty(x.shape[0], 1, 1, 1, device=x.device).uniform_(low, high)

    def _translate(self, x):
        n, _, h, w = x.shape
        s = self.shift
        padded = nn.functional.pad(x, (s, s, s, s))
        dy = torch.randint(0, 2 * s + 1, (n, 1), device=x.device)
        dx = torch.randint(0, 2 * s + 1, (n, 1), device=x.device)
        rows = (torch.arange(h, device=x.device) + dy)[:, None, :, None]
        cols = (torch.arange(w, device=x.device) + dx)[:, None, None, :]
        batch = torch.arange(n, device=x.device)[:, None, None, None]
        channels = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
        return padded[batch, channels, rows, cols]

    def forward(self, x):
        if not self.training:
            return x
        if self.shift:
            x = self._translate(x)
        if self.horizontal_flip:
            flip = torch.rand(x.shape[0], 1, 1, 1, device=x.device) < 0.5
            x = torch.where(flip, x.flip(-1), x)
        if self.contrast:
            mean = x.mean(dim=(1, 2, 3), keepdim=True)
            x = (x - mean) * self._per_image(x, 1 - self.contrast, 1 + self.contrast) + mean
        if self.brightness:
            x = x + self._per_image(x, -self.brightness, self.brightness)
        if self.noise_std:
            x = x + self.noise_std * torch.randn_like(x)
        return x


class ImageInput(nn.Module):
    """First layer for image arrays: layout, scaling, augmentation, normalisation.

    Parameters
    ----------
    layout : {"NHW", "NCHW", "NHWC"}
        How the batches arrive (see :func:`resolve_image_layout`).
    mean, std : tensor of shape (C,) or None
        Per-channel normalisation applied last; stored as buffers, so they
        move with the module and are saved with it.
    augmentation : ImageAugmentation or None
        Applied in training mode, before normalisation.
    """

    def __init__(self, layout, mean=None, std=None, augmentation=None):
        super().__init__()
        self.layout = layout
        self.augmentation = augmentation
        if mean is None:
            self.mean = self.std = None
        else:
            self.register_buffer("mean", torch.as_tensor(mean).reshape(1, -1, 1, 1))
            self.register_buffer("std", torch.as_tensor(std).reshape(1, -1, 1, 1))

    def extra_repr(self):
        return f"layout={self.layout!r}, normalized={self.mean is not None}"

    def forward(self, x):
        x = to_nchw_float(x, self.layout)
        if self.augmentation is not None:
            x = self.augmentation(x)
        if self.mean is not None:
            x = (x - self.mean) / self.std
        return x


def build_image_input(X, layout, normalization, augmentation):
    """The :class:`ImageInput` for training images ``X`` stored with ``layout``."""
    stats = resolve_normalization(normalization, X, layout)
    mean, std = (None, None) if stats is None else stats
    return ImageInput(layout, mean, std, augmentation)
