"""Training pictures with matplotlib: decision boundaries, learning curves, side-by-side comparisons.

Every function draws into an ``ax`` (or a new figure) and returns it; none
calls ``plt.show()``, so the command line can save figures on a machine
without a display. Save with ``fig.savefig(path)`` and free memory with
``plt.close(fig)``, or use :func:`save_figure`, which does both.

The decision boundary works for any binary classifier with a 2-D input: our
models (``predict`` returns the probability of class 1, shape (n, 1)),
scikit-learn classifiers (``predict_proba``) and the course's manual network.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

# Class 0 red, class 1 blue, as the course's pictures; white is "undecided" (p = 0.5).
CLASS_COLOURS = ("#d7301f", "#2166ac")
PROBABILITY_CMAP = LinearSegmentedColormap.from_list("class_probability", ["#f4a582", "#f7f7f7", "#92c5de"])
GRID_RESOLUTION = 150
# The axes' names as Unicode subscripts, not mathtext ("$x_1$"): the same picture, without building matplotlib's
# mathtext parser, which alone costs a tenth of a second of `tinygrad-moons train`.
AXIS_LABELS = ("x₁", "x₂")


# ------------------------------------------------------------ probabilities
def predict_probability(model: Any, X: np.ndarray) -> np.ndarray:
    """P(class 1) for every row of ``X``, shape (n,), from any binary classifier.

    Uses ``predict_proba`` when the model has it (scikit-learn estimators,
    the manual reference network: the last column is class 1), otherwise
    ``predict`` (our models, which output the probability of class 1).
    """
    X = np.asarray(X, dtype=np.float64)
    method = "predict_proba" if hasattr(model, "predict_proba") else "predict"
    if not hasattr(model, method):
        raise TypeError(f"{type(model).__name__} has neither predict_proba nor predict, so it cannot be plotted")
    probabilities = np.asarray(getattr(model, method)(X), dtype=np.float64)
    if probabilities.ndim == 2 and probabilities.shape[1] in (1, 2):
        probabilities = probabilities[:, -1]
    if probabilities.shape != (len(X),):
        raise ValueError(
            f"{type(model).__name__}.{method} returned shape {probabilities.shape} for {len(X)} points; "
            "a decision boundary needs one probability of class 1 per point (a binary classifier)"
        )
    nan = np.isnan(probabilities)
    if nan.any():
        first = int(np.flatnonzero(nan)[0])
        raise ValueError(
            f"{type(model).__name__}.{method} returned NaN for {int(nan.sum()):,} of {len(X):,} points "
            f"(the first at {X[first].tolist()}): the model's outputs are NaN, so there is no decision boundary "
            "to draw; its weights have probably diverged (look for a NaN or exploding loss, and lower the "
            "learning rate)"
        )
    if not np.all((probabilities >= 0) & (probabilities <= 1)):
        raise ValueError(
            f"{type(model).__name__}.{method} returned values outside [0, 1]; the model must output "
            "probabilities (end it with a sigmoid), not logits"
        )
    return probabilities


def decision_grid(
    *point_sets: np.ndarray | None, resolution: int = GRID_RESOLUTION, margin: float = 0.25
) -> tuple[np.ndarray, np.ndarray]:
    """A ``meshgrid`` (xx, yy) covering the bounding box of all the given 2-D points plus a margin.

    Each point set has shape (n, 2) (None is skipped); ``xx`` and ``yy`` have
    shape (resolution, resolution). ``margin`` is a fraction of the box's size
    on each side.
    """
    points = np.concatenate([_check_points(p, "decision_grid") for p in point_sets if p is not None])
    low, high = points.min(axis=0), points.max(axis=0)
    pad = margin * np.maximum(high - low, 1e-9)
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    ys = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    xx, yy = np.meshgrid(xs, ys)
    return xx, yy


def probability_grid(model: Any, xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
    """P(class 1) at every point of the grid, the same shape as ``xx``."""
    points = np.column_stack([xx.ravel(), yy.ravel()])
    return predict_probability(model, points).reshape(xx.shape)


# ------------------------------------------------------------ decision boundary
def draw_probability(
    ax: Axes, xx: np.ndarray, yy: np.ndarray, probabilities: np.ndarray, isolines: bool = False
) -> list[Any]:
    """Filled contours of P(class 1) and the p = 0.5 line; returns the artists (to remove them for the next frame).

    The filled contours are drawn by scikit-learn's ``DecisionBoundaryDisplay``
    from a grid we compute ourselves: the same grid serves our models, any
    scikit-learn classifier and the animation frames, which store only the grid.
    ``xx``, ``yy`` and ``probabilities`` share one 2-D shape (a grid from
    :func:`decision_grid` and :func:`probability_grid`). The fill has ten
    bands, from red (sure of class 0) through white to blue (sure of class 1),
    so a frame shows the model's confidence even before it separates the
    classes; the 0.5 line is drawn wherever the probability crosses it.
    ``isolines=True`` adds thin labelled lines at 0.1, 0.2, ..., 0.9, so the
    probability can be read off the picture (the untrained model's too).
    """
    from sklearn.inspection import DecisionBoundaryDisplay

    fields = {"xx0": xx, "xx1": yy, "response": probabilities}
    try:
        display = DecisionBoundaryDisplay(**fields, n_classes=2)
    except TypeError:  # scikit-learn < 1.9 has no n_classes argument
        display = DecisionBoundaryDisplay(**fields)
    display.plot(ax=ax, plot_method="contourf", cmap=PROBABILITY_CMAP, levels=np.linspace(0, 1, 11), vmin=0, vmax=1)
    artists: list[Any] = [display.surface_]
    if isolines:
        levels = [level for level in np.round(np.linspace(0.1, 0.9, 9), 1) if level != 0.5]
        levels = [level for level in levels if probabilities.min() < level < probabilities.max()]
        if levels:
            lines = ax.contour(xx, yy, probabilities, levels=levels, colors="#555555", linewidths=0.5, alpha=0.7)
            ax.clabel(lines, fontsize=8, fmt="%.1f")  # the labels go when the lines are removed
            artists.append(lines)
    if probabilities.min() < 0.5 < probabilities.max():  # else there is no line to draw (and matplotlib warns)
        artists.append(ax.contour(xx, yy, probabilities, levels=[0.5], colors="black", linewidths=1.5))
    return artists


def plot_decision_boundary(
    model: Any,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    resolution: int = GRID_RESOLUTION,
) -> Axes:
    """Draw the model's probability of class 1 over the data, its 0.5 contour and the points.

    Train points are circles, test points triangles, coloured by their true
    class; points the model gets wrong are ringed in black and counted in the
    legend. The default title gives train and test accuracy.
    """
    X_train, y_train = _check_labelled(X_train, y_train, "train")
    if (X_test is None) != (y_test is None):
        raise ValueError("plot_decision_boundary: pass both X_test and y_test, or neither")
    if X_test is not None:
        X_test, y_test = _check_labelled(X_test, y_test, "test")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
    xx, yy = decision_grid(X_train, X_test, resolution=resolution)
    draw_probability(ax, xx, yy, probability_grid(model, xx, yy))
    parts = _parts(X_train, y_train, X_test, y_test)
    accuracies: list[str] = []
    wrong_counts: list[str] = []
    wrong_sets: list[np.ndarray] = []
    for part, X, y, marker in parts:
        wrong = draw_points(ax, model, X, y, marker)
        accuracies.append(f"{part} {1 - wrong.mean():.1%}")
        wrong_counts.append(f"{int(wrong.sum())} {part}")
        wrong_sets.append(X[wrong])
    wrong_points = np.concatenate(wrong_sets)
    if len(wrong_points):
        ax.scatter(
            wrong_points[:, 0],
            wrong_points[:, 1],
            marker="o",
            s=45,
            facecolors="none",
            edgecolors="black",
            linewidths=0.9,
        )
    ax.set_title(title if title is not None else "accuracy: " + ", ".join(accuracies))
    ax.set_xlabel(AXIS_LABELS[0])
    ax.set_ylabel(AXIS_LABELS[1])
    wrong_label = "wrong: " + ", ".join(wrong_counts) if len(wrong_points) else None
    _legend(ax, [part for part, *_ in parts], wrong_label)
    return ax


def _parts(
    X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray | None, y_test: np.ndarray | None
) -> list[tuple[str, np.ndarray, np.ndarray, str]]:
    """(name, X, y, marker) for the train points and, when given, the test points."""
    parts = [("train", X_train, y_train, "o")]
    if X_test is not None and y_test is not None:
        parts.append(("test", X_test, y_test, "^"))
    return parts


def _legend(ax: Axes, parts: list[str], wrong_label: str | None, fontsize: float = 7) -> None:
    """A legend in neutral colours: the marker says train/test, the colour says the class."""
    from matplotlib.lines import Line2D

    def marker(symbol: str, colour: str, label: str, **style: Any) -> Line2D:
        return Line2D([], [], linestyle="none", marker=symbol, color=colour, label=label, **style)

    handles = [marker("s", CLASS_COLOURS[0], "class 0"), marker("s", CLASS_COLOURS[1], "class 1")]
    handles += [marker({"train": "o", "test": "^"}[part], "#555555", part) for part in parts]
    if wrong_label:
        handles.append(marker("o", "black", wrong_label, markerfacecolor="none", markersize=7))
    handles.append(Line2D([], [], color="black", linewidth=1.5, label="p = 0.5"))
    ax.legend(handles=handles, loc="lower left", fontsize=fontsize, framealpha=0.85, ncols=2)


def draw_points(ax: Axes, model: Any, X: np.ndarray, y: np.ndarray, marker: str) -> np.ndarray:
    """Scatter ``X`` coloured by true class; return the mask of points the model gets wrong."""
    colours = np.where(y == 1, CLASS_COLOURS[1], CLASS_COLOURS[0])
    ax.scatter(X[:, 0], X[:, 1], c=colours, marker=marker, s=18, edgecolors="white", linewidths=0.4)
    return (predict_probability(model, X) > 0.5) != (y == 1)


def plot_comparison(
    models: Mapping[str, Any],
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    ncols: int | None = None,
    resolution: int = GRID_RESOLUTION,
) -> Figure:
    """One decision-boundary panel per model, side by side, titled with its name and accuracy."""
    if not models:
        raise ValueError("plot_comparison: no models to compare")
    ncols = ncols or min(len(models), 4)
    nrows = -(-len(models) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.2 * ncols, 3.9 * nrows), sharex=True, sharey=True, squeeze=False, layout="constrained"
    )
    for ax, (name, model) in zip(axes.flat, models.items()):
        plot_decision_boundary(model, X_train, y_train, X_test, y_test, ax=ax, resolution=resolution)
        ax.set_title(f"{name}\n{ax.get_title()}", fontsize=10)
    for ax in axes.flat[len(models) :]:
        ax.set_visible(False)
    return fig


# ------------------------------------------------------------ learning curves
def plot_history(
    history: Any,
    axes: Any = None,
    title: str | None = None,
    xlabel: str = "epoch",
    val_label: str = "test",
) -> Figure:
    """Loss and accuracy per epoch, on the training data and on the held-out data, in two panels.

    ``history`` is the ``History`` that ``fit`` returns, or its ``.history``
    dict (``{"loss": [...], "accuracy": [...], "val_loss": [...], ...}``).
    The ``val_`` curves are labelled ``val_label``: "test", because this
    library's runs pass the test split as ``fit(validation_data=...)``; pass
    ``val_label="validation"`` when it is a separate validation set. The loss
    axis is logarithmic when the loss falls by more than a factor of ten, so
    the late, small improvements stay visible. ``axes`` is a pair of axes to
    draw into (default: a new figure). Returns the figure.

    >>> fig = plot_history({"loss": [0.7, 0.3, 0.1], "val_loss": [0.72, 0.35, 0.15]})  # doctest: +SKIP
    """
    curves: Mapping[str, Any] = getattr(history, "history", history)
    if not isinstance(curves, Mapping) or "loss" not in curves:
        raise ValueError("plot_history: expected a History or a dict with at least a 'loss' list")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    else:
        fig = axes[0].figure
    for ax, metric in zip(axes, ("loss", "accuracy")):
        for key, label, style in ((metric, "train", "-"), (f"val_{metric}", val_label, "--")):
            values = np.asarray(curves.get(key, []), dtype=np.float64)
            if values.size:
                ax.plot(np.arange(1, values.size + 1), values, style, label=label)
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no epoch 2.5
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend()
    loss_values = np.asarray(curves["loss"], dtype=np.float64)
    if loss_values.size and np.all(loss_values > 0) and loss_values.max() > 10 * loss_values.min():
        axes[0].set_yscale("log")
        # Decades as 10⁻², in Unicode: matplotlib's default labels them in mathtext (see AXIS_LABELS). The loss
        # spans more than a decade here, so matplotlib would label no tick between decades either.
        axes[0].yaxis.set_major_formatter(FuncFormatter(_power_of_ten_label))
        axes[0].yaxis.set_minor_formatter(NullFormatter())
    if not axes[1].lines:
        axes[1].text(0.5, 0.5, "no accuracy recorded", ha="center", va="center", transform=axes[1].transAxes)
    if title:
        fig.suptitle(title)
    return fig


def _power_of_ten_label(value: float, position: int | None = None) -> str:
    """A log axis' tick label: ``10⁻²`` for 0.01 (Unicode superscripts), other values as ``%g``."""
    exponent = round(math.log10(value)) if value > 0 else 0
    if value <= 0 or not math.isclose(value, 10.0**exponent, rel_tol=1e-9):
        return f"{value:g}"
    return "10" + str(exponent).translate(_SUPERSCRIPTS)


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


# ------------------------------------------------------------------ saving
def save_figure(figure: Figure | Axes, path: str | os.PathLike[str], dpi: int = 110) -> Path:
    """Save a figure (or an axes' figure) to ``path``, creating its folder, and close it to free memory."""
    root: Any = figure.figure if isinstance(figure, Axes) else figure
    root = getattr(root, "figure", root)  # a SubFigure's .figure is the Figure that saves; a Figure's is itself
    if not isinstance(root, Figure):
        raise TypeError(f"save_figure: expected a matplotlib Figure or Axes, got {type(figure).__name__}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    root.savefig(path, dpi=dpi)
    plt.close(root)
    return path


# ------------------------------------------------------------------ checks
def _check_points(X: Any, who: str) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"{who}: a decision boundary needs 2-D points of shape (n, 2), got shape {X.shape}")
    if len(X) == 0:
        raise ValueError(f"{who}: no points to plot")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{who}: the points contain NaN or inf")
    return X


def _check_labelled(X: Any, y: Any, part: str) -> tuple[np.ndarray, np.ndarray]:
    X = _check_points(X, f"plot_decision_boundary ({part} points)")
    y = np.asarray(y).reshape(-1)
    if len(y) != len(X):
        raise ValueError(f"plot_decision_boundary: {len(X)} {part} points but {len(y)} {part} labels")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError(f"plot_decision_boundary: {part} labels must be 0 or 1")
    return X, y


__all__ = [
    "decision_grid",
    "draw_probability",
    "plot_comparison",
    "plot_decision_boundary",
    "plot_history",
    "predict_probability",
    "probability_grid",
    "save_figure",
]
