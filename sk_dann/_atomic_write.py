"""Writing a file so that it is either whole or untouched."""
import os
import stat
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
    The new file keeps the permission bits of the file it replaces (a private
    file stays private; owner and group become the writer's); a new one gets
    ``0666`` less the umask.

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
    # The name shows what a leftover was for; it is cut (at 100 bytes, as
    # file systems count) so that a long valid output name still leaves room
    # for the random part within the 255-byte limit.
    short_name = os.fsencode(path.name)[:100].decode(errors="ignore")
    prefix = f".{short_name}."
    try:
        handle, temporary = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    except OSError as error:  # name the file the caller asked for, not ours
        raise type(error)(error.errno, error.strerror, str(path)) from error
    try:
        with os.fdopen(handle, "wb") as stream:
            # mkstemp's file is private (0600): give it the mode of the file
            # it replaces, or the one any new file of this user gets.
            os.fchmod(stream.fileno(), _mode_for(path))
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _mode_for(path):
    try:
        existing = os.stat(path)  # through a symlink: the mode its target had
    except OSError:
        existing = None
    if existing is not None and stat.S_ISREG(existing.st_mode):
        return stat.S_IMODE(existing.st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
