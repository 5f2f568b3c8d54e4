"""Traps seen from the call stack: X_target past a Pipeline's steps, and
scikit-learn's label scorers on packed data."""
import warnings

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_dann import DANNClassifier, PackedLabelsScoringWarning, pack_domains
from sk_dann.datasets import make_domain_moons
from sk_dann.model_selection import SourceScorer

@pytest.fixture(scope="module")
def fast(fast):
    return {**fast, "random_state": 0}


@pytest.fixture(scope="module")
def moons():
    return make_domain_moons(n_samples=90, random_state=0)


def test_x_target_routed_past_a_scaler_is_refused(moons, fast):
    Xs, ys, Xt, _ = moons
    pipe = make_pipeline(StandardScaler(), DANNClassifier(**fast))
    with pytest.raises(ValueError, match=r"\['standardscaler'\].*pack_domains"):
        pipe.fit(Xs, ys, dannclassifier__X_target=Xt)
    search = GridSearchCV(pipe, {"dannclassifier__lambda_max": [0.1]}, cv=2)
    with pytest.raises(ValueError, match="without passing through its steps"):
        search.fit(Xs, ys, dannclassifier__X_target=Xt)


def test_x_target_is_fine_alone_and_behind_passthrough(moons, fast):
    Xs, ys, Xt, _ = moons
    DANNClassifier(**fast).fit(Xs, ys, X_target=Xt)
    Pipeline([("nothing", "passthrough"), ("dann", DANNClassifier(**fast))]).fit(
        Xs, ys, dann__X_target=Xt)
    # Packed data through the same pipeline is the recipe the error gives.
    make_pipeline(StandardScaler(), DANNClassifier(**fast)).fit(*pack_domains(Xs, ys, Xt))


def test_label_scorer_on_packed_data_warns_and_source_scorer_is_right(moons, fast):
    Xs, ys, Xt, _ = moons
    X, y = pack_domains(Xs, ys, Xt)
    pipe = make_pipeline(StandardScaler(), DANNClassifier(**fast))
    cv = KFold(3, shuffle=True, random_state=0)
    with pytest.warns(PackedLabelsScoringWarning, match="SourceScorer"):
        naive = cross_val_score(pipe, X, y, scoring="accuracy", cv=cv)
    source = cross_val_score(pipe, X, y, scoring=SourceScorer("accuracy"), cv=cv)
    default = cross_val_score(pipe, X, y, cv=cv)  # DANNClassifier.score
    np.testing.assert_allclose(source, default)
    assert np.all(naive < source - 0.2)  # each target row counted as an error

    # By hand: accuracy on the labeled rows of each validation fold.
    for (train, test), score in zip(cv.split(X), source):
        fold = pipe.fit(X[train], y[train])
        labeled = y[test] != -1
        assert score == pytest.approx(np.mean(fold.predict(X[test][labeled]) == y[test][labeled]))


def test_source_scorer_takes_any_metric_and_string_labels(moons, fast):
    Xs, ys, Xt, _ = moons
    names = np.where(ys == 1, "up", "down")
    X, y = pack_domains(Xs, names, Xt)  # object labels: 'up', 'down', -1
    clf = DANNClassifier(**fast).fit(X, y)
    score = SourceScorer("balanced_accuracy")(clf, X, y)
    from sklearn.metrics import balanced_accuracy_score
    assert score == pytest.approx(balanced_accuracy_score(names, clf.predict(Xs)))


def test_label_scorer_on_source_labels_only_does_not_warn(moons, fast):
    Xs, ys, Xt, _ = moons
    clf = DANNClassifier(**fast).fit(Xs, ys, X_target=Xt)
    from sklearn.metrics import get_scorer
    with warnings.catch_warnings():
        warnings.simplefilter("error", PackedLabelsScoringWarning)
        get_scorer("accuracy")(clf, Xs, ys)
        # -1 is a class of this model: y == -1 is a label, no warning either.
        pm = DANNClassifier(**fast).fit(Xs, np.where(ys == 0, -1, 1), X_target=Xt)
        get_scorer("accuracy")(pm, Xs, np.where(ys == 0, -1, 1))
