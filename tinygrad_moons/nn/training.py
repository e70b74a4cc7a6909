"""Keras' ``Model``: ``compile``, ``fit``, ``evaluate``, ``predict``, ``summary`` and ``save``.

The class holds the Keras API and what a model is (its loss, optimizer and
metrics once compiled); the work is done beside it, one concern per module:

* :mod:`tinygrad_moons.nn.checks`: the inputs, checked once before training
  (lengths, NaN, labels, widths), so a mistake is reported in terms of the data
  rather than as a NumPy traceback from deep inside;
* :mod:`tinygrad_moons.nn.loop`: the training loop (epochs, batches,
  callbacks, validation) and the batched passes of ``evaluate``/``predict``;
* :mod:`tinygrad_moons.nn.progress`: the progress bar;
* :mod:`tinygrad_moons.nn.metrics`: what ``metrics=["accuracy"]`` computes;
* :mod:`tinygrad_moons.nn.model_file`: the file ``save`` writes.

Drawing a model's graph is the drawing layer's job, as Keras'
``keras.utils.plot_model(model)`` is a function rather than a method:
``tinygrad_moons.viz.draw_model_graph(model, x, y)``.

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
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_moons import optim
from tinygrad_moons.autograd import no_grad
from tinygrad_moons.nn import checks, loop, losses, model_file
from tinygrad_moons.nn import metrics as metrics_module
from tinygrad_moons.nn.callbacks import Callback, History
from tinygrad_moons.nn.metrics import Metric
from tinygrad_moons.nn.module import Module
from tinygrad_moons.nn.progress import format_logs
from tinygrad_moons.tensor import Tensor

__all__ = ["Model"]


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
        #: compile's jit_compile, False once "auto" found a step that cannot be captured (see nn.loop.train_step).
        self._jit_compile: bool | str = "auto"
        #: The compiled training step (a tinygrad_moons.compile function), made at the first fit after compile.
        self._compiled_step: Any = None
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
        functions = [metrics_module.get(metric, loss_function) for metric in metrics]
        checks.warn_if_output_does_not_fit_loss(self, loss_function)

        # Not registered as a sub-module (object.__setattr__): the loss is not one of the model's layers.
        object.__setattr__(self, "loss", loss_function)
        self.optimizer = chosen_optimizer
        self.metrics_names = [getattr(function, "__name__", "metric") for function in functions]
        self._jit_compile = jit_compile
        self._compiled_step = None
        self._metrics = functions
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
        if self._optimizer_follows_model and self.optimizer is not None:
            known = {id(p) for p in self.optimizer.params}
            self.optimizer.add_params([p for p in self.parameters() if id(p) not in known])

    def _require_compiled(self, method: str) -> None:
        if self.loss is None or self.optimizer is None:
            raise RuntimeError(
                f"{method}: the model must be compiled first: call model.compile(loss=..., optimizer=...)"
            )

    # ---------------------------------------------------------------- fit
    def fit(
        self,
        x: Any,
        y: Any,
        batch_size: int | None = 32,
        epochs: int = 1,
        verbose: int | str = 1,
        callbacks: Sequence[Callback] | None = None,
        validation_split: float = 0.0,
        validation_data: tuple[Any, Any] | None = None,
        shuffle: bool = True,
        class_weight: Any = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int | Sequence[int] = 1,
        *,
        seed: int | None = None,
    ) -> History:
        """Train for ``epochs`` passes over the data; return the History of per-epoch logs.

        Keras 3's arguments, in Keras' order. ``x``: (samples, features); ``y``:
        (samples,) or (samples, outputs), labels as the compiled loss expects
        them. ``batch_size=None`` (or at least the number of samples) trains on
        the full batch, the course's gradient descent (Keras' None means 32).
        Batches are drawn in an order shuffled by ``np.random.default_rng(seed)``
        (the model's own generator when no seed is given; ``seed`` is ours, a
        keyword): the same seed gives the same result to the last bit.
        ``validation_data=(x_val, y_val)`` or ``validation_split`` (the last
        fraction of the rows, before shuffling) adds ``val_loss`` /
        ``val_accuracy``, computed after every ``validation_freq`` epochs (or
        after the epochs, counted from 1, of a list) in batches of
        ``validation_batch_size`` (all at once by default). ``epochs`` is the
        index of the last epoch and ``initial_epoch`` the first, as in Keras
        (to resume: ``fit(..., initial_epoch=10, epochs=20)``). ``verbose``:
        0 silent, 1 or "auto" a progress bar (tqdm's; a widget in a notebook),
        2 one line per epoch. Everything is checked before the first step
        (:mod:`tinygrad_moons.nn.checks`); the loop itself is
        :func:`tinygrad_moons.nn.loop.fit_arrays`.

        Not supported (a NotImplementedError says what to do instead):
        ``sample_weight``, ``class_weight``, ``steps_per_epoch``,
        ``validation_steps``. An epoch whose loss is NaN or infinite gets one
        RuntimeWarning; training goes on as in Keras, unless a
        :class:`~tinygrad_moons.nn.callbacks.TerminateOnNaN` is among the callbacks.
        """
        checks.refuse_unsupported(
            "fit",
            sample_weight=sample_weight,
            class_weight=class_weight,
            steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps,
        )
        self._require_compiled("fit")
        verbose = checks.verbose("fit", verbose)
        checks.non_negative_ints("fit", epochs=epochs, initial_epoch=initial_epoch)
        checks.fraction("fit", "validation_split", validation_split)
        checks.validation_freq(validation_freq)
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(
                f"fit: shuffle must be True or False (Keras 3's; Keras 2's 'batch' is gone), got {shuffle!r}"
            )
        callbacks = checks.callbacks(callbacks)
        checks.batch_size("fit", batch_size)
        checks.batch_size("fit (validation_batch_size)", validation_batch_size)
        X = checks.inputs(self, x, "fit")
        Y = checks.targets(self, y, len(X), X.shape[1], "fit")
        X, Y, validation = checks.validation_split(self, X, Y, validation_data, validation_split)
        self._give_optimizer_new_parameters()
        rng = np.random.default_rng(seed) if seed is not None else (self.rng or np.random.default_rng())
        return loop.fit_arrays(
            self,
            X,
            Y,
            validation=validation,
            epochs=epochs,
            initial_epoch=initial_epoch,
            batch_size=len(X) if batch_size is None else min(int(batch_size), len(X)),
            shuffle=shuffle,
            rng=rng,
            callbacks=callbacks,
            verbose=verbose,
            validation_freq=(
                int(validation_freq) if isinstance(validation_freq, (int, np.integer)) else set(validation_freq)
            ),
            validation_batch_size=validation_batch_size,
        )

    def _eager_train_step(self, x: Tensor, target: Any) -> tuple[Tensor, Tensor]:
        """One step of the PyTorch loop on one batch (what ``jit_compile`` captures); returns (output, loss)."""
        optimizer = self.optimizer
        assert optimizer is not None  # fit checked that the model is compiled
        output = self(x)
        loss = losses.compute(self.loss, target, output)  # each loss in its own dialect's order
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return output, loss

    # ------------------------------------------------- evaluate / predict
    def evaluate(
        self,
        x: Any,
        y: Any,
        batch_size: int | None = None,
        verbose: int | str = 0,
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: Sequence[Callback] | None = None,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """The loss (and metrics) on ``x``, ``y``: ``[loss, accuracy]``, or the loss alone without metrics.

        Keras 3's arguments, in Keras' order. ``return_dict=True`` gives
        ``{"loss": ..., "accuracy": ...}`` instead; ``verbose`` (1 or "auto")
        prints them. Layers run in eval mode (no dropout). ``sample_weight``,
        ``steps`` and ``callbacks`` are not supported (a NotImplementedError
        says what to do instead).
        """
        checks.refuse_unsupported("evaluate", sample_weight=sample_weight, steps=steps, callbacks=callbacks)
        self._require_compiled("evaluate")
        verbose = checks.verbose("evaluate", verbose)
        checks.batch_size("evaluate", batch_size)
        X = checks.inputs(self, x, "evaluate")
        Y = checks.targets(self, y, len(X), X.shape[1], "evaluate")
        was_training = self.training
        self.eval()
        try:
            values = loop.evaluate_arrays(self, X, Y, batch_size)
        finally:
            self.train(was_training)
        checks.warn_if_not_finite("evaluate", np.array(values), self)
        if verbose:
            print(format_logs(dict(zip(["loss", *self.metrics_names], values))))
        if return_dict:
            return dict(zip(["loss", *self.metrics_names], values))
        return values if self._metrics else values[0]

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: int | str = 0,
        steps: int | None = None,
        callbacks: Sequence[Callback] | None = None,
    ) -> np.ndarray:
        """The model's output for ``x`` (samples, features) as a NumPy array of shape (samples, units).

        For a sigmoid output these are the probabilities of class 1. The
        whole of ``x`` goes through at once unless ``batch_size`` is given.
        Layers run in eval mode (no dropout). ``verbose`` is accepted and
        ignored (no progress bar); ``steps`` and ``callbacks`` are not
        supported (a NotImplementedError says what to do instead).
        """
        checks.refuse_unsupported("predict", steps=steps, callbacks=callbacks)
        checks.verbose("predict", verbose)
        checks.batch_size("predict", batch_size)
        X = checks.inputs(self, x, "predict")
        was_training = self.training
        self.eval()
        try:
            outputs = loop.predict_arrays(self, X, batch_size)
        finally:
            self.train(was_training)
        checks.warn_if_not_finite("predict", outputs, self)
        return outputs

    def predict_proba(self, x: Any, batch_size: int | None = None, verbose: int = 0) -> np.ndarray:
        """Old Keras' ``Sequential.predict_proba``: ``predict``'s output, (samples, units), checked to be probabilities.

        Keras 2 had this method (the course's plotting code calls it) and Keras
        2.6 removed it; Keras 3 has none. It is kept for the course's code and
        keeps Keras' contract, which is *not* scikit-learn's: a sigmoid output
        gives shape (samples, 1), the probability of class 1, where
        scikit-learn's ``predict_proba`` (and
        :class:`tinygrad_moons.sklearn.MLPClassifier`'s) gives
        (samples, n_classes). For that, stack the columns yourself::

            p = model.predict(x)                      # (samples, 1)
            np.hstack([1 - p, p])                     # (samples, 2), scikit-learn's layout

        Outputs outside [0, 1] are not probabilities: where Keras logged a
        warning, this raises a ValueError naming the range and the cure.
        """
        probabilities = self.predict(x, batch_size=batch_size, verbose=verbose)
        if probabilities.size and (probabilities.min() < 0.0 or probabilities.max() > 1.0):
            raise ValueError(
                f"predict_proba: {self.name} returned values in [{probabilities.min():.4g}, "
                f"{probabilities.max():.4g}], outside [0, 1], so not probabilities (logits?): end it with a sigmoid "
                "(activation='sigmoid'; 'softmax' for several classes), or call predict() for the raw outputs"
            )
        return probabilities

    # -------------------------------------------------------------- saving
    def save(self, path: str | os.PathLike) -> str:
        """Write the architecture and weights to one ``.npz`` file; reload with ``nn.load_model(path)``.

        Returns the path written. Only a ``Sequential`` of built-in layers can
        be saved this way (see :func:`tinygrad_moons.nn.save_model`).
        """
        return model_file.save_model(self, path)

    def _check_savable(self) -> None:
        """Refuse, before anything is written, a model that ``load_model`` could not build back (Sequential can)."""
        raise NotImplementedError(
            f"save: {type(self).__name__} is not a Sequential model, which is all load_model builds; save its weights "
            "with np.savez(path, **model.state_dict())"
        )

    def get_config(self) -> dict[str, Any]:
        """The architecture as plain data; a custom ``Model`` cannot describe itself, so this raises."""
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
def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "".join(f" {cell}".ljust(width) for cell, width in zip(cells, widths)).rstrip()


def _human_bytes(count: int) -> str:
    """``1234`` -> ``"1.21 KB"``, as Keras' summary writes sizes (bytes as a whole number)."""
    if count < 1024:
        return f"{count} B"
    size = count / 1024
    for unit in ("KB", "MB"):
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} GB"


