"""Where data sets that are not shipped with sk_dann are read from."""
import os
from pathlib import Path

__all__ = [
    "check_name",
    "data_file",
    "read_array",
]

DATA_HOME_ENV = "SK_DANN_DATA"


def check_name(value, what, example):
    """Refuse a name that would make a path leave the data folder.

    Data-set, domain and feature-set names become parts of a path under the
    data folder; a name with a separator, ``..`` or an absolute path would
    read a file elsewhere, so only a plain file or folder name is accepted.
    """
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a name (a str) such as {example!r}; got "
                        f"{type(value).__name__} {value!r}.")
    if value in ("", ".", "..") or "/" in value or "\\" in value or os.sep in value \
            or "\0" in value or Path(value).is_absolute():
        raise ValueError(f"{what}={value!r} is not a plain name: it becomes part of a "
                         "path inside the data folder, and a separator, '..' or an "
                         "absolute path would read a file outside it. Give a name such "
                         f"as {example!r}, and the folder as data_home.")
    return value


def data_file(folder, filename, data_home=None, what=None):
    """Path of ``<data_home>/<folder>/<filename>``, checked to exist.

    ``data_home`` defaults to the ``SK_DANN_DATA`` environment variable.
    Nothing is ever downloaded: a missing file raises ``FileNotFoundError``
    saying which file is needed where.
    """
    check_name(folder, "folder", "office_caltech10_surf")
    check_name(filename, "file name", "amazon.npz")
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


def read_array(archive, name, path):
    """Array ``name`` of an ``np.load(..., allow_pickle=False)`` archive, with
    a clear error when it is missing or holds Python objects (a pickle, which
    would run code when loaded, so it is never read)."""
    if name not in archive.files:
        raise ValueError(f"{path} has no array named {name!r} (it has: "
                         f"{', '.join(archive.files) or 'none'}); it needs X and y.")
    try:
        return archive[name]
    except ValueError as error:
        if "Object arrays" not in str(error):  # numpy's words for an object array
            raise ValueError(f"{path}: array {name!r} cannot be read ({error}); is the "
                             "file damaged or cut short?") from error
        raise ValueError(f"{path}: array {name!r} holds Python objects, stored as a "
                         "pickle, which is never loaded (it could run code). Save it as "
                         "numbers: np.savez(path, X=X.astype(np.float32), "
                         "y=y.astype(np.int64)).") from error
