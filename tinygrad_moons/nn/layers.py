"""Layers: ``Dense`` and the activation layers, with Keras' names and arguments.

``Dense(25, activation="relu", input_dim=2)`` is the seed's first layer:
``relu(x @ kernel + bias)`` with a (2, 25) kernel. Without ``input_dim``
the layer creates its weights on its first call, when it sees the input
width (or when a ``Sequential`` knows it), as Keras does.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from tinygrad_moons import functional as F
from tinygrad_moons.autograd import ShapeError
from tinygrad_moons.nn import initializers
from tinygrad_moons.nn.module import Module, Parameter
from tinygrad_moons.tensor import Tensor

__all__ = ["Activation", "Dense", "Layer", "LeakyReLU", "ReLU", "Sigmoid", "Softmax", "Tanh"]


class Layer(Module):
    """A module that knows its output width and can create its weights once it knows its input width.

    Subclasses override :meth:`build` (create weights), :meth:`compute_output_dim`
    and :meth:`get_config` (the arguments that re-create the layer, for saving).
    """

    def __init__(self, name: str | None = None, seed: int | None = None, rng: np.random.Generator | None = None):
        super().__init__(name)
        if seed is not None and rng is not None:
            raise ValueError(f"{type(self).__name__}: give seed or rng, not both")
        #: The generator the weights are drawn from; None until a model or the first build supplies one.
        self.rng = rng if rng is not None else (np.random.default_rng(seed) if seed is not None else None)
        #: True when the user chose the generator: a seeded model then leaves this layer's weights alone.
        self.seeded_by_user = self.rng is not None
        self.input_dim: int | None = None

    @property
    def built(self) -> bool:
        """True once the layer has its weights (always, for layers without any)."""
        return True

    def build(self, input_dim: int) -> None:
        """Create the weights for inputs of width ``input_dim``."""
        self.input_dim = int(input_dim)

    def reset_parameters(self) -> None:
        """Draw the weights again from ``self.rng`` (nothing to do for layers without weights)."""

    def compute_output_dim(self, input_dim: int | None) -> int | None:
        """The output width for inputs of width ``input_dim`` (None when unknown)."""
        return input_dim

    def get_config(self) -> dict[str, Any]:
        """The arguments that re-create this layer (without its weights)."""
        return {"name": self.name}


class Dense(Layer):
    """A fully connected layer: ``activation(x @ kernel + bias)``, kernel of shape (inputs, units).

    Arguments as in Keras: ``units`` (output width), ``activation`` (a name
    such as ``"relu"``, a function, or None), ``input_dim`` (else inferred on
    the first call), ``kernel_initializer`` / ``bias_initializer`` (a name
    from :mod:`~tinygrad_moons.nn.initializers` or a callable), ``use_bias``,
    ``dtype`` ("float64" or "float32"), ``name``, and ``seed`` or ``rng``
    (a ``numpy.random.Generator``) for the initial weights. Without a seed
    the weights come from a seeded model the layer is added to, or else
    from fresh entropy.
    """

    default_name = "dense"

    def __init__(
        self,
        units: int,
        activation: str | Callable[[Tensor], Tensor] | None = None,
        input_dim: int | None = None,
        kernel_initializer: str | Callable[..., np.ndarray] = "glorot_uniform",
        bias_initializer: str | Callable[..., np.ndarray] = "zeros",
        use_bias: bool = True,
        dtype: Any = "float64",
        name: str | None = None,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        input_shape: tuple[int] | None = None,
    ):
        super().__init__(name, seed=seed, rng=rng)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"Dense: units must be a positive integer, got {units!r}")
        if input_shape is not None:  # Keras 2 spelling: input_shape=(2,)
            if input_dim is not None or len(input_shape) != 1:
                raise ValueError(f"Dense: give input_dim=n or input_shape=(n,), got input_shape={input_shape!r}")
            input_dim = input_shape[0]
        self.units = int(units)
        self.activation_name, self.activation = F.get_activation(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.use_bias = bool(use_bias)
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise TypeError(f"Dense: dtype must be a floating type such as float32 or float64, got {self.dtype}")
        self.kernel: Parameter | None = None
        self.bias: Parameter | None = None
        if input_dim is not None:
            self.build(input_dim)

    @property
    def built(self) -> bool:
        return self.kernel is not None

    def build(self, input_dim: int) -> None:
        if isinstance(input_dim, bool) or not isinstance(input_dim, (int, np.integer)) or input_dim < 1:
            raise ValueError(f"{self.name}: the input width must be a positive integer, got {input_dim!r}")
        super().build(input_dim)
        if self.rng is None:
            self.rng = np.random.default_rng()
        self.kernel = Parameter(self.kernel_initializer((self.input_dim, self.units), self.dtype, self.rng))
        if self.use_bias:
            self.bias = Parameter(self.bias_initializer((self.units,), self.dtype, self.rng))

    def reset_parameters(self) -> None:
        if not self.built:
            return
        self.kernel.data[...] = self.kernel_initializer(self.kernel.shape, self.dtype, self.rng)
        if self.bias is not None:
            self.bias.data[...] = self.bias_initializer(self.bias.shape, self.dtype, self.rng)

    def compute_output_dim(self, input_dim: int | None) -> int:
        return self.units

    def forward(self, x: Tensor) -> Tensor:
        if self.kernel is None:
            self.build(np.shape(x)[-1] if np.ndim(x) else 0)
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.dtype)
        elif x.data.dtype != self.dtype:
            x = x.to(self.dtype)
        try:
            z = F.linear(x, self.kernel, self.bias)
        except ShapeError:
            raise ShapeError(
                f"{self.name}: expects inputs of shape (batch, {self.input_dim}), got shape {x.shape}"
            ) from None
        return z if self.activation is None else self.activation(z)

    def get_config(self) -> dict[str, Any]:
        if self.activation is not None and F.ACTIVATIONS.get(self.activation_name) is not self.activation:
            raise ValueError(
                f"{self.name}: its activation is a custom function ({self.activation_name}), which cannot be "
                "saved by name; use one of " + ", ".join(sorted(F.ACTIVATIONS))
            )
        return {
            "name": self.name,
            "units": self.units,
            "activation": self.activation_name,
            "input_dim": self.input_dim,
            "use_bias": self.use_bias,
            "dtype": self.dtype.name,
        }

    def extra_repr(self) -> str:
        width = f"{self.input_dim}" if self.input_dim is not None else "?"
        return f"{self.name}: {width} -> {self.units}, activation={self.activation_name}, dtype={self.dtype.name}"


class Activation(Layer):
    """Applies an activation by name (``Activation("relu")``), as Keras' ``Activation`` layer."""

    default_name = "activation"

    def __init__(self, activation: str | Callable[[Tensor], Tensor], name: str | None = None):
        super().__init__(name)
        self.activation_name, self.activation = F.get_activation(activation)

    def forward(self, x: Tensor) -> Tensor:
        return x if self.activation is None else self.activation(x)

    def get_config(self) -> dict[str, Any]:
        if F.ACTIVATIONS.get(self.activation_name, 0) is not self.activation:
            raise ValueError(f"{self.name}: a custom activation function cannot be saved by name")
        return {"name": self.name, "activation": self.activation_name}

    def extra_repr(self) -> str:
        return f"{self.name}: {self.activation_name}"


