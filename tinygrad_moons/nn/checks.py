"""The checks ``compile``, ``fit``, ``evaluate`` and ``predict`` run before any training or prediction.

Every check runs on the whole input once, before the first step, so a
mistake is reported in terms of the data (the argument, its shape, the first
bad value) rather than as a NumPy traceback from deep inside a batch, and a
refused call leaves the model as it was.

* :func:`inputs` and :func:`targets`: ``x`` and ``y`` as arrays the model can
  take (2-D, finite, numeric, of the right width; labels that fit the loss).
* :func:`validation_split`: the held-out rows of ``validation_data`` or
  ``validation_split``.
* :func:`callbacks`, :func:`non_negative_ints`, :func:`batch_size`: ``fit``'s
  other arguments.
* :func:`warn_if_output_does_not_fit_loss`: ``compile``'s warning when a
  loss on probabilities meets a model whose last layer cannot output them.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from tinygrad_moons import functional as F
from tinygrad_moons.autograd import plain_numbers
from tinygrad_moons.nn import losses
from tinygrad_moons.nn.callbacks import Callback
from tinygrad_moons.nn.layers import Activation, Dense, Dropout, Flatten, Identity, Linear
from tinygrad_moons.nn.module import Module
from tinygrad_moons.tensor import Tensor

if TYPE_CHECKING:
    from tinygrad_moons.nn.training import Model

__all__ = [
    "batch_size",
    "callbacks",
    "fraction",
    "inputs",
    "non_finite_loss_warning",
    "non_finite_parameters",
    "non_negative_ints",
    "refuse_unsupported",
    "targets",
    "validation_freq",
    "validation_split",
    "verbose",
    "warn_if_not_finite",
    "warn_if_output_does_not_fit_loss",
]


# ----------------------------------------------------------------- x and y
def inputs(model: Model, x: Any, where: str) -> np.ndarray:
    """``x`` as a finite 2-D array (samples, features) of the model's dtype; the model built for its width.

    ``where`` names the call in messages ("fit", "predict", "fit (validation_data)").
    """
    array = numeric_array(x, "x", where)
    if array.ndim != 2:
        hint = " (for one feature use x.reshape(-1, 1))" if array.ndim == 1 else ""
        raise ValueError(f"{where}: x must be a 2-D array (samples, features), got shape {array.shape}{hint}")
    if array.shape[0] == 0:
        raise ValueError(f"{where}: x is empty (shape {array.shape}); there is nothing to learn from or predict")
    if array.shape[1] == 0:
        raise ValueError(f"{where}: x has no features (shape {array.shape})")
    check_finite(array, "x", where)
    model._ensure_built(array.shape[1])
    expected = model.input_dim
    if expected is not None and array.shape[1] != expected:
        raise ValueError(
            f"{where}: x has {array.shape[1]} features per sample but the model expects {expected} "
            f"(its first layer was built for inputs of width {expected})"
        )
    return array.astype(model.dtype, copy=False)


def targets(model: Model, y: Any, n: int, input_dim: int, where: str) -> np.ndarray:
    """``y`` checked against the compiled loss and shaped as the model's output: (n, units), or (n,) class labels.

    ``n`` is the number of samples of ``x``; ``input_dim`` its width (to learn the model's output width).
    """
    array = numeric_array(y, "y", where)
    if array.ndim == 0 or len(array) != n:
        got = "a single value" if array.ndim == 0 else f"{len(array)} samples"
        raise ValueError(f"{where}: x has {n} samples but y has {got}; they must have the same length")
    check_finite(array, "y", where)
    units = model._output_width(input_dim)
    kind = getattr(model.loss, "target_kind", "regression")
    if kind == "sparse":
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1 or np.any(array != np.round(array)) or array.min() < 0 or array.max() >= units:
            raise ValueError(
                f"{where}: {model.loss.name} needs one integer class label per sample in [0, {units - 1}] "
                f"(the model has {units} outputs); got y of shape {array.shape} with values {some_values(array)}"
            )
        return array.astype(np.intp)
    if kind == "binary":
        bad = (array != 0) & (array != 1)
        if bad.any():
            raise ValueError(
                f"{where}: binary cross-entropy needs labels 0 and 1, but y contains {some_values(array[bad])}"
                " (map your two classes to 0 and 1, e.g. y = (y == positive_class))"
            )
    if array.ndim == 1 and units == 1:
        array = array.reshape(-1, 1)
    if array.shape != (n, units):
        hint = " (for integer labels use loss='sparse_categorical_crossentropy')" if kind == "categorical" else ""
        raise ValueError(
            f"{where}: the model outputs {units} value(s) per sample, so y must have shape ({n}, {units})"
            f"{' or (' + str(n) + ',)' if units == 1 else ''}; got {array.shape}{hint}"
        )
    return array.astype(model.dtype, copy=False)


def validation_split(
    model: Model, X: np.ndarray, Y: np.ndarray, validation_data: Any, split: Any
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """``(X, Y, (X_val, Y_val) or None)``: ``validation_data`` checked as ``x``/``y`` are, or the last
    ``split`` fraction of the rows (before shuffling, as Keras) held out."""
    if validation_data is not None:
        if isinstance(validation_data, (tuple, list)) and len(validation_data) == 3:
            raise NotImplementedError(
                "fit: validation_data with sample weights (x_val, y_val, sample_weight), which Keras accepts, is not "
                "supported here; pass (x_val, y_val)"
            )
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("fit: validation_data must be a pair (x_val, y_val)")
        X_val = inputs(model, validation_data[0], "fit (validation_data)")
        Y_val = targets(model, validation_data[1], len(X_val), X.shape[1], "fit (validation_data)")
        return X, Y, (X_val, Y_val)
    if not split:
        return X, Y, None
    if not 0 < split < 1:
        raise ValueError(
            f"fit: validation_split must be a float in [0, 1) (the fraction of rows held out), got {split}"
        )
    cut = int(len(X) * (1 - split))
    if cut == 0 or cut == len(X):
        raise ValueError(f"fit: validation_split={split} leaves no training or no validation rows")
    return X[:cut], Y[:cut], (X[cut:], Y[cut:])


def numeric_array(data: Any, what: str, where: str) -> np.ndarray:
    """``data`` (an array-like or a Tensor) as a NumPy array of numbers; a clear error for ragged or text data."""
    if isinstance(data, Tensor):
        data = data.data
    try:
        array = np.asarray(data)
    except ValueError as error:
        raise ValueError(f"{where}: {what} is not a rectangular array of numbers ({error})") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {what} must hold numbers, got dtype {array.dtype}")
    return array


def check_finite(array: np.ndarray, what: str, where: str) -> None:
    """Refuse NaN and infinite values, naming how many there are and where the first one is."""
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))
        first = tuple(int(i) for i in bad[0])
        step = "training" if where.startswith("fit") else "predicting" if where == "predict" else "evaluating"
        raise ValueError(
            f"{where}: {what} contains {len(bad)} NaN or infinite value(s), the first at index {first} "
            f"({array[first]}); remove or impute them before {step}"
        )


def some_values(values: np.ndarray, limit: int = 5) -> str:
    """The first ``limit`` distinct values, for a message ("0, 1, 2, ... (7 distinct values)")."""
    unique = np.unique(values)
    shown = ", ".join(f"{v:g}" for v in unique[:limit])
    return shown + (f", ... ({len(unique)} distinct values)" if len(unique) > limit else "")


# --------------------------------------------------------- other arguments
def callbacks(given: Any) -> list[Callback]:
    """``fit``'s callbacks as a list: only a list (or tuple) of Callback instances, as Keras documents."""
    if given is None:
        return []
    if isinstance(given, Callback):
        name = type(given).__name__
        raise TypeError(
            f"fit: callbacks must be a list of Callback instances, got a single {name}; pass callbacks=[{name}(...)]"
        )
    if not isinstance(given, (list, tuple)):
        raise TypeError(f"fit: callbacks must be a list of Callback instances, got {type(given).__name__}")
    for index, callback in enumerate(given):
        if not isinstance(callback, Callback):
            raise TypeError(
                f"fit: callbacks must be a list of Callback instances, but callbacks[{index}] is a "
                f"{type(callback).__name__} (wrap a function in LambdaCallback(on_epoch_end=...))"
            )
    return list(given)


def fraction(where: str, name: str, value: Any) -> None:
    """Refuse a ``value`` that is not a number (``validation_split``: the fraction of rows held out)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(
            f"{where}: {name} must be a float in [0, 1) (the fraction of rows held out), "
            f"got {value!r} ({type(value).__name__})"
        )


def non_negative_ints(where: str, **values: Any) -> None:
    """Refuse any of ``values`` (by keyword) that is not a non-negative integer (bools are not integers here)."""
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{where}: {key} must be a non-negative integer, got {value!r}")


def verbose(where: str, value: Any) -> int:
    """``verbose`` as an int: 0, 1, 2, or Keras' "auto" (1, a progress bar where one is shown)."""
    if value == "auto" and isinstance(value, str):
        return 1
    non_negative_ints(where, verbose=value)
    return int(value)


def validation_freq(value: Any) -> None:
    """Refuse a ``validation_freq`` that is neither a positive int (every n epochs) nor a list of epoch numbers."""
    if isinstance(value, (list, tuple, set, frozenset)):
        bad = [v for v in value if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1]
        if not bad:
            return
    elif not isinstance(value, bool) and isinstance(value, (int, np.integer)) and value >= 1:
        return
    raise ValueError(
        "fit: validation_freq must be a positive integer (validate every n epochs) or a list of epoch numbers "
        f"counted from 1, got {plain_numbers(value)!r}"
    )


#: What to do instead of each Keras argument ``fit``, ``evaluate`` and ``predict`` accept but do not implement.
_INSTEAD = {
    "sample_weight": "weigh the samples in your own loop: loss_fn(y, model(x), sample_weight=w) with a Keras loss, "
    "then backward() and optimizer.step() (docs/how-to/keras-fit.md)",
    "class_weight": "repeat the rows of the rarer classes (np.repeat) or weigh the samples in your own loop with "
    "loss_fn(y, model(x), sample_weight=w)",
    "steps_per_epoch": "every epoch is one pass over x (arrays only, no generators): choose batch_size, or pass "
    "fewer rows",
    "validation_steps": "the validation data is always used whole: pass fewer rows as validation_data",
    "steps": "x is always used whole (arrays only, no generators): pass fewer rows",
    "callbacks": "evaluate and predict run no callbacks here (Callback has no on_test_*/on_predict_* hooks); "
    "call your code before or after",
}


def refuse_unsupported(where: str, **given: Any) -> None:
    """Raise NotImplementedError naming each Keras argument in ``given`` that is set (not None) but not supported.

    The message says, for each, what to do instead.
    """
    named = [name for name, value in given.items() if value is not None and not (name == "callbacks" and not value)]
    if named:
        cures = "; ".join(f"{name}: {_INSTEAD[name]}" for name in named)
        raise NotImplementedError(
            f"{where}: Keras' {', '.join(named)} {'is' if len(named) == 1 else 'are'} not supported here. Instead, "
            f"{cures}"
        )


def batch_size(where: str, value: Any) -> None:
    """Refuse a ``batch_size`` that is neither None (everything at once) nor a positive integer."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1):
        raise ValueError(f"{where}: batch_size must be a positive integer or None, got {value!r}")


# ------------------------------------------------------------ after training
def non_finite_loss_warning(epoch: int, logs: dict[str, float], X: np.ndarray, learning_rate: Any) -> str:
    """The warning ``fit`` gives once when an epoch's ``loss`` (or ``val_loss``) is NaN or infinite.

    Keras trains on silently. Computed only then, so it may look at the data:
    the largest input tells whether unscaled inputs are the likely cause.
    """
    if not np.isfinite(logs["loss"]):
        which, loss = "the loss", logs["loss"]
    else:
        which, loss = "the validation loss (val_loss)", logs["val_loss"]
    largest = float(np.max(np.abs(X))) if X.size else 0.0
    scale = (
        f"the inputs reach |x| = {largest:.3g}: standardize them (e.g. sklearn's StandardScaler)"
        if largest > 1e3
        else "unscaled inputs (standardize them)"
    )
    rate = f" (it is {float(learning_rate):g})" if isinstance(learning_rate, (int, float, np.number)) else ""
    return (
        f"fit: {which} is {loss} at epoch {epoch + 1}: training has diverged, and once the weights are NaN the "
        f"model predicts NaN. Training goes on, as in Keras. Usual causes: a learning rate too high{rate}, {scale}, "
        "or log(0) in a custom loss. Pass callbacks=[nn.callbacks.TerminateOnNaN()] to stop at the first such batch"
    )


def warn_if_not_finite(where: str, values: np.ndarray, model: Module) -> None:
    """Warn (stacklevel: the caller of ``evaluate``/``predict``) when ``values`` hold NaN or inf.

    The inputs were checked to be finite, so the model made them: its weights
    hold NaN (a diverged fit, a file) or its numbers overflowed.
    """
    if np.isfinite(values).all():
        return
    bad = int(values.size - np.count_nonzero(np.isfinite(values)))
    names = non_finite_parameters(model)
    cause = (
        f"its weights {', '.join(names)} hold NaN or inf (did training diverge?)"
        if names
        else "its numbers overflowed (are the inputs scaled?)"
    )
    warnings.warn(
        f"{where}: {bad} of {values.size} values are NaN or infinite although x is finite: {cause}",
        RuntimeWarning,
        stacklevel=3,
    )


def non_finite_parameters(model: Module) -> list[str]:
    """The names of ``model``'s parameters holding a NaN or an infinity (checked once, at the end of ``fit``)."""
    return [name for name, parameter in model.named_parameters() if not np.isfinite(parameter.data).all()]


# ------------------------------------------------------------ compile
#: The activation a Keras cross-entropy on probabilities expects at the model's output.
_PROBABILITY_ACTIVATION = {
    losses.BCELoss: "sigmoid",
    losses.BinaryCrossentropy: "sigmoid",
    losses.CategoricalCrossentropy: "softmax",
    losses.SparseCategoricalCrossentropy: "softmax",
}


def warn_if_output_does_not_fit_loss(model: Module, loss: Any) -> None:
    """Warn when a cross-entropy on probabilities meets a model whose last layer cannot output them.

    Keras clips the outputs to [1e-7, 1 - 1e-7]: a linear or ReLU output
    would train on the clipped values, where the gradient is zero.
    """
    expected = _PROBABILITY_ACTIVATION.get(type(loss))
    if expected is None or loss.from_logits:
        return
    last = _last_layer(model)
    activation = _activation_of(last)
    if last is None or activation is None or activation == expected:
        return
    if isinstance(loss, losses.BCELoss):
        fate, hint = "refused (outside [0, 1]) or clamped", "BCEWithLogitsLoss()"
    else:
        fate = "clipped to [1e-7, 1 - 1e-7], where nothing is learnt"
        hint = ("BinaryCrossentropy" if expected == "sigmoid" else type(loss).__name__) + "(from_logits=True)"
    warnings.warn(
        f"compile: {loss.name} expects probabilities, but the model's last layer {last.name!r} ends in "
        f"activation={activation!r}, not {expected!r}: its outputs would be {fate}. "
        f"Use loss={hint} for raw outputs (logits), or give the last layer activation={expected!r}.",
        UserWarning,
        stacklevel=3,
    )


def _last_layer(model: Module) -> Module | None:
    """The last layer that changes values (not Dropout, Flatten, Identity), when the model is a list of layers."""
    layers = getattr(model, "layers", None)
    while isinstance(layers, list) and layers:
        for layer in reversed(layers):
            if not isinstance(layer, (Dropout, Flatten, Identity)):
                break
        else:
            return None
        inner = getattr(layer, "layers", None)
        if not isinstance(inner, list):
            return layer
        layers = inner
    return None


def _activation_of(layer: Module | None) -> str | None:
    """The name of the function a layer ends in: "linear" for Dense(activation=None) and Linear; None when unknown."""
    if isinstance(layer, Linear):
        return "linear"
    if isinstance(layer, (Dense, Activation)):
        name = layer.activation_name
        return name if name in F.activation_names() else None
    return None
