"""Every warning and exception sk_dann raises, in one place.

Import them from here or from ``sk_dann`` itself. Each says what happened;
the messages say what to do.
"""


class DivergenceError(RuntimeError):
    """Training produced a NaN or infinite loss (the message names lambda and lr)."""


class DivergenceWarning(RuntimeWarning):
    """Training diverged and the best weights so far were restored."""


class NoTargetDataWarning(UserWarning):
    """``fit`` got no target rows, so it trained without adaptation."""


class InterruptedFitWarning(RuntimeWarning):
    """Training stopped early (Ctrl-C); the estimator is usable as it stands."""


class SavedVersionWarning(UserWarning):
    """A model is being loaded by a different sk_dann version than saved it."""


class ModelFileError(ValueError):
    """A model file that :func:`sk_dann.load_model` will not load: not an
    sk_dann model (a pickle, say), damaged, truncated, or of a newer format."""


class SlowPrecisionWarning(UserWarning):
    """``precision="bfloat16"`` on a CPU without bfloat16 instructions (emulated, slow)."""


class PackedLabelsScoringWarning(UserWarning):
    """A scikit-learn scorer compared predictions with packed ``y == -1`` rows."""


__all__ = [
    "DivergenceError",
    "DivergenceWarning",
    "InterruptedFitWarning",
    "ModelFileError",
    "NoTargetDataWarning",
    "PackedLabelsScoringWarning",
    "SavedVersionWarning",
    "SlowPrecisionWarning",
]
