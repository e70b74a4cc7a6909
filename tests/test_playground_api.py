"""The playground's server through Starlette's TestClient: every route and message, bad input, isolation, limits."""

import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette", reason="the playground needs Starlette: pip install -e '.[dev]'")
from starlette.testclient import TestClient

from tinygrad_moons.playground.backward import backward_steps
from tinygrad_moons.playground.limits import Limits
from tinygrad_moons.playground.server import create_app
from tinygrad_moons.playground.session import Session

ROOT = Path(__file__).resolve().parents[1]
WS = "ws://127.0.0.1/ws"  # the server answers only requests addressed to 127.0.0.1 or localhost


@pytest.fixture
def client():
    with TestClient(create_app(), base_url="http://127.0.0.1") as test_client:
        yield test_client


def receive_until(ws, kind, limit=500):
    """Messages up to and including the first of type ``kind`` (frames streamed meanwhile are skipped)."""
    seen = []
    for _ in range(limit):
        message = ws.receive_json()
        seen.append(message)
        if message["type"] == kind:
            return message, seen
        if message["type"] == "error":  # fail now rather than wait for a frame that will not come
            raise AssertionError(f"error while waiting for {kind!r}: {message}")
    raise AssertionError(f"no {kind!r} message among {[m['type'] for m in seen]}")


def hello(ws):
    ws.send_json({"type": "hello"})
    limits, _ = receive_until(ws, "limits")
    architecture, _ = receive_until(ws, "architecture")
    frame, _ = receive_until(ws, "frame")
    return limits, architecture, frame


def error_for(ws, payload):
    """Send ``payload`` (a dict, or raw text) and return the error message it earns."""
    ws.send_text(payload if isinstance(payload, str) else json.dumps(payload))
    message, _ = receive_until(ws, "error")
    return message


def kernel_of(frame, index):
    """A layer's kernel from a frame (base64 float32, inputs × units)."""
    layer = frame["weights"][index]
    return np.frombuffer(base64.b64decode(layer["kernel"]), dtype="<f4").reshape(layer["shape"])


SPIRALS3 = {"type": "data", "dataset": "spirals", "classes": 3, "noise": 0.1, "n": 300, "test_fraction": 0.2, "seed": 0}


