"""The skorch net that trains a :class:`~sk_dann.networks.DANNModule`.

Only skorch's overridable steps are changed: the loss (label loss on labeled
rows, domain loss on all rows), the iterators (balanced source/target batches)
and the bookkeeping of training progress that the schedules read. skorch's
loop, callbacks, history and persistence are kept as they are.
"""
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from skorch import NeuralNet
from skorch.callbacks import PassthroughScoring
from skorch.utils import to_tensor

from .batching import (DOMAIN, LABEL, WEIGHT, BalancedDomainBatches, SequentialBatches,
                       place_on_device)
from . import data_parallel
from .runtime import autocast, infer_in_batches

__all__ = [
    "DANNLoss",
    "DANNNet",
    "DANNRegressionLoss",
    "check_optimizer_state",
]


# What a pickled net holds in place of ``module`` when it is ``module_``.
_SAME_AS_MODULE_ = "<sk_dann: the module is module_>"


class DANNLoss(torch.nn.Module):
    """Returns ``(label_loss, domain_loss)`` for one batch (classification).

    The label loss is the cross-entropy averaged over the batch's rows with
    their weights (column :data:`~sk_dann.batching.WEIGHT`: 0 for unlabeled
    rows, ``sample_weight`` times ``class_weight`` for the others); the
    domain loss is a binary cross-entropy on the domain logit, averaged over
    all rows. Masking by arithmetic rather than boolean indexing adds no
    device-to-host sync to the loss itself; a training step still reads a
    few scalars back for the history and the divergence check (the label and
    domain losses, the domain accuracy, the training loss).
    """

    def per_row_label_loss(self, label_output, labels):
        """The label loss of each row (weights are applied by :meth:`forward`)."""
        return F.cross_entropy(label_output, labels.long(), reduction="none")

    def label_accuracy(self, label_output, y_true):
        """Accuracy on the labeled rows of a batch (validation); ``None`` for
        losses without one."""
        labeled = (y_true[:, WEIGHT] > 0).float()
        correct = (label_output.argmax(dim=1) == y_true[:, LABEL].long()).float()
        return (correct * labeled).sum() / labeled.sum().clamp(min=1.0)

    def forward(self, y_pred, y_true, totals=None):
        """``totals``: ``(label weight, rows)`` to divide by instead of this
        batch's own (a data-parallel rank's share is divided by the whole
        batch's, so that the averaged gradient is the whole batch's)."""
        # Losses in float32 even when the network ran in bfloat16.
        label_output, domain_logits = y_pred[0].float(), y_pred[1].float()
        weights = y_true[:, WEIGHT].float()
        per_row = self.per_row_label_loss(label_output, y_true[:, LABEL])
        total, rows = (weights.sum(), None) if totals is None else totals
        label_loss = (per_row * weights).sum() / torch.where(total > 0, total,
                                                             torch.ones_like(total))
        domain_target = y_true[:, DOMAIN].to(domain_logits.dtype)
        if rows is None:
            domain_loss = F.binary_cross_entropy_with_logits(domain_logits, domain_target)
        else:
            domain_loss = F.binary_cross_entropy_with_logits(
                domain_logits, domain_target, reduction="sum") / rows
        return label_loss, domain_loss


class DANNRegressionLoss(DANNLoss):
    """:class:`DANNLoss` with the weighted squared error as the label loss."""

    def per_row_label_loss(self, label_output, values):
        return (label_output.squeeze(-1) - values.float()) ** 2

    def label_accuracy(self, label_output, y_true):
        return None


