"""Training-progress schedules for lambda and the learning rate.

A schedule maps the training progress ``p`` in ``[0, 1]`` (fraction of all
planned optimisation steps done) to a multiplicative factor. The callbacks in
:mod:`sk_dann.callbacks` apply them per batch.
"""
import math
import numbers

__all__ = [
    "LAMBDA_SCHEDULES",
    "LR_SCHEDULES",
    "constant",
    "lambda_ramp",
    "lr_annealing",
    "resolve_schedule",
]


def lambda_ramp(p, gamma=10.0):
    """Paper ramp ``2 / (1 + exp(-gamma * p)) - 1`` (JMLR 2016, Section 5.2.2).

    Starts at 0, so the domain head's early noisy gradient does not disturb
    the feature extractor, and approaches 1 by the end of training.
    """
    return 2.0 / (1.0 + math.exp(-gamma * p)) - 1.0


def lr_annealing(p, alpha=10.0, beta=0.75):
    """Paper learning-rate decay factor ``1 / (1 + alpha * p) ** beta``."""
    return 1.0 / (1.0 + alpha * p) ** beta


def constant(p):
    """No schedule: factor 1 throughout."""
    return 1.0


LAMBDA_SCHEDULES = {"ramp": lambda_ramp, "constant": constant}
LR_SCHEDULES = {"annealed": lr_annealing, "constant": constant}


def resolve_schedule(spec, registry, param_name, negative_means=None,
                     all_zero_allowed=True, n_points=11):
    """Return the schedule callable named or given by ``spec``.

    A callable is checked on ``n_points`` progress values from 0 to 1: each
    factor must be a finite number >= 0 (``negative_means`` says what a
    negative one would do to training) and, with
    ``all_zero_allowed=False``, not all of them 0. Raises a ValueError
    naming ``param_name``, and the progress and value or the accepted
    choices.
    """
    if callable(spec):
        _check_factors(spec, param_name, negative_means, all_zero_allowed, n_points)
        return spec
    if isinstance(spec, str) and spec in registry:
        return registry[spec]
    raise ValueError(
        f"{param_name}={spec!r} is not supported; use one of "
        f"{sorted(registry)} or a callable p -> factor."
    )


def _check_factors(schedule, param_name, negative_means, all_zero_allowed, n_points):
    grid = [i / (n_points - 1) for i in range(n_points)]
    values = []
    for p in grid:
        value = schedule(p)
        if not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
            finite = isinstance(value, numbers.Real) and math.isfinite(value)
            consequence = f"; {negative_means}" if finite and negative_means else ""
            raise ValueError(
                f"{param_name} callable must map progress p in [0, 1] to a finite factor "
                f">= 0, but {param_name}({p:g}) returned "
                f"{f'{value:.6g}' if finite else repr(value)}{consequence}.")
        values.append(value)
    if not all_zero_allowed and not any(values):
        raise ValueError(
            f"{param_name} returned 0 at every progress value checked (p = 0, 0.1, "
            "..., 1), so nothing would train. Return a factor > 0, e.g. "
            f"{param_name}=\"constant\".")