# ------------------------------------------------------------------ HTTP routes
def test_page_and_its_assets_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/static/app.js" in page.text and "/static/style.css" in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # no CDN: every asset is our own
    assert client.get("/static/app.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    "path",
    [
        "/static/nope.js",
        "/static/..%2F__init__.py",
        "/static/../server.py",
        "/etc/passwd",
        "/static/%2e%2e%2fsession.py",
    ],
)
def test_only_our_own_assets_are_served(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "import" not in response.text


def test_limits_health_and_favicon(client):
    assert client.get("/api/limits").json() == vars(Limits())
    assert client.get("/api/health").json() == {"ok": True, "pages": 0}
    assert client.get("/favicon.ico").status_code == 204


def test_writes_to_the_routes_are_refused(client):
    assert client.post("/", content=b"x").status_code == 405
    assert client.post("/api/limits", json={"max_points": 10**9}).status_code == 405


# ------------------------------------------------------------------ messages
def test_hello_sends_limits_architecture_and_a_frame(client):
    with client.websocket_connect(WS) as ws:
        limits, architecture, frame = hello(ws)
        assert limits["max_points"] == Limits().max_points
        assert architecture["widths"] == [2, 8, 8, 1]
        assert "<svg" in architecture["graph_svg"] and "layer_dense_1" in architecture["graph_svg"]
        assert len(architecture["points"]) == 200
        assert frame["step"] == 0 and frame["boundary"]["size"] ** 2 == len(
            base64.b64decode(frame["boundary"]["classes"][0])
        )
        assert len(frame["units"]) == 2 and len(frame["units"][0]) == 8


def test_data_message_with_three_spiral_classes_gives_a_softmax_output(client):
    with client.websocket_connect(WS) as ws:
        hello(ws)
        ws.send_json(SPIRALS3)
        architecture, _ = receive_until(ws, "architecture")
        frame, _ = receive_until(ws, "frame")
        assert architecture["classes"] == 3 and architecture["widths"][-1] == 3
        assert sorted({label for _, _, label, _ in architecture["points"]}) == [0, 1, 2]
        assert sum(test for *_, test in architecture["points"]) == 60  # the 20% test split is shown
        assert len(frame["boundary"]["classes"]) == 3


def test_points_add_point_and_erase(client):
    with client.websocket_connect(WS) as ws:
        hello(ws)
        ws.send_json({"type": "points", "points": [[0.0, 0.0, 0], [1.0, 1.0, 1], [1.0, -1.0, 1], [-1, 1, 0]]})
        architecture, _ = receive_until(ws, "architecture")
        assert len(architecture["points"]) == 4 and architecture["data"]["dataset"] == "custom"
        ws.send_json({"type": "add_point", "x": 0.5, "y": 0.5, "label": 0})
        points, _ = receive_until(ws, "points")
        assert points["points"][-1][:3] == [0.5, 0.5, 0]
        ws.send_json({"type": "add_point", "x": -0.5, "y": 0.5, "label": 2})  # a new class: a new output layer
        architecture, _ = receive_until(ws, "architecture")
        assert architecture["classes"] == 3 and architecture["widths"][-1] == 3
        ws.send_json({"type": "erase", "x": 1.0, "y": 1.0, "radius": 0.1})
        points, _ = receive_until(ws, "points")
        assert [1.0, 1.0] not in [p[:2] for p in points["points"]] and len(points["points"]) == 5


def test_model_message_rebuilds_the_network(client):
    with client.websocket_connect(WS) as ws:
        hello(ws)
        ws.send_json(
            {
                "type": "model",
                "layers": [{"units": 25, "activation": "relu"}, {"units": 50, "activation": "tanh"}],
                "initializer": "normal",
                "optimizer": "sgd",
                "lr": 0.1,
                "batch_size": 16,
                "l2": 0.001,
                "seed": 3,
                "output": "softmax",
            }
        )
        architecture, _ = receive_until(ws, "architecture")
        frame, _ = receive_until(ws, "frame")
        assert architecture["widths"] == [2, 25, 50, 2]
        assert architecture["model"]["initializer"] == "normal"
        assert [w["activation"] for w in frame["weights"]] == ["relu", "tanh", "linear"]
        assert kernel_of(frame, 1).shape == (25, 50)


def test_step_epoch_play_pause_and_speed(client):
    with client.websocket_connect(WS) as ws:
        hello(ws)
        ws.send_json({"type": "step"})
        frame, _ = receive_until(ws, "frame")
        assert frame["step"] == 1 and frame["epoch"] == 0
        ws.send_json({"type": "epoch"})
        frame, _ = receive_until(ws, "frame")
        assert frame["epoch"] == 1 and frame["step"] == 5  # 160 training points in batches of 32
        ws.send_json({"type": "speed", "steps_per_update": 3, "updates_per_second": 20})
        status, _ = receive_until(ws, "status")
        assert status["steps_per_update"] == 3 and status["updates_per_second"] == 20
        ws.send_json({"type": "play"})
        status, _ = receive_until(ws, "status")
        assert status["playing"] is True
        first, _ = receive_until(ws, "frame")
        second, _ = receive_until(ws, "frame")
        assert second["step"] - first["step"] == 3
        ws.send_json({"type": "pause"})
        status, seen = receive_until(ws, "status")
        assert status["playing"] is False
        last_step = max(m["step"] for m in [second] + seen if m["type"] == "frame")
        ws.send_json({"type": "step"})
        frame, _ = receive_until(ws, "frame")
        assert frame["step"] == last_step + 1  # paused: nothing trained since the last frame


def test_reset_gives_the_same_initial_weights_and_first_step_loss(client):
    with client.websocket_connect(WS) as ws:
        _, _, initial = hello(ws)
        ws.send_json({"type": "step"})
        first, _ = receive_until(ws, "frame")
        for _ in range(5):
            ws.send_json({"type": "step"})
        receive_until(ws, "frame")
        ws.send_json({"type": "reset"})
        receive_until(ws, "architecture")
        after_reset, _ = receive_until(ws, "frame")
        assert after_reset["step"] == 0 and after_reset["weights"] == initial["weights"]
        ws.send_json({"type": "step"})
        again, _ = receive_until(ws, "frame")
        assert again["train_loss"] == first["train_loss"]


def test_backward_message_lists_the_ops_in_backward_order(client):
    with client.websocket_connect(WS) as ws:
        hello(ws)
        ws.send_json({"type": "step"})
        receive_until(ws, "frame")
        ws.send_json({"type": "backward"})
        backward, _ = receive_until(ws, "backward")
        steps = backward["steps"]
        assert backward["batch_size"] == 32
        assert steps[0]["op"] == "mean" and steps[0]["upstream"]["mean"] == 1.0
        assert [s["layer"] for s in steps if s["layer"] != "(loss)"][
            0
        ] == "dense_3"  # backward meets the last layer first
        assert steps[-1]["layer"] == "dense_1"


def test_backward_steps_against_the_gradients_backward_leaves():
    session = Session()
    rows = np.arange(16)
    from tinygrad_moons import autograd

    with autograd.enable_grad():
        loss = session.loss_of(session._forward_layers(session.X[rows])[-1], session.y[rows])
        steps = backward_steps(loss)
        loss.backward()
    from tinygrad_moons.ops import REGISTRY

    assert all(step["op"] in REGISTRY for step in steps)
    kernel = session.model[0].kernel
    outgoing = [o for s in steps for o in s["outgoing"] if o["input"].startswith("dense_1.kernel")]
    assert len(outgoing) == 1
    assert outgoing[0]["grad"]["mean"] == pytest.approx(float(kernel.grad.data.mean()), rel=1e-12)
    assert outgoing[0]["grad"]["norm"] == pytest.approx(float(np.linalg.norm(kernel.grad.data)), rel=1e-12)


def test_export_model_file_loads_and_predicts_as_the_page(client, tmp_path):
    with client.websocket_connect(WS) as ws:
        hello(ws)
        ws.send_json({"type": "epoch"})
        frame, _ = receive_until(ws, "frame")
        ws.send_json({"type": "export", "format": "model_file"})
        export, _ = receive_until(ws, "export")
    path = tmp_path / export["filename"]
    path.write_bytes(base64.b64decode(export["base64"]))
    from tinygrad_moons import nn

    model = nn.load_model(path, compile=False)
    assert np.allclose(model[0].kernel.data, kernel_of(frame, 0), rtol=1e-6, atol=1e-7)


def test_export_csv_round_trips_through_the_points_message(client):
    with client.websocket_connect(WS) as ws:
        _, architecture, _ = hello(ws)
        ws.send_json({"type": "export", "format": "csv"})
        export, _ = receive_until(ws, "export")
        lines = export["text"].strip().split("\n")
        assert lines[0] == "x,y,label,test" and len(lines) == 201
        rows = [[float(x), float(y), int(label)] for x, y, label, _ in (line.split(",") for line in lines[1:])]
        ws.send_json({"type": "points", "points": rows})
        again, _ = receive_until(ws, "architecture")
        assert [p[:3] for p in again["points"]] == [p[:3] for p in architecture["points"]]


@pytest.mark.parametrize("style", ["pytorch", "keras"])
def test_exported_python_code_reaches_the_same_accuracy(client, tmp_path, style):
    with client.websocket_connect(WS) as ws:
        hello(ws)
        ws.send_json(SPIRALS3)
        receive_until(ws, "architecture")
        for _ in range(10):
            ws.send_json({"type": "epoch"})
        for _ in range(3):  # and into the next epoch: the export must stop where the page did
            ws.send_json({"type": "step"})
        frame, _ = receive_until(ws, "frame")
        while frame["step"] < 83:
            frame, _ = receive_until(ws, "frame")
        assert frame["epoch"] == 10
        ws.send_json({"type": "export", "format": style})
        export, _ = receive_until(ws, "export")
    script = tmp_path / export["filename"]
    script.write_text(export["text"])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    accuracy = float(result.stdout.strip().rsplit(" ", 1)[-1])
    assert accuracy == pytest.approx(frame["test_accuracy"], abs=0.02)  # the promise


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "payload, words",
    [
        ("{not json", "malformed JSON"),
        ("[1, 2]", "JSON object"),
        ('"play"', "JSON object"),
        ({"type": "fly"}, "unknown message type"),
        ({"kind": "play"}, "unknown message type"),
        ({"type": "play", "now": True}, "unknown field"),
        ({"type": "data", "dataset": "mnist"}, "dataset must be one of"),
        ({"type": "data", "dataset": "moons", "classes": 3}, "moons has 2 classes"),
        ({"type": "data", "dataset": "blobs", "classes": 6}, "classes must be from 2 to 5"),
        ({"type": "data", "dataset": "moons", "noise": float("nan")}, "noise must be a finite number"),
        ({"type": "data", "dataset": "moons", "noise": -1}, "noise must be in"),
        ({"type": "data", "dataset": "moons", "n": 100_000}, "n must be from 10 to 2000"),
        ({"type": "data", "dataset": "moons", "n": "200"}, "n must be an integer"),
        ({"type": "data", "dataset": "moons", "n": True}, "n must be an integer"),
        ({"type": "model", "layers": [{"units": 8}] * 7}, "at most 6 hidden layers"),
        ({"type": "model", "layers": [{"units": 65}]}, "units must be from 1 to 64"),
        ({"type": "model", "layers": [{"units": 0}]}, "units must be from 1 to 64"),
        ({"type": "model", "layers": [{"units": 8, "activation": "gelu"}]}, "activation must be one of"),
        ({"type": "model", "layers": "8,8"}, "layers must be a list"),
        ({"type": "model", "layers": [], "lr": 0}, "lr must be in (0.0, 10.0]"),
        ({"type": "model", "layers": [], "lr": 1e9}, "lr must be in"),
        ({"type": "model", "layers": [], "batch_size": 0}, "batch_size must be from 1"),
        ({"type": "model", "layers": [], "initializer": "orthogonal"}, "initializer must be one of"),
        ({"type": "model", "layers": [], "seed": -1}, "seed must be from 0"),
        ({"type": "add_point", "x": 1e6, "y": 0, "label": 0}, "x must lie in"),
        ({"type": "add_point", "x": 0, "y": None, "label": 0}, "y must be a finite number"),
        ({"type": "add_point", "x": 0, "y": 0, "label": 5}, "class must be an integer from 0 to 4"),
        ({"type": "erase", "x": 0, "y": 0, "radius": 0}, "radius must be in"),
        ({"type": "points", "points": [[0, 0, 0]] * 2001}, "at most 2000 points"),
        ({"type": "points", "points": [[0, 0]]}, "must be [x, y, class]"),
        ({"type": "points", "points": [[0, 0, 0]]}, "at least 2 points"),
        ({"type": "speed", "steps_per_update": 51}, "steps_per_update must be from 1 to 50"),
        ({"type": "speed", "updates_per_second": 1000}, "updates_per_second must be in"),
        ({"type": "export", "format": "../../etc/passwd"}, "format must be one of"),
    ],
)
def test_bad_messages_get_a_400_error_and_the_page_keeps_working(client, payload, words):
    with client.websocket_connect(WS) as ws:
        hello(ws)
        error = error_for(ws, payload)
        assert error["status"] == 400 and words in error["message"], error
        ws.send_json({"type": "step"})  # the connection and its worker are still there
        frame, _ = receive_until(ws, "frame")
        assert frame["step"] == 1


