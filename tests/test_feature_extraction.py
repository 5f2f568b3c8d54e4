"""CNNFeatures: off-the-shelf CNN features from images, with random weights (no download)."""
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from sk_dann import CNNFeatures, DANNClassifier


def backbone(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(),
                               torch.nn.BatchNorm2d(8), torch.nn.AdaptiveAvgPool2d(2))


@pytest.fixture(scope="module")
def images():
    return (np.random.default_rng(0).random((30, 20, 20, 3)) * 255).astype(np.uint8)


def test_shapes_dtype_and_feature_names(images):
    features = CNNFeatures(backbone()).fit(images)
    out = features.transform(images)
    assert out.shape == (30, 8 * 2 * 2) and out.dtype == np.float32
    assert features.n_features_out_ == 32
    assert features.get_feature_names_out()[0] == "cnnfeatures0"


def test_deterministic_and_independent_of_batch_size(images):
    a = CNNFeatures(backbone(), batch_size=7).fit(images).transform(images)
    b = CNNFeatures(backbone(), batch_size=64).fit(images).transform(images)
    c = clone(CNNFeatures(backbone(), batch_size=7)).fit(images).transform(images)
    np.testing.assert_allclose(a, b, atol=1e-5)  # eval mode: batch statistics unused
    np.testing.assert_array_equal(a, c)


def test_layouts_give_the_same_features(images):
    nchw = np.ascontiguousarray(images.transpose(0, 3, 1, 2))
    a = CNNFeatures(backbone()).fit_transform(images)
    b = CNNFeatures(backbone()).fit_transform(nchw)
    c = CNNFeatures(backbone()).fit_transform((nchw / 255.0).astype(np.float32))
    np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(a, c, atol=1e-5)


def test_weights_file_is_loaded_and_user_module_left_alone(images, tmp_path):
    path = tmp_path / "weights.pt"
    torch.save(backbone(seed=1).state_dict(), path)
    mine = backbone(seed=0)
    before = {k: v.clone() for k, v in mine.state_dict().items()}
    loaded = CNNFeatures(mine, weights=path).fit(images)
    reference = CNNFeatures(backbone(seed=1)).fit(images)
    np.testing.assert_allclose(loaded.transform(images), reference.transform(images), atol=1e-6)
    assert all(torch.equal(before[k], v) for k, v in mine.state_dict().items())
    with pytest.raises(FileNotFoundError, match="never downloads"):
        CNNFeatures(backbone(), weights=tmp_path / "missing.pt").fit(images)


def test_grey_images_are_repeated_to_rgb_and_resized(images):
    grey = images[..., 0]
    seen = []
    net = backbone()
    net.register_forward_pre_hook(lambda _m, args: seen.append(tuple(args[0].shape[1:])))
    CNNFeatures(net, resize=24).fit(grey).transform(grey)
    assert set(seen) == {(3, 24, 24)}


def test_in_a_pipeline_before_dann_on_packed_rows(images):
    y = np.r_[np.arange(20) % 2, -np.ones(10, dtype=int)]
    model = make_pipeline(CNNFeatures(backbone()), DANNClassifier(max_epochs=2, random_state=0))
    model.fit(images, y)
    assert model.predict(images[20:]).shape == (10,)
    assert model[-1].n_features_in_ == 32


def test_bad_input_is_explained(images):
    with pytest.raises(ValueError, match="needs image arrays"):
        CNNFeatures(backbone()).fit(np.zeros((5, 10), np.float32))
    with pytest.raises(TypeError, match=r"'backbone' .* instance of 'torch\.nn\..*Module'"):
        CNNFeatures("resnet50").fit(images)
    # One rule table with DANNClassifier: numpy ints are batch sizes, booleans are not.
    CNNFeatures(backbone(), batch_size=np.int64(4)).fit(images)
    with pytest.raises(ValueError, match="'batch_size' parameter"):
        CNNFeatures(backbone(), batch_size=True).fit(images)
    fitted = CNNFeatures(backbone()).fit(images)
    with pytest.raises(ValueError, match="fitted on"):
        fitted.transform(images[:, :, :10])
    # another height: once "X has 16 features, but CNNFeatures is expecting 20 features"
    with pytest.raises(ValueError, match=r"X has images of shape \(16, 16, 3\), but "
                       r"CNNFeatures was fitted on images of shape \(20, 20, 3\)"):
        fitted.transform(images[:, :16, :16])
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            CNNFeatures(backbone(), device="cuda").fit(images)


def test_progress_bar_only_when_verbose(images, capsys):
    CNNFeatures(backbone()).fit(images).transform(images)
    assert capsys.readouterr().err == ""
    CNNFeatures(backbone(), verbose=1, batch_size=10).fit(images).transform(images)
    assert "CNNFeatures" in capsys.readouterr().err


def test_bfloat16_features_are_close_to_float32(images):
    a = CNNFeatures(backbone()).fit(images).transform(images)
    b = CNNFeatures(backbone(), precision="bfloat16").fit(images).transform(images)
    assert b.dtype == np.float32
    assert np.abs(a - b).max() < 0.05 * np.abs(a).max()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_runs_on_gpu_and_matches_cpu(images):
    gpu = CNNFeatures(backbone()).fit(images)
    assert gpu.device_ == "cuda" and next(gpu.backbone_.parameters()).is_cuda
    cpu = CNNFeatures(backbone(), device="cpu").fit(images)
    np.testing.assert_allclose(gpu.transform(images), cpu.transform(images), atol=1e-3)
