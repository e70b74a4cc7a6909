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
state to patch. The formats differ: a system Graphviz writes PDF, graphviz-pure
does not, so :func:`supported_formats` asks the program found which it writes.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

#: Environment variable that names the ``dot`` program to use.
ENV_VAR = "TINYGRAD_MOONS_DOT"
#: Formats every renderer we support can write (graphviz-pure has no pdf); :func:`supported_formats` has them all.
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
            found = _executable(Path(str(distribution.locate_file(file))).resolve())
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


@functools.lru_cache(maxsize=8)
def _formats_of(dot: Path) -> tuple[str, ...]:
    """The output formats ``dot`` lists when asked for one it does not know (``dot -T?``)."""
    try:
        completed = subprocess.run([str(dot), "-T?"], input=b"", capture_output=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return FORMATS
    text = (completed.stderr + completed.stdout).decode("utf-8", "replace")
    # 'Format: "?" not recognized. Use one of: bmp canon ... png:cairo ... svg ...'
    match = re.search(r"Use one of:(.*)", text, re.DOTALL)
    if match is None:
        return FORMATS
    return tuple(sorted({word.split(":")[0] for word in match.group(1).split()}))


def supported_formats(dot: Path | None = None) -> tuple[str, ...]:
    """The output formats (``svg``, ``png``, ``pdf``, ...) that ``dot`` (default: :func:`find_dot`'s) can write.

    Asked of the program once per process (``dot -T?``): graphviz-pure writes
    fewer formats than a system Graphviz (no PDF). Without any renderer it is
    empty.

    >>> "svg" in supported_formats()  # doctest: +SKIP
    True
    """
    dot = dot or find_dot()
    return () if dot is None else _formats_of(Path(dot))


def check_format(format: str, dot: Path | None = None, who: str = "render") -> str:
    """``format`` in lower case if ``dot`` can write it; else a ``ValueError`` listing what it can write."""
    format = format.lower()
    dot = dot or find_dot()
    formats = supported_formats(dot) if dot is not None else FORMATS
    if format not in formats:
        program = f"the renderer {dot}" if dot is not None else "a renderer"
        raise ValueError(f"{who}: {program} cannot write {format!r}; it writes {', '.join(formats)}")
    return format


def pipe(
    source: str, format: str = "svg", dot: Path | None = None, engine: str = "dot", options: tuple[str, ...] = ()
) -> bytes:
    """Lay out DOT ``source`` with ``dot`` and return the rendered bytes.

    ``format`` is any of :func:`supported_formats` (optionally with a
    renderer, ``png:cairo``, as a system Graphviz takes it); ``engine`` is the layout
    program's ``-K`` (``dot``, ``neato``, ...) and ``options`` more flags.
    Raises ``ValueError`` for a format the renderer cannot write,
    ``RuntimeError`` with the renderer's own message if it fails, and
    ``FileNotFoundError`` if no renderer can be found.
    """
    dot = dot or find_dot()
    if dot is None:
        raise FileNotFoundError(f"no Graphviz renderer found: {INSTALL_HINT}")
    # "png:cairo" names a renderer too (system Graphviz): the format is the part before the colon
    format = ":".join([check_format(format.split(":")[0], dot, "pipe"), *format.split(":")[1:]])
    # stderr is captured (the equivalent of graphviz's quiet=True): layout
    # warnings are noise to a reader, and errors are reported below.
    if format.split(":")[0] in RASTER_FORMATS:
        source, options = _for_raster(source, dot, options)
    completed = subprocess.run(
        [str(dot), f"-K{engine}", f"-T{format}", *options],
        input=source.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"{dot} failed to render the graph as {format}: {message}")
    return completed.stdout


#: Pixel formats: drawn at :data:`RASTER_DPI` rather than Graphviz's 72 dpi, whose labels are hard to read.
RASTER_FORMATS = frozenset({"png", "jpg", "jpeg", "jpe", "gif", "bmp", "tif", "tiff", "webp"})
RASTER_DPI = 144


def _for_raster(source: str, dot: Path, options: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The DOT source and flags for a pixel format: twice Graphviz's resolution, and a font graphviz-pure draws.

    graphviz-pure measures DejaVu Sans (so SVG boxes fit it) but its rasterizer has no DejaVu and draws a serif
    instead; it draws Helvetica with a sans face, and lays out and draws a PNG in one program, so the boxes fit.
    """
    if dot.stem == "graphviz-pure":
        source = source.replace('fontname="DejaVu Sans"', 'fontname="Helvetica"')
    if not any(option.startswith("-Gdpi") for option in options):
        options = (*options, f"-Gdpi={RASTER_DPI}")
    return source, options


def output_format(path: str | os.PathLike[str], format: str | None = None, dot: Path | None = None) -> str:
    """The format to write ``path`` in: ``format``, else the one its suffix names, else SVG.

    The one check of a file name and format that :func:`render_graph` and
    ``tinygrad-moons graph --out`` share, made before anything is drawn. A
    suffix that names an image format (``.svg``, ``.png``, ``.pdf``, any of
    Graphviz's) decides the format; a path without a suffix (``graph``) gets
    ``format``, else SVG. A suffix that names no format (``graph.pnx``,
    ``graph.txt``) is a ``ValueError`` listing the formats the renderer
    writes, unless ``format`` is given: then the suffix is part of the name
    (``run.v2`` with ``format="png"`` is written as ``run.v2.png``). Also a
    ``ValueError``: a format ``dot`` (default: :func:`find_dot`'s) cannot
    write, listing the ones it can, and a suffix that names one format with
    ``format`` another. Without any renderer only the names are checked.

    >>> output_format("graph.png"), output_format("graph"), output_format("run.v2", "svg")  # doctest: +SKIP
    ('png', 'svg', 'svg')
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    dot = dot or find_dot()
    writable = supported_formats(dot) or FORMATS  # without a renderer the .dot is written, and FORMATS later
    known = set(_graphviz_formats()) | set(writable)
    if format is None and suffix and suffix not in known:  # g.pnx or h.tar.gz used to be written as g.pnx.svg
        raise ValueError(
            f"writing {path}: .{suffix} is not a format the renderer writes ({', '.join(writable)}); "
            "end the name in one of those, leave the suffix out (.svg is added), or name the format"
        )
    if format is None:
        format = suffix or "svg"
    format = format.lower()
    if dot is not None:
        format = check_format(format, dot, f"writing {path}")
    if suffix in known and suffix != format:
        raise ValueError(f"the path {path} ends in .{suffix} but format={format!r} was asked for")
    return format


def _graphviz_formats() -> tuple[str, ...]:
    """Every output format Graphviz knows of (the ``graphviz`` package's list), whether or not ours writes it."""
    try:
        from graphviz import FORMATS as known
    except ImportError:  # pragma: no cover (graphviz is a dependency)
        return FORMATS
    return tuple(known)


def render_graph(graph: Any, path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Write ``graph`` (a ``graphviz.Digraph`` or DOT source) to ``path`` in the format its suffix names.

    The format is :func:`output_format`'s: ``format``, else the one the suffix
    of ``path`` names (``.svg``, ``.png``, ``.pdf`` with a system Graphviz:
    any of :func:`supported_formats`), else SVG. A path without a suffix gets
    the format appended (``graph`` -> ``graph.svg``), as does one whose suffix
    names no format when ``format`` is given (``run.v2`` -> ``run.v2.png``).
    Before anything is drawn or written, a ``ValueError`` listing the formats
    the renderer writes refuses a format it cannot write (``g.pdf`` is never
    written as ``g.pdf.svg``) and, without ``format``, a suffix that names no
    format (``g.pnx`` is never written as ``g.pnx.svg``). If no renderer exists, the DOT source is
    written next to it as ``.dot`` instead, with a warning that names the file
    and how to get a renderer; the returned path says which file was written.
    Rendering never crashes for want of Graphviz.
    """
    path = Path(path)
    dot = find_dot()
    try:
        format = output_format(path, format, dot)
    except ValueError as error:
        raise ValueError(f"render_graph: {error}") from None
    if path.suffix.lower().lstrip(".") != format:
        path = path.with_name(f"{path.name}.{format}")
    source = graph if isinstance(graph, str) else graph.source
    path.parent.mkdir(parents=True, exist_ok=True)
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