def test_binary_and_oversized_messages_are_refused(client):
    with client.websocket_connect(WS) as ws:
        hello(ws)
        ws.send_bytes(b'{"type": "step"}')
        assert "JSON text" in receive_until(ws, "error")[0]["message"]
        error = error_for(ws, json.dumps({"type": "points", "points": [[0.123456789, 0.123456789, 1]] * 9000}))
        assert error["status"] == 413 and "too large" in error["message"]


def test_requests_that_cannot_be_carried_out_are_explained(client):
    with client.websocket_connect(WS) as ws:
        hello(ws)
        ws.send_json({"type": "points", "points": [[0, 0, 0], [1, 1, 1], [2, 2, 1]], "test_fraction": 0.5})
        receive_until(ws, "architecture")
        error = error_for(ws, {"type": "erase", "x": 0, "y": 0, "radius": 2.0})
        assert "at least 2 points must stay" in error["message"]
        ws.send_json({"type": "model", "layers": [], "lr": 10.0, "optimizer": "sgd", "output": "auto"})
        receive_until(ws, "architecture")
        ws.send_json({"type": "data", "dataset": "blobs", "classes": 2, "n": 10})
        receive_until(ws, "architecture")
        ws.send_json({"type": "model", "layers": [], "output": "sigmoid"})
        receive_until(ws, "architecture")
        ws.send_json({"type": "data", "dataset": "blobs", "classes": 3, "test_fraction": 0.0})
        architecture, _ = receive_until(ws, "architecture")  # a sigmoid cannot serve 3 classes: back to auto
        assert architecture["model"]["output"] == "auto" and architecture["widths"][-1] == 3
        receive_until(ws, "frame")
        ws.send_json({"type": "step"})
        assert receive_until(ws, "frame")[0]["step"] == 1


