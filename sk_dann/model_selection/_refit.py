"""A ``refit=`` rule for searches: keep the default unless a candidate clearly beats it."""
import math
import numbers
import re

import numpy as np

__all__ = [
    "KeepDefaultUnlessBetter",
]


class KeepDefaultUnlessBetter:
    """Pick the default candidate unless another beats it by more than the fold noise.

    A ``refit=`` callable for ``GridSearchCV`` and ``RandomizedSearchCV``
    (scikit-learn's protocol: it receives ``cv_results_`` and returns the index
    of the candidate to refit). Label-free scorers rank DANN settings with
    margins that are often inside the fold noise, so the best mean score is
    often a coin toss; this rule keeps the default candidate unless another
    candidate's mean score exceeds the default's by more than
    ``n_standard_errors`` standard errors of their per-fold difference (the
    one-standard-error rule, paired by fold). Of the candidates that clear
    that bar, the one with the highest mean score is picked.

    Parameters
    ----------
    default : dict or None, default=None
        The default candidate's parameter values, keyed as in the search's
        ``param_grid`` (for example ``{"dannclassifier__lambda_max": 0.3}``).
        The default candidate is the one whose every parameter has the value
        given here; keys the search does not vary are ignored.
        ``None`` uses the package defaults (``DANNClassifier()``'s, the same as
        ``DANNRegressor()``'s), each found by the searched parameter's own name
        after the last ``__``, whatever step it belongs to; a search that
        varies a parameter of another estimator needs an explicit
        ``default``. Floats match up to rounding. With a grid given as a list
        of dicts, the default candidate is the one that sets the most
        parameters, each to its default value.
    scorer : str or None, default=None
        The scorer whose per-fold scores decide, by its name in a multi-metric
        ``scoring={name: scorer}``. ``None`` for a search with one scorer.
    n_standard_errors : float, default=1.0
        How many standard errors of the per-fold difference a candidate must
        gain over the default. ``0`` picks any candidate with a higher mean
        score than the default's (that is, the best mean score).

    See Also
    --------
    unsupervised_scorers : The label-free scorers this rule is meant for.
    DomainStratifiedKFold : Folds with both domains, the same on every call.

    Notes
    -----
    scikit-learn calls the rule once every candidate is scored, and keeps no
    results when it raises: make sure the grid holds the default candidate
    before a long search.

    The folds of one search share training rows, so their differences are not
    independent and the standard error understates the noise: the rule is a
    guard against picking noise, not a significance test.

    Successive-halving searches (``HalvingGridSearchCV``,
    ``HalvingRandomSearchCV``) never call a ``refit=`` callable:
    ``HalvingGridSearchCV(..., refit=KeepDefaultUnlessBetter())`` runs without
    a word and refits the best mean score of its last round. Their rounds
    score candidates on different amounts of data (or epochs), so the rule,
    called by hand on their ``cv_results_``, refuses them. Use it with
    ``GridSearchCV`` or ``RandomizedSearchCV``.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sk_dann import DANNClassifier, pack_domains
    >>> from sk_dann.datasets import make_domain_moons
    >>> from sk_dann.model_selection import (
    ...     DomainStratifiedKFold, KeepDefaultUnlessBetter, PredictionEntropyScorer)
    >>> Xs, ys, Xt, yt = make_domain_moons(random_state=0)
    >>> X, y = pack_domains(Xs, ys, Xt)
    >>> search = GridSearchCV(
    ...     make_pipeline(StandardScaler(), DANNClassifier(max_epochs=5, random_state=0)),
    ...     {"dannclassifier__lambda_max": [0.1, 0.3, 1.0]},
    ...     scoring=PredictionEntropyScorer(), cv=DomainStratifiedKFold(3),
    ...     refit=KeepDefaultUnlessBetter()).fit(X, y)
    >>> search.best_params_  # doctest: +SKIP
    {'dannclassifier__lambda_max': 0.3}
    """

    def __init__(self, default=None, *, scorer=None, n_standard_errors=1.0):
        self.default = default
        self.scorer = scorer
        self.n_standard_errors = n_standard_errors

    def __repr__(self):
        return (f"{type(self).__name__}(default={self.default!r}, scorer={self.scorer!r}, "
                f"n_standard_errors={self.n_standard_errors!r})")

    def __call__(self, cv_results):
        """The index of the candidate to refit, as a search's ``refit=`` needs.

        Parameters
        ----------
        cv_results : dict
            The ``cv_results_`` scikit-learn passes once every candidate is scored.

        Returns
        -------
        int
            The default's index, or of the candidates that beat it, the one with
            the best mean score.
        """
        comparison = self.compare_to_default(cv_results)
        beats = np.flatnonzero(comparison["beats_default"])
        if len(beats) == 0:
            return comparison["default_index"]
        return int(beats[np.argmax(comparison["mean_score"][beats])])

    def compare_to_default(self, cv_results):
        """Each candidate's gain over the default and its standard error.

        Parameters
        ----------
        cv_results : dict
            A search's ``cv_results_``.

        Returns
        -------
        dict
            Per candidate, in the order of ``cv_results``: ``params``,
            ``mean_score``, ``mean_difference`` and
            ``standard_error`` (of the per-fold score minus the default's),
            ``beats_default`` (a boolean array), and ``default_index``.
        """
        if not (isinstance(self.n_standard_errors, (int, float, np.number))
                and self.n_standard_errors >= 0):
            raise ValueError(f"n_standard_errors must be a number >= 0, got "
                             f"{self.n_standard_errors!r}.")
        if "iter" in cv_results:
            raise ValueError(
                "These cv_results_ come from a successive-halving search, whose rounds "
                "score candidates on different resources and which never calls a "
                "refit= callable. Use KeepDefaultUnlessBetter with GridSearchCV or "
                "RandomizedSearchCV.")
        params = list(cv_results["params"])
        scores = self._fold_scores(cv_results)
        position = self._default_position(params)
        if not np.isfinite(scores[position]).all():
            raise ValueError(
                f"The default candidate {params[position]} has no finite score in "
                "some fold (its fit or its scoring failed, see the search's warnings "
                "and error_score), so there is nothing to compare the other "
                "candidates with.")
        with np.errstate(invalid="ignore"):  # failed folds (inf - inf) give NaN
            difference = scores - scores[position]
            mean_difference = difference.mean(axis=1)
            standard_error = difference.std(axis=1, ddof=1) / np.sqrt(scores.shape[1])
            beats = mean_difference > self.n_standard_errors * standard_error
        beats &= np.isfinite(scores).all(axis=1)  # a failed fold never wins
        return {"params": params, "mean_score": scores.mean(axis=1),
                "mean_difference": mean_difference, "standard_error": standard_error,
                "beats_default": beats, "default_index": position}

    def _fold_scores(self, cv_results):
        """The decisive scorer's scores, candidates by folds."""
        name = "score" if self.scorer is None else self.scorer
        pattern = re.compile(rf"split(\d+)_test_{re.escape(name)}")
        folds = sorted(int(m.group(1)) for key in cv_results
                       if (m := pattern.fullmatch(key)))
        if not folds:
            names = sorted({m.group(1) for key in cv_results
                            if (m := re.fullmatch(r"split\d+_test_(.+)", key))})
            if not names:
                raise ValueError("These cv_results_ hold no per-fold test scores "
                                 "(split0_test_..., as a search's cv_results_ do).")
            if self.scorer is None:
                raise ValueError(
                    f"This search records several scorers ({', '.join(names)}); pass "
                    f"KeepDefaultUnlessBetter(scorer=...) with the one that decides.")
            if names == ["score"]:
                raise ValueError(f"This search has one scorer, so there is no scorer "
                                 f"named {self.scorer!r}: pass scorer=None.")
            raise ValueError(f"The search has no per-fold scores of scorer "
                             f"{self.scorer!r}; its scorers are: {', '.join(names)}.")
        if len(folds) < 2:
            raise ValueError("The one-standard-error rule needs at least 2 folds.")
        return np.column_stack([np.asarray(cv_results[f"split{k}_test_{name}"], dtype=float)
                                for k in folds])

    def _default_position(self, params):
        """Where the default candidate is among ``params``.

        A candidate is the default when each parameter it sets has the default
        value; of several (a grid given as a list of dicts), the one that sets
        the most parameters.
        """
        searched = sorted({key for candidate in params for key in candidate})
        default = self._default_values(searched)
        matches = [position for position, candidate in enumerate(params)
                   if all(key in default and _same_value(value, default[key])
                          for key, value in candidate.items())]
        if matches:
            return max(matches, key=lambda position: len(params[position]))
        wanted = {key: default[key] for key in searched if key in default}
        unset = [key for key in searched if key not in default]
        spelling = [key for key in default if key not in searched]
        raise ValueError(
            f"No candidate of the search has the default parameters {wanted}"
            + (f" (and default gives no value for {unset}"
               + (f"; its keys {spelling} are not the search's parameter names"
                  if spelling else "") + ")" if unset else "")
            + ", so KeepDefaultUnlessBetter has nothing to keep. Add the default to "
            "the grid (a RandomizedSearchCV draws its candidates, so it holds the "
            "default only by chance: search a grid with GridSearchCV), or pass "
            "KeepDefaultUnlessBetter(default={...}) with a candidate it has.")

    def _default_values(self, searched):
        if self.default is not None:
            if not isinstance(self.default, dict):
                raise TypeError(f"default must be a dict of parameter values, got "
                                f"{type(self.default).__name__}.")
            return self.default
        # Imported on use: sk_dann.model_selection loads without torch and skorch.
        from ..classifier import DANNClassifier

        package = DANNClassifier().get_params(deep=False)
        own = {key: key.rsplit("__", 1)[-1] for key in searched}
        unknown = [key for key, name in own.items() if name not in package]
        if unknown:
            raise ValueError(
                f"The search varies {unknown}, which are not DANN parameters, so "
                f"their default is unknown. Pass KeepDefaultUnlessBetter(default="
                f"{{...}}) with a value for every searched parameter.")
        return {key: package[name] for key, name in own.items()}


def _same_value(a, b):
    """Whether a candidate's value is the default's: floats up to rounding
    (``np.linspace`` gives 0.30000000000000004), booleans only as booleans."""
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        return isinstance(a, (bool, np.bool_)) and isinstance(b, (bool, np.bool_)) and a == b
    if isinstance(a, numbers.Real) and isinstance(b, numbers.Real):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays and other values without a plain ==
        return a is b
