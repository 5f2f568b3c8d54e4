"""Model files that are safe to share: :func:`save_model` and :func:`load_model`.

A pickle runs code when it is loaded, so a pickled model from someone else
can do anything the user can. This module writes a fitted
:class:`~sk_dann.DANNClassifier`, :class:`~sk_dann.DANNRegressor`, or a
scikit-learn ``Pipeline`` (or :class:`~sk_dann.DomainPipeline`) of common
preprocessing steps ending in one of them, as data only: one `safetensors <https://huggingface.co/docs/safetensors>`_
file whose tensors are the network's weights, the optimizer's state and the
fitted arrays, and whose header carries the parameters and the other fitted
attributes as JSON. Loading parses that JSON and those tensors, looks the
classes up in fixed tables (:data:`SAFE_TRANSFORMERS`, :data:`ESTIMATORS`),
checks every value against what the network built from the parameters
expects, and copies the weights in. No pickle is read, and nothing named in
the file is imported or called.

What a file cannot hold as data (a user's ``feature_extractor`` module, a
callable schedule, an optimizer class, ``callbacks``, and ``torch.compile``
options, which reach a compiler and its cache folders) is recorded by name;
:func:`load_model` then needs it passed back, as skorch needs the module
class before ``load_params``.
"""
import hashlib
import json
import os
import struct
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (MaxAbsScaler, MinMaxScaler, Normalizer, RobustScaler,
                                   StandardScaler)
from skorch.history import History

from ._atomic_write import write_atomically
from ._version import __version__
from .base import _layer_sizes, _seeded_torch
from .classifier import DANNClassifier
from .exceptions import ModelFileError, SavedVersionWarning
from .images import ImageAugmentation
from .pipeline import DomainPipeline
from .regressor import DANNRegressor
from .runtime import KEEP_TORCH_SETTING, is_deprecated_keep_torch_setting

__all__ = [
    "ESTIMATORS",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "SAFE_TRANSFORMERS",
    "load_model",
    "looks_like_pickle",
    "model_bytes",
    "save_model",
]

#: Written in every file's header; :func:`load_model` refuses other formats.
FORMAT_NAME = "sk_dann.model"
#: Raised when the layout of the file changes; files of a newer version are refused.
FORMAT_VERSION = 1
#: The pipeline classes a file may name (files without a name hold a Pipeline).
PIPELINES = {"Pipeline": Pipeline, "DomainPipeline": DomainPipeline}
#: Preprocessing steps a file may hold: classes whose fitted state is a few
#: arrays and numbers (rebuilt as ``cls(**params)`` plus those attributes).
SAFE_TRANSFORMERS = {cls.__name__: cls for cls in (
    StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler, Normalizer, PCA)}
#: The DANN estimators a file may hold, by class name.
ESTIMATORS = {cls.__name__: cls for cls in (DANNClassifier, DANNRegressor)}

# safetensors' first 8 bytes: the header's length, little-endian; a sane bound.
_MAX_HEADER_BYTES = 100_000_000
# The safetensors metadata entry that holds sk_dann's header (JSON).
_METADATA_KEY = "sk_dann"
# Bounds on what a file may ask the loader to build before its weights are
# compared (a damaged or hostile file must not allocate gigabytes first).
_MAX_IMAGE_SIDE, _MAX_IMAGE_VALUES, _MAX_THREADS = 65536, 2 ** 26, 4096
# Parameters a file may not set to anything but these plain values: a dict
# of torch.compile options names a compiler executable and folders to write.
_PLAIN_ONLY = {"compile": (bool, str), "callbacks": (type(None), list)}
# The net's training progress, restored so that partial_fit continues the
# schedules where they stopped.
_NET_STATE = ("max_epochs", "train_steps_done_", "batches_per_epoch_")


# -- values as JSON and tensors ------------------------------------------------
class _Unsupported(TypeError):
    """A value that the format cannot hold as data."""


