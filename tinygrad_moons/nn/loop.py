"""The training loop behind ``Model.fit``, and the batched passes behind ``evaluate`` and ``predict``.

``fit`` is the PyTorch loop written once::

    for each epoch:
        shuffle the rows (with a seeded generator)
        for each batch:
            loss = loss_fn(y_batch, model(x_batch))   # Keras' order (a PyTorch loss gets its own)
            optimizer.zero_grad(); loss.backward(); optimizer.step()

plus the bookkeeping a user wants: each epoch's average loss and metrics,
validation, callbacks and progress. The functions here take arrays that
:mod:`tinygrad_moons.nn.checks` has already checked, and a compiled model.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

import numpy as np

from tinygrad_moons.autograd import no_grad
from tinygrad_moons.nn import checks, losses
from tinygrad_moons.nn.callbacks import Callback, History, TerminateOnNaN, schedule_callbacks
from tinygrad_moons.nn.progress import EpochProgress
from tinygrad_moons.tensor import Tensor

if TYPE_CHECKING:
    from tinygrad_moons.nn.training import Model

__all__ = ["evaluate_arrays", "fit_arrays", "predict_arrays", "train_epoch", "train_step"]


def fit_arrays(
    model: Model,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    validation: tuple[np.ndarray, np.ndarray] | None,
    epochs: int,
    initial_epoch: int,
    batch_size: int,
    shuffle: bool,
    rng: np.random.Generator,
    callbacks: list[Callback],
    verbose: int,
    validation_freq: int | Collection[int] = 1,
    validation_batch_size: int | None = None,
) -> History:
    """Train ``model`` on checked arrays from epoch ``initial_epoch`` to ``epochs``; return the History.

    Each epoch: the callbacks' ``on_epoch_begin``, one pass over the shuffled
    batches (:func:`train_epoch`), the validation loss and metrics as
    ``val_*`` (every ``validation_freq`` epochs, or at the epochs, counted
    from 1, that it lists), ``on_epoch_end`` with those logs, then the progress
    display. A callback setting ``model.stop_training`` ends training after that batch.

    The first epoch whose loss (or validation loss) is NaN or infinite gets
    one RuntimeWarning (in place of NumPy's overflow warnings, silenced
    during ``fit``); so do weights left non-finite at the end. Training goes
    on, as in Keras.
    """
    history = History()
    callbacks = [history, *schedule_callbacks(model.optimizer), *callbacks]  # a Keras lr schedule, if any
    for callback in callbacks:
        callback.set_model(model)
        callback.set_params({"epochs": epochs, "steps": -(-len(X) // batch_size), "verbose": verbose})
    batch_callbacks = [c for c in callbacks if c.wants_batch_hooks()]

    model.history = history
    model.stop_training = False
    model.train()
    progress = EpochProgress(epochs - initial_epoch, verbose, model.name) if verbose else None
    for callback in callbacks:
        callback.on_train_begin({})
    logs: dict[str, float] = {}
    warned = any(isinstance(callback, TerminateOnNaN) for callback in callbacks)  # it says so itself
    # NumPy's "overflow encountered" warnings are replaced by the one below, for the whole fit (set once: a
    # full-batch epoch is one step, where even 1 us shows); a setting of "raise" is kept.
    quiet: Any = {kind: "ignore" if action == "warn" else action for kind, action in np.geterr().items()}
    numpy_settings = np.seterr(**quiet)
    try:
        for epoch in range(initial_epoch, epochs):
            for callback in callbacks:
                callback.on_epoch_begin(epoch, {})
            logs = train_epoch(model, X, Y, batch_size, shuffle, rng, batch_callbacks)
            if validation is not None and _validates(epoch, validation_freq):
                values = evaluate_arrays(model, *validation, validation_batch_size)
                for name, value in zip(["loss", *model.metrics_names], values):
                    logs["val_" + name] = value
            if not warned and not (math.isfinite(logs["loss"]) and math.isfinite(logs.get("val_loss", 0.0))):
                warned = True
                message = checks.non_finite_loss_warning(epoch, logs, X, getattr(model.optimizer, "lr", None))
                warnings.warn(message, RuntimeWarning, stacklevel=3)
            for callback in callbacks:
                callback.on_epoch_end(epoch, logs)
            if progress is not None:
                progress.epoch_done(epoch, epochs, logs)
            if model.stop_training:
                break
    finally:
        np.seterr(**numpy_settings)
        if progress is not None:
            progress.close()
    for callback in callbacks:
        callback.on_train_end(logs)  # (EarlyStopping may restore finite weights here)
    if not warned and checks.non_finite_parameters(model):  # the last step diverged after its loss was computed
        names = ", ".join(checks.non_finite_parameters(model))
        warnings.warn(
            f"fit: the weights {names} hold NaN or inf after training; the model predicts NaN. "
            "Usual causes: a learning rate too high, unscaled inputs",
            RuntimeWarning,
            stacklevel=3,
        )
    return history


def _validates(epoch: int, validation_freq: int | Collection[int]) -> bool:
    """Keras' rule: validate after epoch ``epoch`` (from 0) every ``validation_freq`` epochs, or at those listed."""
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


