"""Every plot renders to a file without a display."""
import matplotlib
import pytest

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402

from sk_dann import DANNClassifier, pack_domains  # noqa: E402
from sk_dann.datasets import make_domain_moons  # noqa: E402
from sk_dann.plotting import (  # noqa: E402
    plot_benchmark,
    plot_feature_space,
    plot_histories,
    plot_history,
    plot_score_curves,
    plot_selection_curves,
)


@pytest.fixture(scope="module")
def fitted():
    Xs, ys, Xt, yt = make_domain_moons(n_samples=80, random_state=0)
    X, y = pack_domains(Xs, ys, Xt)
    models = [DANNClassifier(lambda_max=lam, max_epochs=5, random_state=0).fit(X, y)
              for lam in (0.0, 1.0)]
    return models, Xs, Xt, ys, yt


def test_history_plot_has_a_panel_per_curve(fitted, tmp_path):
    (model, _), *_ = fitted
    figure = plot_history(model)
    assert [ax.get_title() for ax in figure.axes][2].startswith("domain accuracy")
    assert len(figure.axes[0].lines[0].get_xdata()) == 5
    figure.savefig(tmp_path / "history.png")
    assert (tmp_path / "history.png").stat().st_size > 1000


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_feature_space_before_and_after(fitted, tmp_path, method):
    models, Xs, Xt, _, _ = fitted
    figure = plot_feature_space(models, Xs, Xt, method=method,
                                names=["source-only", "DANN"])
    assert len(figure.axes) == 2
    assert len(figure.axes[0].collections) == 2  # source and target scatter
    figure.savefig(tmp_path / f"features_{method}.png")
    assert (tmp_path / f"features_{method}.png").stat().st_size > 1000


def test_feature_space_by_class_and_domain_with_real_titles(fitted, tmp_path):
    models, Xs, Xt, ys, yt = fitted
    figure = plot_feature_space(models, Xs, Xt, y_source=ys, y_target=yt)
    titles = [ax.get_title() for ax in figure.axes]
    assert titles[0].startswith("source-only (lambda_max=0)")
    assert titles[1].startswith("DANN (lambda_max=1)") and "PCA" in titles[1]
    # One legend for the figure: a colour per class, then a marker per domain.
    legend = [text.get_text() for text in figure.legends[0].get_texts()]
    assert legend == ["0", "1", "source", "target"]
    assert figure.axes[0].get_xlabel() == "component 1"
    unlabeled_target = plot_feature_space(models[1], Xs, Xt, y_source=ys)
    assert [t.get_text() for t in unlabeled_target.legends[0].get_texts()][-1] == \
        "target (unlabeled)"
    figure.savefig(tmp_path / "by_class.png")
    assert (tmp_path / "by_class.png").stat().st_size > 1000


def test_plot_refuses_an_unfitted_model():
    with pytest.raises(ValueError, match="fitted DANNClassifier"):
        plot_history(DANNClassifier())


