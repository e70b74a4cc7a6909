"""The model file: its format, and writing one (``model.save(path)``); :mod:`~tinygrad_moons.nn.saving` reads it.

A model file is an ordinary NumPy ``.npz`` archive holding

* ``__architecture__``: a JSON text describing the model (format, version,
  each layer's class and arguments, and how it was compiled);
* one array per parameter, under its dotted name (``dense_1.kernel``).

Writing needs only what the model says of itself (``get_config``,
``state_dict``, ``_check_savable``), so this module sits below the model
classes: ``Model.save`` calls it without the import cycle that reading
(which builds ``Sequential`` models) would make.

A save writes a unique temporary file next to the target and renames it over
the target (``os.replace``, atomic), so concurrent saves never mix and an
interrupted one never leaves a half-written file behind.
"""

from __future__ import annotations

import json
import os
import secrets
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tinygrad_moons.nn.training import Model

__all__ = ["ARCHITECTURE_KEY", "FORMAT", "VERSION", "save_model"]

FORMAT = "tinygrad_moons.model"
VERSION = 1
ARCHITECTURE_KEY = "__architecture__"


def save_model(model: Model, path: str | os.PathLike) -> str:
    """Write ``model`` (architecture, weights, compile settings) to ``path``; return the path written.

    Only a ``Sequential`` of built-in layers can be written (anything else
    could not be built back from the file): other models get an error that
    says how to save their weights instead. The file is written under a
    unique temporary name in the same folder and then renamed over ``path``
    in one step, so readers see the old file or the new one, never a mix;
    concurrent saves to one path each leave a complete file; an interrupted
    save (an error, Ctrl-C) removes its temporary file.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"save: {path} is a folder; give the path of a file in it, e.g. {os.path.join(path, 'model.npz')}"
        )
    config = model.get_config()  # a model that cannot describe itself says so here
    if not getattr(model, "built", False):
        raise ValueError(
            f"save: {model.name} has no weights yet; build it first (give the first layer input_dim, "
            "call model.build(input_dim), or fit it)"
        )
    model._check_savable()
    architecture = {
        "format": FORMAT,
        "version": VERSION,
        "class_name": "Sequential",
        "config": config,
        "compile": model._compile_config,
    }
    weights = model.state_dict()
    if ARCHITECTURE_KEY in weights:
        raise ValueError(f"save: a parameter may not be named {ARCHITECTURE_KEY!r}")
    folder, name = os.path.split(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: the folder {folder} does not exist (create it first)")
    descriptor, temporary = _create_temporary(folder, name)
    try:
        with os.fdopen(descriptor, "wb") as file:
            arrays = {ARCHITECTURE_KEY: np.array(json.dumps(architecture)), **weights}
            np.savez(file, **arrays)  # type: ignore[arg-type]  # numpy's stubs take **arrays for its allow_pickle
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:  # KeyboardInterrupt included: never leave the temporary file behind
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    return path


def _create_temporary(folder: str, name: str) -> tuple[int, str]:
    """A new file ``.<name>.<random>.tmp`` in ``folder``, opened for writing: what ``tempfile.mkstemp`` does,
    but with the permissions of an ordinary file (mkstemp's are private to the user)."""
    while True:
        temporary = os.path.join(folder, f".{name}.{secrets.token_hex(8)}.tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:  # another save drew the same name: draw again
            continue
