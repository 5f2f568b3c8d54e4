"""KeepDefaultUnlessBetter: the refit rule that keeps the default unless a candidate clearly wins."""
import pickle

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

from sk_dann import DANNClassifier, pack_domains
from sk_dann.datasets import make_domain_moons
from sk_dann.model_selection import (
    DomainStratifiedKFold,
    KeepDefaultUnlessBetter,
    PredictionEntropyScorer,
    unsupervised_scorers,
)

LAMBDAS = [0.1, 0.3, 1.0]


def _results(fold_scores, lambdas=LAMBDAS, name="score", key="dannclassifier__lambda_max"):
    """A search's cv_results_ as scikit-learn lays them out, from a candidates x folds table."""
    scores = np.asarray(fold_scores, dtype=float)
    results = {"params": [{key: value} for value in lambdas],
               f"mean_test_{name}": scores.mean(axis=1)}
    results.update({f"split{k}_test_{name}": scores[:, k] for k in range(scores.shape[1])})
    return results


def test_keeps_the_default_when_a_better_mean_is_inside_the_fold_noise():
    # lambda 1.0 has the best mean (+0.02) but gains 0.10 on one fold and
    # loses on the others: the gain is smaller than its standard error.
    results = _results([[0.50, 0.60, 0.70],
                        [0.60, 0.60, 0.60],
                        [0.70, 0.58, 0.58]])
    assert np.argmax(results["mean_test_score"]) == 2
    assert KeepDefaultUnlessBetter()(results) == 1


def test_picks_a_candidate_that_beats_the_default_on_every_fold():
    results = _results([[0.50, 0.60, 0.70],
                        [0.60, 0.60, 0.60],
                        [0.63, 0.64, 0.62]])
    rule = KeepDefaultUnlessBetter()
    assert rule(results) == 2
    comparison = rule.compare_to_default(results)
    assert comparison["default_index"] == 1
    np.testing.assert_allclose(comparison["mean_difference"], [0.0, 0.0, 0.03], atol=1e-12)
    np.testing.assert_allclose(comparison["standard_error"][2], 0.01 / np.sqrt(3))
    assert comparison["beats_default"].tolist() == [False, False, True]


def test_of_several_clear_winners_the_best_mean_is_picked():
    results = _results([[0.62, 0.62, 0.62],
                        [0.60, 0.60, 0.60],
                        [0.65, 0.66, 0.64]])
    assert KeepDefaultUnlessBetter()(results) == 2


def test_n_standard_errors_sets_the_bar():
    results = _results([[0.50, 0.60, 0.70],
                        [0.60, 0.60, 0.60],
                        [0.70, 0.58, 0.58]])
    # With no bar, any higher mean wins: the best mean score.
    assert KeepDefaultUnlessBetter(n_standard_errors=0)(results) == 2
    clear = _results([[0.5] * 3, [0.60, 0.60, 0.60], [0.63, 0.64, 0.62]])
    assert KeepDefaultUnlessBetter(n_standard_errors=6)(clear) == 1
    with pytest.raises(ValueError, match="n_standard_errors must be a number >= 0"):
        KeepDefaultUnlessBetter(n_standard_errors=-1)(clear)


def test_a_grid_without_the_default_is_refused_with_the_values_it_needs():
    results = _results([[0.5] * 3, [0.6] * 3], lambdas=[0.1, 1.0])
    with pytest.raises(ValueError, match=r"No candidate .* default parameters "
                                         r"\{'dannclassifier__lambda_max': 0.3\}"):
        KeepDefaultUnlessBetter()(results)


def test_the_package_default_is_found_by_the_parameters_own_name():
    scores = [[0.5] * 3, [0.6] * 3, [0.55] * 3]
    for key in ["lambda_max", "model__lambda_max", "pipe__dannclassifier__lambda_max"]:
        assert KeepDefaultUnlessBetter()(_results(scores, key=key)) == 1
    # And with more than one searched parameter (the default has max_epochs=100).
    results = _results(scores)
    results["params"] = [{"dannclassifier__lambda_max": 0.3, "dannclassifier__max_epochs": 30},
                         {"dannclassifier__lambda_max": 0.3, "dannclassifier__max_epochs": 100},
                         {"dannclassifier__lambda_max": 1.0, "dannclassifier__max_epochs": 100}]
    assert KeepDefaultUnlessBetter()(results) == 1


