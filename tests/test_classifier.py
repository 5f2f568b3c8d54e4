import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_dann import DANNClassifier, NoTargetDataWarning, pack_domains
from sk_dann.datasets import make_domain_moons

@pytest.fixture(scope="module")
def fast(fast):
    return {**fast, "max_epochs": 5, "hidden_layer_sizes": (16,),
            "domain_hidden_layer_sizes": (16,)}


@pytest.fixture(scope="module")
def moons():
    return make_domain_moons(n_samples=120, random_state=0)


def test_same_random_state_gives_identical_predictions(moons, fast):
    Xs, ys, Xt, _ = moons
    a = DANNClassifier(random_state=3, **fast).fit(Xs, ys, X_target=Xt)
    b = DANNClassifier(random_state=3, **fast).fit(Xs, ys, X_target=Xt)
    np.testing.assert_array_equal(a.predict_proba(Xt), b.predict_proba(Xt))


def test_fit_leaves_global_torch_rng_alone(moons, fast):
    Xs, ys, Xt, _ = moons
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    DANNClassifier(random_state=0, **fast).fit(Xs, ys, X_target=Xt)
    assert torch.equal(torch.rand(3), expected)


def test_lambda_changes_predictions(moons, fast):
    Xs, ys, Xt, _ = moons
    p0 = DANNClassifier(lambda_max=0, random_state=0, **fast).fit(Xs, ys, X_target=Xt)
    p1 = DANNClassifier(lambda_max=1, random_state=0, **fast).fit(Xs, ys, X_target=Xt)
    assert not np.allclose(p0.predict_proba(Xt), p1.predict_proba(Xt))


def test_packed_and_separate_target_are_the_same_fit(moons, fast):
    Xs, ys, Xt, _ = moons
    X, y = pack_domains(Xs, ys, Xt)
    a = DANNClassifier(random_state=1, **fast).fit(X, y)
    b = DANNClassifier(random_state=1, **fast).fit(Xs, ys, X_target=Xt)
    np.testing.assert_allclose(a.predict_proba(Xt), b.predict_proba(Xt), rtol=1e-6)
    assert list(a.classes_) == [0, 1]


def test_string_labels_and_history_columns(moons, fast):
    Xs, ys, Xt, _ = moons
    names = np.array(["cat", "dog"])[ys]
    clf = DANNClassifier(random_state=0, **fast).fit(Xs, names, X_target=Xt)
    assert set(clf.predict(Xt)) <= {"cat", "dog"}
    assert list(clf.classes_) == ["cat", "dog"]
    for key in ("label_loss", "domain_loss", "domain_acc", "lambda", "lr"):
        assert len(clf.history_[:, key]) == fast["max_epochs"]
    assert clf.transform(Xt).shape == (len(Xt), 16)
    assert set(clf.predict_domain(Xt)) <= {0, 1}


def test_predict_domain_proba_is_shaped_as_every_predict_proba(moons, fast):
    Xs, ys, Xt, _ = moons
    clf = DANNClassifier(random_state=0, **fast).fit(Xs, ys, X_target=Xt)
    proba = clf.predict_domain_proba(np.r_[Xs, Xt])
    assert proba.shape == (len(Xs) + len(Xt), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict_domain(np.r_[Xs, Xt]), proba.argmax(axis=1))


def test_no_target_warns_and_lambda_zero_does_not(moons, recwarn, fast):
    Xs, ys, _, _ = moons
    with pytest.warns(NoTargetDataWarning):
        DANNClassifier(random_state=0, **fast).fit(Xs, ys)
    DANNClassifier(lambda_max=0, random_state=0, **fast).fit(Xs, ys)
    assert not [w for w in recwarn if issubclass(w.category, NoTargetDataWarning)]


def test_clone_and_pickle_round_trip(moons, fast):
    Xs, ys, Xt, _ = moons
    clf = DANNClassifier(random_state=0, **fast).fit(Xs, ys, X_target=Xt)
    assert clone(clf).get_params() == clf.get_params()
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(Xt), clf.predict_proba(Xt))


def test_pipeline_scaler_sees_target_rows(moons, fast):
    Xs, ys, Xt, _ = moons
    X, y = pack_domains(Xs, ys, Xt + 5.0)
    pipe = make_pipeline(StandardScaler(), DANNClassifier(random_state=0, **fast)).fit(X, y)
    scaler = pipe.named_steps["standardscaler"]
    np.testing.assert_allclose(scaler.mean_, X.mean(axis=0), rtol=1e-5)
    assert not np.allclose(scaler.mean_, Xs.mean(axis=0), atol=1.0)


@pytest.mark.parametrize("bad, message", [
    (dict(X_target=np.zeros((0, 2), np.float32)), "0 rows"),
    (dict(X_target=np.zeros((5, 3), np.float32)), "same feature"),
    (dict(X_target=np.full((5, 2), np.nan, np.float32)), "NaN"),
])
def test_bad_target_input_says_what_is_wrong(moons, bad, message, fast):
    Xs, ys, _, _ = moons
    with pytest.raises(ValueError, match=message):
        DANNClassifier(**fast).fit(Xs, ys, **bad)


