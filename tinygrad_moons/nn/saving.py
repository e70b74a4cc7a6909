"""Saving a model to one ``.npz`` file and loading it back, without pickle.

:func:`save_model` (``model.save(path)``) writes the file described in
:mod:`tinygrad_moons.nn.model_file`: an ordinary NumPy ``.npz`` archive holding

* ``__architecture__``: a JSON text describing the model (format, version,
  each layer's class and arguments, and how it was compiled);
* one array per parameter, under its dotted name (``dense_1.kernel``).

:func:`load_model` reads it back.

Loading never runs code from the file and never lets the file decide how much
memory is used. It reads the zip directory and each member's ``.npy`` header
(a few hundred bytes) first, and checks all of it, the architecture included,
against hard limits (:data:`LIMITS`) and against each other *before* any
weight is decompressed or any layer allocated: every member is a parameter the
architecture names, with the shape, dtype and byte size the architecture
implies. Layers are re-created only from a fixed table of known classes.
A file that is missing, truncated, corrupted, hostile or not one of ours
gives a :class:`ModelFileError` naming the file and the problem.
"""

from __future__ import annotations

import inspect
import io
import json
import math
import os
import re
import warnings
import zipfile
from typing import Any, cast

import numpy as np

from tinygrad_moons import optim
from tinygrad_moons.nn import losses
from tinygrad_moons.nn.layers import SAVABLE_LAYERS
from tinygrad_moons.nn.model_file import ARCHITECTURE_KEY, FORMAT, VERSION, save_model
from tinygrad_moons.nn.sequential import Sequential

__all__ = ["LIMITS", "ModelFileError", "load_model", "save_model"]

#: The layer classes a file may name. Nothing else is ever instantiated from a file.
LAYER_CLASSES: dict[str, Any] = {cls.__name__: cls for cls in (*SAVABLE_LAYERS, Sequential)}
#: The keyword arguments a file may give each class: its constructor's, less the random generator.
_ARGUMENTS = {name: set(inspect.signature(cls).parameters) - {"rng"} for name, cls in LAYER_CLASSES.items()}
_ARGUMENTS["Sequential"] = {"name", "layers"}
WEIGHT_DTYPES = ("float16", "float32", "float64")

#: Hard limits on what a model file may declare, checked before anything is allocated or decompressed.
LIMITS = {
    "architecture_characters": 1_000_000,  # the JSON text (stored as UTF-32: 4 MB)
    "json_nesting": 128,  # brackets open at once in the JSON text
    "model_nesting": 32,  # Sequential inside Sequential
    "layers": 10_000,  # in the whole model, nested ones included
    "members": 20_001,  # arrays in the archive: two per Dense layer, and the architecture
    "weight_bytes": 2**30,  # all parameters together, uncompressed (1 GiB)
}
_NPY_HEADER_BYTES = 10_000  # NumPy's own default limit on an .npy header


class ModelFileError(ValueError):
    """A model file cannot be read: it is missing, damaged, or not a tinygrad_moons model."""


# ------------------------------------------------------------------ loading
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
    try:
        return _load(path, compile)
    except ModelFileError as error:
        raise ModelFileError(f"load_model: {path}{error}") from None
    except (RecursionError, MemoryError) as error:  # the limits should stop these first; a last line of defence
        raise ModelFileError(f"load_model: {path} cannot be read ({type(error).__name__})") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, UnicodeDecodeError,
            RuntimeError, NotImplementedError) as error:  # fmt: skip
        # (zipfile raises RuntimeError and NotImplementedError for members it cannot open.)
        raise ModelFileError(
            f"load_model: {path} is damaged and cannot be read ({type(error).__name__}: {error})"
        ) from None


def _problem(message: str) -> ModelFileError:
    """An error to be prefixed with "load_model: <path>": ``message`` starts with a space or a colon."""
    return ModelFileError(message)


def _load(path: str, compile: bool) -> Sequential:
    if not zipfile.is_zipfile(path):
        raise _problem(" is not a .npz model file (it is not a zip archive, or it is truncated)")
    with zipfile.ZipFile(path) as archive:
        members = _check_directory(archive)
        text = _read_architecture(archive, members.pop(ARCHITECTURE_KEY))
        architecture = _parse_architecture(text)
        expected = _expected_weights(architecture["config"])
        headers = {name: _read_header(archive, info, name) for name, info in members.items()}
        _check_weights_fit(headers, expected)
        # Everything the file declares is now known to be consistent and within the limits.
        try:
            model = _build("Sequential", architecture["config"])
        except ModelFileError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            raise _problem(f" describes a model that cannot be built ({error})") from None
        weights = {name: _read_data(archive, members[name], headers[name]) for name in members}
    _warn_if_not_finite(path, weights)
    try:
        model.load_state_dict(weights)
    except ValueError as error:  # pragma: no cover (the headers were checked against the same shapes)
        raise _problem(f": the weights do not fit its architecture: {error}") from None
    settings = architecture.get("compile")
    if compile and isinstance(settings, dict) and isinstance(settings.get("loss"), dict):
        _compile_from(model, settings)
    return model


