"""The inter-twinning moons toy of the JMLR DANN paper (Section 5.1.1)."""
import numpy as np
from sklearn.datasets import make_moons
from sklearn.utils import check_random_state

__all__ = [
    "make_domain_moons",
    "rotate",
]


def rotate(X, degrees):
    """Rotate 2-D points about the origin, counter-clockwise."""
    theta = np.deg2rad(degrees)
    rotation = np.array([[np.cos(theta), -np.sin(theta)],
                         [np.sin(theta), np.cos(theta)]])
    return X @ rotation.T


def make_domain_moons(n_samples=300, degrees=35.0, noise=0.1, random_state=None):
    """Source: two moons; target: the same moons rotated by ``degrees``.

    Returns ``X_source, y_source, X_target, y_target`` (``y_target`` is for
    evaluation only; a domain-adaptation fit must not see it).
    """
    rng = check_random_state(random_state)
    X_source, y_source = make_moons(n_samples, noise=noise, random_state=rng)
    X_target, y_target = make_moons(n_samples, noise=noise, random_state=rng)
    # Centre before rotating, as in the paper's figure, so the rotation shifts
    # the decision boundary rather than translating the whole cloud.
    center = np.array([0.5, 0.25])
    X_target = rotate(X_target - center, degrees) + center
    return (X_source.astype(np.float32), y_source,
            X_target.astype(np.float32), y_target)
