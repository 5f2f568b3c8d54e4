"""Where data sets that are not shipped with sk_dann are read from."""
import os
from pathlib import Path

__all__ = [
    "data_file",
]

DATA_HOME_ENV = "SK_DANN_DATA"


def data_file(folder, filename, data_home=None, what=None):
    """Path of ``<data_home>/<folder>/<filename>``, checked to exist.

    ``data_home`` defaults to the ``SK_DANN_DATA`` environment variable.
    Nothing is ever downloaded: a missing file raises ``FileNotFoundError``
    saying which file is needed where.
    """
    what = what or folder
    data_home = data_home or os.environ.get(DATA_HOME_ENV)
    if data_home is None:
        raise FileNotFoundError(
            f"{what} is not shipped with sk_dann and is never downloaded. Pass "
            f"data_home=... (or set {DATA_HOME_ENV}) to the folder holding "
            f"'{folder}/{filename}'.")
    path = Path(data_home) / folder / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"{what}: {path} does not exist. data_home={str(data_home)!r} must hold "
            f"'{folder}/{filename}' (one .npz with arrays X and y).")
    return path
