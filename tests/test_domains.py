"""The packed-data convention and sample_domain routing."""
import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_dann import DANNClassifier, pack_domains
from sk_dann.datasets import make_domain_moons
from sk_dann.domains import target_mask, unlabeled_mask

@pytest.fixture(scope="module")
def fast(fast):
    return {**fast, "random_state": 0}


def test_pack_domains_marks_target_rows_and_keeps_frames():
    Xs = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    Xt = pd.DataFrame({"a": [5.0], "b": [6.0]})
    X, y = pack_domains(Xs, np.array([0, 1], dtype=np.uint8), Xt)
    assert isinstance(X, pd.DataFrame) and len(X) == 3
    assert y.tolist() == [0, 1, -1]
    _, y_str = pack_domains(Xs, np.array(["a", "b"]), Xt)
    assert unlabeled_mask(y_str).tolist() == [False, False, True]


def test_sample_domain_convention_is_checked():
    y = np.array([0, 1, -1])
    assert target_mask(y, np.array([1, 1, -2])).tolist() == [False, False, True]
    with pytest.raises(ValueError, match="non-zero integers"):
        target_mask(y, np.array([1, 0, -1]))
    with pytest.raises(ValueError, match="one entry per row"):
        target_mask(y, np.array([1, -1]))


def test_labeled_target_rows_train_the_label_head(fast):
    # Semi-supervised: sample_domain marks the target rows, which keep their
    # labels. The label head learns from them; the domain head calls them target.
    Xs, ys, Xt, yt = make_domain_moons(n_samples=150, random_state=0)
    X, y = np.concatenate([Xs, Xt]), np.concatenate([ys, yt])
    domain = np.r_[np.ones(len(Xs), int), -np.ones(len(Xt), int)]
    params = dict(lambda_max=0.0, lr=0.05, max_epochs=100, random_state=0)
    semi = DANNClassifier(**params).fit(X, y, sample_domain=domain)
    unsupervised = DANNClassifier(**params).fit(Xs, ys, X_target=Xt)
    assert semi.score(Xt, yt) > 0.97 > unsupervised.score(Xt, yt) + 0.1
    assert semi.predict_domain_proba(Xt)[:, 1].mean() > semi.predict_domain_proba(Xs)[:, 1].mean() + 0.2
    with pytest.raises(ValueError, match="not both"):
        DANNClassifier(**fast).fit(X, y, X_target=Xt, sample_domain=domain)


def test_several_source_domains_are_all_source():
    Xs, ys, Xt, _ = make_domain_moons(n_samples=90, random_state=0)
    X, y = pack_domains(Xs, ys, Xt)
    domain = np.r_[np.tile([1, 2, 3], len(Xs) // 3), -np.ones(len(Xt), int)]
    clf = DANNClassifier(lambda_max=0.0, lr=0.05, max_epochs=60, random_state=0)
    clf.fit(X, y, sample_domain=domain)
    assert clf.classes_.tolist() == [0, 1]
    assert clf.predict_domain_proba(Xt)[:, 1].mean() > clf.predict_domain_proba(Xs)[:, 1].mean()


def test_sample_domain_is_routed_through_a_pipeline(fast):
    Xs, ys, Xt, _ = make_domain_moons(n_samples=60, random_state=0)
    X, y = pack_domains(Xs, ys, Xt)
    domain = np.where(y == -1, -1, 1)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler(),
            DANNClassifier(**fast).set_fit_request(sample_domain=True))
        pipe.fit(X, y, sample_domain=domain)
        assert pipe.predict(Xt).shape == (len(Xt),)


def test_import_leaves_global_config_alone():
    assert sklearn.get_config()["enable_metadata_routing"] is False


def test_pandas_feature_names_are_kept_and_checked(fast):
    Xs, ys, Xt, _ = make_domain_moons(n_samples=60, random_state=0)
    Xs, Xt = pd.DataFrame(Xs, columns=["u", "v"]), pd.DataFrame(Xt, columns=["u", "v"])
    clf = DANNClassifier(**fast).fit(Xs, pd.Series(ys), X_target=Xt)
    assert clf.feature_names_in_.tolist() == ["u", "v"]
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(Xt[["v", "u"]])
