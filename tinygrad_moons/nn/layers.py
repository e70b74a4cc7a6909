"""Layers in both dialects: Keras' ``Dense`` and PyTorch's ``Linear``, and the layers both share.

``Dense(25, activation="relu", input_dim=2)`` is the course's first layer:
``relu(x @ kernel + bias)`` with a (2, 25) kernel. Without ``input_dim``
the layer creates its weights on its first call, when it sees the input
width (or when a ``Sequential`` knows it), as Keras does.

``Linear(2, 25)`` is the same map in PyTorch's form: ``x @ weight.T + bias``
with ``weight`` of shape (25, 2), the course's own layout, drawn as PyTorch
draws it. ``ReLU``, ``Sigmoid``, ``Tanh``, ``LeakyReLU``, ``Softmax``,
``Flatten``, ``Identity`` and ``Dropout`` take PyTorch's arguments and
work in either kind of model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from tinygrad_moons import autograd
from tinygrad_moons import functional as F
from tinygrad_moons.autograd import ShapeError, plain_numbers
from tinygrad_moons.nn import initializers
from tinygrad_moons.nn.module import Module, Parameter
from tinygrad_moons.tensor import Tensor

__all__ = [
    "SAVABLE_LAYERS",
    "Activation",
    "Buildable",
    "Dense",
    "Dropout",
    "Flatten",
    "Identity",
    "Input",
    "Layer",
    "LeakyReLU",
    "Linear",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
]


class Input:
    """Keras' ``keras.Input(shape=(features,))``: the first item of ``Sequential([...])``, declaring the input width.

    As in Keras, it is not a layer of the model (``model.layers`` does not list
    it); it lets the layers after it be built at once, like ``input_dim=`` on
    the first ``Dense``. Only flat inputs exist here: ``shape`` is ``(features,)``.
    """

    def __init__(
        self, shape: tuple[int, ...], batch_size: int | None = None, dtype: Any = None, name: str | None = None
    ):
        if not isinstance(shape, (tuple, list)) or len(shape) != 1:
            raise ValueError(f"Input: shape must be (features,), one width for flat inputs, got {shape!r}")
        (width,) = shape
        if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
            raise ValueError(f"Input: the width in shape must be a positive int, got {plain_numbers(width)!r}")
        if dtype is not None:
            raise ValueError("Input: dtype= is not supported here; give the layers dtype= (float32 or float64) instead")
        self.shape = (int(width),)
        self.batch_size = batch_size
        self.name = name

    def __repr__(self) -> str:
        return f"Input(shape={self.shape})"


@runtime_checkable
class Buildable(Protocol):
    """What a model needs of a part to build it ahead of the data: its output width, and weights on demand.

    :class:`Layer` and :class:`~tinygrad_moons.nn.Sequential` are buildable;
    so is any module of yours with these three members. A ``Sequential``
    builds the buildable parts it holds as soon as their input width is
    known (``input_dim=`` on the first layer, or ``Input(shape=...)``); any
    other module it learns about by running one row of zeros through it.
    """

    @property
    def built(self) -> bool:
        """True once the weights exist."""
        ...

    def build(self, input_dim: int) -> None:
        """Create the weights for inputs of width ``input_dim``."""
        ...

    def compute_output_dim(self, input_dim: int | None) -> int | None:
        """The output width for inputs of width ``input_dim`` (None when unknown)."""
        ...


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
            raise ValueError(f"Dense: units must be a positive integer, got {plain_numbers(units)!r}")
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
        """True once the kernel (and bias) exist."""
        return self.kernel is not None

    def build(self, input_dim: int) -> None:
        """Create the kernel (input_dim, units) and bias (units,) for inputs of width ``input_dim``."""
        if isinstance(input_dim, bool) or not isinstance(input_dim, (int, np.integer)) or input_dim < 1:
            width = plain_numbers(input_dim)
            raise ValueError(f"{self.name}: the input width must be a positive integer, got {width!r}")
        super().build(input_dim)
        if self.rng is None:
            self.rng = initializers.global_generator()  # manual_seed makes it repeatable
        self.kernel = Parameter(self.kernel_initializer((self.input_dim, self.units), self.dtype, self.rng))
        if self.use_bias:
            self.bias = Parameter(self.bias_initializer((self.units,), self.dtype, self.rng))

    def reset_parameters(self) -> None:
        """Draw the kernel and bias again from the layer's generator (nothing before the layer is built)."""
        if self.kernel is None:
            return
        self.kernel.data[...] = self.kernel_initializer(self.kernel.shape, self.dtype, self.rng)
        if self.bias is not None:
            self.bias.data[...] = self.bias_initializer(self.bias.shape, self.dtype, self.rng)

    def compute_output_dim(self, input_dim: int | None) -> int:
        """``units``, whatever the input width."""
        return self.units

    def forward(self, x: Tensor) -> Tensor:
        """``activation(x @ kernel + bias)`` for ``x`` of shape (batch, input_dim); builds the layer on its first call.

        An input of another width is a ShapeError naming the layer and both shapes.
        """
        if self.kernel is None:
            self.build(np.shape(x)[-1] if np.ndim(x) else 0)
        kernel = self.kernel
        assert kernel is not None  # built just above
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.dtype)
        elif x.data.dtype != self.dtype:
            x = x.to(self.dtype)
        if x.ndim < 1 or x.shape[-1] != self.input_dim:
            # Checked here, not inferred from an error inside the matmul: only a real mismatch is a ShapeError.
            raise ShapeError(
                f"{self.name}: expects inputs of shape (batch, {self.input_dim}), got shape {x.shape} "
                f"(its kernel is {self.input_dim} x {self.units})"
            )
        z = F.affine(x, kernel, self.bias)
        return z if self.activation is None else self.activation(z)

    def get_config(self) -> dict[str, Any]:
        """The arguments that re-create this layer (a custom activation function cannot be saved by name)."""
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
        """``dense_1: 2 -> 25, activation=relu, dtype=float64``."""
        width = f"{self.input_dim}" if self.input_dim is not None else "?"
        return f"{self.name}: {width} -> {self.units}, activation={self.activation_name}, dtype={self.dtype.name}"


