"""What routing X_target past a Pipeline's scaler cost, before sk_dann refused it.

``make_pipeline(StandardScaler(), DANNClassifier()).fit(Xs, ys,
dannclassifier__X_target=Xt)`` used to fit the scaler on the source rows only
and train on unscaled target rows. This script does exactly that by hand (the
pipeline now raises) against the packed recipe, on the embedded
Office-Caltech A->W features, seeds 0-2, one thread.

    python benchmarks/pipeline_trap.py

Writes benchmarks/results/pipeline_trap.md.
"""
from pathlib import Path

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_dann import DANNClassifier, pack_domains
from sk_dann.datasets import load_office_caltech

src, tgt = load_office_caltech("amazon"), load_office_caltech("webcam")
lines = ["# X_target past the scaler (Office-Caltech A->W, one thread)", "",
         "| seed | packed (the recipe) | X_target past the scaler (the trap) |",
         "| --- | --- | --- |"]
for seed in (0, 1, 2):
    params = dict(random_state=seed, n_threads=1)
    packed = make_pipeline(StandardScaler(), DANNClassifier(**params)).fit(
        *pack_domains(src.X, src.y, tgt.X))
    scaler = StandardScaler().fit(src.X)  # what the trap did: source rows only...
    trap = DANNClassifier(**params).fit(scaler.transform(src.X), src.y,
                                        X_target=tgt.X)  # ...and raw target rows
    lines.append(f"| {seed} | {np.mean(packed.predict(tgt.X) == tgt.y):.3f} | "
                 f"{np.mean(trap.predict(scaler.transform(tgt.X)) == tgt.y):.3f} |")
    print(lines[-1], flush=True)
out = Path(__file__).parent / "results" / "pipeline_trap.md"
out.write_text("\n".join(lines) + "\n")
print("\n".join(lines))