def test_score_curves_draw_one_line_per_model_and_each_reference(tmp_path):
    figure = plot_score_curves({"source-only": [0.4, 0.5, 0.52], "DANN": [0.5, 0.7, 0.76]},
                               references={"paper DANN": 0.7666})
    ax = figure.axes[0]
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["source-only", "DANN", "paper DANN"]
    assert list(ax.lines[1].get_xdata()) == [1, 2, 3]  # epochs count from 1
    assert list(ax.lines[2].get_ydata()) == [0.7666, 0.7666]
    figure.savefig(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").stat().st_size > 1000


@pytest.mark.parametrize("curves", [{}, {"DANN": []}, {"DANN": [[0.5, 0.6]]}])
def test_score_curves_refuse_empty_or_nested_scores(curves):
    with pytest.raises(ValueError, match="curves"):
        plot_score_curves(curves)


class Trained:
    """Stands in for a fitted model: plots read nothing but ``history_``."""

    def __init__(self, **curves):
        epochs = len(next(iter(curves.values())))
        self.history_ = [{key: values[i] for key, values in curves.items()}
                         for i in range(epochs)]


def test_histories_draw_a_row_per_model_with_its_note_beside(fitted, tmp_path):
    (source_only, dann), *_ = fitted
    figure = plot_histories({"no adaptation": source_only, "DANN": dann},
                            notes={"DANN": "domain accuracy near 0.5: healthy"})
    axes = np.array(figure.axes).reshape(2, 5)  # 4 curves and the note, per row
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["no adaptation", "DANN"]
    assert axes[1, 2].get_title().startswith("domain accuracy")
    assert [t.get_text() for t in axes[1, 4].texts] == ["domain accuracy near 0.5: healthy"]
    assert axes[0, 4].texts[0].get_text() == ""  # a row without a note gets none
    # The chance levels a reader compares against: ln 2 and 0.5.
    assert axes[1, 1].lines[-1].get_ydata()[0] == pytest.approx(np.log(2))
    assert axes[1, 2].lines[-1].get_ydata()[0] == 0.5
    assert len(axes[0, 0].lines[0].get_xdata()) == 5
    figure.savefig(tmp_path / "histories.png")
    assert (tmp_path / "histories.png").stat().st_size > 1000


def test_histories_show_a_blown_up_loss_on_a_log_axis_and_mark_lost_epochs():
    blown = Trained(label_loss=[0.9, 5e3, 2e9, np.inf, 0.0], domain_loss=[0.7] * 5,
                    domain_acc=[0.5] * 5, **{"lambda": [0.1] * 5})
    calm = Trained(label_loss=[2.0, 0.5, 0.01, 1e-3, 2.5e-4], domain_loss=[0.7] * 5,
                   domain_acc=[0.6] * 5, **{"lambda": [0.1] * 5})
    figure = plot_histories({"lr too large": blown, "fine": calm})
    blown_loss, calm_loss = figure.axes[0], figure.axes[4]
    assert blown_loss.get_yscale() == "symlog" and calm_loss.get_yscale() == "linear"
    # The line skips the inf epoch; a red cross marks it instead of a silent gap.
    assert list(blown_loss.lines[0].get_xdata()) == [1, 2, 3, 5]
    lost = [line for line in blown_loss.lines if line.get_label() == "not finite"]
    assert len(lost) == 1 and list(lost[0].get_xdata()) == [4]
    assert not [line for line in calm_loss.lines if line.get_label() == "not finite"]


@pytest.mark.parametrize("arguments, message", [
    ({"models": {}}, "non-empty dict"),
    ({"models": [Trained(label_loss=[1.0])]}, "non-empty dict"),
    ({"models": {"a": Trained(label_loss=[1.0])}, "keys": ["label_loss", "acc"]},
     r"Unknown history keys \['acc'\]"),
    ({"models": {"a": Trained(label_loss=[1.0])}, "keys": "acc"},
     r"Unknown history keys \['acc'\]"),
    ({"models": {"a": Trained(label_loss=[1.0])}, "notes": {"b": "?"}},
     r"notes name rows that models does not have: \['b'\]"),
])
def test_histories_refuse_what_they_cannot_draw(arguments, message):
    with pytest.raises(ValueError, match=message):
        plot_histories(**arguments)


def search_results():
    """A 3 x 2 grid (lambda_max x lr) scored by two scorers on 3 folds; at
    lr=0.01 snd is best at lambda_max=0.3 and entropy at 1.0."""
    params = [{"dann__lambda_max": lam, "dann__lr": lr}
              for lam in (0.0, 0.3, 1.0) for lr in (0.01, 0.001)]
    results = {"params": params}
    rng = np.random.default_rng(0)
    scores = {}
    for name, offset, winner in (("snd", 2.0, 2), ("entropy", -0.5, 4)):
        folds = offset + rng.normal(0, 0.05, (3, len(params)))
        folds[:, winner] += 0.3
        for k in range(3):
            results[f"split{k}_test_{name}"] = folds[k]
        results[f"mean_test_{name}"] = folds.mean(axis=0)
        scores[name] = folds
    return results, scores


def test_selection_curves_draw_each_scorer_with_its_fold_band_beside_the_oracle(tmp_path):
    results, scores = search_results()
    oracle = [0.88, 0.87, 0.90, 0.89, 0.93, 0.85]  # best at lambda_max=1, lr=0.01
    figure = plot_selection_curves(results, "dann__lambda_max", oracle=oracle,
                                   where={"dann__lr": 0.01})
    oracle_ax, snd_ax, entropy_ax = figure.axes
    assert list(oracle_ax.lines[0].get_ydata()) == [0.88, 0.90, 0.93]  # lr=0.01 rows only
    assert "target labels" in oracle_ax.get_title(loc="left")
    rows = [0, 2, 4]
    for ax, name in ((snd_ax, "snd"), (entropy_ax, "entropy")):
        mean, spread = scores[name].mean(axis=0)[rows], scores[name].std(axis=0)[rows]
        # The band: one standard deviation of the fold scores either side of the mean.
        band = ax.collections[0].get_paths()[0].vertices[:, 1]
        for edge in np.r_[mean - spread, mean + spread]:
            assert np.isclose(band, edge).any()
        assert np.isclose(band.min(), (mean - spread).min())
        assert list(ax.lines[0].get_ydata()) == pytest.approx(mean)
    picks = [[line.get_xdata()[0] for line in ax.lines
              if line.get_label() == "this scorer's best here"] for ax in (snd_ax, entropy_ax)]
    assert picks == [[1], [2]]  # snd: lambda_max=0.3; entropy: 1.0
    oracle_best = [line for line in snd_ax.lines if line.get_linestyle() == ":"]
    assert list(oracle_best[0].get_xdata()) == [2, 2]
    assert [t.get_text() for t in entropy_ax.get_xticklabels()] == ["0", "0.3", "1"]
    assert snd_ax.get_ylabel() == "snd score\n(higher is better)"
    figure.savefig(tmp_path / "selection.png")
    assert (tmp_path / "selection.png").stat().st_size > 1000


def test_selection_curves_skip_a_failed_fold_and_read_a_fitted_search():
    from types import SimpleNamespace

    results, _ = search_results()
    results["mean_test_entropy"][0] = np.nan  # lambda_max=0, lr=0.01: a fold failed
    search = SimpleNamespace(cv_results_=results)
    figure = plot_selection_curves(search, "dann__lambda_max", scorers=["entropy"],
                                   oracle=[np.nan, 0.8, 0.9, 0.8, 0.85, 0.8],
                                   where={"dann__lr": 0.01})
    oracle_ax, entropy_ax = figure.axes
    pick = [line for line in entropy_ax.lines if line.get_label() == "this scorer's best here"]
    assert list(pick[0].get_xdata()) == [2]  # not the NaN candidate
    assert list(oracle_ax.lines[-1].get_xdata()) == [1, 1]  # the oracle's best, past its NaN


@pytest.mark.parametrize("arguments, message", [
    ({"param": "lambda_max"}, r"no parameter 'lambda_max'; it has \['dann__lambda_max'"),
    ({"param": "dann__lambda_max"}, r"also varies \['dann__lr'\].*where=\{'dann__lr': \.\.\.\}"),
    ({"param": "dann__lambda_max", "where": {"lr": 0.01}}, "where names 'lr'"),
    ({"param": "dann__lambda_max", "where": {"dann__lr": 0.5}}, "No candidate has"),
    ({"param": "dann__lambda_max", "where": {"dann__lr": 0.01}, "scorers": ["dev"]},
     r"No scores for \['dev'\] in cv_results; it has \['snd', 'entropy'\]"),
    ({"param": "dann__lambda_max", "where": {"dann__lr": 0.01}, "oracle": [0.9, 0.8]},
     "one score per candidate"),
])
def test_selection_curves_say_what_is_wrong(arguments, message):
    results, _ = search_results()
    with pytest.raises(ValueError, match=message):
        plot_selection_curves(results, **arguments)


def test_selection_curves_of_a_random_search_go_in_increasing_order():
    results = {"params": [{"dann__lambda_max": value} for value in (1.0, 0.0, 0.3)],
               "split0_test_score": [0.7, 0.5, 0.9], "split1_test_score": [0.7, 0.5, 0.9],
               "mean_test_score": [0.7, 0.5, 0.9]}
    ax = plot_selection_curves(results, "dann__lambda_max").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.3", "1"]
    assert list(ax.lines[0].get_ydata()) == [0.5, 0.9, 0.7]
    assert ax.get_ylabel() == "score\n(higher is better)"  # scoring=None's one score


def test_selection_curves_refuse_a_search_that_drew_one_value_twice():
    results = {"params": [{"dann__lambda_max": 0.3}, {"dann__lambda_max": 0.3}],
               "mean_test_snd": [1.0, 1.1]}
    with pytest.raises(ValueError, match="every other parameter equal"):
        plot_selection_curves(results, "dann__lambda_max")


def test_selection_curves_hold_array_valued_parameters_and_label_booleans():
    results = {"params": [{"w": np.array([1, 2]), "shuffle": flag} for flag in (False, True)]
               + [{"w": np.array([3, 4]), "shuffle": True}],
               "mean_test_snd": [1.0, 1.2, 0.9]}
    figure = plot_selection_curves(results, "shuffle", where={"w": np.array([1, 2])})
    assert [t.get_text() for t in figure.axes[0].get_xticklabels()] == ["False", "True"]


BASES = {("sk_dann", "source-only"): 0.80, ("sk_dann", "DANN"): 0.84,
         ("skada", "source-only"): 0.79, ("skada", "DANN"): 0.77}
BENCHMARK_ROWS = [
    {"pair": pair, "library": library, "model": model, "seed": seed,
     "target_accuracy": BASES[library, model] + shift + 0.01 * seed * (1 + (model == "DANN")),
     "epoch_s": 0.1}
    for pair, shift in (("A->W", 0.0), ("D->W", 0.1))
    for library in ("sk_dann", "skada") for model in ("source-only", "DANN")
    for seed in (0, 1, 2)
]


def test_benchmark_bars_are_means_over_seeds_with_their_spread(tmp_path):
    figure = plot_benchmark(BENCHMARK_ROWS, title="Office")
    ax = figure.axes[0]
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "sk_dann source-only", "sk_dann DANN", "skada source-only", "skada DANN"]
    for container, (key, base) in zip(bars, BASES.items()):
        step = 0.01 * (1 + (key[1] == "DANN"))  # seeds 0, 1, 2 add 0, step, 2 step
        heights = [bar.get_height() for bar in container]
        assert heights == pytest.approx([base + step, base + 0.1 + step])
        # Error bars: the standard deviation over the three seeds, per pair.
        segments = container.errorbar.lines[2][0].get_segments()
        assert [seg[1][1] - seg[0][1] for seg in segments] == pytest.approx(
            [2 * np.std([0, step, 2 * step])] * 2)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A->W", "D->W"]
    figure.savefig(tmp_path / "bars.png")
    assert (tmp_path / "bars.png").stat().st_size > 1000


