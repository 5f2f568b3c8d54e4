"""The benchmark suite: does DANN adapt, and how long does a fit take.

For every ordered pair of a suite: target accuracy of source-only
(``lambda_max=0``) and of DANN at default settings (no target label used to
tune), mean and spread over seeds, fit time, time per epoch and peak memory
(growth of the process's peak RSS during the fit). Optionally the same
pairs with skada's DANN side by side (same data, architecture, epochs, batch
size), ADAPT's (TensorFlow; ``--compare-adapt``, and ``--compare-adapt-xla``
with the step compiled by XLA), sk_dann itself with ``compile=True``
(``--compare-compile``) or ``precision="bfloat16"`` (``--compare-bfloat16``)
beside float32, and every library in bfloat16 (``--precision``). Time ratios
are of median epoch times: the work per epoch is the same for every library.

    python benchmarks/suite.py office_googlenet --data-dir ../shared/data
    python benchmarks/suite.py amazon --seeds 0 1 2
    python benchmarks/suite.py scale --epochs 5 --compare-skada --precision bfloat16
    python benchmarks/suite.py scale --epochs 5 --compare-skada --compare-adapt --compare-adapt-xla
    python benchmarks/suite.py scale --epochs 5 --compare-skada --compare-compile --compare-bfloat16

Suites: office_googlenet (6 pairs, 1024-d), office_surf (12 pairs, 800-d),
amazon (12 pairs, 5000-d, JMLR protocol: source train labeled, target train
unlabeled, accuracy on target test), scale (synthetic, 20k + 20k rows of
2048-d features, 31 classes, target shifted by an offset in the span of the
class means).
Writes ``<out>/<suite>[_<precision>].json`` and ``.md``.
"""
import json
import time

import numpy as np
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, Normalizer, StandardScaler

from _harness import (RESULTS, amazon_pairs, machine, make_parser, office_pairs,
                      save_results, scale_pairs)
from sk_dann import DANNClassifier

SUITES = {
    # name: (pairs(data_dir), preprocessing before DANN, settings other than defaults)
    "office_googlenet": (lambda d: office_pairs("office_caltech10_googlenet1024",
                                                ("amazon", "dslr", "webcam"), d),
                         lambda: [StandardScaler()], {}),
    # GFK/JDA protocol for SURF histograms: L1-normalise rows, then z-score.
    "office_surf": (lambda d: office_pairs("office_caltech10_surf",
                                           ("amazon", "caltech", "dslr", "webcam"), d),
                    lambda: [Normalizer(norm="l1"), StandardScaler()], {}),
    # Word counts: log1p then z-score (what the shared data's baselines use).
    "amazon": (amazon_pairs, lambda: [FunctionTransformer(np.log1p), StandardScaler()], {}),
    "scale": (scale_pairs, lambda: [], {"max_epochs": 5}),
}


def _status_mb(key):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return float("nan")


class PeakMemory:
    """Growth of the process's peak resident memory during a block, in MB.

    Resets the kernel's peak counter first (Linux ``/proc/self/clear_refs``),
    so an earlier, higher peak (loading the data) does not hide the fit's.
    """

    def __enter__(self):
        try:
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")
        except OSError:
            pass
        self.before = _status_mb("VmRSS:")
        return self

    def __exit__(self, *exc):
        self.growth_mb = _status_mb("VmHWM:") - self.before


def fit_sk_dann(X, y, X_target, lambda_max, seed, settings, precision, **options):
    clf = DANNClassifier(lambda_max=lambda_max, random_state=seed, precision=precision,
                         **settings, **options)
    start = time.perf_counter()
    clf.fit(X, y, X_target=X_target)
    fit_s = time.perf_counter() - start
    return clf, fit_s, float(np.median(clf.history_[:, "dur"]))


def fit_sk_dann_compiled(X, y, X_target, lambda_max, seed, settings, precision):
    """sk_dann with ``compile=True`` (its compile time is ``compile_time_``)."""
    return fit_sk_dann(X, y, X_target, lambda_max, seed, settings, precision, compile=True)


def fit_sk_dann_bfloat16(X, y, X_target, lambda_max, seed, settings, precision):
    """sk_dann with ``precision="bfloat16"`` beside the other libraries' float32."""
    return fit_sk_dann(X, y, X_target, lambda_max, seed, settings, "bfloat16")


