"""
Healthy and unhealthy training: reading the curves
==================================================

DANN trains two players against each other: the feature extractor and label
head learn the source classes while a domain classifier, behind a gradient
reversal layer, tries to tell source rows from target rows and the features
are pushed to defeat it. The per-epoch record in ``history_`` shows whether
that game is going well, without any target label:

* **label loss** (source cross-entropy): should fall, as in any classifier;
* **domain loss** and **domain accuracy**: the domain classifier's
  cross-entropy and accuracy. A domain classifier that cannot tell the
  domains apart sits at ln 2 = 0.69 and 0.5 (dotted lines);
* **lambda**: the adversarial weight, ramped from 0 to ``lambda_max``
  on the paper's schedule.

Four fits on Office-Caltech10 amazon -> webcam (GoogLeNet features shipped
with sk_dann): without adaptation (``lambda_max=0``, for reference), the
defaults, a ``lambda_max`` too large, and an ``lr`` too large. The target
labels are used only to print the accuracy.
"""

# %%
# Four settings
# -------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.preprocessing import StandardScaler

from sk_dann import DANNClassifier, make_da_pipeline
from sk_dann.datasets import load_office_caltech
from sk_dann.plotting import plot_histories

source, target = load_office_caltech("amazon"), load_office_caltech("webcam")
settings = {
    "no adaptation": {"lambda_max": 0.0},
    "defaults": {},  # lambda_max=0.3, lr=0.01
    "lambda_max=30": {"lambda_max": 30.0},
    "lr=0.3": {"lr": 0.3},
}
rows = {}
for name, params in settings.items():
    model = make_da_pipeline(StandardScaler(), DANNClassifier(
        max_epochs=40, random_state=0, n_threads=1, **params))
    model.fit(source.X, source.y, X_target=target.X)
    accuracy = np.mean(model.predict(target.X) == target.y)
    print(f"{name:<14} target accuracy {accuracy:.3f}")
    rows[f"{name}\ntarget accuracy {accuracy:.3f}"] = model

# %%
# The curves, with what to look for
# ---------------------------------
notes = [
    "Reference: no adversary (lambda stays 0). The domain classifier learns "
    "to tell the domains apart: domain accuracy climbs to 1 and its loss "
    "falls towards 0. This is what the features look like to it without DANN.",
    "Healthy. The label loss falls towards 0. The domain loss stays around "
    "ln 2 and the domain accuracy swings between about 0.5 and 0.9 from epoch "
    "to epoch without climbing to 1: the features keep fooling the domain "
    "classifier part of the time. Lambda ramps up smoothly.",
    "Adversarial weight too large. While lambda ramps up, the label loss "
    "climbs back and wobbles: the reversed gradient fights the label task. "
    "Domain accuracy is no closer to 0.5 than with the defaults, and the "
    "target accuracy ends below no adaptation. Lower lambda_max.",
    "Learning rate too large. The label loss grows by ten orders of magnitude "
    "(log axis) and the domain loss spikes, then both go flat: the domain "
    "accuracy has sat at 0.5 from the start, not because the features are "
    "invariant but because the network has stopped learning. Lower lr. A loss "
    "that becomes inf or NaN (lr=1 here) stops the fit with DivergenceError.",
]
figure = plot_histories(rows, notes=dict(zip(rows, notes)))

plt.show()

# %%
# In short: read the domain curves against the two references, ln 2 and
# 0.5. Domain accuracy running up to 1 means no adaptation is happening
# (lambda too small, or zero); restless between 0.5 and 0.9 with the label
# loss falling is the adversarial game at work; a label loss pushed back up
# while lambda ramps means lambda is too strong; flat lines after a spike
# mean the step size broke the network, whatever the domain accuracy says.
# A domain accuracy of exactly 0.5 is not a success on its own.
