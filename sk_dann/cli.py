"""``sk-dann``: fit, predict and evaluate from feature files on the command line.

    sk-dann fit --source src.csv --target tgt.csv --model model.skdann
    sk-dann predict --model model.skdann --input tgt.csv --output predictions.csv
    sk-dann evaluate --model model.skdann --input labeled_tgt.csv

Feature files: ``.npz`` (arrays ``X`` and, where labels are needed, ``y``),
``.npy`` (features only; labels from ``--labels``), ``.csv`` and ``.parquet``
(one column per feature; labels in the column named by ``--label-column``,
default ``label``). The model is a scikit-learn Pipeline, ``StandardScaler``
then ``DANNClassifier``, or with ``--no-scaler`` a bare ``DANNClassifier``,
written in sk_dann's safe format (:mod:`sk_dann.persistence`: data only,
loading runs no code from the file). ``fit --pickle`` writes a pickle instead,
which ``predict`` and ``evaluate`` read only with ``--allow-pickle``: a pickle
runs code when loaded, so load only files you trust.

No run destroys a file it reads: an output that is the same file as an input
or as another output is refused before any work (:data:`SAFETY`), and every
output is written whole or not at all (:func:`sk_dann._atomic_write.write_atomically`).
"""
import argparse
import contextlib
import csv
import io
import os
import pickle
import re
import sys
import signal
import tempfile
import threading
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ._atomic_write import write_atomically

__all__ = [
    "build_parser",
    "main",
]

FORMATS = (".npz", ".npy", ".csv", ".parquet")

#: pyarrow before 14.0.1 runs code from a crafted parquet file (CVE-2023-47248).
MIN_PYARROW = (14, 0, 1)

#: What every command refuses and why: the end of ``sk-dann --help``.
SAFETY = """\
files: an output (fit --model and --report, predict --output) that is the same
file as an input (--source, --target, --labels, --model, --input) or as the
other output is refused with exit status 2 before any work, a link to the
file included: writing it would destroy what the run reads. So is an output
that is a pipe, a device or '-'. Outputs are written to a new temporary file
in the same folder and renamed into place, keeping the old file's
permissions, so a full disk leaves the old file as it was and no partial
file; Ctrl-C (exit status 130), during training too, writes nothing more. An
existing output that is no input is replaced. Model files are data only; a
pickle is written only with --pickle and read only with --allow-pickle,
because loading a pickle runs code. .parquet files are read only through
pyarrow >= 14.0.1 (older versions run code from a crafted file,
CVE-2023-47248)."""


class InputError(Exception):
    """A problem with the user's files: reported as one line, exit status 2."""


