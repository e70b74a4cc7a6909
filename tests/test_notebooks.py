"""The notebooks in examples/ run from top to bottom on the current API.

Each notebook is a jupytext "percent" script (``# %%`` cells; open it in Jupyter with jupytext, or run it with
python). The test converts it with jupytext and executes it with nbclient in a fresh ``python3`` kernel, which
jupyter_client starts with this interpreter (``sys.executable``; the first cell checks that), in a temporary folder
so that nothing is written next to the examples. Outputs are never committed: the files hold code and prose only,
and a notebook saved with outputs fails ``test_notebooks_are_committed_without_outputs``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# name -> True when it takes more than a few seconds (a kernel's start-up included): marked slow, so that
# `pytest -m "not slow"` runs one notebook, the quickest. Seconds each, kernel start included, on the 2-core
# machine at load average 8-10: course_experiment 15, keras_tutorial 10, pytorch_tutorial 9, graph_tour 8,
# backprop_walkthrough 6, gradient_checking 3.
NOTEBOOKS = {
    "course_experiment.py": True,
    "graph_tour.py": True,
    "gradient_checking.py": False,
    "pytorch_tutorial.py": True,
    "keras_tutorial.py": True,
    "backprop_walkthrough.py": True,
}


def _is_notebook(path: Path) -> bool:
    return path.suffix == ".ipynb" or "format_name: percent" in path.read_text(encoding="utf-8")[:400]


def test_every_notebook_in_examples_is_run_by_this_test() -> None:
    found = {path.name for path in EXAMPLES.iterdir() if path.is_file() and _is_notebook(path)}
    assert found == set(NOTEBOOKS), f"notebooks in examples/ {sorted(found)}, this test runs {sorted(NOTEBOOKS)}"


def test_notebooks_are_committed_without_outputs() -> None:
    import nbformat

    for path in EXAMPLES.glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        cells = enumerate(notebook.cells)
        with_outputs = [i for i, cell in cells if cell.get("outputs") or cell.get("execution_count")]
        assert not with_outputs, f"{path.name}: cells {with_outputs} hold outputs; clear them before committing"


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=[pytest.mark.slow] if slow else []) for name, slow in NOTEBOOKS.items()]
)
def test_notebook_runs(name: str, tmp_path: Path) -> None:
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = jupytext.read(EXAMPLES / name)
    check = f"import sys\nassert sys.executable == {sys.executable!r}, sys.executable"
    notebook.cells.insert(0, nbformat.v4.new_code_cell(check))
    # The kernel imports this checkout's package, installed or not, and never opens a window.
    python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": python_path, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    # One BLAS thread, as the benchmarks run: on a busy machine (CI, or this 2-core one shared by other jobs)
    # OpenBLAS' thread pool fights the other processes, and a full-batch epoch of the course network went from
    # 4 ms to 68 ms. The notebooks compute the same numbers either way.
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    )
    # Running a kernel imports IPython's completer, whose jedi sets sys.setrecursionlimit(3000) in *this* process
    # on import; tests that rely on the default limit (a RecursionError on deeply nested input) would then pass or
    # fail depending on their order. Put it back.
    recursion_limit = sys.getrecursionlimit()
    try:
        client.execute(env=env)
    except CellExecutionError as error:
        raise AssertionError(f"examples/{name} failed:\n{error}") from None
    finally:
        sys.setrecursionlimit(recursion_limit)