def test_a_diverging_run_stops_with_a_message(client):
    with client.websocket_connect(WS) as ws:
        hello(ws)
        ws.send_json(
            {
                "type": "model",
                "layers": [{"units": 8, "activation": "linear"}] * 6,
                "optimizer": "sgd",
                "lr": 10.0,
                "initializer": "normal",
                "batch_size": 200,
            }
        )
        receive_until(ws, "architecture")
        ws.send_json({"type": "speed", "steps_per_update": 50})
        ws.send_json({"type": "play"})
        error, _ = receive_until(ws, "error", limit=5000)
        assert "lower the learning rate" in error["message"]


# ------------------------------------------------------------------ isolation and limits
def test_two_pages_train_two_models(client):
    with client.websocket_connect(WS) as first, client.websocket_connect(WS) as second:
        hello(first)
        _, _, untouched = hello(second)
        assert client.get("/api/health").json()["pages"] == 2
        first.send_json(SPIRALS3)
        receive_until(first, "architecture")
        for _ in range(3):
            first.send_json({"type": "step"})
        frame, _ = receive_until(first, "frame")  # the new data's frame, then one per step
        while frame["step"] < 3:
            frame, _ = receive_until(first, "frame")
        _, architecture, other = hello(second)
        assert other["step"] == 0 and architecture["classes"] == 2
        assert other["weights"] == untouched["weights"]
        assert frame["step"] == 3


