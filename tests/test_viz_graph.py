"""The computation-graph drawing and its renderer.

The SVG tests render for real, with the ``graphviz-pure`` binary that the
project depends on, and read the SVG that Graphviz wrote: they check what a
reader sees (one box per layer, every parameter's name, one arrow per
recorded input), not the DOT text we generated.
"""

from __future__ import annotations

import os
import re
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from fake_renderers import renderer_without_pdf

from tinygrad_moons import Tensor, autograd
from tinygrad_moons import functional as F
from tinygrad_moons.cli import main
from tinygrad_moons.nn import BinaryCrossentropy, Dense, Module, Sequential
from tinygrad_moons.viz import draw_graph, render_graph, renderer, summarize, walk_graph
from tinygrad_moons.viz.graph import draw_model_graph

SVG = "{http://www.w3.org/2000/svg}"


class TwoLayers(Module):
    """A small PyTorch-style model: 2 -> 4 (relu) -> 1 (sigmoid)."""

    def __init__(self):
        super().__init__()
        rng = np.random.default_rng(0)
        self.hidden = Dense(4, activation="relu", input_dim=2, rng=rng)
        self.out = Dense(1, activation="sigmoid", input_dim=4, rng=rng)

    def forward(self, x):
        return self.out(self.hidden(x))


def small_loss():
    """A model, its loss module, and the loss of 8 points: a graph with three groups (two layers, the loss)."""
    rng = np.random.default_rng(1)
    model = TwoLayers()
    loss_module = BinaryCrossentropy()
    X = Tensor(rng.normal(size=(8, 2)), name="X")
    y = Tensor((rng.random((8, 1)) > 0.5).astype(float), name="y")
    loss = loss_module(y, model(X))  # Keras' order: (y_true, y_pred)
    return model, loss_module, loss


def recorded_edges(output: Tensor) -> int:
    """Inputs of every recorded op: the arrows the drawing must have (counted with the engine's own walk)."""
    return sum(len(t.grad_fn.parents) for t in autograd.topological_order([output]) if t.grad_fn is not None)


def svg_groups(path: Path, kind: str) -> list[ET.Element]:
    return [g for g in ET.parse(path).getroot().iter(f"{SVG}g") if g.get("class") == kind]


def svg_text(path: Path) -> str:
    return " ".join(t.text or "" for t in ET.parse(path).getroot().iter(f"{SVG}text"))


# ------------------------------------------------------------------ rendering a real graph
def test_svg_has_one_cluster_per_layer_every_parameter_and_one_edge_per_input(tmp_path):
    model, loss_module, loss = small_loss()
    graph = draw_graph(loss, show_values=True, show_grads=True)
    path = render_graph(graph, tmp_path / "graph.svg")

    assert path == tmp_path / "graph.svg"
    clusters = svg_groups(path, "cluster")
    titles = sorted(c.find(f"{SVG}title").text for c in clusters)
    expected_layers = [model.hidden, model.out, loss_module]
    assert titles == sorted(f"cluster_{layer.name}" for layer in expected_layers)
    text = svg_text(path)
    for name, _ in model.named_parameters():
        assert name in text
    assert "hidden (Dense 2→4, relu)" in text
    assert len(svg_groups(path, "edge")) == recorded_edges(loss)
    # X, y, and every recorded op are boxes: nothing is lost between the engine and the picture.
    assert len(svg_groups(path, "node")) == len(walk_graph(loss))


def test_html_labels_show_shape_value_and_the_gradient_backward_computes(tmp_path):
    model, _, loss = small_loss()
    graph = draw_graph(loss, show_values=True, show_grads=True)
    loss.backward()
    kernel = model.hidden.kernel
    node = next(line for line in graph.source.splitlines() if f"<B>{kernel.name}</B>" in line)
    assert "(2, 4) float64" in node
    assert "value " + summarize(kernel.data) in node
    assert "grad " + summarize(kernel.grad.data) in node  # draw_graph's own gradient equals backward's


