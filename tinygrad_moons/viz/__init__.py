"""Seeing inside: the computation graph (Graphviz) and training pictures (matplotlib).

* :mod:`tinygrad_moons.viz.graph` (exported here): :func:`draw_graph` and
  :func:`draw_model_graph` build a ``graphviz.Digraph`` of a recorded graph;
  :func:`render_graph` writes it as SVG or PNG with the ``dot`` that
  :func:`find_dot` finds (``TINYGRAD_MOONS_DOT``, a system Graphviz, graphviz-pure).
* :mod:`tinygrad_moons.viz.plots`: decision boundaries, learning curves, comparisons.
* :mod:`tinygrad_moons.viz.animation`: a callback that films the decision boundary during ``fit``.
* :mod:`tinygrad_moons.viz.figures`: the files the command line writes.

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
    "find_dot",
    "render_graph",
    "summarize",
    "walk_graph",
]
