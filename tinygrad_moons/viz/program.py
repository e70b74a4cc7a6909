"""What ``compile`` made of a function: the captured graph beside the kernel list it was lowered to.

:func:`draw_program` draws a compiled function's program for one signature:

* on the left, the graph the program was captured from (``Program.graph``):
  the forward ops in the order they ran, with the arguments, parameters and
  constants they read; an op whose forward is not replayed (nothing reads its
  value: the loss of a step that does not return it) is drawn dashed;
* on the right, the kernel list, one row per step: the graph op it came from
  (``d op`` for that op's backward), the NumPy call, and the buffer it writes
  with its shape. Rows that write the same buffer share a colour: results
  whose lifetimes do not overlap share memory (``b2`` holds a forward
  activation, then a gradient). Under the list, each buffer's size and the
  results that take turns in it;
* an arrow from each graph op to the rows it became: blue for its forward,
  orange for its backward rule (a parameter's ``.grad`` rows name it).

Render it with :func:`tinygrad_moons.viz.render_graph` (SVG or PNG, through the
``dot`` that :func:`~tinygrad_moons.viz.find_dot` finds); in Jupyter it shows
itself. Example::

    step = tm.compile(step)
    step(x, target)                       # captured
    render_graph(draw_program(step, x, target), "program.svg")
"""

from __future__ import annotations

from html import escape
from typing import Any

from tinygrad_moons.jit import CompiledFunction, GraphNode, Program
from tinygrad_moons.viz.graph import ComputationGraph

__all__ = ["draw_program"]

_NODE_COLOURS = {"input": "#eeeeee", "parameter": "#fff2cc", "constant": "#f3f3f3", "op": "#cfe2f3"}
_DEAD_COLOUR = "#ffffff"
_LINK_COLOURS = {"forward": "#3d85c6", "backward": "#e69138"}
# Light colours for the buffers: rows writing the same memory share one.
_BUFFER_COLOURS = [
    "#d9ead3",
    "#fce5cd",
    "#cfe2f3",
    "#ead1dc",
    "#fff2cc",
    "#d0e0e3",
    "#f4cccc",
    "#d9d2e9",
    "#e6b8af",
    "#c9daf8",
]
_PINNED_COLOUR = "#f3f3f3"


def draw_program(
    compiled: CompiledFunction | Program,
    *example_args: Any,
    graph: bool = True,
    max_text: int = 72,
    title: str | None = None,
) -> ComputationGraph:
    """Draw a compiled function's program for the signature of ``example_args`` beside the graph it came from.

    ``compiled`` is what :func:`tinygrad_moons.compile` returned, called at
    least once with arguments of these shapes and dtypes (that call captured
    the program), or a :class:`~tinygrad_moons.jit.Program` itself. Without
    ``example_args`` a compiled function with a single program draws that one.
    ``graph=False`` draws the kernel list alone; ``max_text`` shortens long
    kernel lines (characters); ``title`` is a caption under the drawing.

    Returns a ``graphviz.Digraph`` subclass (displayed inline in Jupyter);
    write it with :func:`tinygrad_moons.viz.render_graph`.

    Example::

        step = tm.compile(step)
        step(x, target)
        draw_program(step, x, target)
    """
    program = _program_of(compiled, example_args)
    if max_text < 16:
        raise ValueError(f"draw_program: max_text must be at least 16 characters, got {max_text}")
    drawing = ComputationGraph(
        name="compiled_program",
        graph_attr={"rankdir": "TB", "fontname": "Helvetica", "nodesep": "0.2", "ranksep": "0.06", "newrank": "true"},
        node_attr={"fontname": "Helvetica", "fontsize": "10", "shape": "box", "style": "rounded,filled"},
        edge_attr={"arrowsize": "0.5", "color": "#555555"},
    )
    show_graph = graph and bool(program.graph)
    if show_graph:
        replayed = _replayed_forward(program)
        with drawing.subgraph(name="cluster_graph") as side:
            side.attr(label="the graph it was captured from (recorded once)", fontsize="12", style="rounded")
            side.attr(color="#999999")
            for index, node in enumerate(program.graph):
                _add_graph_node(side, index, node, replayed)
    widths = (26, 230, max_text * 6 + 12, 110)
    with drawing.subgraph(name="cluster_program") as side:
        side.attr(label="the program it became (replayed on every call)", fontsize="12", style="rounded")
        side.attr(color="#999999")
        side.node("header", label=_header(program, widths), shape="plaintext", style="")
        for row, step in enumerate(program.steps):
            side.node(f"k{row}", label=_row(program, row, step, widths, max_text), shape="plaintext", style="")
        side.node("buffers", label=_buffer_table(program, sum(widths), max_text), shape="plaintext", style="")
        chain = ["header"] + [f"k{row}" for row in range(len(program.steps))] + ["buffers"]
        for above, below in zip(chain, chain[1:]):
            side.edge(above, below, style="invis", weight="100")
    if show_graph:
        for index, node in enumerate(program.graph):
            for source in node.inputs:
                drawing.edge(f"n{source}", f"n{index}")
        for row, op, kind in _links(program):
            if kind == "forward":  # the op beside the row it became
                drawing.body.append(f"{{rank=same; n{op}; k{row}}}\n")
            drawing.edge(f"n{op}:e", f"k{row}:w", color=_LINK_COLOURS[kind], constraint="false", penwidth="0.8")
    if title:
        drawing.attr(label=title, labelloc="b", fontsize="12")
    return drawing


