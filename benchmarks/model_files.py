"""Model files: the safe format against pickle, in size and in load time.

For two fitted models (the default network on the moons, and Office-Caltech
A->W: ``StandardScaler`` + the default network on 1024-d GoogLeNet features,
both from data shipped in the package), the bytes of the network's weights,
of a pickle, of ``save_model``'s file with and without the optimizer's
state, and the median of ``--repeats`` timed loads of each (in this
process, after one untimed load). Every load is checked to predict exactly
as the fitted model.

    python benchmarks/model_files.py --repeats 5

Writes ``<out>/model_files.json`` and ``.md``.
"""
import pickle
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _harness import machine, make_parser, save_results
from sk_dann import DANNClassifier, load_model, save_model
from sk_dann.datasets import load_office_caltech, make_domain_moons

#: CPU threads of the fits (and of their predictions).
THREADS = 1


def fitted_models():
    """name -> (fitted model, rows to predict on)."""
    Xs, ys, Xt, _ = make_domain_moons(n_samples=200, random_state=0)
    amazon, webcam = load_office_caltech("amazon"), load_office_caltech("webcam")
    options = dict(max_epochs=2, random_state=0, n_threads=THREADS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "moons, default network": (
                DANNClassifier(**options).fit(Xs, ys, X_target=Xt), Xt),
            "Office A->W, scaler + default network": (
                make_pipeline(StandardScaler(), DANNClassifier(**options)).fit(
                    np.r_[amazon.X, webcam.X], np.r_[amazon.y, np.full(len(webcam.y), -1)]),
                webcam.X),
        }


def median_load_seconds(load, repeats):
    load()  # imports and caches warm
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        load()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(name, model, X, folder, repeats):
    dann = model[-1] if hasattr(model, "steps") else model
    weights = sum(t.numel() * t.element_size() for t in dann.net_.module_.state_dict().values())
    expected = model.predict_proba(X)
    pickled = pickle.dumps(model)
    full = save_model(model, folder / "full.skdann", overwrite=True)
    lean = save_model(model, folder / "lean.skdann", overwrite=True, optimizer_state=False)
    for loaded in (pickle.loads(pickled), load_model(full), load_model(lean)):
        assert np.array_equal(loaded.predict_proba(X), expected), name
    return {
        "model": name, "weights_bytes": weights, "pickle_bytes": len(pickled),
        "safe_bytes": full.stat().st_size, "safe_lean_bytes": lean.stat().st_size,
        "pickle_load_s": median_load_seconds(lambda: pickle.loads(pickled), repeats),
        "safe_load_s": median_load_seconds(lambda: load_model(full), repeats),
        "safe_lean_load_s": median_load_seconds(lambda: load_model(lean), repeats),
    }


def table(rows, repeats):
    lines = [
        f"Loads: median of {repeats}",
        "",
        "| model | weights KB | pickle KB | safe file KB | safe, no optimizer state KB "
        "| pickle load s | safe load s | safe, no optimizer state load s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['model']} | {row['weights_bytes'] / 1e3:.1f} "
            f"| {row['pickle_bytes'] / 1e3:.1f} | {row['safe_bytes'] / 1e3:.1f} "
            f"| {row['safe_lean_bytes'] / 1e3:.1f} | {row['pickle_load_s']:.4f} "
            f"| {row['safe_load_s']:.4f} | {row['safe_lean_load_s']:.4f} |")
    return "\n".join(lines)


def main():
    parser = make_parser(__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = [measure(name, model, X, Path(folder), args.repeats)
                for name, (model, X) in fitted_models().items()]
    save_results(args.out, "model_files", table(rows, args.repeats), rows,
                 machine(THREADS))


if __name__ == "__main__":
    main()
