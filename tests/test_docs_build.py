"""The documentation site: it builds without a warning, covers every public module, and its examples run.

* ``mkdocs build --strict`` (slow: ~20-40 s) is what CI runs; a broken link, a page missing from the nav or an
  API page naming a module that no longer exists fails it.
* Every public module (tests/test_docstrings.py's list) has an API page, and every API page documents one.
* The ```python blocks of the README and of the guides (the home page, getting started, concepts, how-tos) run,
  each page's blocks in order in one namespace, in a temporary folder: the examples a reader copies are the
  examples that work.
  Blocks fenced ```py are shown, not run (a notebook-only call, a server that would not stop).
"""

from __future__ import annotations

import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tinygrad_moons

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDES = [ROOT / "README.md"] + sorted(
    [DOCS / "index.md", DOCS / "getting-started.md", *(DOCS / "concepts").glob("*.md"), *(DOCS / "how-to").glob("*.md")]
)
PYTHON_BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```", re.S | re.M)
# The public modules, by the rule tests/test_docstrings.py states: every module of the package whose dotted name
# has no part starting with an underscore (so not ``__main__``).
PUBLIC_MODULES = ["tinygrad_moons"] + [
    module.name
    for module in pkgutil.walk_packages(tinygrad_moons.__path__, "tinygrad_moons.")
    if not any(part.startswith("_") for part in module.name.split("."))
]


def test_every_public_module_has_an_api_page_and_every_page_a_module() -> None:
    documented = {}
    for page in (DOCS / "api").glob("*.md"):
        for name in re.findall(r"^::: (\S+)", page.read_text(encoding="utf-8"), re.M):
            documented[name] = page.name
    missing = sorted(set(PUBLIC_MODULES) - set(documented))
    stale = sorted(set(documented) - set(PUBLIC_MODULES))
    assert not missing, f"public modules without an API page in docs/api/ (add one, list it in mkdocs.yml): {missing}"
    assert not stale, f"API pages for modules that are not public modules: {[(n, documented[n]) for n in stale]}"
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    unlisted = sorted(page for page in set(documented.values()) if f"api/{page}" not in nav)
    assert not unlisted, f"API pages not in mkdocs.yml's nav: {unlisted}"


@pytest.mark.parametrize("page", GUIDES, ids=[str(p.relative_to(ROOT)) for p in GUIDES])
def test_the_python_examples_of_a_guide_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = PYTHON_BLOCK.findall(page.read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    namespace: dict[str, object] = {"__name__": "__docs_example__"}
    for number, block in enumerate(blocks, 1):
        try:
            exec(compile(block, f"{page.relative_to(ROOT)} (python block {number})", "exec"), namespace)
        except Exception as error:
            raise AssertionError(f"{page.relative_to(ROOT)}: python block {number} failed:\n{block}") from error


@pytest.mark.slow
def test_mkdocs_build_strict_passes_without_warnings(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    output = result.stdout + result.stderr
    warnings = [line for line in output.splitlines() if line.startswith(("WARNING", "ERROR"))]
    assert result.returncode == 0 and not warnings, f"mkdocs build --strict failed:\n{output[-5000:]}"
    assert (tmp_path / "site" / "api" / "tensor" / "index.html").exists()


def _load_hook(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, DOCS / "hooks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docstring_adapters_fence_doctests_and_drop_rest_roles() -> None:
    griffe_rest = _load_hook("griffe_rest")
    text = "Draw it.\n\n    >>> draw(x)\n    ... more\n    'svg'\n\nExample::\n\n    draw(y)\n"
    assert griffe_rest._fence_doctests(text) == (
        "Draw it.\n\n    ```pycon\n    >>> draw(x)\n    ... more\n    'svg'\n    ```\n\nExample:\n\n    draw(y)\n"
    )
    rest_roles = _load_hook("rest_roles")
    html = "see :func:<code>draw_graph</code> and :class:<code>Tensor</code>, not :func: alone"
    assert rest_roles.on_page_content(html) == "see <code>draw_graph</code> and <code>Tensor</code>, not :func: alone"
    shortened = ":class:<code>~tinygrad_moons.autograd.Function</code> and <code>~x</code>"
    assert rest_roles.on_page_content(shortened) == "<code>Function</code> and <code>x</code>"