def _read_features(path, label_column="label", labels_path=None, need_labels=False):
    """Return ``(X, y)`` from a feature file; ``y`` is None when absent."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"{path}: unknown format {suffix!r}; use one of {', '.join(FORMATS)}")
    if suffix == ".npz":
        X, y = _read_npz(path, ("X", "y"), required="X")
    elif suffix == ".npy":
        X, y = _read_npy(path, "features"), None
    else:
        X, y = _read_table(path, suffix, label_column)
    if labels_path is not None:
        y = _read_labels(labels_path)
    if need_labels and y is None:
        where = {".npz": "an array named 'y'", ".npy": "a --labels file",
                 ".csv": f"a column named {label_column!r} (--label-column)",
                 ".parquet": f"a column named {label_column!r} (--label-column)"}[suffix]
        raise InputError(f"{path}: labels are needed; give them as {where}")
    if y is not None and len(y) != len(X):
        raise InputError(f"{path}: {len(X)} rows of features but {len(y)} labels")
    return X, y


def _read_labels(path):
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    if path.suffix.lower() == ".npy":
        return _read_npy(path, "labels")
    if path.suffix.lower() == ".npz":
        (y,) = _read_npz(path, ("y",), required="y")
        return y
    # One label per line (spaces inside it and '#' included); surrounding
    # white space and blank lines are not labels.
    try:
        lines = path.read_text().split("\n")
        return np.array([line.strip() for line in lines if line.strip()])
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not a text file of labels (one per line); give "
                         "labels as .npy, .npz (array y) or text") from error


def _objects_refused(path, what):
    fix = ("as numbers: np.save(path, X.astype(np.float32))" if what == "features" else
           "as strings: np.save(path, labels.astype(str)), or one label per line in a "
           "text file")
    return InputError(f"{path}: the {what} are stored as Python objects (a pickle), which "
                      f"are never read: loading a pickle can run code. Save them {fix}")


def _numpy_error(path, what, error):
    """One InputError for whatever ``np.load(..., allow_pickle=False)`` raised."""
    if "Object arrays" in str(error):  # numpy's words for an object array
        return _objects_refused(path, what)
    if "pickled" in str(error):  # neither .npy nor .npz: numpy would unpickle it
        return InputError(f"{path}: not a NumPy file (neither .npy nor .npz), and a "
                          "pickle is never loaded: it could run code")
    return InputError(f"{path}: cannot be read as a NumPy file ({type(error).__name__}: "
                      f"{error}); is it damaged or cut short?")


# What np.load raises on a file it cannot read: ValueError (an object array, a
# pickle, too little data), EOFError (empty), BadZipFile (a damaged .npz).
_NUMPY_ERRORS = (ValueError, EOFError, zipfile.BadZipFile)


def _read_npy(path, what):
    try:
        array = np.load(path, allow_pickle=False)
    except _NUMPY_ERRORS as error:
        raise _numpy_error(path, what, error) from error
    if not isinstance(array, np.ndarray):
        array.close()
        raise InputError(f"{path}: an .npz archive under an .npy name; rename it to .npz")
    return array


def _read_npz(path, names, required):
    """Arrays ``names`` of an .npz file, read from one opening of the archive;
    None for one that is absent, unless it is ``required``."""
    try:
        archive = np.load(path, allow_pickle=False)
    except _NUMPY_ERRORS as error:
        raise _numpy_error(path, "features" if required == "X" else "labels",
                           error) from error
    if isinstance(archive, np.ndarray):
        raise InputError(f"{path}: one array, not an .npz archive of named arrays X and "
                         "y; rename it to .npy (labels then come from --labels)")
    with archive:
        if required not in archive.files:
            raise InputError(f"{path}: no array named {required!r} (found: "
                             f"{', '.join(archive.files) or 'none'})")
        arrays = []
        for name in names:
            try:
                arrays.append(archive[name] if name in archive.files else None)
            except _NUMPY_ERRORS as error:
                raise _numpy_error(path, "features" if name == "X" else "labels",
                                   error) from error
        return arrays


def _read_table(path, suffix, label_column):
    try:
        import pandas as pd
    except ImportError as error:
        raise InputError(f"{path}: reading {suffix} files needs pandas "
                         "(pip install pandas)") from error
    if suffix == ".parquet":
        _check_pyarrow(path)
        try:
            frame = pd.read_parquet(path, engine="pyarrow")
        except ImportError as error:  # a pyarrow this pandas does not accept
            raise InputError(f"{path}: {error}") from error
    else:
        frame = pd.read_csv(path)
    y = None
    if label_column in frame.columns:
        y = frame.pop(label_column).to_numpy()
    return frame, y


def _check_pyarrow(path):
    """Refuse to read ``path`` without a pyarrow that is safe on untrusted files."""
    install = "pip install 'sk-dann[parquet]' (or 'pyarrow>=14.0.1')"
    try:
        import pyarrow
    except ImportError as error:
        raise InputError(f"{path}: reading parquet needs pyarrow >= 14.0.1: "
                         f"{install}") from error
    numbers = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+))?(.*)", pyarrow.__version__)
    version = (0,)
    if numbers:
        # A pre-release (14.0.1.dev12, 14.0.1rc1) comes before its release; a
        # post-release or local build (14.0.1.post1, 14.0.1+local) does not.
        pre = re.match(r"[.-]?(dev|a|b|c|rc|alpha|beta|pre|preview)", numbers.group(4),
                       re.IGNORECASE)
        version = tuple(int(n or 0) for n in numbers.groups()[:3]) + ((0,) if pre else (1,))
    if version < MIN_PYARROW + (1,):
        raise InputError(f"{path}: not read with pyarrow {pyarrow.__version__}, which runs "
                         "code from a crafted parquet file (CVE-2023-47248); upgrade it: "
                         f"{install}")


def _select_columns(X, names, path, owner):
    """``X``'s columns named ``names``, in that order; a clear error if any is missing."""
    if not hasattr(X, "columns"):
        return X
    missing = [c for c in names if c not in X.columns]
    if missing:
        raise InputError(f"{path}: missing feature columns {list(missing)[:10]} "
                         f"that {owner} has")
    return X[list(names)]


