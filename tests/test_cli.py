"""The sk-dann command line: fit, predict, evaluate on feature files."""
import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sk_dann.cli import main
from sk_dann.datasets import make_domain_moons

FIT = ["--max-epochs", "30", "--lambda-max", "1"]


@pytest.fixture()
def files(tmp_path):
    Xs, ys, Xt, yt = make_domain_moons(n_samples=120, random_state=0)
    names = ["width", "height"]
    source = pd.DataFrame(Xs, columns=names).assign(label=np.where(ys == 1, "up", "down"))
    target = pd.DataFrame(Xt, columns=names).assign(label=np.where(yt == 1, "up", "down"))
    source.to_csv(tmp_path / "source.csv", index=False)
    target.to_csv(tmp_path / "target.csv", index=False)
    np.savez(tmp_path / "source.npz", X=Xs, y=ys)
    np.save(tmp_path / "target.npy", Xt)
    np.save(tmp_path / "target_labels.npy", yt)
    return tmp_path


def test_fit_predict_evaluate_on_csv(files, capsys):
    model, report = files / "model.skdann", files / "report.txt"
    main(["fit", "--source", str(files / "source.csv"), "--target", str(files / "target.csv"),
          "--model", str(model), "--report", str(report), *FIT])
    assert model.is_file() and "classes: down, up" in report.read_text()
    assert "domain_acc=" in capsys.readouterr().out

    out = files / "predictions.csv"
    main(["predict", "--model", str(model), "--input", str(files / "target.csv"),
          "--output", str(out)])
    predictions = pd.read_csv(out)
    assert list(predictions.columns) == ["label", "proba_down", "proba_up"]
    assert len(predictions) == 120 and set(predictions["label"]) <= {"up", "down"}
    np.testing.assert_allclose(predictions[["proba_down", "proba_up"]].sum(axis=1), 1, atol=1e-5)

    capsys.readouterr()
    main(["evaluate", "--model", str(model), "--input", str(files / "target.csv")])
    accuracy = float(capsys.readouterr().out.split()[1])
    truth = pd.read_csv(files / "target.csv")["label"]
    assert accuracy == pytest.approx(np.mean(predictions["label"] == truth), abs=5e-5)


def test_fit_and_evaluate_on_npz_and_npy(files, capsys):
    model = files / "model.skdann"
    main(["fit", "--source", str(files / "source.npz"), "--target", str(files / "target.npy"),
          "--model", str(model), *FIT])
    capsys.readouterr()
    main(["evaluate", "--model", str(model), "--input", str(files / "target.npy"),
          "--labels", str(files / "target_labels.npy")])
    assert 0.5 < float(capsys.readouterr().out.split()[1]) <= 1.0


