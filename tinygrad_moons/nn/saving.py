"""Saving a model to one ``.npz`` file and loading it back, without pickle.

The file is an ordinary NumPy ``.npz`` archive holding

* ``__architecture__``: a JSON text describing the model (format, version,
  each layer's class and arguments, and how it was compiled);
* one array per parameter, under its dotted name (``dense_1.kernel``).

Loading uses ``np.load(path, allow_pickle=False)`` and re-creates layers
only from a fixed table of known classes, so opening a file never runs
code from it. A file that is missing, truncated, corrupted or not one of
ours gives a :class:`ModelFileError` naming the file and the problem.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

import numpy as np

from tinygrad_moons import optim
from tinygrad_moons.nn import losses
from tinygrad_moons.nn.layers import Activation, Dense, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from tinygrad_moons.nn.sequential import Sequential

__all__ = ["ModelFileError", "load_model", "save_model"]

FORMAT = "tinygrad_moons.model"
VERSION = 1
ARCHITECTURE_KEY = "__architecture__"

#: The layer classes a file may name. Nothing else is ever instantiated from a file.
LAYER_CLASSES = {cls.__name__: cls for cls in (Dense, Activation, ReLU, Sigmoid, Tanh, LeakyReLU, Softmax, Sequential)}


class ModelFileError(ValueError):
    """A model file cannot be read: it is missing, damaged, or not a tinygrad_moons model."""


def save_model(model: Sequential, path: str | os.PathLike) -> str:
    """Write ``model`` (architecture, weights, compile settings) to ``path``; return the path written.

    The file is written under a temporary name and then renamed, so an
    interrupted save never leaves a half-written file where a good one was.
    """
    path = os.fspath(path)
    if not isinstance(model, Sequential):
        model.get_config()  # raises the explanation for models that cannot describe themselves
    if not model.built:
        raise ValueError(
            f"save: {model.name} has no weights yet; build it first (give the first layer input_dim, "
            "call model.build(input_dim), or fit it)"
        )
    architecture = {
        "format": FORMAT,
        "version": VERSION,
        "class_name": "Sequential",
        "config": model.get_config(),
        "compile": getattr(model, "_compile_config", None),
    }
    weights = model.state_dict()
    if ARCHITECTURE_KEY in weights:
        raise ValueError(f"save: a parameter may not be named {ARCHITECTURE_KEY!r}")
    temporary = path + ".tmp"
    with open(temporary, "wb") as file:
        np.savez(file, **{ARCHITECTURE_KEY: np.array(json.dumps(architecture))}, **weights)
    os.replace(temporary, path)
    return path


def load_model(path: str | os.PathLike, compile: bool = True) -> Sequential:
    """Re-create a model saved with ``model.save(path)``: same layers, names, dtype and weights.

    With ``compile`` (the default) a model that was compiled with a built-in
    loss is compiled again the same way: same loss, optimizer class and
    hyperparameters, metrics. The optimizer starts afresh (its running
    state, such as Adam's moment estimates, is not saved).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_model: no such file: {path}")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(
            f"load_model: {path} is not a .npz model file (it is not a zip archive, or it is truncated)"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            if ARCHITECTURE_KEY not in archive.files:
                shown = ", ".join(archive.files[:5]) + (", ..." if len(archive.files) > 5 else "")
                raise ModelFileError(
                    f"load_model: {path} is an .npz archive but not a tinygrad_moons model "
                    f"(it has no {ARCHITECTURE_KEY!r} entry; its arrays are: {shown or 'none'})"
                )
            text = str(archive[ARCHITECTURE_KEY])
            weights = {name: archive[name] for name in archive.files if name != ARCHITECTURE_KEY}
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, UnicodeDecodeError) as error:
        raise ModelFileError(
            f"load_model: {path} is damaged and cannot be read ({type(error).__name__}: {error})"
        ) from None

    try:
        architecture = json.loads(text)
    except json.JSONDecodeError as error:
        raise ModelFileError(f"load_model: {path} has an unreadable architecture description ({error})") from None
    if not isinstance(architecture, dict) or architecture.get("format") != FORMAT:
        raise ModelFileError(f"load_model: {path} does not describe a tinygrad_moons model")
    if architecture.get("version") != VERSION:
        raise ModelFileError(
            f"load_model: {path} has format version {architecture.get('version')!r}; "
            f"this library reads version {VERSION}"
        )
    try:
        model = _build(architecture.get("class_name"), architecture.get("config"))
    except ModelFileError as error:
        raise ModelFileError(f"load_model: {path}: {error}") from None
    except (TypeError, ValueError, KeyError) as error:
        raise ModelFileError(f"load_model: {path} describes a model that cannot be built ({error})") from None
    try:
        model.load_state_dict(weights)
    except ValueError as error:
        raise ModelFileError(f"load_model: the weights in {path} do not fit its architecture: {error}") from None
    settings = architecture.get("compile")
    if compile and isinstance(settings, dict) and isinstance(settings.get("loss"), dict):
        _compile_from(model, settings, path)
    return model


def _build(class_name: Any, config: Any) -> Any:
    """A layer or model from its class name and arguments, using only the known classes."""
    if class_name not in LAYER_CLASSES:
        raise ModelFileError(f"unknown layer class {class_name!r} (known: {', '.join(sorted(LAYER_CLASSES))})")
    if not isinstance(config, dict):
        raise ModelFileError(f"the arguments of a {class_name} are not a JSON object")
    if class_name == "Sequential":
        model = Sequential(name=config.get("name"))
        for entry in config.get("layers", []):
            if not isinstance(entry, dict):
                raise ModelFileError("a layer entry is not a JSON object")
            model.add(_build(entry.get("class_name"), entry.get("config")))
        if not model.built:
            raise ModelFileError("the layers' input width is missing, so the weights have nowhere to go")
        return model
    return LAYER_CLASSES[class_name](**config)


def _compile_from(model: Sequential, settings: dict[str, Any], path: str) -> None:
    optimizer_entry = settings.get("optimizer")
    if not isinstance(optimizer_entry, dict) or optimizer_entry.get("class_name") not in optim.OPTIMIZERS:
        name = optimizer_entry.get("class_name") if isinstance(optimizer_entry, dict) else optimizer_entry
        raise ModelFileError(f"load_model: {path} names an unknown optimizer {name!r}")
    optimizer_class = optim.OPTIMIZERS[optimizer_entry["class_name"]]
    config = dict(optimizer_entry.get("config") or {})
    if "betas" in config:
        config["betas"] = tuple(config["betas"])
    try:
        loss = losses.from_description(settings["loss"])
        model.compile(loss=loss, optimizer=optimizer_class(**config), metrics=settings.get("metrics") or None)
    except (TypeError, ValueError, AttributeError) as error:
        raise ModelFileError(f"load_model: {path} has compile settings that cannot be used ({error})") from None