def test_page_count_is_limited():
    with TestClient(create_app(Limits(max_pages=1)), base_url="http://127.0.0.1") as limited:
        with limited.websocket_connect(WS) as first:
            hello(first)
            with limited.websocket_connect(WS) as second:
                error = second.receive_json()
                assert error["status"] == 503 and "at most 1 pages" in error["message"]
        with limited.websocket_connect(WS) as again:  # the first page's slot is free again
            hello(again)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "10.0.0.5"])
def test_requests_for_another_host_name_are_refused(client, host):
    assert client.get("/", headers={"host": host}).status_code == 400
    assert client.get("/api/limits", headers={"host": host}).status_code == 400
    from starlette.testclient import WebSocketDenialResponse

    with pytest.raises(WebSocketDenialResponse):
        with client.websocket_connect(f"ws://{host}/ws"):
            pass


def test_another_site_cannot_open_a_page(client):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect(WS, headers={"origin": "https://evil.example"}) as ws:
            ws.receive_json()
    assert closed.value.code == 1008


def test_frame_rate_is_bounded(client):
    import time

    with client.websocket_connect(WS) as ws:
        hello(ws)
        ws.send_json({"type": "speed", "steps_per_update": 1, "updates_per_second": 5})
        receive_until(ws, "status")
        ws.send_json({"type": "play"})
        receive_until(ws, "frame")
        start = time.monotonic()
        for _ in range(5):
            receive_until(ws, "frame")
        assert time.monotonic() - start >= 0.8  # five frames at 5 per second take a second, not less
        ws.send_json({"type": "pause"})
        receive_until(ws, "status")


def test_a_page_that_acknowledges_frames_is_kept_at_most_two_ahead(client):
    with client.websocket_connect(WS) as ws:
        hello(ws)
        ws.send_json({"type": "ack"})  # this page acknowledges what it draws
        ws.send_json({"type": "play"})
        receive_until(ws, "status")
        receive_until(ws, "frame")
        receive_until(ws, "frame")
        ws.send_json({"type": "pause"})  # two frames unacknowledged: the worker waits, so the pause comes next
        status, seen = receive_until(ws, "status")
        assert status["playing"] is False and seen == [status]
        ws.send_json({"type": "ack"})
        ws.send_json({"type": "play"})
        receive_until(ws, "status")
        frame, _ = receive_until(ws, "frame")  # one acknowledged: frames flow again
        assert frame["step"] == 3
        ws.send_json({"type": "pause"})
        receive_until(ws, "status")


# ------------------------------------------------------------------ the command line
def test_cli_help_documents_the_playground():
    from tinygrad_moons.cli import main

    with pytest.raises(SystemExit) as done:
        main(["playground", "--help"])
    assert done.value.code == 0


