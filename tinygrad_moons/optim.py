"""Optimizers: how parameters move once their gradients are known.

The update rules are PyTorch's, line for line (``torch.optim.SGD``, ``Adam``,
``RMSprop``), so a trajectory here matches one there. Each ``step()`` reads
``p.grad`` and writes the new values into ``p.data`` in place, outside the
graph: the parameter stays the same object (and keeps the same array), so the
model and anything else holding it see the update. Like any in-place change
the update raises the parameter's version (``p._version``), so a graph
recorded before ``step()`` refuses to backward instead of using the new
values for gradients of the old ones (PyTorch's "modified by an inplace
operation" error).

PyTorch style::

    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for x, y in batches:
        loss = F.binary_cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

Keras style: ``model.compile(optimizer=Adam(lr=0.01))``; the parameters may
then be left out and ``compile``/``fit`` supply the model's.

Learning-rate schedules live in :mod:`tinygrad_moons.optim.lr_scheduler`
(PyTorch's ``CosineAnnealingLR``, stepped by you; Keras' ``CosineDecay``,
given as the ``learning_rate``, which ``fit`` follows step by step).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from tinygrad_moons import autograd, lr_scheduler
from tinygrad_moons.autograd import plain_numbers
from tinygrad_moons.lr_scheduler import LearningRateSchedule
from tinygrad_moons.tensor import Tensor

__all__ = ["Adam", "Optimizer", "RMSprop", "SGD", "get", "keras_defaults", "lr_scheduler", "names"]


class Optimizer:
    """Base class: holds the parameters, their per-parameter state, and the hyperparameters.

    Subclasses implement :meth:`step`. Hyperparameters are plain attributes
    (``optimizer.lr = 0.001`` changes the learning rate from the next step on).

    ``lr`` may also be a Keras :class:`~tinygrad_moons.lr_scheduler.LearningRateSchedule`:
    it is kept as ``learning_rate_schedule`` and ``lr`` starts at
    ``schedule(iterations)``; ``fit`` sets ``lr = schedule(iterations)`` before
    each update and counts ``iterations`` after it (Keras' name for the count).
    """

    def __init__(self, params: Iterable[Tensor] | None, lr: float | LearningRateSchedule):
        self.iterations = 0
        self.learning_rate_schedule: LearningRateSchedule | None = None
        self.learning_rate = lr  # a number or a schedule, checked by the setter
        self.params: list[Tensor] = []
        if params is not None:
            params = list(params)
            if not params:
                raise ValueError(
                    f"{type(self).__name__}: got an empty parameter list (if the model creates its weights on its "
                    "first call, give the first layer input_dim=..., or call model.build(input_dim) first)"
                )
            self.add_params(params)

    @property
    def learning_rate(self) -> float:
        """Keras' name for ``lr``; set it to a number or to a Keras ``LearningRateSchedule``."""
        return self.lr

    @learning_rate.setter
    def learning_rate(self, value: float | LearningRateSchedule) -> None:
        if isinstance(value, LearningRateSchedule):
            self.learning_rate_schedule = value
            value = value(self.iterations)
        else:
            self.learning_rate_schedule = None
        _check_non_negative(type(self).__name__, lr=value)
        self.lr = float(value)

    def add_params(self, params: Iterable[Tensor]) -> None:
        """Start optimizing more parameters (``compile`` uses this for an optimizer made without any)."""
        known = {id(p) for p in self.params}
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: parameters must be Tensors, got {type(p).__name__}")
            if not p.requires_grad or not p.is_leaf:
                raise ValueError(
                    f"{type(self).__name__}: can only optimize leaf tensors that require grad "
                    f"(got {p.name or 'a tensor'} with requires_grad={p.requires_grad}, is_leaf={p.is_leaf})"
                )
            if id(p) in known:
                raise ValueError(f"{type(self).__name__}: parameter {p.name or ''} appears twice")
            known.add(id(p))
            self.params.append(p)
            self._init_state(p)

    def _init_state(self, p: Tensor) -> None:
        """Create the per-parameter state (momentum buffers, moment estimates) for a new parameter."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients, so the next ``backward()`` does not add to old ones.

        As PyTorch: set them to None, or with ``set_to_none=False`` fill the
        existing ``.grad`` arrays with zeros.
        """
        if autograd._CAPTURE is not None and autograd._CAPTURE.replays(self.zero_grad, set_to_none):
            return  # recorded by compile (jit.py), which made the call
        for p in self.params:
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.zero_()

    def step(self) -> None:
        """Update every parameter that has a gradient, in place (each optimizer's own rule)."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """The hyperparameters, for saving and printing."""
        return {"lr": self.lr}

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({fields})"


def _update(p: Tensor, step: np.ndarray) -> None:
    """``p -= step`` in p's own array, counted as an in-place change of p (its version goes up)."""
    p._data -= step
    p._note_change()


def _check_non_negative(owner: str, **values: float) -> None:
    for key, value in values.items():
        if not (isinstance(value, (int, float, np.floating)) and math.isfinite(value) and value >= 0):
            raise ValueError(f"{owner}: {key} must be a non-negative number, got {plain_numbers(value)!r}")


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay.

    For each parameter p with gradient g (PyTorch's rule)::

        g = g + weight_decay * p
        b = g                                   (first step)
        b = momentum * b + (1 - dampening) * g  (later steps)
        g = g + momentum * b   if nesterov  else  b
        p = p - lr * g

    Defaults are PyTorch 2.x's (``lr=1e-3``, the rest 0/False); Keras'
    ``SGD`` starts at 0.01, which ``get("sgd")`` and ``compile(optimizer="sgd")`` use.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | None = None,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ):
        _check_non_negative("SGD", momentum=momentum, dampening=dampening, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")
        self.momentum = float(momentum)
        self.dampening = float(dampening)
        self.nesterov = bool(nesterov)
        self.weight_decay = float(weight_decay)
        self.momentum_buffers: list[np.ndarray | None] = []
        super().__init__(params, lr)

    def _init_state(self, p: Tensor) -> None:
        self.momentum_buffers.append(None)

    def step(self) -> None:
        if autograd._CAPTURE is not None and autograd._CAPTURE.replays(self.step):
            return  # recorded by compile (jit.py), which made the call
        lr, momentum, weight_decay = self.lr, self.momentum, self.weight_decay
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad._data
            if weight_decay:
                g = g + weight_decay * p._data
            if momentum:
                buffer = self.momentum_buffers[i]
                if buffer is None:
                    buffer = self.momentum_buffers[i] = g.copy()
                else:
                    buffer *= momentum
                    buffer += g if self.dampening == 0 else (1 - self.dampening) * g
                g = g + momentum * buffer if self.nesterov else buffer
            _update(p, lr * g)

    def get_config(self) -> dict[str, Any]:
        """The hyperparameters, for saving and printing."""
        return {
            "lr": self.lr,
            "momentum": self.momentum,
            "dampening": self.dampening,
            "nesterov": self.nesterov,
            "weight_decay": self.weight_decay,
        }


class Adam(Optimizer):
    """Adam: a step scaled per parameter by running averages of the gradient and its square.

    For step t = 1, 2, ... (PyTorch's rule; L2 ``weight_decay`` added to the gradient)::

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    Defaults are PyTorch's (``lr=1e-3, betas=(0.9, 0.999), eps=1e-8``);
    ``get("adam")`` uses Keras' ``epsilon=1e-7`` instead (with this same rule).
    """

    def __init__(
        self,
        params: Iterable[Tensor] | None = None,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        beta1, beta2 = betas
        if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
            raise ValueError(f"Adam: betas must lie in [0, 1), got {plain_numbers(betas)!r}")
        _check_non_negative("Adam", eps=eps, weight_decay=weight_decay)
        self.betas = (float(beta1), float(beta2))
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
        self.step_counts: list[int] = []
        self.exp_avg: list[np.ndarray] = []
        self.exp_avg_sq: list[np.ndarray] = []
        super().__init__(params, lr)

    def _init_state(self, p: Tensor) -> None:
        self.step_counts.append(0)
        self.exp_avg.append(np.zeros_like(p.data))
        self.exp_avg_sq.append(np.zeros_like(p.data))

    def step(self) -> None:
        if autograd._CAPTURE is not None and autograd._CAPTURE.replays(self.step):
            return  # recorded by compile (jit.py), which made the call
        beta1, beta2 = self.betas
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            # Counted per parameter, as PyTorch does: one without a gradient skips its step.
            self.step_counts[i] += 1
            t = self.step_counts[i]
            step_size = self.lr / (1 - beta1**t)
            bias_correction2_sqrt = math.sqrt(1 - beta2**t)
            g = p.grad._data
            if self.weight_decay:
                g = g + self.weight_decay * p._data
            m, v = self.exp_avg[i], self.exp_avg_sq[i]
            m += (1 - beta1) * (g - m)  # = beta1 * m + (1 - beta1) * g, written as PyTorch's lerp
            v *= beta2
            v += (1 - beta2) * g * g
            denom = np.sqrt(v)
            denom /= bias_correction2_sqrt
            denom += self.eps
            _update(p, step_size * m / denom)

    def get_config(self) -> dict[str, Any]:
        """The hyperparameters, for saving and printing."""
        return {"lr": self.lr, "betas": list(self.betas), "eps": self.eps, "weight_decay": self.weight_decay}


class RMSprop(Optimizer):
    """RMSprop: each step divided by a running root-mean-square of the gradient.

    PyTorch's rule (defaults too: ``lr=0.01``, ``alpha=0.99``, ``eps=1e-8``;
    ``get("rmsprop")`` uses Keras' ``lr=0.001``, ``rho=0.9``, ``epsilon=1e-7``)::

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g^2
        a = mean(g) running as v       (only if centered: v - a^2 replaces v below)
        d = sqrt(v) + eps
        b = momentum * b + g / d;  p = p - lr * b     (momentum > 0)
        p = p - lr * g / d                            (otherwise)
    """

    def __init__(
        self,
        params: Iterable[Tensor] | None = None,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        centered: bool = False,
    ):
        if not 0 <= alpha <= 1:
            raise ValueError(f"RMSprop: alpha must lie in [0, 1], got {plain_numbers(alpha)!r}")
        _check_non_negative("RMSprop", eps=eps, momentum=momentum, weight_decay=weight_decay)
        self.alpha = float(alpha)
        self.eps = float(eps)
        self.momentum = float(momentum)
        self.weight_decay = float(weight_decay)
        self.centered = bool(centered)
        self.square_avg: list[np.ndarray] = []
        self.grad_avg: list[np.ndarray] = []
        self.momentum_buffers: list[np.ndarray] = []
        super().__init__(params, lr)

    def _init_state(self, p: Tensor) -> None:
        self.square_avg.append(np.zeros_like(p.data))
        self.grad_avg.append(np.zeros_like(p.data))
        self.momentum_buffers.append(np.zeros_like(p.data))

    def step(self) -> None:
        if autograd._CAPTURE is not None and autograd._CAPTURE.replays(self.step):
            return  # recorded by compile (jit.py), which made the call
        alpha = self.alpha
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad._data
            if self.weight_decay:
                g = g + self.weight_decay * p._data
            v = self.square_avg[i]
            v *= alpha
            v += (1 - alpha) * g * g
            if self.centered:
                a = self.grad_avg[i]
                a += (1 - alpha) * (g - a)
                denom = np.sqrt(v - a * a)
            else:
                denom = np.sqrt(v)
            denom += self.eps
            if self.momentum > 0:
                buffer = self.momentum_buffers[i]
                buffer *= self.momentum
                buffer += g / denom
                _update(p, self.lr * buffer)
            else:
                _update(p, self.lr * g / denom)

    def get_config(self) -> dict[str, Any]:
        """The hyperparameters, for saving and printing."""
        return {
            "lr": self.lr,
            "alpha": self.alpha,
            "eps": self.eps,
            "momentum": self.momentum,
            "weight_decay": self.weight_decay,
            "centered": self.centered,
        }


#: Optimizers by the names ``compile`` accepts (Keras' API), with Keras' defaults in our argument names:
#: keras.optimizers.SGD(learning_rate=0.01), Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
#: RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-7). The classes themselves keep PyTorch's defaults.
_BY_NAME: dict[str, tuple[type[Optimizer], dict[str, Any]]] = {
    "sgd": (SGD, {"lr": 0.01}),
    "adam": (Adam, {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7}),
    "rmsprop": (RMSprop, {"lr": 0.001, "alpha": 0.9, "eps": 1e-7}),
}
#: The same optimizers by class name (a saved model's compile settings name the class).
OPTIMIZERS = {cls.__name__: cls for cls, _ in _BY_NAME.values()}


def keras_defaults(name: str) -> dict[str, Any]:
    """The hyperparameters :func:`get` gives the optimizer ``name``: Keras' defaults, in our argument names.

    >>> keras_defaults("rmsprop")
    {'lr': 0.001, 'alpha': 0.9, 'eps': 1e-07}
    """
    key = name.lower()
    if key not in _BY_NAME:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {names()}")
    return dict(_BY_NAME[key][1])


def names() -> list[str]:
    """The optimizer names :func:`get` accepts."""
    return list(_BY_NAME)


def get(identifier: str | Optimizer, learning_rate: float | LearningRateSchedule | None = None) -> Optimizer:
    """An optimizer without parameters yet, from its name ("sgd", "adam", "rmsprop") or an instance.

    A name is Keras' API (``compile(optimizer="sgd")``), so it gets Keras'
    defaults, not the classes' PyTorch ones: sgd lr 0.01; adam lr 0.001,
    eps 1e-7; rmsprop lr 0.001, rho (our ``alpha``) 0.9, eps 1e-7 (see
    :func:`keras_defaults`). ``learning_rate`` replaces the rate: a number or
    a Keras schedule such as ``lr_scheduler.CosineDecay(0.01, decay_steps=500)``.
    """
    if isinstance(identifier, Optimizer):
        optimizer = identifier
    elif isinstance(identifier, str):
        key = identifier.lower()
        if key not in _BY_NAME:
            raise ValueError(f"unknown optimizer {identifier!r}; choose one of {names()} or pass an Optimizer")
        cls, keras_hyperparameters = _BY_NAME[key]
        optimizer = cls(None, **keras_hyperparameters)
    else:
        raise TypeError(f"optimizer must be a name or an Optimizer, got {type(identifier).__name__}")
    if learning_rate is not None:
        if not isinstance(learning_rate, LearningRateSchedule):
            _check_non_negative("compile", learning_rate=learning_rate)
        optimizer.learning_rate = learning_rate
    return optimizer


#: PyTorch optimizers we do not provide, with what to use instead (a ported script stops with advice, not a bare
#: AttributeError).
NOT_PROVIDED: dict[str, str] = {
    "AdamW": (
        "use Adam; note that Adam(weight_decay=...) adds an L2 term to the gradient (PyTorch's Adam), it does not "
        "decay the weights directly as AdamW does"
    ),
    "Adagrad": "use Adam or RMSprop",
    "Adadelta": "use Adam or RMSprop",
    "Adamax": "use Adam",
    "NAdam": "use Adam, or SGD(momentum=0.9, nesterov=True)",
    "RAdam": "use Adam",
    "LBFGS": "use Adam or SGD",
}


def __getattr__(name: str) -> Any:
    if name in NOT_PROVIDED:
        raise AttributeError(
            f"tinygrad_moons.optim has no {name!r} (PyTorch's torch.optim.{name}): the optimizers are SGD, Adam and "
            f"RMSprop; {NOT_PROVIDED[name]}"
        )
    raise AttributeError(f"module 'tinygrad_moons.optim' has no attribute {name!r}")