def _model_columns(model, X, path):
    names = getattr(model, "feature_names_in_", None)
    return X if names is None else _select_columns(X, names, path, "the model")


def _load_model(path, allow_pickle=False):
    from .exceptions import ModelFileError
    from .persistence import load_model, looks_like_pickle

    path = Path(path)
    if path.is_dir():
        raise InputError(f"--model {path} is a folder, not a model file")
    if not path.is_file():
        raise InputError(f"model file not found: {path}")
    try:
        model = load_model(path)
    except TypeError as error:  # a model that needs what the command line cannot give
        raise InputError(f"{error} The command line cannot pass them: load this model in "
                         "Python with sk_dann.load_model") from error
    except ModelFileError as error:
        if not looks_like_pickle(path.read_bytes()):
            raise InputError(str(error)) from error
        if not allow_pickle:
            raise InputError(
                f"{path} is a pickle, not an sk_dann model file (the safe format that "
                "sk-dann fit writes). If you trust whoever made it, add --allow-pickle: a "
                "pickle runs code when loaded, so load only files you trust") from error
        try:
            with path.open("rb") as handle:
                model = pickle.load(handle)
        except Exception as error:  # whatever unpickling a non-model file raises
            raise InputError(f"{path}: not a model file written by sk-dann fit "
                             f"({type(error).__name__}: {error})") from error
    if not (hasattr(model, "predict") and hasattr(model, "classes_")):
        from .pipeline import final_estimator
        final = final_estimator(model)
        raise InputError(f"{path}: holds a {type(final).__name__}"
                         + (" (in a Pipeline)" if final is not model else "")
                         + ", not a classifier; sk-dann predict and evaluate need one")
    return model


def _check_writable(path, what):
    """Fail before any work when ``path`` cannot be written as a file."""
    if not path.strip():
        raise InputError(f"the {what} file name is empty; give a file name")
    if path.endswith(("/", os.sep)):
        raise InputError(f"{what} {path} ends with a separator, so it names a folder; "
                         "give a file name")
    if path == "-":
        raise InputError(f"{what} '-': sk-dann writes files, not standard output; give a "
                         "file name")
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError(f"{what} {path} is a folder; give a file name")
    if path.exists() and not path.is_file():
        # A pipe or a device (/dev/stdout): an output is replaced whole by a
        # new file, which would remove it rather than write into it.
        raise InputError(f"{what} {path} is not a regular file (a pipe or a device); "
                         "sk-dann writes outputs as files: give a file name")
    if not parent.is_dir():
        raise InputError(f"cannot write the {what} {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"cannot write the {what} {path}: permission denied; choose a "
                         "folder you can write to, or change its permissions")


def _same_file(path, other):
    """Whether two paths name one file: the same resolved path (links
    followed), or ``os.path.samefile`` where both exist (a hard link)."""
    try:
        if Path(path).resolve() == Path(other).resolve():
            return True
    except (OSError, RuntimeError):  # a symlink loop
        if os.path.abspath(path) == os.path.abspath(other):
            return True
    try:
        return os.path.samefile(path, other)
    except OSError:  # one of them does not exist (yet)
        return False


def _refuse_overwriting(outputs, inputs):
    """Exit before any work when an output is the same file as an input or as
    another output. ``outputs`` and ``inputs`` are ``(option, path)`` pairs;
    a path of None (an option not given) is skipped."""
    earlier = []
    for option, path in outputs:
        if path is None:
            continue
        for other_option, other, role in [(o, p, "input") for o, p in inputs
                                          if p is not None] + earlier:
            if _same_file(path, other):
                raise InputError(
                    f"{option} {path} is the same file as the {role} {other_option} "
                    f"{other}; writing it would destroy that {role}: give another file "
                    "name")
        earlier.append((option, path, "output"))


def _write_output(path, data, what):
    """Write ``data`` to ``path`` whole or not at all; a failure is one line."""
    try:
        write_atomically(path, data)
    except OSError as error:
        raise InputError(f"cannot write the {what} {path}: {error.strerror or error}; "
                         f"{path} was left as it was") from error