def test_an_explicit_default_for_parameters_that_are_not_dann_parameters():
    results = _results([[0.5] * 3, [0.6] * 3, [0.55] * 3], lambdas=[True, False, None],
                       key="standardscaler__with_mean")
    with pytest.raises(ValueError, match="not DANN parameters.*default="):
        KeepDefaultUnlessBetter()(results)
    rule = KeepDefaultUnlessBetter(default={"standardscaler__with_mean": None})
    assert rule.compare_to_default(results)["default_index"] == 2
    assert rule(results) == 1  # beats the default by 0.05 on every fold
    with pytest.raises(ValueError, match=r"default gives no value for \['standardscaler"):
        KeepDefaultUnlessBetter(default={"dannclassifier__lr": 0.01})(results)
    # The short name of a step's parameter is a likely slip: say so.
    with pytest.raises(ValueError, match=r"keys \['with_mean'\] are not the search's parameter"):
        KeepDefaultUnlessBetter(default={"with_mean": None})(results)
    with pytest.raises(TypeError, match="default must be a dict"):
        KeepDefaultUnlessBetter(default=0.3)(results)


def test_a_grid_given_as_a_list_of_dicts():
    scores = [[0.5] * 3, [0.6] * 3, [0.55] * 3, [0.58] * 3]
    results = _results(scores, lambdas=[0.3, 1.0, 0.3, 0.3])
    results["params"][2]["dannclassifier__lr"] = 0.001
    results["params"][3]["dannclassifier__lr"] = 0.01
    # Candidates 0 and 3 both carry only default values; 3 sets more of them.
    rule = KeepDefaultUnlessBetter()
    assert rule.compare_to_default(results)["default_index"] == 3
    explicit = KeepDefaultUnlessBetter(default={"dannclassifier__lambda_max": 0.3})
    assert explicit.compare_to_default(results)["default_index"] == 0
    # Keys the search does not vary are ignored.
    extra = KeepDefaultUnlessBetter(default={"dannclassifier__lambda_max": 0.3,
                                             "dannclassifier__lr": 0.001, "tol": 1e-4})
    assert extra.compare_to_default(results)["default_index"] == 2


def test_default_values_match_grid_values_up_to_rounding_but_not_across_types():
    lambdas = np.linspace(0.1, 0.5, 5)  # holds 0.30000000000000004
    assert lambdas[2] != 0.3
    results = _results([[0.5] * 3] * 5, lambdas=list(lambdas))
    assert KeepDefaultUnlessBetter().compare_to_default(results)["default_index"] == 2
    flags = _results([[0.5] * 3] * 2, lambdas=[1, True], key="standardscaler__with_std")
    rule = KeepDefaultUnlessBetter(default={"standardscaler__with_std": True})
    assert rule.compare_to_default(flags)["default_index"] == 1


def test_one_fold_is_not_enough():
    with pytest.raises(ValueError, match="at least 2 folds"):
        KeepDefaultUnlessBetter()(_results([[0.5], [0.6], [0.7]]))


def test_multi_metric_results_need_the_deciding_scorer_by_name():
    results = _results([[0.5] * 3, [0.6, 0.6, 0.6], [0.7, 0.71, 0.69]], name="snd")
    results.update({k.replace("snd", "dev"): v for k, v in _results(
        [[0.9] * 3, [0.6] * 3, [0.5] * 3], name="dev").items() if k != "params"})
    with pytest.raises(ValueError, match=r"several scorers \(dev, snd\).*scorer="):
        KeepDefaultUnlessBetter()(results)
    with pytest.raises(ValueError, match="no per-fold scores of scorer 'entropy'"):
        KeepDefaultUnlessBetter(scorer="entropy")(results)
    assert KeepDefaultUnlessBetter(scorer="snd")(results) == 2
    assert KeepDefaultUnlessBetter(scorer="dev")(results) == 0
    # A scorer whose name starts with another's is told apart.
    results.update({k.replace("snd", "snd2"): v for k, v in _results(
        [[0.9] * 3, [0.6] * 3, [0.5] * 3], name="snd").items() if k != "params"})
    assert KeepDefaultUnlessBetter(scorer="snd")(results) == 2
    assert KeepDefaultUnlessBetter(scorer="snd2")(results) == 0
    with pytest.raises(ValueError, match="one scorer.*pass scorer=None"):
        KeepDefaultUnlessBetter(scorer="accuracy")(_results([[0.5] * 3] * 3))


