"""Gradient reversal layer (Ganin & Lempitsky, ICML 2015, Section 3.3).

Identity in the forward pass; in the backward pass the incoming gradient is
multiplied by ``-lambda_``. Placed between the feature extractor and the domain
head, it makes the feature extractor *maximise* the domain loss that the
domain head minimises, in a single backward pass.
"""
import torch
from torch import nn

__all__ = [
    "GradientReversal",
    "reverse_gradient",
]


class _ReverseGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lambda_):
        if isinstance(lambda_, torch.Tensor):
            ctx.save_for_backward(lambda_)
        else:
            ctx.lambda_ = lambda_
        # view_as: a new tensor node, so autograd calls our backward.
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        lambda_ = ctx.saved_tensors[0] if ctx.saved_tensors else ctx.lambda_
        return grad_output * (-lambda_), None


def reverse_gradient(x, lambda_=1.0):
    """Functional form of :class:`GradientReversal`.

    ``lambda_`` is a float, or a 0-d tensor on ``x``'s device (read when the
    backward pass runs, so it may change in place between steps).
    """
    if not isinstance(lambda_, torch.Tensor):
        lambda_ = float(lambda_)
    return _ReverseGradient.apply(x, lambda_)


class GradientReversal(nn.Module):
    """Identity forward, gradient times ``-lambda_`` backward.

    ``lambda_`` is read at every forward pass, so a schedule can change it
    between batches without rebuilding the network or the optimizer. It is
    held as a 0-d tensor (a buffer, not saved in the ``state_dict``) that
    setting ``lambda_`` overwrites in place: a compiled training step
    (``torch.compile``) reads it as an input instead of baking a constant
    into the graph and compiling again at every change.

    Parameters
    ----------
    lambda_ : float, default=1.0
        Strength of the reversed gradient. ``0`` cuts the adversarial signal
        entirely (the domain head still trains).
    """

    def __init__(self, lambda_=1.0):
        super().__init__()
        self.register_buffer("strength", torch.tensor(float(lambda_)), persistent=False)
        self._lambda = float(lambda_)

    @property
    def lambda_(self):
        """The current strength, a float (no device read)."""
        return self._lambda

    @lambda_.setter
    def lambda_(self, value):
        self._lambda = float(value)
        self.strength.fill_(self._lambda)  # a buffer: no autograd history to avoid

    def forward(self, x):
        return reverse_gradient(x, self.strength)

    def extra_repr(self):
        return f"lambda_={self._lambda:g}"

    def __setstate__(self, state):
        # Layers pickled by sk_dann < 0.5 kept lambda_ as a plain attribute.
        old_lambda = state.pop("lambda_", None)
        super().__setstate__(state)
        if old_lambda is not None:
            self.register_buffer("strength", torch.tensor(float(old_lambda)),
                                 persistent=False)
            self._lambda = float(old_lambda)