class _CallerError(Exception):
    """load_model's own arguments are wrong, not the file: carries the error
    (a TypeError or ValueError) that load_model raises as it is."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


class _Encoder:
    """Turns parameter and attribute values into JSON, moving arrays to tensors.

    JSON objects are always tagged (one key saying what the value is), so a
    list stays a list, a tuple a tuple, and a dict may have int keys
    (``class_weight``). Numeric and boolean arrays become tensors named
    ``<prefix><path>``; arrays of strings stay in the JSON with their dtype.
    """

    def __init__(self, tensors):
        self.tensors = tensors

    def encode(self, value, name):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, np.generic) and value.dtype.kind in "biuf":
            # a numpy scalar keeps its type (PCA's noise_variance_ is a float32)
            return {"scalar": value.item(), "dtype": value.dtype.str}
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, tuple):
            return {"tuple": [self.encode(v, f"{name}.{i}") for i, v in enumerate(value)]}
        if isinstance(value, list):
            return [self.encode(v, f"{name}.{i}") for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {"dict": [[self.encode(k, f"{name}.key{i}"), self.encode(v, f"{name}.{i}")]
                             for i, (k, v) in enumerate(value.items())]}
        if isinstance(value, torch.Tensor):
            self.tensors[name] = value.detach().to("cpu").contiguous()
            return {"tensor": name}
        if isinstance(value, np.ndarray):
            return self._array(value, name)
        if isinstance(value, ImageAugmentation):
            return {"ImageAugmentation": {
                key: getattr(value, key) for key in
                ("shift", "horizontal_flip", "brightness", "contrast", "noise_std")}}
        raise _Unsupported(f"a {type(value).__module__}.{type(value).__qualname__}")

    def _array(self, array, name):
        if array.dtype.kind in "biuf":
            self.tensors[name] = torch.from_numpy(np.ascontiguousarray(
                array, dtype=array.dtype.newbyteorder("=")).reshape(array.shape))
            # The memory order decides the summation order of matrix products:
            # a Fortran-ordered array (PCA's components_) comes back as one.
            fortran = array.ndim > 1 and array.flags.f_contiguous and not array.flags.c_contiguous
            return {"ndarray": name, "order": "F" if fortran else "C"}
        if array.dtype.kind == "U" or array.dtype == object:
            values = array.ravel().tolist()
            odd = next((v for v in values if not _is_json_scalar(v)), None)
            if odd is not None:
                raise _Unsupported(f"an object array holding a {type(odd).__name__}")
            return {"array_values": values, "dtype": array.dtype.str,
                    "shape": list(array.shape)}
        raise _Unsupported(f"an array of dtype {array.dtype}")


class _Decoder:
    """The inverse of :class:`_Encoder`: tagged JSON and tensors back to values."""

    def __init__(self, tensors):
        self.tensors = tensors
        self.used = set()  # names of the tensors read: a file holds no others

    def tensor(self, name):
        """The tensor ``name``; a clear error if the file lacks it."""
        tensor = self.tensors.get(name) if isinstance(name, str) else None
        if tensor is None:
            raise ModelFileError(f"the tensor {name!r} is missing")
        self.used.add(name)
        return tensor

    def decode(self, value):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not (isinstance(value, dict) and 1 <= len(value) <= 3):
            raise ModelFileError(f"unreadable value {str(value)[:80]!r}")
        tag = next((key for key in ("array_values", "scalar", "ndarray") if key in value),
                   next(iter(value)))
        if tag == "tuple":
            return tuple(self.decode(v) for v in _list(value[tag]))
        if tag == "dict":
            return {self.decode(k): self.decode(v) for k, v in _pairs(value[tag])}
        if tag == "tensor":
            return self.tensor(value[tag]).clone()
        if tag == "ndarray":
            array = self.tensor(value[tag]).numpy()
            return np.asfortranarray(array) if value.get("order") == "F" else array.copy()
        if tag == "scalar":
            dtype = np.dtype(value.get("dtype"))
            if dtype.kind not in "biuf" or not isinstance(value[tag], (bool, int, float)):
                raise ModelFileError(f"unreadable number {str(value)[:80]!r}")
            return dtype.type(value[tag])
        if tag == "array_values" and set(value) == {"array_values", "dtype", "shape"}:
            dtype = np.dtype(value["dtype"])
            if dtype.kind not in "U" and dtype != object:
                raise ModelFileError(f"unexpected array dtype {value['dtype']!r}")
            values = _list(value["array_values"])
            if not all(_is_json_scalar(v) for v in values):
                raise ModelFileError("an array holds a value that is not a scalar")
            array = np.empty(len(values), dtype=dtype)
            array[:] = values
            return array.reshape(value["shape"])
        if tag == "ImageAugmentation":
            return ImageAugmentation(**_mapping(value[tag]))
        raise ModelFileError(f"unknown kind of value {tag!r}")


def _is_json_scalar(value):
    """What an array of strings or objects may hold in a file."""
    return value is None or isinstance(value, (bool, int, float, str))


def _list(value):
    if not isinstance(value, list):
        raise ModelFileError(f"expected a list, found {type(value).__name__}")
    return value


def _pairs(value):
    pairs = _list(value)
    if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        raise ModelFileError("a mapping is not a list of pairs")
    return pairs


def _mapping(value):
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ModelFileError(f"expected a mapping, found {type(value).__name__}")
    return value


def _plain_json(value):
    """``json.dumps``'s ``default``: numpy scalars (a skorch history holds them)."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise _Unsupported(f"a {type(value).__name__} in the training history")


