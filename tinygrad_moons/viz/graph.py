"""Drawing the computation graph that produced a tensor, with Graphviz.

Every op the engine records keeps its inputs (``tensor.grad_fn.parents``), so
from a loss we can walk back to the data and the parameters. :func:`draw_graph`
turns that walk into a ``graphviz.Digraph``:

* a box per leaf tensor: the inputs (data, targets, constants) in grey and the
  parameters in yellow, under their dotted names (``dense_1.kernel``);
* a box per op, named as in the op registry (``matmul``, ``add``, ``relu``),
  standing for the op *and* the tensor it produced;
* an arrow from each input to the op that used it, so arrows follow the data
  from the inputs to the loss (the backward pass runs them in reverse);
* one cluster per layer, grouping every tensor made while that layer ran
  (the engine tags them with ``tensor.scope``).

Options add each node's shape, dtype, value summary and gradient, colour the
parameters by gradient size, or collapse each layer into one box. This module
only builds DOT source; :mod:`tinygrad_moons.viz.renderer` turns it into SVG or PNG.
"""

from __future__ import annotations

import html
import math
import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from tinygrad_moons import autograd
from tinygrad_moons.tensor import Tensor
from tinygrad_moons.viz import renderer as renderer_module

#: The font of every label: DejaVu Sans ships with most Linux systems, matplotlib and graphviz-pure (which has its
#: metrics), so the boxes are sized for the font that is drawn; Helvetica, Graphviz's habit, is missing on most Linux
#: machines, and the wider DejaVu that replaced it overflowed boxes measured for Helvetica.
FONT = "DejaVu Sans"

# Fill colours by kind of node, chosen to stay readable in print and for the colour-blind.
_PARAMETER_COLOUR = "#fff2cc"
_INPUT_COLOUR = "#eeeeee"
_LAYER_COLOUR = "#f7f7f7"
# Ops are coloured by their kind (each op class's ``kind`` attribute in tinygrad_moons.ops).
_KIND_COLOURS = {
    "matmul": "#cfe2f3",
    "loss": "#f4cccc",
    "arithmetic": "#d9ead3",
    "activation": "#fce5cd",
    "reduction": "#ead1dc",
}
_OTHER_OP_COLOUR = "#e6e6fa"
# The viridis colour map at five stops: dark purple for the smallest gradients, yellow for the largest.
_GRADIENT_SCALE = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]


class RendererNotFoundError(graphviz.ExecutableNotFound, FileNotFoundError):
    """No Graphviz renderer at all: neither ``TINYGRAD_MOONS_DOT``, a system ``dot`` nor graphviz-pure.

    A ``graphviz.ExecutableNotFound`` (what the ``graphviz`` package raises
    for a missing ``dot``), so code written for it still catches it, and a
    ``FileNotFoundError``.
    """

    def __init__(self, message: str):
        RuntimeError.__init__(self, message)


