"""Seeing inside: the computation graph (Graphviz) and training pictures (matplotlib).

* :mod:`tinygrad_moons.viz.graph`: :func:`draw_graph` and
  :func:`draw_model_graph` build a :class:`ComputationGraph` (a
  ``graphviz.Digraph`` whose ``render``, ``pipe`` and notebook display use the
  ``dot`` that :func:`find_dot` finds: ``TINYGRAD_MOONS_DOT``, a system Graphviz
  or graphviz-pure); :func:`render_graph` writes one to a file in any format
  the renderer supports (:func:`supported_formats`).
* :mod:`tinygrad_moons.viz.plots`: decision boundaries, learning curves, comparisons
  (:func:`plot_decision_boundary`, :func:`plot_history`, :func:`plot_comparison`,
  :func:`save_figure`, ...).
* :mod:`tinygrad_moons.viz.animation`: :class:`DecisionBoundaryRecorder`, a
  callback that films the decision boundary during ``fit``.
* :mod:`tinygrad_moons.viz.figures`: the files the command line writes.
* :mod:`tinygrad_moons.viz.program`: :func:`draw_program`, a compiled step's
  kernel list and buffers beside the graph it was captured from (loaded on
  first use: ``from tinygrad_moons.viz import draw_program``).

Every name above is exported here. The plotting ones load matplotlib, so they
are imported on first use (``from tinygrad_moons.viz import plot_history``
imports matplotlib then; ``import tinygrad_moons.viz`` does not), and drawing a
graph never loads matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

from tinygrad_moons.viz.graph import (
    ComputationGraph,
    describe_layer,
    draw_graph,
    draw_model_graph,
    summarize,
    walk_graph,
)
from tinygrad_moons.viz.renderer import find_dot, render_graph, supported_formats

#: Names exported here but defined in a module that imports matplotlib: name -> that module.
_LAZY = {
    "decision_grid": "tinygrad_moons.viz.plots",
    "draw_probability": "tinygrad_moons.viz.plots",
    "plot_comparison": "tinygrad_moons.viz.plots",
    "plot_decision_boundary": "tinygrad_moons.viz.plots",
    "plot_history": "tinygrad_moons.viz.plots",
    "predict_probability": "tinygrad_moons.viz.plots",
    "probability_grid": "tinygrad_moons.viz.plots",
    "save_figure": "tinygrad_moons.viz.plots",
    "DecisionBoundaryRecorder": "tinygrad_moons.viz.animation",
    "Frame": "tinygrad_moons.viz.animation",
    # not matplotlib, but the compiler (tinygrad_moons.jit), which drawing a graph does not need
    "draw_program": "tinygrad_moons.viz.program",
}


def __getattr__(name: str) -> Any:
    """Import a plotting helper's module (and so matplotlib) the first time the helper is asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tinygrad_moons.viz' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    """The module's names, the lazily imported ones included (for tab completion)."""
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ComputationGraph",
    "describe_layer",
    "draw_graph",
    "draw_model_graph",
    "find_dot",
    "render_graph",
    "summarize",
    "supported_formats",
    "walk_graph",
    *_LAZY,
]