def _program_of(compiled: Any, example_args: tuple[Any, ...]) -> Program:
    if isinstance(compiled, Program):
        return compiled
    if not isinstance(compiled, CompiledFunction):
        raise TypeError(
            f"draw_program: expected what tinygrad_moons.compile returned (or a Program), got {type(compiled).__name__}"
        )
    if not example_args:
        if len(compiled.programs) == 1:
            return next(iter(compiled.programs.values()))
        raise ValueError(
            f"draw_program: this compiled function has {len(compiled.programs)} programs (one per signature); "
            "pass example arguments to choose one"
            + ("" if compiled.programs else ", after calling the function with them once")
        )
    try:
        return compiled.program_for(*example_args)
    except KeyError:
        raise ValueError(
            "draw_program: no program for these arguments' shapes and dtypes yet; call the compiled function "
            "with them once first (that call captures the program)"
        ) from None


def _links(program: Program) -> list[tuple[int, int, str]]:
    """(row, graph node, "forward" or "backward"): one arrow to the first row of each run of rows from one op.

    The rows of a parameter's ``.grad`` say which parameter in their text; they get no arrow (fewer lines).
    """
    links: list[tuple[int, int, str]] = []
    previous: tuple[int, str] | None = None
    for row, step in enumerate(program.steps):
        if step.node is None or step.origin.startswith(".grad"):
            previous = None
            continue
        kind = "backward" if step.origin.startswith("d ") else "forward"
        if previous != (step.node, kind):
            links.append((row, step.node, kind))
        previous = (step.node, kind)
    return links


def _replayed_forward(program: Program) -> set[int]:
    """The graph nodes whose forward has a step in the program (the others were dropped: nothing read them)."""
    return {
        step.node for step in program.steps if step.node is not None and not step.origin.startswith(("d ", ".grad"))
    }


def _add_graph_node(side: Any, index: int, node: GraphNode, replayed: set[int]) -> None:
    shape = "×".join(map(str, node.shape)) if node.shape else "scalar"
    if node.kind != "op":
        label = f"{node.label} {shape}"
        side.node(f"n{index}", label=label, shape="ellipse", style="filled", fillcolor=_NODE_COLOURS[node.kind])
        return
    layer = node.origin.split(" in ", 1)[1] if " in " in node.origin else ""
    label = f"{node.label} {shape}" + (f" ({layer})" if layer else "")
    if index in replayed:
        side.node(f"n{index}", label=label, fillcolor=_NODE_COLOURS["op"])
    else:
        side.node(
            f"n{index}",
            label=label + ": not replayed, unread",
            fillcolor=_DEAD_COLOUR,
            style="rounded,dashed",
            fontcolor="#777777",
        )