class ComputationGraph(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders with the ``dot`` our renderer finds, not only one on PATH.

    ``graphviz.Digraph`` runs a program literally called ``dot`` found on
    PATH, so with only graphviz-pure installed (this package's dependency),
    or in a Jupyter kernel whose PATH lacks the virtualenv, its ``render``,
    ``pipe`` and notebook display raised ``ExecutableNotFound``. Here they run
    :func:`~tinygrad_moons.viz.renderer.find_dot`'s program instead, with the
    same arguments and results as ``graphviz``'s; everything else is
    ``graphviz.Digraph``'s own. Without any renderer ``pipe`` and ``render``
    raise :class:`RendererNotFoundError` (saying how to install one) and the
    notebook shows the DOT source as text. Formats are those of
    :func:`~tinygrad_moons.viz.renderer.supported_formats` (graphviz-pure has
    no PDF, so these graphs default to SVG).

    >>> graph = draw_graph(loss)  # doctest: +SKIP
    >>> graph.render("loss_graph", format="png")  # doctest: +SKIP
    'loss_graph.png'
    """

    def pipe(  # the parameters of graphviz.Digraph.pipe
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """The graph laid out and rendered by our ``dot``: bytes, or ``str`` when ``encoding`` is given.

        As ``graphviz.Digraph.pipe``: ``format`` defaults to the graph's
        ``format`` (``"svg"``), ``engine`` to its ``engine`` (``"dot"``);
        ``renderer``/``formatter`` become ``-Tformat:renderer:formatter`` and
        ``neato_no_op`` ``-n``. ``quiet`` is accepted for compatibility: the
        layout program's warnings are never shown, its errors are raised.
        """
        dot = renderer_module.find_dot()
        if dot is None:
            raise RendererNotFoundError(f"no Graphviz renderer found: {renderer_module.INSTALL_HINT}")
        output = renderer_module.pipe(
            self.source,
            _output_flag(format or self.format, renderer, formatter),
            dot,
            engine=engine or self.engine,
            options=_neato_flag(neato_no_op),
        )
        return output.decode(encoding) if encoding is not None else output

    def render(  # the parameters of graphviz.Digraph.render
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike[str] | None = None,
        engine: str | None = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
    ) -> str:
        """Save the DOT source to a file and render it next to it with our ``dot``; returns the rendered file's path.

        As ``graphviz.Digraph.render``: the source goes to ``filename``
        (default ``<name>.gv``) in ``directory`` and the picture to
        ``<that path>.<format>``, or, with ``outfile``, the picture goes to
        ``outfile`` (its suffix gives the format) and the source beside it as
        ``.gv``. ``cleanup`` deletes the source afterwards, ``view`` opens the
        picture, ``raise_if_result_exists`` refuses to overwrite it.
        """
        if outfile is not None:
            outfile = Path(outfile)
            if format is None:
                format = outfile.suffix.lstrip(".").lower() or self.format
            if directory is None:
                outfile = Path(self.directory, outfile)
            if filename is None:
                filename = outfile.with_suffix(".gv")
        format = format or self.format
        source_path = Path(self.save(filename, directory=directory, skip_existing=None))
        rendered = outfile if outfile is not None else source_path.with_name(f"{source_path.name}.{format}")
        if rendered.resolve() == source_path.resolve() and not overwrite_source:
            raise ValueError(f"render: outfile {rendered} is the DOT source file itself (pass overwrite_source=True)")
        if raise_if_result_exists and rendered.exists():
            raise graphviz.FileExistsError(f"output file exists: {os.fspath(rendered)!r}")
        image = self.pipe(format, renderer, formatter, neato_no_op, quiet, engine=engine)
        assert isinstance(image, bytes)
        rendered.write_bytes(image)
        if cleanup:
            source_path.unlink()
        if view or quiet_view:
            self._view(rendered, format=format, quiet=quiet_view)
        return os.fspath(rendered)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> dict[str, Any]:
        """Jupyter's display: SVG by default (PNG, JPEG on request), or the DOT source as text without a renderer."""
        if renderer_module.find_dot() is None:
            warnings.warn(f"cannot display the graph: {renderer_module.INSTALL_HINT}", stacklevel=2)
            return {"text/plain": self.source}
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        methods = {
            "image/jpeg": self._repr_image_jpeg,
            "image/png": self._repr_image_png,
            "image/svg+xml": self._repr_image_svg_xml,
        }
        return {mimetype: method() for mimetype, method in methods.items() if mimetype in wanted}


def _output_flag(format: str, renderer: str | None, formatter: str | None) -> str:
    """``format[:renderer[:formatter]]``, the value of dot's ``-T``."""
    if formatter is not None and renderer is None:
        raise graphviz.RequiredArgumentError("formatter given without renderer")
    return ":".join(part for part in (format, renderer, formatter) if part)


def _neato_flag(neato_no_op: bool | int | None) -> tuple[str, ...]:
    if neato_no_op is None or neato_no_op is False:
        return ()
    return ("-n",) if neato_no_op is True else (f"-n{int(neato_no_op)}",)


def walk_graph(output: Tensor) -> list[Tensor]:
    """Every tensor ``output`` was computed from, inputs before the ops that use them.

    Unlike the list backward() walks, this includes constant inputs such as
    the data and the targets, so they appear in the drawing.
    """
    return autograd.topological_order([output], include_constants=True)


def describe_layer(layer: Any) -> str:
    """A one-line description of a layer for a cluster title: ``dense_1 (Dense 2→25, relu)``.

    Reads what a layer usually has (``name``, a 2-D ``kernel``, ``units``,
    ``activation_name``), so any module gets a sensible title.
    """
    kind = type(layer).__name__
    name = getattr(layer, "name", None) or kind.lower()
    details = []
    kernel = getattr(layer, "kernel", None)
    if isinstance(kernel, Tensor) and kernel.ndim == 2:
        details.append(f"{kernel.shape[0]}→{kernel.shape[1]}")
    elif isinstance(getattr(layer, "units", None), int):
        details.append(f"→{layer.units}")
    activation = getattr(layer, "activation_name", None) or getattr(layer, "activation", None)
    if not isinstance(activation, str):
        activation = getattr(activation, "__name__", None)
    if activation and activation != "linear" and activation != kind.lower():
        details.append(activation)
    return f"{name} ({kind}{' ' if details else ''}{', '.join(details)})"


def draw_graph(
    output: Tensor,
    *,
    show_shapes: bool = True,
    show_values: bool = False,
    show_grads: bool = False,
    grad_flow: bool = False,
    collapse: bool = False,
    max_nodes: int = 500,
    rankdir: str = "TB",
    title: str | None = None,
    notes: Mapping[Tensor, str] | None = None,
) -> ComputationGraph:
    """Draw the computation graph that produced ``output`` (usually a loss).

    Parameters
    ----------
    output:
        The tensor whose history to draw. It must have a recorded graph
        (computed from tensors with ``requires_grad=True``, outside ``no_grad``).
    show_shapes:
        Show each tensor's shape and dtype.
    show_values:
        Show each tensor's value: the number itself for one element, else
        mean, standard deviation, minimum and maximum.
    show_grads:
        Show the gradient of ``output`` with respect to each tensor. For a
        one-element ``output`` it is computed here with
        :func:`tinygrad_moons.grad` (nothing is stored on the tensors, and
        intermediate tensors get one too); otherwise each tensor's ``.grad``
        is shown where it has one. After ``output.backward()``, which frees
        the graph, the drawing shows the ``.grad`` that backward left on the
        leaves, as PyTorch's graph after backward would: drawing right after
        a training step's ``loss.backward()`` works.
    grad_flow:
        Colour each parameter by the mean absolute value of its gradient, on a
        logarithmic scale with a legend: vanishing gradients show dark, large
        ones bright.
    collapse:
        Draw each layer as a single box listing its ops and parameters.
    max_nodes:
        Refuse (``ValueError``) to draw more boxes than this: such a drawing
        cannot be read. ``collapse=True`` draws far fewer.
    rankdir:
        ``"TB"`` to draw from top to bottom, ``"LR"`` from left to right.
    title:
        A caption under the drawing.
    notes:
        Extra text for chosen tensors' boxes, e.g. ``{hidden: "ReLU' = [z > 0]"}``
        to say which step of a derivation an op performs.

    Returns a ``graphviz.Digraph`` (displayed inline in Jupyter); write it to a
    file with :func:`tinygrad_moons.viz.render_graph`.
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(output).__name__}")
    if output.grad_fn is None:
        raise ValueError(
            "draw_graph: this tensor has no recorded graph to draw (it is a leaf: was it computed "
            "under no_grad, or from inputs none of which has requires_grad=True?)"
        )
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"draw_graph: rankdir must be 'TB' or 'LR' (or 'BT', 'RL'), got {rankdir!r}")

    tensors = walk_graph(output)
    layer_of = _assign_layers(tensors)
    clusters = _cluster_names(tensors, layer_of)
    node_count = len(clusters) + sum(1 for t in tensors if id(t) not in layer_of) if collapse else len(tensors)
    if node_count > max_nodes:
        if collapse:
            advice = "pass a larger max_nodes to draw it anyway"
        else:
            advice = "pass collapse=True to draw each layer as one node"
        raise ValueError(
            f"draw_graph: the graph has {node_count} nodes, more than max_nodes={max_nodes}, too many to read; {advice}"
        )

    gradients = _gradients(output, tensors) if (show_grads or grad_flow) else {}
    colours = _gradient_colours(tensors, gradients) if grad_flow else None

    graph = ComputationGraph(
        name="computation_graph",
        format="svg",  # graphviz's default is pdf, which graphviz-pure cannot write
        graph_attr={"rankdir": rankdir, "fontname": FONT, "nodesep": "0.25", "ranksep": "0.35"},
        node_attr={"fontname": FONT, "fontsize": "11", "shape": "box", "style": "rounded,filled"},
        edge_attr={"arrowsize": "0.7", "color": "#555555", "fontname": FONT},
    )
    style = _Style(output, show_shapes, show_values, show_grads, gradients, colours, notes or {})
    style.roles = leaf_roles(tensors)
    ids = {id(t): f"t{i}" for i, t in enumerate(tensors)}
    if collapse:
        _draw_collapsed(graph, tensors, ids, layer_of, clusters, style)
    else:
        _draw_full(graph, tensors, ids, layer_of, clusters, style)
    if title or colours is not None:
        graph.attr(label=_caption(title, colours), labelloc="b", fontsize="12")
    return graph


class _Style:
    """What to write in each box, shared by the full and the collapsed drawing."""

    def __init__(
        self,
        output: Tensor,
        show_shapes: bool,
        show_values: bool,
        show_grads: bool,
        gradients: dict[int, np.ndarray],
        colours: _GradientColours | None,
        notes: Mapping[Tensor, str],
    ):
        self.output = output
        self.show_shapes = show_shapes
        self.show_values = show_values
        self.show_grads = show_grads
        self.gradients = gradients
        self.colours = colours
        self.notes = {id(tensor): text for tensor, text in notes.items()}
        self.roles: dict[int, str] = {}

    def role(self, tensor: Tensor) -> str:
        """What an unnamed leaf is, from how the ops use it (see :func:`leaf_roles`)."""
        return self.roles.get(id(tensor), "parameter" if tensor.requires_grad else "constant")

    def note(self, tensor: Tensor) -> str | None:
        """The user's note for this tensor, HTML-escaped, or None."""
        text = self.notes.get(id(tensor))
        return None if text is None else html.escape(text)

    def details(self, tensor: Tensor) -> list[str]:
        """The small lines under a node's title: shape, value, gradient (each HTML-escaped)."""
        lines = []
        if self.show_shapes:
            lines.append(f"{_shape_text(tensor.shape)} {tensor.dtype}")
        if self.show_values:
            lines.append("value " + summarize(tensor.data))
        if self.show_grads and id(tensor) in self.gradients:
            lines.append("grad " + summarize(self.gradients[id(tensor)]))
        if self.colours is not None and tensor.grad_fn is None and id(tensor) in self.gradients:
            magnitude = float(np.mean(np.abs(self.gradients[id(tensor)])))
            lines.append(f"mean |grad| {_number(magnitude)}")  # the number the colour stands for
        return [html.escape(line) for line in lines]


# ---------------------------------------------------------------- the drawings
def _draw_full(
    graph: graphviz.Digraph,
    tensors: list[Tensor],
    ids: dict[int, str],
    layer_of: dict[int, Any],
    clusters: dict[int, tuple[Any, str]],
    style: _Style,
) -> None:
    """One box per tensor, the boxes of each layer inside its cluster."""
    for layer, cluster_name in clusters.values():
        with graph.subgraph(name=cluster_name) as cluster:
            cluster.attr(
                label=describe_layer(layer),
                labelloc="t",  # clusters inherit the caption's "b" otherwise
                style="rounded,filled",
                fillcolor=_LAYER_COLOUR,
                color="#999999",
                fontsize="12",
            )
            for tensor in tensors:
                if layer_of.get(id(tensor)) is layer:
                    _add_tensor_node(cluster, tensor, ids[id(tensor)], style)
    for tensor in tensors:
        if id(tensor) not in layer_of:
            _add_tensor_node(graph, tensor, ids[id(tensor)], style)
    for tensor in tensors:
        if tensor.grad_fn is not None:
            for parent in tensor.grad_fn.parents:  # one arrow per input, in argument order
                graph.edge(ids[id(parent)], ids[id(tensor)], **_edge_layout(parent, tensor, layer_of))


def _edge_layout(parent: Tensor, child: Tensor, layer_of: dict[int, Any]) -> dict[str, str]:
    """Graphviz attributes that keep the full drawing readable instead of a diagonal staircase.

    A layer's parameters sit one rank above its first op; if the previous
    layer's output sat on that same rank the two clusters could not share it
    and each layer was pushed sideways. An arrow from one layer into the next
    is therefore two ranks long (the parameters get a rank of their own), and
    arrows between ops are heavy, so the data's path runs straight with the
    leaves hanging beside it.
    """
    attributes: dict[str, str] = {}
    if parent.grad_fn is not None:
        attributes["weight"] = "10"
        if layer_of.get(id(parent)) is not layer_of.get(id(child)):
            attributes["minlen"] = "2"
    return attributes


def _draw_collapsed(
    graph: graphviz.Digraph,
    tensors: list[Tensor],
    ids: dict[int, str],
    layer_of: dict[int, Any],
    clusters: dict[int, tuple[Any, str]],
    style: _Style,
) -> None:
    """One box per layer (its ops and parameters listed inside); tensors outside layers as usual."""
    node_of: dict[int, str] = {}
    for layer, cluster_name in clusters.values():
        members = [t for t in tensors if layer_of.get(id(t)) is layer]
        node_id = cluster_name.replace("cluster_", "layer_", 1)
        for tensor in members:
            node_of[id(tensor)] = node_id
        graph.node(node_id, label=_layer_label(layer, members, style), shape="plain", style="")
    for tensor in tensors:
        if id(tensor) not in layer_of:
            node_of[id(tensor)] = ids[id(tensor)]
            _add_tensor_node(graph, tensor, ids[id(tensor)], style)
    drawn: set[tuple[str, str]] = set()
    for tensor in tensors:
        if tensor.grad_fn is None:
            continue
        for parent in tensor.grad_fn.parents:
            edge = (node_of[id(parent)], node_of[id(tensor)])
            if edge[0] != edge[1] and edge not in drawn:  # arrows inside a layer disappear with it
                drawn.add(edge)
                graph.edge(*edge)


def _add_tensor_node(graph: graphviz.Digraph, tensor: Tensor, node_id: str, style: _Style) -> None:
    """A leaf (parameter, input, target, constant) or an op with the tensor it made."""
    is_output = tensor is style.output
    fill = _PARAMETER_COLOUR
    font_colour = "black"
    if tensor.grad_fn is not None:
        title = f"<B>{html.escape(tensor.grad_fn.name)}</B>"
        fill = _KIND_COLOURS.get(tensor.grad_fn.kind, _OTHER_OP_COLOUR)
    elif tensor.requires_grad:
        title = f"<B>{html.escape(tensor.name or style.role(tensor))}</B>"
        if style.colours is not None and id(tensor) in style.gradients:
            fill, font_colour = style.colours.of(style.gradients[id(tensor)])
    else:
        title = html.escape(tensor.name or style.role(tensor))
        fill = _INPUT_COLOUR
        if tensor.data.size <= SMALL_TENSOR and not style.show_values:
            title += " " + html.escape(summarize(tensor.data))  # a small constant is its values: say them
    if is_output and tensor.name:
        title += f"<BR/><I>{html.escape(tensor.name)}</I>"
    lines = [title] + [f'<FONT POINT-SIZE="9">{line}</FONT>' for line in style.details(tensor)]
    if style.note(tensor):
        lines.append(f'<FONT POINT-SIZE="10" COLOR="#990000"><I>{style.note(tensor)}</I></FONT>')
    label = "<" + '<BR/>'.join(lines) + ">"
    if font_colour != "black":
        label = f'<<FONT COLOR="{font_colour}">' + label[1:-1] + "</FONT>>"
    attributes = {"fillcolor": fill}
    if tensor.grad_fn is not None:
        attributes["group"] = "ops"  # dot keeps arrows within a group straight: the data's path runs down a line
    if is_output:
        attributes.update(penwidth="2.5", color="#cc0000")
    graph.node(node_id, label=label, **attributes)


def _layer_label(layer: Any, members: list[Tensor], style: _Style) -> str:
    """An HTML table for a collapsed layer: its title, its ops, its output, one row per parameter."""
    ops = [t for t in members if t.grad_fn is not None]
    parameters = [t for t in members if t.grad_fn is None and t.requires_grad]
    rows = [f'<TR><TD><B>{html.escape(describe_layer(layer))}</B></TD></TR>']
    if ops:
        op_names = html.escape(" → ".join(str(getattr(t.grad_fn, "name", "?")) for t in ops))
        rows.append(f'<TR><TD><FONT POINT-SIZE="9">{op_names}</FONT></TD></TR>')
        for line in style.details(ops[-1]):
            rows.append(f'<TR><TD><FONT POINT-SIZE="9">out {line}</FONT></TD></TR>')
    for tensor in members:
        if style.note(tensor):
            rows.append(f'<TR><TD><FONT POINT-SIZE="10" COLOR="#990000"><I>{style.note(tensor)}</I></FONT></TD></TR>')
    for parameter in parameters:
        fill, font_colour = _PARAMETER_COLOUR, "black"
        if style.colours is not None and id(parameter) in style.gradients:
            fill, font_colour = style.colours.of(style.gradients[id(parameter)])
        text = "<BR/>".join([html.escape(parameter.name or style.role(parameter))] + style.details(parameter))
        rows.append(
            f'<TR><TD BGCOLOR="{fill}"><FONT POINT-SIZE="9" COLOR="{font_colour}">{text}</FONT></TD></TR>'
        )
    # By identity: `in` would compare tensors with ==, which is elementwise.
    border = ' COLOR="#cc0000"' if any(member is style.output for member in members) else ""
    return (
        f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" CELLPADDING="3" STYLE="rounded" '
        f'BGCOLOR="{_LAYER_COLOUR}"{border}>' + "".join(rows) + "</TABLE>>"
    )


def draw_model_graph(model: Any, X: Any, y: Any = None, **options: Any) -> ComputationGraph:
    """Draw the graph of ``model`` on inputs ``X``: its loss against ``y`` if the model is compiled, else its output.

    ``X`` and ``y`` appear in the drawing as the leaves ``X`` and ``y``. Every
    keyword of :func:`draw_graph` is accepted (``show_values``, ``collapse``, ...);
    without a ``title`` the caption gives the loss.
    """
    dtype = getattr(model, "dtype", np.float64)
    inputs = Tensor(np.asarray(X.data if isinstance(X, Tensor) else X), dtype=dtype, name="X")
    with autograd.enable_grad():
        output = model(inputs)
        loss_function = getattr(model, "loss", None)
        if y is None or loss_function is None:
            return draw_graph(output, **options)
        targets = np.asarray(y.data if isinstance(y, Tensor) else y)
        if targets.ndim == 1 and output.ndim == 2 and output.shape[1] == 1:
            targets = targets.reshape(-1, 1)  # labels (n,) against one output unit (n, 1), as fit does
        from tinygrad_moons.nn.losses import compute  # each loss in its own dialect's argument order

        loss = compute(loss_function, Tensor(targets, dtype=output.dtype, name="y"), output)
    name = getattr(model, "name", "model")
    options.setdefault("title", f"{name}: loss = {summarize(loss.data)} on {len(inputs.data)} samples")
    return draw_graph(loss, **options)


# ---------------------------------------------------------------- leaf roles
#: (op name, argument position) -> the role of a leaf used there, for leaves without a name.
_ROLE_BY_USE = {
    ("linear", 0): "input",
    ("linear", 1): "weight",
    ("linear", 2): "bias",
    ("matmul", 0): "input",
    ("matmul", 1): "weight",
}


def leaf_roles(tensors: list[Tensor]) -> dict[int, str]:
    """``id(leaf)`` -> what the leaf is for, read from the ops that use it: ``input``, ``weight``, ``bias``, ``target``.

    The role labels an unnamed leaf: the data a dense layer multiplies is its
    ``input``, its kernel and bias ``weight`` and ``bias`` (also in
    ``x @ W + b`` written out), what a loss
    compares the prediction with is the ``target``. A leaf used in several
    roles, or in none of these, is a ``parameter`` if it requires a gradient,
    else a ``constant`` (e.g. ``1 - y`` computed from the targets, shown with
    its values when it is small). Leaves with a name keep their name.
    """
    found: dict[int, set[str]] = {}
    for tensor in tensors:
        if tensor.grad_fn is None:
            continue
        for position, parent in enumerate(tensor.grad_fn.parents):
            if parent.grad_fn is not None:
                continue
            role = _ROLE_BY_USE.get((tensor.grad_fn.name, position))
            if tensor.grad_fn.kind == "loss" and position > 0:
                role = "target"
            elif tensor.grad_fn.name == "add" and _is_matmul(tensor.grad_fn.parents[1 - position]):
                role = "bias"  # x @ W + b, written out
            if role is not None:
                found.setdefault(id(parent), set()).add(role)
    return {key: roles.pop() for key, roles in found.items() if len(roles) == 1}


def _is_matmul(tensor: Tensor) -> bool:
    return tensor.grad_fn is not None and tensor.grad_fn.kind == "matmul"


# ------------------------------------------------------------- grouping by layer
def _assign_layers(tensors: list[Tensor]) -> dict[int, Any]:
    """Map ``id(tensor)`` to the layer whose cluster it is drawn in (tensors outside layers are absent).

    An op's output belongs to the layer that was running when it was made
    (``tensor.scope``). A parameter is made outside ``forward``, so it joins
    the layer of the ops that use it; a one-element constant (the ``1`` in
    ``1 - y``) does too. Data and targets stay outside every layer.
    """
    consumers: dict[int, list[Tensor]] = {}
    for tensor in tensors:
        if tensor.grad_fn is not None:
            for parent in tensor.grad_fn.parents:
                consumers.setdefault(id(parent), []).append(tensor)
    layer_of: dict[int, Any] = {}
    for tensor in tensors:
        if tensor.scope is not None:
            layer_of[id(tensor)] = tensor.scope
        elif tensor.grad_fn is None and (tensor.requires_grad or tensor.data.size == 1):
            scopes = {id(c.scope): c.scope for c in consumers.get(id(tensor), [])}
            if len(scopes) == 1:
                (scope,) = scopes.values()
                if scope is not None:
                    layer_of[id(tensor)] = scope
    return layer_of


def _cluster_names(tensors: list[Tensor], layer_of: dict[int, Any]) -> dict[int, tuple[Any, str]]:
    """``id(layer)`` -> (layer, Graphviz cluster name such as ``cluster_dense_1``), in order of first use."""
    clusters: dict[int, tuple[Any, str]] = {}
    taken: set[str] = set()
    for tensor in tensors:
        layer = layer_of.get(id(tensor))
        if layer is None or id(layer) in clusters:
            continue
        base = "cluster_" + re.sub(r"\W", "_", str(getattr(layer, "name", None) or type(layer).__name__.lower()))
        name, n = base, 2
        while name in taken:  # two layers with the same name still get two clusters
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        clusters[id(layer)] = (layer, name)
    return clusters


# ------------------------------------------------------------------ gradients
def _gradients(output: Tensor, tensors: list[Tensor]) -> dict[int, np.ndarray]:
    """``id(tensor)`` -> d(output)/d(tensor) as an array, for every tensor that has one.

    For a one-element output (a loss) the gradients are computed here with
    :func:`tinygrad_moons.grad`, which returns them without touching any
    ``.grad``; intermediate tensors, which keep no ``.grad``, get one too.
    Otherwise we can only show the ``.grad`` that a ``backward`` left behind;
    so too when a ``backward`` without ``retain_graph`` has already walked
    (and freed) the graph: a second walk would fail, and the ``.grad`` it left
    are the gradients the user asked for (a training loop always calls
    ``loss.backward()`` before anything else).
    """
    if output.data.size == 1 and any(t.grad_fn is not None and t.grad_fn.graph_freed for t in tensors):
        left_behind = {id(t): t.grad.data for t in tensors if t.grad is not None}
        if output.grad_fn is not None and output.grad_fn.graph_freed and left_behind:
            return left_behind  # this tensor's own backward freed the graph: its .grad are the gradients asked for
        raise RuntimeError(
            "draw_graph: show_grads/grad_flow need the gradients of this tensor, but a backward pass without "
            "retain_graph=True has already freed (part of) its graph and left no .grad that stands for them "
            "(autograd.grad sets no .grad; a backward from another tensor leaves that tensor's gradients); "
            "call draw_graph before backward, or pass retain_graph=True to backward/grad"
        )
    if output.data.size == 1:
        wanted = [t for t in tensors if t.requires_grad]
        # Drawing only looks: the caller's backward() must still be able to walk this graph.
        computed = autograd.grad(output, wanted, retain_graph=True, allow_unused=True)
        return {id(t): g.data for t, g in zip(wanted, computed) if g is not None}
    return {id(t): t.grad.data for t in tensors if t.grad is not None}


class _GradientColours:
    """A logarithmic colour scale from the smallest to the largest parameter gradient (mean |grad|)."""

    def __init__(self, magnitudes: list[float]):
        logs = [math.log10(m) for m in magnitudes if m > 0 and math.isfinite(m)]
        self.low = min(logs) if logs else 0.0
        self.high = max(logs) if logs else 0.0

    def position(self, gradient: np.ndarray) -> float:
        """Where a gradient sits on the scale, from 0 (smallest) to 1 (largest)."""
        magnitude = float(np.mean(np.abs(gradient)))
        if not math.isfinite(magnitude):
            return 1.0
        if magnitude <= 0:
            return 0.0
        if self.high == self.low:
            return 0.5
        return min(max((math.log10(magnitude) - self.low) / (self.high - self.low), 0.0), 1.0)

    def of(self, gradient: np.ndarray) -> tuple[str, str]:
        """(fill colour, readable font colour) for a gradient."""
        return self.at(self.position(gradient))

    @staticmethod
    def at(position: float) -> tuple[str, str]:
        index = round(position * (len(_GRADIENT_SCALE) - 1))
        return _GRADIENT_SCALE[index], ("white" if index < 3 else "black")


def _gradient_colours(tensors: list[Tensor], gradients: dict[int, np.ndarray]) -> _GradientColours:
    parameters = [t for t in tensors if t.grad_fn is None and t.requires_grad and id(t) in gradients]
    return _GradientColours([float(np.mean(np.abs(gradients[id(p)]))) for p in parameters])


def _caption(title: str | None, colours: _GradientColours | None) -> str:
    """The text under the drawing: the title and, for the gradient-flow view, the colour scale's legend.

    The legend is one swatch per step of the scale, labelled with the
    gradient size it stands for; in the caption it never gets in the way of
    the layout.
    """
    if colours is None:
        return title or ""
    steps = len(_GRADIENT_SCALE)
    cells = []
    for i in range(steps):
        fill, font_colour = colours.at(i / (steps - 1))
        value = 10 ** (colours.low + (colours.high - colours.low) * i / (steps - 1))
        cells.append(f'<TD BGCOLOR="{fill}"><FONT COLOR="{font_colour}" POINT-SIZE="9">{_number(value)}</FONT></TD>')
    rows = [f'<TR><TD COLSPAN="{steps}" BORDER="0">{html.escape(title)}</TD></TR>'] if title else []
    rows.append(
        f'<TR><TD COLSPAN="{steps}" BORDER="0"><FONT POINT-SIZE="10">'
        "parameter colour: mean |gradient|, log scale</FONT></TD></TR>"
    )
    rows.append("<TR>" + "".join(cells) + "</TR>")
    return '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">' + "".join(rows) + "</TABLE>>"


# -------------------------------------------------------------- text helpers
def _number(x: float) -> str:
    return f"{x + 0.0:.3g}"  # + 0.0 turns -0.0 into 0.0


def _shape_text(shape: tuple[int, ...]) -> str:
    return "scalar" if shape == () else str(tuple(shape))


#: Tensors with at most this many elements are shown by their values, larger ones by mean, std, min and max.
SMALL_TENSOR = 6


def summarize(array: np.ndarray) -> str:
    """A short text for an array: its values when it has at most six, else mean, std, min and max.

    >>> summarize(np.array([1.0, 0.5, -2.0]))
    '[1, 0.5, -2]'
    >>> summarize(np.arange(10.0))
    'mean 4.5 std 2.87 min 0 max 9'
    """
    array = np.asarray(array)
    if array.size == 0:
        return "empty"
    if array.size == 1:
        return _number(float(array.reshape(-1)[0]))
    if array.size <= SMALL_TENSOR:
        return "[" + ", ".join(_number(float(x)) for x in array.reshape(-1)) + "]"
    finite = np.isfinite(array)
    note = "" if finite.all() else f" ({int((~finite).sum())} not finite)"
    values = array[finite].astype(np.float64)
    if values.size == 0:
        return "no finite values" + note
    return (
        f"mean {_number(values.mean())} std {_number(values.std())} "
        f"min {_number(values.min())} max {_number(values.max())}{note}"
    )
