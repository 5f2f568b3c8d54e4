"""The three DANN networks and the module that joins them.

``G_f`` (feature extractor) -> ``G_y`` (label head) and, behind a
:class:`~sk_dann.reversal.GradientReversal`, ``G_d`` (domain head).
"""
import torch
from torch import nn

from .reversal import GradientReversal

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "elu": nn.ELU}


def make_mlp(in_features, hidden_layer_sizes, activation="relu", dropout=0.0,
             out_features=None):
    """Linear -> activation (-> dropout) blocks, optionally ending in a Linear.

    With ``out_features=None`` the last hidden layer (after its activation) is
    the output, which is what a feature extractor needs.
    """
    layers = []
    width = in_features
    for size in hidden_layer_sizes:
        layers += [nn.Linear(width, size), ACTIVATIONS[activation]()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        width = size
    if out_features is not None:
        layers.append(nn.Linear(width, out_features))
    return nn.Sequential(*layers) if layers else nn.Identity()


def output_width(module, example):
    """Number of features ``module`` produces per row (flattened)."""
    was_training = module.training
    module.eval()
    with torch.no_grad():
        out = module(example[:1])
    module.train(was_training)
    return int(out.reshape(out.shape[0], -1).shape[1])


class DANNModule(nn.Module):
    """Feature extractor, label head and reversed domain head.

    ``forward`` returns ``(class_logits, domain_logits)``; the domain head ends
    in a single logit per row (target = 1), trained with a
    ``BCEWithLogits`` loss, never a softmax over one output (which is constant
    and would make the adversarial gradient zero).
    """

    def __init__(self, feature_extractor, label_head, domain_head, lambda_=0.0):
        super().__init__()
        self.feature_extractor = feature_extractor
        self.label_head = label_head
        self.domain_head = domain_head
        self.reversal = GradientReversal(lambda_)

    def features(self, x):
        return self.feature_extractor(x).flatten(1)

    def label_logits(self, x):
        return self.label_head(self.features(x))

    def domain_logits(self, x):
        return self.domain_head(self.reversal(self.features(x))).squeeze(-1)

    def forward(self, x):
        features = self.features(x)
        class_logits = self.label_head(features)
        domain_logits = self.domain_head(self.reversal(features)).squeeze(-1)
        return class_logits, domain_logits


def build_dann_module(feature_extractor, n_features, n_classes, example,
                      hidden_layer_sizes=(256,), domain_hidden_layer_sizes=(256,),
                      activation="relu", dropout=0.0):
    """Assemble a :class:`DANNModule`.

    ``feature_extractor=None`` builds the default MLP on ``n_features`` inputs;
    any ``torch.nn.Module`` is used as given (its output width is measured on
    ``example``).
    """
    if feature_extractor is None:
        feature_extractor = make_mlp(n_features, hidden_layer_sizes, activation, dropout)
    width = output_width(feature_extractor, example)
    label_head = nn.Linear(width, n_classes)
    domain_head = make_mlp(width, domain_hidden_layer_sizes, activation, dropout,
                           out_features=1)
    return DANNModule(feature_extractor, label_head, domain_head)
