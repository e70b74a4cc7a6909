"""Backpropagation, step by step: one self-contained HTML page (and optionally a GIF) from a traced backward pass.

:func:`tinygrad_moons.experiment.trace_recipe_network` builds a recipe's network (the course's 2-25-50-50-25-1
by default), runs it forward on a few training points and traces the backward
pass of its loss (:func:`tinygrad_moons.trace_backward`). :func:`write_page`
turns that into one HTML file: the Graphviz drawing of the graph (one box
per layer, or every op), the step being run highlighted, and for a chosen
sample and unit the upstream gradient, the local derivative and the gradient
sent to each input, with the numbers. Everything is inline (the data as
JSON, the SVG, the script and the styles): the file opens offline, by
double-click, with no server. :func:`write_gif` draws the same steps as
frames with matplotlib, for slides.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_moons import Tensor
from tinygrad_moons.explain import bracketed
from tinygrad_moons.tape import BackwardTape, trace_backward
from tinygrad_moons.viz import renderer
from tinygrad_moons.viz.graph import draw_graph, walk_graph

__all__ = ["BackpropRun", "page_data", "render_page", "trace_loss", "write_gif", "write_page"]


@dataclasses.dataclass
class BackpropRun:
    """A network, the points it ran on, its loss and the tape of the loss's backward pass."""

    loss: Tensor
    tape: BackwardTape
    title: str
    #: (name, tensor) of every parameter, for the last step's check that each .grad is what arrived.
    parameters: list[tuple[str, Tensor]]
    model: Any = None
    X: np.ndarray | None = None
    y: np.ndarray | None = None


def trace_loss(loss: Tensor, parameters: Any, title: str = "a computation") -> BackpropRun:
    """Trace ``loss.backward()`` for any scalar loss; ``parameters`` is a dict or a list of (name, tensor)."""
    pairs = list(parameters.items()) if isinstance(parameters, dict) else list(parameters)
    with trace_backward() as tape:
        loss.backward()
    return BackpropRun(loss, tape, f"{title}, loss E = {float(loss.data):.6g}", pairs)


# ------------------------------------------------------------------------ data
def _layer_node(layer: Any) -> str | None:
    """The node name of a layer in the collapsed drawing (see viz.graph._cluster_names)."""
    if layer is None:
        return None
    return "layer_" + re.sub(r"\W", "_", str(getattr(layer, "name", None) or type(layer).__name__.lower()))


def _kind(step: Any) -> str:
    if step.op in ("linear", "matmul") and all(np.ndim(v) == 2 for v in step.input_values[:2]):
        return "linear"
    if step.op in ("relu", "sigmoid", "tanh", "exp", "log", "sqrt", "neg", "abs", "leaky_relu", "clip", "cast"):
        return "unary"
    if step.op in ("binary_cross_entropy_with_logits", "mean"):
        return step.op if step.op == "mean" else "bce"
    return "other"


def _local_derivative(step: Any) -> np.ndarray | None:
    from tinygrad_moons.explain import _unary_local

    if _kind(step) == "unary":
        return _unary_local(step.op, step.function, step.input_values[0], step.output_value)
    return None


def page_data(run: BackpropRun) -> dict[str, Any]:
    """Everything the page shows, as plain lists and numbers (the page's JSON)."""
    tape = run.tape
    full_ids = {id(t): f"t{i}" for i, t in enumerate(walk_graph(run.loss))}  # as draw_graph names them
    steps = []
    for step in tape.steps:
        kind = _kind(step)
        entry: dict[str, Any] = {
            "number": step.number,
            "op": step.op,
            "kind": kind,
            "layer": step.layer_name,
            "node": _layer_node(step.layer),
            "full_node": full_ids.get(id(step.output)),
            "rule": step.rule,
            "out": bracketed(tape.symbol(step.output)),
            "inputs": [bracketed(tape.symbol(t)) for t in step.inputs],
            "output_value": step.output_value.tolist(),
            "input_values": [v.tolist() for v in step.input_values],
            "upstream": step.upstream.tolist(),
            "sent": [
                {
                    "input": c.input_index,
                    "symbol": bracketed(tape.symbol(c.tensor)),
                    "gradient": c.gradient.tolist(),
                    "before": None if c.total_before is None else c.total_before.tolist(),
                    "after": c.total_after.tolist(),
                    "full_node": full_ids.get(id(c.tensor)),
                }
                for c in step.contributions
            ],
        }
        local = _local_derivative(step)
        if local is not None:
            entry["local"] = local.tolist()
        steps.append(entry)
    parameters = []
    for name, parameter in run.parameters:
        arrived = tape.total_gradient(parameter)
        if arrived is None or parameter.grad is None:
            raise ValueError(f"page_data: no gradient reached the parameter {name!r}: the loss does not depend on it")
        parameters.append(
            {
                "name": name,
                "symbol": bracketed(tape.symbol(parameter)),
                "shape": list(parameter.shape),
                "arrived": arrived.tolist(),
                "grad": parameter.grad.data.tolist(),
                "equal": bool(np.array_equal(arrived, parameter.grad.data)),
            }
        )
    return {
        "title": run.title,
        "loss": float(run.loss.data),
        "steps": steps,
        "parameters": parameters,
    }