def train_epoch(
    model: Model,
    X: np.ndarray,
    Y: np.ndarray,
    batch_size: int,
    shuffle: bool,
    rng: np.random.Generator,
    batch_callbacks: list[Callback],
) -> dict[str, float]:
    """One pass over the data in batches of ``batch_size``; returns the epoch's average loss and metrics.

    Only ``batch_callbacks`` (those that override a batch hook) are called per batch.
    """
    n = len(X)
    if shuffle and batch_size < n:  # a full batch is the same sum in any order
        order = rng.permutation(n)
        X, Y = X[order], Y[order]
    wrap_target = Tensor._wrap if Y.dtype.kind == "f" else _identity
    metrics = model._metrics
    step: Callable[[Model, Tensor, Any], tuple[Tensor, Tensor]] = train_step if Y.dtype.kind == "f" else _eager_step
    loss_total = 0.0
    metric_totals = [0.0] * len(metrics)
    seen = 0
    for batch, start in enumerate(range(0, n, batch_size)):
        x_batch, y_batch = X[start : start + batch_size], Y[start : start + batch_size]
        size = len(x_batch)
        for callback in batch_callbacks:
            callback.on_batch_begin(batch, {"batch": batch, "size": size})
        output, loss = step(model, Tensor._wrap(x_batch), wrap_target(y_batch))
        batch_loss = float(loss.data)
        loss_total += batch_loss * size
        for i, metric in enumerate(metrics):
            metric_totals[i] += float(metric(y_batch, output.data)) * size
        seen += size
        if batch_callbacks:
            for callback in batch_callbacks:
                callback.on_batch_end(batch, {"batch": batch, "size": size, "loss": batch_loss})
            if model.stop_training:
                break
    logs = {"loss": loss_total / seen}
    for name, total in zip(model.metrics_names, metric_totals):
        logs[name] = total / seen
    return logs


def train_step(model: Model, x: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """One optimizer step on one batch, compiled by :func:`tinygrad_moons.compile` unless ``jit_compile=False``.

    With "auto", a step that cannot be captured (a custom op, a layer that
    reads values) runs eagerly, and the model runs eagerly from then on.
    """
    if model._jit_compile is False:
        return model._eager_train_step(x, target)
    if model._compiled_step is None:
        from tinygrad_moons.jit import compile as jit_compile

        model._compiled_step = jit_compile(model._eager_train_step)
    if model._jit_compile is True:
        return model._compiled_step(x, target)
    from tinygrad_moons.jit import CompileError

    try:
        return model._compiled_step(x, target)
    except CompileError as error:
        model._jit_compile = False  # "auto": this model runs eagerly from now on
        return error.result if error.finished else model._eager_train_step(x, target)


def _eager_step(model: Model, x: Tensor, target: Any) -> tuple[Tensor, Tensor]:
    """An uncompiled step (integer class labels as targets are not tensors, so they are never compiled)."""
    return model._eager_train_step(x, target)


def evaluate_arrays(model: Model, X: np.ndarray, Y: np.ndarray, batch_size: int | None) -> list[float]:
    """``[loss, *metrics]`` averaged over the rows, computed as ``fit`` computes them, without recording a graph."""
    batch_size = len(X) if batch_size is None else int(batch_size)
    wrap_target = Tensor._wrap if Y.dtype.kind == "f" else _identity
    totals = [0.0] * (1 + len(model._metrics))
    with no_grad():  # nothing is differentiated; a loss has the same value with or without recording
        for start in range(0, len(X), batch_size):
            x_batch, y_batch = X[start : start + batch_size], Y[start : start + batch_size]
            output = model(Tensor._wrap(x_batch))
            totals[0] += float(losses.compute(model.loss, wrap_target(y_batch), output).data) * len(x_batch)
            for i, metric in enumerate(model._metrics, start=1):
                totals[i] += float(metric(y_batch, output.data)) * len(x_batch)
    return [total / len(X) for total in totals]


def predict_arrays(model: Model, X: np.ndarray, batch_size: int | None) -> np.ndarray:
    """The model's outputs for the rows of ``X``, in batches of ``batch_size`` (all at once for None)."""
    if batch_size is None:
        batch_size = len(X)
    with no_grad():
        parts = [model(Tensor._wrap(X[start : start + batch_size])).data for start in range(0, len(X), batch_size)]
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _identity(array: np.ndarray) -> np.ndarray:
    return array
