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
    "check_factors",
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


def resolve_schedule(spec, registry, param_name):
    """Return the schedule callable named or given by ``spec``.

    Raises a ValueError naming ``param_name`` and the accepted choices.
    """
    if callable(spec):
        value = spec(0.0)
        if not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(
                f"{param_name} callable must map progress p in [0, 1] to a "
                f"finite float; {param_name}(0.0) returned {value!r}."
            )
        return spec
    if isinstance(spec, str) and spec in registry:
        return registry[spec]
    raise ValueError(
        f"{param_name}={spec!r} is not supported; use one of "
        f"{sorted(registry)} or a callable p -> factor."
    )


def check_factors(schedule, param_name, consequence, all_zero_allowed=True, n_points=11):
    """Check a schedule's factors on ``n_points`` progress values from 0 to 1.

    Each must be a finite number >= 0 (``consequence`` says what a negative
    one would do); with ``all_zero_allowed=False``, not all of them 0.
    Raises a ValueError naming ``param_name``, the progress and the value.
    """
    grid = [i / (n_points - 1) for i in range(n_points)]
    values = [schedule(p) for p in grid]
    for p, value in zip(grid, values):
        if (not isinstance(value, numbers.Real) or not math.isfinite(value)
                or value < 0):
            shown = (f"{value:.6g}" if isinstance(value, numbers.Real)
                     and math.isfinite(value) else repr(value))
            raise ValueError(
                f"{param_name} must map progress p in [0, 1] to a finite factor >= 0, "
                f"but {param_name}({p:g}) returned {shown}; {consequence}.")
    if not all_zero_allowed and not any(values):
        raise ValueError(
            f"{param_name} returned 0 at every progress value checked (p = 0, 0.1, "
            "..., 1), so nothing would train. Return a factor > 0, e.g. "
            f"{param_name}=\"constant\".")
