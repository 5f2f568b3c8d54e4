"""The three DANN networks and the module that joins them.

``G_f`` (feature extractor) -> ``G_y`` (label head) and, behind a
:class:`~sk_dann.reversal.GradientReversal`, ``G_d`` (domain head).
Also the named feature extractors: the default MLP and the paper's two
convolutional digit networks (Ganin et al., JMLR 2016, figure 4).
"""
import torch
from torch import nn

from .reversal import GradientReversal

__all__ = [
    "ACTIVATIONS",
    "DANNModule",
    "FEATURE_EXTRACTORS",
    "build_dann_module",
    "check_submodule",
    "make_feature_extractor",
    "make_mlp",
    "mnist_cnn",
    "svhn_cnn",
]

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


def mnist_cnn(in_channels):
    """The paper's MNIST feature extractor: conv 32@5x5, pool, conv 48@5x5, pool.

    Valid convolutions, so images need at least 16x16 pixels (28x28 gives
    48 x 4 x 4 = 768 features). Its label head has two hidden layers of 100.
    """
    return nn.Sequential(
        nn.Conv2d(in_channels, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 48, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())


def svhn_cnn(in_channels):
    """The paper's SVHN feature extractor: conv 64@5x5, pool 3/2, conv 64@5x5,
    pool 3/2, conv 128@5x5 (padded, so 32x32 images give 128 x 8 x 8 features).
    Its label head has hidden layers of 3072 and 2048.
    """
    return nn.Sequential(
        nn.Conv2d(in_channels, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2, padding=1),
        nn.Conv2d(64, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2, padding=1),
        nn.Conv2d(64, 128, 5, padding=2), nn.ReLU(), nn.Flatten())


# name -> (builder taking the channel count, label-head hidden widths, least H and W)
ARCHITECTURES = {
    "mnist": (mnist_cnn, (100, 100), 16),
    "svhn": (svhn_cnn, (3072, 2048), 1),
}
FEATURE_EXTRACTORS = ("auto", "mlp", *ARCHITECTURES)


def make_feature_extractor(name, example, hidden_layer_sizes=(256,), activation="relu",
                           dropout=0.0):
    """A named feature extractor for inputs shaped like ``example``.

    ``"auto"`` is ``"mlp"`` for rows of features and ``"mnist"`` for images
    ``(N, C, H, W)``. Returns ``(module, label_hidden_layer_sizes)``.
    """
    if name == "auto":
        name = "mlp" if example.dim() == 2 else "mnist"
    if name == "mlp":
        if example.dim() != 2:
            raise ValueError(
                f"The 'mlp' feature extractor needs 2-D X (rows of features); the "
                f"input has per-row shape {tuple(example.shape[1:])}. Use a "
                "convolutional one ('mnist', 'svhn', or your own torch.nn.Module).")
        return make_mlp(example.shape[1], hidden_layer_sizes, activation, dropout), ()
    builder, label_hidden, least = ARCHITECTURES[name]
    if example.dim() != 4:
        raise ValueError(
            f"The {name!r} feature extractor needs images; the input has per-row shape "
            f"{tuple(example.shape[1:])}. Image arrays are (N, H, W), (N, H, W, C) or "
            "(N, C, H, W).")
    height, width = example.shape[2:]
    if min(height, width) < least:
        raise ValueError(
            f"Images of {height}x{width} pixels are too small for the {name!r} "
            f"network, which needs at least {least}x{least}. Resize them, use "
            "feature_extractor='svhn' (padded convolutions), or pass your own "
            "torch.nn.Module; for rows of features, pass 2-D X.")
    return builder(example.shape[1]), label_hidden


class DANNModule(nn.Module):
    """Feature extractor, label head and reversed domain head.

    ``forward`` returns ``(class_logits, domain_logits)``; the domain head ends
    in a single logit per row (target = 1), trained with a
    ``BCEWithLogits`` loss, never a softmax over one output (which is constant
    and would make the adversarial gradient zero).

    ``input_transform`` (an :class:`~sk_dann.images.ImageInput`, say) runs
    first on every path. ``domain_input_layer`` names a submodule of the
    feature extractor whose output feeds the domain head (a backbone's
    pooling layer, say); layers after it then serve the label head only.
    ``None`` feeds the domain head the extractor's output. Either way,
    :meth:`features` is what the domain head sees: the adapted features.

    Parameters
    ----------
    feature_extractor : torch.nn.Module
        ``G_f``; its output is flattened per row.
    label_head : torch.nn.Module
        ``G_y``: features -> class logits.
    domain_head : torch.nn.Module
        ``G_d``: features -> one domain logit per row.
    lambda_ : float, default=0.0
        Initial strength of the :class:`~sk_dann.reversal.GradientReversal`.
    input_transform : torch.nn.Module or None, default=None
    domain_input_layer : str or None, default=None
    """

    def __init__(self, feature_extractor, label_head, domain_head, lambda_=0.0,
                 input_transform=None, domain_input_layer=None):
        super().__init__()
        self.input_transform = input_transform
        self.feature_extractor = feature_extractor
        self.label_head = label_head
        self.domain_head = domain_head
        self.reversal = GradientReversal(lambda_)
        self.domain_input_layer = domain_input_layer
        if domain_input_layer is not None:
            check_submodule(feature_extractor, domain_input_layer)  # fails early

    def _run(self, x):
        """``(domain-head input, label-head input)``, both flattened per row."""
        if self.input_transform is not None:
            x = self.input_transform(x)
        if self.domain_input_layer is None:
            out = self.feature_extractor(x).flatten(1)
            return out, out
        captured = []
        layer = self.feature_extractor.get_submodule(self.domain_input_layer)
        # Registered per call (not once) so the module stays picklable.
        handle = layer.register_forward_hook(lambda _m, _i, output: captured.append(output))
        try:
            out = self.feature_extractor(x).flatten(1)
        finally:
            handle.remove()
        return captured[-1].flatten(1), out

    def features(self, x):
        """The features the domain head sees, flattened per row."""
        return self._run(x)[0]

    def label_logits(self, x):
        """Class logits, shape (n, n_classes)."""
        return self.label_head(self._run(x)[1])

    def domain_logits(self, x):
        """Domain logits (target = 1) behind the reversal layer, shape (n,)."""
        return self.domain_head(self.reversal(self._run(x)[0])).squeeze(-1)

    def forward(self, x):
        domain_input, label_input = self._run(x)
        class_logits = self.label_head(label_input)
        domain_logits = self.domain_head(self.reversal(domain_input)).squeeze(-1)
        return class_logits, domain_logits


def check_submodule(module, name, parameter="domain_input_layer"):
    """Raise a ValueError listing ``module``'s submodules if ``name`` is not one."""
    if not isinstance(name, str):
        raise TypeError(f"{parameter} must be None or the name of a submodule of the "
                        f"feature extractor; got {name!r}.")
    names = [n for n, _ in module.named_modules() if n]
    if name not in names:
        raise ValueError(
            f"{parameter}={name!r} is not a submodule of the feature extractor "
            f"({type(module).__name__}); its submodules are {names[:20]}"
            + (" ..." if len(names) > 20 else "") + ".")


def build_dann_module(feature_extractor, n_classes, example, hidden_layer_sizes=(256,),
                      domain_hidden_layer_sizes=(256,), activation="relu", dropout=0.0,
                      input_transform=None, domain_input_layer=None):
    """Assemble a :class:`DANNModule` for inputs shaped like ``example`` (one row).

    ``feature_extractor`` is a name from :data:`FEATURE_EXTRACTORS` (``None``
    means ``"auto"``) or any ``torch.nn.Module``, used as given. Widths are
    measured by running ``example`` through ``input_transform`` and the
    extractor. Named convolutional extractors bring the paper's label-head
    hidden layers; other extractors get a linear label head.
    """
    if input_transform is not None:
        with torch.no_grad():
            example = input_transform.eval()(example)
    label_hidden = ()
    if feature_extractor is None or isinstance(feature_extractor, str):
        feature_extractor, label_hidden = make_feature_extractor(
            feature_extractor or "auto", example, hidden_layer_sizes, activation, dropout)
    module = DANNModule(feature_extractor, nn.Identity(), nn.Identity(),
                        input_transform=None, domain_input_layer=domain_input_layer)
    module.eval()
    with torch.no_grad():
        domain_input, label_input = module._run(example[:1])
    domain_width, label_width = domain_input.shape[1], label_input.shape[1]
    module.label_head = (make_mlp(label_width, label_hidden, activation, dropout,
                                  out_features=n_classes)
                         if label_hidden else nn.Linear(label_width, n_classes))
    module.domain_head = make_mlp(domain_width, domain_hidden_layer_sizes, activation,
                                  dropout, out_features=1)
    module.input_transform = input_transform
    return module.train()
