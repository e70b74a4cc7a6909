"""The package's layers, checked from the source: a lower layer never imports a higher one, and no import cycles.

Every ``import`` in every module counts, at module level or inside a function (an import deferred to a
function still makes the lower module depend on the higher one), except those under ``if TYPE_CHECKING:``,
which only annotations read. Layers, lowest first:

* engine: the Tensor, its ops and autograd, and what works on them alone. ``optim`` sits here: an optimizer
  updates tensors and needs nothing from ``nn`` (as ``torch.optim`` beside ``torch.nn``), and ``jit`` lowers
  SGD's step. ``tape``/``explain`` record and explain a backward pass; ``jit`` captures and replays steps.
* nn: modules, layers, losses, initializers, callbacks, training, saving, and ``functional``.
* tools: data sets, the hand-written reference network, drawing (viz), test helpers.
* experiments: recipes and comparisons, the scikit-learn estimator, sweeps.
* programs: the command line and the playground.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tinygrad_moons"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "engine",
        (
            "tinygrad_moons",  # the package's own __init__: the engine's public names (nn and viz load lazily)
            "tinygrad_moons.tensor",
            "tinygrad_moons.autograd",
            "tinygrad_moons.ops",
            "tinygrad_moons.creation",
            "tinygrad_moons.dtypes",
            "tinygrad_moons.random",
            "tinygrad_moons.cuda",
            "tinygrad_moons.tensor_functions",
            "tinygrad_moons.gradcheck",
            "tinygrad_moons.tape",
            "tinygrad_moons.explain",
            "tinygrad_moons.jit",
            "tinygrad_moons.optim",
            "tinygrad_moons.lr_scheduler",
        ),
    ),
    ("nn", ("tinygrad_moons.nn", "tinygrad_moons.functional")),
    ("tools", ("tinygrad_moons.data", "tinygrad_moons.reference", "tinygrad_moons.viz", "tinygrad_moons.testing")),
    ("experiments", ("tinygrad_moons.experiment", "tinygrad_moons.sklearn", "tinygrad_moons.sweep")),
    ("programs", ("tinygrad_moons.cli", "tinygrad_moons.__main__", "tinygrad_moons.playground")),
]

#: Cycles that are one unit split over files: Tensor's methods are the ops, and the ops return Tensors.
#: Each module of such a group imports the others only once the Tensor class exists.
ONE_UNIT = [{"tinygrad_moons.tensor", "tinygrad_moons.autograd", "tinygrad_moons.ops", "tinygrad_moons.creation"}]

#: Upward imports not yet removed, each with its reason. The test fails if one disappears (delete it here then)
#: or a new one appears. None today: Model no longer draws itself (viz.draw_model_graph(model, ...) does, as Keras'
#: plot_model is a function), so nn imports nothing above it.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}
#: Cycles not yet broken, likewise. None today: Model.save writes through nn.model_file, which needs no model class,
#: so nn.training, nn.saving and nn.sequential no longer import each other.
KNOWN_CYCLES: list[set[str]] = []


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports anywhere in its source.

    ``from a import b`` counts ``a.b`` when that is a module, else ``a``.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import tinygrad_moons.nn.layers.x`: the module part
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` except those inside ``if TYPE_CHECKING:`` blocks."""
    nodes, pending = [], [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            pending.extend(node.orelse)
            continue
        nodes.append(node)
        pending.extend(ast.iter_child_nodes(node))
    return nodes


def layer_of(name: str) -> int:
    best = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if name == prefix or (prefix != "tinygrad_moons" and name.startswith(prefix + ".")):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    if best is None:
        raise AssertionError(f"{name} is in no layer: add it to LAYERS in tests/test_layering.py")
    return best[0]


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(name, path, set(modules)) for name, path in modules.items()}


def upward_imports(graph: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    found = {}
    for module, targets in graph.items():
        for target in targets:
            if layer_of(target) > layer_of(module):
                found[(module, target)] = f"{LAYERS[layer_of(module)][0]} imports {LAYERS[layer_of(target)][0]}"
    return found


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    return components


def test_every_module_is_in_a_layer():
    for name in all_modules():
        layer_of(name)


def test_no_lower_layer_imports_a_higher_one():
    found = upward_imports(import_graph())
    new = {edge: why for edge, why in found.items() if edge not in KNOWN_UPWARD}
    assert not new, "upward imports: " + "; ".join(f"{a} -> {b} ({why})" for (a, b), why in sorted(new.items()))
    gone = set(KNOWN_UPWARD) - set(found)
    assert not gone, f"these upward imports are gone: remove them from KNOWN_UPWARD: {sorted(gone)}"


def test_no_import_cycles():
    found = cycles(import_graph())
    allowed = [*ONE_UNIT, *KNOWN_CYCLES]
    new = [sorted(c) for c in found if not any(c <= group for group in ONE_UNIT) and c not in KNOWN_CYCLES]
    assert not new, f"import cycles: {new}"
    gone = [sorted(c) for c in KNOWN_CYCLES if c not in found]
    assert not gone, f"these cycles are gone: remove them from KNOWN_CYCLES: {gone}"
    assert allowed


@pytest.mark.parametrize(
    "graph, expected",
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [{"a", "b", "c"}]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert cycles(graph) == expected


def test_the_checker_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import tinygrad_moons.sweep\n"
        "def f():\n    from tinygrad_moons.viz import graph\n    import tinygrad_moons.cli\n"
    )
    known = {"tinygrad_moons.viz", "tinygrad_moons.viz.graph", "tinygrad_moons.cli", "tinygrad_moons.sweep"}
    assert imports_of("tinygrad_moons.optim", source, known) == {"tinygrad_moons.viz.graph", "tinygrad_moons.cli"}
    assert layer_of("tinygrad_moons.viz.graph") > layer_of("tinygrad_moons.optim")
