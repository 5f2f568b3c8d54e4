"""Small skorch callbacks that drive DANN training.

Each callback does one thing. Schedules are applied per batch from the net's
training progress ``p`` (:meth:`sk_dann.net.DANNNet.training_progress`),
because the paper's ramps are functions of progress, not of epoch count.
"""
import copy
import math
import warnings

from skorch.callbacks import Callback

from .exceptions import DivergenceError, DivergenceWarning


class ReversalScheduler(Callback):
    """Set the gradient-reversal strength before every training batch.

    ``lambda = lambda_max * schedule(p)``; recorded per batch and per epoch
    under ``"lambda"``.
    """

    def __init__(self, lambda_max=1.0, schedule=None):
        self.lambda_max = lambda_max
        self.schedule = schedule

    def on_batch_begin(self, net, training=False, **kwargs):
        if not training:
            return
        factor = 1.0 if self.schedule is None else self.schedule(net.training_progress())
        value = float(self.lambda_max) * factor
        net.module_.reversal.lambda_ = value
        net.history.record_batch("lambda", value)

    def on_epoch_end(self, net, **kwargs):
        net.history.record("lambda", net.module_.reversal.lambda_)


class ProgressLRScheduler(Callback):
    """Set every parameter group's lr to ``net.lr * schedule(p)`` per batch.

    skorch's ``LRScheduler`` counts steps and must know their total when it is
    initialised, before the data (and so the number of batches) is known; the
    paper's schedule is a function of progress instead.
    """

    def __init__(self, schedule=None):
        self.schedule = schedule

    def on_batch_begin(self, net, training=False, **kwargs):
        if not training:
            return
        factor = 1.0 if self.schedule is None else self.schedule(net.training_progress())
        lr = float(net.lr) * factor
        for group in net.optimizer_.param_groups:
            group["lr"] = lr
        net.history.record_batch("lr", lr)

    def on_epoch_end(self, net, **kwargs):
        net.history.record("lr", net.optimizer_.param_groups[0]["lr"])


class StopOnDivergence(Callback):
    """Stop as soon as a training loss is not finite.

    By default raise :class:`DivergenceError`. With ``restore_best=True``,
    instead restore the weights of the finished epoch with the lowest
    training loss, drop the diverged epoch from the history, warn, and end
    training normally. Either way the message names the epoch, lambda and lr:
    the usual cures are a smaller ``lr`` or ``lambda_max``, or scaled inputs.
    """

    def __init__(self, restore_best=False):
        self.restore_best = restore_best

    def on_train_begin(self, net, **kwargs):
        self.best_loss_, self.best_state_, self.best_epoch_ = math.inf, None, None

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
        lambda_ = net.module_.reversal.lambda_
        lr = net.optimizer_.param_groups[0]["lr"]
        what = (f"Training diverged: the loss became {value} in epoch {epoch} "
                f"(lambda={lambda_:.4g}, lr={lr:.4g}; initial lr={net.lr:.4g}).")
        cure = ("Lower lr or lambda_max, "
                "or standardise the inputs (e.g. StandardScaler in a Pipeline).")
        if not self.restore_best or self.best_state_ is None:
            raise DivergenceError(f"{what} {cure}")
        net.module_.load_state_dict(self.best_state_)
        del net.history[-1]  # the diverged, unfinished epoch
        warnings.warn(f"{what} Restored the weights of epoch {self.best_epoch_} "
                      f"(lowest training loss, {self.best_loss_:.4g}). {cure}",
                      DivergenceWarning, stacklevel=2)
        raise KeyboardInterrupt  # skorch's way to end training early