def test_cli_serves_on_loopback_and_prints_the_url():
    import re
    import urllib.request

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tinygrad_moons", "playground", "--no-browser"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as server:
        try:
            line = server.stdout.readline()
            url = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            assert url, line
            for _ in range(100):  # the URL is printed just before uvicorn starts answering
                try:
                    with urllib.request.urlopen(url.group(0) + "api/health", timeout=5) as response:
                        assert json.load(response) == {"ok": True, "pages": 0}
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                raise AssertionError("the playground never answered")
        finally:
            server.terminate()
            server.communicate(timeout=10)


def test_cli_refuses_a_port_out_of_range(capsys):
    from tinygrad_moons.cli import main

    with pytest.raises(SystemExit) as done:
        main(["playground", "--port", "70000", "--no-browser"])
    assert done.value.code == 2 and "--port must be from 0 to 65535" in capsys.readouterr().err


def test_show_embeds_the_page_in_jupyter(monkeypatch):
    import types
    import urllib.request

    from tinygrad_moons import playground

    class IFrame:  # IPython.display.IFrame's signature, whether or not IPython is installed here
        def __init__(self, src, width, height, **kwargs):
            self.src, self.width, self.height = src, width, height

    display = types.ModuleType("IPython.display")
    display.IFrame = IFrame
    monkeypatch.setitem(sys.modules, "IPython", types.ModuleType("IPython"))
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    try:
        frame = playground.show(height=700)
        assert frame.src.startswith("http://127.0.0.1:") and frame.height == 700
        assert playground.show().src == frame.src  # one server per kernel
        with urllib.request.urlopen(frame.src, timeout=10) as response:
            assert b"/static/app.js" in response.read()
    finally:
        playground.stop()


def test_export_training_gif(client):
    import io

    from PIL import Image

    with client.websocket_connect(WS) as ws:
        hello(ws)
        for _ in range(4):
            ws.send_json({"type": "step"})
            receive_until(ws, "frame")
        ws.send_json({"type": "export", "format": "gif"})
        export, _ = receive_until(ws, "export")
    data = base64.b64decode(export["base64"])
    assert export["filename"] == "training.gif" and data[:6] == b"GIF89a"
    assert Image.open(io.BytesIO(data)).n_frames == 5  # the untrained network and one frame per step


def test_training_gif_keeps_a_bounded_evenly_thinned_record(monkeypatch):
    from tinygrad_moons.playground import session as session_module

    monkeypatch.setattr(session_module, "GIF_FRAMES", 10)
    session = Session()
    session.frame()
    for _ in range(25):
        session.step()
        session.frame()
    steps = [step for step, _, _ in session.gif_frames]
    assert len(steps) <= 10 and steps[0] == 0 and steps == sorted(steps)
    gaps = {b - a for a, b in zip(steps, steps[1:])}
    assert len(gaps) == 1  # evenly spread over the run


def test_two_pages_training_at_once_get_what_each_would_alone(client):
    alone = Session()
    for _ in range(20):
        alone.step()
    expected = alone.evaluate()["train_loss"]
    with client.websocket_connect(WS) as first, client.websocket_connect(WS) as second:
        hello(first)
        hello(second)
        for _ in range(20):  # both workers train at the same time, in their own threads
            first.send_json({"type": "step"})
            second.send_json({"type": "step"})
        for ws in (first, second):
            frame, _ = receive_until(ws, "frame")
            while frame["step"] < 20:
                frame, _ = receive_until(ws, "frame")
            assert frame["train_loss"] == expected


def test_the_playground_colours_classes_as_the_command_lines_figures_do():
    """Moving between `tinygrad-moons train` and the playground, a learner sees each class in the same colour."""
    import json
    import re
    from pathlib import Path

    from tinygrad_moons.playground import gif
    from tinygrad_moons.viz.plots import CLASS_COLOURS

    def rgb(hex_colour: str) -> list[int]:
        return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]

    figures = [rgb(colour) for colour in CLASS_COLOURS]
    assert gif.COLOURS[:2].astype(int).tolist() == figures
    app = (Path(gif.__file__).parent / "static" / "app.js").read_text(encoding="utf-8")
    listed = re.search(r"const COLOURS = (\[\[.*?\]\]);", app)
    assert listed is not None
    assert json.loads(listed.group(1)) == gif.COLOURS.astype(int).tolist()
