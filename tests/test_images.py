"""Image arrays: layouts, per-batch preprocessing, augmentation, the image fit path."""
import numpy as np
import pytest
import torch

from sk_dann import DANNClassifier, ImageAugmentation
from sk_dann.images import (
    ImageInput,
    channel_mean_std,
    resolve_image_layout,
    resolve_normalization,
    to_nchw_float,
)

SMALL = dict(max_epochs=2, domain_hidden_layer_sizes=(8,), batch_size=32, random_state=0)


def shifted_images(n=80, size=16, seed=0):
    """Grey uint8 images whose class is a bright top or bottom half; the
    target adds a bright background, a shift a pixel classifier trips on."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    images = rng.integers(0, 60, (n, size, size)).astype(np.uint8)
    half = size // 2
    for i, label in enumerate(y):
        rows = slice(0, half) if label == 0 else slice(half, size)
        images[i, rows] = rng.integers(150, 255, (half, size))
    target = np.clip(images.astype(int) + 90, 0, 255).astype(np.uint8)
    return images, y, target


@pytest.mark.parametrize("shape, layout", [
    ((5, 28, 28), "NHW"), ((5, 1, 28, 28), "NCHW"), ((5, 3, 32, 32), "NCHW"),
    ((5, 28, 28, 1), "NHWC"), ((5, 32, 32, 3), "NHWC"), ((5, 10), None)])
def test_auto_layout_finds_the_channel_axis(shape, layout):
    assert resolve_image_layout(shape) == layout


def test_unclear_layouts_ask_the_user():
    with pytest.raises(ValueError, match="image_layout='NCHW' or 'NHWC'"):
        resolve_image_layout((5, 3, 8, 3))
    with pytest.raises(ValueError, match="neither axis"):
        resolve_image_layout((5, 8, 8, 8))
    assert resolve_image_layout((5, 3, 8, 3), "NHWC") == "NHWC"
    assert resolve_image_layout((5, 8, 8, 8), "raw") is None
    with pytest.raises(ValueError, match="5 dimensions"):
        resolve_image_layout((5, 2, 3, 4, 5))


def test_every_layout_gives_the_same_nchw_float_batch():
    rng = np.random.default_rng(0)
    nchw = rng.integers(0, 256, (4, 3, 6, 5)).astype(np.uint8)
    expected = torch.as_tensor(nchw).float() / 255
    nhwc = np.ascontiguousarray(nchw.transpose(0, 2, 3, 1))
    torch.testing.assert_close(to_nchw_float(torch.as_tensor(nchw), "NCHW"), expected)
    torch.testing.assert_close(to_nchw_float(torch.as_tensor(nhwc), "NHWC"), expected)
    grey = to_nchw_float(torch.as_tensor(nchw[:, 0]), "NHW")
    torch.testing.assert_close(grey, expected[:, :1])
    floats = to_nchw_float(torch.as_tensor(nchw / 255.0, dtype=torch.float32), "NCHW")
    torch.testing.assert_close(floats, expected)  # floats are taken as already scaled


def test_channel_statistics_read_in_chunks_match_numpy():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (50, 7, 7, 3)).astype(np.uint8)
    mean, std = channel_mean_std(images, "NHWC", chunk_rows=8)
    scaled = images / 255.0
    np.testing.assert_allclose(mean, scaled.mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(std, scaled.std(axis=(0, 1, 2)), rtol=1e-4)


def test_normalization_options():
    images = np.zeros((4, 8, 8, 3), np.uint8)
    mean, std = resolve_normalization("imagenet", images, "NHWC")
    assert mean.shape == std.shape == (3,)
    mean, std = resolve_normalization((0.5, 0.25), images, "NHWC")
    assert mean.tolist() == [0.5] * 3 and std.tolist() == [0.25] * 3
    assert resolve_normalization(None, images, "NHWC") is None
    with pytest.raises(ValueError, match="3-channel"):
        resolve_normalization("imagenet", images[..., 0], "NHW")
    with pytest.raises(ValueError, match="std > 0"):
        resolve_normalization((0.5, 0.0), images, "NHWC")
    # A constant channel must not turn the images into NaN.
    mean, std = resolve_normalization("channel", images, "NHWC")
    out = ImageInput("NHWC", mean, std)(torch.as_tensor(images))
    assert torch.isfinite(out).all()


def test_augmentation_is_random_per_image_in_training_and_off_in_eval():
    torch.manual_seed(0)
    x = torch.rand(16, 3, 10, 10)
    augment = ImageAugmentation(shift=2, horizontal_flip=True, brightness=0.2,
                                contrast=0.3, noise_std=0.05)
    out = augment.train()(x)
    assert out.shape == x.shape
    assert not torch.allclose(out, x)
    assert not torch.allclose(out[0] - x[0], out[1] - x[1])  # each image its own draw
    assert torch.equal(augment.eval()(x), x)


def test_shift_translates_the_image_with_zero_padding():
    x = torch.zeros(64, 1, 5, 5)
    x[:, 0, 2, 2] = 1.0
    out = ImageAugmentation(shift=1).train()(x)
    assert torch.all(out.sum(dim=(1, 2, 3)) == 1)  # the dot moved, none lost
    rows, cols = torch.nonzero(out[:, 0])[:, 1], torch.nonzero(out[:, 0])[:, 2]
    assert set(rows.tolist()) == {1, 2, 3} and set(cols.tolist()) == {1, 2, 3}


@pytest.mark.parametrize("bad", [dict(shift=-1), dict(shift=1.5), dict(noise_std=-0.1),
                                 dict(brightness=float("nan"))])
def test_bad_augmentation_parameters_are_refused(bad):
    with pytest.raises(ValueError):
        ImageAugmentation(**bad)


def test_image_fit_picks_the_paper_mnist_network():
    Xs, ys, Xt = shifted_images()
    clf = DANNClassifier(**SMALL).fit(Xs, ys, X_target=Xt)
    convs = [m for m in clf.net_.module_.feature_extractor if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] == [
        (1, 32, (5, 5)), (32, 48, (5, 5))]
    assert clf.image_layout_ == "NHW" and clf.input_shape_ == (16, 16)
    assert clf.transform(Xt).shape == (len(Xt), 48)  # 48 x 1 x 1 at 16x16
    assert clf.predict_proba(Xt).shape == (len(Xt), 2)


def test_layout_and_dtype_do_not_change_the_model():
    """uint8 NHWC images and the same images as float NCHW in [0, 1] train
    the same network and predict the same."""
    Xs, ys, Xt = shifted_images()
    rgb = lambda images: np.repeat(images[..., None], 3, axis=3)  # noqa: E731
    as_nchw = lambda images: (rgb(images).transpose(0, 3, 1, 2) / 255.0).astype(np.float32)  # noqa: E731
    a = DANNClassifier(**SMALL).fit(rgb(Xs), ys, X_target=rgb(Xt))
    b = DANNClassifier(**SMALL).fit(as_nchw(Xs), ys, X_target=as_nchw(Xt))
    np.testing.assert_allclose(a.predict_proba(rgb(Xt)), b.predict_proba(as_nchw(Xt)),
                               atol=1e-5)
    # A model fitted on uint8 predicts the same on the float version of the images.
    np.testing.assert_allclose(a.predict_proba(rgb(Xt)),
                               a.predict_proba(as_nchw(Xt).transpose(0, 2, 3, 1)), atol=1e-5)


def test_uint8_images_are_not_copied_to_float_as_a_whole(monkeypatch):
    import sk_dann.batching
    batch_dtypes = set()
    take_rows = sk_dann.batching.take_rows

    def recording_take_rows(X, rows):
        batch = take_rows(X, rows)
        if batch.dim() > 2:  # image rows, not the (n, 3) label/domain/weight rows
            batch_dtypes.add(batch.dtype)
        return batch

    monkeypatch.setattr(sk_dann.batching, "take_rows", recording_take_rows)
    Xs, ys, Xt = shifted_images()
    DANNClassifier(**SMALL).fit(Xs, ys, X_target=Xt)
    # The batches leave the data set as uint8; the network converts each one.
    assert batch_dtypes == {torch.uint8}


def test_lambda_changes_the_image_model():
    Xs, ys, Xt = shifted_images()
    a = DANNClassifier(lambda_max=0.0, **SMALL).fit(Xs, ys, X_target=Xt)
    b = DANNClassifier(lambda_max=1.0, **SMALL).fit(Xs, ys, X_target=Xt)
    assert not np.allclose(a.transform(Xt), b.transform(Xt))


def test_augmentation_is_seeded_and_changes_training():
    Xs, ys, Xt = shifted_images()
    augment = ImageAugmentation(shift=2, noise_std=0.1)
    # n_threads fixed: bit-for-bit repeatable whatever else runs on the machine
    a = DANNClassifier(augmentation=augment, n_threads=1, **SMALL).fit(Xs, ys, X_target=Xt)
    b = DANNClassifier(augmentation=augment, n_threads=1, **SMALL).fit(Xs, ys, X_target=Xt)
    plain = DANNClassifier(**SMALL).fit(Xs, ys, X_target=Xt)
    np.testing.assert_array_equal(a.predict_proba(Xt), b.predict_proba(Xt))
    assert not np.allclose(a.predict_proba(Xt), plain.predict_proba(Xt))
    assert augment.training  # the user's object was copied, not trained in place


def test_per_channel_normalization_is_part_of_the_saved_model():
    import pickle
    Xs, ys, Xt = shifted_images()
    clf = DANNClassifier(**SMALL).fit(Xs, ys, X_target=Xt)
    stats = channel_mean_std(np.concatenate([Xs, Xt]), "NHW")
    torch.testing.assert_close(clf.net_.module_.input_transform.mean.flatten(), stats[0])
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(Xt), clf.predict_proba(Xt))


@pytest.mark.parametrize("shape", [(3, 16, 20), (3, 20, 20), (3, 256)])
def test_image_models_refuse_images_of_another_shape(shape):
    Xs, ys, Xt = shifted_images()
    clf = DANNClassifier(**SMALL).fit(Xs, ys, X_target=Xt)
    # Never "X has 20 features": the height of an image is not a feature count.
    with pytest.raises(ValueError, match=r"fitted on images of shape \(16, 16\)"):
        clf.predict(np.zeros(shape, np.uint8))
    with pytest.raises(ValueError, match=r"fitted on images of shape \(16, 16\)"):
        clf.partial_fit(np.zeros(shape, np.uint8), ys[:3])


def test_mlp_on_images_and_augmentation_on_rows_are_explained():
    Xs, ys, Xt = shifted_images()
    with pytest.raises(ValueError, match="'mlp' feature extractor needs 2-D X"):
        DANNClassifier(feature_extractor="mlp", **SMALL).fit(Xs, ys, X_target=Xt)
    with pytest.raises(ValueError, match="augmentation applies to image arrays"):
        DANNClassifier(augmentation=ImageAugmentation(shift=1), **SMALL).fit(
            Xs.reshape(len(Xs), -1).astype(np.float32), ys,
            X_target=Xt.reshape(len(Xt), -1).astype(np.float32))
    with pytest.raises(ValueError, match="'feature_extractor' parameter .* among"):
        DANNClassifier(feature_extractor="resnet", **SMALL).fit(Xs, ys, X_target=Xt)


def test_raw_layout_feeds_a_user_module_unchanged():
    """image_layout='raw': 3-D sequences reach the user's module as they are."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 6, 4)).astype(np.float32)
    y = np.arange(40) % 2
    seen = []

    class Sequences(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(4, 3)

        def forward(self, x):
            seen.append(tuple(x.shape[1:]))
            return self.linear(x).mean(dim=1)

    DANNClassifier(feature_extractor=Sequences(), image_layout="raw", **SMALL).fit(
        X, y, X_target=X)
    assert set(seen) == {(6, 4)}
    seen.clear()  # integer arrays arrive as float32, as 2-D rows do
    clf = DANNClassifier(feature_extractor=Sequences(), image_layout="raw", **SMALL)
    clf.fit(np.round(X * 10).astype(np.uint8), y, X_target=X)
    assert set(seen) == {(6, 4)} and clf.net_.module_.input_transform is None


def test_bfloat16_autocast_runs_the_network_in_bfloat16_on_cpu():
    Xs, ys, Xt = shifted_images()
    dtypes = set()
    clf = DANNClassifier(precision="bfloat16", **SMALL).fit(Xs, ys, X_target=Xt)
    conv = clf.net_.module_.feature_extractor[0]
    handle = conv.register_forward_hook(lambda _m, _i, out: dtypes.add(out.dtype))
    proba = clf.predict_proba(Xt)
    handle.remove()
    assert dtypes == {torch.bfloat16}
    assert proba.dtype == np.float64 and np.isfinite(proba).all()
    assert next(clf.net_.module_.parameters()).dtype == torch.float32  # weights stay fp32
    fp32 = DANNClassifier(**SMALL).fit(Xs, ys, X_target=Xt)
    assert np.abs(fp32.predict_proba(Xt) - proba).max() < 0.1


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_image_fit_on_gpu_keeps_model_and_statistics_there(precision):
    Xs, ys, Xt = shifted_images()
    clf = DANNClassifier(precision=precision, augmentation=ImageAugmentation(shift=1),
                         **SMALL).fit(Xs, ys, X_target=Xt)
    module = clf.net_.module_
    assert clf.device_ == "cuda"
    assert all(p.is_cuda for p in module.parameters())
    assert module.input_transform.mean.is_cuda
    proba = clf.predict_proba(Xt)  # from numpy uint8 on the host
    assert np.isfinite(proba).all()
    cpu = DANNClassifier(device="cpu", precision=precision, **SMALL).fit(Xs, ys, X_target=Xt)
    assert (cpu.predict(Xt) == clf.predict(Xt)).mean() > 0.8