# ------------------------------------------------------------------------ page
def _svg(run: BackpropRun, collapse: bool) -> str | None:
    """The graph drawn by Graphviz as inline SVG, or None without a renderer."""
    dot = renderer.find_dot()
    if dot is None:
        return None
    graph = draw_graph(run.loss, collapse=collapse, rankdir="TB")
    svg = renderer.pipe(graph.source, "svg", dot).decode("utf-8")
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE: they are not allowed inside HTML
    return re.sub(r"<!--.*?-->", "", svg, flags=re.S)


def render_page(run: BackpropRun) -> str:
    """The whole page as one HTML string."""
    data = json.dumps(page_data(run), allow_nan=True).replace("</", "<\\/")
    collapsed = _svg(run, collapse=True)
    expanded = _svg(run, collapse=False)
    hint = html.escape(renderer.INSTALL_HINT)
    no_graph = f"<p class='note'>No Graphviz renderer was found, so the graph is not drawn: {hint}.</p>"
    return (
        _TEMPLATE.replace("{{TITLE}}", html.escape(run.title))
        .replace("{{STYLE}}", _STYLE)
        .replace("{{SVG_COLLAPSED}}", collapsed or no_graph)
        .replace("{{SVG_EXPANDED}}", expanded or no_graph)
        .replace("{{SCRIPT}}", _SCRIPT)
        .replace("{{DATA}}", data)
    )


def write_page(run: BackpropRun, path: str | os.PathLike[str]) -> Path:
    """Write the page for ``run`` to ``path`` (one self-contained ``.html`` file)."""
    path = Path(path)
    path.write_text(render_page(run), encoding="utf-8")
    return path


# ------------------------------------------------------------------------- GIF
def _frame_text(tape: BackwardTape, step: Any, sample: int = 0, unit: int = 0) -> list[str]:
    """What a frame says about a step: its rule and the numbers for one sample and unit."""
    from tinygrad_moons.explain import local_link

    lines = [f"step {step.number} of {len(tape.steps)}: {step.op}" + (f" in {step.layer_name}" if step.layer else "")]
    lines.append(step.rule)
    for contribution in step.contributions[:3]:
        shape = contribution.tensor.shape
        where = tuple(min(k, w - 1) for k, w in zip((sample, unit), shape)) if len(shape) == 2 else (
            (min(unit, shape[0] - 1),) if len(shape) == 1 else ()
        )
        link = local_link(tape, contribution, where)
        lines.append(f"{link.quantity} = {link.formula}")
        shown = " + ".join(f"({term})" for term in link.terms[:2])
        more = f" + … ({len(link.terms) - 2} more)" if len(link.terms) > 2 else ""
        lines.append(f"    = {shown}{more} = {link.value:.6g}" if link.terms else f"    = {link.value:.6g}")
    return lines


