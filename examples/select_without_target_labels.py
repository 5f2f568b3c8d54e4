"""
Choose lambda_max and lr without target labels
==============================================

Then check the choice against the oracle. Office-Caltech10 GoogLeNet features
(shipped with sk_dann), amazon -> webcam. One grid search scores every
candidate with unsupervised scorers (no target labels): soft neighborhood
density, deep embedded validation and prediction entropy, and refits the
candidate the recommended rule picks: the default unless entropy says another
is better by more than one standard error of the per-fold difference
(``KeepDefaultUnlessBetter``). Then, for this demonstration only, the target
labels say what each scorer alone and an oracle would have picked. Reverse
validation works the same way (``ReverseValidationScorer``) at the cost of one
more fit per candidate.

    python examples/select_without_target_labels.py
"""
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_dann import DANNClassifier, pack_domains
from sk_dann.datasets import load_office_caltech
from sk_dann.model_selection import (
    DeepEmbeddedValidationScorer,
    DomainStratifiedKFold,
    KeepDefaultUnlessBetter,
    PredictionEntropyScorer,
    SoftNeighborhoodDensityScorer,
)
from sk_dann.plotting import plot_selection_curves

source, target = load_office_caltech("amazon"), load_office_caltech("webcam")
X, y = pack_domains(source.X, source.y, target.X)
grid = {"dannclassifier__lambda_max": [0.0, 0.1, 0.3, 1.0],
        "dannclassifier__lr": [0.01, 0.001]}
scorers = {"snd": SoftNeighborhoodDensityScorer(),
           "dev": DeepEmbeddedValidationScorer(),
           "entropy": PredictionEntropyScorer()}

pipe = make_pipeline(StandardScaler(), DANNClassifier(max_epochs=30, random_state=0))
rule = KeepDefaultUnlessBetter(scorer="entropy")  # default: lambda_max=0.3, lr=0.01
search = GridSearchCV(pipe, grid, scoring=scorers, refit=rule, cv=DomainStratifiedKFold(3))
search.fit(X, y)  # no target labels anywhere in here

# The oracle: each candidate refitted on all rows and scored on target labels.
results = search.cv_results_
oracle = []
print(f"{'lambda_max':>10} {'lr':>6} {'snd':>7} {'dev':>7} {'entropy':>8} {'target acc':>10}")
for i, params in enumerate(results["params"]):
    model = pipe.set_params(**params).fit(X, y)
    oracle.append(np.mean(model.predict(target.X) == target.y))
    print(f"{params['dannclassifier__lambda_max']:>10} {params['dannclassifier__lr']:>6} "
          f"{results['mean_test_snd'][i]:>7.3f} {results['mean_test_dev'][i]:>7.3f} "
          f"{results['mean_test_entropy'][i]:>8.3f} {oracle[-1]:>10.3f}")

for name in scorers:
    chosen = int(np.argmax(results[f"mean_test_{name}"]))
    print(f"chosen by {name:<8}: {results['params'][chosen]}  "
          f"target accuracy {oracle[chosen]:.3f}")
comparison = rule.compare_to_default(results)
top = int(np.argmax(results["mean_test_entropy"]))
print(f"entropy's best gains {comparison['mean_difference'][top]:+.3f} over the default, "
      f"standard error {comparison['standard_error'][top]:.3f}: "
      f"{'a clear win' if comparison['beats_default'][top] else 'inside the fold noise'}")
print(f"chosen by the rule : {search.best_params_}  "
      f"target accuracy {oracle[search.best_index_]:.3f}")
best = int(np.argmax(oracle))
print(f"oracle (uses target labels): {results['params'][best]}  "
      f"target accuracy {oracle[best]:.3f}")

# %%
# The lambda grid in one picture
# ------------------------------
# Each label-free score across ``lambda_max`` (at ``lr=0.01``; scores are
# higher-is-better, so DEV's risk and the entropy are negated), with a band
# of one standard deviation of its fold scores either side, beside the
# target accuracy it stands in for (the oracle, a reference a user without
# target labels does not have). The band shows how much the folds disagree;
# whether one candidate beats another is a question about their paired
# per-fold differences, which is what ``KeepDefaultUnlessBetter`` tests
# (``rule.compare_to_default`` above).
plot_selection_curves(search.cv_results_, "dannclassifier__lambda_max", oracle=oracle,
                      where={"dannclassifier__lr": 0.01})
plt.show()