def test_bad_labels_say_what_is_wrong(moons, fast):
    Xs, ys, _, _ = moons
    with pytest.raises(ValueError, match="No labeled rows"):
        DANNClassifier(**fast).fit(Xs, np.full(len(ys), -1))
    with pytest.raises(ValueError, match="1 class"):
        DANNClassifier(**fast).fit(Xs, np.zeros(len(ys), int))
    with pytest.raises(ValueError, match="NaN"):
        DANNClassifier(**fast).fit(np.full_like(Xs, np.nan), ys)


def test_score_is_accuracy_on_labeled_rows_only(moons, fast):
    Xs, ys, Xt, _ = moons
    X, y = pack_domains(Xs, ys, Xt)
    clf = DANNClassifier(random_state=0, **fast).fit(X, y)
    assert clf.score(X, y) == pytest.approx(np.mean(clf.predict(Xs) == ys))


def test_user_feature_extractor_is_copied_and_used(moons):
    Xs, ys, Xt, _ = moons
    extractor = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh())
    before = [p.detach().clone() for p in extractor.parameters()]
    clf = DANNClassifier(feature_extractor=extractor, max_epochs=3, random_state=0)
    clf.fit(Xs, ys, X_target=Xt)
    assert clf.transform(Xt).shape == (len(Xt), 16)
    assert np.all(np.abs(clf.transform(Xt)) <= 1)  # the user's Tanh is the last layer
    assert clf.net_.module_.feature_extractor is not extractor
    # The user's module is untouched, so a refit starts from the same weights.
    assert all(torch.equal(a, b) for a, b in zip(before, extractor.parameters()))
    again = DANNClassifier(feature_extractor=extractor, max_epochs=3, random_state=0)
    np.testing.assert_array_equal(again.fit(Xs, ys, X_target=Xt).predict_proba(Xt),
                                  clf.predict_proba(Xt))


@pytest.mark.parametrize("params", [
    dict(optimizer="adam"),
    dict(optimizer=torch.optim.RMSprop),
    dict(momentum=0.0),
    dict(weight_decay=0.1),
])
def test_optimizer_parameters_reach_the_optimizer_and_change_the_model(moons, fast, params):
    Xs, ys, Xt, _ = moons
    default = DANNClassifier(random_state=0, **fast).fit(Xs, ys, X_target=Xt)
    changed = DANNClassifier(random_state=0, **fast, **params).fit(Xs, ys, X_target=Xt)
    optimizer = changed.net_.optimizer_
    expected = {"adam": torch.optim.Adam}.get(params.get("optimizer"),
                                              params.get("optimizer", torch.optim.SGD))
    assert type(optimizer) is expected
    group = optimizer.param_groups[0]
    for name in ("momentum", "weight_decay"):
        if name in params:
            assert group[name] == params[name]
    assert not np.allclose(changed.predict_proba(Xt), default.predict_proba(Xt))


def test_a_momentum_above_one_is_refused_as_in_mlpclassifier(moons, fast):
    Xs, ys, Xt, _ = moons
    with pytest.raises(ValueError, match=r"'momentum' parameter .* range \[0\.0, 1\.0\]"):
        DANNClassifier(momentum=2, **fast).fit(Xs, ys, X_target=Xt)


def test_an_optimizer_that_is_not_one_is_refused(moons, fast):
    Xs, ys, Xt, _ = moons
    with pytest.raises(ValueError, match="torch.optim.Optimizer class"):
        DANNClassifier(optimizer=dict, **fast).fit(Xs, ys, X_target=Xt)
    with pytest.raises(ValueError, match="'optimizer' parameter"):
        DANNClassifier(optimizer="lbfgs", **fast).fit(Xs, ys, X_target=Xt)


def test_balanced_class_weight_equals_the_explicit_dict(moons, fast):
    from sklearn.utils.class_weight import compute_class_weight
    Xs, ys, Xt, _ = moons
    keep = np.r_[np.flatnonzero(ys == 0), np.flatnonzero(ys == 1)[:15]]  # imbalanced
    Xi, yi = Xs[keep], ys[keep]
    weights = compute_class_weight("balanced", classes=np.array([0, 1]), y=yi)
    balanced = DANNClassifier(random_state=0, class_weight="balanced", **fast).fit(
        Xi, yi, X_target=Xt)
    explicit = DANNClassifier(random_state=0, class_weight=dict(enumerate(weights)),
                              **fast).fit(Xi, yi, X_target=Xt)
    np.testing.assert_array_equal(balanced.predict_proba(Xt), explicit.predict_proba(Xt))
    plain = DANNClassifier(random_state=0, **fast).fit(Xi, yi, X_target=Xt)
    # The minority class gets more of the predicted probability with balancing.
    assert balanced.predict_proba(Xt)[:, 1].mean() > plain.predict_proba(Xt)[:, 1].mean()


def test_class_weight_with_string_labels_and_bad_keys(moons, fast):
    Xs, ys, Xt, _ = moons
    names = np.where(ys == 1, "up", "down")
    clf = DANNClassifier(random_state=0, class_weight={"up": 3.0}, **fast)
    clf.fit(Xs, names, X_target=Xt)
    assert clf.classes_.tolist() == ["down", "up"]
    with pytest.raises(ValueError, match=r"class_weight has keys \['sideways'\]"):
        DANNClassifier(class_weight={"sideways": 2.0}, **fast).fit(Xs, names, X_target=Xt)
