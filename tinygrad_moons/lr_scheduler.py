"""Learning-rate schedules, in PyTorch's and in Keras' form (re-exported as ``tinygrad_moons.optim.lr_scheduler``).

Two ways to change the learning rate as training goes on, one from each
library the project borrows from:

* PyTorch's scheduler object, which *you* step, usually once per epoch::

      optimizer = optim.Adam(model.parameters(), lr=0.01)
      scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=20)
      for epoch in range(20):
          train_one_epoch()
          scheduler.step()          # sets optimizer.lr for the next epoch

* Keras' schedule, a function of the optimizer's step count that is given as
  the optimizer's learning rate; ``fit`` evaluates it before every update::

      schedule = optim.lr_scheduler.CosineDecay(0.01, decay_steps=500)
      model.compile(optimizer=optim.Adam(learning_rate=schedule), loss="binary_crossentropy")

Our optimizers hold one learning rate, ``optimizer.lr`` (PyTorch's
optimizers hold one per parameter group): ``get_last_lr()`` returns it as a
one-element list, as PyTorch would for one group. In a hand-written loop a
Keras schedule does not advance by itself (Keras' ``apply_gradients`` counts
the steps; our ``step()`` does not): call ``optimizer.iterations += 1`` after
each ``step()``, or use a PyTorch scheduler there.

This module is engine-level, like :mod:`tinygrad_moons.optim`: it only reads and
writes ``optimizer.lr``.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["CosineAnnealingLR", "CosineDecay", "LRScheduler", "LearningRateSchedule", "get", "names"]


# --------------------------------------------------------------- PyTorch style
class LRScheduler:
    """PyTorch's scheduler base: ``step()`` moves to the next epoch and writes the new rate into ``optimizer.lr``.

    ``last_epoch`` is the index of the last epoch (-1: none yet); constructing
    the scheduler takes the first step, to epoch 0, at the optimizer's own
    rate, which is remembered as ``optimizer.initial_lr`` (PyTorch keeps it in
    the parameter group) and as ``base_lrs``. Subclasses give :meth:`get_lr`.
    """

    def __init__(self, optimizer: Any, last_epoch: int = -1):
        if not hasattr(optimizer, "lr"):
            raise TypeError(f"{type(self).__name__}: expected an optimizer with an lr, got {type(optimizer).__name__}")
        if getattr(optimizer, "learning_rate_schedule", None) is not None:
            raise ValueError(
                f"{type(self).__name__}: the optimizer already follows a Keras schedule "
                f"({type(optimizer.learning_rate_schedule).__name__}); use one or the other"
            )
        if last_epoch == -1:
            optimizer.initial_lr = optimizer.lr
        elif not hasattr(optimizer, "initial_lr"):
            raise KeyError(
                f"{type(self).__name__}: last_epoch={last_epoch} resumes a schedule, but the optimizer has no "
                "initial_lr (PyTorch: \"param 'initial_lr' is not specified in param_groups[0] when resuming\")"
            )
        self.optimizer = optimizer
        self.base_lrs: list[float] = [float(optimizer.initial_lr)]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._last_lr: list[float] = [float(optimizer.lr)]
        self.step()

    def get_lr(self) -> list[float]:
        """The rate for epoch ``last_epoch`` (one per parameter group: here one); subclasses implement it."""
        raise NotImplementedError

    def step(self) -> None:
        """Move to the next epoch: ``last_epoch += 1`` and ``optimizer.lr`` = the new rate."""
        self._step_count += 1
        self.last_epoch += 1
        (self.optimizer.lr,) = self.get_lr()
        self._last_lr = [float(self.optimizer.lr)]

    def get_last_lr(self) -> list[float]:
        """The rate the last :meth:`step` set, as a list with one entry per parameter group (here one)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer, as PyTorch: restore it with :meth:`load_state_dict`."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take the state saved by :meth:`state_dict` (the optimizer's own rate is not changed)."""
        self.__dict__.update(state_dict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self._last_lr[0]:g})"


