"""Named feature extractors and the layer that feeds the domain head."""
import numpy as np
import pytest
import torch

from sk_dann import DANNClassifier
from sk_dann.networks import build_dann_module, make_feature_extractor


@pytest.mark.parametrize("name, shape, width", [
    ("mnist", (1, 1, 28, 28), 48 * 4 * 4), ("mnist", (1, 3, 32, 32), 48 * 5 * 5),
    ("mnist", (1, 1, 16, 16), 48), ("svhn", (1, 3, 32, 32), 128 * 8 * 8),
    ("svhn", (1, 1, 8, 8), 128 * 2 * 2)])
def test_paper_networks_output_widths(name, shape, width):
    module, label_hidden = make_feature_extractor(name, torch.zeros(shape))
    assert module(torch.zeros(shape)).shape == (1, width)
    assert label_hidden == {"mnist": (100, 100), "svhn": (3072, 2048)}[name]


def test_auto_is_mlp_for_rows_and_mnist_for_images():
    mlp, _ = make_feature_extractor("auto", torch.zeros(1, 7), hidden_layer_sizes=(5,))
    assert isinstance(mlp[0], torch.nn.Linear) and mlp[0].in_features == 7
    cnn, _ = make_feature_extractor("auto", torch.zeros(1, 3, 20, 20))
    assert isinstance(cnn[0], torch.nn.Conv2d)


def test_mnist_network_explains_images_too_small():
    with pytest.raises(ValueError, match="8x8 pixels are too small for the 'mnist'"):
        make_feature_extractor("mnist", torch.zeros(1, 1, 8, 8))


def _backbone():
    return torch.nn.Sequential(torch.nn.Linear(6, 10), torch.nn.ReLU(),
                               torch.nn.Linear(10, 4), torch.nn.ReLU())


def test_domain_input_layer_feeds_the_domain_head_from_inside_the_extractor():
    module = build_dann_module(_backbone(), 3, torch.zeros(1, 6),
                               domain_hidden_layer_sizes=(5,), domain_input_layer="1")
    assert module.domain_head[0].in_features == 10  # output of layer "1" (ReLU after 6->10)
    assert module.label_head.in_features == 4
    x = torch.randn(8, 6)
    assert module.features(x).shape == (8, 10)
    module.reversal.lambda_ = 1.0
    class_logits, domain_logits = module(x)
    # Layers after the tap serve the label head only: the domain loss leaves them alone.
    domain_logits.sum().backward()
    assert module.feature_extractor[2].weight.grad is None
    assert module.feature_extractor[0].weight.grad.abs().sum() > 0


def test_domain_input_layer_in_the_estimator():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 6)).astype(np.float32), np.arange(60) % 2
    clf = DANNClassifier(feature_extractor=_backbone(), domain_input_layer="1",
                         max_epochs=2, random_state=0).fit(X, y, X_target=X + 1)
    assert clf.transform(X).shape == (60, 10)
    import pickle
    loaded = pickle.loads(pickle.dumps(clf))  # no hook left registered on the module
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    with pytest.raises(ValueError, match=r"not a submodule.*\['0', '1', '2', '3'\]"):
        DANNClassifier(feature_extractor=_backbone(), domain_input_layer="fc").fit(X, y)


def test_unknown_domain_input_layer_of_a_named_network_lists_its_layers():
    X, y = np.zeros((8, 1, 28, 28), np.float32), np.arange(8) % 2
    with pytest.raises(ValueError, match=r"domain_input_layer='fc' is not a submodule.*\['0'"):
        DANNClassifier(feature_extractor="mnist", domain_input_layer="fc",
                       max_epochs=1).fit(X, y, X_target=X)
