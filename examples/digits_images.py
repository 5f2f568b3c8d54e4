"""
Digit images with the paper's MNIST network
===========================================

The network is chosen automatically from the shape of the input. Source:
scikit-learn's handwritten digits (no download), upscaled to 16x16 grey uint8
images. Target: other writers' digits, dimmed, on a noisy background of random
brightness (a synthetic shift in the spirit of MNIST -> MNIST-M). Image arrays
go in as they are, (N, H, W), (N, H, W, C) or (N, C, H, W), uint8 or float:
DANNClassifier picks a convolutional feature extractor, scales and normalises
each batch, and can augment on the fly.

    python examples/digits_images.py

On one CPU thread (about 20 s) it prints target accuracies of 0.666
(source-only), 0.822 (DANN at the defaults) and 0.754 (DANN with shift and
contrast augmentation): augmentation is an option to measure, not a free gain.

For the real MNIST -> MNIST-M and MNIST -> USPS tasks, see
sk_dann.datasets.load_mnist_mnistm / load_mnist_usps and benchmarks/digits.py.
"""
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from sk_dann import DANNClassifier, ImageAugmentation

digits = load_digits()
# 8x8 in 0..16 -> 16x16 uint8 in 0..255 (each pixel repeated 2x2)
images = (np.kron(digits.images, np.ones((2, 2))) * 255 / 16).astype(np.uint8)
rng = np.random.default_rng(0)
order = rng.permutation(len(images))
source, target = order[:900], order[900:]
X_source, y_source, y_target = images[source], digits.target[source], digits.target[target]
background = rng.uniform(100, 255, (len(target), 1, 1)) * rng.random(images[target].shape)
X_target = np.clip(0.6 * images[target] + background, 0, 255).astype(np.uint8)

# %%
# What the shift looks like: the first eight source and target images.
figure, axes = plt.subplots(2, 8, figsize=(8, 2.3))
for row, (X, name) in zip(axes, [(X_source, "source"), (X_target, "target")]):
    for ax, image in zip(row, X[:8]):
        ax.imshow(image, cmap="gray", vmin=0, vmax=255)
        ax.set_xticks([])
        ax.set_yticks([])
    row[0].set_ylabel(name)
figure.tight_layout()
plt.show()

# %%
# Source-only, DANN, and DANN with on-the-fly augmentation
# ---------------------------------------------------------

settings = {
    "source-only": dict(lambda_max=0.0),
    "DANN (default)": dict(),
    "DANN + augmentation": dict(augmentation=ImageAugmentation(shift=1, contrast=0.2)),
}
for name, params in settings.items():
    clf = DANNClassifier(max_epochs=30, random_state=0, **params)
    clf.fit(X_source, y_source, X_target=X_target)
    print(f"{name:<20} target accuracy {clf.score(X_target, y_target):.3f}   "
          f"domain accuracy {clf.history_[-1, 'domain_acc']:.3f}")
print("network:", clf.net_.module_.feature_extractor)
