"""
What DANN does to the features
==============================

The picture from the DANN paper (Ganin et al., JMLR 2016, figure 4), on real
data: Office-Caltech10 GoogLeNet features (shipped with sk_dann), amazon
product photos as the labeled source, webcam photos as the unlabeled target.
Each panel embeds the rows in one model's learned features (the output of
the feature extractor, ``model.transform``) in 2-D with scikit-learn's
t-SNE: colour is the class, dots are source rows and crosses target rows.

Trained without adaptation (``lambda_max=0``), the network separates the
source classes, but many target rows sit at the edge of the source cluster
of their class, or beside it. With DANN's domain classifier pushing against
the features, more of the target crosses sit inside the source clusters,
and the classifier trained on the source labels carries over to them.
"""

# %%
# Two fits on the same data: source-only and DANN
# -----------------------------------------------
# The same network and settings; only ``lambda_max`` (the weight of the
# adversarial domain loss) differs. The scaler is fitted on source and
# target rows together (:func:`sk_dann.make_da_pipeline`). The target labels
# are used only to score and to colour the crosses.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.preprocessing import StandardScaler

from sk_dann import DANNClassifier, make_da_pipeline
from sk_dann.datasets import load_office_caltech
from sk_dann.plotting import plot_feature_space

source, target = load_office_caltech("amazon"), load_office_caltech("webcam")
models, accuracies = {}, {}
for name, lambda_max in [("source-only", 0.0), ("DANN", 0.3)]:
    model = make_da_pipeline(StandardScaler(), DANNClassifier(
        lambda_max=lambda_max, max_epochs=50, random_state=0, n_threads=1))
    models[name] = model.fit(source.X, source.y, X_target=target.X)
    accuracies[name] = np.mean(model.predict(target.X) == target.y)
    print(f"{name:<12} target accuracy {accuracies[name]:.3f}")

# %%
# The learned features, before and after adaptation
# -------------------------------------------------
names = np.array(source.target_names)
figure = plot_feature_space(
    list(models.values()), source.X, target.X, method="tsne",
    names=[f"{name}: target accuracy {accuracies[name]:.3f}" for name in models],
    y_source=names[source.y], y_target=names[target.y])

plt.show()

# %%
# Read it as the paper does: a domain-invariant representation mixes the
# dots and crosses of each colour. Accuracy is what counts, and the
# picture only explains it; t-SNE distorts distances between clusters, so
# compare how the domains mix within each colour, not where the clusters lie.