def test_notes_label_the_chosen_nodes():
    x = Tensor(np.array([-1.0, 2.0]), requires_grad=True, name="x")
    hidden = x.relu()
    out = hidden.sum()
    source = draw_graph(out, notes={hidden: "ReLU' = [z > 0]"}).source
    relu_line = next(line for line in source.splitlines() if "<B>relu</B>" in line)
    assert "<I>ReLU&#x27; = [z &gt; 0]</I>" in relu_line  # escaped for the HTML-like label
    assert source.count("<I>") == 1


def test_png_renders_and_opens(tmp_path):
    from PIL import Image

    _, _, loss = small_loss()
    path = render_graph(draw_graph(loss, rankdir="LR"), tmp_path / "graph", format="png")
    assert path.suffix == ".png"
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width > image.height  # left to right is wider than tall


def test_collapse_draws_each_layer_as_one_node(tmp_path):
    model, loss_module, loss = small_loss()
    path = render_graph(draw_graph(loss, collapse=True), tmp_path / "collapsed.svg")
    assert svg_groups(path, "cluster") == []
    node_titles = {n.find(f"{SVG}title").text for n in svg_groups(path, "node")}
    assert {"layer_hidden", "layer_out", f"layer_{loss_module.name}"} <= node_titles
    assert len(node_titles) == 5  # the three groups, X and y
    text = svg_text(path)
    for name, _ in model.named_parameters():
        assert name in text
    # X -> hidden -> out -> loss, and y -> loss
    assert len(svg_groups(path, "edge")) == 4


def test_grad_flow_colours_parameters_from_smallest_to_largest_gradient():
    rng = np.random.default_rng(0)
    small = Tensor(rng.normal(size=3), requires_grad=True, name="small")
    large = Tensor(rng.normal(size=3), requires_grad=True, name="large")
    loss = (small * 1e-4).sum() + (large * 10.0).sum()
    source = draw_graph(loss, grad_flow=True).source
    small_line = next(line for line in source.splitlines() if "<B>small</B>" in line)
    large_line = next(line for line in source.splitlines() if "<B>large</B>" in line)
    assert 'fillcolor="#440154"' in small_line  # the dark end of the scale
    assert 'fillcolor="#fde725"' in large_line  # the bright end
    assert "mean |grad| 0.0001" in small_line and "mean |grad| 10" in large_line  # the number the colour stands for
    assert "mean |gradient|, log scale" in source  # the legend, in the caption


def test_constant_inputs_are_drawn_and_the_walk_is_iterative():
    x = Tensor(np.ones(3), requires_grad=True, name="x")
    data = Tensor(np.arange(3.0), name="data")
    out = x * data
    for _ in range(20_000):  # far deeper than Python's recursion limit
        out = out + 1.0
    tensors = walk_graph(out.sum())
    assert any(t is data for t in tensors) and any(t is x for t in tensors)
    assert tensors[-1].grad_fn is not None and position(tensors, x) < position(tensors, out)


def test_max_nodes_refuses_with_advice_to_collapse():
    x = Tensor(np.ones(2), requires_grad=True)
    out = x
    for _ in range(300):
        out = out * 1.5  # an op and a constant each time
    with pytest.raises(ValueError, match=r"602 nodes, more than max_nodes=500.*collapse=True"):
        draw_graph(out.sum())
    assert "digraph" in draw_graph(out.sum(), max_nodes=700).source


def test_draw_graph_refuses_what_it_cannot_draw():
    with pytest.raises(TypeError, match="expected a Tensor"):
        draw_graph(np.ones(3))
    with pytest.raises(ValueError, match="no recorded graph"):
        draw_graph(Tensor(np.ones(3)))
    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(x * 2, rankdir="diagonal")