# -- what a model is made of -------------------------------------------------------
def _estimator_record(estimator, prefix, tensors, optimizer_state=True):
    """Parameters, fitted attributes and network state of a DANN estimator."""
    encoder = _Encoder(tensors)
    params, supplied = {}, {}
    for name, value in estimator.get_params(deep=False).items():
        if name in _PLAIN_ONLY and not isinstance(value, _PLAIN_ONLY[name]):
            supplied[name] = f"a {type(value).__name__}, which a file may not set"
            continue
        try:
            params[name] = encoder.encode(value, f"{prefix}param.{name}")
        except _Unsupported as why:
            supplied[name] = str(why)  # passed back to load_model
    attributes = {}
    for name, value in vars(estimator).items():
        # fitted attributes, and set_output's configuration (a Pipeline's
        # set_output sets it on each step)
        if name != "_sklearn_output_config" and (
                not name.endswith("_") or name.startswith("_") or name in ("net_", "history_")):
            continue
        attributes[name] = _encode_attribute(encoder, value, f"{prefix}attr.{name}",
                                             type(estimator).__name__, name)
    net = estimator.net_
    module_state = net.module_.state_dict()
    for key, tensor in module_state.items():
        tensors[f"{prefix}module.{key}"] = tensor.detach().to("cpu").contiguous()
    try:
        history = json.loads(json.dumps(list(net.history), default=_plain_json))
    except _Unsupported as why:
        raise ValueError(f"Cannot save this {type(estimator).__name__}: its history_ holds "
                         f"{why}, which the safe format cannot store. Remove that entry "
                         "(a callback of yours recorded it) or save with pickle.") from None
    optimizer = net.optimizer_.state_dict()
    return {
        "class": type(estimator).__name__,
        "params": params,
        "supplied_at_load": supplied,
        "attributes": attributes,
        "n_features_out": getattr(estimator, "_n_features_out", None),
        "module_keys": list(module_state),
        "net": {
            "max_epochs": net.max_epochs,
            "train_steps_done_": net.train_steps_done_,
            "batches_per_epoch_": net.batches_per_epoch_,
            "batch_generator_state_": encoder.encode(net.batch_generator_state_,
                                                     f"{prefix}batch_generator_state"),
            "reversal_lambda": net.module_.reversal.lambda_,
            "optimizer_class": type(net.optimizer_).__name__,
            "optimizer_state": (encoder.encode(optimizer["state"], f"{prefix}optimizer.state")
                                if optimizer_state else None),
            "history": history,
        },
    }


def _encode_attribute(encoder, value, name, owner, attribute):
    try:
        return encoder.encode(value, name)
    except _Unsupported as why:
        raise ValueError(
            f"Cannot save this {owner}: its fitted attribute {attribute} is {why}, which "
            "the safe format cannot store.") from None


def _transformer_record(step, prefix, tensors):
    """A preprocessing step from :data:`SAFE_TRANSFORMERS`: its parameters and
    every attribute it set in ``fit`` (all data)."""
    encoder = _Encoder(tensors)
    owner = type(step).__name__
    params = {}
    for name, value in step.get_params(deep=False).items():
        try:
            params[name] = encoder.encode(value, f"{prefix}param.{name}")
        except _Unsupported as why:
            raise ValueError(f"Cannot save this {owner}: its parameter {name} is {why}; "
                             "give it a number or None.") from None
    attributes = {name: _encode_attribute(encoder, value, f"{prefix}attr.{name}", owner, name)
                  for name, value in vars(step).items() if name not in params}
    return {"class": owner, "params": params, "attributes": attributes}