def _write_model(model, path, as_pickle=False):
    """Write ``model`` to ``path`` whole or not at all (the safe format, or a
    pickle); if that fails (a full disk, say), save it in the temporary
    folder rather than lose the training."""
    from .persistence import model_bytes

    data = pickle.dumps(model) if as_pickle else model_bytes(model)
    try:
        return write_atomically(path, data)
    except OSError as error:
        reason = error.strerror or str(error)
        rescue = None
        try:
            handle, rescue = tempfile.mkstemp(prefix="sk-dann-model-",
                                              suffix=".pkl" if as_pickle else ".skdann")
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
        except BaseException as rescue_error:  # Ctrl-C too: no partial rescue file
            if rescue is not None:
                Path(rescue).unlink(missing_ok=True)
            if not isinstance(rescue_error, OSError):
                raise
            raise InputError(f"cannot write the model {path}: {reason}; the temporary "
                             "folder is not writable either, so the trained model is "
                             "lost") from error
        raise InputError(f"cannot write the model {path}: {reason}; the trained model "
                         f"was saved to {rescue} instead") from error


def _hold_out(X_source, y_source, args):
    """``X_source, y_source`` split into the rows to train on and the
    ``--holdout`` fraction held out (stratified where every class allows);
    the held-out pair is ``None, None`` for ``--holdout 0``."""
    from sklearn.model_selection import train_test_split
    from sklearn.utils import _safe_indexing

    if not 0 <= args.holdout < 1:
        raise InputError(f"--holdout must be in [0, 1); got {args.holdout}")
    if args.holdout == 0:
        return X_source, y_source, None, None
    rows = np.arange(len(y_source))
    try:
        rows, heldout = train_test_split(rows, test_size=args.holdout, stratify=y_source,
                                         random_state=args.random_state)
    except ValueError:  # a class too small to stratify
        rows, heldout = train_test_split(rows, test_size=args.holdout,
                                         random_state=args.random_state)
    y_source = np.asarray(y_source)
    return (_safe_indexing(X_source, rows), y_source[rows],
            _safe_indexing(X_source, heldout), y_source[heldout])


def _fit(args):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from . import DANNClassifier
    from .domains import stack_rows
    from .model_selection import proxy_a_distance

    _refuse_overwriting([("--model", args.model), ("--report", args.report)],
                        [("--source", args.source), ("--target", args.target),
                         ("--labels", args.labels)])
    for path, what in [(args.model, "model"), (args.report, "report")]:
        if path is not None:
            _check_writable(path, what)
    X_source, y_source = _read_features(args.source, args.label_column, args.labels,
                                       need_labels=True)
    X_target, _ = _read_features(args.target, args.label_column)  # target labels unused
    if hasattr(X_source, "columns"):
        X_target = _select_columns(X_target, X_source.columns, args.target, "the source file")
    X_source, y_source, X_heldout, y_heldout = _hold_out(X_source, y_source, args)
    classifier = DANNClassifier(lambda_max=args.lambda_max, max_epochs=args.max_epochs,
                                lr=args.lr, batch_size=args.batch_size,
                                hidden_layer_sizes=tuple(args.hidden),
                                n_threads=args.n_threads,
                                random_state=args.random_state, verbose=args.verbose)
    start = time.perf_counter()
    # The target goes in as X_target, not packed with y == -1, so that -1 can
    # be a class ({-1, +1} labels); the scaler is fitted on both domains.
    with _stop_after_ctrl_c():
        if args.no_scaler:
            model = classifier.fit(X_source, y_source, X_target=X_target)
        else:
            scaler = StandardScaler().fit(stack_rows(X_source, X_target))
            classifier.fit(scaler.transform(X_source), y_source,
                           X_target=scaler.transform(X_target))
            model = Pipeline([("standardscaler", scaler), ("dannclassifier", classifier)])
    seconds = time.perf_counter() - start
    _write_model(model, args.model, as_pickle=args.pickle)
    history = classifier.history_
    distance = proxy_a_distance(model.transform(X_source), model.transform(X_target),
                                random_state=args.random_state)
    heldout = ("source accuracy: not measured (--holdout 0)" if X_heldout is None else
               f"source accuracy on {len(y_heldout)} held-out labeled rows: "
               f"{np.mean(model.predict(X_heldout) == y_heldout):.4f}")
    report = "\n".join([
        f"sk-dann fit: {args.source} (source, {len(y_source)} labeled rows) -> "
        f"{args.target} (target, {len(X_target)} unlabeled rows)",
        f"classes: {', '.join(map(str, classifier.classes_))}",
        f"lambda_max={args.lambda_max}, lr={args.lr}, batch_size={args.batch_size}, "
        f"hidden={tuple(args.hidden)}, max_epochs={args.max_epochs}, "
        f"seed={args.random_state}, device={classifier.device_}",
        f"last epoch: label_loss={history[-1, 'label_loss']:.4f}, "
        f"domain_loss={history[-1, 'domain_loss']:.4f}, "
        f"domain_acc={history[-1, 'domain_acc']:.3f} (near 0.5: domain-invariant features)",
        heldout,
        f"proxy A-distance between source and target in the learned features: "
        f"{distance:.3f} (0: indistinguishable, 2: separable)",
        f"fit time: {seconds:.1f} s; model written to {args.model}",
    ])
    print(report)
    if args.report is not None:
        # Checked again now that the model exists: on a case-insensitive file
        # system two names that differ only in case are one file.
        if _same_file(args.report, args.model):
            raise InputError(f"--report {args.report} is the same file as the model "
                             f"{args.model} just written; the report is not written")
        _write_output(args.report, (report + "\n").encode(), "report")


