"""What both estimators share: sample weights, early stopping, extra skorch
callbacks, feature names out."""
import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback, EarlyStopping

from sk_dann import DANNClassifier, DANNRegressor, pack_domains
from sk_dann.datasets import make_domain_moons


@pytest.fixture(scope="module")
def fast(fast):
    return {**fast, "random_state": 0}


@pytest.fixture(scope="module")
def moons():
    return make_domain_moons(n_samples=120, random_state=0)


# -- sample_weight ------------------------------------------------------------
def test_a_weight_of_zero_equals_dropping_the_rows(moons, fast):
    Xs, ys, Xt, _ = moons
    weights = np.ones(len(ys))
    weights[::3] = 0
    weighted = DANNClassifier(**fast).fit(Xs, ys, X_target=Xt, sample_weight=weights)
    dropped = DANNClassifier(**fast).fit(Xs[weights > 0], ys[weights > 0], X_target=Xt)
    np.testing.assert_array_equal(weighted.predict_proba(Xt), dropped.predict_proba(Xt))


def test_weights_change_the_fit_and_ones_do_not(moons, fast):
    Xs, ys, Xt, _ = moons
    plain = DANNClassifier(**fast).fit(Xs, ys, X_target=Xt)
    ones = DANNClassifier(**fast).fit(Xs, ys, X_target=Xt, sample_weight=np.ones(len(ys)))
    np.testing.assert_array_equal(plain.predict_proba(Xt), ones.predict_proba(Xt))
    heavy = np.where(ys == 1, 10.0, 1.0)
    skewed = DANNClassifier(**fast).fit(Xs, ys, X_target=Xt, sample_weight=heavy)
    # Weighting class 1 up makes the model predict it more often.
    assert skewed.predict_proba(Xt)[:, 1].mean() > plain.predict_proba(Xt)[:, 1].mean()


def test_bad_sample_weights_are_refused(moons, fast):
    Xs, ys, Xt, _ = moons
    with pytest.raises(ValueError, match="Negative values"):
        DANNClassifier(**fast).fit(Xs, ys, X_target=Xt, sample_weight=-np.ones(len(ys)))
    with pytest.raises(ValueError, match="non-zero"):
        DANNClassifier(**fast).fit(Xs, ys, X_target=Xt, sample_weight=np.zeros(len(ys)))


def test_sample_weight_is_routed_through_pipeline_and_search(moons, fast):
    Xs, ys, Xt, _ = moons
    X, y = pack_domains(Xs, ys, Xt)
    weights = np.r_[np.where(ys == 1, 10.0, 1.0), np.ones(len(Xt))]
    with sklearn.config_context(enable_metadata_routing=True):
        # Weighted training and a weighted validation score.
        clf = DANNClassifier(**fast).set_fit_request(sample_weight=True).set_score_request(
            sample_weight=True)
        pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=False), clf)
        pipe.fit(X, y, sample_weight=weights)
        search = GridSearchCV(pipe, {"dannclassifier__lambda_max": [0.1, 0.3]}, cv=2)
        search.fit(X, y, sample_weight=weights)
    unweighted = make_pipeline(StandardScaler(), DANNClassifier(**fast)).fit(X, y)
    assert not np.allclose(pipe.predict_proba(Xt), unweighted.predict_proba(Xt))
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()  # every fold scored
    plain_search = GridSearchCV(make_pipeline(StandardScaler(), DANNClassifier(**fast)),
                                {"dannclassifier__lambda_max": [0.1, 0.3]}, cv=2).fit(X, y)
    assert not np.allclose(search.best_estimator_.predict_proba(Xt),
                           plain_search.best_estimator_.predict_proba(Xt))


