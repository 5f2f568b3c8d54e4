from pathlib import Path

import numpy as np
import pytest

from sk_dann.datasets import (
    OFFICE_CALTECH_DOMAINS,
    load_mnist_mnistm,
    load_mnist_usps,
    load_office_caltech,
    make_domain_moons,
)
from sk_dann.datasets._moons import rotate


@pytest.mark.parametrize("domain, n_rows", [("amazon", 958), ("dslr", 157), ("webcam", 295)])
def test_embedded_office_caltech_is_real_data(domain, n_rows):
    data = load_office_caltech(domain)
    assert data.X.shape == (n_rows, 1024) and data.X.dtype == np.float32
    assert sorted(np.unique(data.y)) == list(range(10))
    assert len(data.target_names) == 10 and domain in OFFICE_CALTECH_DOMAINS


def test_other_feature_sets_read_from_data_home(tmp_path, monkeypatch):
    folder = tmp_path / "office_caltech10_surf"
    folder.mkdir()
    np.savez(folder / "dslr.npz", X=np.ones((3, 800), np.float32), y=np.array([0, 1, 2]))
    data = load_office_caltech("dslr", features="office_caltech10_surf", data_home=tmp_path)
    assert data.X.shape == (3, 800)
    monkeypatch.setenv("SK_DANN_DATA", str(tmp_path))
    assert load_office_caltech("dslr", features="office_caltech10_surf").y.tolist() == [0, 1, 2]
    with pytest.raises(FileNotFoundError, match="webcam"):
        load_office_caltech("webcam", features="office_caltech10_surf")


@pytest.mark.parametrize("name", ["domain", "features"])
@pytest.mark.parametrize("escape", ["../../secret", "{outside}/secret", "..", "sub/../../secret"])
def test_names_that_leave_the_data_folder_are_refused(tmp_path, name, escape):
    home, outside = tmp_path / "home", tmp_path / "outside"
    (home / "surf").mkdir(parents=True)
    outside.mkdir()
    for folder in (tmp_path, outside):  # a file a path escape would reach
        np.savez(folder / "secret.npz", X=np.ones((2, 3), np.float32), y=np.array([0, 1]))
    escape = escape.format(outside=outside)
    names = {"domain": "amazon", "features": "surf", name: escape}
    with pytest.raises(ValueError, match=f"{name}=.* is not a plain name"):
        load_office_caltech(names["domain"], features=names["features"], data_home=home)
    with pytest.raises(ValueError, match="domain=.* is not a plain name"):
        load_office_caltech("../" + escape)  # the embedded features
    with pytest.raises(TypeError, match="domain must be a name"):
        load_office_caltech(None)


def test_an_object_array_in_data_home_is_refused_not_unpickled(tmp_path):
    (tmp_path / "surf").mkdir()
    np.savez(tmp_path / "surf" / "dslr.npz", X=np.ones((2, 3), np.float32),
             y=np.array([0, "one"], dtype=object))
    with pytest.raises(ValueError, match="array 'y' holds Python objects.*never loaded"):
        load_office_caltech("dslr", features="surf", data_home=tmp_path)


def test_a_damaged_array_in_data_home_is_not_called_a_pickle(tmp_path):
    import io
    import zipfile
    (tmp_path / "surf").mkdir()
    whole = io.BytesIO()
    np.save(whole, np.ones((20, 3), np.float32))
    with zipfile.ZipFile(tmp_path / "surf" / "dslr.npz", "w") as archive:
        archive.writestr("X.npy", whole.getvalue()[:150])  # cut short
        archive.writestr("y.npy", whole.getvalue())
    with pytest.raises(ValueError, match="array 'X' cannot be read.*damaged or cut short"):
        load_office_caltech("dslr", features="surf", data_home=tmp_path)


def test_missing_data_home_says_how_to_fix(monkeypatch):
    monkeypatch.delenv("SK_DANN_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="data_home"):
        load_office_caltech("amazon", features="office_caltech10_surf")


def test_moons_target_is_the_source_rotated_about_the_centre():
    Xs, ys, Xt, yt = make_domain_moons(n_samples=2000, degrees=35, random_state=0)
    centre = np.array([0.5, 0.25])
    unrotated = rotate(Xt - centre, -35) + centre
    for label in (0, 1):
        np.testing.assert_allclose(unrotated[yt == label].mean(0), Xs[ys == label].mean(0),
                                   atol=0.05)
    # and the shift is real: without undoing it, class means are far apart
    assert np.abs(Xt[yt == 0].mean(0) - Xs[ys == 0].mean(0)).max() > 0.2


def _write_digits(folder, name, X, y):
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / name, X=X, y=y)