@contextlib.contextmanager
def _stop_after_ctrl_c():
    """Stop the command after the block when Ctrl-C was pressed in it.

    The estimator catches Ctrl-C to keep a usable model of the finished
    epochs (skorch ends training quietly; a warning says so only when an
    epoch was cut short). The command line must not write such a
    half-trained model over the old one, so it notes SIGINT itself.
    """
    pressed = []

    def note_and_interrupt(signum, frame):
        pressed.append(signum)
        signal.default_int_handler(signum, frame)  # raises KeyboardInterrupt

    from .exceptions import InterruptedFitWarning

    previous = None
    # Only the main thread receives signals; an ignored SIGINT (a background
    # job) stays ignored.
    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        previous = signal.signal(signal.SIGINT, note_and_interrupt)
    try:
        with warnings.catch_warnings():
            # Its advice (use the model, call partial_fit) is for Python; here
            # the one line of main says what happened.
            warnings.simplefilter("ignore", InterruptedFitWarning)
            yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


def _seed(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0; got {value}")
    return value


def _n_threads(text):
    if text == "torch":
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1 and value != -1:  # -1: the deprecated spelling of "torch"; fit warns
        raise argparse.ArgumentTypeError(f"must be a thread count >= 1 or 'torch'; got {text!r}")
    return value


def _predict(args):
    _refuse_overwriting([("--output", args.output)],
                        [("--model", args.model), ("--input", args.input)])
    _check_writable(args.output, "output")
    if Path(args.output).suffix.lower() not in (".csv", ".txt"):
        raise InputError(f"--output {args.output}: predictions are written as CSV; give a "
                         ".csv file name")
    model = _load_model(args.model, args.allow_pickle)
    X, _ = _read_features(args.input, args.label_column)
    X = _model_columns(model, X, args.input)
    labels, proba = model.predict(X), model.predict_proba(X)
    # The csv module quotes a label holding a comma, a quote or a line break,
    # so every row keeps its columns.
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["label"] + [f"proba_{c}" for c in model.classes_])
    writer.writerows([str(label)] + [f"{p:.6g}" for p in row]
                     for label, row in zip(labels, proba))
    _write_output(args.output, text.getvalue().encode(), "output")
    print(f"wrote {len(labels)} predictions to {args.output}")


def _evaluate(args):
    from sklearn.metrics import accuracy_score

    model = _load_model(args.model, args.allow_pickle)
    X, y = _read_features(args.input, args.label_column, args.labels, need_labels=True)
    predicted = model.predict(_model_columns(model, X, args.input))
    classes = model.classes_
    y = np.asarray(y)
    if y.dtype.kind in "US" and classes.dtype.kind in "iuf":
        # Labels read from text ("+1", "1.0") against numeric classes: compared
        # as numbers (float64: no wrap-around into an unsigned class dtype).
        try:
            y = y.astype(np.float64)
            predicted, classes = predicted.astype(np.float64), classes.astype(np.float64)
        except ValueError:  # not all numbers: compared as strings below
            pass
    if y.dtype.kind != classes.dtype.kind:
        # Labels read back from text: compare as strings.
        y, predicted, classes = y.astype(str), predicted.astype(str), classes.astype(str)
    unknown = sorted(set(y.tolist()) - set(classes.tolist()), key=str)
    if len(unknown) == len(set(y.tolist())):
        raise InputError(
            f"{args.input}: its labels {unknown[:10]} share no value with the model's "
            f"classes {classes.tolist()[:10]}; check --label-column and that the file "
            "is labeled like the source")
    if unknown:
        print(f"sk-dann evaluate: warning: {int(np.isin(y, unknown).sum())} rows have "
              f"labels the model does not know ({unknown[:10]}); they count as errors",
              file=sys.stderr)
    print(f"accuracy: {accuracy_score(y, predicted):.4f} on {len(y)} rows of {args.input}")


