"""How a layer's first weights are drawn.

An initializer is called as ``initializer(shape, dtype, rng)`` and returns a
new NumPy array. Randomness always comes from the ``numpy.random.Generator``
passed in, never from NumPy's global state, so a seed fixes the weights.

Why it matters (the course's experiment): its network drew every weight and
bias from N(0, 0.1^2). Through four ReLU layers that shrinks the signal at
each layer, so training starts slowly; Glorot (Keras' default) and He
scale the spread by the layer's width so the signal keeps its size.

Names accepted wherever an initializer is expected:

=================  ==========================================================
``"zeros"``        all 0 (Keras' default for biases)
``"ones"``         all 1
``"normal"``       N(0, 0.1^2): the course's ``np.random.randn(...) * 0.1``;
                   also ``"course_normal"`` (the course project's name;
                   the old name ``"seed_normal"`` is still accepted)
``"glorot_uniform"``  U(-l, l), l = sqrt(6 / (fan_in + fan_out)) (Keras' default for kernels)
``"glorot_normal"``   truncated normal, std sqrt(2 / (fan_in + fan_out))
``"he_normal"``    truncated normal, std sqrt(2 / fan_in) (for ReLU layers)
``"he_uniform"``   U(-l, l), l = sqrt(6 / fan_in)
=================  ==========================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Initializer",
    "Ones",
    "RandomNormal",
    "RandomUniform",
    "Zeros",
    "get",
    "global_generator",
]


class Initializer:
    """Base class: ``initializer(shape, dtype, rng)`` returns a new array."""

    def __call__(self, shape: tuple[int, ...], dtype: Any, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a kernel laid out (in, out); a 1-D shape is its own fan."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _truncated_normal(shape: tuple[int, ...], std: float, rng: np.random.Generator) -> np.ndarray:
    """N(0, std'^2) with draws beyond two standard deviations redrawn.

    Cutting the tails shrinks the spread, so std' = std / 0.8796... restores
    the variance asked for (the constant Keras uses for variance scaling).
    """
    std = std / 0.87962566103423978
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2.0
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2.0
    return values * std


class Zeros(Initializer):
    """All 0 (Keras' default for biases)."""
    def __call__(self, shape, dtype, rng):
        return np.zeros(shape, dtype=dtype)


class Ones(Initializer):
    """All 1."""
    def __call__(self, shape, dtype, rng):
        return np.ones(shape, dtype=dtype)


class Constant(Initializer):
    """Every element ``value``."""
    def __init__(self, value: float = 0.0):
        self.value = float(value)

    def __call__(self, shape, dtype, rng):
        return np.full(shape, self.value, dtype=dtype)


class RandomNormal(Initializer):
    """N(mean, stddev^2). ``RandomNormal(stddev=0.1)`` is the course's initialisation (name ``"normal"``)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05):
        self.mean = float(mean)
        self.stddev = float(stddev)

    def __call__(self, shape, dtype, rng):
        # standard_normal * std, in this order, is the course's np.random.randn(...) * 0.1.
        return (rng.standard_normal(shape) * self.stddev + self.mean).astype(dtype, copy=False)


class RandomUniform(Initializer):
    """U(minval, maxval)."""
    def __init__(self, minval: float = -0.05, maxval: float = 0.05):
        self.minval = float(minval)
        self.maxval = float(maxval)

    def __call__(self, shape, dtype, rng):
        return rng.uniform(self.minval, self.maxval, size=shape).astype(dtype, copy=False)


class GlorotUniform(Initializer):
    """U(-l, l) with l = sqrt(6 / (fan_in + fan_out)): keeps activations' variance through linear layers."""

    def __call__(self, shape, dtype, rng):
        fan_in, fan_out = _fans(shape)
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape).astype(dtype, copy=False)


class GlorotNormal(Initializer):
    """Truncated normal with std sqrt(2 / (fan_in + fan_out))."""
    def __call__(self, shape, dtype, rng):
        fan_in, fan_out = _fans(shape)
        return _truncated_normal(shape, math.sqrt(2.0 / (fan_in + fan_out)), rng).astype(dtype, copy=False)


class HeNormal(Initializer):
    """Truncated normal with std sqrt(2 / fan_in): ReLU zeroes half its inputs, the factor 2 makes up for it."""

    def __call__(self, shape, dtype, rng):
        fan_in, _ = _fans(shape)
        return _truncated_normal(shape, math.sqrt(2.0 / fan_in), rng).astype(dtype, copy=False)


class HeUniform(Initializer):
    """U(-l, l) with l = sqrt(6 / fan_in) (for ReLU layers)."""
    def __call__(self, shape, dtype, rng):
        fan_in, _ = _fans(shape)
        limit = math.sqrt(6.0 / fan_in)
        return rng.uniform(-limit, limit, size=shape).astype(dtype, copy=False)


_BY_NAME: dict[str, Callable[[], Initializer]] = {
    "zeros": Zeros,
    "ones": Ones,
    "normal": lambda: RandomNormal(stddev=0.1),
    "course_normal": lambda: RandomNormal(stddev=0.1),
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_normal": HeNormal,
    "he_uniform": HeUniform,
}


def global_generator() -> np.random.Generator:
    """The global generator (:func:`tinygrad_moons.random.generator`) that unseeded layers and models draw from.

    PyTorch draws from one global generator that ``manual_seed`` reseeds, and
    Keras from one that ``keras.utils.set_random_seed`` reseeds: here that is
    ``tinygrad_moons.manual_seed``.
    """
    from tinygrad_moons.random import generator

    return generator()


#: Old names still accepted: "seed" meant the course project, a word now kept for random seeds.
_ALIASES = {"seed_normal": "course_normal"}


def names() -> list[str]:
    """The initializer names :func:`get` accepts (besides the old aliases, e.g. "seed_normal")."""
    return list(_BY_NAME)


def canonical_name(name: str) -> str:
    """``name`` in lower case, an old alias replaced by its current name ("seed_normal" -> "course_normal")."""
    key = name.lower()
    return _ALIASES.get(key, key)


def get(identifier: str | Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """An initializer from its name, or the callable itself (called as ``f(shape, dtype, rng)``)."""
    if isinstance(identifier, str):
        key = canonical_name(identifier)
        if key not in _BY_NAME:
            raise ValueError(f"unknown initializer {identifier!r}; choose one of {sorted(_BY_NAME)} or pass a callable")
        return _BY_NAME[key]()
    if callable(identifier):
        return identifier
    raise TypeError(f"an initializer must be a name or a callable, got {type(identifier).__name__}")
