"""The files the command line writes: the functions ``tinygrad-moons train``, ``graph`` and ``compare`` call.

Kept here, not in the command line, so that ``examples/make_readme_images.py``
calls exactly the same code and the README's pictures match what the
commands produce.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_moons.viz.graph import draw_model_graph
from tinygrad_moons.viz.renderer import render_graph

#: How many training points the drawn graph is evaluated on: shapes read (32, 25), as one mini-batch.
GRAPH_SAMPLES = 32


def write_loss_graph(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    collapse: bool = False,
    show_values: bool = False,
    show_grads: bool = False,
    grad_flow: bool = False,
    samples: int = GRAPH_SAMPLES,
    rankdir: str = "TB",
) -> Path:
    """Draw the compiled ``model``'s loss graph on the first ``samples`` rows of ``X`` and render it to ``path``.

    Returns the file written: the SVG or PNG, or the ``.dot`` source (with a
    warning) when no Graphviz renderer is installed.
    """
    X_part, y_part = np.asarray(X)[:samples], np.asarray(y)[:samples]
    graph = draw_model_graph(
        model,
        X_part,
        y_part,
        collapse=collapse,
        show_values=show_values,
        show_grads=show_grads,
        grad_flow=grad_flow,
        rankdir=rankdir,
    )
    return render_graph(graph, path, format)


def graph_after_one_step(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    batch_size: int = GRAPH_SAMPLES,
    seed: int = 0,
    **options: Any,
) -> Path:
    """Take one training step on one mini-batch of the compiled ``model``, then draw its loss graph on that batch.

    After one step the parameters have moved and the gradients are those a
    second step would use, so values and gradients are realistic rather
    than the initial ones. Options as :func:`write_loss_graph`.
    """
    X_batch, y_batch = np.asarray(X)[:batch_size], np.asarray(y)[:batch_size]
    model.fit(X_batch, y_batch, epochs=1, batch_size=batch_size, verbose=0, shuffle=False, seed=seed)
    return write_loss_graph(model, X_batch, y_batch, path, format, samples=batch_size, **options)


def training_recorder(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray | None,
    y_test: np.ndarray | None,
    total_updates: int,
    frames: int = 100,
) -> Any:
    """A :class:`~tinygrad_moons.viz.animation.DecisionBoundaryRecorder` spreading about ``frames`` frames over a run.

    It captures every ``total_updates // frames`` parameter updates: the
    default recipe learns the moons within a few epochs, so capturing once
    per epoch would show little but the end.
    """
    from tinygrad_moons.viz.animation import DecisionBoundaryRecorder

    every = max(1, total_updates // max(1, frames))
    return DecisionBoundaryRecorder(X_train, y_train, X_test, y_test, every_batches=every)


def write_training_figures(
    model: Any,
    history: Any,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray | None,
    y_test: np.ndarray | None,
    out_dir: str | os.PathLike[str],
    recorder: Any = None,
    fps: int = 10,
    dpi: int = 110,
    gif_dpi: int = 72,
) -> dict[str, Path]:
    """Write what ``tinygrad-moons train`` shows into ``out_dir``; returns {what: path}.

    ``decision_boundary.png`` (train and test points over the model's
    probability), ``curves.png`` (loss and accuracy per epoch), ``graph.svg``
    (the loss graph on one mini-batch, with values, gradients and gradient-flow
    colours) and, when a :class:`~tinygrad_moons.viz.animation.DecisionBoundaryRecorder`
    was passed to ``fit``, ``training.gif``. ``dpi`` is the PNGs' resolution,
    ``gif_dpi`` and ``fps`` the animation's.
    """
    from tinygrad_moons.viz import plots

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    written["decision_boundary"] = plots.save_figure(
        plots.plot_decision_boundary(model, X_train, y_train, X_test, y_test), out_dir / "decision_boundary.png", dpi
    )
    written["curves"] = plots.save_figure(plots.plot_history(history), out_dir / "curves.png", dpi)
    written["graph"] = write_loss_graph(
        model, X_train, y_train, out_dir / "graph.svg", show_values=True, show_grads=True, grad_flow=True
    )
    if recorder is not None and recorder.frames:
        written["animation"] = recorder.save_gif(out_dir / "training.gif", fps=fps, dpi=gif_dpi)
    return written


#: The runs of ``experiment.compare`` that get a panel in compare.png (by their keys), in order.
COMPARISON_PANELS = (
    "handwritten/course",
    "tinygrad_moons/course",
    "tinygrad_moons/default",
    "sklearn/default",
)


def comparison_models(results: Any) -> dict[str, Any]:
    """Label -> fitted model for compare.png, from ``experiment.compare``'s results.

    The four runs the comparison is about (by key, :data:`COMPARISON_PANELS`),
    in order; if none of them is found, every run whose model can predict
    gets a panel instead.
    """
    by_key = {result.key: result for result in results}
    chosen = {by_key[key].label: by_key[key].model for key in COMPARISON_PANELS if key in by_key}
    if chosen:
        return chosen
    return {
        result.label: result.model
        for result in results
        if hasattr(result.model, "predict_proba") or hasattr(result.model, "predict")
    }


def write_comparison(
    models: Mapping[str, Any],
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray | None,
    y_test: np.ndarray | None,
    path: str | os.PathLike[str],
    dpi: int = 110,
) -> Path:
    """Write ``compare.png``: one decision-boundary panel per model (name -> fitted model)."""
    from tinygrad_moons.viz import plots

    return plots.save_figure(plots.plot_comparison(models, X_train, y_train, X_test, y_test), path, dpi)