class Activation(Layer):
    """Applies an activation by name (``Activation("relu")``), as Keras' ``Activation`` layer."""

    default_name = "activation"

    def __init__(self, activation: str | Callable[[Tensor], Tensor], name: str | None = None):
        super().__init__(name)
        self.activation_name, self.activation = F.get_activation(activation)

    def forward(self, x: Tensor) -> Tensor:
        """The activation applied elementwise (the input itself for "linear")."""
        return x if self.activation is None else self.activation(x)

    def get_config(self) -> dict[str, Any]:
        """``{"name", "activation"}``; a custom activation function cannot be saved by name."""
        if F.ACTIVATIONS.get(self.activation_name, 0) is not self.activation:
            raise ValueError(f"{self.name}: a custom activation function cannot be saved by name")
        return {"name": self.name, "activation": self.activation_name}

    def extra_repr(self) -> str:
        """The layer's name and activation."""
        return f"{self.name}: {self.activation_name}"


def _refuse_inplace(inplace: bool, layer: str) -> None:
    if inplace:
        raise ValueError(
            f"{layer}(inplace=True) is not supported: tinygrad_moons computes activations out of place, "
            f"so the input would not change as PyTorch's would; use {layer}()"
        )


class ReLU(Activation):
    """max(x, 0), elementwise (the course's hidden activation). ``inplace=True`` is refused (see above)."""

    default_name = "relu"

    def __init__(self, inplace: bool = False, *, name: str | None = None):
        _refuse_inplace(inplace, "ReLU")
        super().__init__("relu", name=name)

    def get_config(self) -> dict[str, Any]:
        """``{"name"}``: the activation is implied by the class."""
        return {"name": self.name}


class Sigmoid(Activation):
    """1 / (1 + exp(-x)), elementwise (the course's output activation)."""

    default_name = "sigmoid"

    def __init__(self, *, name: str | None = None):
        super().__init__("sigmoid", name=name)

    def get_config(self) -> dict[str, Any]:
        """``{"name"}``: the activation is implied by the class."""
        return {"name": self.name}


class Tanh(Activation):
    """tanh(x), elementwise."""
    default_name = "tanh"

    def __init__(self, *, name: str | None = None):
        super().__init__("tanh", name=name)

    def get_config(self) -> dict[str, Any]:
        """``{"name"}``: the activation is implied by the class."""
        return {"name": self.name}


