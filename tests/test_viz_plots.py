"""Decision boundaries, learning curves, comparisons and the training GIF (headless, Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from tinygrad_moons.data import make_moons, train_test_split  # noqa: E402
from tinygrad_moons.nn import Dense, Sequential  # noqa: E402
from tinygrad_moons.reference import ManualNetwork  # noqa: E402
from tinygrad_moons.viz.animation import DecisionBoundaryRecorder  # noqa: E402
from tinygrad_moons.viz.plots import (  # noqa: E402
    draw_probability,
    plot_comparison,
    plot_decision_boundary,
    plot_history,
    predict_probability,
    save_figure,
)


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(120, noise=0.2, random_state=0)
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def small_model(moons):
    X_train, X_test, y_train, y_test = moons
    model = Sequential([Dense(8, "relu", input_dim=2), Dense(1, "sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"], learning_rate=0.05)
    history = model.fit(X_train, y_train, epochs=5, validation_data=(X_test, y_test), verbose=0, seed=0)
    return model, history


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def wrong_count(model, X, y) -> int:
    return int(np.sum((predict_probability(model, X) > 0.5) != (y == 1)))


def test_decision_boundary_of_a_scikit_learn_classifier(moons):
    X_train, X_test, y_train, y_test = moons
    classifier = LogisticRegression().fit(X_train, y_train)  # a straight line cannot split moons: some points are wrong
    ax = plot_decision_boundary(classifier, X_train, y_train, X_test, y_test)
    accuracy_train = classifier.score(X_train, y_train)
    accuracy_test = classifier.score(X_test, y_test)
    assert ax.get_title() == f"accuracy: train {accuracy_train:.1%}, test {accuracy_test:.1%}"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    wrong = (wrong_count(classifier, X_train, y_train), wrong_count(classifier, X_test, y_test))
    assert wrong[0] > 0
    assert f"wrong: {wrong[0]} train, {wrong[1]} test" in legend
    # The filled contours cover the data: the axes extend past every point.
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    X = np.vstack([X_train, X_test])
    assert x0 < X[:, 0].min() and X[:, 0].max() < x1 and y0 < X[:, 1].min() and X[:, 1].max() < y1


def test_decision_boundary_of_our_model_and_of_the_manual_network(moons, small_model, tmp_path):
    X_train, X_test, y_train, y_test = moons
    model, _ = small_model
    assert model.predict(X_train).shape == (len(X_train), 1)
    probabilities = predict_probability(model, X_train)
    assert probabilities.shape == (len(X_train),)
    np.testing.assert_array_equal(probabilities, model.predict(X_train)[:, 0])
    ax = plot_decision_boundary(model, X_train, y_train, title="ours")
    assert ax.get_title() == "ours"
    path = save_figure(ax, tmp_path / "boundary.png", dpi=50)
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width > 100 and image.height > 100

    manual = ManualNetwork(layer_sizes=(2, 4, 1), seed=0)
    assert predict_probability(manual, X_test).shape == (len(X_test),)
    plot_decision_boundary(manual, X_train, y_train, X_test, y_test)


def test_plotting_refuses_what_is_not_a_binary_probability(moons):
    X_train, _, y_train, _ = moons

    class Logits:
        def predict(self, X):
            return np.full((len(X), 1), 3.0)

    class ThreeClasses:
        def predict_proba(self, X):
            return np.full((len(X), 3), 1 / 3)

    with pytest.raises(ValueError, match="outside \\[0, 1\\].*logits"):
        plot_decision_boundary(Logits(), X_train, y_train)
    with pytest.raises(ValueError, match="binary classifier"):
        plot_decision_boundary(ThreeClasses(), X_train, y_train)
    with pytest.raises(ValueError, match="shape \\(n, 2\\)"):
        plot_decision_boundary(LogisticRegression(), np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="4 train points but 3 train labels"):
        plot_decision_boundary(LogisticRegression(), np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(TypeError, match="neither predict_proba nor predict"):
        plot_decision_boundary(object(), X_train, y_train)


def test_history_plot_has_train_and_test_curves(small_model):
    """Our runs pass the test split as validation_data, so its curves are called "test" (curves.png said validation)."""
    _, history = small_model
    fig = plot_history(history)
    loss_ax, accuracy_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["train", "test"]
    assert [line.get_label() for line in accuracy_ax.lines] == ["train", "test"]
    relabelled = plot_history(history, val_label="validation")
    assert [line.get_label() for line in relabelled.axes[0].lines] == ["train", "validation"]
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), history.history["loss"])
    np.testing.assert_allclose(accuracy_ax.lines[1].get_ydata(), history.history["val_accuracy"])
    with pytest.raises(ValueError, match="'loss'"):
        plot_history({"accuracy": [0.5]})


def test_comparison_has_one_panel_per_model(moons, small_model):
    X_train, X_test, y_train, y_test = moons
    models = {
        "ours": small_model[0],
        "logistic regression": LogisticRegression().fit(X_train, y_train),
        "manual": ManualNetwork(layer_sizes=(2, 3, 1), seed=0),
    }
    fig = plot_comparison(models, X_train, y_train, X_test, y_test, resolution=40)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().split("\n")[0] for ax in visible] == list(models)
    with pytest.raises(ValueError, match="no models"):
        plot_comparison({}, X_train, y_train)


def test_recorder_captures_frames_during_fit_and_saves_a_gif(moons, tmp_path):
    X_train, X_test, y_train, y_test = moons
    model = Sequential([Dense(8, "relu", input_dim=2), Dense(1, "sigmoid")], seed=1)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    recorder = DecisionBoundaryRecorder(X_train, y_train, X_test, y_test, interval=3, resolution=30)
    history = model.fit(X_train, y_train, epochs=7, verbose=0, callbacks=[recorder], seed=0)

    assert [frame.epoch for frame in recorder.frames] == [0, 3, 6, 7]  # the start, every 3rd epoch, the end
    steps = -(-len(X_train) // 32)
    assert [frame.updates for frame in recorder.frames] == [0, 3 * steps, 6 * steps, 7 * steps]
    assert recorder.frames[-1].logs["loss"] == history.history["loss"][-1]
    np.testing.assert_allclose(
        recorder.frames[-1].probabilities.ravel(),
        predict_probability(model, np.column_stack([recorder.xx.ravel(), recorder.yy.ravel()])),
        rtol=1e-6,  # frames are stored in float32
    )
    # every frame, the untrained one too, carries the loss and accuracies measured on the plotted points
    assert all({"train_loss", "train_accuracy", "test_accuracy"} <= set(frame.logs) for frame in recorder.frames)
    last, p = recorder.frames[-1], predict_probability(model, X_train)  # the last frame is the trained model
    assert last.logs["train_accuracy"] == pytest.approx(1 - wrong_count(model, X_train, y_train) / len(y_train))
    assert last.logs["train_loss"] == pytest.approx(-np.mean(y_train * np.log(p) + (1 - y_train) * np.log(1 - p)))
    title = recorder.frames[-1].title()
    assert title.startswith(f"epoch 7, {7 * steps} updates\ntrain loss ")
    assert "train acc" in title and "test acc" in title
    assert recorder.frames[0].title().startswith("epoch 0, 0 updates\ntrain loss ")

    path = recorder.save_gif(tmp_path / "training.gif", fps=5, dpi=40)
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(recorder.frames)
        assert gif.size == (320, 264)  # figsize (8, 6.6) inches at 40 dpi
        assert gif.info["duration"] == 200  # 5 frames per second


def test_every_gif_frame_has_a_title_a_legend_and_contours_from_frame_0(moons):
    """The untrained model rarely crosses p = 0.5, so frame 0 had no line at all: it now has labelled isolines."""
    X_train, X_test, y_train, y_test = moons
    model = Sequential([Dense(8, "relu", input_dim=2), Dense(1, "sigmoid")], seed=1)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    recorder = DecisionBoundaryRecorder(X_train, y_train, X_test, y_test, interval=3, resolution=30)
    model.fit(X_train, y_train, epochs=3, verbose=0, callbacks=[recorder], seed=0)
    animation = recorder.animation()  # shows frame 0
    fig = plt.gcf()
    (ax,) = fig.axes
    assert fig.get_suptitle() == "the decision boundary as the network trains"
    assert ax.get_title().startswith("epoch 0, 0 updates\ntrain loss ")
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[:2] == ["class 0", "class 1"] and "train" in labels and "test" in labels and "p = 0.5" in labels
    from matplotlib.contour import ContourSet

    line_sets = [c for c in ax.collections if isinstance(c, ContourSet) and not c.filled]
    assert line_sets and len(line_sets[0].levels) >= 1 and line_sets[0].labelTexts  # labelled isolines
    animation._draw_was_started = True  # looked at, not played: spare us matplotlib's "deleted without rendering"


def test_draw_probability_draws_the_half_line_only_where_it_is_crossed():
    fig, ax = plt.subplots()
    xx, yy = np.meshgrid(np.linspace(0, 1, 20), np.linspace(0, 1, 20))
    assert len(draw_probability(ax, xx, yy, 0.2 + 0.1 * xx)) == 1  # all below 0.5: the fill only, no warning
    with_line = draw_probability(ax, xx, yy, xx)
    assert len(with_line) == 2 and list(with_line[1].levels) == [0.5]
    with_isolines = draw_probability(ax, xx, yy, xx, isolines=True)
    assert len(with_isolines) == 3 and 0.5 not in list(with_isolines[1].levels)


def test_recorder_can_capture_every_few_updates(moons):
    X_train, _, y_train, _ = moons  # 90 points: 3 batches of 32 per epoch
    model = Sequential([Dense(4, "relu", input_dim=2), Dense(1, "sigmoid")], seed=2)
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    recorder = DecisionBoundaryRecorder(X_train, y_train, every_batches=2, resolution=20)
    model.fit(X_train, y_train, epochs=3, verbose=0, callbacks=[recorder], seed=0)
    assert [(f.epoch, f.updates) for f in recorder.frames] == [(0, 0), (1, 2), (2, 4), (2, 6), (3, 8), (3, 9)]
    assert recorder.frames[1].logs["batch_loss"] > 0 and "loss" in recorder.frames[-1].logs  # fit's logs are kept
    assert all("train loss" in frame.title() for frame in recorder.frames)


def test_recorder_checks_its_arguments(moons):
    X_train, _, y_train, _ = moons
    with pytest.raises(ValueError, match="interval"):
        DecisionBoundaryRecorder(X_train, y_train, interval=0)
    with pytest.raises(ValueError, match="every_batches"):
        DecisionBoundaryRecorder(X_train, y_train, every_batches=-1)
    with pytest.raises(ValueError, match="no frames"):
        DecisionBoundaryRecorder(X_train, y_train).save_gif("never.gif")


@pytest.mark.slow
def test_train_command_with_gif_writes_pngs_svg_and_gif(tmp_path):
    from tinygrad_moons.cli import main

    out = tmp_path / "run"
    # 200 points: 160 train = 5 batches of 32 per epoch; 3 epochs = 15 updates, one frame per update (15 < 100).
    assert main(["train", "--samples", "200", "--epochs", "3", "--quiet", "--gif", "--out", str(out)]) == 0
    with Image.open(out / "decision_boundary.png") as image:
        assert image.format == "PNG" and image.size == (605, 495)  # 5.5 x 4.5 inches at 110 dpi
    with Image.open(out / "curves.png") as image:
        assert image.format == "PNG" and image.size == (1100, 418)  # 10 x 3.8 inches at 110 dpi
    with Image.open(out / "training.gif") as gif:
        assert gif.format == "GIF" and gif.size == (576, 475)  # 8 x 6.6 inches at 72 dpi
        assert gif.n_frames == 16  # the untrained model and one frame per update
    assert svg_root_tag(out / "graph.svg") == "{http://www.w3.org/2000/svg}svg"


def svg_root_tag(path) -> str:
    import xml.etree.ElementTree as ET

    return ET.parse(path).getroot().tag


def _drawn_outside_the_figure(fig):
    """How far (inches: left, bottom, right, top) what ``fig`` draws reaches past its edges; 0 where it fits."""
    fig.canvas.draw()
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())  # every drawn artist: titles, labels, tick labels
    width, height = fig.get_size_inches()
    overhang = (-drawn.x0, -drawn.y0, drawn.x1 - width, drawn.y1 - height)
    return tuple(round(float(max(0.0, value)), 2) for value in overhang)


def test_labels_stay_inside_the_figure_with_wide_ticks_big_fonts_and_two_line_titles(moons):
    """Fixed margins (tried for speed) cut off "loss" beside ticks like 0.74375, x₂ at font size 16, a 2-line title."""
    X_train, X_test, y_train, y_test = moons
    curves = {"loss": list(np.linspace(0.7439, 0.7421, 10)), "accuracy": [0.99] * 10}
    classifier = LogisticRegression().fit(X_train * 1e5, y_train)
    with plt.rc_context({"font.size": 16}):
        figures = [
            plot_history(curves, title="run 1\nafter 10 epochs"),
            plot_decision_boundary(classifier, X_train * 1e5, y_train, title="My model\nafter 300 epochs").figure,
        ]
        try:
            for fig in figures:
                assert _drawn_outside_the_figure(fig) == (0.0, 0.0, 0.0, 0.0)
        finally:
            for fig in figures:
                plt.close(fig)
