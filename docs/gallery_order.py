"""The order of the examples in the gallery (docs/conf.py names it).

What a new user asks first comes first: what DANN does to the features,
how healthy training looks, how to choose lambda; then the other examples,
then the benchmark charts. An example not listed here goes after those
listed, by file name.
"""
from pathlib import Path

FIRST = (
    "plot_feature_space.py",
    "plot_training_curves.py",
    "select_without_target_labels.py",
    "office_caltech_pipeline.py",
    "two_moons.py",
    "regression_moons.py",
    "digits_images.py",
    "plot_benchmark_results.py",
)


def example_order(filename):
    """Sort key for sphinx-gallery's ``within_subsection_order``."""
    name = Path(filename).name
    return (FIRST.index(name), "") if name in FIRST else (len(FIRST), name)
