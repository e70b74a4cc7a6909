"""The playground's web server: Starlette on uvicorn, one WebSocket and one training thread per page.

Routes (nothing else is served; no path from a request ever reaches the file system):

* ``GET /`` the page; ``GET /static/{name}`` its own assets (a fixed list, read at start-up);
* ``GET /api/limits`` the resource limits as JSON; ``GET /api/health`` {"ok": true, "pages": n};
* ``WS /ws`` the page's live connection: JSON messages both ways (see :mod:`.limits` for the
  messages a page may send, ``ack`` among them: a page acknowledges each frame it has drawn
  or dropped and is then kept at most two frames ahead; the server answers with ``limits``, ``architecture``, ``frame``,
  ``points``, ``status``, ``backward``, ``export`` and ``error`` messages).

Each connection gets its own :class:`Worker` thread that owns the page's
:class:`~tinygrad_moons.playground.session.Session`; the event loop only
parses, validates and forwards messages, so training never blocks it, and
two pages never share a model. A refused message gets an ``error`` message
with an HTTP-like ``status`` (400 bad message, 413 too large, 503 too many pages),
and the connection stays open.
"""

from __future__ import annotations

import asyncio
import json
import queue
import socket
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tinygrad_moons.playground.limits import Limits, MessageError, validate
from tinygrad_moons.playground.session import Session

__all__ = ["PlaygroundServer", "Worker", "create_app", "free_port", "serve"]

STATIC = Path(__file__).parent / "static"
ASSETS = {"index.html": "text/html", "app.js": "text/javascript", "style.css": "text/css"}
_STOP = object()


class Worker(threading.Thread):
    """Trains one page's network: takes validated messages from a queue, hands replies to ``send``."""

    def __init__(self, limits: Limits, send: Callable[[dict[str, Any]], None]):
        super().__init__(name="playground-page", daemon=True)
        self.limits = limits
        self.send = send
        self.commands: queue.Queue = queue.Queue()
        # At most two frames wait to be sent: a slow connection gets fewer frames, not a growing backlog.
        self.frames_in_flight = threading.Semaphore(2)
        # A page that acknowledges the frames it has drawn ({"type": "ack"}) is kept at most two frames
        # ahead of its drawing, so the CPU goes to frames that will be seen.
        self.page_acks = False
        self.unacknowledged = 0

    def stop(self) -> None:
        """Ask the thread to finish: it handles the messages already queued, then ends (it does not wait here)."""
        self.commands.put(_STOP)

    def run(self) -> None:
        # The engine's grad mode and layer scope are per thread, so pages train in parallel, each in its own thread.
        session = Session(self.limits)
        next_frame = time.monotonic()
        while True:
            timeout = max(0.0, next_frame - time.monotonic()) if session.playing else None
            try:
                command = self.commands.get(timeout=timeout)
            except queue.Empty:
                command = None
            if command is _STOP:
                return
            try:
                if command is not None and command["type"] == "ack":
                    self.page_acks = True
                    self.unacknowledged = max(0, self.unacknowledged - 1)
                elif command is not None:
                    replies = session.handle(command)
                    for reply in replies:
                        if reply["type"] == "architecture":
                            self.unacknowledged = 0  # the page drops the old network's frames unacknowledged
                        self.send(reply)
                elif (
                    session.playing
                    and (not self.page_acks or self.unacknowledged < 2)
                    and self.frames_in_flight.acquire(blocking=False)
                ):
                    for _ in range(session.steps_per_update):
                        session.step()
                    frame = session.frame()
                    # Encoded here, in the worker, so the event loop only forwards text.
                    self.send({"type": "frame", "text": json.dumps(frame), "frame": True})
                    self.unacknowledged += 1
                    next_frame = time.monotonic() + 1.0 / session.updates_per_second
                elif session.playing:
                    next_frame = time.monotonic() + 0.005  # the page is behind: wait for it
            except ValueError as error:  # a request that cannot be carried out: the page shows why
                session.playing = False
                self.send({"type": "error", "status": 400, "message": str(error)})
            except Exception as error:  # a bug: say so in the page, keep serving
                session.playing = False
                traceback.print_exc()
                self.send(
                    {"type": "error", "status": 500, "message": f"internal error: {type(error).__name__}: {error}"}
                )