class LeakyReLU(Activation):
    """x where x > 0, else ``negative_slope * x`` (PyTorch's default slope, 0.01; Keras' is 0.3)."""

    default_name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False, *, name: str | None = None):
        _refuse_inplace(inplace, "LeakyReLU")
        super().__init__("leaky_relu", name=name)
        self.negative_slope = float(negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        """x where x > 0, else ``negative_slope * x``."""
        return F.leaky_relu(x, self.negative_slope)

    def get_config(self) -> dict[str, Any]:
        """``{"name", "negative_slope"}``."""
        return {"name": self.name, "negative_slope": self.negative_slope}

    def extra_repr(self) -> str:
        """The layer's name and slope."""
        return f"{self.name}: negative_slope={self.negative_slope}"


class Softmax(Activation):
    """exp(x) normalised to sum to 1 along ``dim`` (PyTorch: ``Softmax(dim=1)``) or ``axis`` (Keras: ``axis=-1``).

    With neither, the last axis (PyTorch would pick one with a deprecation
    warning; Keras uses the last).
    """

    default_name = "softmax"

    def __init__(self, dim: int | None = None, *, axis: int | None = None, name: str | None = None):
        super().__init__("softmax", name=name)
        if dim is not None and axis is not None:
            raise TypeError("Softmax: give dim (PyTorch's name) or axis (Keras'), not both")
        chosen = dim if dim is not None else axis
        self.axis = -1 if chosen is None else int(chosen)

    @property
    def dim(self) -> int:
        """PyTorch's name for :attr:`axis`, the axis that sums to 1."""
        return self.axis

    def forward(self, x: Tensor) -> Tensor:
        """exp(x) normalised along the axis, computed stably (the maximum subtracted first)."""
        return F.softmax(x, axis=self.axis)

    def get_config(self) -> dict[str, Any]:
        """``{"name", "axis"}``."""
        return {"name": self.name, "axis": self.axis}

    def extra_repr(self) -> str:
        """The layer's name and axis."""
        return f"{self.name}: dim={self.axis}"


class Linear(Layer):
    """PyTorch's ``Linear(in_features, out_features, bias=True)``: ``x @ weight.T + bias``.

    ``weight`` has shape (out_features, in_features) and ``bias``
    (out_features,), both drawn from U(-1/sqrt(in_features), 1/sqrt(in_features)),
    as PyTorch's ``kaiming_uniform_(a=sqrt(5))`` and bias rule give. The
    draws come from ``rng`` or ``seed`` when given, else from a seeded
    ``Sequential``, else from the global generator (``manual_seed``).
    ``dtype`` is float64 unless given (PyTorch's default is float32); an
    input of another float dtype is cast to it, where PyTorch would raise.
    """

    default_name = "linear"

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        dtype: Any = "float64",
        *,
        name: str | None = None,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
    ):
        super().__init__(name, seed=seed, rng=rng)
        for argument, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Linear: {argument} must be a positive integer, got {plain_numbers(value)!r}")
        self.in_features = self.input_dim = int(in_features)
        self.out_features = int(out_features)
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise TypeError(f"Linear: dtype must be a floating type such as float32 or float64, got {self.dtype}")
        if self.rng is None:
            self.rng = initializers.global_generator()
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=self.dtype))
        self.bias = Parameter(np.empty(self.out_features, dtype=self.dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight and bias again from U(-1/sqrt(in_features), 1/sqrt(in_features)), as PyTorch does."""
        rng = self.rng if self.rng is not None else initializers.global_generator()
        bound = 1.0 / np.sqrt(self.in_features)
        self.weight.data[...] = rng.uniform(-bound, bound, size=self.weight.shape)
        if self.bias is not None:
            self.bias.data[...] = rng.uniform(-bound, bound, size=self.bias.shape)

    def build(self, input_dim: int) -> None:
        """Nothing to create (the weights exist from the start); refuse an input width other than ``in_features``."""
        if input_dim != self.in_features:
            raise ShapeError(f"{self.name}: Linear({self.in_features}, {self.out_features}) cannot take inputs "
                             f"of width {input_dim}")

    def compute_output_dim(self, input_dim: int | None) -> int:
        """``out_features``, whatever the input width."""
        return self.out_features

    def forward(self, x: Tensor) -> Tensor:
        """``x @ weight.T + bias`` for ``x`` of shape (..., in_features); one sample (in_features,) too."""
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.dtype)
        elif x.data.dtype != self.dtype:
            x = x.to(self.dtype)
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ShapeError(
                f"{self.name}: Linear({self.in_features}, {self.out_features}) expects inputs of shape "
                f"(..., {self.in_features}), got shape {x.shape}"
            )
        if x.ndim == 1:  # one sample, as PyTorch allows
            return F.linear(x.reshape(1, -1), self.weight, self.bias).reshape(-1)
        return F.linear(x, self.weight, self.bias)

    def get_config(self) -> dict[str, Any]:
        """The arguments that re-create this layer (model files do not hold Linear layers: save its weights)."""
        return {
            "name": self.name,
            "in_features": self.in_features,
            "out_features": self.out_features,
            "bias": self.bias is not None,
            "dtype": self.dtype.name,
        }

    def extra_repr(self) -> str:
        """PyTorch's ``in_features=2, out_features=25, bias=True``."""
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Layer):
    """Merges the axes ``start_dim`` to ``end_dim`` into one, as PyTorch's ``Flatten(start_dim=1, end_dim=-1)``."""

    default_name = "flatten"

    def __init__(self, start_dim: int = 1, end_dim: int = -1, *, name: str | None = None):
        super().__init__(name)
        self.start_dim = int(start_dim)
        self.end_dim = int(end_dim)

    def forward(self, x: Tensor) -> Tensor:
        """The input with axes ``start_dim`` to ``end_dim`` merged into one."""
        rank = max(x.ndim, 1)
        start, end = self.start_dim, self.end_dim
        if not (-rank <= start < rank and -rank <= end < rank):
            raise IndexError(
                f"{self.name}: Flatten(start_dim={start}, end_dim={end}) does not fit an input of shape {x.shape}"
            )
        start, end = start % rank, end % rank
        if start > end:
            raise ValueError(f"{self.name}: flatten() has invalid args: start_dim cannot come after end_dim")
        if x.ndim == 0:
            return x.reshape(1)
        return x.reshape(x.shape[:start] + (-1,) + x.shape[end + 1 :])

    def get_config(self) -> dict[str, Any]:
        """``{"name", "start_dim", "end_dim"}``."""
        return {"name": self.name, "start_dim": self.start_dim, "end_dim": self.end_dim}

    def extra_repr(self) -> str:
        """PyTorch's ``start_dim=1, end_dim=-1``."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Identity(Layer):
    """Returns its input; any arguments are ignored, as PyTorch's ``Identity``."""

    default_name = "identity"

    def __init__(self, *args: Any, name: str | None = None, **kwargs: Any):
        super().__init__(name)

    def forward(self, x: Tensor) -> Tensor:
        """The input, unchanged."""
        return x


class Dropout(Layer):
    """Inverted dropout: in training mode each element is zeroed with probability ``p`` and the rest scaled by 1/(1-p).

    In eval mode (``model.eval()``, and inside ``evaluate``/``predict``) it
    returns its input. The masks come from ``rng``/``seed`` when given, else
    from the global generator (``manual_seed``).
    """

    default_name = "dropout"

    def __init__(
        self,
        p: float = 0.5,
        inplace: bool = False,
        *,
        name: str | None = None,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
    ):
        _refuse_inplace(inplace, "Dropout")
        super().__init__(name, seed=seed, rng=rng)
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: dropout probability has to be between 0 and 1, but got {plain_numbers(p)!r}")
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        """In training mode, the input with each element zeroed with probability ``p`` and the rest scaled by 1/(1-p);
        in eval mode, the input itself.
        """
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * 0.0
        if autograd._CAPTURE is not None:  # tinygrad_moons.compile would replay the first call's mask
            autograd._CAPTURE.refuse("Dropout in training mode (its mask is drawn with NumPy on each call)")
        generator = self.rng if self.rng is not None else initializers.global_generator()
        keep = generator.random(x.shape) >= self.p
        return x * Tensor._wrap((keep / (1.0 - self.p)).astype(x.data.dtype))

    def get_config(self) -> dict[str, Any]:
        """``{"name", "p"}``."""
        return {"name": self.name, "p": self.p}

    def extra_repr(self) -> str:
        """PyTorch's ``p=0.5``."""
        return f"p={self.p}"


#: The layer classes a model file (``model.save``) may name, besides ``Sequential``; ``load_model`` builds only these.
SAVABLE_LAYERS: tuple[type[Layer], ...] = (Dense, Activation, ReLU, Sigmoid, Tanh, LeakyReLU, Softmax)
