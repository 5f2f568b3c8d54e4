"""
Precomputed CNN features in a Pipeline, and a grid search over lambda
=====================================================================

Office-Caltech10 GoogLeNet features (shipped with sk_dann), amazon -> webcam.
make_da_pipeline builds a DomainPipeline: its fit(X_source, y_source,
X_target=...) fits the scaler on the source and target rows together.
GridSearchCV passes X_target to each fit and scores accuracy on held-out
*labeled source* rows. For scores that rank models by how they do on the
target, see docs/model_selection.md and examples/select_without_target_labels.py.

    python examples/office_caltech_pipeline.py
"""
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from sk_dann import DANNClassifier, make_da_pipeline
from sk_dann.datasets import load_office_caltech
from sk_dann.plotting import plot_history

source, target = load_office_caltech("amazon"), load_office_caltech("webcam")

pipe = make_da_pipeline(StandardScaler(), DANNClassifier(max_epochs=30, random_state=0))
search = GridSearchCV(pipe, {"dannclassifier__lambda_max": [0.0, 0.3, 1.0]}, cv=3)
search.fit(source.X, source.y, X_target=target.X)
for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
    print(f"{params}  source validation accuracy {score:.3f}")
best = search.best_estimator_
print("chosen:", search.best_params_,
      f"target accuracy {np.mean(best.predict(target.X) == target.y):.3f}")

# %%
# The refitted model's training curves (``history_`` of its last step);
# :doc:`plot_training_curves` shows how to read them.
plot_history(best)
plt.show()
