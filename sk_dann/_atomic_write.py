"""Writing a file so that it is either whole or untouched."""
import os
import tempfile
from pathlib import Path

__all__ = [
    "write_atomically",
]


def write_atomically(path, data):
    """Write ``data`` (bytes) to ``path``: all of it, or nothing changes.

    The bytes go to a temporary file that ``tempfile.mkstemp`` creates in
    ``path``'s folder (a fresh, unpredictable name opened exclusively, so a
    file or symlink planted beside ``path`` is never written through), are
    flushed to disk, and the file is then renamed over ``path`` with
    ``os.replace``. On any failure, a full disk or an interrupt included, the
    temporary file is removed and ``path`` keeps its old contents. A ``path``
    that is a symlink is replaced by the new file; its target is not written.

    Parameters
    ----------
    path : str or path-like
        The file to write; its folder must exist.
    data : bytes
        The whole contents.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        # mkstemp's file is private (0600); the result gets the mode any new
        # file of this user gets.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(handle, 0o666 & ~umask)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