def test_mnist_mnistm_loader_uses_disjoint_indices_and_32x32_rgb(tmp_path):
    folder = tmp_path / "mnist_mnistm"
    mnist = np.zeros((10, 28, 28), np.uint8)
    mnist[:, 4:24, 10:18] = 255  # a bar standing for a stroke
    _write_digits(folder, "mnist_test.npz", mnist, np.arange(10))
    mnistm = np.arange(10 * 32 * 32 * 3, dtype=np.int64).reshape(10, 32, 32, 3) % 256
    _write_digits(folder, "mnistm_test.npz", mnistm.astype(np.uint8), np.arange(10) + 100)
    data = load_mnist_mnistm(data_home=tmp_path, n_source=4)
    assert data.X_source.shape == (4, 32, 32, 3) and data.X_source.dtype == np.uint8
    assert data.X_target.shape == (6, 32, 32, 3)
    assert data.y_source.tolist() == [0, 1, 2, 3]
    assert data.y_target.tolist() == [104, 105, 106, 107, 108, 109]  # indices 4..9 only
    np.testing.assert_array_equal(data.X_target, mnistm[4:])
    # Resized, not padded: the bar keeps its relative place and covers 3 channels.
    assert (data.X_source[..., 0] == data.X_source[..., 2]).all()
    assert data.X_source[0, 16, 16, 0] == 255 and data.X_source[0, 16, 2, 0] == 0


def _write_mnist_mnistm_training_splits(home, n_mnist=12, n_mnistm=11, n_test=5):
    """Tiny MNIST / MNIST-M files whose labels are the row indices, so a test
    can tell which rows each domain got (train and test labels set apart)."""
    folder = home / "mnist_mnistm"
    rng = np.random.default_rng(0)
    _write_digits(folder, "mnist_train.npz",
                  rng.integers(0, 256, (n_mnist, 28, 28), dtype=np.uint8), np.arange(n_mnist))
    _write_digits(folder, "mnistm_train.npz",
                  rng.integers(0, 256, (n_mnistm, 32, 32, 3), dtype=np.uint8),
                  np.arange(n_mnistm))
    test = rng.integers(0, 256, (n_test, 32, 32, 3), dtype=np.uint8)
    _write_digits(folder, "mnistm_test.npz", test, np.arange(n_test) + 1000)
    return test


def test_full_protocol_is_every_training_image_scored_on_mnistm_test(tmp_path):
    test = _write_mnist_mnistm_training_splits(tmp_path)
    data = load_mnist_mnistm(data_home=tmp_path, protocol="full")
    assert data.protocol == "full"
    assert data.X_source.shape == (12, 32, 32, 3) and data.X_source.dtype == np.uint8
    assert data.X_target.shape == (11, 32, 32, 3) and data.X_target.dtype == np.uint8
    assert data.y_source.tolist() == list(range(12))
    assert data.y_target.tolist() == list(range(11))  # as in the paper: shared indices
    np.testing.assert_array_equal(data.X_test, test)
    assert data.y_test.tolist() == [1000, 1001, 1002, 1003, 1004]
    assert data.y_source.dtype == data.y_target.dtype == data.y_test.dtype == np.int64


def test_disjoint_protocol_never_adapts_to_an_image_made_from_a_source_image(tmp_path):
    _write_mnist_mnistm_training_splits(tmp_path)
    data = load_mnist_mnistm(data_home=tmp_path, protocol="disjoint", n_source=7)
    assert data.y_source.tolist() == list(range(7))
    assert data.y_target.tolist() == [7, 8, 9, 10]
    assert not set(data.y_source.tolist()) & set(data.y_target.tolist())
    assert data.X_test.shape == (5, 32, 32, 3)
    # the default split (30,000) does not fit these 12 images: said, not clipped
    with pytest.raises(ValueError, match=r"n_source must be an integer in \[1, 10\].*30000"):
        load_mnist_mnistm(data_home=tmp_path, protocol="disjoint")


def test_mnist_mnistm_protocol_errors_say_what_to_do(tmp_path):
    _write_mnist_mnistm_training_splits(tmp_path)
    with pytest.raises(ValueError, match=r"protocol='paper' is not one of "
                                         r"\['reduced', 'full', 'disjoint'\]"):
        load_mnist_mnistm(data_home=tmp_path, protocol="paper")
    with pytest.raises(ValueError, match="takes no n_source.*protocol='disjoint'"):
        load_mnist_mnistm(data_home=tmp_path, protocol="full", n_source=100)
    for bad in (0, 11, 2.5, True, "5"):
        with pytest.raises(ValueError, match="n_source must be an integer"):
            load_mnist_mnistm(data_home=tmp_path, protocol="disjoint", n_source=bad)


