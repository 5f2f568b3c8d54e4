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
