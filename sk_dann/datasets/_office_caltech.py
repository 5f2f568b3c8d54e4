"""Office-Caltech10 features: embedded GoogLeNet features, other sets from disk."""
from importlib import resources

import numpy as np
from sklearn.utils import Bunch

from ._data_home import check_name, data_file, read_array

__all__ = [
    "load_office_caltech",
]

OFFICE_CALTECH_DOMAINS = ("amazon", "dslr", "webcam")
CLASS_NAMES = ("back_pack", "bike", "calculator", "headphones", "keyboard",
               "laptop_computer", "monitor", "mouse", "mug", "projector")
EMBEDDED = "office_caltech10_googlenet1024"


def load_office_caltech(domain, features=EMBEDDED, data_home=None):
    """Load one domain of Office-Caltech10 as a Bunch with ``X``, ``y``.

    The default, 1024-d GoogLeNet features of amazon, dslr and webcam, is
    shipped inside the package (see ``data/office_caltech10_googlenet1024/
    README.md`` for origin and attribution). Other feature sets
    (``"office_caltech10_surf"``, ``"office_caltech10_decaf6"``, or GoogLeNet
    from your own folder) are read from ``data_home/<features>/<domain>.npz``.

    Returns
    -------
    Bunch with ``X`` (float32, n x d), ``y`` (int64, 0..9), ``target_names``,
    ``domain`` and ``features``.
    """
    check_name(domain, "domain", "amazon")
    check_name(features, "features", "office_caltech10_surf")
    if data_home is None and features == EMBEDDED:
        path = resources.files("sk_dann.datasets") / "data" / EMBEDDED / f"{domain}.npz"
        if not path.is_file():
            raise FileNotFoundError(
                f"No embedded Office-Caltech domain {domain!r}; the embedded ones are "
                f"{', '.join(OFFICE_CALTECH_DOMAINS)}.")
    else:
        path = data_file(features, f"{domain}.npz", data_home,
                         what=f"Office-Caltech {features!r}, domain {domain!r}")
    with path.open("rb") as handle, np.load(handle, allow_pickle=False) as archive:
        X = read_array(archive, "X", path).astype(np.float32, copy=False)
        y = read_array(archive, "y", path).astype(np.int64, copy=False)
    return Bunch(X=X, y=y, target_names=list(CLASS_NAMES), domain=domain,
                 features=features)
