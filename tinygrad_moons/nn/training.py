"""Keras-style training: ``compile``, ``fit``, ``evaluate``, ``predict`` on a :class:`Model`.

``fit`` is the PyTorch loop written once::

    for each epoch:
        shuffle the rows (with a seeded generator)
        for each batch:
            loss = loss_fn(y_batch, model(x_batch))   # Keras' order (a PyTorch loss gets its own)
            optimizer.zero_grad(); loss.backward(); optimizer.step()

plus the bookkeeping a user wants: the average loss and accuracy of the
epoch, validation, callbacks and a progress bar. Inputs are checked once
before training (lengths, NaN, labels, widths), so a mistake is reported in
terms of the data rather than as a NumPy traceback from deep inside.

The course's Keras model ports with only its imports changed::

    from tinygrad_moons.nn import Sequential, Dense
    model = Sequential()
    model.add(Dense(25, input_dim=2, activation="relu"))
    ...
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="sgd", metrics="accuracy")
    model.fit(X_train, y_train, epochs=45, verbose=0)
    loss, accuracy = model.evaluate(X_test, y_test, verbose=0)
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_moons import optim
from tinygrad_moons.autograd import no_grad
from tinygrad_moons.nn import losses
from tinygrad_moons.nn.callbacks import Callback, History, schedule_callbacks
from tinygrad_moons.nn.module import Module
from tinygrad_moons.tensor import Tensor

__all__ = ["Model"]

Metric = Callable[[np.ndarray, np.ndarray], float]


class Model(Module):
    """A module that can be trained with ``compile`` / ``fit`` (Keras' ``Model``).

    :class:`~tinygrad_moons.nn.Sequential` is one; subclass ``Model``
    instead of ``Module`` to give your own network ``fit`` and friends.
    """

    def __init__(self, name: str | None = None):
        super().__init__(name)
        self.loss: Any = None
        self.optimizer: optim.Optimizer | None = None
        self.metrics_names: list[str] = []
        self._metrics: list[Metric] = []
        self._compile_config: dict[str, Any] | None = None
        self._optimizer_follows_model = False
        #: Set to True (e.g. by a callback) to end ``fit`` after the current batch.
        self.stop_training = False
        #: The History of the last ``fit``.
        self.history: History | None = None
        #: The generator ``fit`` shuffles with when it is given no seed.
        self.rng: np.random.Generator | None = None

    # ------------------------------------------------- shape and dtype hooks
    @property
    def input_dim(self) -> int | None:
        """The number of input features, when known (Sequential knows it; a custom Model may not)."""
        return None

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the weights (of the first parameter; float64 before any exists)."""
        for parameter in self.parameters():
            return parameter.data.dtype
        return np.dtype(np.float64)

    def _ensure_built(self, input_dim: int) -> None:
        """Create lazily built weights by running one row of zeros through the model."""
        if not self.parameters():
            with no_grad():
                self(Tensor(np.zeros((1, input_dim))))

    def _output_width(self, input_dim: int) -> int:
        with no_grad():
            output = self(Tensor(np.zeros((1, input_dim), dtype=self.dtype)))
        return output.shape[-1] if output.ndim else 1

    # ------------------------------------------------------------ compile
    def compile(
        self,
        loss: str | Callable[..., Tensor] = "binary_crossentropy",
        optimizer: str | optim.Optimizer = "sgd",
        metrics: str | Sequence[str | Metric] | None = None,
        learning_rate: float | None = None,
        jit_compile: bool | str = "auto",
    ) -> None:
        """Choose the loss, the optimizer and the metrics reported during ``fit``.

        ``loss``: a name ("binary_crossentropy", "mse", "categorical_crossentropy",
        "sparse_categorical_crossentropy"), a Keras loss (called ``loss(y_true, y_pred)``),
        a PyTorch loss such as ``BCELoss()`` (called ``loss(input, target)``), or a
        function, which is called ``fn(y_true, y_pred) -> Tensor`` as in Keras. ``optimizer``: "sgd", "adam",
        "rmsprop" (Keras' learning rates 0.01, 0.001, 0.001, unless
        ``learning_rate`` is given) or an Optimizer, with or without
        parameters. ``metrics``: "accuracy" (or a list with it), or functions
        ``metric(y_true, y_pred) -> float`` on NumPy arrays.

        ``jit_compile`` (Keras' name and default, "auto"): ``fit`` runs each
        training step through :func:`tinygrad_moons.compile`, which captures
        it once per batch shape and replays it as a flat NumPy program (same
        numbers, less Python). "auto" compiles when the targets are floats
        and falls back to eager steps if the model cannot be captured (a
        custom op, a layer reading values); True compiles and raises
        ``CompileError`` instead; False runs every step eagerly.
        """
        if jit_compile not in (True, False, "auto"):
            raise ValueError(f"compile: jit_compile must be True, False or 'auto', got {jit_compile!r}")
        # Everything is resolved first, so a bad argument leaves an earlier compile in place.
        loss_function = losses.get(loss)
        chosen_optimizer = optim.get(optimizer, learning_rate)
        if metrics is None:
            metrics = []
        elif isinstance(metrics, str) or callable(metrics):
            metrics = [metrics]
        resolved = [_resolve_metric(metric, loss_function) for metric in metrics]
        _warn_if_output_does_not_fit_loss(self, loss_function)

        # Not registered as a sub-module (object.__setattr__): the loss is not one of the model's layers.
        object.__setattr__(self, "loss", loss_function)
        self.optimizer = chosen_optimizer
        self.metrics_names = [name for name, _ in resolved]
        self._jit_compile = jit_compile
        self._compiled_step: Any = None
        self._metrics = [function for _, function in resolved]
        # An optimizer given without parameters follows the model: it gets the model's
        # parameters now and, at fit, those of layers built later (on their first call).
        self._optimizer_follows_model = not chosen_optimizer.params
        self._give_optimizer_new_parameters()
        self._compile_config = {
            "loss": losses.describe(loss_function),
            "optimizer": {"class_name": type(chosen_optimizer).__name__, "config": chosen_optimizer.get_config()},
            "metrics": [m for m in metrics if isinstance(m, str)],
        }

    def _give_optimizer_new_parameters(self) -> None:
        if self._optimizer_follows_model:
            known = {id(p) for p in self.optimizer.params}
            self.optimizer.add_params([p for p in self.parameters() if id(p) not in known])

    def _require_compiled(self, method: str) -> None:
        if self.loss is None or self.optimizer is None:
            raise RuntimeError(
                f"{method}: the model must be compiled first: call model.compile(loss=..., optimizer=...)"
            )

    # ----------------------------------------------------------- checking
    def _prepare_inputs(self, x: Any, where: str) -> np.ndarray:
        """X as a finite 2-D array of the model's dtype, the model built for its width."""
        array = _as_numeric_array(x, "x", where)
        if array.ndim != 2:
            hint = " (for one feature use x.reshape(-1, 1))" if array.ndim == 1 else ""
            raise ValueError(f"{where}: x must be a 2-D array (samples, features), got shape {array.shape}{hint}")
        if array.shape[0] == 0:
            raise ValueError(f"{where}: x is empty (shape {array.shape}); there is nothing to learn from or predict")
        if array.shape[1] == 0:
            raise ValueError(f"{where}: x has no features (shape {array.shape})")
        _check_finite(array, "x", where)
        self._ensure_built(array.shape[1])
        expected = self.input_dim
        if expected is not None and array.shape[1] != expected:
            raise ValueError(
                f"{where}: x has {array.shape[1]} features per sample but the model expects {expected} "
                f"(its first layer was built for inputs of width {expected})"
            )
        return array.astype(self.dtype, copy=False)

    def _prepare_targets(self, y: Any, n: int, input_dim: int, where: str) -> np.ndarray:
        """y checked against the loss and reshaped to the model's output: (n, units), or (n,) labels."""
        targets = _as_numeric_array(y, "y", where)
        if targets.ndim == 0 or len(targets) != n:
            got = "a single value" if targets.ndim == 0 else f"{len(targets)} samples"
            raise ValueError(f"{where}: x has {n} samples but y has {got}; they must have the same length")
        _check_finite(targets, "y", where)
        units = self._output_width(input_dim)
        kind = getattr(self.loss, "target_kind", "regression")
        if kind == "sparse":
            if targets.ndim == 2 and targets.shape[1] == 1:
                targets = targets[:, 0]
            if targets.ndim != 1 or np.any(targets != np.round(targets)) or targets.min() < 0 or targets.max() >= units:
                raise ValueError(
                    f"{where}: {self.loss.name} needs one integer class label per sample in [0, {units - 1}] "
                    f"(the model has {units} outputs); got y of shape {targets.shape} with values "
                    f"{_some_values(targets)}"
                )
            return targets.astype(np.intp)
        if kind == "binary":
            bad = (targets != 0) & (targets != 1)
            if bad.any():
                raise ValueError(
                    f"{where}: binary cross-entropy needs labels 0 and 1, but y contains {_some_values(targets[bad])}"
                    " (map your two classes to 0 and 1, e.g. y = (y == positive_class))"
                )
        if targets.ndim == 1 and units == 1:
            targets = targets.reshape(-1, 1)
        if targets.shape != (n, units):
            hint = " (for integer labels use loss='sparse_categorical_crossentropy')" if kind == "categorical" else ""
            raise ValueError(
                f"{where}: the model outputs {units} value(s) per sample, so y must have shape ({n}, {units})"
                f"{' or (' + str(n) + ',)' if units == 1 else ''}; got {targets.shape}{hint}"
            )
        return targets.astype(self.dtype, copy=False)

    # ---------------------------------------------------------------- fit
    def fit(
        self,
        x: Any,
        y: Any,
        epochs: int = 1,
        batch_size: int | None = 32,
        validation_data: tuple[Any, Any] | None = None,
        validation_split: float = 0.0,
        shuffle: bool = True,
        verbose: int = 1,
        callbacks: Sequence[Callback] | None = None,
        seed: int | None = None,
        initial_epoch: int = 0,
    ) -> History:
        """Train for ``epochs`` passes over the data; return the History of per-epoch logs.

        ``batch_size=None`` (or at least the number of samples) trains on the
        full batch, the course's gradient descent. Batches are drawn in an
        order shuffled by ``np.random.default_rng(seed)`` (the model's own
        generator when no seed is given): the same seed gives the same
        result to the last bit. ``validation_data=(x_val, y_val)`` or
        ``validation_split`` (the last fraction of the rows, before shuffling)
        adds ``val_loss`` / ``val_accuracy``. ``verbose``: 0 silent, 1 a
        progress bar, 2 one line per epoch.
        """
        self._require_compiled("fit")
        _check_int("fit", epochs=epochs, initial_epoch=initial_epoch, verbose=verbose)
        if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float, np.number)):
            raise TypeError(
                f"fit: validation_split must be a float in [0, 1) (the fraction of rows held out), "
                f"got {validation_split!r} ({type(validation_split).__name__})"
            )
        callbacks = _check_callbacks(callbacks)
        if batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
                raise ValueError(f"fit: batch_size must be a positive integer or None (full batch), got {batch_size!r}")
        X = self._prepare_inputs(x, "fit")
        Y = self._prepare_targets(y, len(X), X.shape[1], "fit")
        validation = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("fit: validation_data must be a pair (x_val, y_val)")
            X_val = self._prepare_inputs(validation_data[0], "fit (validation_data)")
            validation = (
                X_val,
                self._prepare_targets(validation_data[1], len(X_val), X.shape[1], "fit (validation_data)"),
            )
        elif validation_split:
            if not 0 < validation_split < 1:
                raise ValueError(
                    f"fit: validation_split must be a float in [0, 1) (the fraction of rows held out), "
                    f"got {validation_split}"
                )
            cut = int(len(X) * (1 - validation_split))
            if cut == 0 or cut == len(X):
                raise ValueError(f"fit: validation_split={validation_split} leaves no training or no validation rows")
            X, Y, validation = X[:cut], Y[:cut], (X[cut:], Y[cut:])
        self._give_optimizer_new_parameters()

        rng = np.random.default_rng(seed) if seed is not None else (self.rng or np.random.default_rng())
        batch_size = len(X) if batch_size is None else min(int(batch_size), len(X))
        history = History()
        callbacks = [history, *schedule_callbacks(self.optimizer), *callbacks]  # a Keras lr schedule, if any
        for callback in callbacks:
            callback.set_model(self)
            callback.set_params({"epochs": epochs, "steps": -(-len(X) // batch_size), "verbose": verbose})
        batch_callbacks = [c for c in callbacks if c.wants_batch_hooks()]

        self.history = history
        self.stop_training = False
        self.train()
        progress = _Progress(epochs - initial_epoch, verbose, self.name) if verbose else None
        for callback in callbacks:
            callback.on_train_begin({})
        logs: dict[str, float] = {}
        try:
            for epoch in range(initial_epoch, epochs):
                for callback in callbacks:
                    callback.on_epoch_begin(epoch, {})
                logs = self._train_epoch(X, Y, batch_size, shuffle, rng, batch_callbacks)
                if validation is not None:
                    for name, value in zip(["loss", *self.metrics_names], self._evaluate_arrays(*validation, None)):
                        logs["val_" + name] = value
                for callback in callbacks:
                    callback.on_epoch_end(epoch, logs)
                if progress is not None:
                    progress.epoch_done(epoch, epochs, logs)
                if self.stop_training:
                    break
        finally:
            if progress is not None:
                progress.close()
        for callback in callbacks:
            callback.on_train_end(logs)
        return history

    def _train_epoch(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        batch_size: int,
        shuffle: bool,
        rng: np.random.Generator,
        batch_callbacks: list[Callback],
    ) -> dict[str, float]:
        """One pass over the data; returns the epoch's average loss and metrics."""
        n = len(X)
        if shuffle and batch_size < n:  # a full batch is the same sum in any order
            order = rng.permutation(n)
            X, Y = X[order], Y[order]
        wrap_target = Tensor._wrap if Y.dtype.kind == "f" else _identity
        metrics = self._metrics
        train_step = self._train_step if Y.dtype.kind == "f" else self._eager_train_step
        loss_total = 0.0
        metric_totals = [0.0] * len(metrics)
        seen = 0
        for batch, start in enumerate(range(0, n, batch_size)):
            x_batch, y_batch = X[start : start + batch_size], Y[start : start + batch_size]
            size = len(x_batch)
            for callback in batch_callbacks:
                callback.on_batch_begin(batch, {"batch": batch, "size": size})
            output, loss = train_step(Tensor._wrap(x_batch), wrap_target(y_batch))
            batch_loss = float(loss.data)
            loss_total += batch_loss * size
            for i, metric in enumerate(metrics):
                metric_totals[i] += float(metric(y_batch, output.data)) * size
            seen += size
            if batch_callbacks:
                for callback in batch_callbacks:
                    callback.on_batch_end(batch, {"batch": batch, "size": size, "loss": batch_loss})
                if self.stop_training:
                    break
        logs = {"loss": loss_total / seen}
        for name, total in zip(self.metrics_names, metric_totals):
            logs[name] = total / seen
        return logs

    def _eager_train_step(self, x: Tensor, target: Any) -> tuple[Tensor, Tensor]:
        output = self(x)
        loss = losses.compute(self.loss, target, output)  # each loss in its own dialect's order
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return output, loss

    def _train_step(self, x: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
        """One step, compiled unless ``jit_compile=False`` (or, with "auto", once it could not be)."""
        if self._jit_compile is False:
            return self._eager_train_step(x, target)
        if self._compiled_step is None:
            from tinygrad_moons.jit import compile as jit_compile

            self._compiled_step = jit_compile(self._eager_train_step)
        if self._jit_compile is True:
            return self._compiled_step(x, target)
        from tinygrad_moons.jit import CompileError

        try:
            return self._compiled_step(x, target)
        except CompileError as error:
            self._jit_compile = False  # "auto": this model runs eagerly from now on
            return error.result if error.finished else self._eager_train_step(x, target)

    # ------------------------------------------------- evaluate / predict
    def _evaluate_arrays(self, X: np.ndarray, Y: np.ndarray, batch_size: int | None) -> list[float]:
        """[loss, *metrics] averaged over the rows, computed as ``fit`` computes them."""
        batch_size = len(X) if batch_size is None else int(batch_size)
        wrap_target = Tensor._wrap if Y.dtype.kind == "f" else _identity
        totals = [0.0] * (1 + len(self._metrics))
        # Nothing is differentiated; a loss has the same value with or without recording.
        with no_grad():
            for start in range(0, len(X), batch_size):
                x_batch, y_batch = X[start : start + batch_size], Y[start : start + batch_size]
                output = self(Tensor._wrap(x_batch))
                totals[0] += float(losses.compute(self.loss, wrap_target(y_batch), output).data) * len(x_batch)
                for i, metric in enumerate(self._metrics, start=1):
                    totals[i] += float(metric(y_batch, output.data)) * len(x_batch)
        return [total / len(X) for total in totals]

    def evaluate(
        self, x: Any, y: Any, batch_size: int | None = None, verbose: int = 0, return_dict: bool = False
    ) -> float | list[float] | dict[str, float]:
        """The loss (and metrics) on ``x``, ``y``: ``[loss, accuracy]``, or the loss alone without metrics."""
        self._require_compiled("evaluate")
        if batch_size is not None and (_not_an_int(batch_size) or batch_size < 1):
            raise ValueError(f"evaluate: batch_size must be a positive integer or None, got {batch_size!r}")
        X = self._prepare_inputs(x, "evaluate")
        Y = self._prepare_targets(y, len(X), X.shape[1], "evaluate")
        was_training = self.training
        self.eval()
        try:
            values = self._evaluate_arrays(X, Y, batch_size)
        finally:
            self.train(was_training)
        if verbose:
            print(" - ".join(f"{name}: {value:.4f}" for name, value in zip(["loss", *self.metrics_names], values)))
        if return_dict:
            return dict(zip(["loss", *self.metrics_names], values))
        return values if self._metrics else values[0]

    def predict(self, x: Any, batch_size: int | None = None, verbose: int = 0) -> np.ndarray:
        """The model's output for ``x`` as a NumPy array of shape (samples, units).

        For a sigmoid output these are the probabilities of class 1. The
        whole of ``x`` goes through at once unless ``batch_size`` is given.
        """
        if batch_size is not None and (_not_an_int(batch_size) or batch_size < 1):
            raise ValueError(f"predict: batch_size must be a positive integer or None, got {batch_size!r}")
        X = self._prepare_inputs(x, "predict")
        if batch_size is None:
            batch_size = len(X)
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                parts = [
                    self(Tensor._wrap(X[start : start + batch_size])).data for start in range(0, len(X), batch_size)
                ]
        finally:
            self.train(was_training)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def predict_proba(self, x: Any, batch_size: int | None = None, verbose: int = 0) -> np.ndarray:
        """Old Keras' name for ``predict`` (the course's plotting code calls it)."""
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    # ------------------------------------------------------------ drawing
    def draw_graph(self, x: Any, y: Any = None, **options: Any) -> Any:
        """The computation graph of this model on ``x`` (and of its loss against ``y`` once compiled).

        Returns a ``graphviz.Digraph`` that shows itself in Jupyter; options
        as :func:`tinygrad_moons.viz.draw_graph` (``show_values``,
        ``show_grads``, ``grad_flow``, ``collapse``, ``rankdir``, ...).
        """
        from tinygrad_moons.viz.graph import draw_model_graph  # viz sits above nn: import it only when drawing

        return draw_model_graph(self, x, y, **options)

    # -------------------------------------------------------------- saving
    def save(self, path: str | os.PathLike) -> str:
        """Write the architecture and weights to one ``.npz`` file; reload with ``nn.load_model(path)``."""
        from tinygrad_moons.nn.saving import save_model  # saving imports Sequential, which imports this module

        return save_model(self, path)

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(
            f"{type(self).__name__} cannot describe its architecture; only Sequential models of built-in layers "
            "can be saved with save(). Save a custom model's weights with np.savez(path, **model.state_dict())"
        )

    # ------------------------------------------------------------- summary
    def _summary_rows(self) -> list[tuple[str, str, str]]:
        """(layer and type, output shape, parameter count) per direct sub-module."""
        rows = []
        for key, child in self._modules.items():
            units = getattr(child, "units", None)
            shape = f"(None, {units})" if units is not None else "?"
            rows.append((f"{key} ({type(child).__name__})", shape, f"{child.count_params():,}"))
        return rows

    def summary(self, print_fn: Callable[[str], Any] = print) -> None:
        """Print a Keras-style table of the layers, their output shapes and parameter counts."""
        widths = (33, 26, 12)
        thin, thick = "_" * sum(widths), "=" * sum(widths)
        lines = [f'Model: "{self.name}"', thin, _row(("Layer (type)", "Output Shape", "Param #"), widths), thick]
        rows = self._summary_rows()
        for i, (layer, shape, count) in enumerate(rows):
            if i:
                lines.append("")
            lines.append(_row((layer, shape, count), widths))
        nbytes = sum(p.data.nbytes for p in self.parameters())
        total = f"{self.count_params():,} ({_human_bytes(nbytes)})"
        lines += [thick, f"Total params: {total}", f"Trainable params: {total}", "Non-trainable params: 0", thin]
        print_fn("\n".join(lines))


# ---------------------------------------------------------------- helpers
#: The activation a Keras cross-entropy on probabilities expects at the model's output.
_PROBABILITY_ACTIVATION = {
    losses.BCELoss: "sigmoid",
    losses.BinaryCrossentropy: "sigmoid",
    losses.CategoricalCrossentropy: "softmax",
    losses.SparseCategoricalCrossentropy: "softmax",
}


def _warn_if_output_does_not_fit_loss(model: Module, loss: Any) -> None:
    """Warn when a Keras cross-entropy on probabilities meets a model whose last layer cannot output them.

    Keras clips the outputs to [1e-7, 1 - 1e-7]: a linear or ReLU output
    would train on the clipped values, where the gradient is zero.
    """
    expected = _PROBABILITY_ACTIVATION.get(type(loss))
    if expected is None or loss.from_logits:
        return
    last = _last_layer(model)
    activation = _activation_of(last)
    if activation is None or activation == expected:
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
    from tinygrad_moons.nn.layers import Dropout, Flatten, Identity

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
    from tinygrad_moons.functional import activation_names
    from tinygrad_moons.nn.layers import Activation, Dense, Linear

    if isinstance(layer, Linear):
        return "linear"
    if isinstance(layer, (Dense, Activation)):
        name = layer.activation_name
        return name if name in activation_names() else None
    return None


def _format_logs(logs: dict[str, float]) -> str:
    return " - ".join(f"{key}: {value:.4f}" for key, value in logs.items())


def _identity(array: np.ndarray) -> np.ndarray:
    return array


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "".join(f" {cell}".ljust(width) for cell, width in zip(cells, widths)).rstrip()


def _human_bytes(count: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.2f} {unit}" if unit != "B" else f"{count} B"
        count /= 1024
    return f"{count} B"  # pragma: no cover (the loop always returns)


def _not_an_int(value: Any) -> bool:
    return isinstance(value, bool) or not isinstance(value, (int, np.integer))


def _check_callbacks(callbacks: Any) -> list[Callback]:
    """``fit``'s callbacks as a list: only a list (or tuple) of Callback instances, as Keras documents."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        name = type(callbacks).__name__
        raise TypeError(
            f"fit: callbacks must be a list of Callback instances, got a single {name}; pass callbacks=[{name}(...)]"
        )
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"fit: callbacks must be a list of Callback instances, got {type(callbacks).__name__}")
    for index, callback in enumerate(callbacks):
        if not isinstance(callback, Callback):
            raise TypeError(
                f"fit: callbacks must be a list of Callback instances, but callbacks[{index}] is a "
                f"{type(callback).__name__} (wrap a function in LambdaCallback(on_epoch_end=...))"
            )
    return list(callbacks)


def _check_int(where: str, **values: Any) -> None:
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{where}: {key} must be a non-negative integer, got {value!r}")


def _as_numeric_array(data: Any, what: str, where: str) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data.data
    try:
        array = np.asarray(data)
    except ValueError as error:
        raise ValueError(f"{where}: {what} is not a rectangular array of numbers ({error})") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {what} must hold numbers, got dtype {array.dtype}")
    return array


def _check_finite(array: np.ndarray, what: str, where: str) -> None:
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))
        first = tuple(int(i) for i in bad[0])
        step = "training" if where.startswith("fit") else "predicting" if where == "predict" else "evaluating"
        raise ValueError(
            f"{where}: {what} contains {len(bad)} NaN or infinite value(s), the first at index {first} "
            f"({array[first]}); remove or impute them before {step}"
        )


def _some_values(values: np.ndarray, limit: int = 5) -> str:
    unique = np.unique(values)
    shown = ", ".join(f"{v:g}" for v in unique[:limit])
    return shown + (f", ... ({len(unique)} distinct values)" if len(unique) > limit else "")


def _resolve_metric(metric: str | Metric, loss: Any) -> tuple[str, Metric]:
    """``(name, function)`` for a metric; "accuracy" reads the outputs the way ``loss`` does."""
    if callable(metric):
        return getattr(metric, "__name__", "metric"), metric
    if isinstance(metric, str) and metric.lower() in ("accuracy", "acc"):
        kind = getattr(loss, "target_kind", "regression")
        threshold = 0.0 if getattr(loss, "from_logits", False) else 0.5
        return "accuracy", _accuracy_for(kind, threshold)
    raise ValueError(f"compile: unknown metric {metric!r}; use 'accuracy' or a function metric(y_true, y_pred)")


def _accuracy_for(kind: str, threshold: float) -> Metric:
    """The fraction of correct predictions, read the way the loss reads the outputs."""
    if kind == "sparse":
        return lambda y_true, y_pred: np.count_nonzero(y_pred.argmax(axis=-1) == y_true) / len(y_true)
    if kind == "categorical":
        return lambda y_true, y_pred: np.count_nonzero(y_pred.argmax(axis=-1) == y_true.argmax(axis=-1)) / len(y_true)

    def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        # The course's rule: predict class 1 where the probability exceeds 0.5 (a logit exceeds 0).
        if y_pred.shape[-1] > 1 and kind != "binary":
            return np.count_nonzero(y_pred.argmax(axis=-1) == y_true.argmax(axis=-1)) / len(y_true)
        return np.count_nonzero((y_pred > threshold) == (y_true > 0.5)) / y_true.size

    return accuracy


class _Progress:
    """The progress of ``fit``: a tqdm bar over epochs (verbose=1) or one printed line per epoch (verbose=2)."""

    def __init__(self, epochs: int, verbose: int, name: str):
        self.verbose = verbose
        self.bar = None
        if verbose == 1:
            from tqdm import tqdm  # imported here: `import tinygrad_moons` stays NumPy-only

            self.bar = tqdm(total=epochs, unit="epoch", desc=name, dynamic_ncols=True)
        self.last_shown = 0.0
        self.logs: dict[str, float] = {}

    def epoch_done(self, epoch: int, epochs: int, logs: dict[str, float]) -> None:
        self.logs = logs
        if self.bar is None:
            print(f"Epoch {epoch + 1}/{epochs} - {_format_logs(logs)}", flush=True)
            return
        now = time.monotonic()
        if now - self.last_shown > 0.1:  # formatting the logs of each of 10,000 quick epochs would be waste
            self.bar.set_postfix_str(_format_logs(logs), refresh=False)
            self.last_shown = now
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            if self.logs:
                self.bar.set_postfix_str(_format_logs(self.logs), refresh=False)
            self.bar.close()
