"""Finding a ``dot`` program and turning DOT source into SVG or PNG.

The ``graphviz`` Python package writes DOT source but always runs a program
literally called ``dot`` found on PATH. On a machine set up with pip only, the
layout program comes from the ``graphviz-pure`` wheel, whose command is called
``graphviz-pure`` (it never shadows a real ``dot``), and inside a Jupyter kernel
the virtualenv's ``bin`` folder is often not on PATH at all. So we find the
program ourselves, in this order:

1. the environment variable ``TINYGRAD_MOONS_DOT``, naming a ``dot`` binary;
2. a system Graphviz ``dot`` on PATH;
3. the binary installed by the ``graphviz-pure`` distribution, located through
   ``importlib.metadata`` (the wheel's file list), not through PATH.

and then run it with ``subprocess``, passing the DOT source on stdin. Both
``dot`` and ``graphviz-pure`` accept the same flags (``-Kdot -Tsvg -o file``).
We do not call the ``graphviz`` package's ``render`` because it cannot be given
a binary path; running the program directly is ten lines and has no global
state to patch.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

#: Environment variable that names the ``dot`` program to use.
ENV_VAR = "TINYGRAD_MOONS_DOT"
#: Formats every renderer we support can write (graphviz-pure has no pdf).
FORMATS = ("svg", "png")

INSTALL_HINT = (
    "install a renderer with `pip install graphviz-pure` (no system packages needed) "
    "or your system's Graphviz (`apt install graphviz`, `brew install graphviz`), "
    f"or set {ENV_VAR} to the path of a dot binary"
)


def _executable(path: str | os.PathLike[str] | None) -> Path | None:
    """``path`` if it names an existing executable file, else None."""
    if not path:
        return None
    candidate = Path(path)
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    return None


def dot_from_env() -> Path | None:
    """The program named by ``TINYGRAD_MOONS_DOT``, if set and executable."""
    value = os.environ.get(ENV_VAR)
    if not value:
        return None
    found = _executable(value) or _executable(shutil.which(value))
    if found is None:
        warnings.warn(f"{ENV_VAR}={value!r} is not an executable file; looking for another dot", stacklevel=3)
    return found


def dot_on_path() -> Path | None:
    """A system Graphviz ``dot`` found on PATH."""
    return _executable(shutil.which("dot"))


def dot_from_graphviz_pure() -> Path | None:
    """The binary shipped by the ``graphviz-pure`` wheel, found through its installed file list.

    The wheel installs its program as a script (``bin/graphviz-pure``, or
    ``Scripts\\graphviz-pure.exe`` on Windows); the distribution's RECORD lists
    it relative to site-packages, and ``locate_file`` turns that into a path.
    """
    try:
        distribution = importlib.metadata.distribution("graphviz-pure")
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in distribution.files or ():
        if Path(str(file)).stem == "graphviz-pure":
            found = _executable(Path(distribution.locate_file(file)).resolve())
            if found is not None:
                return found
    return None


def find_dot() -> Path | None:
    """The ``dot`` program to use: env var, then a system ``dot``, then graphviz-pure's; None if there is none."""
    for finder in (dot_from_env, dot_on_path, dot_from_graphviz_pure):
        found = finder()
        if found is not None:
            return found
    return None


def pipe(source: str, format: str = "svg", dot: Path | None = None) -> bytes:
    """Lay out DOT ``source`` with ``dot`` and return the rendered bytes.

    Raises ``RuntimeError`` with the renderer's own message if it fails, and
    ``FileNotFoundError`` if no renderer can be found.
    """
    format = _check_format(format)
    dot = dot or find_dot()
    if dot is None:
        raise FileNotFoundError(f"no Graphviz renderer found: {INSTALL_HINT}")
    # stderr is captured (the equivalent of graphviz's quiet=True): layout
    # warnings are noise to a reader, and errors are reported below.
    completed = subprocess.run(
        [str(dot), "-Kdot", f"-T{format}"], input=source.encode("utf-8"), capture_output=True, check=False
    )
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"{dot} failed to render the graph as {format}: {message}")
    return completed.stdout


def render_graph(graph: Any, path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Write ``graph`` (a ``graphviz.Digraph`` or DOT source) to ``path`` as SVG or PNG.

    The format comes from ``format``, else from the suffix of ``path`` (``.svg``
    or ``.png``), else is SVG; a path without that suffix gets it appended. If
    no renderer exists, the DOT source is written next to it as ``.dot``
    instead, with a warning that names the file and how to get a renderer; the
    returned path says which file was written. Rendering never crashes for want
    of Graphviz.
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if format is None:
        format = suffix if suffix in FORMATS else "svg"
    format = _check_format(format)
    if suffix in FORMATS and suffix != format:
        raise ValueError(f"render_graph: the path {path} ends in .{suffix} but format={format!r} was asked for")
    if suffix != format:
        path = path.with_name(f"{path.name}.{format}")
    source = graph if isinstance(graph, str) else graph.source
    path.parent.mkdir(parents=True, exist_ok=True)
    dot = find_dot()
    if dot is None:
        dot_path = path.with_suffix(".dot")
        dot_path.write_text(source, encoding="utf-8")
        warnings.warn(
            f"no Graphviz renderer found, so the graph was written as DOT source to {dot_path} "
            f"instead of {path.name}; {INSTALL_HINT}",
            stacklevel=2,
        )
        return dot_path
    path.write_bytes(pipe(source, format, dot))
    return path


def _check_format(format: str) -> str:
    format = format.lower()
    if format not in FORMATS:
        raise ValueError(f"render: format must be one of {', '.join(FORMATS)}, got {format!r}")
    return format
