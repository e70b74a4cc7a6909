"""Seeing inside: the computation graph (Graphviz) and training pictures (matplotlib).

* :mod:`tinygrad_moons.viz.graph` (exported here): :func:`draw_graph` and
  :func:`draw_model_graph` build a ``graphviz.Digraph`` of a recorded graph;
  :func:`render_graph` writes it as SVG or PNG with the ``dot`` that
  :func:`find_dot` finds (``TINYGRAD_MOONS_DOT``, a system Graphviz, graphviz-pure).
* :mod:`tinygrad_moons.viz.plots`: decision boundaries, learning curves, comparisons.
* :mod:`tinygrad_moons.viz.animation`: a callback that films the decision boundary during ``fit``.
* :mod:`tinygrad_moons.viz.figures`: the files the command line writes.
* :mod:`tinygrad_moons.viz.program`: :func:`draw_program`, a compiled step's
  kernel list and buffers beside the graph it was captured from (loaded on
  first use: ``from tinygrad_moons.viz import draw_program``).

The last three import matplotlib, so they are imported by name
(``from tinygrad_moons.viz.plots import plot_decision_boundary``); drawing a
graph never loads matplotlib.
"""

from tinygrad_moons.viz.graph import (
    ComputationGraph,
    describe_layer,
    draw_graph,
    draw_model_graph,
    summarize,
    walk_graph,
)
from tinygrad_moons.viz.renderer import find_dot, render_graph

__all__ = [
    "ComputationGraph",
    "describe_layer",
    "draw_graph",
    "draw_model_graph",
    "draw_program",
    "find_dot",
    "render_graph",
    "summarize",
    "walk_graph",
]


def __getattr__(name: str) -> object:
    """``draw_program`` is imported on first use (it loads the compiler, ``tinygrad_moons.jit``)."""
    if name == "draw_program":
        from tinygrad_moons.viz.program import draw_program

        return draw_program
    raise AttributeError(f"module 'tinygrad_moons.viz' has no attribute {name!r}")