def write_gif(run: BackpropRun, path: str | os.PathLike[str], png_folder: str | os.PathLike[str] | None = None) -> Path:
    """The backward steps as an animated GIF (one frame per step, sample 0, unit 0); PNG frames too if asked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import PillowWriter

    tape = run.tape
    layers = []
    for step in reversed(tape.steps):
        if step.layer_name not in layers:
            layers.append(step.layer_name)
    figure = plt.figure(figsize=(12, 4.5), dpi=100)
    writer = PillowWriter(fps=1)
    path = Path(path)
    if png_folder is not None:
        Path(png_folder).mkdir(parents=True, exist_ok=True)
    with writer.saving(figure, str(path), dpi=100):
        for step in tape.steps:
            figure.clear()
            boxes = figure.add_axes((0.02, 0.05, 0.2, 0.9))
            boxes.set_axis_off()
            for k, name in enumerate(layers):
                active = name == step.layer_name
                boxes.add_patch(matplotlib.patches.FancyBboxPatch(
                    (0.05, 1 - (k + 1) / (len(layers) + 0.5)), 0.9, 0.6 / (len(layers) + 0.5),
                    boxstyle="round,pad=0.01", facecolor="#ffcc66" if active else "#eeeeee",
                    edgecolor="#cc0000" if active else "#999999", linewidth=2 if active else 1))
                boxes.text(0.5, 1 - (k + 1) / (len(layers) + 0.5) + 0.3 / (len(layers) + 0.5), str(name),
                           ha="center", va="center", fontsize=9)
            text = figure.add_axes((0.25, 0.05, 0.73, 0.9))
            text.set_axis_off()
            for k, line in enumerate(_frame_text(tape, step)):
                text.text(0, 0.95 - k * 0.1, line[:120], fontsize=10 if k else 13, family="DejaVu Sans",
                          weight="bold" if k == 0 else "normal", va="top")
            writer.grab_frame()
            if png_folder is not None:
                figure.savefig(Path(png_folder) / f"step_{step.number:02d}.png")
    plt.close(figure)
    return path


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222; }
header { padding: 10px 16px; background: #f3f3f3; border-bottom: 1px solid #ccc; }
header h1 { font-size: 18px; margin: 0 0 6px 0; }
button { font-size: 14px; padding: 4px 10px; margin-right: 4px; cursor: pointer; }
button.chosen { background: #ffcc66; }
main { display: flex; gap: 16px; padding: 12px 16px; align-items: flex-start; }
#graph { flex: 0 0 38%; max-height: 88vh; overflow: auto; border: 1px solid #ddd; }
#graph-collapsed svg { width: 100%; height: auto; }
#graph-expanded svg { width: auto; height: auto; }  /* every op: its natural size, scrolled */
#panel { flex: 1; min-width: 0; }
.node.active polygon, .node.active path, .node.active ellipse { stroke: #cc0000 !important; stroke-width: 4px; }
.node.active { filter: drop-shadow(0 0 6px #ff6600); }
.node.source polygon, .node.source path { stroke: #0066cc !important; stroke-width: 3px; }
.rule { background: #fffbe6; border-left: 4px solid #e6b800; padding: 6px 10px; font-family: Georgia, serif; }
table { border-collapse: collapse; margin: 8px 0; }
td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
.num { font-family: ui-monospace, Menlo, Consolas, monospace; }
.units, .samples { display: flex; flex-wrap: wrap; gap: 2px; margin: 4px 0; }
.unit, .sample { width: 30px; height: 22px; font-size: 10px; padding: 0; border: 1px solid #aaa; }
.unit.chosen, .sample.chosen { outline: 3px solid #cc0000; }
.note { color: #666; font-size: 13px; }
.equal { color: #007700; font-weight: bold; }
.unequal { color: #cc0000; font-weight: bold; }
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Backpropagation step by step: {{TITLE}}</title>
<style>{{STYLE}}</style>
</head>
<body>
<header>
  <h1>Backpropagation, step by step: {{TITLE}}</h1>
  <button id="prev" title="previous step (left arrow)">&#9664; back</button>
  <button id="next" title="next step (right arrow)">forward &#9654;</button>
  <span id="counter"></span>
  &nbsp;&nbsp;
  <button id="mode-backward" class="chosen">backward pass</button>
  <button id="mode-forward">forward pass</button>
  &nbsp;&nbsp;
  <button id="expand">expand the layers</button>
  <span class="note">Keys: &larr; &rarr; step; click a sample or a unit to choose it.</span>
</header>
<main>
  <div id="graph">
    <div id="graph-collapsed">{{SVG_COLLAPSED}}</div>
    <div id="graph-expanded" hidden>{{SVG_EXPANDED}}</div>
  </div>
  <div id="panel"></div>
</main>
<script id="data" type="application/json">{{DATA}}</script>
<script>{{SCRIPT}}</script>
</body>
</html>
"""

