"""What the DANN estimators share: parameters, validation, network, training.

:class:`BaseDANN` holds the machinery and the constructor;
:mod:`sk_dann.classifier` and :mod:`sk_dann.regressor` say what a label is
(the classifier adds ``class_weight``), and both documentation strings take
the shared entries from :mod:`sk_dann._docstrings`.
"""
import copy
import inspect
import math
import numbers
import re
import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import _safe_indexing, check_consistent_length, check_random_state
from sklearn.utils._param_validation import Hidden, Options, StrOptions
from sklearn.utils.validation import (_check_sample_weight, _get_feature_names, check_array,
                                      check_is_fitted, column_or_1d, validate_data)
from skorch.callbacks import Callback, EarlyStopping, LRScheduler, ProgressBar
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from ._version import __version__
from .callbacks import (BestEpochRule, ProgressLRScheduler, ReversalScheduler,
                        StopOnDivergence, callback_of, find_early_stopping,
                        find_early_stoppings)
from ._callers import refuse_pipeline_bypass as _refuse_pipeline_bypass
from ._dask_arrays import refuse_dask_array
from .exceptions import InterruptedFitWarning, NoTargetDataWarning, SavedVersionWarning
from .domains import (align_columns, check_unique_columns, count_rows_in,
                      packed_unlabeled_mask, row_digests, stack_rows, target_mask,
                      warn_columns_matched_by_position)
from ._params import NUMBER_AT_LEAST_ZERO, POSITIVE_INT, SHARED_CONSTRAINTS, StrictInterval
from .images import (IMAGE_LAYOUTS, NORMALIZATIONS, ImageAugmentation, build_image_input,
                     resolve_image_layout)
from .batching import DOMAIN, LABEL, WEIGHT, training_targets
from . import data_parallel
from .net import DANNNet
from .networks import ACTIVATIONS, FEATURE_EXTRACTORS, build_dann_module, check_submodule
from .runtime import (DEPRECATED_KEEP_TORCH_SETTING, KEEP_TORCH_SETTING, fixed_n_threads,
                      fused_step_supported, is_deprecated_keep_torch_setting, resolve_device, resolve_n_threads, torch_threads,
                      warn_if_bfloat16_is_slow)
from .schedules import LAMBDA_SCHEDULES, LR_SCHEDULES, resolve_schedule

__all__ = [
    "BaseDANN",
]

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
#: torch.compile's modes, accepted as ``compile="<mode>"``.
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


@dataclass
class TrainingRows:
    """What an input mode's resolver says of the rows of a fit, before the
    labels are encoded: every input mode (``X_target=``, ``sample_domain=``,
    packed) returns this record.

    Attributes
    ----------
    X : ndarray, sparse matrix or memmap
        All training rows, source and target, stacked.
    y_labeled : ndarray
        The labels of the rows ``labeled`` marks, in order.
    labeled : ndarray of bool
        Rows whose label trains the label head.
    is_target : ndarray of bool
        Rows of the target domain.
    sample_weight : ndarray of float
        Per row of ``X`` (0 for rows added without a weight).
    n_packed_unlabeled : int
        In packed data, the rows with the unlabeled marker (0 otherwise).
    packed : bool
        Whether the marker in ``y`` is what told the domains apart.
    """

    X: object
    y_labeled: np.ndarray
    labeled: np.ndarray
    is_target: np.ndarray
    sample_weight: np.ndarray
    n_packed_unlabeled: int = 0
    packed: bool = False