def test_full_protocol_names_the_missing_training_file_and_the_folder(tmp_path):
    folder = tmp_path / "mnist_mnistm"
    _write_digits(folder, "mnist_test.npz", np.zeros((4, 28, 28), np.uint8), np.arange(4))
    _write_digits(folder, "mnistm_test.npz", np.zeros((4, 32, 32, 3), np.uint8), np.arange(4))
    assert load_mnist_mnistm(data_home=tmp_path, n_source=2).X_target.shape[0] == 2
    with pytest.raises(FileNotFoundError, match=r"full protocol.*mnist_mnistm/mnist_train\.npz"
                                                r".*data_home="):
        load_mnist_mnistm(data_home=tmp_path, protocol="full")


def test_mnist_mnistm_files_of_the_wrong_shape_or_length_are_refused(tmp_path):
    _write_mnist_mnistm_training_splits(tmp_path)
    folder = tmp_path / "mnist_mnistm"
    # MNIST-M stored channels-first: refused, not read as 3x32 images of 32 channels
    _write_digits(folder, "mnistm_train.npz", np.zeros((11, 3, 32, 32), np.uint8), np.arange(11))
    with pytest.raises(ValueError, match=r"mnistm_train\.npz.*\(11, 3, 32, 32\).*"
                                         r"\(n, 32, 32, 3\)"):
        load_mnist_mnistm(data_home=tmp_path, protocol="full")
    _write_digits(folder, "mnistm_train.npz", np.zeros((11, 32, 32, 3), np.uint8), np.arange(9))
    with pytest.raises(ValueError, match="X has 11 rows but y has 9"):
        load_mnist_mnistm(data_home=tmp_path, protocol="full")
    _write_mnist_mnistm_training_splits(tmp_path)
    _write_digits(folder, "mnist_train.npz", np.zeros((12, 28, 28), np.float32), np.arange(12))
    with pytest.raises(ValueError, match=r"mnist_train\.npz: X is float32.*uint8"):
        load_mnist_mnistm(data_home=tmp_path, protocol="full")


def test_grey_images_are_resized_chunk_by_chunk_with_the_same_result():
    from sk_dann.datasets._digits import _grey_to_rgb32
    images = np.random.default_rng(0).integers(0, 256, (10, 28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(_grey_to_rgb32(images, chunk_rows=3),
                                  _grey_to_rgb32(images))


def test_mnist_usps_loader_reads_both_directions_shuffled(tmp_path):
    folder = tmp_path / "mnist_usps_jda"
    _write_digits(folder, "mnist.npz", np.zeros((20, 16, 16), np.float32), np.arange(20) % 10)
    _write_digits(folder, "usps.npz", np.ones((12, 16, 16), np.float32), np.arange(12) % 10)
    forward = load_mnist_usps(data_home=tmp_path)
    backward = load_mnist_usps(data_home=tmp_path, source="usps")
    assert forward.X_source.shape == (20, 16, 16) and forward.X_target.shape == (12, 16, 16)
    assert backward.X_source.shape == (12, 16, 16) and backward.X_target.max() == 0
    assert forward.y_source.tolist() != sorted(forward.y_source.tolist())  # shuffled
    assert sorted(forward.y_source.tolist()) == sorted((np.arange(20) % 10).tolist())


def test_digit_loaders_name_the_missing_file(tmp_path, monkeypatch):
    monkeypatch.delenv("SK_DANN_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="never downloaded.*data_home"):
        load_mnist_mnistm()
    with pytest.raises(FileNotFoundError, match=r"mnist_usps_jda/mnist\.npz"):
        load_mnist_usps(data_home=tmp_path)
    monkeypatch.setenv("SK_DANN_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"mnist_mnistm/mnist_test\.npz"):
        load_mnist_mnistm()


SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.mark.skipif(not (SHARED / "mnist_mnistm").is_dir(), reason="needs ../shared/data")
def test_real_digit_files_load_with_the_recommended_split():
    data = load_mnist_mnistm(data_home=SHARED)
    assert data.X_source.shape == (4500, 32, 32, 3) and data.X_target.shape == (4501, 32, 32, 3)
    usps = load_mnist_usps(data_home=SHARED)
    assert usps.X_source.shape == (2000, 16, 16) and usps.X_target.shape == (1800, 16, 16)
    assert set(usps.y_target.tolist()) == set(range(10))


@pytest.mark.skipif(not (SHARED / "mnist_mnistm" / "mnistm_train.npz").is_file(),
                    reason="needs ../shared/data")
def test_real_training_splits_give_the_papers_protocol_and_the_disjoint_one():
    full = load_mnist_mnistm(data_home=SHARED, protocol="full")
    assert full.X_source.shape == (60000, 32, 32, 3) and full.X_target.shape == (59001, 32, 32, 3)
    assert full.X_test.shape == (9001, 32, 32, 3)
    # MNIST-M train image i was made from MNIST train image i (the data README)
    np.testing.assert_array_equal(full.y_target, full.y_source[:59001])
    disjoint = load_mnist_mnistm(data_home=SHARED, protocol="disjoint")
    assert len(disjoint.X_source) == 30000 and len(disjoint.X_target) == 29001