_SCRIPT = r"""
"use strict";
// The page: DATA (the traced backward pass, written by tinygrad_moons.viz.backprop) and a few plain functions.
const DATA = JSON.parse(document.getElementById("data").textContent);
const BACKWARD = DATA.steps;                 // in the order the engine ran them
const FORWARD = DATA.steps.slice().reverse(); // the same ops, in the order the forward pass made them
let mode = "backward";
let position = 0;                            // which step; the backward pass has one more: the summary
let sample = 0;
let unit = 0;

function fmt(x) {
  if (x === 0) return "0";
  if (Math.abs(x) >= 1e-4 && Math.abs(x) < 1e5) return String(Number(x.toPrecision(6)));
  return x.toExponential(4);
}
// A number shown on the page; data-value keeps every digit, so a test can compare it with the tape.
function num(x, key) {
  const k = key ? ` data-key="${key}"` : "";
  return `<span class="num"${k} data-value="${x}">${fmt(x)}</span>`;
}
function at(array, n, j) {                    // one element of a 0-d, 1-d or 2-d array
  if (!Array.isArray(array)) return array;
  if (!Array.isArray(array[0])) return array.length === 1 ? array[0] : array[j];
  return array[n][j];
}
function rows(array) { return Array.isArray(array) ? (Array.isArray(array[0]) ? array.length : 1) : 1; }
function cols(array) {
  if (!Array.isArray(array)) return 1;
  return Array.isArray(array[0]) ? array[0].length : array.length;
}
function steps() { return mode === "backward" ? BACKWARD : FORWARD; }
function lastPosition() { return mode === "backward" ? BACKWARD.length : FORWARD.length - 1; }

function chosen(step) {
  // The chosen sample and unit, within this step's output (the choice itself is kept for the next steps).
  return [Math.min(sample, rows(step.output_value) - 1), Math.min(unit, cols(step.output_value) - 1)];
}

function chooser(step) {
  // The sample and unit buttons for the step's output; the colour is the size of the gradient there.
  const shape = step.output_value;
  const n = rows(shape), units = cols(shape);
  const [s, u] = chosen(step);
  const values = mode === "backward" ? step.upstream : step.output_value;
  let largest = 0;
  for (let j = 0; j < units; j++) largest = Math.max(largest, Math.abs(at(values, s, j)));
  let html = "";
  if (n > 1) {
    html += `<div>sample: <span class="samples">`;
    for (let i = 0; i < n; i++) {
      html += `<button class="sample${i === s ? " chosen" : ""}" data-sample="${i}">${i}</button>`;
    }
    html += `</span></div>`;
  }
  if (units > 1) {
    const shown = mode === "backward" ? "∂E/∂" + step.out : step.out;
    html += `<div>unit of ${step.out} (colour: |${shown}| for this sample):`;
    html += `<span class="units">`;
    for (let j = 0; j < units; j++) {
      const shade = largest > 0 ? Math.round(255 - 200 * Math.abs(at(values, s, j)) / largest) : 255;
      html += `<button class="unit${j === u ? " chosen" : ""}" data-unit="${j}" `
            + `style="background: rgb(255, ${shade}, ${shade})">${j}</button>`;
    }
    html += `</span></div>`;
  }
  return html;
}

function idx(array, n, j) {                   // "[n,j]", "[j]" or "" for the element at(array, n, j) reads
  if (!Array.isArray(array)) return "";
  if (!Array.isArray(array[0])) return array.length === 1 ? "[0]" : `[${j}]`;
  return `[${n},${j}]`;
}

function sumTerms(terms, total, key) {
  // A sum written out: the first few terms, the count of the rest, and the total the engine computed.
  const shown = terms.slice(0, 4).map(t => `(${t.map(fmt).join(" × ")})`).join(" + ");
  const rest = terms.length > 4 ? ` + … (${terms.length - 4} more terms)` : "";
  return `${shown}${rest} = ${num(total, key)}`;
}

function backwardPanel(step) {
  const [n, j] = chosen(step);
  const up = at(step.upstream, n, j);
  const o = `${step.out}${idx(step.upstream, n, j)}`;
  let html = `<h2>Step ${position + 1} of ${BACKWARD.length}: <code>${step.op}</code>`
           + `${step.layer ? " in " + step.layer : ""}</h2>`;
  html += `<div class="rule">${step.rule}</div>`;
  html += chooser(step);
  html += `<table>`;
  html += `<tr><th>upstream gradient (arrived from above)</th><td>∂E/∂${o} = ${num(up, "upstream")}</td></tr>`;
  if (step.kind === "unary") {
    const z = at(step.input_values[0], n, j);
    const local = at(step.local, n, j);
    const where = `${step.inputs[0]}${idx(step.upstream, n, j)}`;
    const name = step.op === "relu" ? `ReLU′ = 1[z > 0], here z = ${where} = ${num(z)}, so ReLU′`
               : step.op === "sigmoid"
               ? `σ′(z) = ŷ(1−ŷ), here ŷ = ${num(at(step.output_value, n, j))}, so σ′`
               : `d ${step.op}/dz at z = ${where} = ${num(z)}`;
    html += `<tr><th>local derivative</th><td>${name} = ${num(local, "local")}</td></tr>`;
    const sent = step.sent[0];
    html += `<tr><th>sent to ${sent.symbol}</th><td>∂E/∂${sent.symbol}${idx(sent.gradient, n, j)} = `
          + `${fmt(up)} × ${fmt(local)} = ${num(at(sent.gradient, n, j), "sent0")}</td></tr>`;
  } else if (step.kind === "bce") {
    const z = at(step.input_values[0], n, j), y = at(step.input_values[1], n, j);
    const yhat = 1 / (1 + Math.exp(-z));
    html += `<tr><th>forward values</th><td>z = ${num(z)}, ŷ = σ(z) = ${num(yhat)}, y = ${num(y)}</td></tr>`;
    html += `<tr><th>local derivative (the course's two factors)</th><td>`
          + `∂E/∂ŷ = (1/n)(ŷ−y)/(ŷ(1−ŷ)) = ${num(up * (yhat - y) / (yhat * (1 - yhat)))}<br>`
          + `σ′(z) = ŷ(1−ŷ) = ${num(yhat * (1 - yhat), "local")}<br>`
          + `their product: (1/n)(ŷ − y), computed by the engine in one stable step</td></tr>`;
    for (const sent of step.sent) {
      html += `<tr><th>sent to ${sent.symbol}</th><td>∂E/∂${sent.symbol}${idx(sent.gradient, n, j)} = `
            + `${num(at(sent.gradient, n, j), "sent" + sent.input)}</td></tr>`;
    }
  } else if (step.kind === "mean") {
    const count = rows(step.input_values[0]) * cols(step.input_values[0]);
    html += `<tr><th>local derivative</th><td>∂E/∂l = 1/n = 1/${count} = ${num(1 / count, "local")}</td></tr>`;
    const sent = step.sent[0];
    const m = Math.min(n, rows(sent.gradient) - 1);
    html += `<tr><th>sent to ${sent.symbol}</th><td>`
          + `every sample gets ∂E/∂${sent.symbol}${idx(sent.gradient, m, 0)} = `
          + `${num(at(sent.gradient, m, 0), "sent0")}</td></tr>`;
  } else if (step.kind === "linear") {
    const [x, w] = step.input_values;
    for (const sent of step.sent) {
      if (sent.input === 1) {                  // the weights: a sum over the samples
        html += `<tr><th>sent to ${sent.symbol} (∂z/∂w = x)</th><td>`;
        for (let r = 0; r < Math.min(rows(w), 4); r++) {
          const terms = x.map((row, s) => [row[r], at(step.upstream, s, j)]);
          html += `∂E/∂${sent.symbol}[${r},${j}] = `
                + `Σ<sub>n</sub> ${step.inputs[0]}[n,${r}] · ∂E/∂${step.out}[n,${j}] = `
                + sumTerms(terms, sent.gradient[r][j], r === 0 ? "sent1" : "") + "<br>";
        }
        if (rows(w) > 4) html += `<span class="note">… and ${rows(w) - 4} more rows of column ${j}</span>`;
        html += `</td></tr>`;
      } else if (sent.input === 2) {           // the bias: the upstream gradient summed over the samples
        const terms = step.upstream.map(row => [row[j]]);
        html += `<tr><th>sent to ${sent.symbol} (∂z/∂b = 1)</th><td>∂E/∂${sent.symbol}[${j}] = `
              + `Σ<sub>n</sub> ∂E/∂${step.out}[n,${j}] = ${sumTerms(terms, sent.gradient[j], "sent2")}</td></tr>`;
      } else {                                 // the layer's input: a sum over this layer's units
        html += `<tr><th>sent to ${sent.symbol} (∂z/∂x = W)</th><td>`;
        for (let r = 0; r < Math.min(cols(x), 4); r++) {
          const terms = step.upstream[n].map((g, k) => [g, w[r][k]]);
          html += `∂E/∂${sent.symbol}[${n},${r}] = `
                + `Σ<sub>j</sub> ∂E/∂${step.out}[${n},j] · ${step.inputs[1]}[${r},j] = `
                + sumTerms(terms, sent.gradient[n][r], r === 0 ? "sent0" : "") + "<br>";
        }
        if (cols(x) > 4) html += `<span class="note">… and ${cols(x) - 4} more units</span>`;
        html += `</td></tr>`;
      }
    }
  } else {
    for (const sent of step.sent) {
      html += `<tr><th>sent to ${sent.symbol}</th><td>${num(at(sent.gradient, n, j), "sent" + sent.input)}</td></tr>`;
    }
  }
  for (const sent of step.sent) {               // fan-in: where paths meet, the running sum
    if (sent.before !== null) {
      html += `<tr><th>paths meet at ${sent.symbol}: running sum</th><td>`
            + `${num(at(sent.before, n, j))} + ${num(at(sent.gradient, n, j))} = `
            + `${num(at(sent.after, n, j), "running")}</td></tr>`;
    }
  }
  html += `</table>`;
  return html;
}

function summaryPanel() {
  let html = `<h2>After the last step: every parameter's gradient is what arrived</h2>`;
  html += `<p>Each parameter's <code>.grad</code> next to the sum of the gradients the steps sent it.</p><table>`;
  html += `<tr><th>parameter</th><th>shape</th><th>arrived (first elements)</th>`
        + `<th>.grad (first elements)</th><th>equal</th></tr>`;
  for (const p of DATA.parameters) {
    const flat = a => (Array.isArray(a) ? a.flat() : [a]);
    const arrived = flat(p.arrived), grad = flat(p.grad);
    const same = arrived.length === grad.length && arrived.every((v, k) => v === grad[k]);
    html += `<tr><td>${p.symbol} (${p.name})</td><td>${p.shape.join("×")}</td>`
          + `<td>${arrived.slice(0, 3).map(v => num(v)).join(", ")}</td>`
          + `<td>${grad.slice(0, 3).map(v => num(v)).join(", ")}</td>`
          + `<td class="${same && p.equal ? "equal" : "unequal"}" data-key="equal-${p.name}">`
          + `${same && p.equal ? "yes, all " + arrived.length : "NO"}</td></tr>`;
  }
  return html + `</table>`;
}

function forwardPanel(step) {
  const [n, j] = chosen(step);
  let html = `<h2>Forward step ${position + 1} of ${FORWARD.length}: <code>${step.op}</code>`
           + `${step.layer ? " in " + step.layer : ""}</h2>`;
  html += chooser(step);
  const out = at(step.output_value, n, j);
  html += `<table>`;
  if (step.kind === "linear") {
    const [x, w, b] = step.input_values;
    const terms = x[n].map((v, i) => [v, w[i][j]]);
    const bias = b === undefined ? "" : ` + ${step.inputs[2]}[${j}] (${fmt(b[j])})`;
    const more = terms.length > 4 ? ` + … (${terms.length - 4} more)` : "";
    html += `<tr><th>${step.out}[${n},${j}]</th>`
          + `<td>Σ<sub>i</sub> ${step.inputs[0]}[${n},i] · ${step.inputs[1]}[i,${j}]${bias}<br>`
          + `= ${terms.slice(0, 4).map(t => `(${fmt(t[0])} × ${fmt(t[1])})`).join(" + ")}`
          + `${more}${bias ? " + " + fmt(b[j]) : ""} = ${num(out, "forward")}</td></tr>`;
  } else if (step.kind === "unary") {
    html += `<tr><th>${step.out}${idx(step.output_value, n, j)}</th>`
          + `<td>${step.op}(${fmt(at(step.input_values[0], n, j))}) = ${num(out, "forward")}</td></tr>`;
  } else if (step.kind === "bce") {
    const z = at(step.input_values[0], n, j), y = at(step.input_values[1], n, j);
    const yhat = 1 / (1 + Math.exp(-z));
    html += `<tr><th>ŷ = σ(z)</th><td>σ(${fmt(z)}) = ${num(yhat)}</td></tr>`;
    html += `<tr><th>l${idx(step.output_value, n, j)}</th>`
          + `<td>−[y log ŷ + (1−y) log(1−ŷ)] with y = ${fmt(y)}: ${num(out, "forward")}</td></tr>`;
  } else if (step.kind === "mean") {
    const count = rows(step.input_values[0]);
    html += `<tr><th>E</th><td>the mean of l over the ${count} samples = ${num(out, "forward")}</td></tr>`;
  } else {
    html += `<tr><th>${step.out}${idx(step.output_value, n, j)}</th><td>${num(out, "forward")}</td></tr>`;
  }
  return html + `</table>`;
}

function highlight(step) {
  // Mark the active op (or layer) in both drawings; in the backward pass also the inputs it sends to.
  for (const node of document.querySelectorAll("#graph .node")) {
    const title = node.querySelector("title").textContent;
    const active = step !== null && (title === step.node || title === step.full_node);
    const source = step !== null && mode === "backward" && step.sent.some(s => s.full_node === title);
    node.classList.toggle("active", active);
    node.classList.toggle("source", source && !active);
    if (active && node.getBoundingClientRect().height > 0) {  // scroll the drawing to the active box
      const box = document.getElementById("graph");
      const place = node.getBoundingClientRect(), frame = box.getBoundingClientRect();
      box.scrollTop += place.top - frame.top - box.clientHeight / 3;
      box.scrollLeft += place.left - frame.left - box.clientWidth / 3;
    }
  }
}

function show() {
  const panel = document.getElementById("panel");
  const list = steps();
  let step = null;
  if (mode === "backward" && position === BACKWARD.length) {
    panel.innerHTML = summaryPanel();
  } else {
    step = list[position];
    panel.innerHTML = mode === "backward" ? backwardPanel(step) : forwardPanel(step);
  }
  document.getElementById("counter").textContent = step === null
    ? `backward pass: summary (after step ${BACKWARD.length})`
    : `${mode} pass: step ${position + 1} of ${list.length}`;
  document.getElementById("prev").disabled = position === 0;
  document.getElementById("next").disabled = position === lastPosition();
  highlight(step);
  for (const b of panel.querySelectorAll("button.sample")) {
    b.addEventListener("click", () => { sample = Number(b.dataset.sample); show(); });
  }
  for (const b of panel.querySelectorAll("button.unit")) {
    b.addEventListener("click", () => { unit = Number(b.dataset.unit); show(); });
  }
}

function go(delta) {
  position = Math.max(0, Math.min(lastPosition(), position + delta));
  show();
}
function setMode(next) {
  mode = next;
  position = 0;
  document.getElementById("mode-backward").classList.toggle("chosen", mode === "backward");
  document.getElementById("mode-forward").classList.toggle("chosen", mode === "forward");
  show();
}

document.getElementById("prev").addEventListener("click", () => go(-1));
document.getElementById("next").addEventListener("click", () => go(1));
document.getElementById("mode-backward").addEventListener("click", () => setMode("backward"));
document.getElementById("mode-forward").addEventListener("click", () => setMode("forward"));
document.getElementById("expand").addEventListener("click", () => {
  const expanded = document.getElementById("graph-expanded");
  expanded.hidden = !expanded.hidden;
  document.getElementById("graph-collapsed").hidden = !expanded.hidden;
  document.getElementById("expand").textContent = expanded.hidden ? "expand the layers" : "collapse the layers";
});
document.addEventListener("keydown", event => {
  if (event.key === "ArrowRight") go(1);
  if (event.key === "ArrowLeft") go(-1);
});
show();
"""