def fit_skada(X, y, X_target, lambda_max, seed, settings, precision):
    """skada's DANN with the same networks (G_f 256, linear label head, domain
    head 256 -> 1), rows per step, epochs, SGD lr and momentum. Its default
    domain classifier ends in a softmax over one output, a constant with a
    zero gradient, so it gets a sigmoid head behind a reversal layer instead."""
    from skada.deep import DANN

    from sk_dann.reversal import reverse_gradient

    torch.manual_seed(seed)
    n_features, n_classes = X.shape[1], len(np.unique(y))
    hidden = settings.get("hidden_layer_sizes", (256,))[0]

    class DomainHead(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(hidden, 256), torch.nn.ReLU(),
                                           torch.nn.Linear(256, 1), torch.nn.Sigmoid())

        def forward(self, x, sample_weight=None):
            return self.net(reverse_gradient(x, 1.0)).squeeze(-1)

    class Network(torch.nn.Module):  # skada passes sample_weight to forward
        def __init__(self):
            super().__init__()
            self.features = torch.nn.Sequential(torch.nn.Linear(n_features, hidden),
                                                torch.nn.ReLU())
            self.classifier = torch.nn.Linear(hidden, n_classes)

        def forward(self, x, sample_weight=None):
            return self.classifier(self.features(x))

    net = DANN(Network(), layer_name="features", reg=lambda_max, domain_classifier=DomainHead(),
               # skada's loader draws batch_size rows from *each* domain; half
               # of ours gives the same rows per step (64 by default).
               batch_size=settings.get("batch_size", 64) // 2,
               max_epochs=settings.get("max_epochs", 100), train_split=None,
               optimizer=torch.optim.SGD, optimizer__momentum=0.9, lr=0.01, verbose=0)
    X_all = np.concatenate([X, X_target]).astype(np.float32)
    y_all = np.concatenate([y, -np.ones(len(X_target), dtype=np.int64)])
    domains = np.r_[np.ones(len(X), dtype=np.int64), -np.ones(len(X_target), dtype=np.int64)]
    start = time.perf_counter()
    net.fit(X_all, y_all, sample_domain=domains)
    fit_s = time.perf_counter() - start

    class Fitted:
        def score(self, X_test, y_test):
            pred = net.predict(X_test.astype(np.float32),
                               sample_domain=-np.ones(len(X_test), dtype=np.int64))
            return float(np.mean(pred == y_test))

    return Fitted(), fit_s, float(np.median(net.history_[:, "dur"]))