def _warn_if_not_finite(path: str, weights: dict[str, np.ndarray]) -> None:
    """Warn (not refuse: a diverged model may be worth inspecting) when weights hold NaN or inf."""
    bad = {name: int(array.size - np.count_nonzero(np.isfinite(array))) for name, array in weights.items()}
    bad = {name: count for name, count in bad.items() if count}
    if bad:
        listed = ", ".join(f"{name} ({count} of {weights[name].size})" for name, count in bad.items())
        warnings.warn(
            f"load_model: {path} holds NaN or infinite weights in {listed}; the model will predict NaN "
            "(was it saved after training diverged?)",
            RuntimeWarning,
            stacklevel=4,  # at the caller of load_model
        )


def _check_directory(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The members by array name, after checking their number, names and declared sizes."""
    infos = archive.infolist()
    if len(infos) > LIMITS["members"]:
        raise _problem(f" holds {len(infos):,} members; a model file holds at most {LIMITS['members']:,}")
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if info.flag_bits & 0x1:
            raise _problem(f" holds an encrypted member, {info.filename[:80]!r}; model files are never encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _problem(
                f" holds {info.filename[:80]!r} compressed with method {info.compress_type}; "
                "model files are stored or deflated (as np.savez and np.savez_compressed write them)"
            )
        if not info.filename.endswith(".npy"):
            raise _problem(f" holds {info.filename[:80]!r}, which is not an .npy array")
        name = info.filename[: -len(".npy")]
        if name in members:
            raise _problem(f" holds two members named {info.filename[:80]!r}")
        members[name] = info
    if ARCHITECTURE_KEY not in members:
        names = list(members)
        shown = ", ".join(name[:80] for name in names[:5]) + (", ..." if len(names) > 5 else "")
        raise _problem(
            f" is an .npz archive but not a tinygrad_moons model "
            f"(it has no {ARCHITECTURE_KEY!r} entry; its arrays are: {shown or 'none'})"
        )
    total = sum(info.file_size for name, info in members.items() if name != ARCHITECTURE_KEY)
    if total > LIMITS["weight_bytes"] + len(members) * _NPY_HEADER_BYTES:
        raise _problem(
            f" declares {total:,} bytes of arrays when decompressed; a model file may hold at most "
            f"{LIMITS['weight_bytes']:,} bytes of weights"
        )
    return members


Header = tuple[tuple[int, ...], bool, np.dtype, int]  # shape, Fortran order, dtype, header length


def _read_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> Header:
    """(shape, fortran_order, dtype, header length) of one member, from its first bytes only."""
    with archive.open(info) as stream:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream, max_header_size=_NPY_HEADER_BYTES)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream, max_header_size=_NPY_HEADER_BYTES)
        else:
            raise _problem(f": array {name[:80]!r} has an .npy format version {version} this library does not read")
        header_length = stream.tell()
    if dtype.hasobject:
        raise _problem(f": array {name[:80]!r} holds Python objects, which are never unpickled")
    size = 1
    for side in shape:
        size *= side
    if header_length + size * dtype.itemsize != info.file_size:
        raise _problem(
            f": array {name[:80]!r} declares shape {shape} of {dtype} ({size * dtype.itemsize:,} bytes) but the "
            f"archive stores {info.file_size - header_length:,} bytes for it"
        )
    return shape, fortran, dtype, header_length


def _read_data(archive: zipfile.ZipFile, info: zipfile.ZipInfo, header: Header) -> np.ndarray:
    """The array of a member whose header was checked: exactly its declared bytes, CRC checked."""
    shape, fortran, dtype, header_length = header
    array = np.empty(shape, dtype=dtype, order="F" if fortran else "C")
    with archive.open(info) as stream:
        stream.read(header_length)
        buffer = array.reshape(-1, order="A").data.cast("B") if array.size else memoryview(b"")
        reader = cast(io.BufferedIOBase, stream)  # a zipfile.ZipExtFile, which typeshed calls IO[bytes]
        filled = 0
        while filled < len(buffer):
            count = reader.readinto(buffer[filled:])
            if not count:
                raise _problem(f": array {info.filename[:80]!r} ends early")
            filled += count
        if stream.read(1):  # reading to the end also makes zipfile check the CRC
            raise _problem(f": array {info.filename[:80]!r} holds more bytes than its header declares")
    return array


def _read_architecture(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    header = _read_header(archive, info, ARCHITECTURE_KEY)
    shape, _, dtype, _ = header
    if shape != () or dtype.kind != "U":
        raise _problem(f" has an {ARCHITECTURE_KEY!r} entry that is not a text (shape {shape}, dtype {dtype})")
    if dtype.itemsize // 4 > LIMITS["architecture_characters"]:
        raise _problem(
            f" has an architecture description of {dtype.itemsize // 4:,} characters; "
            f"the limit is {LIMITS['architecture_characters']:,}"
        )
    return str(_read_data(archive, info, header)[()])


# A JSON string, written so the regex engine needs no memory per character ("unrolled loop").
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


def _json_nesting(text: str) -> int:
    """How deep the brackets of a JSON text nest (brackets inside strings do not count), without parsing it."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub('""', text))
    if not brackets:
        return 0
    codes = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def _refuse_constant(name: str) -> Any:
    raise _problem(f" has an architecture description with {name}, which is not a number in JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not np.isfinite(value):  # 1e400 is valid JSON, but no argument of ours may be infinite
        raise _problem(f" has an architecture description with the number {text[:40]}, too large for a float")
    return value


def _parse_architecture(text: str) -> dict[str, Any]:
    depth = _json_nesting(text)
    if depth > LIMITS["json_nesting"]:
        raise _problem(
            f" has an architecture description nested {depth:,} levels deep; the limit is {LIMITS['json_nesting']}"
        )
    try:
        architecture = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except ModelFileError:
        raise
    except ValueError as error:  # json.JSONDecodeError, or an integer of thousands of digits
        raise _problem(f" has an unreadable architecture description ({error})") from None
    if not isinstance(architecture, dict) or architecture.get("format") != FORMAT:
        raise _problem(" does not describe a tinygrad_moons model")
    if architecture.get("version") != VERSION:
        raise _problem(
            f" has format version {str(architecture.get('version'))[:40]}; this library reads version {VERSION}"
        )
    if architecture.get("class_name") != "Sequential":
        raise _problem(f": the model is a {str(architecture.get('class_name'))[:80]!r}; only Sequential models load")
    return architecture


# ------------------------------------------- the architecture, without building it
def _expected_weights(config: Any) -> dict[str, tuple[tuple[int, ...], str]]:
    """``{dotted name: (shape, dtype)}`` of every parameter the architecture implies, checked against the limits.

    This walks the description as plain data: no layer is created and no
    weight allocated, so a file declaring a layer of 10^10 weights is refused
    here rather than by running out of memory.
    """
    expected: dict[str, tuple[tuple[int, ...], str]] = {}
    counts = {"layers": 0, "weight_bytes": 0}
    _plan_sequential(config, "", 0, None, expected, counts)
    return expected


def _plan_sequential(
    config: Any, prefix: str, depth: int, width: int | None, expected: dict, counts: dict
) -> int | None:
    """Add a Sequential's parameters to ``expected``; return its output width."""
    where = f"Sequential {prefix!r}" if prefix else "the model"
    if depth > LIMITS["model_nesting"]:
        raise _problem(f": models are nested more than {LIMITS['model_nesting']} deep")
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise _problem(f": the arguments of {where} are not a JSON object with a list of layers")
    if not config["layers"]:
        raise _problem(f": {where} has no layers")
    names: set[str] = set()
    for entry in config["layers"]:
        counts["layers"] += 1
        if counts["layers"] > LIMITS["layers"]:
            raise _problem(f": the model has more than {LIMITS['layers']:,} layers")
        if not isinstance(entry, dict):
            raise _problem(": a layer entry is not a JSON object")
        class_name, layer_config = entry.get("class_name"), entry.get("config")
        if not isinstance(class_name, str) or class_name not in LAYER_CLASSES:
            shown = str(class_name)[:80]
            raise _problem(f": unknown layer class {shown!r} (known: {', '.join(sorted(LAYER_CLASSES))})")
        if not isinstance(layer_config, dict):
            raise _problem(f": the arguments of a {class_name} are not a JSON object")
        unknown = sorted(set(layer_config) - _ARGUMENTS[class_name])
        if unknown:
            raise _problem(
                f" describes a model that cannot be built (a {class_name} takes no argument "
                f"{str(unknown[0])[:80]!r}; it takes {', '.join(sorted(_ARGUMENTS[class_name]))})"
            )
        name = layer_config.get("name")
        if not isinstance(name, str) or not name or "." in name or "/" in name or len(name) > 200:
            raise _problem(f": a {class_name} in {where} has no valid name (got {str(name)[:80]!r})")
        if name in names:
            raise _problem(f": {where} has two layers named {name!r}")
        names.add(name)
        dotted = f"{prefix}.{name}" if prefix else name
        if class_name == "Sequential":
            width = _plan_sequential(layer_config, dotted, depth + 1, width, expected, counts)
        elif class_name == "Dense":
            width = _plan_dense(layer_config, dotted, width, expected, counts)
    return width


def _plan_dense(config: dict, dotted: str, width: int | None, expected: dict, counts: dict) -> int:
    units, input_dim = config.get("units"), config.get("input_dim", None)
    dtype, use_bias = config.get("dtype", "float64"), config.get("use_bias", True)
    for argument, value, required in (("units", units, True), ("input_dim", input_dim, False)):
        if (value is not None or required) and (type(value) is not int or value < 1):
            raise _problem(f": Dense {dotted!r} has {argument}={str(value)[:40]}; it must be a positive integer")
    assert isinstance(units, int)  # checked just above
    if dtype not in WEIGHT_DTYPES or not isinstance(use_bias, bool):
        raise _problem(f": Dense {dotted!r} has dtype={str(dtype)[:40]!r}, use_bias={str(use_bias)[:40]}")
    if input_dim is not None and width is not None and input_dim != width:
        raise _problem(f": Dense {dotted!r} takes inputs of width {input_dim} but the layer before it outputs {width}")
    inputs = input_dim if input_dim is not None else width
    if inputs is None:
        raise _problem(f": the input width of Dense {dotted!r} is missing, so its weights have nowhere to go")
    shapes = {"kernel": (inputs, units), **({"bias": (units,)} if use_bias else {})}
    for key, shape in shapes.items():
        counts["weight_bytes"] += math.prod(shape) * np.dtype(dtype).itemsize  # Python ints: no overflow
        expected[f"{dotted}.{key}"] = (shape, dtype)
    if counts["weight_bytes"] > LIMITS["weight_bytes"]:
        raise _problem(
            f": the architecture declares more than {LIMITS['weight_bytes']:,} bytes of weights "
            f"(Dense {dotted!r} is {inputs:,} x {units:,})"
        )
    return units


def _check_weights_fit(headers: dict[str, Header], expected: dict[str, tuple[tuple[int, ...], str]]) -> None:
    problems = []
    missing = [name for name in expected if name not in headers]
    unexpected = [name[:80] for name in headers if name not in expected]
    if missing:
        problems.append(f"missing: {', '.join(missing[:10])}" + (", ..." if len(missing) > 10 else ""))
    if unexpected:
        problems.append(f"unexpected: {', '.join(unexpected[:10])}" + (", ..." if len(unexpected) > 10 else ""))
    for name, (shape, dtype) in expected.items():
        if name not in headers:
            continue
        stored_shape, _, stored_dtype, _ = headers[name]
        if stored_shape != shape:
            problems.append(f"{name}: shape {stored_shape} in the file, {shape} in the architecture")
        elif stored_dtype != np.dtype(dtype):
            problems.append(f"{name}: dtype {stored_dtype} in the file, {dtype} in the architecture")
    if problems:
        raise _problem(": the weights do not fit its architecture: " + "; ".join(problems))


# ------------------------------------------------------------------ building
def _build(class_name: str, config: dict[str, Any]) -> Any:
    """A layer or model from its class name and arguments (already checked by :func:`_expected_weights`)."""
    if class_name == "Sequential":
        model = Sequential(name=config.get("name"))
        for entry in config["layers"]:
            model.add(_build(entry["class_name"], entry["config"]))
        return model
    return LAYER_CLASSES[class_name](**config)


def _compile_from(model: Sequential, settings: dict[str, Any]) -> None:
    optimizer_entry = settings.get("optimizer")
    entry = optimizer_entry if isinstance(optimizer_entry, dict) else {}
    class_name = entry.get("class_name")
    if not isinstance(optimizer_entry, dict) or not isinstance(class_name, str) or class_name not in optim.OPTIMIZERS:
        name = class_name if isinstance(optimizer_entry, dict) else optimizer_entry
        raise _problem(f" names an unknown optimizer {str(name)[:80]!r}")
    optimizer_class = optim.OPTIMIZERS[class_name]
    config = entry.get("config") or {}
    loss_description = settings["loss"]
    try:
        if not isinstance(config, dict):
            raise TypeError(f"the optimizer's arguments are a {type(config).__name__}, not a JSON object")
        config = dict(config)
        if "betas" in config:
            if not isinstance(config["betas"], list) or len(config["betas"]) != 2:
                raise TypeError(f"betas must be a list of two numbers, got {str(config['betas'])[:40]}")
            config["betas"] = tuple(config["betas"])
        loss = losses.from_description(loss_description)
        model.compile(loss=loss, optimizer=optimizer_class(**config), metrics=settings.get("metrics") or None)
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError) as error:
        raise _problem(f" has compile settings that cannot be used ({error})") from None
