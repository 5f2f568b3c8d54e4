"""What routing X_target past a Pipeline's scaler cost, before sk_dann refused it.

``make_pipeline(StandardScaler(), DANNClassifier()).fit(Xs, ys,
dannclassifier__X_target=Xt)`` used to fit the scaler on the source rows only
and train on unscaled target rows. This script does exactly that by hand (the
pipeline now raises) against the packed recipe, on the embedded
Office-Caltech A->W features, seeds 0-2 (``--seeds``), one thread.

    python benchmarks/pipeline_trap.py

Writes ``<out>/pipeline_trap.md`` and ``.json`` (default: benchmarks/results).
"""
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _harness import machine, make_parser, save_results
from sk_dann import DANNClassifier, pack_domains
from sk_dann.datasets import load_office_caltech

THREADS = 1


def main():
    args = make_parser(__doc__, seeds=(0, 1, 2)).parse_args()
    src, tgt = load_office_caltech("amazon"), load_office_caltech("webcam")
    lines = ["# X_target past the scaler (Office-Caltech A->W, one thread)", "",
             "| seed | packed (the recipe) | X_target past the scaler (the trap) |",
             "| --- | --- | --- |"]
    rows = []
    for seed in args.seeds:
        params = dict(random_state=seed, n_threads=THREADS)
        packed = make_pipeline(StandardScaler(), DANNClassifier(**params)).fit(
            *pack_domains(src.X, src.y, tgt.X))
        scaler = StandardScaler().fit(src.X)  # what the trap did: source rows only...
        trap = DANNClassifier(**params).fit(scaler.transform(src.X), src.y,
                                            X_target=tgt.X)  # ...and raw target rows
        rows.append({"seed": seed, "packed": float(np.mean(packed.predict(tgt.X) == tgt.y)),
                     "trap": float(np.mean(trap.predict(scaler.transform(tgt.X)) == tgt.y))})
        lines.append(f"| {seed} | {rows[-1]['packed']:.3f} | {rows[-1]['trap']:.3f} |")
        print(lines[-1], flush=True)
    save_results(args.out, "pipeline_trap", "\n".join(lines), rows,
                 machine(THREADS, pair="A->W", seeds=args.seeds))


if __name__ == "__main__":
    main()