class BaseDANN(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """What :class:`~sk_dann.DANNClassifier` and :class:`~sk_dann.DANNRegressor`
    share: parameters, input checks, the network, the training around the
    skorch net (threads, seeds, continued fits), inference of features and
    domains.

    A subclass says what a label is (its packed marker follows from its
    scikit-learn type, :meth:`_unlabeled_rows`): :meth:`_encode_labels` (labels -> training values, fitted
    label attributes), :meth:`_label_weights` (``class_weight``), the loss
    (:attr:`_criterion`) and the label head's width (:meth:`_n_outputs`).
    """

    _parameter_constraints = {
        **SHARED_CONSTRAINTS,  # batch_size, device, precision, verbose
        "feature_extractor": [StrOptions(set(FEATURE_EXTRACTORS)), torch.nn.Module, None],
        "hidden_layer_sizes": ["array-like", POSITIVE_INT],
        "domain_hidden_layer_sizes": ["array-like", POSITIVE_INT],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [StrictInterval(Real, 0, 1, closed="left")],
        "domain_input_layer": [str, None],
        "image_layout": [StrOptions(set(IMAGE_LAYOUTS))],
        "image_normalization": [StrOptions(set(NORMALIZATIONS)), tuple, list, None],
        "augmentation": [ImageAugmentation, None],
        "lambda_max": [NUMBER_AT_LEAST_ZERO],
        "lambda_schedule": [StrOptions(set(LAMBDA_SCHEDULES)), callable],
        "lr": [StrictInterval(Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions(set(LR_SCHEDULES)), callable],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "momentum": [StrictInterval(Real, 0, 1, closed="both")],  # as MLPClassifier
        "weight_decay": [NUMBER_AT_LEAST_ZERO],
        "max_epochs": [POSITIVE_INT],
        "n_threads": [POSITIVE_INT, StrOptions({KEEP_TORCH_SETTING}),
                      Hidden(Options(Integral, {DEPRECATED_KEEP_TORCH_SETTING})), None],
        "random_state": ["random_state"],
        "on_divergence": [StrOptions({"raise", "restore_best"})],
        "warm_start": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [StrictInterval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [POSITIVE_INT],
        "tol": [NUMBER_AT_LEAST_ZERO],
        "callbacks": [list, None],
        "distributed": [StrOptions({"auto"}), "boolean"],
        "compile": ["boolean", StrOptions(set(COMPILE_MODES)), dict],
    }

    def __init__(self, *, feature_extractor=None, hidden_layer_sizes=(256,),
                 domain_hidden_layer_sizes=(256,), activation="relu", dropout=0.0,
                 domain_input_layer=None, image_layout="auto",
                 image_normalization="channel", augmentation=None,
                 lambda_max=0.3, lambda_schedule="ramp", lr=0.01,
                 lr_schedule="annealed", optimizer="sgd", momentum=0.9,
                 weight_decay=0.0, batch_size=64, max_epochs=100, device="auto",
                 n_threads=None, precision="float32", random_state=None, verbose=0,
                 on_divergence="raise", warm_start=False, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, tol=1e-4, callbacks=None,
                 distributed="auto", compile=False):
        self.feature_extractor = feature_extractor
        self.hidden_layer_sizes = hidden_layer_sizes
        self.domain_hidden_layer_sizes = domain_hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.domain_input_layer = domain_input_layer
        self.image_layout = image_layout
        self.image_normalization = image_normalization
        self.augmentation = augmentation
        self.lambda_max = lambda_max
        self.lambda_schedule = lambda_schedule
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.optimizer = optimizer
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.device = device
        self.n_threads = n_threads
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose
        self.on_divergence = on_divergence
        self.warm_start = warm_start
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.callbacks = callbacks
        self.distributed = distributed
        self.compile = compile

    # -- fit -------------------------------------------------------------------
    def fit(self, X, y, X_target=None, sample_domain=None, sample_weight=None):
        """Fit on labeled source rows and unlabeled target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or image array
            Source rows, or packed source and target rows. DataFrame column
            names are kept and checked at predict time.
        y : array-like of shape (n_samples,)
            Labels. In packed data (no ``X_target``, no ``sample_domain``)
            the unlabeled marker (``-1`` for the classifier, NaN for the
            regressor) marks target rows; with ``X_target`` every value is a
            label.
        X_target : array-like of shape (n_target, n_features), default=None
            Unlabeled target rows, if not packed into ``X``. A DataFrame's
            columns are matched to ``X``'s by name. Behind transformers, use
            :func:`~sk_dann.make_da_pipeline`, whose ``fit`` takes
            ``X_target`` and fits the transformers on both domains (a plain
            ``Pipeline`` would pass these rows past its steps, and is refused).
        sample_domain : array-like of int, default=None
            Domain of each row of ``X``: positive = a source domain, negative =
            a target domain. Needed only for labeled target rows or several
            source domains. Routed by scikit-learn's metadata routing
            (``set_fit_request(sample_domain=True)``) when it is enabled.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row of ``X`` in the label loss (multiplied by
            ``class_weight``'s); ignored on unlabeled rows. A labeled row of
            weight 0 is left out entirely, as if it were not there. Routed
            like ``sample_domain`` (``set_fit_request(sample_weight=True)``).

        Returns
        -------
        self
        """
        return self._fit(X, y, X_target, sample_domain, sample_weight, epochs=None)

    def _fit(self, X, y, X_target, sample_domain, sample_weight, epochs, classes=None):
        self._check_params()
        self._check_users_early_stopping(validating=self.early_stopping and epochs is None)
        self._resolve_schedules()
        continuing = hasattr(self, "net_") and (epochs is not None or self.warm_start)
        layout = self._process_layout(epochs)
        self.device_ = resolve_device(self.device)
        if layout.prints:  # the user's fit or partial_fit called _fit
            warn_if_bfloat16_is_slow(self.device_, self.precision, stacklevel=3)
        if layout.parallel:
            self.device_ = data_parallel.rank_device(self.device_)
            data_parallel.check_device_matches_backend(self.device_)
            if self.device_.startswith("cuda"):
                # NCCL's collectives run on the current device: this rank's GPU.
                torch.cuda.set_device(self.device_)
        if continuing:
            self._check_structure_unchanged()
        X_all, targets = self._validate_training_data(
            X, y, X_target, sample_domain, sample_weight, reset=not continuing,
            classes=classes)
        is_target = targets[:, DOMAIN] == 1
        if is_target.any():
            self._check_adaptable(reset=not continuing)
        if continuing and layout.prints:
            self._warn_if_schedules_ended(epochs)
        if not is_target.any() and self.lambda_max != 0 and layout.prints:
            warnings.warn(
                f"fit got no target rows (no X_target and no {self._MARKER}), so it "
                "trains a source-only model without domain adaptation. "
                f"Pass X_target=..., or pack target rows into X with {self._MARKER}.",
                NoTargetDataWarning, stacklevel=3)
        if not continuing:
            self.seed_ = int(check_random_state(self.random_state).randint(
                np.iinfo(np.int32).max))
        if layout.parallel:
            self._check_same_on_every_rank(X_all, targets)
            # random_state=None draws a seed per rank; the batches and the
            # validation split must be the same on all: rank 0's.
            self.seed_ = data_parallel.broadcast_from_first(self.seed_)
        # As in MLPClassifier, partial_fit (one epoch a call) does not stop early.
        X_all, targets, validation = (self._validation_split(X_all, targets, layout.prints)
                                      if epochs is None else (X_all, targets, None))

        epochs_before = len(self.net_.history) if continuing else 0
        threads = resolve_n_threads(self.n_threads)
        self.n_threads_ = threads or torch.get_num_threads()
        try:
            with torch_threads(threads):
                if continuing:
                    self._continue_training(X_all, targets, epochs, validation, layout)
                else:
                    self._train_new_network(X_all, targets, epochs, validation, layout)
        finally:
            # Also when training raised: the net must not keep the validation
            # rows (train_split) or the training data (its iterator).
            if hasattr(self, "net_"):
                self.net_.forget_training_state()
        self.world_size_ = layout.world_size
        self.compile_time_ = self.net_.compile_time_
        self.history_ = self.net_.history
        early = find_early_stopping(self.net_.callbacks_)
        self.best_epoch_ = (None if early is None else BestEpochRule.of(early).best_epoch(
            self.history_, first_epoch=epochs_before + 1))
        self.n_iter_ = len(self.history_)
        self._drop_unfinished_epoch()
        return self

    def _check_adaptable(self, reset):
        """Settings under which a fit with target rows could not adapt."""
        if self.batch_size < 2:
            raise ValueError(
                f"batch_size={self.batch_size} cannot be split into half source, half "
                "target rows: a step would take one row of each domain, twice the batch "
                "asked for. Use batch_size >= 2 (the default is 64).")
        mlp = self.feature_extractor == "mlp" or (
            self.feature_extractor in (None, "auto") and self.image_layout_ is None)
        if (reset and mlp and self.lambda_max > 0
                and not _layer_sizes(self.hidden_layer_sizes)):
            raise ValueError(
                "hidden_layer_sizes=() leaves the MLP feature extractor without layers: "
                "the domain head would see the raw inputs, its reversed gradient would "
                "have no weights to adapt, and lambda_max would change nothing (only the "
                "label and domain heads train). Give the extractor a layer, e.g. "
                "hidden_layer_sizes=(256,), or set lambda_max=0 for a source-only model.")

    def _warn_if_schedules_ended(self, epochs):
        """Say where a continued fit's schedules stand when a user would not
        expect it: the first ``partial_fit`` past ``max_epochs`` (the
        schedules have ended), and a warm start with a new ``lr`` (which the
        schedule's factor at the progress reached scales too)."""
        user_lr = self._user_owns_lr()
        if epochs is not None and len(self.net_.history) == self.max_epochs:
            end_lambda = self.lambda_max * self._lambda_schedule(1.0)
            end_lr = ("" if user_lr else
                      f" and the learning rate at {self.lr * self._lr_schedule(1.0):.4g} "
                      "(lr times lr_schedule(1))")
            warnings.warn(
                f"partial_fit trains epoch {self.max_epochs + 1}, past max_epochs="
                f"{self.max_epochs}, where the schedules end: from here on lambda stays at "
                f"{end_lambda:.4g}{end_lr}. To ramp and anneal over a longer run, set "
                "max_epochs to the number of partial_fit calls before the first one.",
                UserWarning, stacklevel=4)
            return
        progress = self.net_.training_progress()
        factor = self._lr_schedule(progress)
        if epochs is None and not user_lr and self.lr != self.net_.lr and factor != 1:
            where = ("at their end (p = 1)" if progress >= 1 else
                     f"at p = {progress:.3g}, where the last fit stopped")
            goes_on = "" if progress >= 1 else ", lower as the schedule goes on"
            warnings.warn(
                f"warm_start continues the schedules {where}, and lr_schedule(p) = "
                f"{factor:.4g} there: the new lr={self.lr:g} trains at "
                f"{self.lr * factor:.4g}{goes_on}. To train at lr as given, set "
                "lr_schedule=\"constant\" as well.", UserWarning, stacklevel=4)

    def _resolve_schedules(self):
        """Schedule names to functions, callables checked (once per fit)."""
        self._lambda_schedule = resolve_schedule(
            self.lambda_schedule, LAMBDA_SCHEDULES, "lambda_schedule",
            negative_means="a negative lambda would train the features to tell the "
            "domains apart instead of hiding them")
        self._lr_schedule = resolve_schedule(
            self.lr_schedule, LR_SCHEDULES, "lr_schedule",
            negative_means="a negative learning rate trains by gradient ascent",
            all_zero_allowed=False)

    def _process_layout(self, epochs):
        """Where this fit stands among the processes of ``torch.distributed``."""
        layout = data_parallel.process_layout(self.distributed)
        if layout.parallel and epochs is not None:
            raise ValueError(
                "partial_fit trains in one process, but a torch.distributed group of "
                f"{layout.world_size} processes is initialised. Call fit to train "
                "data-parallel, or set distributed=False to train each process's own "
                "model with partial_fit.")
        return layout

    #: Parameters that may differ between the ranks of a data-parallel fit.
    _PER_RANK_PARAMS = ("verbose", "distributed", "device", "random_state", "n_threads",
                        "callbacks")

    def _check_same_on_every_rank(self, X, targets):
        """Data-parallel fits need the same rows and parameters on every rank:
        shapes, a fingerprint of the rows and of the labels and weights, and
        every parameter but those that are the rank's own business."""
        # repr without memory addresses: a schedule function is the same
        # function on every rank, at another address.
        params = {name: re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))
                  for name, value in self.get_params(deep=False).items()
                  if name not in self._PER_RANK_PARAMS}
        data_parallel.check_same_on_every_rank(
            data_shape=tuple(X.shape),
            rows_fingerprint=data_parallel.fingerprint(X),
            labels_and_weights_fingerprint=data_parallel.fingerprint(targets),
            classes=repr(getattr(self, "classes_", None)),
            device_type=torch.device(self.device_).type, **params)

    def _validation_split(self, X, targets, warn=True):
        """``(X, targets, validation)``: with ``early_stopping``, a share of the
        labeled source rows moves to a skorch validation dataset. ``warn``:
        whether this process warns of a small split (rank 0 of several)."""
        if not self.early_stopping:
            return X, targets, None
        source = np.flatnonzero((targets[:, WEIGHT] > 0) & (targets[:, DOMAIN] == 0))
        n_valid = int(round(self.validation_fraction * len(source)))
        if n_valid < 1 or n_valid >= len(source):
            raise ValueError(
                f"early_stopping holds out validation_fraction={self.validation_fraction} "
                f"of the {len(source)} labeled source rows, which leaves "
                f"{n_valid} for validation; raise validation_fraction, add labeled "
                "rows, or set early_stopping=False.")
        stratify = None
        if self._STRATIFY_VALIDATION:
            stratify = targets[source, LABEL]
            self._check_stratified_split(stratify, n_valid)
        _, valid = train_test_split(source, test_size=n_valid, stratify=stratify,
                                    random_state=self.seed_)
        if warn and n_valid < self._FEW_VALIDATION_ROWS:
            warnings.warn(
                f"early_stopping holds out {n_valid} labeled source rows for validation "
                f"(validation_fraction={self.validation_fraction} of {len(source)}): its "
                "loss is too noisy to tell the best epoch. Raise validation_fraction, "
                "add labeled rows, or set early_stopping=False.", UserWarning, stacklevel=4)
        keep = np.ones(len(targets), dtype=bool)
        keep[valid] = False
        validation = Dataset(_safe_indexing(X, valid), targets[valid])
        return _safe_indexing(X, np.flatnonzero(keep)), targets[keep], validation

    #: Fewer validation rows than this get a warning (early stopping on noise).
    _FEW_VALIDATION_ROWS = 10

    def _check_stratified_split(self, codes, n_valid):
        """A classifier's validation rows are stratified, as in MLPClassifier:
        every class in both parts. Refuse the split when it cannot be
        (otherwise held-out classes never train, the validation accuracy is 0
        and early stopping restores an arbitrary epoch)."""
        values, counts = np.unique(codes, return_counts=True)
        if counts.min() < 2:
            rare = [self.classes_[int(v)] for v in values[counts < 2]]
            raise ValueError(
                f"early_stopping needs at least 2 labeled source rows of every class, one "
                "to train and one to validate; "
                + (f"{len(rare)} classes have" if len(rare) > 1 else "1 class has")
                + f" only 1 ({_format_labels(rare)}). Add labeled rows of "
                "such classes, or set early_stopping=False.")
        n_train = len(codes) - n_valid
        if n_valid < len(values):
            raise ValueError(
                f"early_stopping splits the {len(codes)} labeled source rows into "
                f"{n_train} for training and {n_valid} for validation, and the validation "
                f"part cannot hold each of the {len(values)} classes. Raise "
                f"validation_fraction (to {math.ceil(100 * len(values) / len(codes)) / 100:g} "
                "or more here), add labeled rows, or set early_stopping=False.")
        if n_train < len(values):
            raise ValueError(
                f"early_stopping splits the {len(codes)} labeled source rows into "
                f"{n_train} for training and {n_valid} for validation, and the training "
                f"part cannot hold each of the {len(values)} classes. Lower "
                "validation_fraction, add labeled rows, or set early_stopping=False.")

    def _train_new_network(self, X, y_net, epochs, validation, layout):
        with _seeded_torch(self.seed_, self.device_):
            module = self._new_module(X)
            self._built_structure = self._structure()
            self.net_ = self._build_net(module, self.seed_, validation, layout)
            if epochs is None:
                self.net_.fit(X, y_net)
            else:
                self.net_.initialize()
                self.net_.partial_fit(X, y_net, epochs=epochs)
        self._n_features_out = int(self.net_.infer_head(X[:1], "features").shape[1])

    def _continue_training(self, X, y_net, epochs, validation, layout):
        # A seed per step count: continued training is reproducible too.
        seed = self.seed_ + self.net_.train_steps_done_
        with _seeded_torch(seed, self.device_):
            self.net_ = self._continued_net(
                schedule_epochs=self.max_epochs if epochs is not None else None,
                validation=validation, layout=layout)
            if layout.parallel:
                # Ranks may come from fits of their own (distributed=False):
                # continue all from rank 0's state (DDP sends its weights).
                data_parallel.continue_from_first(self.net_)
            self.net_.partial_fit(X, y_net, epochs=epochs or self.max_epochs)

    def _new_module(self, X):
        """A new :class:`~sk_dann.networks.DANNModule` for training rows ``X``
        (widths from its first row; image statistics from all of it)."""
        return build_dann_module(
            _copy_module(self.feature_extractor), self._n_outputs(), _first_row(X),
            hidden_layer_sizes=_layer_sizes(self.hidden_layer_sizes),
            domain_hidden_layer_sizes=_layer_sizes(self.domain_hidden_layer_sizes),
            activation=self.activation, dropout=self.dropout,
            input_transform=self._image_input(X),
            domain_input_layer=self.domain_input_layer)

    def _restore_net(self, module_state, optimizer_class, optimizer_state, history, progress,
                     batch_generator_state, reversal_lambda):
        """Rebuild ``net_`` from the parameters and fitted attributes, around
        saved weights (:func:`sk_dann.persistence.load_model`).

        The network is built as ``fit`` builds it, from ``input_shape_`` and
        the image options instead of the training rows, then the saved
        ``module_state`` replaces every weight and buffer (image statistics
        included). ``optimizer_state`` (of an optimizer named
        ``optimizer_class``; another optimizer starts afresh), ``history``,
        ``progress`` (the net's ``max_epochs``, ``train_steps_done_``,
        ``batches_per_epoch_``) and the batch order's generator state let a
        later ``partial_fit`` continue as it would have.
        """
        self._resolve_schedules()
        self.device_ = resolve_device(self.device)
        module = self._new_module(np.zeros((1, *self.input_shape_), dtype=np.float32))
        try:
            module.load_state_dict(module_state)
        except RuntimeError as error:
            detail = " ".join(str(error).split())[:400]
            raise ValueError(
                "The saved weights do not fit the network built from the saved parameters "
                f"({detail}). A feature_extractor passed to load_model must be built "
                "exactly as the one that was fitted (same layers and sizes).") from None
        self._built_structure = self._structure()
        self.net_ = self._build_net(module, self.seed_)
        self.net_.initialize()
        same_optimizer = type(self.net_.optimizer_).__name__ == optimizer_class
        self.net_.resume(history=history, **progress,
                         batch_generator_state=batch_generator_state,
                         optimizer_state=optimizer_state if same_optimizer else None)
        self.history_ = history
        self.net_.module_.reversal.lambda_ = reversal_lambda

    #: Parameters that shape the network: a continued fit (``warm_start``,
    #: ``partial_fit``) cannot change them, so it refuses to run if they did.
    _STRUCTURAL_PARAMS = ("feature_extractor", "hidden_layer_sizes",
                          "domain_hidden_layer_sizes", "activation", "dropout",
                          "domain_input_layer", "image_layout", "image_normalization",
                          "augmentation")

    def _structure(self):
        """The structural parameters, in a form that compares by value."""
        # repr: a module compares by its architecture, not as an object.
        return {name: _layer_sizes(getattr(self, name)) if name.endswith("layer_sizes")
                else repr(getattr(self, name)) for name in self._STRUCTURAL_PARAMS}

    def _check_structure_unchanged(self):
        built = getattr(self, "_built_structure", None)  # None: saved before 0.3
        if built is None:
            return
        changed = [name for name, value in self._structure().items() if built[name] != value]
        if changed:
            raise ValueError(
                f"{', '.join(changed)} changed since the network was built, but a "
                "continued fit (warm_start=True or partial_fit) keeps the fitted "
                "network. Set warm_start=False to train a new network with the new "
                "value, or set the old value back to continue training.")

    def _continued_net(self, schedule_epochs=None, validation=None,
                       layout=data_parallel.SINGLE_PROCESS):
        """A net built from the current parameters around the fitted module.

        What can change between fits (``lr``, the schedules, ``lambda_max``,
        ``optimizer``, ``momentum``, ``weight_decay``, ``batch_size``,
        ``device``, ``precision``, ``verbose``, ``on_divergence``) takes effect;
        the weights, the optimizer's state (same optimizer class), the
        training progress and the history carry over. ``schedule_epochs``
        (``partial_fit``) is the schedules' horizon; ``None`` (``warm_start``)
        keeps the old one, so the schedules stay at their end.
        """
        old = self.net_
        net = self._build_net(old.module_, self.seed_, validation, layout)
        net.initialize()
        net.resume(
            history=old.history,
            max_epochs=old.max_epochs if schedule_epochs is None else schedule_epochs,
            train_steps_done_=old.train_steps_done_,
            batches_per_epoch_=old.batches_per_epoch_,
            batch_generator_state=old.batch_generator_state_,
            optimizer_state=(old.optimizer_.state_dict()["state"]
                             if type(net.optimizer_) is type(old.optimizer_) else None))
        return net

    def _image_input(self, X):
        """The network's first layer for image arrays (``None`` for other X)."""
        if self.image_layout_ is None:
            if self.augmentation is not None:
                raise ValueError(
                    f"augmentation applies to image arrays, but X has per-row shape "
                    f"{self.input_shape_}. Pass augmentation=None for rows of features.")
            return None
        return build_image_input(X, self.image_layout_, self.image_normalization,
                                 copy.deepcopy(self.augmentation))

    def _drop_unfinished_epoch(self):
        """After Ctrl-C (skorch ends training quietly), keep finished epochs only."""
        if len(self.history_) and "train_loss" not in self.history_[-1]:
            epoch = len(self.history_)
            del self.history_[-1]
            warnings.warn(
                f"Training was interrupted in epoch {epoch}. The estimator is usable: "
                "it keeps the weights it had at that moment, and history_ lists "
                f"the {epoch - 1} finished epochs. Call fit again to start over, or "
                "partial_fit to train more epochs.", InterruptedFitWarning, stacklevel=3)

    def _build_net(self, module, seed, validation=None, layout=data_parallel.SINGLE_PROCESS):
        """The skorch net for ``module``, from the current parameters.

        ``validation`` (a skorch Dataset of held-out labeled source rows) is
        scored every epoch, and early stopping watches its loss. ``layout``
        (:mod:`sk_dann.data_parallel`): a data-parallel fit trains through DDP,
        and only its rank 0 prints."""
        verbose = self.verbose if layout.prints else 0
        optimizer = OPTIMIZERS.get(self.optimizer, self.optimizer)
        optimizer_params = {"optimizer__weight_decay": self.weight_decay}
        compile_options = self._compile_options()
        device_type = torch.device(self.device_).type
        if optimizer in OPTIMIZERS.values() and fused_step_supported(optimizer, device_type):
            # One kernel for all parameters: the step's share of a CPU epoch
            # at batch 64 drops by about a quarter (benchmarks/epoch_profile.py).
            optimizer_params["optimizer__fused"] = True
        if optimizer is torch.optim.SGD:
            optimizer_params["optimizer__momentum"] = self.momentum
        progress_bar = ([("progress_bar", ProgressBar(batches_per_epoch="count"))]
                        if verbose >= 2 else [])
        # A skorch LRScheduler of the user's owns the learning rate; then
        # lr_schedule is not applied, and the history records what it set.
        user_lr = self._user_owns_lr()
        # A user's own EarlyStopping replaces sk_dann's (it may monitor
        # another key, or keep other weights); early_stopping=True then only
        # holds out the validation rows it may monitor.
        users = find_early_stopping(self.callbacks)
        early_stopping = [("early_stopping", EarlyStopping(
            monitor="valid_loss", patience=self.n_iter_no_change, threshold=self.tol,
            threshold_mode="abs", load_best=True))] if (
                validation is not None and users is None) else []
        # A diverged fit keeps the epoch early stopping would have kept: the
        # first EarlyStopping in the net's order (the built-in one comes
        # first), as best_epoch_ reads it.
        early = early_stopping[0][1] if early_stopping else users
        best = BestEpochRule.of(early) if early is not None and early.load_best else None
        return DANNNet(
            module,
            criterion=self._criterion,
            train_split=None if validation is None else predefined_split(validation),
            optimizer=optimizer,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            eval_batch_size=max(1024, self.batch_size),
            seed=seed,
            device=self.device_,
            precision=self.precision,
            verbose=verbose,
            distributed=layout.parallel,
            compile=compile_options is not None,
            **{f"compile__{name}": value for name, value in (compile_options or {}).items()},
            callbacks=[
                *progress_bar,
                ("reversal", ReversalScheduler(self.lambda_max, self._lambda_schedule)),
                ("lr_schedule", ProgressLRScheduler(
                    None if user_lr else self._lr_schedule, record_only=user_lr)),
                ("stop_on_divergence", StopOnDivergence(
                    restore_best=self.on_divergence == "restore_best", best=best)),
                *early_stopping,
                *copy.deepcopy(self.callbacks or []),
            ],
            **optimizer_params,
        )

    def _user_owns_lr(self):
        """Whether a skorch ``LRScheduler`` among ``callbacks`` sets the learning rate."""
        return any(isinstance(callback_of(item), LRScheduler)
                   for item in self.callbacks or [])

    def _compile_options(self):
        """The keyword arguments of ``torch.compile`` that ``compile`` gives;
        ``None`` without compiling (an empty dict compiles with the defaults)."""
        if isinstance(self.compile, str):
            return {"mode": self.compile}
        if isinstance(self.compile, dict):
            return self.compile
        return {} if self.compile else None

    def _check_params(self):
        """The rule table, then what a table cannot say."""
        self._validate_params()
        if is_deprecated_keep_torch_setting(self.n_threads):
            warnings.warn(
                "n_threads=-1 keeps torch's thread setting, unlike scikit-learn's -1 (all "
                "CPUs); this spelling is deprecated and will be removed in sk_dann 0.12. "
                "Pass n_threads='torch' for the same behaviour.", FutureWarning,
                stacklevel=4)
        for name in ("hidden_layer_sizes", "domain_hidden_layer_sizes"):
            sizes = getattr(self, name)
            if not isinstance(sizes, numbers.Integral) and not (
                    np.ndim(sizes) == 1 and all(
                        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0
                        for s in sizes)):
                raise ValueError(f"{name} must be a positive integer or a tuple of "
                                 f"positive integers, e.g. (256,); got {sizes!r}.")
        if isinstance(self.optimizer, type) and not issubclass(
                self.optimizer, torch.optim.Optimizer):
            raise ValueError(f"optimizer={self.optimizer!r} is not supported; use "
                             f"one of {sorted(OPTIMIZERS)} or a torch.optim.Optimizer class.")
        if self.domain_input_layer is not None:
            self._check_domain_input_layer()
        if isinstance(self.compile, dict):
            known = set(inspect.signature(torch.compile).parameters) - {"model"}
            unknown = sorted(set(self.compile) - known)
            if unknown:
                raise ValueError(
                    f"compile={self.compile!r}: {unknown} are not arguments of "
                    f"torch.compile, which takes {sorted(known)}. Pass True for its "
                    "defaults.")
        for item in self.callbacks or []:
            if not isinstance(callback_of(item), Callback) or (
                    isinstance(item, tuple) and not isinstance(item[0], str)):
                raise ValueError(
                    "callbacks must hold skorch callbacks or (name, callback) pairs, "
                    f"e.g. [skorch.callbacks.Checkpoint()]; got {item!r}.")

    def _check_users_early_stopping(self, validating):
        """An ``EarlyStopping`` in ``callbacks`` on a validation key needs the
        validation rows that only ``fit`` with ``early_stopping=True`` holds
        out (``validating``); ``partial_fit`` holds out none."""
        for early in find_early_stoppings(self.callbacks):
            if validating or not str(early.monitor).startswith("valid_"):
                continue
            if self.early_stopping:  # then this is partial_fit
                raise ValueError(
                    f"callbacks holds an EarlyStopping on {early.monitor!r}, but "
                    "partial_fit holds out no validation rows (as in MLPClassifier, "
                    "it does not stop early). Train with fit, or monitor a training "
                    "key such as 'domain_loss' or 'train_loss'.")
            raise ValueError(
                f"callbacks holds an EarlyStopping on {early.monitor!r}, which needs "
                "validation rows: set early_stopping=True (it holds out "
                "validation_fraction of the labeled source rows, and your EarlyStopping "
                "replaces the built-in one), or monitor a training key such as "
                "'domain_loss' or 'train_loss'.")

    def _check_domain_input_layer(self):
        if isinstance(self.feature_extractor, torch.nn.Module):
            check_submodule(self.feature_extractor, self.domain_input_layer)
        elif not isinstance(self.domain_input_layer, str):
            raise TypeError("domain_input_layer must be None or the name of a submodule "
                            f"of the feature extractor; got {self.domain_input_layer!r}.")
        # A named network is built in fit, where check_submodule checks the name.

    def _validate_training_data(self, X, y, X_target, sample_domain, sample_weight,
                                reset=True, classes=None):
        """Check inputs; return the stacked X and its training targets
        (:func:`~sk_dann.batching.training_targets`).

        Which rows are target rows, and whether the marker is a label, is
        each input mode's own resolver: :meth:`_rows_with_X_target`,
        :meth:`_rows_by_sample_domain` and :meth:`_packed_rows` return the
        same :class:`TrainingRows`; the label encoding and the weights
        (:meth:`_training_targets_of`) are shared. A new mode (labeled
        target rows, several sources) is one more resolver.

        ``reset=False`` (continued training) checks ``X`` against the fitted
        features and ``y`` against the fitted labels instead of setting them.
        """
        for name, data in (("X", X), ("X_target", X_target), ("y", y),
                           ("sample_weight", sample_weight)):
            refuse_dask_array(data, name, (
                f"{type(self).__name__} trains on in-memory rows: pass "
                f"{name}.compute() (a numpy memmap or a sparse matrix also works for "
                "data larger than memory). To spread model selection over a Dask "
                "cluster, run GridSearchCV under joblib.parallel_backend('dask'); to "
                "extract CNN features on one, use CNNFeatures.transform, which maps "
                "over Dask blocks."))
        if X_target is not None:
            if sample_domain is not None:
                raise ValueError(
                    "Pass target rows either as X_target or marked by "
                    "sample_domain in packed X, not both.")
            _refuse_pipeline_bypass(self)
        check_unique_columns(X, "X")
        check_unique_columns(X_target, "X_target")
        if not reset:
            self._check_image_shape(X)
        X = validate_data(self, X, reset=reset, dtype=self._input_dtype(X), allow_nd=True,
                          accept_sparse=self._accept_sparse())
        y = self._check_y(y, X.shape[0])
        sample_weight = (np.ones(X.shape[0]) if sample_weight is None
                         else _check_sample_weight(sample_weight, X, ensure_non_negative=True))
        if reset:
            self.input_shape_ = tuple(X.shape[1:])
            self.image_layout_ = resolve_image_layout(X.shape, self.image_layout)
        else:
            self._check_input_shape(X)
        if X_target is not None:
            rows = self._rows_with_X_target(X, y, sample_weight, X_target)
        elif sample_domain is not None:
            rows = self._rows_by_sample_domain(X, y, sample_weight, sample_domain)
        else:
            rows = self._packed_rows(X, y, sample_weight, reset)
        return self._training_targets_of(rows, reset, classes)

    def _rows_with_X_target(self, X, y, sample_weight, X_target):
        """``X, y`` are all source rows and every ``y`` is a label (``-1`` is
        an ordinary class, as in the ``{-1, +1}`` convention); ``X_target``
        is stacked below them, unlabeled."""
        X_target = self._validate_target(X_target, X)
        if X.dtype != X_target.dtype:
            # uint8 images are scaled per batch; once stacked with float
            # images they could not be told apart, so scale them now.
            X, X_target = _unit_float(X), _unit_float(X_target)
        marker = self._unlabeled_rows(y)
        if marker.any():
            self._refuse_target_given_twice(X, marker, X_target)
        n_source, n_target = X.shape[0], X_target.shape[0]
        is_target = np.r_[np.zeros(n_source, bool), np.ones(n_target, bool)]
        return TrainingRows(X=stack_rows(X, X_target), y_labeled=y, labeled=~is_target,
                            is_target=is_target,
                            sample_weight=np.r_[sample_weight, np.zeros(n_target)])

    def _rows_by_sample_domain(self, X, y, sample_weight, sample_domain):
        """``sample_domain``'s negative entries mark the target rows, whose
        marker ``y`` means unlabeled; a source row with the marker is
        refused as ambiguous."""
        marker = self._unlabeled_rows(y)
        is_target = target_mask(y, sample_domain)
        if (marker & ~is_target).any():
            raise ValueError(
                f"{int((marker & ~is_target).sum())} rows that sample_domain marks as "
                f"source (> 0) have {self._MARKER}, the marker of unlabeled target "
                "rows. If -1 is one of your classes (the {-1, +1} convention), pass "
                "the target rows separately, fit(X_source, y_source, "
                "X_target=X_target), where every y is a label, or recode the labels.")
        return TrainingRows(X=X, y_labeled=y[~marker], labeled=~marker,
                            is_target=is_target, sample_weight=sample_weight)

    def _packed_rows(self, X, y, sample_weight, reset):
        """Packed data (no ``X_target``, no ``sample_domain``): the marker
        (:attr:`_MARKER`) marks the unlabeled target rows."""
        marker = self._unlabeled_rows(y)
        if not reset and marker.any():
            self._check_marker_unambiguous()
        return TrainingRows(X=X, y_labeled=y[~marker], labeled=~marker, is_target=marker,
                            sample_weight=sample_weight, n_packed_unlabeled=int(marker.sum()),
                            packed=True)

    def _training_targets_of(self, rows, reset, classes):
        """The step every input mode shares: labels encoded (set or checked),
        weights (``sample_weight`` times the subclass's label weights), rows
        of weight 0 dropped; the stacked X and its training targets."""
        if not rows.labeled.any():
            raise ValueError(
                f"No labeled rows: every row has {self._MARKER} (the unlabeled-target "
                "marker). DANN needs labeled source rows; pass their labels in y.")
        if rows.is_target.all():
            raise ValueError(
                "No source rows: sample_domain marks every row as target (< 0). "
                "Source domains use positive sample_domain values.")
        labeled, X, is_target = rows.labeled, rows.X, rows.is_target
        values = self._encode_labels(rows.y_labeled, reset, classes,
                                     rows.n_packed_unlabeled, rows.packed)
        weights = np.zeros(X.shape[0])
        weights[labeled] = rows.sample_weight[labeled] * self._label_weights(
            values, counted=rows.sample_weight[labeled] > 0)
        labels = np.zeros(X.shape[0])
        labels[labeled] = values
        dropped = labeled & (weights == 0)
        if dropped.any():  # weight 0: as if the row were not there
            if not (labeled & ~dropped).any():
                raise ValueError("Every labeled row has weight 0 (sample_weight times "
                                 "class_weight); give some labeled rows a positive weight.")
            keep = np.flatnonzero(~dropped)
            X, labels, weights, is_target = (_safe_indexing(X, keep), labels[keep],
                                             weights[keep], is_target[keep])
        return X, training_targets(labels, is_target, weights)

    def _refuse_target_given_twice(self, X, marker, X_target):
        """Rows of ``X`` with the marker and ``X_target`` together: with
        ``X_target`` every ``y`` is read as a label, so target rows also
        packed into ``X`` would train as a class of their own (every target
        row then predicted as it). Refused when the marked rows are mostly
        rows of ``X_target`` and the other labeled rows are not: a genuine
        ``-1`` class (the ``{-1, +1}`` convention) matches target rows no
        more often than the other classes do (binary features, empty
        documents and a target pool that holds the source match for all)."""
        target_rows = set(row_digests(X_target))
        n_marked = int(marker.sum())
        marked_in_target = count_rows_in(_safe_indexing(X, np.flatnonzero(marker)),
                                         target_rows)
        if marked_in_target < n_marked / 2:
            return
        n_other = len(marker) - n_marked
        other_in_target = (count_rows_in(_safe_indexing(X, np.flatnonzero(~marker)),
                                         target_rows) if n_other else 0)
        if marked_in_target / n_marked - other_in_target / max(n_other, 1) >= 0.5:
            raise ValueError(
                f"The target rows were given twice: {marked_in_target} of "
                f"the {n_marked} rows of X with {self._MARKER} are also rows of "
                "X_target. With X_target, every y is read as a label, not as the "
                "unlabeled marker. Give the target rows one way: fit(X_source, "
                "y_source, X_target=X_target) with only source rows in X, or packed, "
                f"fit(X, y) with {self._MARKER} on the target rows and no X_target.")

    def _check_y(self, y, n_rows):
        """``y`` as a 1-D array of ``n_rows`` labels (the marker allowed)."""
        y = column_or_1d(np.asarray(y) if not hasattr(y, "dtype") else y, warn=True)
        check_consistent_length(np.broadcast_to(0, (n_rows,)), y)
        return y

    def _check_marker_unambiguous(self):
        """Packed data in a continued fit: the marker must not be a fitted label."""

    # -- what a label is: the subclasses' part ----------------------------------
    #: How the unlabeled marker reads in messages.
    _MARKER = "the unlabeled marker"
    #: Whether early stopping's validation rows are stratified by label.
    _STRATIFY_VALIDATION = False
    #: The loss (a :class:`~sk_dann.net.DANNLoss` class).
    _criterion = None

    def _unlabeled_rows(self, y):
        """Boolean mask of the rows of ``y`` that carry the unlabeled marker:
        the package's one convention (:func:`~sk_dann.domains.packed_unlabeled_mask`:
        ``-1`` for a classifier, ``NaN`` for a regressor), which the scorers
        read too."""
        return packed_unlabeled_mask(y, self)

    def _encode_labels(self, y_labeled, reset, classes, n_marked, packed):
        """The labels of the labeled rows as training values (float), setting
        (``reset``) or checking the fitted label attributes. ``n_marked``:
        rows with the marker in ``packed`` data (no X_target, no sample_domain)."""
        raise NotImplementedError

    def _label_weights(self, values, counted):
        """Per-row factor of the label loss for encoded ``values`` (``class_weight``);
        ``counted`` marks the rows that count (weight 0 rows are left out)."""
        return np.ones(len(values))

    def _n_outputs(self):
        """Width of the label head."""
        raise NotImplementedError

    def _validate_target(self, X_target, X):
        """``X_target`` checked against the validated ``X``; a DataFrame's
        columns are matched by name to the fitted ``feature_names_in_``."""
        n_rows = X_target.shape[0] if hasattr(X_target, "shape") else len(X_target)
        if n_rows == 0:
            raise ValueError(
                "X_target has 0 rows. Pass X_target=None to train without "
                "adaptation, or give it the unlabeled target rows.")
        fitted_names = getattr(self, "feature_names_in_", None)
        target_names = _get_feature_names(X_target)
        if fitted_names is not None and target_names is not None:
            X_target = align_columns(X_target, fitted_names, "X_target", "X")
        elif (fitted_names is None) != (target_names is None) and X.ndim == 2:
            has, lacks = ("X", "X_target") if target_names is None else ("X_target", "X")
            warn_columns_matched_by_position(has, lacks, stacklevel=6)
        X_target = check_array(X_target, dtype=self._input_dtype(X_target), allow_nd=True,
                               accept_sparse=self._accept_sparse(), input_name="X_target")
        if X_target.shape[1:] != X.shape[1:]:
            if X.ndim == 2:
                raise ValueError(
                    f"X_target has {X_target.shape[1]} features per row but X has "
                    f"{X.shape[1]}; source and target must share the same feature "
                    "columns in the same order.")
            raise ValueError(
                f"X_target has per-row shape {X_target.shape[1:]} but X has "
                f"{X.shape[1:]}; source and target images must have the same shape "
                "and layout.")
        return X_target

    def _input_dtype(self, X):
        """float32 for rows of features; images may also stay uint8 (scaled per batch)."""
        if self.image_layout == "raw":
            return np.float32
        ndim = getattr(X, "ndim", None)
        if ndim is None:
            ndim = np.asarray(X, dtype=object).ndim
        return [np.float32, np.uint8] if ndim > 2 else np.float32

    def _check_input_shape(self, X):
        expected = getattr(self, "input_shape_", None)  # None in models saved before 0.2
        if expected is not None and tuple(X.shape[1:]) != expected:
            kind = "images" if self.image_layout_ else "rows"
            raise ValueError(
                f"X has per-row shape {tuple(X.shape[1:])}, but this model was fitted on "
                f"{kind} of shape {self.input_shape_}. Give inputs shaped like the "
                "training data.")

    def _is_mlp(self):
        return self.feature_extractor in (None, "auto", "mlp")

    def _accept_sparse(self):
        # Sparse rows are densified batch by batch (see batching.take_rows).
        return ["csr"] if self._is_mlp() else False

    # -- inference ----------------------------------------------------------
    def _check_image_shape(self, X):
        """Before validate_data: its feature count would read an image's height."""
        shape = getattr(X, "shape", None)
        fitted = getattr(self, "input_shape_", None)
        if shape is not None and fitted is not None and (len(shape) > 2 or len(fitted) > 1):
            self._check_input_shape(X)

    def _validate_X(self, X):
        check_is_fitted(self)
        refuse_dask_array(X, "X", (
            "Predict block by block instead, X.map_blocks(model.predict, drop_axis=1, "
            "dtype=...) with the dtype of the predictions, or on X.compute()."))
        self._check_image_shape(X)
        check_unique_columns(X, "X")
        X = validate_data(self, X, reset=False, dtype=self._input_dtype(X), allow_nd=True,
                          accept_sparse=self._accept_sparse())
        self._check_input_shape(X)
        return X

    def _score_labeled(self, X, y, labeled, metric, sample_weight):
        """``metric(y, predict(X))`` on the ``labeled`` rows, the way both
        estimators' ``score`` skips the unlabeled marker."""
        if not labeled.any():
            raise ValueError(
                f"score needs labeled rows, but every row has {self._MARKER}. To rank "
                "models without target labels, use a scorer from sk_dann.model_selection.")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)[labeled]
        return metric(y[labeled], self.predict(_safe_indexing(X, labeled)),
                      sample_weight=sample_weight)

    def _head_output(self, X, head):
        """One head of the network (``"label_logits"``, ``"domain_logits"``,
        ``"features"``) over ``X``, validated first."""
        X = self._validate_X(X)
        # A fixed n_threads holds for inference too: a thread count changes
        # the last bits of float sums, and fixed means repeatable anywhere
        # (a Dask worker scores as the sequential run does).
        with torch_threads(fixed_n_threads(self.n_threads)):
            return self.net_.infer_head(X, head)

    def transform(self, X):
        """The learned features ``G_f(X)`` (what the domain head sees).

        Parameters
        ----------
        X : array-like or image array
            The rows to embed, shaped like the training data.

        Returns
        -------
        ndarray of shape (n_samples, n_features_out)
        """
        return self._head_output(X, "features")

    def predict_domain_proba(self, X):
        """Probabilities, by the domain head, of each row's domain.

        Shaped as every ``predict_proba``: one column per domain in the
        order of :meth:`predict_domain`'s values, source (0) then target
        (1). Before sk_dann 0.11 this returned the target column alone,
        ``(n_samples,)``; take ``[:, 1]`` for that.

        Parameters
        ----------
        X : array-like or image array
            Rows of either domain (no domain information is needed).

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Each row sums to 1.
        """
        logits = self._head_output(X, "domain_logits").astype(np.float64)
        target = 1.0 / (1.0 + np.exp(-logits))
        return np.column_stack([1.0 - target, target])

    def predict_domain(self, X):
        """Domain the domain head assigns to each row.

        Parameters
        ----------
        X : array-like or image array
            Rows whose domain the head guesses.

        Returns
        -------
        ndarray of shape (n_samples,)
            0 for source, 1 for target.
        """
        return (self.predict_domain_proba(X)[:, 1] > 0.5).astype(np.int64)

    def __getstate__(self):
        state = super().__getstate__()
        state["_sk_dann_version"] = __version__
        return state

    def __setstate__(self, state):
        saved = state.pop("_sk_dann_version", "unknown (before 0.1.0)")
        if saved != __version__ and any(key.endswith("_") for key in state):
            warnings.warn(
                f"This {type(self).__name__} was saved by sk_dann {saved} and is loaded by "
                f"sk_dann {__version__}. Its predictions are only guaranteed with the "
                "version that saved it; refit it, or install that version to use it.",
                SavedVersionWarning, stacklevel=2)
        super().__setstate__(state)

    def __sklearn_is_fitted__(self):
        # The network, not the attributes validation sets before training: a
        # first fit refused after validation (an impossible early-stopping
        # split, say) leaves an estimator that is still not fitted.
        return hasattr(self, "net_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The network computes in float32 whatever the input dtype.
        tags.transformer_tags.preserves_dtype = ["float32"]
        # CSR input is densified one batch at a time; with a user-given module
        # only dense input is accepted.
        tags.input_tags.sparse = self._is_mlp()
        return tags


def _layer_sizes(sizes):
    """Layer widths as a tuple of ints; one int is one layer (as in MLPClassifier)."""
    return (int(sizes),) if isinstance(sizes, numbers.Integral) else tuple(
        int(size) for size in sizes)


def _format_labels(labels, limit=10):
    """Labels as a user reads them: ``[10, 11]`` or ``['cat', 'dog']``."""
    labels = list(labels)
    try:
        labels = sorted(labels)
    except TypeError:  # labels of mixed types
        labels = sorted(labels, key=repr)
    shown = ", ".join(repr(label.item() if isinstance(label, np.generic) else label)
                      for label in labels[:limit])
    more = f", ... ({len(labels)} in all)" if len(labels) > limit else ""
    return f"[{shown}{more}]"


def _first_row(X):
    """Row 0 as a fresh dense tensor: the networks infer input widths from it."""
    row = X[:1]
    return torch.as_tensor(row.toarray() if sp.issparse(row) else np.array(row))


def _unit_float(X):
    """float32 ``X``; ``uint8`` images scaled to [0, 1] as the network would."""
    return X.astype(np.float32) / 255.0 if X.dtype == np.uint8 else X


def _copy_module(module):
    """A fresh copy of a user module, so refits never start from fitted weights."""
    return None if module is None else copy.deepcopy(module)


class _seeded_torch:
    """Seed torch for one fit without touching the caller's global RNG state."""

    def __init__(self, seed, device):
        self.seed = seed
        devices = [torch.device(device).index or 0] if str(device).startswith("cuda") else []
        self._fork = torch.random.fork_rng(devices=devices)

    def __enter__(self):
        self._fork.__enter__()
        torch.manual_seed(self.seed)
        return self

    def __exit__(self, *exc):
        return self._fork.__exit__(*exc)
