"""The skorch net that trains a :class:`~sk_dann.networks.DANNModule`.

Only skorch's overridable steps are changed: the loss (label loss on labeled
rows, domain loss on all rows), the iterators (balanced source/target batches)
and the bookkeeping of training progress that the schedules read. skorch's
loop, callbacks, history and persistence are kept as they are.
"""
import numpy as np
import torch
import torch.nn.functional as F
from skorch import NeuralNet
from skorch.callbacks import PassthroughScoring
from skorch.utils import to_device, to_tensor

from .batching import DOMAIN, LABEL, BalancedDomainBatches, SequentialBatches
from .callbacks import StopOnDivergence


PRECISIONS = ("float32", "bfloat16")


def available_devices():
    """The device names that work on this machine, for error messages."""
    names = ["auto", "cpu"]
    if torch.cuda.is_available():
        names += ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        names.append("mps")
    return names


def resolve_device(device):
    """``"auto"`` -> ``"cuda"`` when available, else ``"cpu"``; other values are
    checked, with a clear error naming the devices this machine has."""
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    here = f"Devices available here: {', '.join(map(repr, available_devices()))}."
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(f"device={device!r} is not a torch device name. {here}") from None
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} but CUDA is not available. {here}")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r} but this machine has "
                             f"{torch.cuda.device_count()} CUDA device(s). {here}")
    elif resolved.type != "cpu":
        backend = getattr(torch.backends, resolved.type, None) or getattr(
            torch, resolved.type, None)
        is_available = getattr(backend, "is_available", None)
        if is_available is None or not is_available():
            raise ValueError(f"device={device!r}: no {resolved.type} device is "
                             f"available on this machine. {here}")
    return str(resolved)


class DANNLoss(torch.nn.Module):
    """Returns ``(label_loss, domain_loss)`` for one batch.

    The label loss is the cross-entropy averaged over the labeled rows only
    (``y[:, 0] >= 0``); the domain loss is a binary cross-entropy on the
    domain logit, averaged over all rows. Masking by arithmetic rather than
    boolean indexing keeps the step free of device-to-host syncs.
    """

    def forward(self, y_pred, y_true):
        # Losses in float32 even when the network ran in bfloat16.
        class_logits, domain_logits = y_pred[0].float(), y_pred[1].float()
        labels, domains = y_true[:, LABEL], y_true[:, DOMAIN]
        labeled = (labels >= 0).to(class_logits.dtype)
        per_row = F.cross_entropy(class_logits, labels.clamp(min=0), reduction="none")
        label_loss = (per_row * labeled).sum() / labeled.sum().clamp(min=1.0)
        domain_loss = F.binary_cross_entropy_with_logits(
            domain_logits, domains.to(domain_logits.dtype))
        return label_loss, domain_loss


class DANNNet(NeuralNet):
    """skorch ``NeuralNet`` for domain-adversarial training.

    ``X`` is the stacked source and target inputs; ``y`` an ``(n, 2)`` integer
    array: encoded class (``-1`` = unlabeled) and domain (0 source, 1 target).
    The module must return ``(class_logits, domain_logits)`` and expose a
    ``reversal`` layer, as :class:`~sk_dann.networks.DANNModule` does.

    History keys per epoch: ``train_loss``, ``label_loss``, ``domain_loss``,
    ``domain_acc`` (domain-head accuracy on training batches), and, with the
    schedule callbacks, ``lambda`` and ``lr``.

    ``precision="bfloat16"`` runs the module's forward passes (training and
    inference) under ``torch.autocast`` in bfloat16 on the net's device; the
    weights, optimizer state and losses stay float32.
    """

    def __init__(self, module, criterion=DANNLoss, *args,
                 iterator_train=BalancedDomainBatches,
                 iterator_valid=SequentialBatches, train_split=None,
                 precision="float32", **kwargs):
        self.precision = precision
        super().__init__(module, criterion, *args, iterator_train=iterator_train,
                         iterator_valid=iterator_valid, train_split=train_split,
                         **kwargs)

    def autocast(self):
        """The autocast context of ``precision`` on the net's device."""
        device_type = torch.device(self.device).type
        return torch.autocast(device_type, dtype=torch.bfloat16,
                              enabled=self.precision == "bfloat16")

    def infer(self, x, **fit_params):
        with self.autocast():
            return super().infer(x, **fit_params)

    @property
    def _default_callbacks(self):
        return super()._default_callbacks + [
            ("label_loss", PassthroughScoring(name="label_loss", on_train=True)),
            ("domain_loss", PassthroughScoring(name="domain_loss", on_train=True)),
            ("domain_acc", PassthroughScoring(name="domain_acc", on_train=True,
                                              lower_is_better=False)),
            ("stop_on_divergence", StopOnDivergence()),
        ]

    # -- training progress, read by the schedule callbacks -----------------
    def initialize(self):
        self.train_steps_done_ = 0
        self.batches_per_epoch_ = 0
        self.batch_generator_state_ = None
        self.adapting_ = True
        return super().initialize()

    def get_iterator(self, dataset, training=False):
        iterator = super().get_iterator(dataset, training=training)
        if training:
            self.batches_per_epoch_ = len(iterator)
            self.adapting_ = getattr(iterator, "adapting", True)
            if self.batch_generator_state_ is not None:
                # Continue the batch order where the last epoch left it, so
                # epochs from several partial_fit calls match one fit's.
                iterator.generator.set_state(self.batch_generator_state_)
            self._train_iterator = iterator
        return iterator

    def on_epoch_end(self, net, **kwargs):
        self.batch_generator_state_ = self._train_iterator.generator.get_state()

    def on_train_end(self, net, **kwargs):
        self._train_iterator = None  # it holds the training data: never pickle it

    def training_progress(self):
        """Fraction ``p`` in [0, 1] of the planned optimisation steps done."""
        total = self.max_epochs * self.batches_per_epoch_
        return min(1.0, self.train_steps_done_ / total) if total else 0.0

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if training:
            self.train_steps_done_ += 1

    # -- the loss ------------------------------------------------------------
    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        label_loss, domain_loss = self.criterion_(y_pred, y_true)
        if not self.adapting_:
            # No target rows: a plain classifier; the domain head is idle.
            loss = label_loss
        else:
            loss = label_loss + domain_loss
        if training:
            self.history.record_batch("label_loss", label_loss.item())
            if self.adapting_:
                domain_pred = (y_pred[1] > 0).long()
                domain_acc = (domain_pred == y_true[:, DOMAIN]).float().mean()
                self.history.record_batch("domain_loss", domain_loss.item())
                self.history.record_batch("domain_acc", domain_acc.item())
        return loss

    # -- inference -----------------------------------------------------------
    def evaluate(self, X, output="label_logits"):
        """Run one head of the module over ``X`` in large batches.

        ``output`` is ``"label_logits"``, ``"domain_logits"`` or ``"features"``
        (a method of the module). Returns a float numpy array.
        """
        self.check_is_fitted()
        head = getattr(self.module_, output)
        iterator = self.get_iterator(self.get_dataset(X), training=False)
        self.module_.eval()
        chunks = []
        with torch.no_grad(), self.autocast():
            for Xi, _ in iterator:
                chunks.append(head(to_device(Xi, self.device)).float().cpu())
        if not chunks:
            return np.empty((0,), dtype=np.float32)
        return torch.cat(chunks).numpy()