# -- early stopping -------------------------------------------------------------
def test_early_stopping_stops_restores_and_records_validation(moons, fast):
    Xs, ys, Xt, _ = moons
    clf = DANNClassifier(**{**fast, "max_epochs": 200}, lr=0.2, early_stopping=True,
                         n_iter_no_change=3, validation_fraction=0.25).fit(Xs, ys, X_target=Xt)
    losses = clf.history_[:, "valid_loss"]
    assert len(clf.history_) < 200  # stopped
    assert len(clf.history_) == clf.best_epoch_ + 3  # patience after the best epoch
    assert losses[clf.best_epoch_ - 1] == min(losses)
    assert all(0 <= acc <= 1 for acc in clf.history_[:, "valid_acc"])
    # The restored weights are the best epoch's: its validation loss again.
    assert clf.net_.train_split is None  # the held-out rows are not kept in the model


def test_early_stopping_needs_enough_labeled_rows(moons, fast):
    Xs, ys, Xt, _ = moons
    with pytest.raises(ValueError, match="validation_fraction"):
        DANNClassifier(**fast, early_stopping=True, validation_fraction=0.001).fit(
            Xs, ys, X_target=Xt)


def test_early_stopping_refuses_a_split_that_would_hold_a_class_out(fast):
    # One labeled row per class: held-out classes never trained, valid_acc was
    # 0.0 every epoch and the model was restored to its first epoch, silently.
    rng = np.random.default_rng(0)
    X, Xt = rng.normal(size=(12, 2)), rng.normal(size=(30, 2))
    one_each = DANNClassifier(**fast, early_stopping=True, validation_fraction=0.2)
    with pytest.raises(ValueError, match=r"at least 2 labeled source rows of every class"
                       r".*12 classes have only 1 \(\[0, 1, 2, .*early_stopping=False"):
        one_each.fit(X, np.arange(12), X_target=Xt)
    with pytest.raises(NotFittedError):  # refused after validation, and still not fitted
        one_each.predict(Xt)
    # two rows per class, but fewer validation rows than classes
    with pytest.raises(ValueError, match=r"22 for training and 2 for validation, and the "
                       r"validation part cannot hold each of the 12 classes. Raise "
                       r"validation_fraction \(to 0.5 or more here\)"):
        DANNClassifier(**fast, early_stopping=True).fit(np.r_[X, X], np.r_[np.arange(12),
                                                        np.arange(12)], X_target=Xt)
    with pytest.raises(ValueError, match=r"the training part cannot hold each of the 12 "
                       r"classes. Lower validation_fraction"):
        DANNClassifier(**fast, early_stopping=True, validation_fraction=0.9).fit(
            np.r_[X, X], np.r_[np.arange(12), np.arange(12)], X_target=Xt)


def test_early_stopping_on_few_validation_rows_warns(moons, fast):
    Xs, ys, Xt, _ = moons
    keep = np.r_[np.flatnonzero(ys == 0)[:20], np.flatnonzero(ys == 1)[:20]]
    with pytest.warns(UserWarning, match="holds out 4 labeled source rows.*too noisy"):
        clf = DANNClassifier(**fast, early_stopping=True).fit(Xs[keep], ys[keep],
                                                              X_target=Xt)
    assert clf.best_epoch_ is not None
    regressor = DANNRegressor(**fast, early_stopping=True)
    with pytest.warns(UserWarning, match="holds out 4 labeled source rows"):
        regressor.fit(Xs[keep], ys[keep].astype(float), X_target=Xt)


@pytest.mark.parametrize("params, message", [
    (dict(batch_size=1), r"batch_size=1 cannot be split into half source, half target rows"),
    (dict(hidden_layer_sizes=()), r"hidden_layer_sizes=\(\) leaves the MLP feature "
     r"extractor without layers.*lambda_max would change nothing"),
    (dict(hidden_layer_sizes=[]), r"hidden_layer_sizes=\(\)"),
])
@pytest.mark.parametrize("estimator", [DANNClassifier, DANNRegressor])
def test_settings_under_which_nothing_adapts_are_refused(moons, fast, params, message,
                                                          estimator):
    Xs, ys, Xt, _ = moons
    with pytest.raises(ValueError, match=message):
        estimator(**{**fast, **params}).fit(Xs, ys.astype(float), X_target=Xt)


