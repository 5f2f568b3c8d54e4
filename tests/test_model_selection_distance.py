"""The proxy A-distance tells matching from shifted feature sets."""
import numpy as np
import pytest

from sk_dann.model_selection import proxy_a_distance


def test_same_distribution_is_near_zero_and_separable_is_near_two():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(300, 5)), rng.normal(size=(300, 5))
    assert proxy_a_distance(A, B) < 0.3
    assert proxy_a_distance(A, B + 4.0) > 1.9


def test_grows_with_the_shift_between_domains():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(400, 5))
    pads = [proxy_a_distance(A, rng.normal(size=(400, 5)) + [shift, 0, 0, 0, 0])
            for shift in (0.5, 1.0, 2.0)]
    assert pads[0] < pads[1] < pads[2]


def test_accepts_any_classifier():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(200, 3)), rng.normal(size=(200, 3)) + 3.0
    assert proxy_a_distance(A, B, classifier=LogisticRegression()) > 1.8


def test_different_feature_counts_are_refused():
    with pytest.raises(ValueError, match="3 features and X_target 4"):
        proxy_a_distance(np.zeros((10, 3)), np.zeros((10, 4)))