@pytest.mark.parametrize("argv, message", [
    (["fit", "--source", "missing.csv", "--target", "t.csv", "--model", "m.skdann"],
     "file not found: missing.csv"),
    (["predict", "--model", "nothing.pkl", "--input", "x.csv", "--output", "o.csv"],
     "model file not found: nothing.pkl"),
])
def test_missing_files_are_named(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_missing_label_column_and_feature_columns_are_named(files, capsys):
    with pytest.raises(SystemExit):
        main(["fit", "--source", str(files / "source.csv"), "--target",
              str(files / "target.csv"), "--model", str(files / "m.skdann"),
              "--label-column", "class"])
    assert "column named 'class'" in capsys.readouterr().err
    pd.read_csv(files / "target.csv").drop(columns="height").to_csv(
        files / "narrow.csv", index=False)
    with pytest.raises(SystemExit):
        main(["fit", "--source", str(files / "source.csv"), "--target",
              str(files / "narrow.csv"), "--model", str(files / "m.skdann")])
    assert "missing feature columns ['height']" in capsys.readouterr().err


def test_predict_names_missing_columns_and_reorders_the_rest(files, capsys):
    model = files / "model.skdann"
    main(["fit", "--source", str(files / "source.csv"), "--target", str(files / "target.csv"),
          "--model", str(model), *FIT])
    target = pd.read_csv(files / "target.csv")
    target[["height", "width", "label"]].to_csv(files / "swapped.csv", index=False)
    target.drop(columns="width").to_csv(files / "narrow.csv", index=False)
    main(["predict", "--model", str(model), "--input", str(files / "target.csv"),
          "--output", str(files / "a.csv")])
    main(["predict", "--model", str(model), "--input", str(files / "swapped.csv"),
          "--output", str(files / "b.csv")])
    pd.testing.assert_frame_equal(pd.read_csv(files / "a.csv"), pd.read_csv(files / "b.csv"))
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--model", str(model), "--input", str(files / "narrow.csv")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "missing feature columns ['width'] that the model" in err
    assert err.count("\n") == 1


def test_parquet_round_trip_or_a_clear_message(files, capsys):
    frame = pd.read_csv(files / "source.csv")
    try:
        frame.to_parquet(files / "source.parquet")
        pd.read_csv(files / "target.csv").to_parquet(files / "target.parquet")
    except ImportError:  # no parquet engine: the CLI must say what to install
        (files / "source.parquet").write_bytes(b"PAR1")
        with pytest.raises(SystemExit):
            main(["fit", "--source", str(files / "source.parquet"), "--target",
                  str(files / "source.parquet"), "--model", str(files / "m.skdann")])
        assert "pip install 'sk-dann[parquet]'" in capsys.readouterr().err
        return
    main(["fit", "--source", str(files / "source.parquet"), "--target",
          str(files / "target.parquet"), "--model", str(files / "m.skdann"), *FIT])
    assert (files / "m.skdann").is_file()


def _fails(argv, capsys):
    """Run the CLI, expect exit status 2; return its one-line error."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1, err
    return err


def test_output_paths_are_checked_before_training(files, capsys, monkeypatch):
    import sk_dann

    def no_training(*args, **kwargs):
        raise AssertionError("trained although the output cannot be written")

    monkeypatch.setattr(sk_dann.DANNClassifier, "fit", no_training)
    fit = ["fit", "--source", str(files / "source.csv"), "--target", str(files / "target.csv")]
    err = _fails(fit + ["--model", str(files / "no" / "such" / "m.skdann")], capsys)
    assert "does not exist" in err
    err = _fails(fit + ["--model", str(files), "--report", "r.txt"], capsys)
    assert "is a folder" in err
    err = _fails(fit + ["--model", str(files / "m.skdann"), "--report",
                        str(files / "missing" / "r.txt")], capsys)
    assert "report" in err and "does not exist" in err


def test_a_failed_model_write_keeps_the_trained_model(files, capsys, monkeypatch):
    import sk_dann.cli
    from sk_dann import load_model

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sk_dann.cli.os, "replace", disk_full)
    err = _fails(["fit", "--source", str(files / "source.csv"), "--target",
                  str(files / "target.csv"), "--model", str(files / "m.skdann"), *FIT], capsys)
    assert "No space left on device" in err and "saved to" in err
    saved = err.split("saved to ")[1].split(" instead")[0]
    assert saved.endswith(".skdann") and hasattr(load_model(saved), "predict")
    Path(saved).unlink()
    assert not (files / "m.skdann").exists()
    assert not [name for name in os.listdir(files) if name.startswith(".m.skdann")]


def test_a_file_that_is_no_model_is_named(files, capsys):
    err = _fails(["predict", "--model", str(files / "source.npz"), "--input",
                  str(files / "target.csv"), "--output", str(files / "p.csv")], capsys)
    assert "not an sk_dann model file" in err and "zip archive" in err
    with open(files / "list.pkl", "wb") as handle:
        __import__("pickle").dump([1, 2], handle)
    err = _fails(["evaluate", "--model", str(files / "list.pkl"), "--input",
                  str(files / "target.csv"), "--allow-pickle"], capsys)
    assert "holds a list" in err


def test_evaluate_refuses_labels_that_share_nothing_with_the_classes(files, capsys):
    model = files / "model.skdann"
    main(["fit", "--source", str(files / "source.csv"), "--target", str(files / "target.csv"),
          "--model", str(model), *FIT])
    capsys.readouterr()
    err = _fails(["evaluate", "--model", str(model), "--input", str(files / "target.npy"),
                  "--labels", str(files / "target_labels.npy")], capsys)  # 0/1 vs down/up
    assert "share no value" in err and "down" in err


def test_plus_minus_one_labels_through_the_cli(files, capsys):
    Xs, ys, Xt, yt = make_domain_moons(n_samples=120, random_state=0)
    np.savez(files / "pm_source.npz", X=Xs, y=np.where(ys == 1, 1, -1))
    np.savez(files / "pm_target.npz", X=Xt, y=np.where(yt == 1, 1, -1))
    model = files / "pm.skdann"
    main(["fit", "--source", str(files / "pm_source.npz"), "--target",
          str(files / "pm_target.npz"), "--model", str(model), *FIT])
    assert "classes: -1, 1" in capsys.readouterr().out
    main(["evaluate", "--model", str(model), "--input", str(files / "pm_target.npz")])
    assert 0.6 < float(capsys.readouterr().out.split()[1]) <= 1.0


def test_help_and_version_answer_without_torch():
    code = ("import sys\nfrom sk_dann.cli import main\n"
            "for argv in (['--help'], ['fit', '--help'], ['--version']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "print('torch' in sys.modules, 'skorch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().endswith("False False")
    assert "--batch-size" in out and "--hidden" in out and "sk-dann 0." in out


def test_training_options_reach_the_model_and_the_report(files, capsys):
    from sk_dann import load_model
    model, report = files / "model.skdann", files / "report.txt"
    main(["fit", "--source", str(files / "source.csv"), "--target", str(files / "target.csv"),
          "--model", str(model), "--report", str(report), "--lr", "0.02", "--batch-size",
          "32", "--hidden", "16", "8", "--max-epochs", "5", "--lambda-max", "0.5",
          "--seed", "3"])
    clf = load_model(model)[-1]
    assert (clf.lr, clf.batch_size, clf.hidden_layer_sizes, clf.max_epochs,
            clf.lambda_max, clf.random_state) == (0.02, 32, (16, 8), 5, 0.5, 3)
    text = report.read_text()
    assert "source accuracy on 12 held-out labeled rows" in text  # 10% of 120
    assert "proxy A-distance" in text
    main(["fit", "--source", str(files / "source.csv"), "--target", str(files / "target.csv"),
          "--model", str(model), "--max-epochs", "2", "--holdout", "0"])
    assert "not measured (--holdout 0)" in capsys.readouterr().out


def test_cli_refuses_a_negative_seed_a_non_csv_output_and_missing_labels(files, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", "--source", str(files / "source.csv"), "--target",
              str(files / "target.csv"), "--model", str(files / "m.skdann"), "--seed", "-5"])
    assert exit_info.value.code == 2 and "--seed" in capsys.readouterr().err
    err = _fails(["predict", "--model", str(files / "m.skdann"), "--input",
                  str(files / "target.csv"), "--output", str(files / "p.npz")], capsys)
    assert "give a .csv file name" in err
    frame = pd.read_csv(files / "source.csv")
    frame.loc[[3, 7], "label"] = np.nan
    frame.to_csv(files / "gaps.csv", index=False)
    err = _fails(["fit", "--source", str(files / "gaps.csv"), "--target",
                  str(files / "target.csv"), "--model", str(files / "m.skdann"), *FIT], capsys)
    assert "missing labels" in err


def test_object_label_files_get_a_way_out(files, capsys):
    np.save(files / "object_labels.npy", np.array(["up", "down"] * 60, dtype=object),
            allow_pickle=True)
    err = _fails(["fit", "--source", str(files / "target.npy"), "--labels",
                  str(files / "object_labels.npy"), "--target", str(files / "target.npy"),
                  "--model", str(files / "m.skdann")], capsys)
    assert "labels.astype(str)" in err


# No run destroys a file it reads: outputs equal to inputs are refused, and
# every output is written whole or not at all.

def _forbid_training(monkeypatch):
    import sk_dann

    def no_training(*args, **kwargs):
        raise AssertionError("trained although an output is an input")

    monkeypatch.setattr(sk_dann.DANNClassifier, "fit", no_training)


def _snapshot(folder):
    return {path.name: path.read_bytes() for path in folder.iterdir()
            if path.is_file() and not path.is_symlink()}


@pytest.mark.parametrize("command, output, same_as, link", [
    ("fit", "--model", "--source", None),
    ("fit", "--model", "--target", "hard"),
    ("fit", "--model", "--labels", "soft"),
    ("fit", "--report", "--source", "soft"),
    ("fit", "--report", "--target", None),
    ("predict", "--output", "--input", None),
    ("predict", "--output", "--input", "hard"),
    ("predict", "--output", "--model", "soft"),
])
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(
        files, capsys, monkeypatch, command, output, same_as, link):
    _forbid_training(monkeypatch)
    (files / "old.skdann").write_bytes(b"a model the user keeps")
    inputs = {"fit": {"--source": "source.csv", "--target": "target.csv",
                      "--labels": "target_labels.npy"},
              "predict": {"--model": "old.skdann", "--input": "target.csv"}}[command]
    named = files / inputs[same_as]
    if link == "hard":  # another name for the same file
        os.link(named, files / "link.csv")
        named = files / "link.csv"
    elif link == "soft":
        (files / "link.csv").symlink_to(named)
        named = files / "link.csv"
    argv = [command] + [str(part) for option, name in inputs.items()
                        for part in (option, files / name)]
    if command == "fit" and output == "--report":
        argv += ["--model", str(files / "new.skdann")]
    argv += [output, str(named)]
    before = _snapshot(files)
    err = _fails(argv, capsys)
    assert f"{output} {named} is the same file as the input {same_as}" in err
    assert "give another file name" in err
    assert _snapshot(files) == before  # the input byte-identical, nothing new


@pytest.mark.parametrize("report", ["m.skdann", "./m.skdann", "hard"])
def test_a_report_that_is_the_model_is_refused(files, capsys, monkeypatch, report):
    _forbid_training(monkeypatch)
    model = files / "m.skdann"
    model.write_bytes(b"the previous model")
    if report == "hard":
        os.link(model, files / "hard.txt")
        report = "hard.txt"
    monkeypatch.chdir(files)
    before = _snapshot(files)
    err = _fails(["fit", "--source", "source.csv", "--target", "target.csv",
                  "--model", "m.skdann", "--report", report], capsys)
    assert f"--report {report} is the same file as the output --model m.skdann" in err
    assert _snapshot(files) == before


def test_a_planted_partial_symlink_is_not_written_through(files, capsys):
    from sk_dann import load_model
    victim = files / "victim.txt"
    victim.write_bytes(b"a file the user can write")
    for name in (".m.skdann.partial", "m.skdann.partial", ".r.txt.partial", "r.txt.partial"):
        (files / name).symlink_to(victim)
    main(["fit", "--source", str(files / "source.csv"), "--target", str(files / "target.csv"),
          "--model", str(files / "m.skdann"), "--report", str(files / "r.txt"),
          "--max-epochs", "2"])
    assert victim.read_bytes() == b"a file the user can write"
    assert hasattr(load_model(files / "m.skdann"), "predict")
    assert "model written to" in (files / "r.txt").read_text()


@pytest.mark.parametrize("command", ["fit", "predict"])
def test_an_interrupted_write_leaves_the_old_file_and_no_partial_one(files, capsys,
                                                                     monkeypatch, command):
    output = files / ("m.skdann" if command == "fit" else "p.csv")
    if command == "predict":
        main(["fit", "--source", str(files / "source.csv"), "--target",
              str(files / "target.csv"), "--model", str(files / "model.skdann"),
              "--max-epochs", "2"])
    output.write_bytes(b"the previous output")
    before = _snapshot(files)

    def interrupted(*args):  # Ctrl-C after the bytes, before the rename
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    argv = (["fit", "--source", str(files / "source.csv"), "--target",
             str(files / "target.csv"), "--model", str(output), "--max-epochs", "2"]
            if command == "fit" else
            ["predict", "--model", str(files / "model.skdann"), "--input",
             str(files / "target.csv"), "--output", str(output)])
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 130 and "interrupted" in capsys.readouterr().err
    assert _snapshot(files) == before


@pytest.mark.parametrize("moment", ["on_batch_end", "on_epoch_end"])
def test_ctrl_c_during_training_writes_nothing_and_exits_130(files, capsys, monkeypatch,
                                                             recwarn, moment):
    """The estimator keeps a Ctrl-C'd fit (quietly, where Ctrl-C comes at an
    epoch's end); the command line must not replace the user's model and
    report with a half-trained one."""
    import signal

    import sk_dann
    from skorch.callbacks import Callback

    class CtrlCInEpoch2(Callback):
        def ctrl_c(self, net):
            if len(net.history) == 2 and not getattr(self, "sent_", False):
                self.sent_ = True
                os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C

    setattr(CtrlCInEpoch2, moment, lambda self, net, **kwargs: self.ctrl_c(net))
    classifier = sk_dann.DANNClassifier
    monkeypatch.setattr(sk_dann, "DANNClassifier",
                        lambda **params: classifier(**params, callbacks=[CtrlCInEpoch2()]))
    (files / "m.skdann").write_bytes(b"the previous model")
    (files / "r.txt").write_bytes(b"the previous report")
    before = _snapshot(files)
    # As in a terminal: a test runner started in the background inherits an
    # ignored SIGINT, which sk-dann leaves ignored.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(SystemExit) as exit_info:
            main(["fit", "--source", str(files / "source.csv"), "--target",
                  str(files / "target.csv"), "--model", str(files / "m.skdann"), "--report",
                  str(files / "r.txt"), "--max-epochs", "5"])
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back
    finally:
        signal.signal(signal.SIGINT, previous)
    err = capsys.readouterr().err
    assert exit_info.value.code == 130 and "interrupted" in err
    assert _snapshot(files) == before
    # The estimator's advice to use the interrupted model is not for this user.
    assert not [w for w in recwarn if w.category is sk_dann.InterruptedFitWarning]


@pytest.mark.parametrize("name, message", [
    ("fifo", "is not a regular file (a pipe or a device)"),
    ("-", "writes files, not standard output"),
    ("", "file name is empty"),
    ("sub.csv/", "ends with a separator"),
])
def test_outputs_that_are_no_plain_file_name_are_refused(files, capsys, monkeypatch, name,
                                                         message):
    _forbid_training(monkeypatch)
    monkeypatch.chdir(files)
    if name == "fifo":
        os.mkfifo("fifo")
    for option in ("--report", "--model"):
        argv = ["fit", "--source", "source.csv", "--target", "target.csv",
                "--model", "m.skdann", option, name]
        assert message in _fails(argv, capsys)
    assert message in _fails(["predict", "--model", "m.skdann", "--input", "target.csv",
                              "--output", name], capsys)
    assert not os.path.exists("sub.csv") and not os.path.exists("m.skdann")


def test_a_labels_text_file_holds_one_label_per_line(files, capsys):
    ys = np.load(files / "source.npz")["y"]
    (files / "labels.txt").write_text(
        "\n".join(np.where(ys == 1, " cat one", "#2 dog\r").tolist()) + "\n\n\n")
    main(["fit", "--source", str(files / "target.npy"), "--labels", str(files / "labels.txt"),
          "--target", str(files / "target.npy"), "--model", str(files / "m.skdann"),
          "--max-epochs", "2"])
    assert "classes: #2 dog, cat one" in capsys.readouterr().out


def test_evaluate_text_labels_against_small_integer_classes(files, capsys):
    Xs, ys, Xt, yt = make_domain_moons(n_samples=120, random_state=0)
    np.savez(files / "u8.npz", X=Xs, y=ys.astype(np.uint8))  # image-style labels
    main(["fit", "--source", str(files / "u8.npz"), "--target", str(files / "target.npy"),
          "--model", str(files / "u8.skdann"), *FIT])
    (files / "float.txt").write_text("\n".join(f"{v:.1f}" for v in yt) + "\n")
    (files / "minus.txt").write_text("\n".join(["-1"] + [str(v) for v in yt[1:]]) + "\n")
    capsys.readouterr()
    main(["evaluate", "--model", str(files / "u8.skdann"), "--input",
          str(files / "target.npy"), "--labels", str(files / "float.txt")])  # "1.0"
    exact = float(capsys.readouterr().out.split()[1])
    assert exact > 0.6
    main(["evaluate", "--model", str(files / "u8.skdann"), "--input",
          str(files / "target.npy"), "--labels", str(files / "minus.txt")])
    out, err = capsys.readouterr()
    assert "1 rows have labels the model does not know ([-1.0])" in err
    assert abs(float(out.split()[1]) - exact) <= 1 / 120 + 1e-9


def test_evaluate_reads_plus_one_text_labels_as_the_numbers_they_are(files, capsys):
    Xs, ys, Xt, yt = make_domain_moons(n_samples=120, random_state=0)
    np.savez(files / "pm_source.npz", X=Xs, y=np.where(ys == 1, 1, -1))
    np.save(files / "pm_target.npy", Xt)
    np.save(files / "pm_labels.npy", np.where(yt == 1, 1, -1))
    (files / "pm_labels.txt").write_text("\n".join(np.where(yt == 1, "+1", "-1")) + "\n")
    main(["fit", "--source", str(files / "pm_source.npz"), "--target",
          str(files / "pm_target.npy"), "--model", str(files / "pm.skdann"), *FIT])
    accuracies = []
    for labels in ("pm_labels.npy", "pm_labels.txt"):
        capsys.readouterr()
        main(["evaluate", "--model", str(files / "pm.skdann"), "--input",
              str(files / "pm_target.npy"), "--labels", str(files / labels)])
        out, err = capsys.readouterr()
        accuracies.append(float(out.split()[1]))
        assert "warning" not in err
    assert accuracies[0] == accuracies[1] > 0.6


def test_a_full_disk_leaves_the_old_predictions_and_no_partial_file(files, capsys):
    """A real failed write: the file-size limit (as a full disk) stops it midway."""
    model, output = files / "model.skdann", files / "p.csv"
    main(["fit", "--source", str(files / "source.csv"), "--target", str(files / "target.csv"),
          "--model", str(model), "--max-epochs", "2"])
    output.write_bytes(b"the previous predictions")
    before = _snapshot(files)
    code = ("import resource, signal, sys\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))\n"
            "from sk_dann.cli import main\n"
            "main(sys.argv[1:])\n")
    done = subprocess.run([sys.executable, "-c", code, "predict", "--model", str(model),
                           "--input", str(files / "target.csv"), "--output", str(output)],
                          capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert f"cannot write the output {output}: File too large" in done.stderr
    assert _snapshot(files) == before


def test_labels_with_commas_quotes_and_line_breaks_round_trip(files, capsys):
    classes = ['a,b', 'say "hi"\nand\r\nbye']
    frame = pd.read_csv(files / "source.csv")
    frame["label"] = np.where(frame["label"] == "up", classes[0], classes[1])
    frame.to_csv(files / "odd.csv", index=False)
    model, output = files / "odd.skdann", files / "p.csv"
    main(["fit", "--source", str(files / "odd.csv"), "--target", str(files / "target.csv"),
          "--model", str(model), "--max-epochs", "5", "--holdout", "0"])
    main(["predict", "--model", str(model), "--input", str(files / "target.csv"),
          "--output", str(output)])
    predictions = pd.read_csv(output)
    assert list(predictions.columns) == ["label"] + [f"proba_{c}" for c in sorted(classes)]
    assert len(predictions) == 120 and set(predictions["label"]) <= set(classes)
    with open(output, newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 121 and {len(row) for row in rows} == {3}
    assert [row[0] for row in rows[1:]] == predictions["label"].tolist()


@pytest.mark.parametrize("version", ["14.0.0", "13.0.0", "14.0.1.dev12", "14.0.1rc1"])
def test_parquet_is_not_read_through_a_vulnerable_pyarrow(files, capsys, monkeypatch, version):
    import types
    (files / "source.parquet").write_bytes(b"PAR1 crafted")
    monkeypatch.setitem(sys.modules, "pyarrow", types.SimpleNamespace(__version__=version))
    err = _fails(["fit", "--source", str(files / "source.parquet"), "--target",
                  str(files / "target.csv"), "--model", str(files / "m.skdann")], capsys)
    assert f"pyarrow {version}" in err and "CVE-2023-47248" in err
    assert "pyarrow>=14.0.1" in err


@pytest.mark.parametrize("version", ["14.0.1", "14.0.1.post1", "14.0.1+local", "15.0.0rc1",
                                     "26.0.1"])
def test_a_safe_pyarrow_is_accepted(files, monkeypatch, version):
    import types

    from sk_dann.cli import _check_pyarrow
    monkeypatch.setitem(sys.modules, "pyarrow", types.SimpleNamespace(__version__=version))
    _check_pyarrow(files / "any.parquet")  # no error


def test_a_pyarrow_that_pandas_refuses_is_one_line(files, capsys, monkeypatch):
    pytest.importorskip("pyarrow", minversion="14.0.1")
    pd.read_csv(files / "source.csv").to_parquet(files / "source.parquet")

    def refused(*args, **kwargs):  # what pandas raises for a pyarrow it does not support
        raise ImportError("Pandas requires version '99.0.0' or newer of 'pyarrow'")

    monkeypatch.setattr(pd, "read_parquet", refused)
    err = _fails(["fit", "--source", str(files / "source.parquet"), "--target",
                  str(files / "target.csv"), "--model", str(files / "m.skdann")], capsys)
    assert str(files / "source.parquet") in err and "newer of 'pyarrow'" in err


def test_the_parquet_extra_requires_a_safe_pyarrow():
    tomllib = pytest.importorskip("tomllib")
    with open(Path(__file__).parents[1] / "pyproject.toml", "rb") as handle:
        extras = tomllib.load(handle)["project"]["optional-dependencies"]
    assert "pyarrow>=14.0.1" in extras["parquet"]


def test_help_says_what_is_refused_and_why(capsys):
    for argv in (["--help"], ["fit", "--help"], ["predict", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        text = " ".join(capsys.readouterr().out.split())
        assert "same file as an input" in text and "refused with exit status 2" in text
        assert "would destroy what the run reads" in text
        assert "renamed into place" in text and "CVE-2023-47248" in text


class _CreatesAFileWhenUnpickled:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return open, (str(self.path), "w")


@pytest.mark.parametrize("where", ["npz X", "npz y", "npy X", "--labels npy", "--labels npz"])
def test_object_arrays_are_refused_never_unpickled(files, capsys, monkeypatch, where):
    _forbid_training(monkeypatch)
    marker = files / "code_ran"
    objects = np.array([_CreatesAFileWhenUnpickled(marker)] * 120, dtype=object)
    Xs = np.load(files / "source.npz")["X"]
    source, labels = files / "source.npz", []
    if where == "npz X":
        np.savez(files / "bad.npz", X=objects, y=np.zeros(120))
        source = files / "bad.npz"
    elif where == "npz y":
        np.savez(files / "bad.npz", X=Xs, y=objects)
        source = files / "bad.npz"
    elif where == "npy X":
        np.save(files / "bad.npy", objects)
        source, labels = files / "bad.npy", ["--labels", str(files / "target_labels.npy")]
    else:
        bad = files / ("bad.npy" if where.endswith("npy") else "bad.npz")
        np.save(bad, objects) if bad.suffix == ".npy" else np.savez(bad, y=objects)
        source, labels = files / "target.npy", ["--labels", str(bad)]
    err = _fails(["fit", "--source", str(source), "--target", str(files / "target.npy"),
                  "--model", str(files / "m.skdann"), *labels], capsys)
    what = "features" if where.endswith("X") else "labels"
    assert f"the {what} are stored as Python objects (a pickle), which are never read" in err
    assert ("X.astype(np.float32)" if what == "features" else "labels.astype(str)") in err
    assert not marker.exists()



@pytest.mark.parametrize("content, message", [
    (b"", "cannot be read as a NumPy file (EOFError"),
    (b"hello\n1 2 3\n", "not a NumPy file (neither .npy nor .npz), and a pickle is never"),
    ("truncated", "is it damaged or cut short?"),
    (b"PK\x03\x04garbage", "cannot be read as a NumPy file (BadZipFile"),
    ("npy as npz", "one array, not an .npz archive"),
])
@pytest.mark.parametrize("role", ["features", "labels"])
def test_unreadable_numpy_files_are_one_line(files, capsys, monkeypatch, content, message,
                                             role):
    _forbid_training(monkeypatch)
    if content == "truncated":
        np.save(files / "whole.npy", np.arange(100.0))
        content = (files / "whole.npy").read_bytes()[:200]
    elif content == "npy as npz":
        np.save(files / "whole.npy", np.arange(120))
        content = (files / "whole.npy").read_bytes()
    suffix = ".npz" if message.startswith(("one array", "cannot be read as a NumPy file (Bad")) \
        else ".npy"
    bad = files / f"bad{suffix}"
    bad.write_bytes(content)
    source, labels = ((bad, []) if role == "features" else
                      (files / "target.npy", ["--labels", str(bad)]))
    if role == "features" and suffix == ".npy":
        labels = ["--labels", str(files / "target_labels.npy")]
    err = _fails(["fit", "--source", str(source), "--target", str(files / "target.npy"),
                  "--model", str(files / "m.skdann"), *labels], capsys)
    assert str(bad) in err and message in err


def test_an_ignored_sigint_stays_ignored(files, capsys, monkeypatch):
    """A background job (`sk-dann fit ... &` in a script) ignores Ctrl-C; the
    command line does not start listening to it."""
    import signal

    import sk_dann
    from skorch.callbacks import Callback

    class SigintInEpoch2(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                os.kill(os.getpid(), signal.SIGINT)

    classifier = sk_dann.DANNClassifier
    monkeypatch.setattr(sk_dann, "DANNClassifier",
                        lambda **params: classifier(**params, callbacks=[SigintInEpoch2()]))
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        main(["fit", "--source", str(files / "source.csv"), "--target",
              str(files / "target.csv"), "--model", str(files / "m.skdann"),
              "--max-epochs", "4"])
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert len(sk_dann.load_model(files / "m.skdann", callbacks=None)[-1].history_) == 4


def test_n_threads_takes_a_count_or_torch_and_refuses_the_rest(capsys):
    from sk_dann.cli import build_parser
    base = ["fit", "--source", "s.csv", "--target", "t.csv", "--model", "m.skdann"]
    parser = build_parser()
    assert parser.parse_args([*base, "--n-threads", "torch"]).n_threads == "torch"
    assert parser.parse_args([*base, "--n-threads", "2"]).n_threads == 2
    for bad in ("0", "-3", "all"):
        with pytest.raises(SystemExit):
            parser.parse_args([*base, "--n-threads", bad])
        assert "thread count >= 1 or 'torch'" in capsys.readouterr().err
