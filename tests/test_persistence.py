"""Safe model files: save_model / load_model round trips, and files that must not load."""
import base64
import io
import os
import stat
import json
import pickle
import subprocess
import sys
import textwrap
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler

from sk_dann import (DANNClassifier, DANNRegressor, DomainPipeline, ModelFileError,
                     load_model, make_da_pipeline, save_model)
from sk_dann.datasets import make_domain_moons
from sk_dann.exceptions import SavedVersionWarning
from sk_dann.persistence import _checksum

QUICK = dict(hidden_layer_sizes=(16,), domain_hidden_layer_sizes=(8,), max_epochs=3,
             random_state=0, n_threads=1, batch_size=32)

# Built the same way in the test process and in the fresh one that loads.
CUSTOM_MODULE = "torch.nn.Sequential(torch.nn.Linear(2, 12), torch.nn.Tanh())"


def _moons():
    Xs, ys, Xt, yt = make_domain_moons(n_samples=120, random_state=0)
    return Xs.astype(np.float32), ys, Xt.astype(np.float32), yt


def _images(shape, dtype, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randint(0, 256, size=shape).astype(dtype)
    if dtype != np.uint8:
        X /= 255.0
    return X, rng.randint(0, 3, size=shape[0])


def _quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def _fitted_models():
    """name -> (fitted model, X to predict on, parameters load_model needs)."""
    Xs, ys, Xt, yt = _moons()
    columns = ["width", "height"]
    frame_s, frame_t = pd.DataFrame(Xs, columns=columns), pd.DataFrame(Xt, columns=columns)
    labels = np.where(ys == 1, "up", "down")
    models = {}
    models["classifier_strings_early_stopping"] = (_quietly(DANNClassifier(
        **{**QUICK, "max_epochs": 6}, early_stopping=True, validation_fraction=0.25,
        n_iter_no_change=2).fit, frame_s, labels, X_target=frame_t), frame_t, {})
    models["classifier_plus_minus_one"] = (DANNClassifier(**QUICK).fit(
        Xs, np.where(ys == 1, 1, -1), X_target=Xt), Xt, {})
    models["pipeline_scaler_bool_labels"] = (_quietly(make_pipeline(
        StandardScaler(), DANNClassifier(**QUICK)).fit, np.r_[Xs, Xt],
        np.array([*(ys == 1).tolist(), *[-1] * len(Xt)], dtype=object)), Xt, {})
    models["domain_pipeline_scaler"] = (make_da_pipeline(
        StandardScaler(), DANNClassifier(**QUICK)).fit(Xs * 10 + 3, ys, X_target=Xt * 10 + 3),
        Xt * 10 + 3, {})
    models["pipeline_minmax_pca"] = (Pipeline([
        ("minmax", MinMaxScaler()), ("pca", PCA(n_components=2)), ("skip", "passthrough"),
        ("dann", DANNClassifier(**QUICK))]).fit(np.c_[Xs, Xs[:, :1]], ys), np.c_[Xt, Xt[:, :1]],
        {})
    continued = DANNClassifier(**QUICK)
    for _ in range(2):
        continued.partial_fit(Xs, ys, X_target=Xt)
    models["classifier_partial_fit"] = (continued, Xt, {})
    models["regressor"] = (DANNRegressor(**QUICK).fit(
        Xs, 10 * Xs[:, 0] + 3, X_target=Xt), Xt, {})
    module = eval(CUSTOM_MODULE)
    models["custom_module"] = (DANNClassifier(**QUICK, feature_extractor=module).fit(
        Xs, ys, X_target=Xt), Xt, {"feature_extractor": eval(CUSTOM_MODULE)})
    images, image_labels = _images((40, 16, 16, 3), np.uint8)
    models["mnist_network_uint8_nhwc"] = (DANNClassifier(
        feature_extractor="mnist", max_epochs=1, batch_size=16, random_state=0,
        n_threads=1).fit(images[:20], image_labels[:20], X_target=images[20:]), images, {})
    grey, grey_labels = _images((30, 8, 8), np.float32)
    models["svhn_network_grey"] = (DANNClassifier(
        feature_extractor="svhn", max_epochs=1, batch_size=16, random_state=0, n_threads=1,
        image_normalization=(0.5, 0.25)).fit(grey[:15], grey_labels[:15],
                                             X_target=grey[15:]), grey, {})
    return models


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Every model saved, with its outputs computed in this process."""
    folder = tmp_path_factory.mktemp("models")
    cases = {}
    for name, (model, X, params) in _fitted_models().items():
        path = folder / f"{name}.skdann"
        save_model(model, path)
        outputs = {method: getattr(model, method)(X)
                   for method in ("predict", "predict_proba", "transform")
                   if hasattr(model, method) and not (
                       method == "predict_proba" and isinstance(model, DANNRegressor))}
        cases[name] = (model, X, params, path, outputs)
    return cases


def test_round_trip_in_a_fresh_process_is_bit_identical(saved, tmp_path):
    inputs = tmp_path / "inputs.pkl"  # the test's own data, not a model
    with open(inputs, "wb") as handle:
        pickle.dump({name: (X, str(path), sorted(outputs))
                     for name, (_, X, _, path, outputs) in saved.items()}, handle)
    script = textwrap.dedent(f"""
        import pickle, sys
        import torch
        from sk_dann import load_model
        cases = pickle.load(open({str(inputs)!r}, "rb"))
        results = {{}}
        for name, (X, path, methods) in cases.items():
            params = {{"feature_extractor": {CUSTOM_MODULE}}} if name == "custom_module" else {{}}
            model = load_model(path, **params)
            results[name] = {{m: getattr(model, m)(X) for m in methods}}
        pickle.dump(results, open({str(tmp_path / "out.pkl")!r}, "wb"))
        print("torch" in sys.modules)
    """)
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    with open(tmp_path / "out.pkl", "rb") as handle:
        results = pickle.load(handle)
    assert sorted(results) == sorted(saved)
    for name, (model, X, _, _, outputs) in saved.items():
        for method, expected in outputs.items():
            got = results[name][method]
            assert got.dtype == expected.dtype, (name, method)
            np.testing.assert_array_equal(got, expected, err_msg=f"{name}.{method}")


def test_fitted_attributes_round_trip(saved):
    for name, (model, _, params, path, _) in saved.items():
        loaded = load_model(path, **params)
        original, restored = (model[-1], loaded[-1]) if isinstance(model, Pipeline) else (
            model, loaded)
        for attribute in ("classes_", "feature_names_in_", "y_mean_", "y_scale_",
                          "n_threads_", "input_shape_", "image_layout_", "n_features_in_",
                          "best_epoch_", "n_iter_", "seed_", "device_"):
            if hasattr(original, attribute):
                a, b = getattr(original, attribute), getattr(restored, attribute)
                if isinstance(a, np.ndarray):
                    assert a.dtype == b.dtype and a.tolist() == b.tolist(), (name, attribute)
                else:
                    assert a == b and type(a) is type(b), (name, attribute)
        assert restored.history_.to_list() == json.loads(json.dumps(
            original.history_.to_list(), default=float)), name
        assert restored.get_params() .keys() == original.get_params().keys()
        if isinstance(model, Pipeline):
            assert [n for n, _ in loaded.steps] == [n for n, _ in model.steps]


def test_string_bool_and_minus_one_classes_keep_their_dtype(saved):
    strings = load_model(saved["classifier_strings_early_stopping"][3])
    assert strings.classes_.tolist() == ["down", "up"]
    assert strings.best_epoch_ is not None and strings.feature_names_in_.tolist() == [
        "width", "height"]
    assert load_model(saved["classifier_plus_minus_one"][3]).classes_.tolist() == [-1, 1]
    bools = load_model(saved["pipeline_scaler_bool_labels"][3])[-1].classes_
    assert bools.tolist() == [False, True] and isinstance(bools.tolist()[0], bool)


def test_load_then_partial_fit_continues_as_the_original(tmp_path):
    Xs, ys, Xt, _ = _moons()
    model = DANNClassifier(**QUICK)
    for _ in range(2):
        model.partial_fit(Xs, ys, X_target=Xt)
    save_model(model, tmp_path / "m.skdann")
    loaded = load_model(tmp_path / "m.skdann")
    for estimator in (model, loaded):
        estimator.partial_fit(Xs, ys, X_target=Xt)
    np.testing.assert_array_equal(loaded.predict_proba(Xt), model.predict_proba(Xt))
    assert loaded.n_iter_ == len(loaded.history_) == 3
    # and a loaded model refits from scratch like any estimator
    loaded.fit(Xs, ys, X_target=Xt)
    assert loaded.n_iter_ == QUICK["max_epochs"]


def test_a_custom_module_must_be_passed_back(saved):
    path = saved["custom_module"][3]
    with pytest.raises(TypeError, match=r"feature_extractor \(it was a torch\.nn"):
        load_model(path)
    wrong = torch.nn.Sequential(torch.nn.Linear(2, 5), torch.nn.Tanh())
    with pytest.raises(ValueError, match="do not fit the network"):
        load_model(path, feature_extractor=wrong)


def test_other_parameters_can_be_given_at_load(saved):
    model = load_model(saved["classifier_plus_minus_one"][3], device="cpu", verbose=0)
    assert model.device == "cpu"
    with pytest.raises(TypeError, match="not parameters of DANNClassifier"):
        load_model(saved["classifier_plus_minus_one"][3], no_such_thing=1)


@pytest.fixture(scope="module")
def default_size_model():
    """The default network (256-wide layers), where the weights dominate a file."""
    Xs, ys, Xt, _ = _moons()
    return DANNClassifier(max_epochs=2, random_state=0, n_threads=1).fit(Xs, ys, X_target=Xt)


def _weight_bytes(model):
    return sum(t.numel() * t.element_size() for t in model.net_.module_.state_dict().values())


def test_file_size_is_the_tensors_plus_the_json(saved, default_size_model, tmp_path):
    def sizes(path):
        data = path.read_bytes()
        tensors = load_tensors(data)
        header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
        return (len(data), sum(t.numel() * t.element_size() for t in tensors.values()),
                len(header["__metadata__"]["sk_dann"]), len(tensors))

    for name, case in saved.items():
        total, payload, json_bytes, n_tensors = sizes(case[3])
        # safetensors' own index: under 150 bytes a tensor
        assert total <= payload + json_bytes + 150 * n_tensors + 1000, name
    total, payload, json_bytes, _ = sizes(
        save_model(default_size_model, tmp_path / "default.skdann"))
    # the weights, the optimizer's momentum (for partial_fit) and the JSON
    assert payload < 1.01 * 2 * _weight_bytes(default_size_model)
    assert total <= 1.1 * (payload + json_bytes)


def test_a_pickled_model_holds_its_network_once(default_size_model):
    weights = _weight_bytes(default_size_model)
    data = pickle.dumps(default_size_model)
    # the weights once and the optimizer's momentum once (it was 3x the weights:
    # skorch pickled module and module_ separately)
    assert len(data) < 2.2 * weights
    restored = pickle.loads(data)
    assert restored.net_.module is restored.net_.module_
    X = _moons()[2]
    np.testing.assert_array_equal(restored.predict_proba(X),
                                  default_size_model.predict_proba(X))


def test_saving_refuses_what_it_cannot_hold_by_name(tmp_path):
    Xs, ys, Xt, _ = _moons()
    pipe = make_pipeline(FunctionTransformer(np.tanh), DANNClassifier(**QUICK))
    pipe.fit(Xs, ys)
    with pytest.raises(ValueError, match=r"'functiontransformer' \(FunctionTransformer\)"):
        save_model(pipe, tmp_path / "p.skdann")
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match="not fitted"):
        save_model(DANNClassifier(), tmp_path / "p.skdann")
    with pytest.raises(TypeError, match="LogisticRegression"):
        from sklearn.linear_model import LogisticRegression
        save_model(LogisticRegression().fit(Xs, ys), tmp_path / "p.skdann")


def test_an_existing_file_is_not_overwritten_by_surprise(saved, tmp_path):
    model = saved["regressor"][0]
    target = tmp_path / "data.csv"
    target.write_text("precious")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_model(model, target)
    assert target.read_text() == "precious"
    save_model(model, target, overwrite=True)
    assert load_model(target).y_mean_ == model.y_mean_
    assert [p.name for p in tmp_path.iterdir()] == ["data.csv"]  # no temporary left


def test_a_dangling_link_and_a_folder_name_are_not_overwritten(saved, tmp_path):
    model = saved["regressor"][0]
    (tmp_path / "link.skdann").symlink_to(tmp_path / "not-yet")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_model(model, tmp_path / "link.skdann")
    assert (tmp_path / "link.skdann").is_symlink()
    with pytest.raises(IsADirectoryError, match="ends with a separator"):
        save_model(model, f"{tmp_path}/new.skdann/")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.skdann"]


# -- files that must not load ----------------------------------------------------
class _CreatesFile:
    """A pickle payload: unpickling it creates ``path``."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture()
def payload(tmp_path):
    marker = tmp_path / "pwned"
    data = pickle.dumps(_CreatesFile(marker))
    pickle.loads(data).close()  # the payload works: it does create the file
    assert marker.exists()
    marker.unlink()
    return marker, data


def _rewrite(source, target, metadata=None, tensors=None, fix_checksum=True):
    """A copy of a model file with its header's metadata or its tensors changed."""
    data = source.read_bytes()
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    meta = json.loads(header["__metadata__"]["sk_dann"])
    loaded = load_tensors(data)
    (metadata or (lambda m: None))(meta)
    (tensors or (lambda t: None))(loaded)
    if fix_checksum:  # past the checksum: the loader itself must refuse
        meta["sha256"] = _checksum(loaded, json.dumps(meta["model"]))
    target.write_bytes(save_tensors(loaded, metadata={"sk_dann": json.dumps(meta)}))
    return target


def _edit_record(edit):
    def change(meta):
        edit(meta["model"])
    return change


@pytest.fixture()
def model_file(saved):
    return saved["classifier_plus_minus_one"][3]


def test_a_pickle_is_refused_and_runs_nothing(payload, tmp_path):
    marker, data = payload
    path = tmp_path / "model.skdann"
    path.write_bytes(data)
    with pytest.raises(ModelFileError, match="is a pickle.*runs code"):
        load_model(path)
    assert not marker.exists()


def test_a_pickle_in_the_json_runs_nothing(payload, model_file, tmp_path):
    marker, data = payload
    text = data.decode("latin-1")
    tagged = _rewrite(model_file, tmp_path / "a.skdann", _edit_record(
        lambda r: r["estimator"]["params"].update(activation={"pickle": text})))
    with pytest.raises(ModelFileError, match="unknown kind of value 'pickle'"):
        load_model(tagged)
    as_string = _rewrite(model_file, tmp_path / "b.skdann", _edit_record(
        lambda r: r["estimator"]["params"].update(activation=text)))
    with pytest.raises(ValueError, match="activation"):
        load_model(as_string)
    in_history = _rewrite(model_file, tmp_path / "c.skdann", _edit_record(
        lambda r: r["estimator"]["net"]["history"][0].update(
            payload=base64.b64encode(data).decode())))
    assert load_model(in_history).history_[0]["payload"]  # only ever a string
    fallback = _rewrite(model_file, tmp_path / "d.skdann", lambda m: m.update(
        format="pickle", model=base64.b64encode(data).decode()))
    with pytest.raises(ModelFileError, match="not an sk_dann model"):
        load_model(fallback)
    class_name = _rewrite(model_file, tmp_path / "e.skdann", _edit_record(
        lambda r: r["estimator"].update({"class": "builtins.open"})))
    with pytest.raises(ModelFileError, match="not an sk_dann estimator"):
        load_model(class_name)
    assert not marker.exists()


def test_a_pickle_in_the_tensors_runs_nothing(payload, model_file, tmp_path):
    marker, data = payload
    as_bytes = torch.frombuffer(bytearray(data), dtype=torch.uint8)
    extra = _rewrite(model_file, tmp_path / "a.skdann",
                     tensors=lambda t: t.update(payload=as_bytes.clone()))
    with pytest.raises(ModelFileError, match=r"did not write: \['payload'\]"):
        load_model(extra)
    state = _rewrite(model_file, tmp_path / "b.skdann",
                     tensors=lambda t: t.update(batch_generator_state=as_bytes.clone()))
    with pytest.raises(ModelFileError, match="generator state is invalid"):
        load_model(state)

    def weights_as_payload(tensors):
        tensors["module.domain_head.0.bias"] = as_bytes.clone()
    weights = _rewrite(model_file, tmp_path / "c.skdann", tensors=weights_as_payload)
    with pytest.raises(ValueError, match="do not fit the network"):
        load_model(weights)
    assert not marker.exists()


def test_an_archive_with_a_pickle_member_runs_nothing(payload, model_file, tmp_path):
    marker, data = payload
    archive = tmp_path / "model.skdann"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("model.skdann", model_file.read_bytes())
        handle.writestr("extra.pkl", data)
    with pytest.raises(ModelFileError, match="zip archive"):
        load_model(archive)
    appended = tmp_path / "appended.skdann"
    appended.write_bytes(model_file.read_bytes() + data)
    with pytest.raises(ModelFileError, match="damaged or truncated"):
        load_model(appended)
    assert not marker.exists()


def test_truncated_damaged_and_newer_files_get_clear_errors(model_file, tmp_path):
    data = model_file.read_bytes()
    truncated = tmp_path / "truncated.skdann"
    for cut in (4, 100, len(data) // 2, len(data) - 1):
        truncated.write_bytes(data[:cut])
        with pytest.raises(ModelFileError, match="truncated|not an sk_dann model file"):
            load_model(truncated)
    flipped = bytearray(data)
    flipped[-10] ^= 0xFF
    damaged = tmp_path / "damaged.skdann"
    damaged.write_bytes(bytes(flipped))
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(damaged)
    newer = _rewrite(model_file, tmp_path / "newer.skdann",
                     lambda m: m.update(format_version="2", sk_dann_version="9.0.0"))
    with pytest.raises(ModelFileError, match="format version 2.*Upgrade sk_dann"):
        load_model(newer)
    no_weights = _rewrite(model_file, tmp_path / "noweights.skdann",
                          tensors=lambda t: t.pop("module.label_head.weight"))
    with pytest.raises(ModelFileError, match="missing"):
        load_model(no_weights)
    other = tmp_path / "other.safetensors"
    other.write_bytes(save_tensors({"w": torch.zeros(2)}))
    with pytest.raises(ModelFileError, match="not an sk_dann model"):
        load_model(other)
    with pytest.raises(FileNotFoundError, match="not found"):
        load_model(tmp_path / "absent.skdann")


def test_another_version_warns(model_file, tmp_path):
    older = _rewrite(model_file, tmp_path / "older.skdann",
                     lambda m: m.update(sk_dann_version="0.4.0"))
    with pytest.warns(SavedVersionWarning, match="saved by sk_dann 0.4.0"):
        load_model(older)


def test_the_cli_reads_a_pickle_only_when_allowed(payload, tmp_path, capsys):
    from sk_dann.cli import main

    marker, data = payload
    Xs, ys, Xt, _ = _moons()
    np.savez(tmp_path / "source.npz", X=Xs, y=ys)
    np.save(tmp_path / "target.npy", Xt)
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(data)
    with pytest.raises(SystemExit) as stop:
        main(["predict", "--model", str(evil), "--input", str(tmp_path / "target.npy"),
              "--output", str(tmp_path / "p.csv")])
    assert stop.value.code == 2 and "--allow-pickle" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["evaluate", "--model", str(evil), "--input", str(tmp_path / "source.npz")])
    assert stop.value.code == 2 and "a pickle runs code" in capsys.readouterr().err
    assert not marker.exists() and not (tmp_path / "p.csv").exists()

    fit = ["fit", "--source", str(tmp_path / "source.npz"), "--target",
           str(tmp_path / "target.npy"), "--max-epochs", "2"]
    main(fit + ["--model", str(tmp_path / "m.pkl"), "--pickle"])
    main(fit + ["--model", str(tmp_path / "m.skdann")])
    assert (tmp_path / "m.pkl").read_bytes()[:1] == b"\x80"
    predict = ["predict", "--input", str(tmp_path / "target.npy"), "--output"]
    main(predict + [str(tmp_path / "safe.csv"), "--model", str(tmp_path / "m.skdann")])
    main(predict + [str(tmp_path / "pickled.csv"), "--model", str(tmp_path / "m.pkl"),
                    "--allow-pickle"])
    assert (tmp_path / "safe.csv").read_text() == (tmp_path / "pickled.csv").read_text()
    with pytest.raises(SystemExit):
        main(predict + [str(tmp_path / "x.csv"), "--model", str(tmp_path / "m.pkl")])
    help_text = io.StringIO()
    with pytest.raises(SystemExit), __import__("contextlib").redirect_stdout(help_text):
        main(["predict", "--help"])
    assert "a pickle runs code" in help_text.getvalue()


def test_loading_never_reaches_an_unpickler(saved, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("load_model reached an unpickler")

    import pickle as pickle_module
    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle_module, name, refuse)
    monkeypatch.setattr(torch, "load", refuse)
    for name, (_, X, params, path, outputs) in saved.items():
        np.testing.assert_array_equal(load_model(path, **params).predict(X), outputs["predict"])


def test_set_output_and_callables_round_trip_or_are_asked_for(tmp_path):
    Xs, ys, Xt, _ = _moons()
    frame = pd.DataFrame(Xs, columns=["a", "b"])
    pipe = make_pipeline(StandardScaler(), DANNClassifier(**QUICK)).set_output(
        transform="pandas").fit(frame, ys)
    loaded = load_model(save_model(pipe, tmp_path / "p.skdann"))
    out = loaded.transform(frame)
    assert isinstance(out, pd.DataFrame)
    pd.testing.assert_frame_equal(out, pipe.transform(frame))

    def ramp(p):
        return p

    model = DANNClassifier(**QUICK, lambda_schedule=ramp, class_weight={0: 2.0}).fit(
        Xs, ys, X_target=Xt)
    path = save_model(model, tmp_path / "m.skdann")
    with pytest.raises(TypeError, match=r"lambda_schedule \(it was a builtins.function\).*"
                                        r"load_model\(path, lambda_schedule=\.\.\.\)"):
        load_model(path)
    loaded = load_model(path, lambda_schedule=ramp)
    assert loaded.class_weight == {0: 2.0} and loaded.lambda_schedule is ramp
    loaded.partial_fit(Xs, ys, X_target=Xt)  # the schedule is used again
    with pytest.raises(TypeError, match="best_estimator_"):
        from sklearn.model_selection import GridSearchCV
        save_model(GridSearchCV(DANNClassifier(), {"lr": [0.1]}), tmp_path / "g.skdann")


def test_a_header_length_that_starts_like_a_pickle_loads(model_file, tmp_path):
    """The first byte of safetensors' header length may be pickle's 0x80."""
    for padding in range(300):
        path = _rewrite(model_file, tmp_path / "m.skdann",
                        lambda m: m.update(padding="x" * padding))
        if path.read_bytes()[:1] == b"\x80":
            break
    assert path.read_bytes()[:1] == b"\x80"
    assert load_model(path).classes_.tolist() == [-1, 1]


def test_compile_options_in_a_file_are_refused(model_file, tmp_path):
    """torch.compile's options name a compiler executable and folders to write."""
    script = tmp_path / "cxx.sh"
    script.write_text(f"#!/bin/sh\ntouch {tmp_path / 'pwned'}\n")
    script.chmod(0o755)
    options = {"dict": [["options", {"dict": [["cpp.cxx", {"tuple": [str(script)]}]]}]]}
    crafted = _rewrite(model_file, tmp_path / "c.skdann", _edit_record(
        lambda r: r["estimator"]["params"].update(compile=options)))
    with pytest.raises(ModelFileError, match="compile is a dict, which sk_dann never writes"):
        load_model(crafted)
    assert not (tmp_path / "pwned").exists()


def test_compile_options_are_given_back_at_load(tmp_path):
    Xs, ys, Xt, _ = _moons()
    model = DANNClassifier(**QUICK).fit(Xs, ys, X_target=Xt)
    model.set_params(compile={"mode": "default"})
    path = save_model(model, tmp_path / "m.skdann")
    with pytest.raises(TypeError, match=r"compile \(it was a dict, which a file may not set\)"):
        load_model(path)
    assert load_model(path, compile=False).compile is False


def test_values_that_do_not_fit_the_network_are_refused(model_file, tmp_path):
    def optimizer_state(tensors):
        for name in [n for n in tensors if n.startswith("optimizer.state.")]:
            tensors[name] = torch.zeros(1)
    cases = {
        "does not fit that parameter": dict(tensors=optimizer_state),
        "layer widths do not match": dict(metadata=_edit_record(
            lambda r: r["estimator"]["params"].update(
                hidden_layer_sizes={"tuple": [10 ** 9]}))),
        "not a plausible input shape": dict(metadata=_edit_record(
            lambda r: r["estimator"]["attributes"].update(
                input_shape_={"tuple": [2, 10 ** 6, 10 ** 6]}))),
        "plausible thread count": dict(metadata=_edit_record(
            lambda r: r["estimator"]["attributes"].update(n_threads_=10 ** 9))),
        "OverflowError": dict(metadata=_edit_record(
            lambda r: r["estimator"]["net"].update(train_steps_done_=float("inf")))),
        "expected a mapping": dict(metadata=lambda m: m.update(model="{not json")),
        "unreadable format version": dict(metadata=lambda m: m.update(format_version="¹")),
        "attribute named 'predict'": dict(metadata=_edit_record(
            lambda r: r["estimator"]["attributes"].update(predict=1))),
        "cannot reshape": dict(metadata=_edit_record(
            lambda r: r["estimator"]["attributes"].update(classes_={
                "array_values": [1, 2, 3], "dtype": "|O", "shape": [2]}))),
    }
    for index, (message, change) in enumerate(cases.items()):
        path = _rewrite(model_file, tmp_path / f"{index}.skdann", **change)
        with pytest.raises(ModelFileError, match=message):
            load_model(path)
    unchecked = _rewrite(model_file, tmp_path / "json.skdann", _edit_record(
        lambda r: r["estimator"]["params"].update(lr=0.5)), fix_checksum=False)
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(unchecked)


def test_a_pipeline_comes_back_as_its_own_class_and_no_other(saved, tmp_path):
    domain_file = saved["domain_pipeline_scaler"][3]
    assert type(load_model(domain_file)) is DomainPipeline
    assert type(load_model(saved["pipeline_minmax_pca"][3])) is Pipeline
    # A file written before pipelines named their class holds a Pipeline.
    unnamed = _rewrite(domain_file, tmp_path / "unnamed.skdann",
                       _edit_record(lambda r: r.pop("class")))
    assert type(load_model(unnamed)) is Pipeline
    other = _rewrite(domain_file, tmp_path / "other.skdann",
                     _edit_record(lambda r: r.update({"class": "os.system"})))
    with pytest.raises(ModelFileError, match="pipeline of class 'os.system'"):
        load_model(other)


def test_another_optimizer_at_load_starts_afresh(model_file):
    Xs, ys, Xt, _ = _moons()
    model = load_model(model_file, optimizer="adam")
    model.partial_fit(Xs, np.where(ys == 1, 1, -1), X_target=Xt)
    assert type(model.net_.optimizer_).__name__ == "Adam"


def test_values_keep_their_type_shape_and_layout():
    from sk_dann.persistence import _Decoder, _Encoder

    values = {
        "zero_d": np.array(3.5), "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "big_endian": np.arange(3, dtype=">i4"), "strings": np.array(["a,b", 'q"', "\n"]),
        "objects": np.array(["x", 1, True, None], dtype=object), "bools": np.array([True]),
        "float32": np.float32(0.1), "tuple": (1, [2.0, "s"]), "int_keys": {0: 1.0, "k": None},
        "empty": np.zeros((0, 3), np.float32),
    }
    tensors = {}
    encoded = json.loads(json.dumps({k: _Encoder(tensors).encode(v, k) for k, v in values.items()}))
    decoded = {k: _Decoder(tensors).decode(v) for k, v in encoded.items()}
    for name, value in values.items():
        got = decoded[name]
        assert type(got) is type(value), name
        if isinstance(value, np.ndarray):
            assert got.shape == value.shape and got.tolist() == value.tolist(), name
            assert got.dtype == value.dtype.newbyteorder("="), name
            assert got.flags.f_contiguous == value.flags.f_contiguous, name
        else:
            assert got == value, name
    assert decoded["float32"].dtype == np.float32


def test_a_saved_file_gets_the_usual_permissions(model_file):
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(model_file.stat().st_mode) == 0o666 & ~umask


def test_a_file_without_optimizer_state_is_half_and_predicts_the_same(default_size_model,
                                                                      tmp_path):
    full = save_model(default_size_model, tmp_path / "full.skdann")
    lean = save_model(default_size_model, tmp_path / "lean.skdann", optimizer_state=False)
    assert lean.stat().st_size < 0.55 * full.stat().st_size
    assert lean.stat().st_size < 1.1 * _weight_bytes(default_size_model)
    Xs, ys, Xt, _ = _moons()
    loaded = load_model(lean)
    np.testing.assert_array_equal(loaded.predict_proba(Xt), default_size_model.predict_proba(Xt))
    assert loaded.net_.optimizer_.state_dict()["state"] == {}
    loaded.partial_fit(Xs, ys, X_target=Xt)  # trains on, with a fresh optimizer


def _starting_with_0x80(model_file, path):
    """A copy of ``model_file`` whose header length's first byte is pickle's 0x80."""
    for padding in range(300):
        _rewrite(model_file, path, lambda m: m.update(padding="x" * padding))
        if path.read_bytes()[:1] == b"\x80":
            return path
    raise AssertionError("no padding gave a first byte of 0x80")


def test_the_cli_never_takes_a_damaged_model_file_for_a_pickle(model_file, tmp_path, capsys):
    from sk_dann.cli import main

    np.save(tmp_path / "target.npy", _moons()[2])
    good = _starting_with_0x80(model_file, tmp_path / "good.skdann").read_bytes()
    flipped = bytearray(good)
    flipped[-5] ^= 0xFF
    damaged, truncated = tmp_path / "damaged.skdann", tmp_path / "truncated.skdann"
    damaged.write_bytes(bytes(flipped))
    truncated.write_bytes(good[:len(good) // 3])
    for path, message in [(damaged, "checksum"), (truncated, "truncated")]:
        for extra in ([], ["--allow-pickle"]):
            with pytest.raises(SystemExit):
                main(["predict", "--model", str(path), "--input", str(tmp_path / "target.npy"),
                      "--output", str(tmp_path / "p.csv"), *extra])
            err = capsys.readouterr().err
            assert message in err and "pickle" not in err, err


def test_the_callers_mistakes_are_not_blamed_on_the_file(model_file, tmp_path):
    for params in [dict(lr="fast"), dict(max_epochs=-1), dict(device="bogus"),
                   dict(hidden_layer_sizes=(32,))]:
        with pytest.raises(ValueError) as error:
            load_model(model_file, **params)
        assert not isinstance(error.value, ModelFileError), params
    if torch.cuda.is_available():
        return
    on_gpu = _rewrite(model_file, tmp_path / "gpu.skdann", _edit_record(
        lambda r: r["estimator"]["params"].update(device="cuda")))
    with pytest.raises(ValueError, match="pass device='cpu'") as error:
        load_model(on_gpu)
    assert not isinstance(error.value, ModelFileError)
    assert load_model(on_gpu, device="cpu").device_ == "cpu"


def test_a_model_loads_from_its_bytes(saved):
    from sk_dann.persistence import model_bytes

    model, X, _, _, outputs = saved["pipeline_minmax_pca"]
    data = model_bytes(model)
    np.testing.assert_array_equal(load_model(data).predict_proba(X), outputs["predict_proba"])
    with pytest.raises(ModelFileError, match="the model bytes"):
        load_model(data[:100])


def test_a_zip_is_named_without_pickle_advice(tmp_path):
    np.savez(tmp_path / "data.npz", X=np.zeros(3))
    with pytest.raises(ModelFileError, match="zip archive") as error:
        load_model(tmp_path / "data.npz")
    assert "pickle" not in str(error.value)


def test_the_same_model_gives_the_same_bytes(saved):
    from sk_dann.persistence import model_bytes

    model = saved["pipeline_scaler_bool_labels"][0]
    assert model_bytes(model) == model_bytes(model)


def test_keep_torchs_threads_round_trips_and_an_old_files_minus_one_reads_as_it(tmp_path):
    Xs, ys, Xt, _ = _moons()
    model = DANNClassifier(**{**QUICK, "n_threads": "torch"}).fit(Xs, ys, X_target=Xt)
    save_model(model, tmp_path / "torch.skdann")
    assert load_model(tmp_path / "torch.skdann").n_threads == "torch"
    # A file written before 0.11 spelled it -1: read as "torch", with no
    # deprecation warning about a value the user never wrote.
    old = DANNClassifier(**QUICK).fit(Xs, ys, X_target=Xt)
    old.n_threads = -1
    save_model(old, tmp_path / "old.skdann")
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        loaded = load_model(tmp_path / "old.skdann")
    assert loaded.n_threads == "torch"
    np.testing.assert_array_equal(loaded.predict(Xt), old.predict(Xt))


def test_a_pickle_names_no_class_of_the_data_parallel_module():
    Xs, ys, Xt, _ = _moons()
    model = DANNClassifier(**QUICK).fit(Xs, ys, X_target=Xt)
    data = pickle.dumps(model)
    assert b"ProcessLayout" not in data and b"sk_dann.distributed" not in data
    again = pickle.loads(data)
    np.testing.assert_array_equal(again.predict(Xt), model.predict(Xt))
    again.set_params(warm_start=True).fit(Xs, ys, X_target=Xt)  # trains on after loading
