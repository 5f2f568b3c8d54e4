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
        ctx.lambda_ = lambda_
        # view_as: a new tensor node, so autograd calls our backward.
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * (-ctx.lambda_), None


def reverse_gradient(x, lambda_=1.0):
    """Functional form of :class:`GradientReversal`."""
    return _ReverseGradient.apply(x, float(lambda_))


class GradientReversal(nn.Module):
    """Identity forward, gradient times ``-lambda_`` backward.

    ``lambda_`` is a plain attribute read at every forward pass, so a schedule
    can change it between batches without rebuilding the network or the
    optimizer.

    Parameters
    ----------
    lambda_ : float, default=1.0
        Strength of the reversed gradient. ``0`` cuts the adversarial signal
        entirely (the domain head still trains).
    """

    def __init__(self, lambda_=1.0):
        super().__init__()
        self.lambda_ = float(lambda_)

    def forward(self, x):
        return reverse_gradient(x, self.lambda_)

    def extra_repr(self):
        return f"lambda_={self.lambda_:g}"
