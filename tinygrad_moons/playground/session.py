"""One page's state: its data, its network, its optimizer and its training position.

A :class:`Session` knows nothing about the network or threads: the server
calls :meth:`Session.handle` with validated messages and sends back the dicts
it returns. Training is the plain PyTorch-style loop, one mini-batch per
:meth:`Session.step`; the exported PyTorch code runs the very same loop.
"""

from __future__ import annotations

import base64
import math
import os
import tempfile
from typing import Any

import numpy as np

from tinygrad_moons import autograd
from tinygrad_moons.playground.backward import backward_steps
from tinygrad_moons.playground.limits import Limits
from tinygrad_moons.tensor import Tensor

__all__ = ["VIEW", "Session", "make_dataset"]

VIEW = (-2.0, 2.0)  # the plane the page draws: x and y both in this range
BOUNDARY_SIZE = 32  # the decision boundary is sampled on a BOUNDARY_SIZE² grid (the page smooths it)
UNIT_SIZE = 16  # each hidden unit's heatmap is UNIT_SIZE²: every other pixel of the boundary's grid
HISTORY_LENGTH = 5000
GIF_FRAMES = 120  # at most this many boundary pictures are kept for the training GIF (thinned evenly)


def make_spirals(n: int, classes: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms (tinygrad_moons.data.make_spirals generalised from 2 arms)."""
    y = np.arange(n) % classes
    radius = np.sqrt(rng.uniform(0.0, 1.0, n))
    angle = 2 * np.pi * 1.5 * radius + 2 * np.pi * y / classes
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]) * 1.6
    X += rng.normal(0.0, noise, size=X.shape)
    return X, y


def make_dataset(name: str, n: int, classes: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The page's data sets, scaled to lie mostly inside the drawn plane ``VIEW``."""
    from tinygrad_moons import data

    rng = np.random.default_rng(seed)
    if name == "spirals":
        X, y = make_spirals(n, classes, noise, rng)
    elif name == "blobs":  # scikit-learn's centres lie in [-10, 10]²: drawn at 1/6 scale
        X, y = data.make_blobs(n_samples=n, centers=classes, cluster_std=max(noise, 1e-3) * 6, random_state=seed)
        X = (X - X.mean(axis=0)) / 6
    elif name == "moons":
        X, y = data.make_moons(n_samples=n, noise=noise, random_state=seed)
        X = (X - [0.5, 0.25]) * 1.3
    elif name == "circles":
        X, y = data.make_circles(n_samples=n, noise=noise, factor=data.CIRCLES_FACTOR, random_state=seed)
        X = X * 1.6
    else:
        X, y = data.make_xor(n_samples=n, noise=noise, random_state=rng)
        X = X * 1.6
    return np.clip(X, -9.5, 9.5).astype(np.float64), np.asarray(y, dtype=np.int64)


def _quantised(values: np.ndarray) -> str:
    """Values in [0, 1] as base64 bytes 0..255: a frame's images stay small."""
    return base64.b64encode(np.clip(np.round(values * 255), 0, 255).astype(np.uint8).tobytes()).decode("ascii")


def _float32(values: np.ndarray) -> str:
    """An array as base64 little-endian float32 (a JavaScript Float32Array), in row-major order."""
    return base64.b64encode(np.ascontiguousarray(values, dtype="<f4").tobytes()).decode("ascii")


def _grid(size: int) -> np.ndarray:
    """Pixel centres of a size² image of the plane, row 0 at the top (largest y)."""
    low, high = VIEW
    step = (high - low) / size
    centres = low + step * (np.arange(size) + 0.5)
    xs, ys = np.meshgrid(centres, centres[::-1])
    return np.column_stack([xs.ravel(), ys.ravel()])


def _accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    if len(y) == 0:
        return float("nan")
    predicted = (logits[:, 0] > 0).astype(np.int64) if logits.shape[1] == 1 else logits.argmax(axis=1)
    return float((predicted == y).mean())


class Session:
    """The data, model and training state of one page."""

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits()
        self.data_config: dict[str, Any] = {
            "dataset": "moons",
            "classes": 2,
            "noise": 0.1,
            "n": 200,
            "test_fraction": 0.2,
            "seed": 0,
        }
        self.model_config: dict[str, Any] = {
            "layers": [{"units": 8, "activation": "relu"}, {"units": 8, "activation": "relu"}],
            "initializer": "glorot_uniform",
            "optimizer": "adam",
            "lr": 0.03,
            "batch_size": 32,
            "l2": 0.0,
            "seed": 0,
            "output": "auto",
        }
        self.steps_per_update = 1
        self.updates_per_second = self.limits.max_updates_per_second
        self.playing = False
        self.X = np.zeros((0, 2))
        self.y = np.zeros(0, dtype=np.int64)
        self.is_test = np.zeros(0, dtype=bool)
        self._generate(self.data_config)
        self._build()

    # ------------------------------------------------------------- data
    def _generate(self, config: dict[str, Any]) -> None:
        X, y = make_dataset(config["dataset"], config["n"], config["classes"], config["noise"], config["seed"])
        self._set_points(X, y, config["test_fraction"], config["seed"])
        self.data_config = dict(config)

    def _set_points(self, X: np.ndarray, y: np.ndarray, test_fraction: float, seed: int) -> None:
        rng = np.random.default_rng(seed + 1)
        n_test = int(round(len(X) * test_fraction))
        is_test = np.zeros(len(X), dtype=bool)
        is_test[rng.permutation(len(X))[:n_test]] = True
        self.X, self.y, self.is_test = X, y, is_test

    @property
    def classes(self) -> int:
        """The number of classes: at least 2, else the largest label + 1."""
        return max(2, int(self.y.max()) + 1) if len(self.y) else 2

    def points(self) -> list[list[float]]:
        """Every point as ``[x, y, label, is_test]`` (coordinates rounded to 5 decimals), as the page draws them."""
        return [
            [round(float(x), 5), round(float(y), 5), int(label), int(test)]
            for (x, y), label, test in zip(self.X, self.y, self.is_test)
        ]

    # ------------------------------------------------------------ model
    def output_units(self) -> int:
        """Output width: 1 (a sigmoid) for two classes unless softmax was chosen, else one unit per class.

        Raises ``ValueError`` when a sigmoid output was chosen for more than two classes.
        """
        output = self.model_config["output"]
        if self.classes > 2 and output == "sigmoid":
            raise ValueError(f"a sigmoid output needs 2 classes, the data has {self.classes}: choose softmax")
        return 1 if (output == "sigmoid" or (output == "auto" and self.classes == 2)) else self.classes

    def _build(self) -> None:
        """A new network from the model's seed: calling this again gives the same first weights."""
        from tinygrad_moons import nn, optim

        config = self.model_config
        bias_initializer = "normal" if config["initializer"] == "normal" else "zeros"  # the course drew biases too
        layers = [
            nn.Dense(
                layer["units"],
                activation=layer["activation"],
                input_dim=2 if i == 0 else None,
                kernel_initializer=config["initializer"],
                bias_initializer=bias_initializer,
            )
            for i, layer in enumerate(config["layers"])
        ]
        layers.append(
            nn.Dense(
                self.output_units(),
                input_dim=None if layers else 2,
                kernel_initializer=config["initializer"],
                bias_initializer=bias_initializer,
            )
        )
        self.model = nn.Sequential(layers, seed=config["seed"])
        self.model._ensure_built(2)
        optimizer_class = {"sgd": optim.SGD, "adam": optim.Adam, "rmsprop": optim.RMSprop}[config["optimizer"]]
        self.optimizer = optimizer_class(self.model.parameters(), lr=config["lr"], weight_decay=config["l2"])
        self.shuffle_rng = np.random.default_rng(config["seed"])
        self.order = np.zeros(0, dtype=np.int64)
        self.position = 0
        self.step_count = 0
        self.epoch = 0
        self.history: list[dict[str, float | None]] = []
        self.last_batch: np.ndarray | None = None
        self.layer_stats: list[dict[str, Any]] = []  # per layer: its name, mean |grad|, mean |activation|
        self.graph_svg: str | None = None
        #: (step, class probabilities (classes, n, n) as uint8, test accuracy) per frame, for the training GIF.
        self.gif_frames: list[tuple[int, np.ndarray, float | None]] = []
        self._gif_stride = 1  # every how many-th frame is kept; doubles whenever the record is thinned
        self._gif_count = 0

    def loss_of(self, logits: Tensor, labels: np.ndarray) -> Tensor:
        """The mean loss of ``logits`` (n, units) against integer ``labels`` (n,).

        One output unit: binary cross-entropy on the logits (the sigmoid inside, stable); more: cross-entropy
        of the softmax. A scalar Tensor, recorded when gradients are on.
        """
        from tinygrad_moons.nn import functional as F

        if logits.shape[1] == 1:
            return F.binary_cross_entropy_with_logits(logits, Tensor(labels.reshape(-1, 1).astype(logits.dtype)))
        return F.cross_entropy(logits, Tensor(labels))

    def _forward_layers(self, inputs: np.ndarray) -> list[Tensor]:
        """Each layer's output in turn (the last is the logits)."""
        outputs = []
        h = Tensor(inputs)
        for layer in self.model:
            h = layer(h)
            outputs.append(h)
        return outputs

    # ---------------------------------------------------------- training
    def train_indices(self) -> np.ndarray:
        """The row numbers of the training points (those not held out for testing), int64."""
        return np.flatnonzero(~self.is_test)

    def _next_batch(self) -> np.ndarray:
        """The next mini-batch of training rows: a fresh shuffle at each epoch, as the exported loop does."""
        train = self.train_indices()
        if self.position >= len(self.order):
            self.order = train[self.shuffle_rng.permutation(len(train))]
            self.position = 0
        batch = self.order[self.position : self.position + self.model_config["batch_size"]]
        self.position += len(batch)
        return batch

    def step(self) -> float:
        """One optimizer step on the next mini-batch; returns its loss."""
        if len(self.train_indices()) == 0:
            raise ValueError("there are no training points: add some or lower the test fraction")
        batch = self._next_batch()
        # A diverging run overflows; it is caught below (the loss is checked) and explained, not warned about.
        with autograd.enable_grad(), np.errstate(over="ignore", invalid="ignore"):
            outputs = self._forward_layers(self.X[batch])
            loss = self.loss_of(outputs[-1], self.y[batch])
            self.optimizer.zero_grad()
            loss.backward()
        self.optimizer.step()
        self.last_batch = batch
        self.step_count += 1
        if self.position >= len(self.order):
            self.epoch += 1
            self.order = np.zeros(0, dtype=np.int64)
            self.position = 0
        self.layer_stats = [
            {
                "name": layer.name,
                "grad": float(np.mean(np.abs(layer.kernel.grad.data))) if layer.kernel.grad is not None else 0.0,
                "activation": float(np.mean(np.abs(output.data))),
            }
            for layer, output in zip(self.model, outputs)
        ]
        value = float(loss.data)
        if not math.isfinite(value):
            self.playing = False
            raise ValueError(f"the loss became {value} at step {self.step_count}: lower the learning rate and reset")
        return value

    def run_epoch(self) -> None:
        """Steps to the end of the current epoch (a full epoch when at its start)."""
        epoch = self.epoch
        while self.epoch == epoch:
            self.step()

    # ----------------------------------------------------------- frames
    def evaluate(self) -> dict[str, float | None]:
        """Loss and accuracy on the training and the test points (None for a part without points)."""
        results: dict[str, float | None] = {}
        for split, mask in (("train", ~self.is_test), ("test", self.is_test)):
            if not mask.any():
                results[f"{split}_loss"] = results[f"{split}_accuracy"] = None
                continue
            logits = self._forward_layers(self.X[mask])[-1]
            results[f"{split}_loss"] = float(self.loss_of(logits, self.y[mask]).data)
            results[f"{split}_accuracy"] = _accuracy(logits.data, self.y[mask])
        return results

    def probabilities(self, outputs: list[Tensor] | None = None) -> np.ndarray:
        """The class probabilities over the plane, shape (classes, BOUNDARY_SIZE²)."""
        logits = (outputs or self._forward_layers(_grid(BOUNDARY_SIZE)))[-1].data
        if logits.shape[1] == 1:
            p = 1 / (1 + np.exp(-np.clip(logits[:, 0], -60, 60)))
            return np.stack([1 - p, p])
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return (shifted / shifted.sum(axis=1, keepdims=True)).T

    def boundary(self, outputs: list[Tensor] | None = None) -> dict[str, Any]:
        """The class probabilities over the plane, one BOUNDARY_SIZE² image per class."""
        return {"size": BOUNDARY_SIZE, "classes": [_quantised(p) for p in self.probabilities(outputs)]}

    def _record_gif_frame(self, probabilities: np.ndarray, test_accuracy: float | None) -> None:
        if self.gif_frames and self.gif_frames[-1][0] == self.step_count:
            return
        self._gif_count += 1
        if (self._gif_count - 1) % self._gif_stride:
            return
        image = np.round(probabilities * 255).astype(np.uint8).reshape(-1, BOUNDARY_SIZE, BOUNDARY_SIZE)
        self.gif_frames.append((self.step_count, image, test_accuracy))
        if len(self.gif_frames) > GIF_FRAMES:  # keep every other one: the whole run, evenly, in bounded memory
            self.gif_frames = self.gif_frames[::2]
            self._gif_stride *= 2

    def training_gif(self) -> bytes:
        """The recorded decision boundaries (at most ``GIF_FRAMES``, thinned evenly) as the bytes of a GIF file."""
        from tinygrad_moons.playground.gif import training_gif

        frames = [(step, image / 255.0, accuracy) for step, image, accuracy in self.gif_frames]
        return training_gif(frames, self.X, self.y, VIEW)

    def units(self, outputs: list[Tensor] | None = None) -> list[list[str]]:
        """Each hidden unit's output over the plane (scaled to [0, 1] per unit), per hidden layer."""
        layers = []
        step = BOUNDARY_SIZE // UNIT_SIZE
        for output in (outputs or self._forward_layers(_grid(BOUNDARY_SIZE)))[:-1]:
            values = output.data.reshape(BOUNDARY_SIZE, BOUNDARY_SIZE, -1)[::step, ::step].reshape(UNIT_SIZE**2, -1)
            low, high = values.min(axis=0), values.max(axis=0)
            scaled = (values - low) / np.where(high > low, high - low, 1.0)
            layers.append([_quantised(scaled[:, unit]) for unit in range(values.shape[1])])
        return layers

    def weights(self) -> list[dict[str, Any]]:
        """Each layer's kernel (inputs × units, row-major) and bias as base64 float32: JSON lists cost 8 ms a frame."""
        return [
            {
                "name": layer.name,
                "activation": layer.activation_name,
                "shape": list(layer.kernel.shape),
                "kernel": _float32(layer.kernel.data),
                "bias": _float32(layer.bias.data),
            }
            for layer in self.model
        ]

    def frame(self, with_units: bool = True) -> dict[str, Any]:
        """Everything a page redraws after some steps."""
        scores = self.evaluate()
        entry: dict[str, float | None] = {"step": self.step_count, "epoch": self.epoch, **scores}
        if not self.history or self.history[-1]["step"] != self.step_count:
            self.history.append(entry)
            del self.history[:-HISTORY_LENGTH]
        outputs = self._forward_layers(_grid(BOUNDARY_SIZE))  # one pass over the plane for both pictures
        probabilities = self.probabilities(outputs)
        self._record_gif_frame(probabilities, scores["test_accuracy"])
        message: dict[str, Any] = {
            "type": "frame",
            **entry,
            "playing": self.playing,
            "boundary": {"size": BOUNDARY_SIZE, "classes": [_quantised(p) for p in probabilities]},
            "weights": self.weights(),
            "layer_stats": self.layer_stats,
        }
        if with_units:
            message["units"] = self.units(outputs)
        return message

    def architecture(self) -> dict[str, Any]:
        """Sent once per architecture: the layer widths, the data and the graph drawing."""
        return {
            "type": "architecture",
            "widths": [2] + [layer.units for layer in self.model],
            "layers": [layer.name for layer in self.model],
            "classes": self.classes,
            "points": self.points(),
            "data": self.data_config,
            "model": self.model_config,
            "graph_svg": self.graph(),
            "view": list(VIEW),
        }

    def graph(self) -> str:
        """The computation graph of one small batch, one box per layer, as SVG (drawn once per architecture)."""
        if self.graph_svg is None:
            from tinygrad_moons.viz.graph import draw_graph
            from tinygrad_moons.viz.renderer import pipe

            rows = np.arange(min(4, len(self.X)))
            with autograd.enable_grad():
                loss = self.loss_of(self._forward_layers(self.X[rows])[-1], self.y[rows])
            try:
                drawing = draw_graph(loss, collapse=True, rankdir="LR")
                self.graph_svg = pipe(drawing.source, "svg").decode("utf-8")
            except Exception as error:  # no Graphviz renderer: the page says so instead of a drawing
                self.graph_svg = f"<p>The graph could not be drawn: {error}</p>"
        return self.graph_svg

    def backward(self) -> dict[str, Any]:
        """The step-by-step backward pass of the current (last trained) batch."""
        rows = (
            self.last_batch if self.last_batch is not None else self.train_indices()[: self.model_config["batch_size"]]
        )
        with autograd.enable_grad():
            loss = self.loss_of(self._forward_layers(self.X[rows])[-1], self.y[rows])
            steps = backward_steps(loss)
        return {"type": "backward", "batch_size": len(rows), "steps": steps}

    # ----------------------------------------------------------- export
    def model_file(self) -> bytes:
        """The network as a model file (nn.save_model), read back as bytes; the temporary file is removed."""
        from tinygrad_moons.nn import save_model

        folder = tempfile.mkdtemp(prefix="tinygrad-moons-playground-")
        path = os.path.join(folder, "playground.tgm")
        try:
            written = save_model(self.model, path)
            with open(written, "rb") as file:
                return file.read()
        finally:
            for name in os.listdir(folder):
                os.remove(os.path.join(folder, name))
            os.rmdir(folder)

    def csv(self) -> str:
        """The points as CSV text with the header ``x,y,label,test`` (test is 0 or 1), one row per point."""
        lines = ["x,y,label,test"] + [
            f"{x!r},{y!r},{label},{int(test)}" for (x, y), label, test in zip(self.X.tolist(), self.y, self.is_test)
        ]
        return "\n".join(lines) + "\n"

    # ---------------------------------------------------------- messages
    def handle(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """Apply one validated message; return the messages to send back."""
        kind = message["type"]
        if kind == "data":
            self._generate(message)
            return self._rebuilt()
        if kind == "points":
            points = message["points"]
            X = np.array([[x, y] for x, y, _ in points], dtype=np.float64)
            y = np.array([label for _, _, label in points], dtype=np.int64)
            self._set_points(X, y, message["test_fraction"], message["seed"])
            self.data_config = {**self.data_config, "dataset": "custom", "n": len(points)}
            return self._rebuilt()
        if kind == "add_point":
            if len(self.X) >= self.limits.max_points:
                raise ValueError(f"at most {self.limits.max_points} points are allowed: erase some first")
            classes_before = self.classes
            self.X = np.vstack([self.X, [[message["x"], message["y"]]]])
            self.y = np.append(self.y, message["label"])
            self.is_test = np.append(self.is_test, False)
            return self._rebuilt() if self.classes != classes_before else [self._points_message()]
        if kind == "erase":
            keep = np.hypot(self.X[:, 0] - message["x"], self.X[:, 1] - message["y"]) > message["radius"]
            if keep.sum() < 2:
                raise ValueError("erase: at least 2 points must stay")
            self.X, self.y, self.is_test = self.X[keep], self.y[keep], self.is_test[keep]
            return [self._points_message()]
        if kind == "model":
            config = {key: value for key, value in message.items() if key != "type"}
            previous = self.model_config
            self.model_config = config
            try:
                self._build()
            except ValueError:
                self.model_config = previous
                self._build()
                raise
            return [self.architecture(), self.frame()]
        if kind == "reset":
            self.playing = False
            self._build()
            return [self.architecture(), self.frame()]
        if kind == "step":
            self.step()
            return [self.frame()]
        if kind == "epoch":
            self.run_epoch()
            return [self.frame()]
        if kind == "play":
            self.playing = True
            return [{"type": "status", "playing": True}]
        if kind == "pause":
            self.playing = False
            return [{"type": "status", "playing": False}]
        if kind == "speed":
            self.steps_per_update = message["steps_per_update"]
            self.updates_per_second = message["updates_per_second"]
            return [
                {
                    "type": "status",
                    "playing": self.playing,
                    "steps_per_update": self.steps_per_update,
                    "updates_per_second": self.updates_per_second,
                }
            ]
        if kind == "backward":
            return [self.backward()]
        if kind == "export":
            from tinygrad_moons.playground.export import python_code

            fmt = message["format"]
            if fmt == "model_file":
                return [
                    {
                        "type": "export",
                        "format": fmt,
                        "filename": "playground.tgm",
                        "base64": base64.b64encode(self.model_file()).decode("ascii"),
                    }
                ]
            if fmt == "gif":
                return [
                    {
                        "type": "export",
                        "format": fmt,
                        "filename": "training.gif",
                        "base64": base64.b64encode(self.training_gif()).decode("ascii"),
                    }
                ]
            if fmt == "csv":
                return [{"type": "export", "format": fmt, "filename": "playground.csv", "text": self.csv()}]
            return [
                {"type": "export", "format": fmt, "filename": f"playground_{fmt}.py", "text": python_code(self, fmt)}
            ]
        if kind == "hello":
            return [{"type": "limits", **vars(self.limits)}, self.architecture(), self.frame()]
        raise ValueError(f"unknown message type {kind!r}")  # validate() refuses these first

    def _points_message(self) -> dict[str, Any]:
        return {"type": "points", "points": self.points(), "classes": self.classes}

    def _rebuilt(self) -> list[dict[str, Any]]:
        """After the data changed: a new network (the output width may have changed) from the same seed."""
        self.playing = False
        if self.classes > 2 and self.model_config["output"] == "sigmoid":
            self.model_config = {**self.model_config, "output": "auto"}
        self._build()
        return [self.architecture(), self.frame()]