class CosineAnnealingLR(LRScheduler):
    """PyTorch's cosine annealing: the rate falls from the optimizer's ``lr`` to ``eta_min`` along half a cosine.

    With ``η_max`` the initial rate and ``T_cur`` the epoch (``last_epoch``)::

        η_t = η_min + ½ (η_max − η_min) (1 + cos(π · T_cur / T_max))

    so ``η_0 = η_max`` and ``η_{T_max} = η_min``; stepped past ``T_max`` it
    climbs back along the cosine, as PyTorch's does (SGDR without restarts).
    Like PyTorch, each :meth:`step` computes the new rate *from the current
    one* (so a rate changed by hand between steps is carried along)::

        η_t = η_min + (η_{t-1} − η_min) · (1 + cos(π t / T_max)) / (1 + cos(π (t−1) / T_max))

    with PyTorch's special case at ``t − 1 − T_max ≡ 0 (mod 2 T_max)``, where
    the denominator would be 0. ``T_max`` counts calls to :meth:`step`:
    epochs if you step once per epoch.

    >>> from tinygrad_moons import optim
    >>> optimizer = optim.SGD(lr=0.1)
    >>> scheduler = CosineAnnealingLR(optimizer, T_max=2)
    >>> for _ in range(2):
    ...     scheduler.step()
    ...     print(round(scheduler.get_last_lr()[0], 6))
    0.05
    0.0
    """

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive integer (steps to eta_min), got {T_max!r}")
        if not (isinstance(eta_min, (int, float)) and math.isfinite(eta_min) and eta_min >= 0):
            raise ValueError(f"CosineAnnealingLR: eta_min must be a non-negative number, got {eta_min!r}")
        self.T_max = T_max
        self.eta_min = float(eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """PyTorch's recursive form: the next rate from the current ``optimizer.lr``."""
        lr, eta_min, T_max, t = float(self.optimizer.lr), self.eta_min, self.T_max, self.last_epoch
        base_lr = self.base_lrs[0]
        if t == 0:
            return [lr]
        if self._step_count == 1 and t > 0:  # resumed at epoch t: the closed form
            return [eta_min + (base_lr - eta_min) * (1 + math.cos(t * math.pi / T_max)) / 2]
        if (t - 1 - T_max) % (2 * T_max) == 0:  # at the bottom of the cosine, where the ratio below is 0/0
            return [lr + (base_lr - eta_min) * (1 - math.cos(math.pi / T_max)) / 2]
        ratio = (1 + math.cos(math.pi * t / T_max)) / (1 + math.cos(math.pi * (t - 1) / T_max))
        return [ratio * (lr - eta_min) + eta_min]


# ----------------------------------------------------------------- Keras style
class LearningRateSchedule:
    """Keras' schedule base: ``schedule(step)`` is the learning rate for optimizer step ``step`` (from 0).

    Give one as an optimizer's ``learning_rate`` (``Adam(learning_rate=schedule)``
    or ``compile(..., learning_rate=schedule)``); ``fit`` sets ``optimizer.lr``
    to ``schedule(optimizer.iterations)`` before every update. Subclasses give
    ``__call__`` and ``get_config``.
    """

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """The constructor's arguments, so that ``cls(**schedule.get_config())`` rebuilds it."""
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        """The schedule ``get_config`` described (Keras' name)."""
        return cls(**config)

    def __repr__(self) -> str:
        fields = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items() if key != "name")
        return f"{type(self).__name__}({fields})"


class CosineDecay(LearningRateSchedule):
    """Keras' ``CosineDecay``: a cosine from ``initial_learning_rate`` down to ``alpha`` times it, after a warmup.

    Without warmup (``warmup_target=None``), for optimizer step ``s``::

        s' = min(s, decay_steps)
        lr = initial_learning_rate · ((1 − alpha) · ½ (1 + cos(π s' / decay_steps)) + alpha)

    With ``warmup_target`` and ``warmup_steps``, the rate first rises linearly
    from ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps``
    steps, then decays as above from ``warmup_target`` over ``decay_steps``
    more (Keras' formulas). After the decay the rate stays at its end value.

    >>> schedule = CosineDecay(0.1, decay_steps=4)
    >>> [round(schedule(step), 6) for step in (0, 2, 4, 9)]
    [0.1, 0.05, 0.0, 0.0]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ):
        if isinstance(decay_steps, bool) or not isinstance(decay_steps, int) or decay_steps <= 0:
            raise ValueError(f"CosineDecay: decay_steps must be a positive integer (Keras: > 0), got {decay_steps!r}")
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) or warmup_steps < 0:
            raise ValueError(f"CosineDecay: warmup_steps must be a non-negative integer, got {warmup_steps!r}")
        for key, value in (("initial_learning_rate", initial_learning_rate), ("alpha", alpha)):
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"CosineDecay: {key} must be a non-negative number, got {value!r}")
        if warmup_target is not None and warmup_steps == 0:
            raise ValueError("CosineDecay: warmup_target needs warmup_steps > 0 (the steps to reach it)")
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps = decay_steps
        self.alpha = float(alpha)
        self.name = name
        self.warmup_target = None if warmup_target is None else float(warmup_target)
        self.warmup_steps = warmup_steps

    def _decay(self, step: float, decay_from: float) -> float:
        cosine = 0.5 * (1 + math.cos(math.pi * step / self.decay_steps))
        return decay_from * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step: int) -> float:
        """The learning rate at optimizer step ``step`` (counted from 0)."""
        if step < 0:
            raise ValueError(f"CosineDecay: step must be >= 0, got {step}")
        if self.warmup_target is None:
            return self._decay(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            fraction = step / self.warmup_steps
            return self.initial_learning_rate + fraction * (self.warmup_target - self.initial_learning_rate)
        return self._decay(step - self.warmup_steps, self.warmup_target)

    def get_config(self) -> dict[str, Any]:
        """Keras' config: the six constructor arguments."""
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


# -------------------------------------------------------------------- registry
#: The schedulers by name: PyTorch's class and Keras' class, each constructed with its own arguments.
_BY_NAME: dict[str, type[LRScheduler] | type[LearningRateSchedule]] = {
    "cosine_annealing": CosineAnnealingLR,
    "cosine_decay": CosineDecay,
}


def names() -> list[str]:
    """The scheduler names :func:`get` accepts."""
    return list(_BY_NAME)


def get(name: str) -> type[LRScheduler] | type[LearningRateSchedule]:
    """A scheduler class by name, constructed with its own arguments: ``get("cosine_annealing")(optimizer, T_max=20)``.

    Raises ValueError listing :func:`names` for an unknown name.
    """
    if not isinstance(name, str):
        raise TypeError(f"scheduler name must be a string, got {type(name).__name__}")
    key = name.lower()
    if key not in _BY_NAME:
        raise ValueError(f"unknown scheduler {name!r}; choose one of {names()}")
    return _BY_NAME[key]
