"""write_atomically: a file is written whole or left as it was."""
import os
import stat

import pytest

from sk_dann._atomic_write import write_atomically


def test_writes_the_bytes_with_the_usual_file_mode(tmp_path):
    path = write_atomically(tmp_path / "out.bin", b"new contents")
    assert path.read_bytes() == b"new contents"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    assert os.listdir(tmp_path) == ["out.bin"]


def test_a_planted_symlink_beside_the_output_is_not_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me")
    for name in (".out.bin.partial", "out.bin.partial", ".out.bin.tmp"):
        (tmp_path / name).symlink_to(victim)
    write_atomically(tmp_path / "out.bin", b"new contents")
    assert victim.read_bytes() == b"keep me"
    assert (tmp_path / "out.bin").read_bytes() == b"new contents"


def test_an_output_that_is_a_symlink_is_replaced_not_its_target(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me")
    (tmp_path / "out.bin").symlink_to(victim)
    write_atomically(tmp_path / "out.bin", b"new contents")
    assert victim.read_bytes() == b"keep me"
    assert not (tmp_path / "out.bin").is_symlink()
    assert (tmp_path / "out.bin").read_bytes() == b"new contents"


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError(28, "No space left on device")])
@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path, monkeypatch, failure,
                                                              step):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old contents")

    def fail(*args):
        raise failure

    monkeypatch.setattr(os, step, fail)
    with pytest.raises(type(failure) if isinstance(failure, OSError) else failure):
        write_atomically(path, b"new contents")
    assert path.read_bytes() == b"old contents"
    assert os.listdir(tmp_path) == ["out.bin"]


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_a_replaced_file_keeps_its_permissions(tmp_path, umask):
    old_umask = os.umask(umask)
    try:
        for mode in (0o600, 0o640, 0o444):  # 0o640 is the default under neither umask
            path = tmp_path / f"file{mode:o}.txt"
            path.write_bytes(b"old")
            path.chmod(mode)
            write_atomically(path, b"new")
            assert stat.S_IMODE(path.stat().st_mode) == mode and path.read_bytes() == b"new"
    finally:
        os.umask(old_umask)


@pytest.mark.parametrize("name", ["p" * 250 + ".csv", "\u65e5" * 83 + ".csv"])  # 254, 253 bytes
def test_a_long_valid_name_is_written(tmp_path, name):
    path = tmp_path / name
    assert write_atomically(path, b"rows").read_bytes() == b"rows"
    assert os.listdir(tmp_path) == [name]


def test_a_missing_folder_is_reported_with_the_callers_path(tmp_path):
    missing = tmp_path / "no" / "out.bin"
    with pytest.raises(FileNotFoundError) as error:
        write_atomically(missing, b"x")
    assert error.value.filename == str(missing)