class _EpochTimes:
    """A Keras callback's per-epoch wall times (ADAPT has no history of them)."""

    def __new__(cls):
        import tensorflow as tf

        class EpochTimes(tf.keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.times = []

            def on_epoch_begin(self, epoch, logs=None):
                self.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.times.append(time.perf_counter() - self.start)

        return EpochTimes()


def fit_adapt(X, y, X_target, lambda_max, seed, settings, precision, jit_compile=False):
    """ADAPT's DANN (TensorFlow/Keras) with the same networks (G_f 256 ReLU,
    linear-softmax label head, domain head 256 -> 256 -> 1 sigmoid), rows per
    step (ADAPT's ``batch_size`` rows from *each* domain, so half of ours),
    epochs (one pass over the larger domain, as ours), SGD lr 0.01 and
    momentum 0.9. As ADAPT does by default: Keras' weight init (Glorot
    uniform), a constant ``lambda_`` (no ramp) and a constant learning rate;
    the step is compiled by Keras (``tf.function``; ADAPT's default
    ADAPT's ``compile`` drops ``jit_compile``, so no XLA; ``--compare-adapt-xla``
    adds a run with the step compiled by XLA, set after ADAPT's compile).
    Its first epoch (tracing, compiling) is reported in
    ``compile_s``, the median of the others in ``s/epoch``."""
    import tensorflow as tf
    from adapt.feature_based import DANN

    if precision != "float32":
        raise SystemExit("--compare-adapt runs ADAPT in float32 only")
    tf.keras.utils.set_random_seed(seed)
    hidden = settings.get("hidden_layer_sizes", (256,))[0]
    n_classes = int(np.max(y)) + 1
    layers = tf.keras.layers
    class XlaDANN(DANN):
        def compile(self, *args, **kwargs):
            super().compile(*args, **kwargs)
            self.jit_compile = True  # Keras' switch; ADAPT has none

    model = (XlaDANN if jit_compile else DANN)(
        encoder=tf.keras.Sequential([layers.Dense(hidden, activation="relu")]),
        task=tf.keras.Sequential([layers.Dense(n_classes, activation="softmax")]),
        discriminator=tf.keras.Sequential([layers.Dense(256, activation="relu"),
                                           layers.Dense(1, activation="sigmoid")]),
        lambda_=lambda_max, random_state=seed, verbose=0, copy=False,
        optimizer=tf.keras.optimizers.SGD(0.01, momentum=0.9),
        loss="categorical_crossentropy")  # ADAPT reshapes predictions to y: one-hot y
    timer = _EpochTimes()
    start = time.perf_counter()
    model.fit(X, np.eye(n_classes, dtype=np.float32)[y], Xt=X_target, epochs=settings.get("max_epochs", 100),
              batch_size=settings.get("batch_size", 64) // 2, callbacks=[timer], verbose=0)
    fit_s = time.perf_counter() - start

    class Fitted:
        compile_s = timer.times[0]

        def score(self, X_test, y_test):
            proba = model.predict(X_test.astype(np.float32), verbose=0)
            return float(np.mean(np.argmax(proba, axis=1) == y_test))

    epochs = timer.times[1:] or timer.times
    return Fitted(), fit_s, float(np.median(epochs))


def fit_adapt_xla(X, y, X_target, lambda_max, seed, settings, precision):
    return fit_adapt(X, y, X_target, lambda_max, seed, settings, precision, jit_compile=True)


def run(suite, data_dir, seeds, precision, compare_skada, epochs, only_pairs=None,
        compare_adapt=False, compare_adapt_xla=False, compare_compile=False,
        compare_bfloat16=False):
    pairs, preprocessing, settings = SUITES[suite]
    settings = dict(settings, **({"max_epochs": epochs} if epochs else {}))
    libraries = {"sk_dann": fit_sk_dann, **({"skada": fit_skada} if compare_skada else {}),
                 **({"adapt": fit_adapt} if compare_adapt else {}),
                 **({"adapt_xla": fit_adapt_xla} if compare_adapt_xla else {}),
                 **({"sk_dann_compiled": fit_sk_dann_compiled} if compare_compile else {}),
                 **({"sk_dann_bf16": fit_sk_dann_bfloat16} if compare_bfloat16 else {})}
    rows = []
    for pair, (Xs, ys, Xt, Xt_test, yt_test) in pairs(data_dir):
        if only_pairs and pair not in only_pairs:
            continue
        prep = make_pipeline(*preprocessing()) if preprocessing() else None
        if prep is not None:  # fitted on source and target rows, as in a Pipeline
            prep.fit(np.concatenate([Xs, Xt]))
            Xs, Xt, Xt_test = (prep.transform(a).astype(np.float32) for a in (Xs, Xt, Xt_test))
        for library, fit in libraries.items():
            for model, lambda_max in (("source-only", 0.0), ("DANN", 0.3)):
                for seed in seeds:
                    with PeakMemory() as memory:
                        clf, fit_s, epoch_s = fit(Xs, ys, Xt, lambda_max, seed, settings,
                                                  precision)
                    row = dict(suite=suite, pair=pair, library=library, model=model,
                               seed=seed, precision=precision,
                               target_accuracy=clf.score(Xt_test, yt_test),
                               fit_s=fit_s, epoch_s=epoch_s,
                               compile_s=getattr(clf, "compile_s",
                                                 getattr(clf, "compile_time_", None)),
                               peak_memory_growth_mb=memory.growth_mb,
                               input_mb=(Xs.nbytes + Xt.nbytes) / 2**20)
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    return rows


def summarise(rows):
    """Markdown: per pair, accuracy mean +- std of each model, the DANN gain,
    median fit and epoch time; with other libraries, their epoch-time ratio."""
    pairs = list(dict.fromkeys(r["pair"] for r in rows))
    libraries = list(dict.fromkeys(r["library"] for r in rows))
    head = ["pair"]
    for lib in libraries:
        head += [f"{lib} source-only", f"{lib} DANN", f"{lib} gain",
                 f"{lib} fit s", f"{lib} s/epoch", f"{lib} peak MB"]
    others = [lib for lib in libraries if lib != "sk_dann"]
    for lib in others:
        head.append(f"{lib} / sk_dann s/epoch")
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    gains, ratios = {lib: [] for lib in libraries}, {lib: [] for lib in others}
    for pair in pairs:
        cells = [pair]
        for lib in libraries:
            acc = {m: [r["target_accuracy"] for r in rows if r["pair"] == pair
                       and r["library"] == lib and r["model"] == m]
                   for m in ("source-only", "DANN")}
            dann = [r for r in rows if r["pair"] == pair and r["library"] == lib
                    and r["model"] == "DANN"]
            gain = np.mean(acc["DANN"]) - np.mean(acc["source-only"])
            gains[lib].append(gain)
            cells += [f"{np.mean(acc['source-only']):.3f} ± {np.std(acc['source-only']):.3f}",
                      f"{np.mean(acc['DANN']):.3f} ± {np.std(acc['DANN']):.3f}",
                      f"{gain:+.3f}", f"{np.median([r['fit_s'] for r in dann]):.2f}",
                      f"{np.median([r['epoch_s'] for r in dann]):.3f}",
                      f"{np.max([r['peak_memory_growth_mb'] for r in dann]):.0f}"]
        # At equal work (same rows per step, steps, epochs): the median epoch
        # over both models and all seeds.
        epoch_times = {lib: np.median([r["epoch_s"] for r in rows if r["pair"] == pair
                                       and r["library"] == lib]) for lib in libraries}
        for lib in others:
            ratios[lib].append(epoch_times[lib] / epoch_times["sk_dann"])
            cells.append(f"{ratios[lib][-1]:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    summary = []
    for lib in libraries:
        accs = {m: np.mean([r["target_accuracy"] for r in rows
                            if r["library"] == lib and r["model"] == m])
                for m in ("source-only", "DANN")}
        wins = sum(g > 0 for g in gains[lib])
        losses = sum(g < 0 for g in gains[lib])
        summary.append(f"{lib}: mean target accuracy source-only {accs['source-only']:.3f}, "
                       f"DANN {accs['DANN']:.3f} ({accs['DANN'] - accs['source-only']:+.3f}); "
                       f"DANN better on {wins} pairs, worse on {losses}, of {len(pairs)}.")
    for lib in others:
        summary.append(f"Median epoch-time ratio {lib} / sk_dann over pairs: "
                       f"{np.median(ratios[lib]):.2f}.")
        compile_s = [r["compile_s"] for r in rows if r["library"] == lib and r["compile_s"]]
        if compile_s and lib.startswith("sk_dann"):
            # The process's first fit compiles; later fits of the same
            # shapes reuse its graphs.
            summary.append(f"{lib}'s first training step (tracing and compiling): "
                           f"{compile_s[0]:.2f} s in the first fit"
                           + (f", median {np.median(compile_s[1:]):.2f} s in the "
                              f"{len(compile_s) - 1} later ones" if compile_s[1:] else "")
                           + ".")
        elif compile_s:
            summary.append(f"{lib}'s first epoch (tracing and compiling the step "
                           f"included): median {np.median(compile_s):.2f} s.")
    return "\n".join(lines) + "\n\n" + "\n".join(summary)


def main():
    parser = make_parser(__doc__, out=RESULTS / "suite", data_dir=True, seeds=(0, 1, 2),
                         threads=1)
    parser.add_argument("suite", choices=sorted(SUITES))
    parser.add_argument("--precision", default="float32", choices=["float32", "bfloat16"])
    parser.add_argument("--epochs", type=int, default=None,
                        help="override max_epochs (default: the suite's, else 100)")
    parser.add_argument("--compare-skada", action="store_true",
                        help="also fit skada's DANN (pip install skada)")
    parser.add_argument("--compare-adapt", action="store_true",
                        help="also fit ADAPT's DANN (TensorFlow; pip install adapt)")
    parser.add_argument("--compare-adapt-xla", action="store_true",
                        help="also fit ADAPT's DANN with the step compiled by XLA")
    parser.add_argument("--compare-compile", action="store_true",
                        help="also fit sk_dann with compile=True (torch.compile)")
    parser.add_argument("--compare-bfloat16", action="store_true",
                        help="also fit sk_dann with precision='bfloat16'")
    parser.add_argument("--pairs", nargs="+", default=None,
                        help="run only these pairs, e.g. B->D (default: all)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.compare_adapt or args.compare_adapt_xla:  # TensorFlow reads its thread pools' sizes once, at start
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    rows = run(args.suite, args.data_dir, args.seeds, args.precision, args.compare_skada,
               args.epochs, args.pairs, args.compare_adapt, args.compare_adapt_xla,
               args.compare_compile, args.compare_bfloat16)
    name = args.suite + ("" if args.precision == "float32" else f"_{args.precision}") \
        + ("_vs_skada" if args.compare_skada else "") \
        + ("_vs_adapt" if args.compare_adapt or args.compare_adapt_xla else "") \
        + ("_vs_compiled" if args.compare_compile else "") \
        + ("_vs_bf16" if args.compare_bfloat16 else "") \
        + ("" if args.pairs is None else "_" + "_".join(p.replace("->", "") for p in args.pairs))
    save_results(args.out, name, summarise(rows), rows, machine(
        args.threads, precision=args.precision, seeds=args.seeds))


if __name__ == "__main__":
    main()