def test_the_same_settings_stay_usable_without_adaptation(moons, fast):
    Xs, ys, Xt, _ = moons
    # no target rows: a batch of one source row is a batch
    assert DANNClassifier(**fast, batch_size=1, lambda_max=0).fit(Xs[:20], ys[:20]).n_iter_
    # no layers and lambda_max=0: a linear model on the inputs, asked for
    linear = DANNClassifier(**{**fast, "hidden_layer_sizes": ()}, lambda_max=0)
    assert linear.fit(Xs, ys, X_target=Xt).transform(Xt).shape == Xt.shape


# -- callbacks ------------------------------------------------------------------
class _CountsEpochs(Callback):
    def initialize(self):
        self.epochs_ = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs_ += 1


def test_extra_skorch_callbacks_run_and_are_copied(moons, fast):
    Xs, ys, Xt, _ = moons
    counter = _CountsEpochs()
    clf = DANNClassifier(**fast, callbacks=[("counter", counter)]).fit(Xs, ys, X_target=Xt)
    assert dict(clf.net_.callbacks_)["counter"].epochs_ == fast["max_epochs"]
    assert not hasattr(counter, "epochs_")  # the parameter itself is left untouched


def test_a_label_free_early_stop_through_callbacks(moons, fast):
    Xs, ys, Xt, _ = moons
    stop = EarlyStopping(monitor="domain_loss", lower_is_better=False, patience=2,
                         threshold=10.0)  # an improvement it can never reach
    clf = DANNClassifier(**{**fast, "max_epochs": 50}, callbacks=[stop]).fit(
        Xs, ys, X_target=Xt)
    assert len(clf.history_) == 3


# -- feature names ----------------------------------------------------------------
def test_transform_output_can_be_a_named_frame(moons, fast):
    Xs, ys, Xt, _ = moons
    X, y = pack_domains(Xs, ys, Xt)
    clf = DANNClassifier(**fast).fit(X, y)
    names = clf.get_feature_names_out()
    assert list(names) == [f"dannclassifier{i}" for i in range(8)]
    frame = clf.set_output(transform="pandas").transform(Xt)
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == list(names)
    pipe = make_pipeline(StandardScaler(), DANNClassifier(**fast)).set_output(
        transform="pandas").fit(X, y)
    assert list(pipe.transform(Xt).columns) == list(names)
    reg = DANNRegressor(**fast).fit(Xs, ys.astype(float), X_target=Xt)
    assert reg.get_feature_names_out()[0] == "dannregressor0"


def test_a_users_own_early_stopping_is_honoured(moons, fast):
    # Found by type, not by name: it stops the fit, its best epoch is
    # best_epoch_, and its best weights are the model's.
    from skorch.callbacks import EarlyStopping
    Xs, ys, Xt, _ = moons
    mine = ("patience", EarlyStopping(monitor="train_loss", patience=2, threshold=0.05,
                                      load_best=True))
    clf = DANNClassifier(**{**fast, "max_epochs": 300}, lr=0.2, callbacks=[mine])
    clf.fit(Xs, ys, X_target=Xt)
    assert len(clf.history_) < 300 and len(clf.history_) == clf.best_epoch_ + 2
    losses = clf.history_[:, "train_loss"]
    assert losses[clf.best_epoch_ - 1] == min(losses[:clf.best_epoch_])
    assert "early_stopping" not in dict(clf.net_.callbacks_)  # no second, built-in one


def test_a_users_early_stopping_replaces_the_built_in_one(moons, fast):
    from skorch.callbacks import EarlyStopping
    Xs, ys, Xt, _ = moons
    mine = EarlyStopping(monitor="valid_acc", lower_is_better=False, patience=2)
    clf = DANNClassifier(**{**fast, "max_epochs": 300}, lr=0.2, early_stopping=True,
                         validation_fraction=0.25, callbacks=[mine]).fit(Xs, ys, X_target=Xt)
    accuracies = clf.history_[:, "valid_acc"]
    assert len(clf.history_) == clf.best_epoch_ + 2
    assert accuracies[clf.best_epoch_ - 1] == max(accuracies)


