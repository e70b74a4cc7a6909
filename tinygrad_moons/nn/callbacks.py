"""Callbacks: code that ``fit`` runs at fixed points of training, as in Keras.

Subclass :class:`Callback` and override the hooks you need, or pass plain
functions to :class:`LambdaCallback`. ``logs`` holds the numbers known at
that point: per epoch ``loss``, ``accuracy`` and, with validation data,
``val_loss`` and ``val_accuracy``; per batch ``batch``, ``size`` and ``loss``.
Setting ``self.model.stop_training = True`` ends training after the
current batch.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_moons.autograd import plain_numbers

__all__ = [
    "Callback",
    "EarlyStopping",
    "EpochScheduler",
    "FollowLearningRateSchedule",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "TerminateOnNaN",
    "schedule_callbacks",
]

Logs = dict[str, Any]


class Callback:
    """Base class; every hook does nothing until overridden."""

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        """Give the callback the model being trained (``fit`` calls it before training)."""
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        """``fit``'s settings: ``epochs``, ``steps`` (batches per epoch), ``verbose``."""
        self.params = params

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Called once before the first epoch."""

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Called once after the last epoch, with the last epoch's logs."""

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        """Called at the start of epoch ``epoch`` (counted from 0)."""

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Called at the end of epoch ``epoch`` with its logs (``loss``, metrics, ``val_*``)."""

    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before batch ``batch`` of an epoch, with ``batch`` and ``size``."""

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after batch ``batch``, with ``batch``, ``size`` and that batch's ``loss``."""

    def wants_batch_hooks(self) -> bool:
        """True if this callback overrides a per-batch hook; ``fit`` skips building batch logs otherwise."""
        cls = type(self)
        return cls.on_batch_begin is not Callback.on_batch_begin or cls.on_batch_end is not Callback.on_batch_end


class LambdaCallback(Callback):
    """A callback made of plain functions, e.g. ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``.

    ``on_epoch_begin/end`` and ``on_batch_begin/end`` take ``(index, logs)``;
    ``on_train_begin/end`` take ``(logs)``.
    """

    def __init__(
        self,
        on_epoch_begin: Callable[[int, Logs], None] | None = None,
        on_epoch_end: Callable[[int, Logs], None] | None = None,
        on_batch_begin: Callable[[int, Logs], None] | None = None,
        on_batch_end: Callable[[int, Logs], None] | None = None,
        on_train_begin: Callable[[Logs], None] | None = None,
        on_train_end: Callable[[Logs], None] | None = None,
    ):
        super().__init__()
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_batch_begin": on_batch_begin,
            "on_batch_end": on_batch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
        }
        for hook, function in hooks.items():
            if function is not None:
                if not callable(function):
                    raise TypeError(f"LambdaCallback: {hook} must be a function, got {type(function).__name__}")
                setattr(self, hook, function)  # an instance attribute shadows the do-nothing method
        self._has_batch_hooks = on_batch_begin is not None or on_batch_end is not None

    def wants_batch_hooks(self) -> bool:
        """True when a batch function was given."""
        return self._has_batch_hooks


class History(Callback):
    """Records every epoch's logs: ``history.history["loss"][epoch]``, and ``history.epoch``.

    ``fit`` returns one (and keeps it as ``model.history``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.epoch: list[int] = []
        self.history: dict[str, list[float]] = {}

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Append the epoch's logs to :attr:`history`."""
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        last = {key: values[-1] for key, values in self.history.items() if values}
        return f"History(epochs={len(self.epoch)}, last={last})"


class EarlyStopping(Callback):
    """Stop training when a monitored number has stopped improving.

    ``monitor`` ("val_loss" by default) is a key of the epoch logs. An
    epoch improves on the best so far if it is better by more than
    ``min_delta``; after ``patience`` epochs without improvement training
    stops. ``mode`` is "min", "max" or "auto" (max for names containing
    "acc", else min). With ``restore_best_weights`` the model gets back the
    weights of its best epoch when training ends. ``baseline``: keep going
    only while the value beats it.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
    ):
        super().__init__()
        if not isinstance(monitor, str):
            raise TypeError(f"EarlyStopping: monitor must name a logged value such as 'val_loss', got {monitor!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 0:
            raise ValueError(
                f"EarlyStopping: patience must be an integer >= 0 (epochs to wait), got {plain_numbers(patience)!r}"
            )
        for argument, value in (("min_delta", min_delta), ("baseline", baseline)):
            if value is None and argument == "baseline":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not np.isfinite(value):
                raise ValueError(f"EarlyStopping: {argument} must be a finite number, got {plain_numbers(value)!r}")
        self.monitor = monitor
        self.min_delta = abs(float(min_delta))
        self.patience = int(patience)
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.mode = mode

    def _is_improvement(self, value: float, reference: float) -> bool:
        if self.mode == "min":
            return value < reference - self.min_delta
        return value > reference + self.min_delta

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Reset the count of epochs without improvement and the best value."""
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf if self.mode == "min" else -np.inf
        self.best_epoch = 0
        self.best_weights: dict[str, np.ndarray] | None = None
        self._warned = False

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Compare the monitored value with the best so far; stop training after ``patience`` epochs without

        improvement.
        """
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            if not self._warned:
                warnings.warn(
                    f"EarlyStopping: the epoch logs have no {self.monitor!r} (they have {sorted(logs)}); "
                    "not stopping early (monitor 'loss', or pass validation_data to fit)",
                    stacklevel=2,
                )
                self._warned = True
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.state_dict()
        self.wait += 1
        if self._is_improvement(value, self.best):
            self.best = value
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.state_dict()
            if self.baseline is None or self._is_improvement(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Report the stop (``verbose``) and restore the best weights (``restore_best_weights``)."""
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(
                f"Epoch {self.stopped_epoch + 1}: early stopping (best {self.monitor} at epoch {self.best_epoch + 1})"
            )
        if self.restore_best_weights and self.best_weights is not None:
            self.model.load_state_dict(self.best_weights)


