"""DomainPipeline: transformers fitted on both domains, the rest a Pipeline."""
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_dann import (DANNClassifier, DANNRegressor, DomainPipeline, make_da_pipeline,
                     pack_domains)
from sk_dann.datasets import make_domain_moons


@pytest.fixture(scope="module")
def fast(fast):
    return {**fast, "random_state": 0, "n_threads": 1, "batch_size": 16}


@pytest.fixture(scope="module")
def moons():
    """Moons far from the origin and on a large scale, so that an unscaled
    or wrongly scaled input trains a different network."""
    Xs, ys, Xt, yt = make_domain_moons(n_samples=90, random_state=0)
    return Xs * 10 + 3, ys, Xt[:70] * 10 + 3, yt[:70]


def test_same_predictions_as_the_packed_recipe(moons, fast):
    Xs, ys, Xt, _ = moons
    domain = make_da_pipeline(StandardScaler(), DANNClassifier(**fast))
    domain.fit(Xs, ys, X_target=Xt)
    packed = make_pipeline(StandardScaler(), DANNClassifier(**fast))
    packed.fit(*pack_domains(Xs, ys, Xt))
    # The scaler saw the rows of both domains, not the source alone.
    np.testing.assert_allclose(domain[0].mean_, np.vstack([Xs, Xt]).mean(axis=0),
                               rtol=1e-5)
    np.testing.assert_array_equal(domain.predict_proba(Xt), packed.predict_proba(Xt))
    np.testing.assert_array_equal(domain.predict(Xt), packed.predict(Xt))


def test_regressor_matches_its_packed_recipe(moons, fast):
    Xs, ys, Xt, _ = moons
    y = Xs[:, 0] * 2.0 - ys
    domain = make_da_pipeline(StandardScaler(), DANNRegressor(**fast))
    domain.fit(Xs, y, X_target=Xt)
    packed = make_pipeline(StandardScaler(), DANNRegressor(**fast))
    packed.fit(*pack_domains(Xs, y, Xt, unlabeled=np.nan))
    np.testing.assert_array_equal(domain.predict(Xt), packed.predict(Xt))


def test_packed_data_passes_through_as_in_a_plain_pipeline(moons, fast):
    X, y = pack_domains(*moons[:3])
    domain = make_da_pipeline(StandardScaler(), DANNClassifier(**fast)).fit(X, y)
    plain = make_pipeline(StandardScaler(), DANNClassifier(**fast)).fit(X, y)
    np.testing.assert_array_equal(domain.predict_proba(X), plain.predict_proba(X))


def test_grid_search_over_lambda_refits_the_domain_pipeline(moons, fast):
    Xs, ys, Xt, _ = moons
    pipe = make_da_pipeline(StandardScaler(), DANNClassifier(**fast))
    search = GridSearchCV(pipe, {"dannclassifier__lambda_max": [0.0, 1.0]}, cv=2)
    search.fit(Xs, ys, X_target=Xt)
    assert isinstance(search.best_estimator_, DomainPipeline)
    by_hand = clone(pipe).set_params(**search.best_params_).fit(Xs, ys, X_target=Xt)
    np.testing.assert_array_equal(search.predict_proba(Xt), by_hand.predict_proba(Xt))
    np.testing.assert_allclose(search.best_estimator_[0].mean_,
                               np.vstack([Xs, Xt]).mean(axis=0), rtol=1e-5)


def test_never_refused_while_a_plain_pipeline_is(moons, fast):
    Xs, ys, Xt, _ = moons

    class MyDomainPipeline(Pipeline):  # a user's own design: transforms X_target itself
        def fit(self, X, y, X_target):
            scaler, model = self.steps[0][1], self.steps[-1][1]
            scaler.fit(np.vstack([X, X_target]))
            model.fit(scaler.transform(X), y, X_target=scaler.transform(X_target))
            return self

    MyDomainPipeline([("s", StandardScaler()), ("d", DANNClassifier(**fast))]).fit(
        Xs, ys, X_target=Xt)
    make_da_pipeline(StandardScaler(), DANNClassifier(**fast)).fit(Xs, ys, X_target=Xt)
    plain = make_pipeline(StandardScaler(), DANNClassifier(**fast))
    with pytest.raises(ValueError, match=r"\['standardscaler'\].*make_da_pipeline"):
        plain.fit(Xs, ys, dannclassifier__X_target=Xt)


def test_minus_one_is_a_class_with_x_target(moons, fast):
    Xs, ys, Xt, _ = moons
    pipe = make_da_pipeline(StandardScaler(), DANNClassifier(**fast))
    pipe.fit(Xs, np.where(ys == 0, -1, 1), X_target=Xt)
    assert pipe.classes_.tolist() == [-1, 1]
    assert set(pipe.predict(Xt)) <= {-1, 1}