def test_model_graph_of_a_compiled_sequential(tmp_path):
    model = Sequential([Dense(3, "relu", input_dim=2), Dense(1, "sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    X = np.random.default_rng(0).normal(size=(6, 2))
    y = np.array([0, 1, 0, 1, 1, 0])
    graph = draw_model_graph(model, X, y, show_grads=True)
    path = render_graph(graph, tmp_path / "model.svg")
    titles = sorted(c.find(f"{SVG}title").text for c in svg_groups(path, "cluster"))
    assert titles == ["cluster_binary_crossentropy", "cluster_dense_1", "cluster_dense_2"]
    text = svg_text(path)
    for name in ("dense_1.kernel", "dense_1.bias", "dense_2.kernel", "dense_2.bias", "X", "y", "loss ="):
        assert name in text


# ------------------------------------------------------------------ finding a renderer
def fake_program(folder: Path, name: str) -> Path:
    """An executable file standing in for a dot binary (never run: only found)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\nexit 1\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_renderer_prefers_env_var_then_path_then_graphviz_pure(tmp_path, monkeypatch):
    on_path = fake_program(tmp_path / "bin", "dot")
    chosen = fake_program(tmp_path / "custom", "my-dot")
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.setenv(renderer.ENV_VAR, str(chosen))
    assert renderer.find_dot() == chosen

    monkeypatch.delenv(renderer.ENV_VAR)
    assert renderer.find_dot() == on_path

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no dot anywhere on PATH, as in a bare Jupyter kernel
    found = renderer.find_dot()
    assert found is not None and found.name.startswith("graphviz-pure")
    assert found == renderer.dot_from_graphviz_pure()


def test_renderer_env_var_naming_nothing_warns_and_falls_back(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv(renderer.ENV_VAR, str(tmp_path / "missing-dot"))
    with pytest.warns(UserWarning, match="missing-dot.*not an executable"):
        found = renderer.find_dot()
    assert found == renderer.dot_from_graphviz_pure()


def test_without_renderer_the_dot_source_is_written_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(renderer, "find_dot", lambda: None)
    _, _, loss = small_loss()
    graph = draw_graph(loss)
    with pytest.warns(UserWarning, match=r"graph\.dot.*pip install graphviz-pure"):
        path = render_graph(graph, tmp_path / "graph.svg")
    assert path == tmp_path / "graph.dot"
    assert path.read_text() == graph.source
    assert not (tmp_path / "graph.svg").exists()
    with pytest.warns(UserWarning, match="cannot display"):
        assert graph._repr_mimebundle_() == {"text/plain": graph.source}


def test_jupyter_display_uses_our_renderer(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on PATH: plain graphviz.Digraph could not display
    _, _, loss = small_loss()
    bundle = draw_graph(loss)._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert "<svg" in bundle["image/svg+xml"]


def test_render_graph_checks_format_and_reports_renderer_errors(tmp_path):
    _, _, loss = small_loss()
    graph = draw_graph(loss)
    with pytest.raises(ValueError, match=r"cannot write 'bmpx'; it writes .*png, svg"):
        render_graph(graph, tmp_path / "g", format="bmpx")
    with pytest.raises(ValueError, match=r"ends in \.png but format='svg'"):
        render_graph(graph, tmp_path / "g.png", format="svg")
    with pytest.raises(RuntimeError, match="failed to render"):
        render_graph("digraph { a -> }", tmp_path / "broken.svg")
    assert os.path.getsize(render_graph(graph, tmp_path / "g.v1", format="svg")) > 0  # format= names it: g.v1.svg
    assert (tmp_path / "g.v1.svg").exists()


@pytest.mark.parametrize("name", ["graph.pnx", "graph.txt", "h5.tar.gz"])
def test_render_graph_refuses_a_suffix_that_names_no_format_before_writing(tmp_path, monkeypatch, name):
    """render_graph(graph, "graph.pnx") wrote graph.pnx.svg without a word, where `graph --out graph.pnx` refused."""
    monkeypatch.setattr(renderer, "pipe", _rendering_must_not_start)
    graph = draw_graph(small_loss()[2])
    suffix = name.rsplit(".", 1)[1]
    with pytest.raises(ValueError) as error:
        render_graph(graph, tmp_path / "out" / name)
    message = str(error.value)
    assert message.startswith("render_graph: ")
    assert f".{suffix} is not a format the renderer writes ({', '.join(renderer.supported_formats())})" in message
    assert not (tmp_path / "out").exists()  # refused before the folder, let alone the file, was made


def test_render_graph_without_a_suffix_or_with_format_still_appends_it(tmp_path):
    graph = draw_graph(small_loss()[2])
    assert render_graph(graph, tmp_path / "plain") == tmp_path / "plain.svg"
    assert render_graph(graph, tmp_path / "plain", format="png") == tmp_path / "plain.png"
    assert render_graph(graph, tmp_path / "run.v2", format="PNG") == tmp_path / "run.v2.png"
    assert (tmp_path / "run.v2.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_cli_and_render_graph_share_one_suffix_check(tmp_path, monkeypatch, capsys):
    """One rule, one message: the CLI's refusal is render_graph's (output_format), not a copy of it."""
    calls = []
    real_output_format = renderer.output_format

    def recording_output_format(*args, **kwargs):
        calls.append(args)
        return real_output_format(*args, **kwargs)

    monkeypatch.setattr(renderer, "output_format", recording_output_format)
    with pytest.raises(SystemExit):
        main(["graph", "--out", str(tmp_path / "graph.pnx")])
    cli_error = capsys.readouterr().err
    with pytest.raises(ValueError) as python_error:
        render_graph("digraph { a }", tmp_path / "graph.pnx")
    assert len(calls) == 2
    assert str(python_error.value).removeprefix("render_graph: ") in cli_error


def _rendering_must_not_start(*args, **kwargs):
    raise AssertionError("the renderer ran although the file name was refused")


def test_the_suffix_decides_the_format_and_a_format_the_renderer_lacks_is_refused(tmp_path, monkeypatch):
    """g.pdf used to be written as g.pdf.svg; now every format the renderer writes is one suffix away."""
    from PIL import Image

    monkeypatch.setenv("TINYGRAD_MOONS_DOT", str(renderer_without_pdf(tmp_path / "bin")))
    assert renderer.supported_formats() == ("jpg", "png", "svg")
    graph = draw_graph(small_loss()[2])
    with pytest.raises(ValueError, match=r"cannot write 'pdf'; it writes jpg, png, svg"):
        render_graph(graph, tmp_path / "g.pdf")
    assert list(tmp_path.glob("g.pdf*")) == []
    written = render_graph(graph, tmp_path / "g.jpg")
    assert written == tmp_path / "g.jpg"
    with Image.open(written) as image:
        assert image.format == "JPEG"


def test_supported_formats_are_asked_of_the_renderer():
    formats = renderer.supported_formats()
    assert {"svg", "png"} <= set(formats)
    assert renderer.supported_formats(renderer.dot_from_graphviz_pure()) == renderer._formats_of(
        renderer.dot_from_graphviz_pure()
    )


def test_the_returned_graph_renders_pipes_and_displays_without_dot_on_path(tmp_path, monkeypatch):
    """graphviz.Digraph looks for `dot` on PATH; ours uses the renderer we find (here graphviz-pure)."""
    import graphviz

    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere on PATH
    monkeypatch.delenv("TINYGRAD_MOONS_DOT", raising=False)
    _, _, loss = small_loss()
    graph = draw_graph(loss)
    with pytest.raises(graphviz.ExecutableNotFound):
        graphviz.Digraph(body=graph.body).pipe(format="svg")  # what users got before
    assert graph.pipe().startswith(b"<?xml") or b"<svg" in graph.pipe()
    assert graph.pipe(format="svg", encoding="utf-8").lstrip().startswith("<")
    assert graph.pipe(format="png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert graph._repr_image_png()[:4] == b"\x89PNG"
    assert "<svg" in graph._repr_image_svg_xml()
    assert list(graph._repr_mimebundle_(include=["image/png"])) == ["image/png"]

    rendered = graph.render("loss", directory=tmp_path, format="png")  # as graphviz: source loss, image loss.png
    assert Path(rendered) == tmp_path / "loss.png" and (tmp_path / "loss").read_text().startswith("digraph")
    rendered = graph.render(outfile=tmp_path / "out.svg", cleanup=True)
    assert Path(rendered) == tmp_path / "out.svg" and "<svg" in (tmp_path / "out.svg").read_text()
    assert not (tmp_path / "out.gv").exists()  # cleanup removed the source
    with pytest.raises(graphviz.FileExistsError):
        graph.render(outfile=tmp_path / "out.svg", raise_if_result_exists=True)


def test_without_any_renderer_the_graph_says_how_to_get_one(monkeypatch):
    import graphviz

    from tinygrad_moons.viz.graph import RendererNotFoundError

    monkeypatch.setattr(renderer, "find_dot", lambda: None)
    graph = draw_graph(small_loss()[2])
    with pytest.raises(RendererNotFoundError, match="pip install graphviz-pure") as raised:
        graph.pipe()
    assert isinstance(raised.value, graphviz.ExecutableNotFound) and isinstance(raised.value, FileNotFoundError)
    with pytest.warns(UserWarning, match="cannot display"):
        assert graph._repr_mimebundle_() == {"text/plain": graph.source}


def text_width(text: str, size: float, bold: bool) -> float:
    """How wide ``text`` is when drawn in DejaVu Sans (the font matplotlib ships), in the SVG's units."""
    from matplotlib import font_manager
    from PIL import ImageFont

    properties = font_manager.FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal")
    font = ImageFont.truetype(font_manager.findfont(properties, fallback_to_default=False), size=100)
    return font.getlength(text) * size / 100


def test_labels_use_a_font_that_exists_and_fit_their_boxes(tmp_path):
    """The SVGs asked for Helvetica, which most Linux machines lack: the DejaVu drawn instead overflowed the boxes."""
    _, _, loss = small_loss()
    path = render_graph(draw_graph(loss, show_values=True, show_grads=True), tmp_path / "g.svg")
    families = {t.get("font-family") for t in ET.parse(path).getroot().iter(f"{SVG}text")}
    assert families == {"DejaVu Sans"}
    for node in svg_groups(path, "node"):
        outline = node.find(f"{SVG}path")
        if outline is None:
            outline = node.find(f"{SVG}polygon")
        numbers = [float(x) for x in re.findall(r"-?\d+\.?\d*", outline.get("d") or outline.get("points"))]
        box_width = max(numbers[0::2]) - min(numbers[0::2])
        for text in node.iter(f"{SVG}text"):
            width = text_width(text.text or "", float(text.get("font-size")), text.get("font-weight") == "bold")
            assert width <= box_width, (text.text, width, box_width)


def test_the_full_graph_runs_straight_down_not_down_a_staircase(tmp_path):
    """Each layer's cluster sat beside the previous one (2961 x 1075 pt, mostly empty); now they stack."""
    model = Sequential([Dense(4, "relu", input_dim=2), Dense(4, "relu"), Dense(4, "relu"), Dense(1, "sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    rng = np.random.default_rng(0)
    graph = draw_model_graph(model, rng.normal(size=(6, 2)), rng.integers(0, 2, 6), show_values=True, show_grads=True)
    path = render_graph(graph, tmp_path / "g.svg")
    spans = {}
    for cluster in svg_groups(path, "cluster"):
        numbers = [float(x) for x in re.findall(r"-?\d+\.?\d*", cluster.find(f"{SVG}path").get("d"))]
        spans[cluster.find(f"{SVG}title").text] = (min(numbers[0::2]), max(numbers[0::2]))
    for upper, lower in zip(["dense_1", "dense_2", "dense_3"], ["dense_2", "dense_3", "dense_4"]):
        (a0, a1), (b0, b1) = spans[f"cluster_{upper}"], spans[f"cluster_{lower}"]
        overlap = min(a1, b1) - max(a0, b0)
        assert overlap > 0.5 * min(a1 - a0, b1 - b0), (upper, lower, spans)
    root = ET.parse(path).getroot()
    assert float(root.get("width").rstrip("pt")) < float(root.get("height").rstrip("pt"))


def test_leaves_are_labelled_by_role_and_small_tensors_by_their_values():
    """Unnamed leaves were all "parameter" or "constant"; a 3-element tensor showed mean/std/min/max."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(4, 2)))
    w = Tensor(rng.normal(size=(2, 3)), requires_grad=True)
    b = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    y = Tensor(np.array([[1.0], [0.0], [0.0], [1.0]]))
    z = ((x @ w) + b).relu().sum(axis=1, keepdims=True)
    one_minus_y = 1 - y  # computed from data: a constant leaf
    loss = (z * one_minus_y).mean() + F.binary_cross_entropy_with_logits(z, y).mean()
    source = draw_graph(loss, show_values=True).source
    titles = [line.split("label=<", 1)[1].split("<BR/>")[0] for line in source.splitlines() if "label=<" in line]
    assert "input" in titles and "<B>weight</B>" in titles and "target" in titles
    assert not any("parameter" in title for title in titles)  # every leaf here has a role or is a constant
    assert "value [0.5, -1, 2]" in source  # three elements: the values, not mean/std/min/max
    assert "value mean" in source  # larger ones are still summarized
    plain = draw_graph(loss).source  # without show_values a small constant still shows what it is
    assert "constant [0, 1, 1, 0]" in plain


def test_summarize_shows_up_to_six_values():
    assert summarize(np.array([1.0, 0.5, -2.0])) == "[1, 0.5, -2]"
    assert summarize(np.arange(6.0)) == "[0, 1, 2, 3, 4, 5]"
    assert summarize(np.arange(7.0)).startswith("mean 3 std")
    assert summarize(np.array(2.5)) == "2.5"


# ------------------------------------------------------------------ the command line
def test_graph_command_writes_an_svg_of_the_default_model(tmp_path, capsys):
    assert main(["graph", "--out", str(tmp_path) + "/"]) == 0
    path = tmp_path / "graph.svg"
    assert f"wrote {path}" in capsys.readouterr().out
    titles = sorted(c.find(f"{SVG}title").text for c in svg_groups(path, "cluster"))
    assert titles == ["cluster_binary_crossentropy"] + [f"cluster_dense_{i}" for i in range(1, 6)]
    text = svg_text(path)
    for i in range(1, 6):
        assert f"dense_{i}.kernel" in text and f"dense_{i}.bias" in text
    assert "(32, 25) float64" in text  # drawn on one mini-batch of the default recipe


def test_graph_command_png_collapsed_with_values_and_gradients(tmp_path):
    from PIL import Image

    out = tmp_path / "g.png"
    options = ["--format", "png", "--collapse", "--values", "--grads", "--rankdir", "LR"]
    assert main(["graph", *options, "--out", str(out)]) == 0
    with Image.open(out) as image:
        assert image.format == "PNG" and image.width > 3 * image.height


def test_graph_command_without_renderer_writes_dot_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(renderer, "find_dot", lambda: None)
    assert main(["graph", "--out", str(tmp_path / "graph.svg")]) == 0
    err = capsys.readouterr().err
    assert "warning: no Graphviz renderer found" in err and "pip install graphviz-pure" in err
    assert (tmp_path / "graph.dot").read_text().startswith("digraph")
    assert not (tmp_path / "graph.svg").exists()


def position(tensors: list, wanted) -> int:
    """The index of ``wanted`` in ``tensors`` by identity (``list.index`` compares with ==, elementwise for tensors)."""
    return next(i for i, t in enumerate(tensors) if t is wanted)


def test_the_plotting_helpers_are_exported_from_viz_and_load_matplotlib_only_when_used():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import tinygrad_moons.viz as viz\n"
        "assert 'matplotlib' not in sys.modules, 'import tinygrad_moons.viz loaded matplotlib'\n"
        "assert 'plot_history' in dir(viz) and 'plot_history' in viz.__all__\n"
        "from tinygrad_moons.viz import DecisionBoundaryRecorder, plot_decision_boundary, plot_history, save_figure\n"
        "assert 'matplotlib' in sys.modules\n"
        "assert plot_history.__module__ == 'tinygrad_moons.viz.plots'\n"
        "assert DecisionBoundaryRecorder.__module__ == 'tinygrad_moons.viz.animation'\n"
        "assert all(getattr(viz, name) is not None for name in viz.__all__)\n"
        "try:\n"
        "    viz.no_such_helper\n"
        "except AttributeError as error:\n"
        "    assert 'no_such_helper' in str(error)\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr


def test_explanations_bracket_a_compound_name_inside_a_formula():
    """graph_tour's explanation printed "1/1−a[1,0]" for the derivative of log(1 − a), and "leaf2" for 1 − y."""
    import tinygrad_moons as tg

    X = Tensor([[1.0, 2.0], [3.0, -1.0], [-0.5, 0.5]], name="X")
    y = Tensor([[1.0], [0.0], [1.0]], name="y")
    w = Tensor([[0.5], [-0.3]], requires_grad=True, name="w")
    one_minus_y = 1 - y
    one_minus_y.name = "1−y"
    p = (X @ w).sigmoid()
    loss = -(y * p.log() + one_minus_y * (1 - p).log()).mean()
    with tg.trace_backward() as tape:
        loss.backward()
    text = str(tape.explain(w, (0, 0)))
    assert "1/(1−a)[1,0]" in text and "1/1−" not in text
    assert "∂E/∂(1−a)[1,0] = " in text and "∂E/∂1−" not in text  # the quantity too, not only its factors
    assert "· (1−y)" in text and "leaf" not in text


def test_pixel_formats_are_drawn_at_twice_graphvizs_resolution_in_a_font_the_renderer_draws():
    """graphviz-pure's PNGs came out at 72-96 dpi in a serif (it measures DejaVu Sans but cannot draw it)."""
    from pathlib import Path

    from tinygrad_moons.viz import renderer

    source = 'digraph { node [fontname="DejaVu Sans"]; a [label="hello"] }'
    pure_source, options = renderer._for_raster(source, Path("/venv/bin/graphviz-pure"), ())
    assert 'fontname="Helvetica"' in pure_source and "DejaVu" not in pure_source
    assert options == (f"-Gdpi={renderer.RASTER_DPI}",)
    system_source, options = renderer._for_raster(source, Path("/usr/bin/dot"), ("-Gdpi=300",))
    assert system_source == source and options == ("-Gdpi=300",)  # fontconfig finds DejaVu; a dpi given is kept

    import io

    from PIL import Image

    sharp = Image.open(io.BytesIO(renderer.pipe(source, "png")))
    plain = Image.open(io.BytesIO(renderer.pipe(source, "png", options=("-Gdpi=72",))))
    assert sharp.size[0] >= 1.9 * plain.size[0] and sharp.size[1] >= 1.9 * plain.size[1]


# ------------------------------------------------------------------ drawing after the user's own backward
def test_show_grads_after_backward_draws_the_grads_backward_left():
    """A training loop calls loss.backward() first; draw_graph then ran a second backward and failed."""
    model, _, loss = small_loss()
    before = draw_graph(loss, show_grads=True).source  # computed by draw_graph itself, graph untouched
    loss.backward()
    after = draw_graph(loss, show_grads=True, grad_flow=True).source
    for _, parameter in model.named_parameters():
        assert parameter.grad is not None
        shown = "grad " + summarize(parameter.grad.data)
        for source in (before, after):  # the same numbers either way
            assert shown in next(line for line in source.splitlines() if f"<B>{parameter.name}</B>" in line)


def test_show_grads_on_a_freed_graph_without_grads_says_what_to_do():
    _, _, loss = small_loss()
    leaves = [t for t in walk_graph(loss) if t.requires_grad and t.grad_fn is None]
    autograd.grad(loss, leaves)  # frees the graph, sets no .grad
    with pytest.raises(RuntimeError) as error:
        draw_graph(loss, show_grads=True)
    message = str(error.value)
    assert message.startswith("draw_graph: ")
    assert "call draw_graph before backward, or pass retain_graph=True" in message
    draw_graph(loss)  # without gradients the freed graph still draws


def test_show_grads_refuses_the_grads_of_a_backward_from_another_tensor():
    """x.grad after part.backward() is d part/dx, not d loss/dx: shown as the loss's gradient it would mislead."""
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True, name="x")
    part = (x * 2.0).relu().sum()
    loss = part * 3.0
    part.backward()
    assert x.grad is not None
    with pytest.raises(RuntimeError, match="draw_graph: .*call draw_graph before backward"):
        draw_graph(loss, show_grads=True)
