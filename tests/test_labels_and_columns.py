"""Conventions users bring: {-1, +1} labels, DataFrames with named columns.

Each of these once gave a silent wrong result: a real class -1 read as
"unlabeled", target columns matched by position.
"""
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from sk_dann import DANNClassifier, pack_domains
from sk_dann.datasets import make_domain_moons

@pytest.fixture(scope="module")
def fast(fast):
    return {**fast, "max_epochs": 5, "hidden_layer_sizes": (16,),
            "domain_hidden_layer_sizes": (16,), "random_state": 0}


@pytest.fixture(scope="module")
def moons():
    Xs, ys, Xt, yt = make_domain_moons(n_samples=120, random_state=0)
    return Xs, ys, Xt, yt


def plus_minus(y):
    return np.where(y == 0, -1, 1)


def test_minus_one_is_a_class_when_the_target_comes_separately(moons, fast):
    Xs, ys, Xt, yt = moons
    clf = DANNClassifier(**fast).fit(Xs, plus_minus(ys), X_target=Xt)
    assert clf.classes_.tolist() == [-1, 1]
    assert set(clf.predict(Xt)) <= {-1, 1}
    # score counts every row: -1 is a class here, not the unlabeled marker.
    y_target = plus_minus(yt)
    assert clf.score(Xt, y_target) == pytest.approx(np.mean(clf.predict(Xt) == y_target))
    # The same labels recoded train the very same network.
    recoded = DANNClassifier(**fast).fit(Xs, ys, X_target=Xt)
    np.testing.assert_array_equal(recoded.predict_proba(Xt), clf.predict_proba(Xt))

    three = np.where(ys == 0, -1, np.arange(len(ys)) % 2)  # {-1, 0, 1}
    assert DANNClassifier(**fast).fit(Xs, three, X_target=Xt).classes_.tolist() == [-1, 0, 1]


def test_the_target_given_both_packed_and_as_x_target_is_refused(moons, fast):
    # Packed data and X_target at once: -1 would become a class and every
    # target row be predicted -1 (A->W target accuracy 0.0, silently).
    Xs, ys, Xt, _ = moons
    X, y = pack_domains(Xs, ys, Xt)
    with pytest.raises(ValueError, match=r"given twice: 120 of the 120 rows of X with "
                       r"y == -1 are also rows of X_target.*fit\(X_source, y_source, "
                       r"X_target=X_target\).*no X_target"):
        DANNClassifier(**fast).fit(X, y, X_target=Xt)
    frame = pd.DataFrame(X, columns=["a", "b"])  # the same as DataFrames
    with pytest.raises(ValueError, match="given twice"):
        DANNClassifier(**fast).fit(frame, y, X_target=pd.DataFrame(Xt, columns=["a", "b"]))


def test_a_minus_one_class_that_shares_rows_with_the_target_by_nature_still_trains(fast):
    # {-1, +1} labels with X_target: source rows may equal target rows by the
    # nature of the features (binary codes, empty bags of words, a target pool
    # that holds the source). Only a -1 class made of target rows, next to
    # classes that are not, is refused.
    rng = np.random.default_rng(0)
    binary = rng.integers(0, 2, size=(200, 3)).astype(float)
    y = np.where(rng.random(200) < 0.5, -1, 1)
    for X, X_target in [
            (binary[:100], binary[100:]),                       # every row repeats
            (binary[:100], binary),                             # the pool holds the source
            (sp.random(100, 300, density=0.005, format="csr", random_state=0),
             sp.random(100, 300, density=0.005, format="csr", random_state=1)),  # empty docs
    ]:
        clf = DANNClassifier(**fast).fit(X, y[:100], X_target=X_target)
        assert clf.classes_.tolist() == [-1, 1]
    # the mistake itself in sparse form is still caught, without densifying
    words = sp.random(150, 50_000, density=0.001, format="csr", random_state=2)
    X, y_packed = pack_domains(words[:100], np.arange(100) % 2, words[100:])
    with pytest.raises(ValueError, match="given twice: 50 of the 50 rows"):
        DANNClassifier(**fast).fit(X, y_packed, X_target=words[100:])


@pytest.mark.parametrize("where", ["X", "X_target"])
def test_repeated_column_names_are_refused_by_name(moons, fast, where):
    Xs, ys, Xt, _ = moons
    frames = {"X": pd.DataFrame(Xs, columns=["a", "b"]),
              "X_target": pd.DataFrame(Xt, columns=["a", "b"])}
    frames[where].columns = ["a", "a"]
    with pytest.raises(ValueError, match=f"{where} has repeated column names: 'a' "
                       r"\(2 times\).*to_numpy"):
        DANNClassifier(**fast).fit(frames["X"], ys, X_target=frames["X_target"])
    clf = DANNClassifier(**fast).fit(pd.DataFrame(Xs, columns=["a", "b"]), ys,
                                     X_target=pd.DataFrame(Xt, columns=["a", "b"]))
    with pytest.raises(ValueError, match="X has repeated column names"):
        clf.predict(pd.DataFrame(Xt, columns=["b", "b"]))


