"""Shared test settings.

``fast`` is the parameter dict of a small, quick ``DANNClassifier`` (tiny
networks, few epochs): ``DANNClassifier(**fast)``. A test module that needs
other values overrides the fixture and starts from this one::

    @pytest.fixture(scope="module")
    def fast(fast):
        return {**fast, "max_epochs": 5}
"""
import pytest

FAST = {"max_epochs": 3, "hidden_layer_sizes": (8,), "domain_hidden_layer_sizes": (8,)}


@pytest.fixture(scope="session")
def fast():
    return dict(FAST)