def test_benchmark_bars_take_a_dataframe_and_leave_out_failed_runs():
    pandas = pytest.importorskip("pandas")
    rows = [dict(row) for row in BENCHMARK_ROWS]
    rows[0]["target_accuracy"] = np.nan  # sk_dann source-only, A->W, seed 0
    with pytest.warns(UserWarning, match="1 of 24 rows have no finite 'target_accuracy'"):
        ax = plot_benchmark(pandas.DataFrame(rows)).axes[0]
    first = [c for c in ax.containers if isinstance(c, BarContainer)][0]
    assert first[0].get_height() == pytest.approx(0.80 + 0.015)  # seeds 1 and 2


def test_benchmark_bars_of_single_runs_have_no_error_bars():
    single = [row for row in BENCHMARK_ROWS if row["seed"] == 0 and row["model"] == "DANN"]
    ax = plot_benchmark(single, value="epoch_s", group="library").axes[0]
    assert len(ax.patches) == 4
    assert all(c.errorbar is None for c in ax.containers if isinstance(c, BarContainer))
    assert not [c for c in ax.containers if not isinstance(c, BarContainer)]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sk_dann", "skada"]


def test_benchmark_bars_say_which_key_is_missing():
    with pytest.raises(ValueError, match="empty"):
        plot_benchmark([])
    with pytest.raises(ValueError, match="rows must be dicts"):
        plot_benchmark([("A->W", 0.9)])
    with pytest.raises(ValueError, match=r"12 of 24 rows have no 'fit_s'"):
        plot_benchmark([dict(row, fit_s=1.0) if i % 2 else row
                        for i, row in enumerate(BENCHMARK_ROWS)], value="fit_s")