def _header(program: Program, widths: tuple[int, ...]) -> str:
    """The program's title row and the column heads."""
    total = sum(widths)
    return (
        '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2">'
        f'<TR><TD COLSPAN="4" WIDTH="{total}" BGCOLOR="#eeeeee"><B>{len(program.steps)} steps; buffers '
        f"{program.buffer_bytes() / 1024:.0f} KiB ({program.bytes_before_sharing / 1024:.0f} KiB if no two "
        "results shared memory)</B></TD></TR><TR>"
        + "".join(
            f'<TD WIDTH="{width}"><B>{head}</B></TD>'
            for width, head in zip(widths, ("#", "from the graph", "kernel", "writes"))
        )
        + "</TR></TABLE>>"
    )


def _row(program: Program, row: int, step: Any, widths: tuple[int, ...], max_text: int) -> str:
    """One step as a one-row table: number, the graph op it came from, the kernel, the buffer it writes."""
    colours = _buffer_colours(program)
    buffer = program.buffer_of.get(step.write) if step.write is not None else None
    colour = colours.get(buffer, "#ffffff") if buffer else "#ffffff"
    writes = f"{buffer} {_shape(program.slots[step.write].shape)}" if buffer is not None else ""
    number, origin, kernel, written = widths
    return (
        '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2"><TR>'
        f'<TD WIDTH="{number}" ALIGN="RIGHT">{row}</TD>'
        f'<TD WIDTH="{origin}" ALIGN="LEFT">{escape(_shorten(step.origin, 36))}</TD>'
        f'<TD WIDTH="{kernel}" ALIGN="LEFT" BGCOLOR="{colour}"><FONT FACE="Courier" POINT-SIZE="9">'
        f"{escape(_shorten(step.text, max_text))}</FONT></TD>"
        f'<TD WIDTH="{written}" ALIGN="LEFT" BGCOLOR="{colour}">{escape(writes)}</TD>'
        "</TR></TABLE>>"
    )


def _buffer_table(program: Program, width: int, max_text: int) -> str:
    """The buffers: each one's memory and the results that take turns in it (shared memory first)."""
    colours = _buffer_colours(program)
    rows = [
        f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2">'
        f'<TR><TD COLSPAN="3" WIDTH="{width}" BGCOLOR="#eeeeee"><B>buffers: memory, and the results that take '
        "turns in it</B></TD></TR>"
    ]
    for name, memory in program.buffers.items():
        residents = [program.names[slot] for slot, buffer in program.buffer_of.items() if buffer == name]
        count = f"{len(residents)} result" + ("s" if len(residents) != 1 else "")
        rows.append(
            f'<TR><TD WIDTH="26" BGCOLOR="{colours.get(name, "#ffffff")}">{name}</TD>'
            f'<TD WIDTH="160" ALIGN="LEFT">{_size(memory.nbytes)}, {count}</TD>'
            f'<TD WIDTH="{width - 186}" ALIGN="LEFT">{escape(_shorten(", ".join(residents), max_text + 20))}</TD></TR>'
        )
    rows.append("</TABLE>>")
    return "".join(rows)


def _buffer_colours(program: Program) -> dict[str, str]:
    """A colour per buffer that more than one result uses in turn; buffers of a single result stay grey."""
    users: dict[str, set[int]] = {}
    for step in program.steps:
        if step.write is not None and step.write in program.buffer_of:
            users.setdefault(program.buffer_of[step.write], set()).add(step.write)
    colours: dict[str, str] = {}
    shared = [name for name in program.buffers if len(users.get(name, ())) > 1]
    for i, name in enumerate(shared):
        colours[name] = _BUFFER_COLOURS[i % len(_BUFFER_COLOURS)]
    for name in program.buffers:
        colours.setdefault(name, _PINNED_COLOUR)
    return colours


def _size(nbytes: int) -> str:
    return f"{nbytes} B" if nbytes < 1024 else f"{nbytes / 1024:.1f} KiB"


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ")" if shape else "scalar"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
