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
import textwrap

import matplotlib.pyplot as plt
import numpy as np
from sklearn.preprocessing import StandardScaler

from sk_dann import DANNClassifier, make_da_pipeline
from sk_dann.datasets import load_office_caltech
from sk_dann.exceptions import DivergenceError
from sk_dann.plotting import plot_histories

source, target = load_office_caltech("amazon"), load_office_caltech("webcam")
settings = {
    "no adaptation": {"lambda_max": 0.0},
    "defaults": {},  # lambda_max=0.3, lr=0.01
    "lambda_max=30": {"lambda_max": 30.0},
    "lr=0.3": {"lr": 0.3},
}
rows = {}
print("Each fit's target accuracy, label loss and domain accuracy:")
print(f"{'':14} {'target':>6} | {'label loss':^22} | {'domain acc., epochs 21-40':^25}")
print(f"{'':14} {'acc.':>6} | {'first':>6} {'top 3-40':>8} {'last':>6} | "
      f"{'lowest':>7} {'mean':>7} {'highest':>8}")
for name, params in settings.items():
    model = make_da_pipeline(StandardScaler(), DANNClassifier(
        max_epochs=40, random_state=0, n_threads=1, **params))
    model.fit(source.X, source.y, X_target=target.X)
    accuracy = np.mean(model.predict(target.X) == target.y)
    history = model[-1].history_
    label_loss = np.array(history[:, "label_loss"])
    domain_acc = np.array(history[20:, "domain_acc"])
    print(f"{name:14} {accuracy:>6.3f} | {label_loss[0]:>6.3g} "
          f"{label_loss[2:].max():>8.3g} {label_loss[-1]:>6.2g} | "
          f"{domain_acc.min():>7.2f} {domain_acc.mean():>7.2f} {domain_acc.max():>8.2f}")
    rows[name] = {f"{name}\ntarget accuracy {accuracy:.3f}": model}

# %%
# A still larger learning rate makes the loss infinite or NaN within a few
# epochs; sk_dann stops such a fit and says what to change.
try:
    too_fast = DANNClassifier(lr=1.0, random_state=0, n_threads=1)
    make_da_pipeline(StandardScaler(), too_fast).fit(source.X, source.y, X_target=target.X)
except DivergenceError as error:
    print(textwrap.fill(f"lr=1: {error}", 76))

# %%
# What to look for
# ----------------
# Each fit's curves, one row of panels; the dotted lines mark a domain
# classifier at chance (ln 2 and 0.5).
#
# The numbers quoted below are those printed above.
#
# **No adaptation** (reference: lambda stays 0). The domain classifier
# learns to tell the domains apart: domain accuracy climbs to 1 (0.99 to
# 1.00 in epochs 21-40) and its loss falls towards 0. This is how the
# features look to it without DANN.
plot_histories(rows["no adaptation"])
plt.show()

# %%
# **Defaults: healthy.** The label loss falls towards 0. The domain loss
# stays around ln 2 and the domain accuracy swings from epoch to epoch
# (0.59 to 0.79 in epochs 21-40, mean 0.69) without climbing to 1: the
# features keep fooling the domain classifier part of the time. Lambda ramps
# up smoothly.
plot_histories(rows["defaults"])
plt.show()
# sphinx_gallery_thumbnail_number = 2

# %%
# **lambda_max=30: adversarial weight too large.** While lambda ramps up,
# the label loss climbs back and wobbles (up to 0.33 after epoch 2, against
# 0.07 with the defaults): the reversed gradient fights the label task.
# Domain accuracy is no closer to 0.5 than with the defaults (mean 0.79),
# and the target accuracy ends below no adaptation (0.847 against 0.888).
# Lower ``lambda_max``.
plot_histories(rows["lambda_max=30"])
plt.show()

# %%
# **lr=0.3: learning rate too large.** The label loss grows by ten orders of
# magnitude (from 5.6 to about 1e11; log axis) and the domain loss spikes,
# then both go flat. The domain accuracy sits at 0.51 (epochs 21-40), not
# because the features are invariant but because the network has stopped
# learning. The loss stayed finite, so nothing stopped the fit. Lower
# ``lr``. A loss that becomes inf or NaN (``lr=1`` above) stops the fit
# with ``DivergenceError`` instead.
plot_histories(rows["lr=0.3"])
plt.show()

# %%
# In short
# --------
# Read the domain curves against ln 2 and 0.5. Domain accuracy running up
# to 1 means no adaptation is happening (lambda too small, or zero); restless
# between 0.5 and 0.9 with the label loss falling is the adversarial game at
# work; a label loss pushed back up while lambda ramps means lambda is too
# strong; flat lines after a spike mean the step size broke the network,
# whatever the domain accuracy says. A domain accuracy of exactly 0.5 is not
# a success on its own.
#
# All four in one figure, each with a note beside its row, for a report:
# ``plot_histories({"defaults": model, ...}, notes={"defaults": "...", ...})``.