def _model_record(model, tensors, optimizer_state=True):
    # Exact classes: a subclass brings code of its own, which a file cannot hold.
    estimators = tuple(ESTIMATORS.values())
    if type(model) in estimators:
        _check_fitted(model)
        return {"kind": "estimator",
                "estimator": _estimator_record(model, "", tensors, optimizer_state)}
    if type(model) not in PIPELINES.values():
        hint = (" For a search, save its best_estimator_."
                if type(model).__name__.endswith("SearchCV") else "")
        raise TypeError(
            f"save_model saves a fitted DANNClassifier, DANNRegressor, or a scikit-learn "
            f"Pipeline or sk_dann DomainPipeline ending in one; got a "
            f"{type(model).__name__}.{hint}")
    *transformers, (last_name, last) = model.steps
    if type(last) not in estimators:
        raise TypeError(
            f"save_model saves Pipelines that end in a DANNClassifier or DANNRegressor; "
            f"this one ends in {type(last).__name__} (step {last_name!r}).")
    _check_fitted(last)
    steps = []
    for index, (name, step) in enumerate(transformers):
        if step is None or (isinstance(step, str) and step == "passthrough"):
            steps.append({"name": name, "passthrough": True})
            continue
        if type(step).__name__ not in SAFE_TRANSFORMERS or type(step) is not SAFE_TRANSFORMERS[
                type(step).__name__]:
            raise ValueError(
                f"Cannot save the Pipeline step {name!r} ({type(step).__name__}): the safe "
                f"format holds only {', '.join(SAFE_TRANSFORMERS)} before the DANN "
                "estimator, because any other step would have to be rebuilt by running "
                "code. Save the DANN estimator alone (model[-1]) and rebuild the other "
                "steps in your code, or pickle the model for your own use (a pickle runs "
                "code when loaded: load only files you trust).")
        steps.append({"name": name, **_transformer_record(step, f"step{index}.", tensors)})
    steps.append({"name": last_name,
                  **_estimator_record(last, f"step{len(transformers)}.", tensors,
                                      optimizer_state)})
    return {"kind": "pipeline", "class": type(model).__name__, "steps": steps,
            "verbose": bool(model.verbose)}


def _check_fitted(estimator):
    if not hasattr(estimator, "net_"):
        raise ValueError(f"This {type(estimator).__name__} is not fitted yet; call fit "
                         "before save_model.")


# -- the file ------------------------------------------------------------------
def _checksum(tensors, description):
    """SHA-256 over the model's JSON description and every tensor's name,
    dtype, shape and bytes, in name order."""
    digest = hashlib.sha256(description.encode())
    for name in sorted(tensors):
        tensor = tensors[name].contiguous()
        digest.update(json.dumps([name, str(tensor.dtype), list(tensor.shape)]).encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes()
                      if tensor.numel() else b"")
    return digest.hexdigest()


