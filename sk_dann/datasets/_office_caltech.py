"""Office-Caltech10 features: embedded GoogLeNet features, other sets from disk."""
import os
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

OFFICE_CALTECH_DOMAINS = ("amazon", "dslr", "webcam")
CLASS_NAMES = ("back_pack", "bike", "calculator", "headphones", "keyboard",
               "laptop_computer", "monitor", "mouse", "mug", "projector")
EMBEDDED = "office_caltech10_googlenet1024"
DATA_HOME_ENV = "SK_DANN_DATA"


def _data_file(features, domain, data_home):
    if data_home is None and features == EMBEDDED:
        return resources.files("sk_dann.datasets") / "data" / EMBEDDED / f"{domain}.npz"
    data_home = data_home or os.environ.get(DATA_HOME_ENV)
    if data_home is None:
        raise FileNotFoundError(
            f"Office-Caltech '{features}' features are not shipped with sk_dann. "
            f"Pass data_home=... (or set {DATA_HOME_ENV}) to the folder holding "
            f"'{features}/{domain}.npz'.")
    return Path(data_home) / features / f"{domain}.npz"


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
    path = _data_file(features, domain, data_home)
    if not path.is_file():
        raise FileNotFoundError(
            f"No file for domain {domain!r} of {features!r}: {path} does not exist. "
            f"Known embedded domains: {', '.join(OFFICE_CALTECH_DOMAINS)}.")
    with path.open("rb") as handle, np.load(handle) as archive:
        X = archive["X"].astype(np.float32, copy=False)
        y = archive["y"].astype(np.int64, copy=False)
    return Bunch(X=X, y=y, target_names=list(CLASS_NAMES), domain=domain,
                 features=features)
