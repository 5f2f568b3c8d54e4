"""The scikit-learn contract: estimator checks, Pipeline and GridSearchCV."""
import warnings

import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_dann import DANNClassifier, NoTargetDataWarning, pack_domains
from sk_dann.datasets import make_domain_moons

CHECKED = DANNClassifier(max_epochs=20, lr=0.05, hidden_layer_sizes=(32,),
                         domain_hidden_layer_sizes=(32,), random_state=0)


def _expected_failures(estimator):
    return {
        "check_classifiers_classes": (
            "uses -1 as a real class label; sk_dann follows scikit-learn's "
            "semi-supervised convention where y == -1 marks an unlabeled "
            "(target) row, so those rows are not training labels"),
    }


@parametrize_with_checks([CHECKED], expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    # The checks never pass target rows, so every fit is source-only: that
    # warning is the documented behaviour, not a problem.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoTargetDataWarning)
        check(estimator)


def test_grid_search_over_lambda_in_pipeline_scores_accuracy():
    Xs, ys, Xt, _ = make_domain_moons(n_samples=100, random_state=0)
    X, y = pack_domains(Xs, ys, Xt)
    pipe = make_pipeline(StandardScaler(), DANNClassifier(
        max_epochs=5, hidden_layer_sizes=(16,), domain_hidden_layer_sizes=(16,),
        random_state=0))
    search = GridSearchCV(pipe, {"dannclassifier__lambda_max": [0, 0.1, 1]}).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (3,)
    # accuracies on held-out labeled rows, not losses
    assert np.all((scores >= 0) & (scores <= 1))
    assert search.best_score_ == scores.max()