def test_dataframes_string_classes_and_pandas_output(moons, fast):
    Xs, ys, Xt, _ = moons
    source = pd.DataFrame(Xs, columns=["width", "height"])
    target = pd.DataFrame(Xt, columns=["width", "height"])[["height", "width"]]
    names = np.where(ys == 1, "up", "down")
    pipe = make_da_pipeline(StandardScaler(), DANNClassifier(**fast))
    pipe.set_output(transform="pandas").fit(source, names, X_target=target)
    assert pipe.classes_.tolist() == ["down", "up"]
    # The target's columns were matched by name before stacking.
    np.testing.assert_allclose(pipe[0].mean_, np.vstack([Xs, Xt]).mean(axis=0), rtol=1e-5)
    features = pipe.transform(target[["width", "height"]])
    assert isinstance(features, pd.DataFrame)
    assert list(features.columns) == list(pipe.get_feature_names_out())
    assert features.shape == (len(Xt), 8)


def test_sample_weight_reaches_the_estimator(moons, fast):
    Xs, ys, Xt, _ = moons
    weight = np.where(ys == 1, 3.0, 0.5)
    pipe = make_da_pipeline(StandardScaler(), DANNClassifier(**fast))
    pipe.fit(Xs, ys, X_target=Xt, dannclassifier__sample_weight=weight)
    scaler = StandardScaler().fit(np.vstack([Xs, Xt]))
    by_hand = DANNClassifier(**fast).fit(scaler.transform(Xs), ys,
                                         X_target=scaler.transform(Xt), sample_weight=weight)
    np.testing.assert_array_equal(pipe.predict_proba(Xt),
                                  by_hand.predict_proba(scaler.transform(Xt)))
    unweighted = clone(pipe).fit(Xs, ys, X_target=Xt)
    assert not np.array_equal(unweighted.predict_proba(Xt), pipe.predict_proba(Xt))


def test_metadata_routing_routes_sample_weight_and_x_target(moons, fast):
    Xs, ys, Xt, _ = moons
    weight = np.where(ys == 1, 3.0, 0.5)
    with sklearn.config_context(enable_metadata_routing=True):
        model = DANNClassifier(**fast).set_fit_request(sample_weight=True)
        pipe = make_da_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                                model)
        pipe.fit(Xs, ys, X_target=Xt, sample_weight=weight)
        # X_target is the pipeline's own: a search passes it on without a request.
        search = GridSearchCV(make_da_pipeline(StandardScaler(), DANNClassifier(**fast)),
                              {"dannclassifier__lambda_max": [0.3]}, cv=2)
        search.fit(Xs, ys, X_target=Xt + 100.0)
        np.testing.assert_allclose(search.best_estimator_[0].mean_,
                                   np.vstack([Xs, Xt + 100.0]).mean(axis=0), rtol=1e-5)
    legacy = make_da_pipeline(StandardScaler(), DANNClassifier(**fast))
    legacy.fit(Xs, ys, X_target=Xt, dannclassifier__sample_weight=weight)
    np.testing.assert_array_equal(pipe.predict_proba(Xt), legacy.predict_proba(Xt))


def test_pipeline_api_stays(moons, fast):
    Xs, ys, Xt, _ = moons
    pipe = make_da_pipeline(StandardScaler(), DANNClassifier(**fast))
    assert [name for name, _ in pipe.steps] == ["standardscaler", "dannclassifier"]
    assert isinstance(clone(pipe), DomainPipeline)
    assert isinstance(pipe[:1], DomainPipeline)
    features = pipe.fit_transform(Xs, ys, X_target=Xt)
    assert features.shape == (len(Xs), 8)  # the source rows, in the learned features
    np.testing.assert_allclose(pipe[0].mean_, np.vstack([Xs, Xt]).mean(axis=0), rtol=1e-5)
    proba = pipe.predict_proba(Xt)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


def test_x_target_as_a_step_parameter_is_refused_here_too(moons, fast):
    Xs, ys, Xt, _ = moons
    pipe = make_da_pipeline(StandardScaler(), DANNClassifier(**fast))
    for given in ({}, {"X_target": Xt}):
        with pytest.raises(ValueError, match="dannclassifier__X_target=... would hand"):
            pipe.fit(Xs, ys, dannclassifier__X_target=Xt, **given)
    with pytest.raises(ValueError, match="Pass them to the pipeline itself"):
        pipe.fit_transform(Xs, ys, dannclassifier__X_target=Xt)


def test_a_transformer_given_per_row_values_is_refused_with_x_target(moons, fast):
    Xs, ys, Xt, _ = moons
    pipe = make_da_pipeline(StandardScaler(), DANNClassifier(**fast))
    message = (r"'standardscaler' got sample_weight with one value per row of X \(90\), "
               r"but with X_target it is fitted on the 160 source and target rows")
    with pytest.raises(ValueError, match=message):
        pipe.fit(Xs, ys, X_target=Xt, standardscaler__sample_weight=np.ones(len(Xs)))
    with sklearn.config_context(enable_metadata_routing=True):
        routed = make_da_pipeline(StandardScaler().set_fit_request(sample_weight=True),
                                  DANNClassifier(**fast).set_fit_request(sample_weight=True))
        with pytest.raises(ValueError, match=message):
            routed.fit(Xs, ys, X_target=Xt, sample_weight=np.ones(len(Xs)))
    # Packed, every row has a value: the plain Pipeline behaviour.
    X, y = pack_domains(Xs, ys, Xt)
    pipe.fit(X, y, standardscaler__sample_weight=np.ones(len(X)))


