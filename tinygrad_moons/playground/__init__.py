"""The playground: a local web page where a learner builds a network, draws data and watches it train live.

``tinygrad-moons playground`` (or :func:`serve`) starts the server on
127.0.0.1 and opens the page; :func:`show` embeds the page in Jupyter.
Starlette and uvicorn are imported here only when the server starts, so
``import tinygrad_moons.playground`` stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["serve", "show", "start", "stop"]

_servers: list[Any] = []  # the servers show() started, kept alive while the kernel runs


def serve(port: int = 0, open_browser: bool = True) -> None:
    """Run the playground until interrupted (``port=0``: a free port); print the URL, open the browser."""
    from tinygrad_moons.playground.server import serve as run

    run(port=port, open_browser=open_browser)


def start(port: int = 0) -> Any:
    """Start the playground in a background thread; returns the running server (``.url``, ``.stop()``)."""
    from tinygrad_moons.playground.server import PlaygroundServer

    server = PlaygroundServer(port=port)
    server.start()
    _servers.append(server)
    return server


def show(width: int | str = "100%", height: int = 900, port: int = 0) -> Any:
    """Embed the playground in a Jupyter notebook: an IFrame onto a server started for it (one per kernel)."""
    try:
        from IPython.display import IFrame
    except ImportError:
        raise ImportError(
            "playground.show() embeds the page in Jupyter and needs IPython; outside a notebook "
            "run `tinygrad-moons playground` instead"
        ) from None
    server = _servers[0] if _servers else start(port)
    return IFrame(server.url, width=width, height=height)


def stop() -> None:
    """Stop the servers :func:`show` and :func:`start` started."""
    while _servers:
        _servers.pop().stop()
