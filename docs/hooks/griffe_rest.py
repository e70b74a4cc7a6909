"""Griffe extension: show the docstrings' doctest examples and reST literal blocks as code on the site.

The docstrings are written for ``help()`` too, in reST's habits: ``>>>`` examples and ``Example::`` before an
indented block. Read as Markdown, ``>>>`` is a triple blockquote and ``::`` shows as typed. Before mkdocstrings
renders a docstring, this wraps each run of ``>>>``/``...`` lines and the output lines after them (up to a blank
line) in a ``pycon`` code fence, and turns a paragraph's closing ``::`` into ``:`` (the indented block after it
already renders as code). Docstrings inside NumPy sections ("Examples" included) get the same treatment.
"""

from __future__ import annotations

from typing import Any

import griffe


def _fence_doctests(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.lstrip()
        if stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            block = []
            while index < len(lines) and lines[index].strip():
                block.append(lines[index][len(indent) :] if lines[index].startswith(indent) else lines[index].strip())
                index += 1
            out += [f"{indent}```pycon", *(indent + b for b in block), f"{indent}```"]
            continue
        if stripped.endswith("::") and not stripped.startswith("::") and stripped != "::":
            line = line[:-1]  # "Example::" -> "Example:"; a line that is only "::" stays (rare; shown as is)
        out.append(line)
        index += 1
    return "\n".join(out)


class RestDocstrings(griffe.Extension):
    """Rewrite each docstring once, when griffe loads the object."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Fence doctest blocks and drop reST's literal-block ``::`` in ``obj``'s docstring."""
        if obj.docstring is not None:
            obj.docstring.value = _fence_doctests(obj.docstring.value)