def save_model(model, path, *, overwrite=False, optimizer_state=True):
    """Write a fitted model to ``path`` in sk_dann's safe format (no pickle).

    Parameters
    ----------
    model : DANNClassifier, DANNRegressor, sklearn.pipeline.Pipeline or DomainPipeline
        Fitted. A Pipeline may have steps from :data:`SAFE_TRANSFORMERS`
        (``StandardScaler``, ``MinMaxScaler``, ``MaxAbsScaler``,
        ``RobustScaler``, ``Normalizer``, ``PCA``) or ``"passthrough"``
        before a DANN estimator; any other step is refused.
    path : str or path-like
        The file to write (``.skdann`` by convention; it is a safetensors
        file). Written atomically: a temporary file in the same folder,
        renamed at the end, so a failed write leaves no partial file.
    overwrite : bool, default=False
        Replace an existing file. Without it an existing ``path`` is an error,
        so a typo never destroys another file.
    optimizer_state : bool, default=True
        Store the optimizer's state (SGD's momentum buffers: as large as the
        weights), so that ``partial_fit`` or ``warm_start`` after loading
        continues exactly as without saving. ``False`` halves the file of a
        model that is only used to predict; training after loading then
        starts the optimizer afresh.

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    Stored: the parameters, every fitted attribute (``classes_`` of any
    dtype, ``feature_names_in_``, ``y_mean_``, ``n_threads_``, ...), the
    history, the network's weights, the optimizer's state and the batch
    order's state (so ``partial_fit`` continues as it would have), and a
    SHA-256 of the description and all tensors. A user-given ``feature_extractor`` module, callable
    schedules, an optimizer class and ``callbacks`` are not data: the file
    records their names, and :func:`load_model` needs them passed back.

    Examples
    --------
    >>> from sk_dann import DANNClassifier, save_model, load_model
    >>> from sk_dann.datasets import make_domain_moons
    >>> X, y, X_t, _ = make_domain_moons(n_samples=200, random_state=0)
    >>> model = DANNClassifier(max_epochs=2, random_state=0).fit(X, y, X_target=X_t)
    >>> save_model(model, "moons.skdann")  # doctest: +SKIP
    >>> load_model("moons.skdann").predict(X_t[:3])  # doctest: +SKIP
    """
    if os.fspath(path).endswith(("/", os.sep)):
        raise IsADirectoryError(f"{os.fspath(path)} ends with a separator, so it names a "
                                "folder; give a file name for the model.")
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a file name for the model.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write the model {path}: folder {folder} does not "
                                "exist.")
    if (path.exists() or path.is_symlink()) and not overwrite:  # a dangling link too
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it, or "
                              "choose another file name.")
    write_atomically(path, model_bytes(model, optimizer_state=optimizer_state))
    return path


def model_bytes(model, *, optimizer_state=True):
    """The bytes :func:`save_model` writes, for a stream or a store of your own.

    Parameters
    ----------
    model : DANNClassifier, DANNRegressor, sklearn.pipeline.Pipeline or DomainPipeline
        As for :func:`save_model`.
    optimizer_state : bool, default=True
        As for :func:`save_model`.

    Returns
    -------
    bytes
    """
    from safetensors.torch import save as save_tensors

    tensors = {}
    record = _model_record(model, tensors, optimizer_state)
    header = {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        "sk_dann_version": __version__,
        "sha256": _checksum(tensors, json.dumps(record, allow_nan=True)),
        "model": record,
    }
    # One metadata entry: safetensors writes several in an arbitrary order,
    # and the same model should give the same bytes.
    return save_tensors(tensors, metadata={_METADATA_KEY: json.dumps(header, allow_nan=True)})


def _safetensors_metadata(data):
    """The metadata of a safetensors header at the start of ``data``, or None."""
    if len(data) < 8:
        return None
    (length,) = struct.unpack("<Q", data[:8])
    if length > min(_MAX_HEADER_BYTES, len(data) - 8):
        return None
    try:
        metadata = json.loads(data[8:8 + length])["__metadata__"]
    except (ValueError, KeyError, TypeError):
        return None
    return metadata if isinstance(metadata, dict) else None


def looks_like_pickle(data):
    """Whether ``data`` (a file's bytes) is a pickle rather than a model file.

    A safetensors header's length may itself start with pickle's first byte
    (0x80), so a pickle is: protocol 2 to 5 after 0x80, a third byte that a
    header length below 64 KiB would have as 0, the STOP opcode at the end,
    and no readable safetensors header.

    Parameters
    ----------
    data : bytes

    Returns
    -------
    bool
    """
    return (data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05")
            and data[2:3] != b"\x00" and data[-1:] == b"." and _safetensors_metadata(data) is None)