def test_packed_plus_minus_labels_stop_with_the_marker_named(moons, fast):
    Xs, ys, Xt, _ = moons
    X = np.r_[Xs, Xt]
    y = np.r_[plus_minus(ys), np.full(len(Xt), -1)]
    with pytest.raises(ValueError, match=r"y == -1.*\{-1, \+1\}.*X_target"):
        DANNClassifier(**fast).fit(X, y)


def test_pack_domains_refuses_the_marker_among_source_labels(moons):
    Xs, ys, Xt, _ = moons
    with pytest.raises(ValueError, match=r"-1.*X_target=X_target"):
        pack_domains(Xs, plus_minus(ys), Xt)


def test_minus_one_in_source_rows_of_sample_domain_is_refused(moons, fast):
    Xs, ys, Xt, _ = moons
    X = np.r_[Xs, Xt]
    y = np.r_[plus_minus(ys), np.full(len(Xt), -1)]
    sample_domain = np.r_[np.ones(len(Xs), int), -np.ones(len(Xt), int)]
    with pytest.raises(ValueError, match="sample_domain marks as source"):
        DANNClassifier(**fast).fit(X, y, sample_domain=sample_domain)


def test_partial_fit_of_a_model_with_class_minus_one_refuses_packed_data(moons, fast):
    Xs, ys, Xt, _ = moons
    clf = DANNClassifier(**fast).partial_fit(Xs, plus_minus(ys), X_target=Xt)
    clf.partial_fit(Xs, plus_minus(ys), X_target=Xt)  # separate target: fine
    with pytest.raises(ValueError, match="ambiguous"):
        clf.partial_fit(np.r_[Xs, Xt], np.r_[plus_minus(ys), np.full(len(Xt), -1)])


def test_target_frame_columns_are_matched_by_name(moons, fast):
    Xs, ys, Xt, _ = moons
    source = pd.DataFrame(Xs, columns=["width", "height"])
    shuffled = pd.DataFrame(Xt[:, ::-1], columns=["height", "width"])
    by_name = DANNClassifier(**fast).fit(source, ys, X_target=shuffled)
    plain = DANNClassifier(**fast).fit(Xs, ys, X_target=Xt)
    target = pd.DataFrame(Xt, columns=["width", "height"])
    np.testing.assert_array_equal(by_name.predict_proba(target), plain.predict_proba(Xt))

    with pytest.raises(ValueError, match=r"missing \['height'\]; unexpected \['depth'\]"):
        DANNClassifier(**fast).fit(source, ys,
                                   X_target=shuffled.rename(columns={"height": "depth"}))


def test_target_without_names_next_to_named_source_warns(moons, fast):
    Xs, ys, Xt, _ = moons
    with pytest.warns(UserWarning, match="matched by position"):
        DANNClassifier(**fast).fit(pd.DataFrame(Xs, columns=["a", "b"]), ys, X_target=Xt)


def test_pack_domains_matches_frame_columns_by_name(moons):
    Xs, ys, Xt, _ = moons
    source = pd.DataFrame(Xs, columns=["width", "height"])
    shuffled = pd.DataFrame(Xt[:, ::-1], columns=["height", "width"])
    X, y = pack_domains(source, ys, shuffled)
    assert list(X.columns) == ["width", "height"] and not X.isna().any().any()
    np.testing.assert_array_equal(X.to_numpy()[len(Xs):], Xt)
    with pytest.raises(ValueError, match="match"):
        pack_domains(source, ys, shuffled.rename(columns={"height": "depth"}))


def test_int_hidden_layer_sizes_is_one_layer(moons, fast):
    Xs, ys, Xt, _ = moons
    params = {**fast, "hidden_layer_sizes": 16}
    as_int = DANNClassifier(**params).fit(Xs, ys, X_target=Xt)
    as_tuple = DANNClassifier(**fast).fit(Xs, ys, X_target=Xt)
    np.testing.assert_array_equal(as_int.predict_proba(Xt), as_tuple.predict_proba(Xt))
    with pytest.raises(ValueError, match="'hidden_layer_sizes' parameter"):
        DANNClassifier(**{**fast, "hidden_layer_sizes": "16"}).fit(Xs, ys, X_target=Xt)
    with pytest.raises(ValueError, match="positive integer or a tuple of positive"):
        DANNClassifier(**{**fast, "hidden_layer_sizes": (16, 0)}).fit(Xs, ys, X_target=Xt)


def test_missing_labels_are_named(moons, fast):
    Xs, ys, Xt, _ = moons
    labels = np.where(ys == 1, "up", "down").astype(object)
    labels[[2, 5]] = [None, np.nan]
    with pytest.raises(ValueError, match="2 missing labels"):
        DANNClassifier(**fast).fit(Xs, labels, X_target=Xt)
