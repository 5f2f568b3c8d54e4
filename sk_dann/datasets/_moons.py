"""The inter-twinning moons toy of the JMLR DANN paper (Section 5.1.1)."""
import numpy as np
from sklearn.datasets import make_moons
from sklearn.utils import check_random_state

__all__ = [
    "make_domain_moons",
    "make_domain_moons_regression",
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


def make_domain_moons_regression(n_samples=300, degrees=35.0, noise=0.1,
                                 random_state=None):
    """The rotated moons with a real-valued target: the position along the moons.

    Each point is drawn at arc position ``t`` in ``[0, pi]`` on the upper moon
    (``y = t``) or the lower one (``y = 2 pi - t``), so ``y`` runs from 0 to
    ``2 pi`` along the whole curve; the target domain is rotated by
    ``degrees`` about the moons' centre, as in :func:`make_domain_moons`.

    Returns ``X_source, y_source, X_target, y_target`` (float32 features,
    float64 targets; ``y_target`` is for evaluation only).
    """
    rng = check_random_state(random_state)
    center = np.array([0.5, 0.25])

    def draw():
        t = rng.uniform(0, np.pi, n_samples)
        lower = rng.rand(n_samples) < 0.5
        X = np.where(lower[:, None], np.c_[1 - np.cos(t), 0.5 - np.sin(t)],
                     np.c_[np.cos(t), np.sin(t)])
        X = X + rng.normal(scale=noise, size=X.shape)
        return X, np.where(lower, 2 * np.pi - t, t)

    X_source, y_source = draw()
    X_target, y_target = draw()
    X_target = rotate(X_target - center, degrees) + center
    return X_source.astype(np.float32), y_source, X_target.astype(np.float32), y_target