class DANNNet(NeuralNet):
    r"""skorch ``NeuralNet`` for domain-adversarial training.

    ``X`` is the stacked source and target inputs; ``y`` the ``(n, 3)``
    float32 array of :func:`~sk_dann.batching.training_targets`: the encoded
    label (class code or standardised value), the domain (0 source, 1
    target) and the row's weight in the label loss (0 for unlabeled rows). The module must
    return ``(class_logits, domain_logits)`` and expose a ``reversal`` layer,
    as :class:`~sk_dann.networks.DANNModule` does.

    The net owns what the training steps share: the device (it hands it to
    the iterators and places the training data there once per fit), the
    batch order's seed, the training progress ``p`` that the schedule
    callbacks read (:meth:`training_progress`), and the two values they set,
    :meth:`set_reversal_strength` and :meth:`set_learning_rate`.

    History keys per epoch: ``train_loss``, ``label_loss``, ``domain_loss``,
    ``domain_acc`` (domain-head accuracy on training batches), with the
    schedule callbacks ``lambda`` and ``lr``, and with a validation split
    ``valid_loss`` (the label loss) and ``valid_acc`` (classification).

    Parameters
    ----------
    module : torch.nn.Module
        A :class:`~sk_dann.networks.DANNModule` or any module returning
        ``(class_logits, domain_logits)`` with a ``reversal`` layer.
    criterion : class, default=DANNLoss
    \*args, \*\*kwargs
        As for ``skorch.NeuralNet`` (``optimizer``, ``lr``, ``max_epochs``,
        ``batch_size``, ``device``, ``callbacks``, ...).
    iterator_train : class, default=BalancedDomainBatches
        Called as ``iterator_train(dataset, batch_size=, seed=, device=)``.
    iterator_valid : class, default=SequentialBatches
        Called as ``iterator_valid(dataset, batch_size=, device=)``.
    train_split : callable or None, default=None
        skorch's validation split. ``None`` (the default): none. The
        estimators pass a predefined split of held-out labeled source rows
        with ``early_stopping=True`` (:meth:`forget_training_state` drops it
        once the fit is over).
    precision : {"float32", "bfloat16"}, default="float32"
        ``"bfloat16"`` runs the module's forward passes (training and
        inference) under ``torch.autocast`` on the net's device; the weights,
        optimizer state and losses stay float32.
    seed : int, default=0
        Seed of the training batch order.
    eval_batch_size : int, default=1024
        Rows per batch in :meth:`infer_head`.
    distributed : bool, default=False
        Train data-parallel over the initialised ``torch.distributed`` group
        (:mod:`sk_dann.data_parallel`): training forward passes go through a
        ``DistributedDataParallel`` wrapper of the module (made at the first
        training step, dropped when training ends), each rank takes its share
        of every batch, and the per-batch history values are averaged over
        the ranks at the end of each epoch.
    compile : bool, default=False
        skorch's parameter, applied to the training step only: training
        forward passes and the loss (and, through them, the backward pass)
        run through ``torch.compile`` (options as skorch's
        ``compile__<name>``, e.g. ``compile__mode``), while ``module_`` stays
        the plain module (it pickles, keeps its ``state_dict`` keys, and
        inference runs eagerly). The first training step of a fit traces and
        compiles; its wall time is :attr:`compile_time_`.
    """

    def __init__(self, module, criterion=DANNLoss, *args,
                 iterator_train=BalancedDomainBatches,
                 iterator_valid=SequentialBatches, train_split=None,
                 precision="float32", seed=0, eval_batch_size=1024, distributed=False,
                 **kwargs):
        self.precision = precision
        self.seed = seed
        self.eval_batch_size = eval_batch_size
        self.distributed = distributed
        super().__init__(module, criterion, *args, iterator_train=iterator_train,
                         iterator_valid=iterator_valid, train_split=train_split,
                         **kwargs)

    def autocast(self):
        """The autocast context of ``precision`` on the net's device."""
        return autocast(self.device, self.precision)

    def infer(self, x, **fit_params):
        with self.autocast():
            if self.module_.training and torch.is_grad_enabled():
                return self._training_module()(to_tensor(x, device=self.device),
                                               **fit_params)
            return super().infer(x, **fit_params)

    def _training_module(self):
        """What training forward passes go through: the module, its DDP
        wrapper in a data-parallel fit, compiled with ``compile=True``."""
        module = self._data_parallel_module() if self.distributed else self.module_
        return self._compiled(module) if self.compile else module

    def _compiled(self, function):
        """``torch.compile(function)``, made once per training run (the
        compiled callable holds ``function``, so its id stays its own)."""
        compiled = self._compiled_functions.get(id(function))
        if compiled is None:
            compiled = torch.compile(function, **self.get_params_for("compile"))
            self._compiled_functions[id(function)] = compiled
        return compiled

    def torch_compile(self, module, name):
        """skorch's hook, which would replace ``module_`` by its compiled
        form: here a no-op, because :meth:`infer` and :meth:`get_loss` compile
        the training step and ``module_`` stays the plain module."""
        return module

    def train_step(self, batch, **fit_params):
        """skorch's step; with ``compile=True`` the fit's first step, where
        ``torch.compile`` traces and compiles, is timed (:attr:`compile_time_`)."""
        if not self.compile or self.compile_time_ is not None:
            return super().train_step(batch, **fit_params)
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                # torch.compile's first use imports torch.utils.mkldnn, whose
                # own classes use torch.jit.script_method and warn (three
                # times) that it is deprecated: torch's matter, harmless to a fit.
                warnings.filterwarnings(
                    "ignore", message=r"`torch\.jit\.script_method` is deprecated",
                    category=DeprecationWarning)
                step = super().train_step(batch, **fit_params)
        except Exception as error:
            if not type(error).__module__.startswith(("torch._dynamo", "torch._inductor")):
                raise
            first_line = (str(error).splitlines() or [""])[0]
            raise RuntimeError(
                f"compile=True: torch.compile could not compile the training step "
                f"({type(error).__name__}: {first_line}). On a CPU, torch.compile needs a "
                "C++ compiler (gcc or clang) on the PATH. Set compile=False to train "
                "without it.") from error
        if torch.device(self.device).type == "cuda":
            torch.cuda.synchronize()  # the compiled kernels ran asynchronously
        self.compile_time_ = time.perf_counter() - start
        return step

    def _data_parallel_module(self):
        """The DDP wrapper of ``module_`` for this training run (made once;
        making it broadcasts rank 0's weights to every rank)."""
        if self._data_parallel is None:
            # Held in a tuple: skorch allows module attributes only in
            # initialize, and this is training-time state, never saved.
            # Without target rows the domain head gets no gradient.
            self._data_parallel = (data_parallel.wrap_data_parallel(
                self.module_, self.device, find_unused_parameters=not self.adapting_),)
        return self._data_parallel[0]

    @property
    def _default_callbacks(self):
        return super()._default_callbacks + [
            ("label_loss", PassthroughScoring(name="label_loss", on_train=True)),
            ("domain_loss", PassthroughScoring(name="domain_loss", on_train=True)),
            ("domain_acc", PassthroughScoring(name="domain_acc", on_train=True,
                                              lower_is_better=False)),
            ("valid_acc", PassthroughScoring(name="valid_acc", lower_is_better=False)),
        ]

    # -- what the schedule callbacks set ------------------------------------
    def set_reversal_strength(self, value):
        """Set lambda, the factor of the reversed domain gradient.

        Parameters
        ----------
        value : float
        """
        self.module_.reversal.lambda_ = float(value)

    @property
    def reversal_strength(self):
        """The current lambda."""
        return self.module_.reversal.lambda_

    def set_learning_rate(self, value):
        """Set the learning rate of every parameter group of the optimizer.

        Parameters
        ----------
        value : float
        """
        for group in self.optimizer_.param_groups:
            group["lr"] = float(value)

    @property
    def learning_rate(self):
        """The current learning rate (of the first parameter group)."""
        return self.optimizer_.param_groups[0]["lr"]

    # -- data, batches and training progress -------------------------------
    def initialize(self):
        self.train_steps_done_ = 0
        self.batches_per_epoch_ = 0
        self.batch_generator_state_ = None
        self.adapting_ = True
        self.forget_training_state(settings=False)  # the layout too: one process
        self.compile_time_ = None
        return super().initialize()

    def get_dataset(self, X, y=None):
        """skorch's dataset; training data (with ``y``) goes to the device here,
        once per fit, so that no epoch or batch copies it again.

        Parameters
        ----------
        X : array, sparse matrix or tensor
        y : (n, 3) float32 array from ``training_targets``, or None for inference

        Returns
        -------
        skorch.dataset.Dataset
        """
        dataset = super().get_dataset(X, y)
        if y is not None:
            dataset.X, dataset.y = place_on_device(dataset.X, dataset.y, self.device)
        return dataset

    def get_iterator(self, dataset, training=False):
        """Balanced source/target batches for training, slices for inference.

        Parameters
        ----------
        dataset : skorch.dataset.Dataset
        training : bool, default=False

        Returns
        -------
        BalancedDomainBatches or SequentialBatches
            Built with the net's ``batch_size`` (``eval_batch_size``), ``seed``
            and ``device``.
        """
        if not training:
            return self.iterator_valid(dataset, batch_size=self.eval_batch_size,
                                       device=self.device)
        share = ({"rank": self._layout.rank, "world_size": self._layout.world_size}
                 if self._layout.parallel else {})
        iterator = self.iterator_train(dataset, batch_size=self.batch_size, seed=self.seed,
                                       device=self.device, **share)
        self.batches_per_epoch_ = len(iterator)
        self.adapting_ = iterator.adapting
        if self.batch_generator_state_ is not None:
            # Continue the batch order where the last epoch left it, so
            # epochs from several partial_fit calls match one fit's.
            iterator.set_generator_state(self.batch_generator_state_)
        self._train_iterator = iterator
        return iterator

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        """skorch hook: where this process stands among the ranks."""
        self.forget_training_state(settings=False)  # a run that raised may have left some
        self._layout = (data_parallel.process_layout(True) if self.distributed
                        else data_parallel.SINGLE_PROCESS)
        self.compile_time_ = None

    def on_epoch_end(self, net, **kwargs):
        """skorch hook: remember where the batch order is; in a data-parallel
        fit, make the epoch's batch records the average over the ranks (before
        the callbacks read them), so that every rank decides alike."""
        self.batch_generator_state_ = self._train_iterator.generator_state()
        if self._layout.parallel:
            batches = self.history[-1]["batches"]
            data_parallel.average_batch_records(
                batches, ("train_loss", "label_loss", "domain_loss", "domain_acc"))
            data_parallel.average_batch_records(
                batches, ("valid_loss", "valid_acc"), size_key="valid_batch_size",
                total_size=False)

    def on_train_end(self, net, **kwargs):
        """skorch hook: forget the run's iterator and wrappers; a data-parallel
        fit ends with rank 0's buffers (BatchNorm statistics, which each rank
        updated on its own share) on every rank."""
        if self._layout.parallel:
            data_parallel.broadcast_buffers(self.module_)
        self.forget_training_state(settings=False)

    #: What belongs to one training run, and what forgetting it leaves: the
    #: training iterator (it holds the training rows), the DDP wrapper (tied
    #: to a process group), the compiled callables (they do not pickle) and
    #: where this process stood among the ranks.
    _RUN_STATE = {"_train_iterator": None, "_data_parallel": None, "_compiled_functions": dict,
                  "_layout": data_parallel.SINGLE_PROCESS}

    def _forgotten_run_state(self, settings):
        """The attribute values of a net that remembers no training run."""
        state = {name: value() if callable(value) else value
                 for name, value in self._RUN_STATE.items()}
        if settings:
            state["distributed"] = False  # a fitted net is an ordinary one
            if callable(self.train_split):  # a predefined split holds validation rows
                state["train_split"] = None
        return state

    def forget_training_state(self, settings=True):
        """Forget everything that belongs to one training run.

        The one place that says what a finished run leaves behind: the
        training iterator (it holds the training rows), the DDP wrapper, the
        compiled callables and the process layout; with ``settings`` also
        the run's settings that hold rows or processes: a predefined
        validation split (``train_split``) and ``distributed``. The skorch
        hooks call it with ``settings=False`` at each run's start and end;
        the estimators call it once a fit is over, also one that raised; a
        pickle (a ``Checkpoint`` during training too) holds none of it.

        Parameters
        ----------
        settings : bool, default=True
            Also reset ``train_split`` (when it is a predefined split) and
            ``distributed``, so the net is an ordinary fitted one.
        """
        for name, value in self._forgotten_run_state(settings).items():
            setattr(self, name, value)

    def release_training_data(self):
        """Deprecated alias of :meth:`forget_training_state` (removed in 0.12)."""
        warnings.warn("DANNNet.release_training_data is deprecated and will be removed in "
                      "sk_dann 0.12; use forget_training_state().", FutureWarning,
                      stacklevel=2)
        self.forget_training_state()

    def __getstate__(self):
        # Never pickle one run's state (a fit that raised may have left it).
        state = super().__getstate__()
        state.update(self._forgotten_run_state(settings=True))
        # Rebuilt on load: a pickle names no class of the data-parallel module.
        state.pop("_layout", None)
        # skorch writes module_ (with the other device-bound attributes) into
        # a buffer of its own, and the module parameter beside it: the same
        # network twice. Keep one; __setstate__ makes them one object again.
        if state.get("module") is self.__dict__.get("module_"):
            state["module"] = _SAME_AS_MODULE_
        return state

    def __setstate__(self, state):
        state.setdefault("_layout", data_parallel.SINGLE_PROCESS)
        super().__setstate__(state)
        if isinstance(self.module, str) and self.module == _SAME_AS_MODULE_:
            self.module = self.module_

    def resume(self, *, history, max_epochs, train_steps_done_, batches_per_epoch_,
               batch_generator_state, optimizer_state=None):
        """Continue another training run of this network (a continued fit, a
        loaded model): its history, the schedules' horizon ``max_epochs``,
        the steps done, the batch order, and ``optimizer_state``
        (``state_dict()["state"]`` of an optimizer of this net's class: the
        momentum buffers and the like; ``None`` starts afresh). This net's
        optimizer hyper-parameters stay.

        Parameters
        ----------
        history : skorch.History
        max_epochs, train_steps_done_, batches_per_epoch_ : int
        batch_generator_state : torch.Tensor or None
        optimizer_state : dict or None
        """
        self.history = history
        self.max_epochs = max_epochs
        self.train_steps_done_ = train_steps_done_
        self.batches_per_epoch_ = batches_per_epoch_
        self.batch_generator_state_ = batch_generator_state
        if optimizer_state is not None:
            check_optimizer_state(optimizer_state, [
                p for group in self.optimizer_.param_groups for p in group["params"]])
            self.optimizer_.load_state_dict(
                {"state": optimizer_state,
                 "param_groups": self.optimizer_.state_dict()["param_groups"]})

    def training_progress(self):
        """Fraction ``p`` in [0, 1] of the planned optimisation steps done."""
        total = self.max_epochs * self.batches_per_epoch_
        return min(1.0, self.train_steps_done_ / total) if total else 0.0

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        """skorch hook: count training steps (the progress ``p``)."""
        if training:
            self.train_steps_done_ += 1

    # -- the loss ------------------------------------------------------------
    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        totals = (data_parallel.share_totals(y_true[:, WEIGHT].float(), self._layout)
                  if training and self._layout.parallel else None)
        criterion = self._compiled(self.criterion_) if training and self.compile \
            else self.criterion_
        label_loss, domain_loss = criterion(y_pred, y_true, totals)
        if not self.adapting_:
            # No target rows: a plain classifier; the domain head is idle.
            loss = label_loss
        else:
            loss = label_loss + domain_loss
        if not training:
            # Validation (held-out labeled source rows, early stopping): the
            # label loss alone, and the accuracy where there is one.
            accuracy = self.criterion_.label_accuracy(y_pred[0].float(), y_true)
            if accuracy is not None:
                self.history.record_batch("valid_acc", accuracy.item())
            return label_loss
        self.history.record_batch("label_loss", label_loss.item())
        if self.adapting_:
            domain_pred = (y_pred[1] > 0).long()
            domain_acc = (domain_pred == y_true[:, DOMAIN]).float().mean()
            self.history.record_batch("domain_loss", domain_loss.item())
            self.history.record_batch("domain_acc", domain_acc.item())
        return loss

    # -- inference -----------------------------------------------------------
    def evaluate(self, X, output="label_logits"):
        """Deprecated alias of :meth:`infer_head` (removed in 0.12)."""
        warnings.warn("DANNNet.evaluate is deprecated and will be removed in sk_dann "
                      "0.12: it runs inference, it does not score; use infer_head().",
                      FutureWarning, stacklevel=2)
        return self.infer_head(X, output)

    def infer_head(self, X, output="label_logits"):
        """Run one head of the module over ``X`` in batches of ``eval_batch_size``
        (inference: the module in eval mode, no gradients).

        Parameters
        ----------
        X : array, sparse matrix or tensor
        output : {"label_logits", "domain_logits", "features"}, default="label_logits"
            The method of the module to run.

        Returns
        -------
        ndarray of float32
        """
        self.check_is_fitted()
        head = getattr(self.module_, output)
        iterator = self.get_iterator(self.get_dataset(X), training=False)
        self.module_.eval()
        out = infer_in_batches(head, (Xi for Xi, _ in iterator), self.device, self.precision)
        return np.empty((0,), dtype=np.float32) if out is None else out


def check_optimizer_state(state, params):
    """A saved optimizer ``state`` (``state_dict()["state"]``) fits ``params``:
    an entry per parameter index at most, each tensor of its parameter's
    shape and dtype, or a 0-d step count. torch's fused steps trust shapes,
    so a mismatch must stop here, not in a kernel."""
    if not isinstance(state, dict):
        raise ValueError("The saved optimizer state is not a mapping.")
    for index, entry in state.items():
        if not (isinstance(index, int) and 0 <= index < len(params) and isinstance(entry, dict)):
            raise ValueError(f"The saved optimizer state has an entry {index!r} for no "
                             "parameter of the network.")
        for key, value in entry.items():
            if value is None or isinstance(value, (bool, int, float)):
                continue
            if not (isinstance(key, str) and isinstance(value, torch.Tensor)
                    and value.is_floating_point()
                    and (value.dim() == 0 or (value.shape == params[index].shape
                                              and value.dtype == params[index].dtype))):
                raise ValueError(f"The saved optimizer state {key!r} of parameter {index} "
                                 "does not fit that parameter.")
