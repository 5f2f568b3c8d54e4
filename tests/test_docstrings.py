"""The estimators' parameters and their documentation, written out once each.

``DANNClassifier`` and ``DANNRegressor`` each spell out their constructor and
their numpydoc (as scikit-learn's MLP estimators do), so IDEs and numpydoc
see them; these tests keep the two in sync with each other and with the code.
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

ESTIMATORS = [DANNClassifier, DANNRegressor]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_constructor_is_written_out_and_every_parameter_documented(estimator):
    assert "__init__" in vars(estimator)  # its own, not the base class's
    signature = [name for name in inspect.signature(estimator.__init__).parameters
                 if name != "self"]
    documented = [entry.name for entry in ClassDoc(estimator)["Parameters"]]
    assert documented == signature


def test_shared_parameters_and_attributes_read_the_same():
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
