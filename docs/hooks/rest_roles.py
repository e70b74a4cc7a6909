"""MkDocs hook: show the reST roles of the docstrings (``:func:`draw_graph```) as plain code.

The package's docstrings are read in the terminal (``help()``) and on this site; they cross-reference with
Sphinx's roles. Rendered as Markdown, ``:func:`x``` would show the role's name before the code; this hook
removes the role's name and keeps the code. A role whose target is a documented object could become a link
(mkdocs-autorefs), but an unresolved link would be a warning in the strict build, so code it stays.
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|exc|obj|const):(?=<code>)")
# Sphinx shows ``:class:`~a.b.C``` as ``C``: a leading tilde asks for the last part of the dotted name only.
_SHORTENED = re.compile(r"<code>~(?:[\w]+\.)*([\w]+)</code>")


def on_page_content(html: str, **kwargs: Any) -> str:
    """Drop ``:func:`` and its siblings in front of inline code, and show ``~a.b.C`` as ``C``, as Sphinx does."""
    return _SHORTENED.sub(r"<code>\1</code>", _ROLE.sub("", html))