def test_steps_are_checked_and_verbose_prints_as_pipeline_does(moons, fast, capsys):
    Xs, ys, Xt, _ = moons
    twice = DomainPipeline([("step", StandardScaler()), ("step", DANNClassifier(**fast))])
    with pytest.raises(ValueError, match="Names provided are not unique"):
        twice.fit(Xs, ys, X_target=Xt)
    with pytest.raises(ValueError, match="transform_input is not supported"):
        make_da_pipeline(StandardScaler(), DANNClassifier(**fast),
                         transform_input=["X_val"]).fit(Xs, ys, X_target=Xt)
    make_da_pipeline(StandardScaler(), DANNClassifier(**fast), verbose=True).fit(
        Xs, ys, X_target=Xt)
    out = capsys.readouterr().out
    assert "(1 of 2) Processing standardscaler" in out
    assert "(2 of 2) Processing dannclassifier" in out


def test_a_transformer_without_fit_transform_and_passthrough(moons, fast):
    Xs, ys, Xt, _ = moons

    class Shift(BaseEstimator):  # fit and transform only
        def fit(self, X, y=None):
            self.center_ = X.mean(axis=0)
            return self

        def transform(self, X):
            return X - self.center_

    pipe = DomainPipeline([("shift", Shift()), ("skip", "passthrough"),
                           ("dann", DANNClassifier(**fast))])
    pipe.fit(Xs, ys, X_target=Xt)
    np.testing.assert_allclose(pipe[0].center_, np.vstack([Xs, Xt]).mean(axis=0),
                               rtol=1e-5)


def test_bad_step_parameters_and_steps_are_named(moons, fast):
    Xs, ys, Xt, _ = moons
    pipe = make_da_pipeline(StandardScaler(), DANNClassifier(**fast))
    with pytest.raises(ValueError, match="'sample_weight', which names no step"):
        pipe.fit(Xs, ys, X_target=Xt, sample_weight=np.ones(len(Xs)))

    class NotATransformer(TransformerMixin):
        def fit(self, X, y=None):
            return self

    bad = DomainPipeline([("odd", NotATransformer()), ("dann", DANNClassifier(**fast))])
    with pytest.raises(TypeError, match="'odd'.*is not a transformer"):
        bad.fit(Xs, ys, X_target=Xt)


def test_a_frame_on_one_side_is_matched_by_position_with_a_warning(moons, fast):
    Xs, ys, Xt, _ = moons
    source = pd.DataFrame(Xs, columns=["width", "height"])
    pipe = make_da_pipeline(StandardScaler(), DANNClassifier(**fast))
    with pytest.warns(UserWarning, match="X has feature names but X_target does not"):
        pipe.fit(source, ys, X_target=Xt)
    # The scaler learned the names, so predicting on the frame stays quiet.
    assert list(pipe[0].feature_names_in_) == ["width", "height"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pipe.predict(pd.DataFrame(Xt, columns=["width", "height"]))


def test_target_rows_of_another_width_are_refused(moons, fast):
    Xs, ys, Xt, _ = moons
    pipe = make_da_pipeline(StandardScaler(), DANNClassifier(**fast))
    with pytest.raises(ValueError, match=r"X_target has per-row shape \(3,\) but X has \(2,\)"):
        pipe.fit(Xs, ys, X_target=np.c_[Xt, Xt[:, :1]])


def test_sparse_rows_and_images_go_through(moons, fast):
    import scipy.sparse as sp
    from sklearn.preprocessing import MaxAbsScaler
    Xs, ys, Xt, _ = moons
    pipe = make_da_pipeline(MaxAbsScaler(), DANNClassifier(**fast))
    pipe.fit(sp.csr_matrix(Xs), ys, X_target=sp.csr_matrix(Xt))
    np.testing.assert_allclose(pipe[0].max_abs_, np.abs(np.vstack([Xs, Xt])).max(axis=0),
                               rtol=1e-5)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(24, 28, 28), dtype=np.uint8)
    labels = np.arange(12) % 2
    net = make_da_pipeline(DANNClassifier(feature_extractor="mnist", max_epochs=1,
                                          batch_size=8, random_state=0, n_threads=1))
    net.fit(images[:12], labels, X_target=images[12:])
    assert net.predict(images[12:]).shape == (12,)


def test_final_estimator_is_the_model_or_the_last_step_of_nested_pipelines():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sk_dann import DANNClassifier
    from sk_dann.pipeline import final_estimator
    clf = DANNClassifier()
    assert final_estimator(clf) is clf
    assert final_estimator(make_pipeline(StandardScaler(), clf)) is clf
    nested = make_pipeline(StandardScaler(), make_pipeline(StandardScaler(), clf))
    assert final_estimator(nested) is clf
