"""The estimators' parameters and their documentation.

The entries ``DANNClassifier`` and ``DANNRegressor`` share are written once
(:mod:`sk_dann._docstrings`) and filled into each class docstring, so
``help()``, IDEs and numpydoc see the whole text; these tests keep the
documentation in step with the constructors and the examples running.
"""
import doctest
import inspect

import pytest
from numpydoc.docscrape import ClassDoc
from sklearn.utils._testing import assert_docstring_consistency

import sk_dann.classifier
import sk_dann.model_selection._refit
import sk_dann.pipeline
import sk_dann.regressor
from sk_dann import DANNClassifier, DANNRegressor
from sk_dann._docstrings import SHARED_ATTRIBUTES, SHARED_PARAMETERS, with_shared_docs

ESTIMATORS = [DANNClassifier, DANNRegressor]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_every_parameter_is_documented_in_the_constructors_order(estimator):
    signature = [name for name in inspect.signature(estimator.__init__).parameters
                 if name != "self"]
    documented = [entry.name for entry in ClassDoc(estimator)["Parameters"]]
    assert documented == signature


def test_the_shared_entries_are_filled_in_and_read_the_same():
    for estimator in ESTIMATORS:
        assert "{shared_" not in estimator.__doc__
        assert SHARED_PARAMETERS.lstrip() in estimator.__doc__
        assert SHARED_ATTRIBUTES.lstrip() in estimator.__doc__
    assert_docstring_consistency(
        ESTIMATORS, include_params=True, exclude_params=["class_weight"],
        include_attrs=True, exclude_attrs=["classes_", "y_mean_, y_scale_"])


def test_the_consistency_check_catches_a_drifted_entry():
    class Drifted(DANNRegressor):
        __doc__ = DANNRegressor.__doc__.replace(
            "Epochs of ``fit``, and the horizon", "Epochs of ``fit``, the horizon")

    with pytest.raises(AssertionError, match="max_epochs"):
        assert_docstring_consistency([DANNClassifier, Drifted], include_params=True,
                                     exclude_params=["class_weight"])


@pytest.mark.parametrize("module", [sk_dann.classifier, sk_dann.regressor, sk_dann.pipeline,
                                    sk_dann.model_selection._refit],
                         ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_a_docstring_without_the_markers_is_refused():
    class Plain:
        """No markers."""

    with pytest.raises(ValueError, match="shared_parameters"):
        with_shared_docs(Plain)