def _read_header(data, path):
    """The safetensors header's metadata, with a clear error for other files."""
    (length,) = struct.unpack("<Q", data[:8]) if len(data) >= 8 else (None,)
    metadata = _safetensors_metadata(data)
    if metadata is None:
        if looks_like_pickle(data):
            raise ModelFileError(
                f"{path} is a pickle, not an sk_dann model file. It was not loaded, because "
                "loading a pickle runs code from it. If you trust whoever made it, load "
                "it with pickle yourself (the CLI: --allow-pickle) and save it again with "
                "sk_dann.save_model.")
        if data[:2] == b"PK":
            raise ModelFileError(
                f"{path} is a zip archive (an .npz, a torch.save file, ...), not an sk_dann "
                "model file.")
        if length is not None and length > len(data) - 8 and data[8:9] == b"{":
            raise ModelFileError(
                f"{path} is truncated, or not an sk_dann model file (its header claims "
                f"{length} bytes; the file has {len(data)}).")
        raise ModelFileError(f"{path} is not an sk_dann model file (no sk_dann header); "
                             "it may be damaged.")
    try:
        metadata = json.loads(metadata[_METADATA_KEY])
    except (KeyError, TypeError, ValueError):
        metadata = None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{path} is a safetensors file but not an sk_dann model "
                             "(no sk_dann header).")
    return metadata


def load_model(path, **params):
    """Read a model written by :func:`save_model`, running no code from the file.

    Parameters
    ----------
    path : str, path-like or bytes
        The model file, or its bytes (from :func:`model_bytes`).
    **params
        Parameters of the DANN estimator (the last step of a Pipeline, named
        without the step's prefix): required for those the file could
        not store as data (its error names them: a ``feature_extractor``
        module, which must be an unfitted instance of the same architecture,
        callable schedules, an optimizer class, ``callbacks``); any other
        parameter given here replaces the saved one (``device="cpu"`` for a
        model fitted on a GPU, say).

    Returns
    -------
    DANNClassifier, DANNRegressor, sklearn.pipeline.Pipeline or DomainPipeline
        Fitted, of the saved class, predicting exactly as the saved model did.

    Raises
    ------
    sk_dann.exceptions.ModelFileError
        The file is not an sk_dann model (a pickle, say), is truncated or
        damaged (the SHA-256 of its description and tensors differs, or a
        value is not what the model needs), or was written in a newer format.
    TypeError
        A parameter the file could not hold is not given, or a keyword is no
        parameter of the estimator.
    """
    if isinstance(path, (bytes, bytearray, memoryview)):
        data, path = bytes(path), "the model bytes"
    else:
        path = Path(path)
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a folder, not a model file.")
        if not path.is_file():
            raise FileNotFoundError(f"model file not found: {path}")
        data = path.read_bytes()
    metadata, tensors = _read_contents(data, path)
    saved_version = metadata.get("sk_dann_version", "unknown")
    if saved_version != __version__:
        warnings.warn(
            f"{path} was saved by sk_dann {saved_version} and is loaded by sk_dann "
            f"{__version__}. Its predictions are only guaranteed with the version that "
            "saved it.", SavedVersionWarning, stacklevel=2)
    decoder = _Decoder(tensors)
    try:
        record = _mapping(metadata["model"])
        model = _rebuild_model(record, decoder, params)
        unread = sorted(set(tensors) - decoder.used)
        if unread:
            raise ModelFileError(f"it holds entries that sk_dann did not write: {unread[:5]}")
        return model
    except _CallerError as wrapper:
        raise wrapper.error from None
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from None
    except (KeyError, TypeError, AttributeError, ValueError, OverflowError, IndexError,
            RecursionError, MemoryError, RuntimeError) as error:
        # Whatever a value the model cannot use raises while it is rebuilt.
        detail = " ".join(str(error).split())[:300]
        raise ModelFileError(f"{path} is damaged or not what it claims to be: "
                             f"{type(error).__name__}: {detail}") from None


def _read_contents(data, path):
    """The header's metadata and the tensors of a model file's bytes, after
    checking the format, its version and the checksum."""
    metadata = _read_header(data, path)
    version = metadata.get("format_version")
    if not (isinstance(version, str) and version.isascii() and version.isdigit()):
        raise ModelFileError(f"{path}: unreadable format version {version!r}.")
    if int(version) > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} was written by sk_dann {metadata.get('sk_dann_version')} in format "
            f"version {version}; this sk_dann ({__version__}) reads version "
            f"{FORMAT_VERSION} and older. Upgrade sk_dann to load it.")
    from safetensors import SafetensorError
    from safetensors.torch import load as load_tensors

    try:
        tensors = load_tensors(data)
    except SafetensorError as error:
        raise ModelFileError(f"{path} is damaged or truncated ({error}).") from None
    # The checksum covers the description as json.dumps writes it (which
    # reading and writing again reproduces exactly).
    description = json.dumps(metadata.get("model"), allow_nan=True)
    if _checksum(tensors, description) != metadata.get("sha256"):
        raise ModelFileError(
            f"{path}: the checksum of its contents does not match the one recorded when "
            "it was saved; the file was changed or damaged. Get a fresh copy.")
    return metadata, tensors


