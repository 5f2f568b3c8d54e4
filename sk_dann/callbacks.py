"""Small skorch callbacks that drive DANN training.

Each callback does one thing. Schedules are applied per batch from the net's
training progress ``p`` (:meth:`sk_dann.net.DANNNet.training_progress`),
because the paper's ramps are functions of progress, not of epoch count; they
set their values through the net (``set_reversal_strength``,
``set_learning_rate``), never by reaching into the module or optimizer.
"""
import copy
import math
import warnings

from skorch.callbacks import Callback, EarlyStopping

from .exceptions import DivergenceError, DivergenceWarning

__all__ = ["BestEpochRule", "ProgressLRScheduler", "ProgressSchedule", "ReversalScheduler",
           "StopOnDivergence", "callback_of", "find_early_stopping", "find_early_stoppings"]


class ProgressSchedule(Callback):
    """Base of the schedule callbacks: before every training batch, set a
    value to ``base_value(net) * schedule(p)`` and record it under :attr:`name`
    (per batch, and per epoch the value in force at its end).

    ``p`` is :meth:`sk_dann.net.DANNNet.training_progress`; ``schedule`` maps
    it to a factor (``None``: factor 1). A subclass says what the base value
    is and how the net takes the value (:meth:`apply`).

    Parameters
    ----------
    schedule : callable or None, default=None
        ``p -> factor``, e.g. :func:`sk_dann.schedules.lambda_ramp`.
    """

    #: The history key.
    name = None

    def __init__(self, schedule=None):
        self.schedule = schedule

    def base_value(self, net):
        """The value at factor 1 (``lambda_max``, the initial lr)."""
        raise NotImplementedError

    def apply(self, net, value):
        """Hand ``value`` to the net."""
        raise NotImplementedError

    def on_batch_begin(self, net, training=False, **kwargs):
        if not training:
            return
        factor = 1.0 if self.schedule is None else self.schedule(net.training_progress())
        self.value_ = float(self.base_value(net)) * factor
        self.apply(net, self.value_)
        net.history.record_batch(self.name, self.value_)

    def on_epoch_end(self, net, **kwargs):
        net.history.record(self.name, self.value_)


class ReversalScheduler(ProgressSchedule):
    """The gradient-reversal strength, ``lambda = lambda_max * schedule(p)``,
    set by :meth:`~sk_dann.net.DANNNet.set_reversal_strength`; history key
    ``"lambda"``.

    Parameters
    ----------
    lambda_max : float, default=1.0
    schedule : callable or None, default=None
    """

    name = "lambda"

    def __init__(self, lambda_max=1.0, schedule=None):
        super().__init__(schedule)
        self.lambda_max = lambda_max

    def base_value(self, net):
        return self.lambda_max

    def apply(self, net, value):
        net.set_reversal_strength(value)


class ProgressLRScheduler(ProgressSchedule):
    """The learning rate, ``lr = net.lr * schedule(p)``, set by
    :meth:`~sk_dann.net.DANNNet.set_learning_rate`; history key ``"lr"``.

    skorch's ``LRScheduler`` counts steps and must know their total when it is
    initialised, before the data (and so the number of batches) is known; the
    paper's schedule is a function of progress instead.

    Parameters
    ----------
    schedule : callable or None, default=None
    record_only : bool, default=False
        Record the learning rate in force, set nothing (when a skorch
        ``LRScheduler`` among the user's callbacks owns the learning rate).
    """

    name = "lr"

    def __init__(self, schedule=None, record_only=False):
        super().__init__(schedule)
        self.record_only = record_only

    def base_value(self, net):
        return net.learning_rate if self.record_only else net.lr

    def apply(self, net, value):
        if not self.record_only:
            net.set_learning_rate(value)


def callback_of(item):
    """The callback of a ``callbacks`` entry (a callback or a (name, callback) pair)."""
    return item[1] if isinstance(item, tuple) and len(item) == 2 else item


def find_early_stoppings(callbacks):
    """The skorch ``EarlyStopping`` callbacks among ``callbacks`` (callbacks or
    ``(name, callback)`` pairs, e.g. a net's ``callbacks_``), in order.

    Found by type, not by name: an ``EarlyStopping`` a user passes in
    ``callbacks=`` counts as sk_dann's own (``early_stopping=True``) does.
    Anything else (a malformed entry too) is passed over.
    """
    return [callback for callback in map(callback_of, callbacks or [])
            if isinstance(callback, EarlyStopping)]


def find_early_stopping(callbacks):
    """The first skorch ``EarlyStopping`` among ``callbacks``
    (:func:`find_early_stoppings`), or ``None``: the one whose best epoch
    the estimators report."""
    found = find_early_stoppings(callbacks)
    return found[0] if found else None