class ReLU(Activation):
    """max(x, 0), elementwise (the seed's hidden activation)."""

    default_name = "relu"

    def __init__(self, name: str | None = None):
        super().__init__("relu", name=name)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}


class Sigmoid(Activation):
    """1 / (1 + exp(-x)), elementwise (the seed's output activation)."""

    default_name = "sigmoid"

    def __init__(self, name: str | None = None):
        super().__init__("sigmoid", name=name)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}


class Tanh(Activation):
    default_name = "tanh"

    def __init__(self, name: str | None = None):
        super().__init__("tanh", name=name)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}


class LeakyReLU(Activation):
    """x where x > 0, else ``negative_slope * x`` (PyTorch's default slope, 0.01)."""

    default_name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01, name: str | None = None):
        super().__init__("leaky_relu", name=name)
        self.negative_slope = float(negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "negative_slope": self.negative_slope}

    def extra_repr(self) -> str:
        return f"{self.name}: negative_slope={self.negative_slope}"


class Softmax(Activation):
    """exp(x) normalised to sum to 1 along ``axis``."""

    default_name = "softmax"

    def __init__(self, axis: int = -1, name: str | None = None):
        super().__init__("softmax", name=name)
        self.axis = int(axis)

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, axis=self.axis)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "axis": self.axis}

    def extra_repr(self) -> str:
        return f"{self.name}: axis={self.axis}"
