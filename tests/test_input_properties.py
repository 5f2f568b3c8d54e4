"""Property-based tests: any input either works or fails with a clear message.

Inputs are drawn by hypothesis: shapes (including empty and one-row domains),
dtypes, NaN and inf, labels of many hashable types, pandas frames with and
without column names. Every case must either fit and predict labels from
``classes_``, or raise ``ValueError``/``TypeError`` whose message names the
problem. Anything else (another exception, NaN predictions, -1 in
``classes_``) is a bug.
"""
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sk_dann import DANNClassifier, NoTargetDataWarning, pack_domains

TINY = dict(hidden_layer_sizes=(4,), domain_hidden_layer_sizes=(4,), max_epochs=1,
            batch_size=8, random_state=0)
PROPERTY_SETTINGS = settings(max_examples=100, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.too_slow])

LABEL_KINDS = {
    "int": lambda i: i,
    "str": lambda i: f"class {i}",
    "float": lambda i: i + 0.0,
    "fractional float": lambda i: i + 0.5,
    "bool": lambda i: bool(i % 2),
    "tuple": lambda i: ("t", i),
    "negative int": lambda i: -2 - i,
}


@st.composite
def training_inputs(draw):
    n_source = draw(st.sampled_from([0, 1, 2, 5, 9, 16]))
    n_target = draw(st.integers(0, 6))
    n_features = draw(st.integers(1, 3))
    dtype = draw(st.sampled_from([np.float64, np.float32, np.float16, np.int64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = (rng.normal(size=(n_source, n_features)) * 3).astype(dtype)
    X_target = (rng.normal(size=(n_target, n_features)) * 3).astype(dtype)
    kind = draw(st.sampled_from(["int", "int", "str", "str", *sorted(LABEL_KINDS)]))
    n_classes = draw(st.sampled_from([1, 2, 2, 3]))
    y = np.empty(n_source, dtype=object)  # object: tuples stay single labels
    y[:] = [LABEL_KINDS[kind](i % n_classes) for i in range(n_source)]
    if kind != "tuple" and draw(st.booleans()):
        y = np.array(y.tolist())  # the natural dtype: int, str, float or bool
    # At most one fault per case, so that most cases are valid and fit.
    fault = draw(st.sampled_from(["none"] * 4 + ["nan", "inf", "target nan",
                                                 "target features"]))
    if fault in ("nan", "inf") and X.size and X.dtype.kind == "f":
        X.flat[draw(st.integers(0, X.size - 1))] = np.nan if fault == "nan" else np.inf
    if fault == "target nan" and X_target.size and X_target.dtype.kind == "f":
        X_target.flat[0] = np.nan
    if fault == "target features":
        X_target = np.ones((n_target, n_features + 1))
    as_frame = draw(st.sampled_from(["array", "frame", "frame without names"]))
    packed = draw(st.booleans())
    return X, y, X_target, as_frame, packed


def _frame(X, as_frame, names=None):
    if as_frame == "array":
        return X
    columns = names or ([f"f{i}" for i in range(X.shape[1])] if as_frame == "frame" else None)
    return pd.DataFrame(X, columns=columns)


def _clear(error):
    message = str(error)
    return len(message) > 20 and not message.startswith(("index ", "list index"))


@PROPERTY_SETTINGS
@given(training_inputs())
def test_fit_and_predict_work_or_say_what_is_wrong(case):
    X, y, X_target, as_frame, packed = case
    X_in, X_target_in = _frame(X, as_frame), _frame(X_target, as_frame)
    clf = DANNClassifier(**TINY)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NoTargetDataWarning)
            if packed:  # target rows in X with y == -1
                clf.fit(*pack_domains(X_in, y, X_target_in))
            else:
                clf.fit(X_in, y, X_target=X_target_in if len(X_target) else None)
    except (ValueError, TypeError) as error:
        assert _clear(error), repr(error)
        event(f"refused: {type(error).__name__}: {str(error)[:40]}")
        return
    event("fitted")
    # It fitted: the inputs must have been sane, and predictions must be too.
    assert np.isfinite(X.astype(float)).all() and len(set(map(repr, y))) >= 2
    assert -1 not in clf.classes_.tolist() or -1 in y.tolist()
    predictions = clf.predict(X_in)
    assert len(predictions) == len(X)
    assert set(map(repr, predictions)) <= set(map(repr, clf.classes_))
    assert np.isfinite(clf.predict_proba(X_in)).all()


@PROPERTY_SETTINGS
@given(st.permutations(["a", "b", "c"]), st.booleans())
def test_predict_checks_column_names_and_order(order, with_names):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(20, 3)), columns=["a", "b", "c"])
    y = np.arange(20) % 2
    clf = DANNClassifier(**TINY).fit(X, y, X_target=X + 1.0)
    X_new = X[list(order)] if with_names else X[list(order)].to_numpy()
    if not with_names or list(order) == ["a", "b", "c"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # unnamed after a named fit
            assert len(clf.predict(X_new)) == 20
    else:
        with pytest.raises(ValueError, match="feature names"):
            clf.predict(X_new)