def _rebuild_model(record, decoder, params):
    if record["kind"] == "estimator":
        model = _rebuild_estimator(_mapping(record["estimator"]), "", decoder, params)
    elif record["kind"] == "pipeline":
        steps = []
        records = _list(record["steps"])
        for index, step in enumerate(records[:-1]):
            step = _mapping(step)
            steps.append((step["name"], "passthrough" if step.get("passthrough") else
                          _rebuild_transformer(step, decoder)))
        last = _mapping(records[-1])
        steps.append((last["name"], _rebuild_estimator(last, f"step{len(records) - 1}.",
                                                      decoder, params)))
        pipeline_class = record.get("class", "Pipeline")
        if pipeline_class not in PIPELINES:
            raise ModelFileError(f"a pipeline of class {pipeline_class!r}, which sk_dann "
                                 "does not load (it loads " + ", ".join(PIPELINES) + ")")
        model = PIPELINES[pipeline_class](steps, verbose=bool(record["verbose"]))
    else:
        raise ModelFileError(f"unknown kind of model {record['kind']!r}")
    return model


def _rebuild_transformer(record, decoder):
    name = record["class"]
    if name not in SAFE_TRANSFORMERS:
        raise ModelFileError(f"a Pipeline step of class {name!r}, which sk_dann does not "
                             "load (it loads " + ", ".join(SAFE_TRANSFORMERS) + ")")
    params = {key: decoder.decode(value) for key, value in _mapping(record["params"]).items()}
    try:
        step = SAFE_TRANSFORMERS[name](**params)
    except TypeError as error:
        raise ModelFileError(f"the {name} step has parameters it does not take ({error})")
    for key, value in _mapping(record["attributes"]).items():
        _check_attribute_name(key, step)
        setattr(step, key, decoder.decode(value))
    return step


def _check_attribute_name(key, owner):
    """An attribute a file may set: a plain name, never one of the class's
    own (a method, a property) that the value would replace."""
    if not key.isidentifier() or key.startswith("__") or hasattr(type(owner), key):
        raise ModelFileError(f"the {type(owner).__name__} has an attribute named {key!r}")


def _check_widths(estimator, module_state):
    """The layer widths the network would be built with, against the weights
    the file holds (at most the file's size): each must be one of their
    dimensions, so that nothing huge is allocated before the comparison."""
    dims = {size for tensor in module_state.values() for size in tensor.shape}
    shape = tuple(estimator.input_shape_)
    widths = list(_layer_sizes(estimator.domain_hidden_layer_sizes))
    if estimator._is_mlp() and len(shape) == 1:
        widths += [*_layer_sizes(estimator.hidden_layer_sizes), shape[0]]
    if any(width not in dims for width in widths):
        raise ModelFileError("its layer widths do not match its weights")


def _check_input_shape(estimator):
    """The file's input shape: the network is built from one such row."""
    shape = tuple(estimator.input_shape_)
    if not all(isinstance(side, int) and 0 < side <= _MAX_IMAGE_SIDE for side in shape) or (
            np.prod(shape, dtype=np.float64) > _MAX_IMAGE_VALUES):
        raise ModelFileError(f"input_shape_ {shape} is not a plausible input shape")


def _check_threads(estimator):
    """The file's thread counts (torch would start that many threads)."""
    for name in ("n_threads_", "n_threads"):
        threads = getattr(estimator, name)
        if name == "n_threads" and threads in (None, KEEP_TORCH_SETTING):
            continue
        if not (isinstance(threads, int) and -1 <= threads <= _MAX_THREADS and threads):
            raise ModelFileError(f"{name}={threads!r} is not a plausible thread count")