class BestEpochRule:
    """Which epoch is best: skorch ``EarlyStopping``'s documented rule.

    An epoch is best when its ``monitor`` value improves on the last best by
    more than ``threshold`` (``threshold_mode="abs"``) or by that fraction
    of itself (``"rel"``); ``lower_is_better`` says which way improves.
    :meth:`of` reads the rule off an ``EarlyStopping``'s parameters, so the
    epoch it names is the one whose weights that callback keeps.

    Parameters
    ----------
    monitor : str, default="train_loss"
        The history key compared across epochs.
    lower_is_better : bool, default=True
    threshold : float, default=0.0
    threshold_mode : {"abs", "rel"}, default="abs"
    """

    def __init__(self, monitor="train_loss", lower_is_better=True, threshold=0.0,
                 threshold_mode="abs"):
        self.monitor = monitor
        self.lower_is_better = lower_is_better
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    @classmethod
    def of(cls, early_stopping):
        """The rule of a skorch ``EarlyStopping`` (its public parameters)."""
        return cls(early_stopping.monitor, early_stopping.lower_is_better,
                   early_stopping.threshold, early_stopping.threshold_mode)

    def start(self):
        """The bar before any epoch: every finite value clears it."""
        return math.inf if self.lower_is_better else -math.inf

    def improves(self, value, bar):
        """Whether ``value`` clears ``bar`` (a NaN never does)."""
        return value < bar if self.lower_is_better else value > bar

    def next_bar(self, value):
        """The bar after an epoch with ``value`` became the best (skorch's
        arithmetic, sign of ``value`` included in ``"rel"`` mode)."""
        change = self.threshold * value if self.threshold_mode == "rel" else self.threshold
        return value - change if self.lower_is_better else value + change

    def best_epoch(self, history, first_epoch=1):
        """The best epoch (1-based, as skorch numbers them) among
        ``history``'s epochs from ``first_epoch`` on, or ``None`` when none of
        them improved on the start (every value but NaN and the worst infinity does)."""
        best, bar = None, self.start()
        for epoch in range(first_epoch, len(history) + 1):
            value = history[epoch - 1].get(self.monitor, math.nan)
            if self.improves(value, bar):
                best, bar = epoch, self.next_bar(value)
        return best

    def describe(self):
        """How messages name the best epoch."""
        names = {"train_loss": "lowest training loss", "valid_loss": "lowest validation loss"}
        return names.get(self.monitor, f"best {self.monitor}")

    def __repr__(self):
        return (f"BestEpochRule(monitor={self.monitor!r}, lower_is_better="
                f"{self.lower_is_better!r}, threshold={self.threshold!r}, "
                f"threshold_mode={self.threshold_mode!r})")


class StopOnDivergence(Callback):
    """Stop as soon as a training loss is not finite.

    By default raise :class:`DivergenceError`. With ``restore_best=True``,
    instead restore the weights of the best finished epoch (by ``best``:
    the lowest training loss unless told otherwise), drop the diverged epoch
    from the history, warn, and end training normally. Either way the
    message names the epoch, lambda and lr: the usual cures are a smaller
    ``lr`` or ``lambda_max``, or scaled inputs.

    Parameters
    ----------
    restore_best : bool, default=False
    best : BestEpochRule or None, default=None
        Which epoch's weights to keep. ``None``: the lowest ``train_loss``.
        The estimators pass the rule of the fit's early stopping
        (:meth:`BestEpochRule.of`), so a diverged fit keeps the epoch early
        stopping would have kept.

    Attributes
    ----------
    best_state_ : dict or None
        During training with ``restore_best``, a copy of the best epoch's
        weights; ``None`` after training and in every pickle.
    best_epoch_ : int or None
        The epoch whose weights were kept.
    """

    def __init__(self, restore_best=False, best=None):
        self.restore_best = restore_best
        self.best = best

    def on_train_begin(self, net, **kwargs):
        self.rule_ = self.best if self.best is not None else BestEpochRule()
        self.bar_, self.best_state_, self.best_epoch_ = self.rule_.start(), None, None

    def on_train_end(self, net, **kwargs):
        self.best_state_ = None  # a copy of the weights: training-time state only

    def __getstate__(self):
        # Never pickle the weight copy (a fit that raised skips on_train_end).
        return {**self.__dict__, "best_state_": None}

    def on_epoch_end(self, net, **kwargs):
        value = net.history[-1].get(self.rule_.monitor, math.nan)
        if self.restore_best and self.rule_.improves(value, self.bar_):
            # A copy per improving epoch: cheap for feature MLPs; for large
            # networks this is the memory of one extra set of weights.
            self.bar_, self.best_epoch_ = self.rule_.next_bar(value), len(net.history)
            self.best_state_ = copy.deepcopy(net.module_.state_dict())

    def on_batch_end(self, net, training=False, loss=None, **kwargs):
        if not training or loss is None:
            return
        value = float(loss.detach()) if hasattr(loss, "detach") else float(loss)
        if math.isfinite(value):
            return
        epoch = len(net.history)
        lambda_, lr = net.reversal_strength, net.learning_rate
        what = (f"Training diverged: the loss became {value} in epoch {epoch} "
                f"(lambda={lambda_:.4g}, lr={lr:.4g}; initial lr={net.lr:.4g}).")
        cure = ("Lower lr or lambda_max, "
                "or standardise the inputs (e.g. StandardScaler in a Pipeline).")
        if not self.restore_best or self.best_state_ is None:
            raise DivergenceError(f"{what} {cure}")
        net.module_.load_state_dict(self.best_state_)
        self.best_state_ = None
        best_value = net.history[self.best_epoch_ - 1, self.rule_.monitor]
        del net.history[-1]  # the diverged, unfinished epoch
        which = self.rule_.describe() + (", as early stopping keeps" if self.best else "")
        warnings.warn(f"{what} Restored the weights of epoch {self.best_epoch_} "
                      f"({which}, {best_value:.4g}). {cure}",
                      DivergenceWarning, stacklevel=2)
        raise KeyboardInterrupt  # skorch's way to end training early
