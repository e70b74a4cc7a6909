"""Seeing inside: the computation graph (Graphviz) and training plots (matplotlib).

``graph`` needs only the ``graphviz`` package; ``plots`` and ``animation``
import matplotlib when they are first used, so drawing a graph never loads it.
"""

from tinygrad_moons.viz.graph import ComputationGraph, describe_layer, draw_graph, summarize, walk_graph
from tinygrad_moons.viz.renderer import find_dot, render_graph

__all__ = [
    "ComputationGraph",
    "describe_layer",
    "draw_graph",
    "find_dot",
    "render_graph",
    "summarize",
    "walk_graph",
]
