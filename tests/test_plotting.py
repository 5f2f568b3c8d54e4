"""Every plot renders to a file without a display."""
import matplotlib
import pytest

matplotlib.use("Agg")

from sk_dann import DANNClassifier, pack_domains  # noqa: E402
from sk_dann.datasets import make_domain_moons  # noqa: E402
from sk_dann.plotting import plot_feature_space, plot_history, plot_score_curves  # noqa: E402


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
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert legend == ["0 (source)", "0 (target)", "1 (source)", "1 (target)"]
    assert figure.axes[0].get_xlabel() == "component 1"
    unlabeled_target = plot_feature_space(models[1], Xs, Xt, y_source=ys)
    assert "target" in [t.get_text() for t in unlabeled_target.axes[0].get_legend().get_texts()]
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