def _rebuild_estimator(record, prefix, decoder, given):
    name = record["class"]
    if name not in ESTIMATORS:
        raise ModelFileError(f"a model of class {name!r}, which is not an sk_dann estimator")
    cls = ESTIMATORS[name]
    params = {key: decoder.decode(value) for key, value in _mapping(record["params"]).items()}
    supplied = _mapping(record["supplied_at_load"])
    missing = [key for key in supplied if key not in given]
    if missing:
        listing = "; ".join(f"{key} (it was {supplied[key]})" for key in missing)
        raise _CallerError(TypeError(
            f"This {name} was saved with parameters that a safe file cannot hold as data: "
            f"{listing}. Pass them to load_model, e.g. load_model(path, "
            + ", ".join(f"{key}=..." for key in missing) + ")"
            + (", with a feature_extractor module built as for the fit (its weights come "
               "from the file)" if "feature_extractor" in missing else "") + "."))
    unknown = sorted(set(given) - set(cls().get_params(deep=False)))
    if unknown:
        raise _CallerError(TypeError(
            f"load_model got {unknown}, which are not parameters of {name}."))
    for key, kinds in _PLAIN_ONLY.items():
        if key in params and not isinstance(params[key], kinds):
            raise ModelFileError(f"the parameter {key} is a {type(params[key]).__name__}, "
                                 "which sk_dann never writes")
    if is_deprecated_keep_torch_setting(params.get("n_threads")):
        # A file written before 0.11 spells "keep torch's setting" -1: read it
        # as today's spelling instead of warning about a value the user never wrote.
        params["n_threads"] = KEEP_TORCH_SETTING
    estimator = cls(**params)
    estimator._check_params()  # the file's values (an error here is the file's)
    for key, value in _mapping(record["attributes"]).items():
        _check_attribute_name(key, estimator)
        if not key.endswith("_") and key != "_sklearn_output_config":
            raise ModelFileError(f"{key!r} is not a fitted attribute")
        setattr(estimator, key, decoder.decode(value))
    if record.get("n_features_out") is not None:
        estimator._n_features_out = int(record["n_features_out"])
    _check_threads(estimator)
    _apply_given(estimator, given)
    net_record = _mapping(record["net"])
    module_state = {key: decoder.tensor(f"{prefix}module.{key}")
                    for key in _list(record["module_keys"])}
    generator_state = decoder.decode(net_record["batch_generator_state_"])
    if generator_state is not None:
        try:  # a torch.Generator checks the state's size and content
            torch.Generator().set_state(generator_state)
        except (RuntimeError, TypeError):
            raise ModelFileError("the batch order's generator state is invalid") from None
    # What the network is built from may come from the caller: then a
    # mismatch with the saved weights is the caller's error, not the file's.
    shaped_by_caller = set(given) & {*estimator._STRUCTURAL_PARAMS, "lambda_schedule",
                                     "lr_schedule"}
    optimizer_state = decoder.decode(net_record["optimizer_state"])
    _check_input_shape(estimator)
    try:
        _check_widths(estimator, module_state)
        _restore_estimator_net(estimator, net_record, module_state, optimizer_state,
                               generator_state)
    except (ValueError, TypeError, RuntimeError) as error:
        if not shaped_by_caller:
            raise
        raise _CallerError(ValueError(
            f"The network built with the given {sorted(shaped_by_caller)} does not fit the "
            f"saved weights: {' '.join(str(error).split())[:300]}")) from None
    return estimator


def _apply_given(estimator, given):
    """The caller's parameters over the file's; their errors are the caller's."""
    try:
        estimator.set_params(**given)
        estimator._check_params()
    except (TypeError, ValueError) as error:
        raise _CallerError(type(error)(f"load_model's parameters: {error}")) from None
    from .runtime import resolve_device

    try:
        resolve_device(estimator.device)
    except ValueError as error:
        hint = ("" if "device" in given else
                f" This model was saved with device={estimator.device!r}; pass "
                "device='cpu' (or 'auto') to load_model to load it here.")
        raise _CallerError(ValueError(f"{error}{hint}")) from None


def _restore_estimator_net(estimator, net_record, module_state, optimizer_state,
                           generator_state):
    with _seeded_torch(estimator.seed_, "cpu"):
        estimator._restore_net(
            module_state,
            optimizer_class=net_record["optimizer_class"],
            optimizer_state=optimizer_state,
            history=History(_list(net_record["history"])),
            progress={key: int(net_record[key]) for key in _NET_STATE},
            batch_generator_state=generator_state,
            reversal_lambda=float(net_record["reversal_lambda"]))
