"""The playground's resource limits and the checks every incoming message goes through.

Each message from a page is a JSON object with a ``"type"``; :func:`validate`
returns a clean dict of Python values or raises :class:`MessageError` whose
text names the field and the allowed range, which the page shows as is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["ACTIVATIONS", "DATASETS", "INITIALIZERS", "OPTIMIZERS", "Limits", "MessageError", "validate"]

DATASETS = ("moons", "circles", "spirals", "xor", "blobs")
MULTICLASS_DATASETS = ("spirals", "blobs")  # the others are two-class by construction
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "linear")
INITIALIZERS = ("normal", "glorot_uniform", "he_normal")  # normal = the course's randn * 0.1
OPTIMIZERS = ("sgd", "adam", "rmsprop")
OUTPUTS = ("auto", "sigmoid", "softmax")


@dataclass(frozen=True)
class Limits:
    """What one page may ask of the server (the same for every page)."""

    max_points: int = 2000
    max_hidden_layers: int = 6
    max_units: int = 64
    max_classes: int = 5
    max_updates_per_second: float = 30.0
    max_steps_per_update: int = 50
    max_message_bytes: int = 200_000
    max_pages: int = 8
    coordinate_bound: float = 10.0


class MessageError(ValueError):
    """A message the server refuses; its text is shown in the page."""


def _integer(message: dict, key: str, low: int, high: int, default: Any = None) -> int:
    value = message.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MessageError(f"{key} must be an integer from {low} to {high}, got {value!r}")
    if not low <= value <= high:
        raise MessageError(f"{key} must be from {low} to {high}, got {value}")
    return value


def _number(message: dict, key: str, low: float, high: float, default: Any = None, open_low: bool = False) -> float:
    value = message.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise MessageError(f"{key} must be a finite number, got {value!r}")
    if value > high or value < low or (open_low and value == low):
        bracket = "(" if open_low else "["
        raise MessageError(f"{key} must be in {bracket}{low}, {high}], got {value}")
    return float(value)


def _choice(message: dict, key: str, choices: tuple[str, ...], default: Any = None) -> str:
    value = message.get(key, default)
    if value not in choices:
        raise MessageError(f"{key} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _only_keys(message: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(message) - allowed - {"type"})
    if unknown:
        raise MessageError(
            f"{where}: unknown field(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(allowed))}"
        )


def _points(value: Any, limits: Limits) -> list[tuple[float, float, int]]:
    if not isinstance(value, list):
        raise MessageError(f"points must be a list of [x, y, class] rows, got {type(value).__name__}")
    if len(value) > limits.max_points:
        raise MessageError(f"at most {limits.max_points} points are allowed, got {len(value)}")
    rows = []
    for index, row in enumerate(value):
        if not isinstance(row, list) or len(row) != 3:
            raise MessageError(f"points[{index}] must be [x, y, class], got {row!r}"[:200])
        x, y, label = row
        for name, coordinate in (("x", x), ("y", y)):
            if (
                isinstance(coordinate, bool)
                or not isinstance(coordinate, (int, float))
                or not math.isfinite(coordinate)
            ):
                raise MessageError(f"points[{index}]: {name} must be a finite number, got {coordinate!r}")
            if abs(coordinate) > limits.coordinate_bound:
                raise MessageError(
                    f"points[{index}]: {name} must lie in [-{limits.coordinate_bound}, "
                    f"{limits.coordinate_bound}], got {coordinate}"
                )
        if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < limits.max_classes:
            raise MessageError(
                f"points[{index}]: class must be an integer from 0 to {limits.max_classes - 1}, got {label!r}"
            )
        rows.append((float(x), float(y), int(label)))
    return rows


def validate(message: Any, limits: Limits) -> dict[str, Any]:
    """Check one decoded message against its type's schema and the limits; return the cleaned message."""
    if not isinstance(message, dict):
        raise MessageError(f'a message must be a JSON object with a "type", got {type(message).__name__}')
    kind = message.get("type")
    if kind == "data":
        _only_keys(message, {"dataset", "classes", "noise", "n", "test_fraction", "seed"}, "data")
        dataset = _choice(message, "dataset", DATASETS)
        classes = _integer(message, "classes", 2, limits.max_classes, 2)
        if classes != 2 and dataset not in MULTICLASS_DATASETS:
            raise MessageError(
                f"{dataset} has 2 classes; only {' and '.join(MULTICLASS_DATASETS)} take 2 to {limits.max_classes}"
            )
        return {
            "type": kind,
            "dataset": dataset,
            "classes": classes,
            "noise": _number(message, "noise", 0.0, 3.0, 0.1),
            "n": _integer(message, "n", 10, limits.max_points, 200),
            "test_fraction": _number(message, "test_fraction", 0.0, 0.5, 0.2),
            "seed": _integer(message, "seed", 0, 2**31 - 1, 0),
        }
    if kind == "points":
        _only_keys(message, {"points", "test_fraction", "seed"}, "points")
        points = _points(message.get("points"), limits)
        if len(points) < 2:
            raise MessageError("points: give at least 2 points")
        return {
            "type": kind,
            "points": points,
            "test_fraction": _number(message, "test_fraction", 0.0, 0.5, 0.2),
            "seed": _integer(message, "seed", 0, 2**31 - 1, 0),
        }
    if kind == "add_point":
        _only_keys(message, {"x", "y", "label"}, "add_point")
        ((x, y, label),) = _points([[message.get("x"), message.get("y"), message.get("label")]], limits)
        return {"type": kind, "x": x, "y": y, "label": label}
    if kind == "erase":
        _only_keys(message, {"x", "y", "radius"}, "erase")
        ((x, y, _),) = _points([[message.get("x"), message.get("y"), 0]], limits)
        return {"type": kind, "x": x, "y": y, "radius": _number(message, "radius", 0.0, 2.0, 0.1, open_low=True)}
    if kind == "model":
        _only_keys(message, {"layers", "initializer", "optimizer", "lr", "batch_size", "l2", "seed", "output"}, "model")
        layers = message.get("layers")
        if not isinstance(layers, list) or len(layers) > limits.max_hidden_layers:
            raise MessageError(f"layers must be a list of at most {limits.max_hidden_layers} hidden layers")
        clean_layers = []
        for index, layer in enumerate(layers):
            if not isinstance(layer, dict):
                raise MessageError(f"layers[{index}] must be an object {{units, activation}}")
            _only_keys(layer, {"units", "activation"}, f"layers[{index}]")
            try:
                clean_layers.append(
                    {
                        "units": _integer(layer, "units", 1, limits.max_units),
                        "activation": _choice(layer, "activation", ACTIVATIONS, "relu"),
                    }
                )
            except MessageError as error:
                raise MessageError(f"layers[{index}]: {error}") from None
        return {
            "type": kind,
            "layers": clean_layers,
            "initializer": _choice(message, "initializer", INITIALIZERS, "glorot_uniform"),
            "optimizer": _choice(message, "optimizer", OPTIMIZERS, "adam"),
            "lr": _number(message, "lr", 0.0, 10.0, 0.01, open_low=True),
            "batch_size": _integer(message, "batch_size", 1, limits.max_points, 32),
            "l2": _number(message, "l2", 0.0, 1.0, 0.0),
            "seed": _integer(message, "seed", 0, 2**31 - 1, 0),
            "output": _choice(message, "output", OUTPUTS, "auto"),
        }
    if kind == "speed":
        _only_keys(message, {"steps_per_update", "updates_per_second"}, "speed")
        return {
            "type": kind,
            "steps_per_update": _integer(message, "steps_per_update", 1, limits.max_steps_per_update, 1),
            "updates_per_second": _number(
                message,
                "updates_per_second",
                0.0,
                limits.max_updates_per_second,
                limits.max_updates_per_second,
                open_low=True,
            ),
        }
    if kind == "export":
        _only_keys(message, {"format"}, "export")
        return {"type": kind, "format": _choice(message, "format", ("keras", "pytorch", "model_file", "gif", "csv"))}
    if kind in ("play", "pause", "step", "epoch", "reset", "backward", "hello", "ack"):
        _only_keys(message, set(), kind)
        return {"type": kind}
    raise MessageError(
        f"unknown message type {kind!r}; expected one of data, points, add_point, erase, model, play, pause, step, "
        "epoch, reset, speed, backward, export, hello, ack"
    )