@pytest.mark.parametrize("failed", [float("nan"), -np.inf], ids=["nan", "-inf"])
def test_failed_fits_never_win_and_a_failed_default_is_an_error(failed):
    # error_score=np.nan (scikit-learn's default) or error_score=-np.inf
    results = _results([[0.9, 0.9, failed], [0.6] * 3, [0.5] * 3])
    assert KeepDefaultUnlessBetter()(results) == 1
    results = _results([[0.9] * 3, [0.6, failed, 0.6], [0.5] * 3])
    with pytest.raises(ValueError, match="default candidate .* no finite score in some fold"):
        KeepDefaultUnlessBetter()(results)


def test_successive_halving_results_are_refused():
    results = _results([[0.5] * 3, [0.6] * 3, [0.55] * 3])
    results["iter"] = np.array([0, 0, 1])
    with pytest.raises(ValueError, match="successive-halving.*GridSearchCV"):
        KeepDefaultUnlessBetter()(results)


@pytest.fixture(scope="module")
def moons():
    Xs, ys, Xt, _ = make_domain_moons(n_samples=120, random_state=0)
    return pack_domains(Xs, ys, Xt)


@pytest.fixture(scope="module")
def small_dann(fast):
    return DANNClassifier(**{**fast, "max_epochs": 4}, random_state=0)


def test_inside_a_grid_search_with_the_domain_splitter(moons, small_dann):
    X, y = moons

    def search_with(rule):
        return GridSearchCV(small_dann, {"lambda_max": [0.0, 0.3, 10.0]},
                            scoring=PredictionEntropyScorer(), cv=DomainStratifiedKFold(3),
                            refit=rule).fit(X, y)

    # An unreachable bar keeps the default; no bar is the best mean score.
    assert search_with(KeepDefaultUnlessBetter(n_standard_errors=np.inf)).best_params_ == {
        "lambda_max": 0.3}
    search = search_with(KeepDefaultUnlessBetter(n_standard_errors=0))
    best_mean = int(np.argmax(search.cv_results_["mean_test_score"]))
    assert search.best_params_ == search.cv_results_["params"][best_mean]
    assert search.best_estimator_.lambda_max == search.best_params_["lambda_max"]
    rule = KeepDefaultUnlessBetter()
    search = search_with(rule)
    # The search object, rule included, survives pickling.
    restored = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(restored.predict(X), search.predict(X))
    assert repr(restored.refit) == repr(rule)


def test_multi_metric_and_randomized_searches(moons, small_dann):
    X, y = moons
    rule = KeepDefaultUnlessBetter(scorer="neg_prediction_entropy")
    grid = GridSearchCV(small_dann, {"lambda_max": [0.0, 0.3, 10.0]},
                        scoring=unsupervised_scorers(), cv=DomainStratifiedKFold(3),
                        refit=rule).fit(X, y)
    assert grid.best_index_ == rule(grid.cv_results_)
    # The same candidates drawn by a randomized search: the same choice.
    randomized = RandomizedSearchCV(small_dann, {"lambda_max": [0.0, 0.3, 10.0]}, n_iter=3,
                                    scoring=unsupervised_scorers(), random_state=0,
                                    cv=DomainStratifiedKFold(3), refit=rule).fit(X, y)
    assert randomized.best_params_ == grid.best_params_


def test_the_rule_loads_without_torch():
    # The package default is read from DANNClassifier only when the rule runs.
    import subprocess
    import sys
    code = ("import sys; from sk_dann.model_selection import KeepDefaultUnlessBetter; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
