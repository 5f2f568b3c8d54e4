"""DomainStratifiedKFold keeps both domains and all classes in every fold."""
import numpy as np
import pytest

from sk_dann.model_selection import DomainStratifiedKFold


def _packed(n_source=100, n_target=40, n_classes=4, seed=0):
    rng = np.random.default_rng(seed)
    y = np.r_[np.sort(rng.integers(0, n_classes, n_source)), np.full(n_target, -1)]
    return np.zeros((len(y), 2)), y


def test_every_fold_holds_source_and_target_in_proportion():
    X, y = _packed()
    seen = np.zeros(len(y), dtype=int)
    for train, test in DomainStratifiedKFold(5, random_state=0).split(X, y):
        for rows in (train, test):
            target_share = np.mean(y[rows] == -1)
            assert target_share == pytest.approx(40 / 140, abs=0.03)
        assert set(y[test][y[test] != -1]) == set(range(4))
        seen[test] += 1
    assert np.all(seen == 1)


def test_rare_class_and_small_target_still_split():
    X, y = _packed(n_target=5)
    y[:2] = 7  # a class with 2 rows, fewer than n_splits
    folds = list(DomainStratifiedKFold(5, random_state=0).split(X, y))
    assert all(np.sum(y[test] == -1) == 1 for _, test in folds)


def test_groups_as_sample_domain_spread_labeled_target_rows():
    X, y = _packed()
    sample_domain = np.where(y == -1, -2, 1)
    y = y.copy()
    y[-20:] = 3  # labeled target rows
    for _, test in DomainStratifiedKFold(4, random_state=0).split(X, y, groups=sample_domain):
        assert np.sum((sample_domain[test] < 0) & (y[test] == 3)) == 5


def test_same_random_state_same_folds():
    X, y = _packed()
    a = [t for _, t in DomainStratifiedKFold(3, random_state=1).split(X, y)]
    b = [t for _, t in DomainStratifiedKFold(3, random_state=1).split(X, y)]
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert DomainStratifiedKFold(3).get_n_splits() == 3


def test_too_few_target_rows_is_a_clear_error():
    X, y = _packed(n_target=2)
    with pytest.raises(ValueError, match="target domain has 2 rows.*n_splits=5"):
        list(DomainStratifiedKFold(5).split(X, y))
    with pytest.raises(ValueError, match="needs y"):
        list(DomainStratifiedKFold(5).split(X))


def test_every_named_domain_needs_a_row_per_fold():
    X, y = _packed()
    sample_domain = np.where(y == -1, -1, 1)
    sample_domain[:3] = 2  # a second source domain with 3 rows
    with pytest.raises(ValueError, match="sample_domain=2 domain has 3 rows"):
        list(DomainStratifiedKFold(5).split(X, y, groups=sample_domain))


def test_packed_string_labels_cross_validate_with_the_domain_splitter():
    # scikit-learn's default StratifiedKFold cannot sort str labels mixed with
    # the integer -1; the domain splitter stratifies them as strings.
    from sklearn.model_selection import cross_val_score
    from sk_dann import DANNClassifier, pack_domains
    from sk_dann.datasets import make_domain_moons
    from sk_dann.model_selection import DomainStratifiedKFold
    Xs, ys, Xt, _ = make_domain_moons(n_samples=60, random_state=0)
    X, y = pack_domains(Xs, np.where(ys == 1, "up", "down"), Xt)
    scores = cross_val_score(DANNClassifier(max_epochs=2, hidden_layer_sizes=8,
                                            domain_hidden_layer_sizes=(8,), random_state=0),
                             X, y, cv=DomainStratifiedKFold(3, random_state=0))
    assert np.all((scores >= 0) & (scores <= 1))


def test_default_folds_are_shuffled_and_the_same_on_every_call():
    # Searches call split() more than once (successive halving checks that the
    # folds agree); two searches on the same data should see the same folds.
    X, y = _packed()
    splitter = DomainStratifiedKFold(3)
    first = [test for _, test in splitter.split(X, y)]
    second = [test for _, test in splitter.split(X, y)]
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    # Still shuffled: not the folds without shuffling.
    unshuffled = [test for _, test in DomainStratifiedKFold(3, shuffle=False).split(X, y)]
    assert not all(np.array_equal(a, b) for a, b in zip(first, unshuffled))
    fresh = [[t for _, t in DomainStratifiedKFold(3, random_state=None).split(X, y)]
             for _ in range(2)]
    assert not all(np.array_equal(a, b) for a, b in zip(*fresh))


def test_successive_halving_runs_with_the_default_splitter(fast):
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingGridSearchCV
    from sk_dann import DANNClassifier, pack_domains
    from sk_dann.datasets import make_domain_moons
    from sk_dann.model_selection import PredictionEntropyScorer
    Xs, ys, Xt, _ = make_domain_moons(n_samples=120, random_state=0)
    X, y = pack_domains(Xs, ys, Xt)
    dann = DANNClassifier(**{**fast, "max_epochs": 4}, random_state=0)
    grid = {"lambda_max": [0.0, 0.1, 0.3, 1.0]}
    # Rows as the resource, and epochs as the resource.
    for resource in [{}, {"resource": "max_epochs", "min_resources": 1, "max_resources": 4}]:
        search = HalvingGridSearchCV(dann, grid, scoring=PredictionEntropyScorer(), factor=2,
                                     cv=DomainStratifiedKFold(3), **resource).fit(X, y)
        assert search.n_iterations_ >= 2
        assert search.best_params_["lambda_max"] in grid["lambda_max"]
    # Fresh folds on each call are what scikit-learn refuses.
    with pytest.raises(ValueError, match="consistent folds"):
        HalvingGridSearchCV(dann, grid, factor=2,
                            cv=DomainStratifiedKFold(3, random_state=None)).fit(X, y)
