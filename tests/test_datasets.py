import numpy as np
import pytest

from sk_dann.datasets import OFFICE_CALTECH_DOMAINS, load_office_caltech, make_domain_moons
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
