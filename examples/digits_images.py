"""Images: DANN with a small convolutional feature extractor on 8x8 digits.

Source: scikit-learn's handwritten digits (no download). Target: the same kind
of digits, other writers, on a noisy background of random brightness (a
synthetic shift in the spirit of MNIST -> MNIST-M). Images go in as an array
of shape (N, 1, 8, 8); any ``torch.nn.Module`` can be the feature extractor,
and DANNClassifier puts its label and domain heads on the flattened output.

    python examples/digits_images.py
"""
import numpy as np
import torch
from sklearn.datasets import load_digits

from sk_dann import DANNClassifier, pack_domains

digits = load_digits()
images = (digits.images / 16.0).astype(np.float32)[:, None]  # (N, 1, 8, 8) in [0, 1]
rng = np.random.default_rng(0)
order = rng.permutation(len(images))
source, target = order[:900], order[900:]
X_source, y_source, y_target = images[source], digits.target[source], digits.target[target]
background = rng.uniform(0, 0.6, (len(target), 1, 1, 1)) * rng.random(images[target].shape)
X_target = np.clip(0.6 * images[target] + background, 0, 1).astype(np.float32)


def small_cnn():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Flatten())


X, y = pack_domains(X_source, y_source, X_target)
for name, lambda_max in [("source-only", 0.0), ("DANN", 1.0)]:
    clf = DANNClassifier(feature_extractor=small_cnn(), lambda_max=lambda_max,
                         max_epochs=30, random_state=0).fit(X, y)
    print(f"{name:<12} target accuracy {clf.score(X_target, y_target):.3f}   "
          f"domain accuracy {clf.history_[-1, 'domain_acc']:.3f}")