def _same_origin(websocket: WebSocket) -> bool:
    """A page from another site must not drive this server: the Origin, when sent, must be our own host."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == websocket.headers.get("host")


def create_app(limits: Limits | None = None) -> Starlette:
    """The ASGI application (used by :func:`serve`, and by the tests through Starlette's TestClient)."""
    limits = limits or Limits()
    assets = {name: (STATIC / name).read_bytes() for name in ASSETS}
    pages = {"open": 0}

    async def index(request: Request) -> Response:
        return Response(assets["index.html"], media_type="text/html")

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            return JSONResponse({"error": f"no asset named {name!r}"}, status_code=404)
        return Response(assets[name], media_type=ASSETS[name])

    async def api_limits(request: Request) -> Response:
        return JSONResponse(vars(limits))

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "pages": pages["open"]})

    async def page(websocket: WebSocket) -> None:
        if not _same_origin(websocket):
            await websocket.close(code=1008, reason="this playground only talks to its own pages")
            return
        await websocket.accept()
        if pages["open"] >= limits.max_pages:
            await websocket.send_json(
                {
                    "type": "error",
                    "status": 503,
                    "message": f"at most {limits.max_pages} pages at once: close another tab",
                }
            )
            await websocket.close(code=1013)
            return
        pages["open"] += 1
        loop = asyncio.get_running_loop()
        outbox: asyncio.Queue = asyncio.Queue()

        def deliver(message: dict[str, Any]) -> None:  # called from the worker thread
            try:
                loop.call_soon_threadsafe(outbox.put_nowait, message)
            except RuntimeError:  # the page closed and its event loop with it: nobody to tell
                pass

        worker = Worker(limits, deliver)

        async def send_replies() -> None:
            while True:
                message = await outbox.get()
                is_frame = message.pop("frame", False)
                await websocket.send_text(message["text"] if is_frame else json.dumps(message))
                if is_frame:
                    worker.frames_in_flight.release()

        async def refuse(status: int, message: str) -> None:
            await outbox.put({"type": "error", "status": status, "message": message})

        worker.start()
        sender = asyncio.create_task(send_replies())
        try:
            while True:
                received = await websocket.receive()
                if received["type"] == "websocket.disconnect":
                    break
                text = received.get("text")
                if text is None:
                    await refuse(400, "send JSON text messages, not binary ones")
                    continue
                if len(text) > limits.max_message_bytes:
                    await refuse(413, f"message too large: {len(text)} bytes, at most {limits.max_message_bytes}")
                    continue
                try:
                    message = json.loads(text)
                except json.JSONDecodeError as error:
                    await refuse(400, f"malformed JSON: {error}")
                    continue
                try:
                    worker.commands.put(validate(message, limits))
                except MessageError as error:
                    await refuse(400, str(error))
        except WebSocketDisconnect:
            pass
        finally:
            pages["open"] -= 1
            worker.stop()
            sender.cancel()

    routes = [
        Route("/", index),
        Route("/static/{name}", static),
        Route("/api/limits", api_limits),
        Route("/api/health", health),
        Route("/favicon.ico", lambda request: Response(status_code=204)),  # browsers ask; we have none
        WebSocketRoute("/ws", page),
    ]
    # Only requests addressed to this machine by name: a page from elsewhere that re-points its own domain at
    # 127.0.0.1 (DNS rebinding) still sends its own Host, and is refused with 400.
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"])]
    return Starlette(routes=routes, middleware=middleware)


def one_blas_thread() -> None:
    """Run NumPy's matrix products on one thread each (process-wide).

    The playground's matrices are small (at most 2000 × 64) and each page has
    its own training thread: OpenBLAS' thread pool only fights over the cores
    (measured: a 1024×50 by 50×50 product took 1.9 ms with its threads on a busy
    two-core machine, 0.34 ms with one).
    """
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    threadpool_limits(limits=1, user_api="blas")


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PlaygroundServer:
    """The server in a background thread (for notebooks and tests): ``start()`` returns the URL, ``stop()`` ends it."""

    def __init__(self, port: int = 0, limits: Limits | None = None):
        import uvicorn

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", port))  # loopback only: the playground is never reachable from outside
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        config = uvicorn.Config(
            create_app(limits), log_level="warning", ws_max_size=(limits or Limits()).max_message_bytes * 2
        )
        self.server = uvicorn.Server(config)
        self.thread: threading.Thread | None = None

    def start(self, timeout: float = 10.0) -> str:
        """Start serving in a daemon thread and return the page's URL once it answers.

        Raises ``RuntimeError`` naming the URL if the server has not started within ``timeout`` seconds.
        """
        one_blas_thread()
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the playground server did not start on {self.url}")
            time.sleep(0.02)
        return self.url

    def stop(self) -> None:
        """Stop serving, wait (up to 10 s) for the thread to end and release the port."""
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)
        self.socket.close()


def serve(port: int = 0, open_browser: bool = True) -> None:
    """Run the playground on 127.0.0.1 until interrupted: print the URL, open it in the browser unless told not to."""
    import uvicorn

    limits = Limits()
    one_blas_thread()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        print(f"tinygrad-moons playground: {url}  (Ctrl+C to stop)", flush=True)
        if open_browser:
            import webbrowser

            threading.Timer(0.5, webbrowser.open, args=(url,)).start()
        config = uvicorn.Config(create_app(limits), log_level="warning", ws_max_size=limits.max_message_bytes * 2)
        uvicorn.Server(config).run(sockets=[listener])
