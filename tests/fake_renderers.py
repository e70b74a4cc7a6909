"""Stand-in Graphviz programs for the tests of format handling (the CLI's and the renderer's)."""

from __future__ import annotations

import stat
from pathlib import Path

from tinygrad_moons.viz import renderer


def renderer_without_pdf(folder: Path) -> Path:
    """A dot that writes what graphviz-pure writes but says it knows only svg, png and jpg (as a minimal Graphviz)."""
    real = renderer.dot_from_graphviz_pure()
    assert real is not None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "dot"
    path.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-T?" ]; then echo \'Format: "?" not recognized. Use one of: jpg png svg\' >&2; exit 1; fi\n'
        f'exec "{real}" "$@"\n'
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path