def build_parser():
    from ._version import __version__

    parser = argparse.ArgumentParser(
        prog="sk-dann", description="Domain-adversarial training on feature files.",
        epilog=SAFETY, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"sk-dann {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    raw = argparse.RawDescriptionHelpFormatter

    def common(sub):
        sub.add_argument("--label-column", default="label",
                         help="label column of .csv/.parquet files (default: label)")
        return sub

    sub = common(commands.add_parser(
        "fit", help="fit on labeled source, unlabeled target", epilog=SAFETY,
        formatter_class=raw))
    sub.add_argument("--source", required=True, help="source features and labels")
    sub.add_argument("--target", required=True, help="target features (labels ignored)")
    sub.add_argument("--labels",
                     help="source labels of .npy features (.npy, .npz array y, or text)")
    sub.add_argument("--model", required=True,
                     help="model file to write (.skdann: sk_dann's safe format, data only); "
                          "not an input file")
    sub.add_argument("--pickle", action="store_true",
                     help="write a pickle instead (read back only with --allow-pickle)")
    sub.add_argument("--report",
                     help="also write the fit report to this file (not an input, not --model)")
    sub.add_argument("--lambda-max", type=float, default=0.3,
                     help="final strength of the reversed domain gradient (default: 0.3)")
    sub.add_argument("--lr", type=float, default=0.01, help="initial learning rate (0.01)")
    sub.add_argument("--batch-size", type=int, default=64,
                     help="rows per step, half source, half target (64)")
    sub.add_argument("--hidden", type=int, nargs="+", default=[256], metavar="WIDTH",
                     help="hidden layer widths of the feature extractor (256)")
    sub.add_argument("--max-epochs", type=int, default=100, help="epochs (100)")
    sub.add_argument("--seed", "--random-state", dest="random_state", type=_seed, default=0,
                     help="random seed, an integer >= 0 (0)")
    sub.add_argument("--n-threads", type=_n_threads, default=None,
                     help="CPU threads for the fit: a count, or 'torch' for torch's own "
                          "setting (default: the idle CPUs)")
    sub.add_argument("--holdout", type=float, default=0.1,
                     help="share of labeled source rows held out of training to report "
                          "the source accuracy (0.1; 0 trains on all)")
    sub.add_argument("--no-scaler", action="store_true", help="skip the StandardScaler")
    sub.add_argument("--verbose", type=int, default=0)
    sub.set_defaults(run=_fit)

    def model_file(sub):
        sub.add_argument("--model", required=True,
                         help="model file written by sk-dann fit (the safe format)")
        sub.add_argument("--allow-pickle", action="store_true",
                         help="also read a pickled model: a pickle runs code when loaded, "
                              "so load only files you trust")

    sub = common(commands.add_parser(
        "predict", help="write labels and probabilities", epilog=SAFETY,
        formatter_class=raw))
    model_file(sub)
    sub.add_argument("--input", required=True)
    sub.add_argument("--output", required=True,
                     help="CSV file to write: label, proba_<class>... (not an input file)")
    sub.set_defaults(run=_predict)

    sub = common(commands.add_parser(
        "evaluate", help="accuracy on a labeled file", epilog=SAFETY, formatter_class=raw))
    model_file(sub)
    sub.add_argument("--input", required=True)
    sub.add_argument("--labels",
                     help="labels of .npy features (.npy, .npz array y, or text)")
    sub.set_defaults(run=_evaluate)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (InputError, ValueError, OSError) as error:  # ValueError: the estimator's
        one_line = " ".join(str(error).split())
        parser.exit(2, f"sk-dann {args.command}: error: {one_line}\n")
    except KeyboardInterrupt:
        # 130: the shell's code for a command ended by Ctrl-C (128 + SIGINT).
        parser.exit(130, f"sk-dann {args.command}: interrupted; every output not yet "
                         "written was left as it was\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
