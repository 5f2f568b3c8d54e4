"""DANNRegressor: the same adversarial training for a real-valued target."""
import numpy as np
import pytest
from sklearn.metrics import r2_score

from sk_dann import DANNRegressor
from sk_dann.datasets import make_domain_moons_regression

ROTATED = dict(lr=0.05, max_epochs=150, hidden_layer_sizes=64, domain_hidden_layer_sizes=64,
               n_threads=1)


def _target_r2(seed, lambda_max):
    Xs, ys, Xt, yt = make_domain_moons_regression(n_samples=150, random_state=seed)
    model = DANNRegressor(lambda_max=lambda_max, random_state=seed, **ROTATED)
    return r2_score(yt, model.fit(Xs, ys, X_target=Xt).predict(Xt))


@pytest.mark.slow
def test_dann_regression_beats_source_only_on_the_rotated_moons():
    # Measured (tests' settings): source-only R^2 -0.35, -0.38, -0.31 on seeds
    # 0-2; DANN at lambda_max=3: 0.48, 0.04, 0.12.
    gains = [_target_r2(seed, 3.0) - _target_r2(seed, 0.0) for seed in range(3)]
    assert all(gain > 0 for gain in gains) and np.mean(gains) > 0.2, gains


@pytest.fixture(scope="module")
def moons():
    return make_domain_moons_regression(n_samples=80, random_state=0)


def test_predict_returns_floats_on_the_original_scale_and_score_is_r2(moons, fast):
    Xs, ys, Xt, yt = moons
    reg = DANNRegressor(random_state=0, **{**fast, "max_epochs": 30}).fit(
        Xs, 1000 + 50 * ys, X_target=Xt)  # a scale far from 1 trains as well
    predicted = reg.predict(Xs)
    assert predicted.dtype == np.float64 and predicted.shape == (80,)
    assert reg.score(Xs, 1000 + 50 * ys) == pytest.approx(r2_score(1000 + 50 * ys, predicted))
    assert reg.score(Xs, 1000 + 50 * ys) > 0.3
    assert abs(predicted.mean() - (1000 + 50 * ys).mean()) < 50


def test_packed_rows_with_nan_are_the_target(moons, fast):
    Xs, ys, Xt, _ = moons
    packed = DANNRegressor(random_state=0, **fast).fit(np.r_[Xs, Xt],
                                                      np.r_[ys, np.full(len(Xt), np.nan)])
    separate = DANNRegressor(random_state=0, **fast).fit(Xs, ys, X_target=Xt)
    np.testing.assert_array_equal(packed.predict(Xt), separate.predict(Xt))
    # -1 is an ordinary value for a regressor.
    DANNRegressor(random_state=0, **fast).fit(Xs, np.full(len(ys), -1.0) + ys, X_target=Xt)
    # score skips the NaN rows, as the classifier's skips -1.
    y_packed = np.r_[ys, np.full(len(Xt), np.nan)]
    assert packed.score(np.r_[Xs, Xt], y_packed) == pytest.approx(packed.score(Xs, ys))


def test_bad_regression_targets_are_explained(moons, fast):
    Xs, ys, Xt, _ = moons
    with pytest.raises(ValueError, match="numeric y"):
        DANNRegressor(**fast).fit(Xs, np.where(ys > 1, "high", "low"), X_target=Xt)
    with pytest.raises(ValueError, match="infinity"):
        DANNRegressor(**fast).fit(Xs, np.r_[np.inf, ys[1:]], X_target=Xt)
    with pytest.raises(ValueError, match="y is NaN in 1 source rows"):
        DANNRegressor(**fast).fit(Xs, np.r_[np.nan, ys[1:]], X_target=Xt)


def test_the_regressor_shares_the_training_machinery(moons, fast):
    Xs, ys, Xt, _ = moons
    reg = DANNRegressor(random_state=0, warm_start=True, **fast).fit(Xs, ys, X_target=Xt)
    assert list(reg.history_[0]) and "domain_acc" in reg.history_[0]
    reg.set_params(lr=0.001).fit(Xs, ys, X_target=Xt)
    assert len(reg.history_) == 2 * fast["max_epochs"]
    again = DANNRegressor(random_state=0, **fast).fit(Xs, ys, X_target=Xt)
    twice = DANNRegressor(random_state=0, **fast).fit(Xs, ys, X_target=Xt)
    np.testing.assert_array_equal(again.predict(Xt), twice.predict(Xt))


def test_packing_regression_targets_with_nan_and_scoring_them(moons, fast):
    from sklearn.model_selection import GridSearchCV, KFold
    from sk_dann import pack_domains
    from sk_dann.model_selection import SourceScorer
    Xs, ys, Xt, _ = moons
    X, y = pack_domains(Xs, ys, Xt, unlabeled=np.nan)
    assert np.isnan(y[len(Xs):]).all() and not np.isnan(y[:len(Xs)]).any()
    packed = DANNRegressor(random_state=0, **fast).fit(X, y)
    separate = DANNRegressor(random_state=0, **fast).fit(Xs, ys, X_target=Xt)
    np.testing.assert_array_equal(packed.predict(Xt), separate.predict(Xt))
    assert SourceScorer("r2")(packed, X, y) == pytest.approx(packed.score(Xs, ys))
    search = GridSearchCV(DANNRegressor(random_state=0, **fast), {"lambda_max": [0.1, 1.0]},
                          scoring=SourceScorer("neg_mean_squared_error"),
                          cv=KFold(2, shuffle=True, random_state=0)).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_minus_one_packed_as_for_a_classifier_is_a_value_and_says_so(moons, fast):
    from sk_dann import NoTargetDataWarning, pack_domains
    Xs, ys, Xt, _ = moons
    X, y = pack_domains(Xs, ys, Xt)  # the classifier's -1 marker
    with pytest.warns(UserWarning, match="unlabeled=np.nan") as record:
        with pytest.warns(NoTargetDataWarning):
            DANNRegressor(**fast).fit(X, y)
    said = [w for w in record if "unlabeled=np.nan" in str(w.message)]
    assert said[0].filename == __file__  # points at the user's fit, not at sk_dann