def test_an_early_stopping_on_validation_rows_without_them_is_explained(moons, fast):
    from skorch.callbacks import EarlyStopping
    Xs, ys, Xt, _ = moons
    on_train_loss = EarlyStopping(monitor="train_loss")
    with pytest.raises(ValueError, match="set early_stopping=True"):
        DANNClassifier(**fast, callbacks=[on_train_loss, EarlyStopping()]).fit(
            Xs, ys, X_target=Xt)
    clf = DANNClassifier(**fast, early_stopping=True, callbacks=[EarlyStopping()])
    with pytest.raises(ValueError, match="partial_fit holds out no validation rows"):
        clf.partial_fit(Xs, ys, X_target=Xt)
    with pytest.raises(ValueError, match=r"\(name, callback\) pairs"):  # not an IndexError
        DANNClassifier(**fast, callbacks=[(on_train_loss,)]).fit(Xs, ys, X_target=Xt)


def test_partial_fit_does_not_stop_early_or_hold_rows_out(moons, fast):
    Xs, ys, Xt, _ = moons
    clf = DANNClassifier(**fast, early_stopping=True)
    plain = DANNClassifier(**fast)
    for _ in range(2):
        clf.partial_fit(Xs, ys, X_target=Xt)
        plain.partial_fit(Xs, ys, X_target=Xt)
    np.testing.assert_array_equal(clf.predict_proba(Xt), plain.predict_proba(Xt))
    assert clf.best_epoch_ is None


def test_a_users_lr_scheduler_owns_the_learning_rate(moons, fast):
    from skorch.callbacks import LRScheduler
    Xs, ys, Xt, _ = moons
    step = LRScheduler(policy="StepLR", step_size=1, gamma=0.1)
    clf = DANNClassifier(**fast, lr=0.01, callbacks=[step]).fit(Xs, ys, X_target=Xt)
    np.testing.assert_allclose(clf.history_[:, "lr"], [0.01, 0.001, 0.0001])
    assert clf.n_iter_ == 3


def test_callbacks_that_are_not_callbacks_are_explained(moons, fast):
    Xs, ys, Xt, _ = moons
    with pytest.raises(ValueError, match="skorch callbacks or \\(name, callback\\) pairs"):
        DANNClassifier(**fast, callbacks=["checkpoint"]).fit(Xs, ys, X_target=Xt)


def test_a_fit_that_raises_keeps_no_training_data(moons, fast):
    import pickle
    from sk_dann import DivergenceError
    Xs, ys, Xt, _ = moons
    clf = DANNClassifier(**{**fast, "max_epochs": 3}, lr=1e4, early_stopping=True,
                         validation_fraction=0.2)
    with pytest.raises(DivergenceError):
        clf.fit(Xs * 1e3, ys, X_target=Xt * 1e3)
    assert clf.net_.train_split is None and clf.net_._train_iterator is None
    assert len(pickle.dumps(clf)) < Xs.nbytes + 40_000  # the network, not the data


def test_restore_best_with_early_stopping_names_the_epoch_it_keeps(moons, fast):
    import torch
    Xs, ys, Xt, _ = moons

    class NanLater(torch.nn.Module):
        calls = 0

        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(2, 8)

        def forward(self, x):
            out = torch.relu(self.linear(x))
            if self.training:
                type(self).calls += 1
                if type(self).calls > 12:
                    return out * float("nan")
            return out

    clf = DANNClassifier(**{**fast, "max_epochs": 20}, feature_extractor=NanLater(),
                         early_stopping=True, validation_fraction=0.2,
                         on_divergence="restore_best")
    with pytest.warns(RuntimeWarning, match="lowest validation loss, as early stopping") as said:
        clf.fit(Xs, ys, X_target=Xt)
    assert f"weights of epoch {clf.best_epoch_} " in str(said[0].message)
    assert len(clf.history_) == 3  # the diverged fourth epoch is dropped