class TerminateOnNaN(Callback):
    """Keras' ``TerminateOnNaN``: stop training at the first batch whose loss is NaN or infinite.

    By default it prints ``Batch <i>: Invalid loss, terminating training``
    and sets ``model.stop_training``, so ``fit`` ends after that batch and
    every callback's ``on_train_end`` still runs. ``raise_error=True`` raises
    a ``RuntimeError`` at once instead (the other callbacks' ``on_train_end``
    are then not called). Without it, ``fit`` keeps training on a NaN loss
    (as Keras does) and warns once.

    >>> stop = TerminateOnNaN()  # model.fit(x, y, callbacks=[stop])
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        if not isinstance(raise_error, (bool, np.bool_)):
            raise TypeError(f"TerminateOnNaN: raise_error must be True or False, got {raise_error!r}")
        self.raise_error = bool(raise_error)

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Stop (or raise) if this batch's ``loss`` is NaN or infinite."""
        loss = (logs or {}).get("loss")
        if loss is None or np.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(f"TerminateOnNaN: batch {batch} gave an invalid loss ({loss}); training stopped")
        print(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True


# ------------------------------------------------------------ learning rates
class LearningRateScheduler(Callback):
    """Keras' ``LearningRateScheduler``: before each epoch, ``optimizer.lr = schedule(epoch, lr)``.

    ``schedule`` takes the epoch index (from 0) and the current learning rate
    and returns the new one, a float. ``verbose=1`` prints each change. The
    rate is also logged at each epoch's end as ``logs["learning_rate"]``.
    """

    def __init__(self, schedule: Callable[[int, float], float], verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be a function (epoch, lr) -> lr, got {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        """Set the optimizer's rate for this epoch."""
        lr = self.schedule(epoch, float(self.model.optimizer.lr))
        if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)):
            raise ValueError(
                f'LearningRateScheduler: the output of the "schedule" function should be a float, got {lr!r}'
            )
        self.model.optimizer.learning_rate = float(lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(lr)}.")

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Log the rate the epoch used."""
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.lr)


class EpochScheduler(Callback):
    """Steps a PyTorch-style scheduler (``optim.lr_scheduler.CosineAnnealingLR`` ...) after every epoch of ``fit``.

    The same as calling ``scheduler.step()`` at the end of each epoch of a
    PyTorch loop: the scheduler set the first epoch's rate when it was made.
    """

    def __init__(self, scheduler: Any):
        super().__init__()
        if not callable(getattr(scheduler, "step", None)):
            raise TypeError(
                f"EpochScheduler: expected a scheduler with a step() method, got {type(scheduler).__name__}"
            )
        self.scheduler = scheduler

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """``scheduler.step()``: the next epoch's rate."""
        self.scheduler.step()


class FollowLearningRateSchedule(Callback):
    """What makes a Keras schedule given as an optimizer's learning rate work in ``fit``.

    Before every batch ``optimizer.lr = schedule(optimizer.iterations)``,
    after it ``optimizer.iterations += 1`` (Keras counts in the optimizer's
    ``apply_gradients``). ``fit`` adds it itself (see :func:`schedule_callbacks`).
    """

    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """The rate for this update."""
        optimizer = self.model.optimizer
        optimizer.lr = float(optimizer.learning_rate_schedule(optimizer.iterations))

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """One more update done."""
        self.model.optimizer.iterations += 1


def schedule_callbacks(optimizer: Any) -> list[Callback]:
    """The callbacks ``fit`` adds for ``optimizer``: one that follows its Keras schedule, if it has one."""
    return [FollowLearningRateSchedule()] if getattr(optimizer, "learning_rate_schedule", None) is not None else []
