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

from skorch.callbacks import Callback

from .exceptions import DivergenceError, DivergenceWarning

__all__ = ["ProgressLRScheduler", "ProgressSchedule", "ReversalScheduler", "StopOnDivergence"]


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


class StopOnDivergence(Callback):
    """Stop as soon as a training loss is not finite.

    By default raise :class:`DivergenceError`. With ``restore_best=True``,
    instead restore the weights of the finished epoch with the lowest
    training loss, drop the diverged epoch from the history, warn, and end
    training normally. Either way the message names the epoch, lambda and lr:
    the usual cures are a smaller ``lr`` or ``lambda_max``, or scaled inputs.

    Parameters
    ----------
    restore_best : bool, default=False

    Attributes
    ----------
    best_state_ : dict or None
        During training with ``restore_best``, a copy of the best epoch's
        weights; ``None`` after training and in every pickle.
    """

    def __init__(self, restore_best=False):
        self.restore_best = restore_best

    def on_train_begin(self, net, **kwargs):
        self.best_loss_, self.best_state_, self.best_epoch_ = math.inf, None, None

    def on_train_end(self, net, **kwargs):
        self.best_state_ = None  # a copy of the weights: training-time state only

    def __getstate__(self):
        # Never pickle the weight copy (a fit that raised skips on_train_end).
        return {**self.__dict__, "best_state_": None}

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1].get("train_loss", math.nan)
        if self.restore_best and math.isfinite(loss) and loss < self.best_loss_:
            # A copy per improving epoch: cheap for feature MLPs; for large
            # networks this is the memory of one extra set of weights.
            self.best_loss_, self.best_epoch_ = loss, len(net.history)
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
        early = dict(getattr(net, "callbacks_", [])).get("early_stopping")
        if early is not None and getattr(early, "load_best", False) and getattr(
                early, "best_model_weights_", None) is not None:
            # Early stopping keeps the best-validation weights, and loads them
            # when training ends (unless that epoch is the last): take those.
            net.module_.load_state_dict(early.best_model_weights_)
            self.best_epoch_ = early.best_epoch_
            self.best_loss_ = net.history[self.best_epoch_ - 1, early.monitor]
            restored = "lowest validation loss, early stopping"
        else:
            net.module_.load_state_dict(self.best_state_)
            restored = "lowest training loss"
        self.best_state_ = None
        del net.history[-1]  # the diverged, unfinished epoch
        warnings.warn(f"{what} Restored the weights of epoch {self.best_epoch_} "
                      f"({restored}, {self.best_loss_:.4g}). {cure}",
                      DivergenceWarning, stacklevel=2)
        raise KeyboardInterrupt  # skorch's way to end training early

