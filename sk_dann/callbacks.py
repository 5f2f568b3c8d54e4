"""Small skorch callbacks that drive DANN training.

Each callback does one thing. Schedules are applied per batch from the net's
training progress ``p`` (:meth:`sk_dann.net.DANNNet.training_progress`),
because the paper's ramps are functions of progress, not of epoch count.
"""
import math

from skorch.callbacks import Callback


class DivergenceError(RuntimeError):
    """Training produced a NaN or infinite loss."""


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
    """Raise :class:`DivergenceError` as soon as a training loss is not finite.

    The message names the epoch, lambda and lr: the usual cures are a smaller
    ``lr`` or ``lambda_max``, or scaled inputs.
    """

    def on_batch_end(self, net, training=False, loss=None, **kwargs):
        if not training or loss is None:
            return
        value = float(loss.detach()) if hasattr(loss, "detach") else float(loss)
        if math.isfinite(value):
            return
        epoch = len(net.history)
        lambda_ = net.module_.reversal.lambda_
        lr = net.optimizer_.param_groups[0]["lr"]
        raise DivergenceError(
            f"Training diverged: the loss became {value} in epoch {epoch} "
            f"(lambda={lambda_:.4g}, lr={lr:.4g}; initial lr={net.lr:.4g}). "
            "Lower lr or lambda_max, "
            "or standardise the inputs (e.g. StandardScaler in a Pipeline)."
        )
