"""``Sequential``: a model that is a list of layers, each fed the previous one's output.

The course's network::

    model = Sequential([
        Dense(25, activation="relu", input_dim=2),
        Dense(50, activation="relu"),
        Dense(50, activation="relu"),
        Dense(25, activation="relu"),
        Dense(1, activation="sigmoid"),
    ], seed=0)

Layers without an explicit name are numbered within the model in the order
they are added (``dense_1`` ... ``dense_5``, ``relu_1``), so the names, and
the parameter names built from them (``dense_1.kernel``), are the same on
every run. With ``seed`` (or ``rng``), every layer that was not given a
seed of its own draws its initial weights from the model's generator, in
order: the same seed gives the same weights.

PyTorch's forms work too: ``Sequential(Linear(2, 25), ReLU(), ...)`` and
``Sequential(OrderedDict(hidden=..., out=...))``. Their children are keyed
as in PyTorch, by position ("0", "1", ...) or by the dict's keys, so
``state_dict()`` has PyTorch's names ("0.weight", "0.bias").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from tinygrad_moons.autograd import no_grad
from tinygrad_moons.nn.initializers import global_generator
from tinygrad_moons.nn.layers import SAVABLE_LAYERS, Buildable, Input, Layer
from tinygrad_moons.nn.module import Module, _snake_case
from tinygrad_moons.nn.training import Model
from tinygrad_moons.tensor import Tensor

__all__ = ["Sequential"]


class Sequential(Model):
    """Layers applied in order; indexable (``model[0]``, ``model[1:]``), iterable, ``len(model)``, ``model.add(layer)``.

    Keras' form: ``Sequential([layer, ...], name=None, seed=None, rng=None)``,
    or ``Sequential()`` then ``add``. PyTorch's forms:
    ``Sequential(module, module, ...)`` and ``Sequential(OrderedDict)``.
    """

    default_name = "sequential"

    def __init__(
        self,
        *modules: Module | Iterable[Module] | Mapping[str, Module] | None,
        name: str | None = None,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
    ):
        super().__init__(name)
        if seed is not None and rng is not None:
            raise ValueError("Sequential: give seed or rng, not both")
        #: True when the weights are to come from this model's generator (a seed or rng was given).
        self.seeded = seed is not None or rng is not None
        # Unseeded, the weights come from the global generator, so that manual_seed (Keras' set_random_seed)
        # makes a run repeatable, as in PyTorch and Keras.
        self.rng = rng if rng is not None else (np.random.default_rng(seed) if seed is not None else global_generator())
        self._layers: list[Module] = []
        #: The width declared by a leading ``Input(shape=(width,))`` (Keras), None without one.
        self._declared_input_dim: int | None = None
        #: True for PyTorch's forms: children are keyed by position or by the given dict's keys, not by name.
        self._keyed_as_pytorch = False
        keys: list[str | None]
        if len(modules) == 1 and isinstance(modules[0], Mapping):  # Sequential(OrderedDict(...))
            keys, layers = [str(key) for key in modules[0]], list(modules[0].values())
            self._keyed_as_pytorch = True
        elif len(modules) == 1 and (modules[0] is None or isinstance(modules[0], (list, tuple))):  # Keras' list
            layers = list(modules[0] or [])
            keys = [None] * len(layers)
        else:  # Sequential(a, b, c)
            if any(isinstance(module, str) for module in modules):
                raise TypeError("Sequential: give the model's name as a keyword, Sequential([...], name='net')")
            for position, module in enumerate(modules):
                if not isinstance(module, Module):
                    raise TypeError(
                        f"Sequential: argument {position} is a {type(module).__name__}, not a module; pass modules "
                        "(Sequential(a, b)), one list of them (Sequential([a, b])) or an OrderedDict"
                    )
            layers = list(modules)
            keys = [str(position) for position in range(len(layers))]
            self._keyed_as_pytorch = bool(layers)
        for key, layer in zip(keys, layers):
            self._append(layer, key)

    # ---------------------------------------------------------- the list
    def add(self, layer: Module) -> None:
        """Append a layer: name it, give it the model's generator, and build it if its input width is known."""
        self._append(layer, str(len(self._layers)) if self._keyed_as_pytorch else None)

    def append(self, module: Module) -> Sequential:
        """PyTorch's ``append``: add ``module`` at the end (keyed by its position in a PyTorch-style model)."""
        self.add(module)
        return self

    def _append(self, layer: Module, key: str | None) -> None:
        """Append ``layer`` under ``key`` (PyTorch's forms) or under its own, numbered, name (``key`` None)."""
        if isinstance(layer, Input):
            if self._layers or self._declared_input_dim is not None:
                raise ValueError(f"{self.name}.add: an Input(shape=...) can only come first, before any layer")
            self._declared_input_dim = layer.shape[0]
            return
        if not isinstance(layer, Module):
            raise TypeError(f"{self.name}.add: expected a layer (a Module), got {type(layer).__name__}")
        if layer is self or any(layer is existing for existing in self._layers):
            raise ValueError(f"{self.name}.add: layer {layer.name!r} is already in this model")
        if key is not None:
            if not key or "." in key:
                raise KeyError(f"Sequential: module name can't be empty or contain \".\", got {key!r}")
            if key in self._modules:
                raise KeyError(f"Sequential: two modules are named {key!r}")
            if not layer._named_by_user:
                layer.name = key
        elif layer._named_by_user:
            if layer.name in self._modules:
                raise ValueError(
                    f"{self.name}.add: a layer named {layer.name!r} is already in this model; "
                    "layer names must be unique"
                )
        else:
            prefix = layer.default_name or _snake_case(type(layer).__name__)
            number = 1
            while f"{prefix}_{number}" in self._modules:
                number += 1
            layer.name = f"{prefix}_{number}"
        # A seeded model hands its generator to every layer not seeded by the user; an unseeded one only to
        # layers that still need one to build (Linear and Dropout keep drawing from the global generator).
        if isinstance(layer, Layer) and not layer.seeded_by_user and (self.seeded or not layer.built):
            had_weights_from_elsewhere = layer.built and layer.rng is not self.rng
            layer.rng = self.rng
            if self.seeded and had_weights_from_elsewhere:
                layer.reset_parameters()  # drawn from fresh entropy at construction: redraw them from the seed
        self._register_module(key if key is not None else layer.name, layer)
        self._layers.append(layer)
        if isinstance(layer, Buildable) and not layer.built:
            width = self._width_before(len(self._layers) - 1)
            if width is not None:
                layer.build(width)

    def __getitem__(self, index: int | slice) -> Module | Sequential:
        """The layer at ``index``; a slice is a new Sequential of the same (shared) layers, as in PyTorch."""
        if isinstance(index, slice):
            part = Sequential(name=self.name)
            part._keyed_as_pytorch = self._keyed_as_pytorch
            part.rng, part.seeded = self.rng, self.seeded
            keys = list(self._modules)
            for key, layer in zip(keys[index], self._layers[index]):
                part._modules[key] = layer  # shared as they are: not renamed, rebuilt or re-seeded
                part._layers.append(layer)
            return part
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"{self.name}: index with an int or a slice, got {type(index).__name__}")
        if not -len(self._layers) <= index < len(self._layers):
            raise IndexError(f"{self.name}: index {index} is out of range for {len(self._layers)} layers")
        return self._layers[index]

    def __iter__(self) -> Iterator[Module]:
        return iter(self._layers)

    def __len__(self) -> int:
        return len(self._layers)

    @property
    def layers(self) -> list[Module]:
        """The layers in order (a copy: use ``add`` to change the model)."""
        return list(self._layers)

    def get_layer(self, name: str) -> Module:
        """The layer called ``name`` (its key in a PyTorch-style model: "0", or the OrderedDict's key)."""
        if name in self._modules:
            return self._modules[name]
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise KeyError(f"{self.name} has no layer named {name!r}; its layers are {list(self._modules)}")

    # ------------------------------------------------------------ running
    def forward(self, x: Tensor) -> Tensor:
        """Each layer applied to the previous one's output, in order."""
        if not self._layers:
            raise RuntimeError(f"{self.name} has no layers yet; add() some before calling it")
        for layer in self._layers:
            x = layer(x)
        return x

    # ------------------------------------------------------- shapes, build
    @property
    def input_dim(self) -> int | None:
        """The input width of the first layer, once known (or as a leading ``Input`` declared it)."""
        first_layer_width = getattr(self._layers[0], "input_dim", None) if self._layers else None
        return first_layer_width if first_layer_width is not None else self._declared_input_dim

    @property
    def built(self) -> bool:
        """True once every layer has its weights (False for a model without layers)."""
        return bool(self._layers) and all(getattr(layer, "built", True) for layer in self._layers)

    def _width_before(self, position: int) -> int | None:
        """The input width of layer ``position``, if the layers before it make it known."""
        width = self.input_dim if position > 0 else self._declared_input_dim
        for layer in self._layers[:position]:
            if not isinstance(layer, Buildable):
                return None
            width = layer.compute_output_dim(width)
            if width is None:
                return None
        return width

    def compute_output_dim(self, input_dim: int | None) -> int | None:
        """The width after the last layer for inputs of width ``input_dim`` (None when a layer hides it)."""
        width = input_dim
        for layer in self._layers:
            if not isinstance(layer, Buildable):
                return None
            width = layer.compute_output_dim(width)
        return width

    def build(self, input_dim: int) -> None:
        """Create every layer's weights for inputs of width ``input_dim`` (Keras' ``model.build``)."""
        if not self._layers:
            raise RuntimeError(f"{self.name} has no layers yet; add() some before building or using it")
        width = input_dim
        for layer in self._layers:
            if isinstance(layer, Buildable):
                if not layer.built:
                    layer.build(width)
                width = layer.compute_output_dim(width)
            else:  # an arbitrary module: learn its output width by running it once
                with no_grad():
                    width = layer(Tensor(np.zeros((1, width), dtype=self.dtype))).shape[-1]

    def _ensure_built(self, input_dim: int) -> None:
        if not self.built:
            self.build(input_dim)

    def _output_width(self, input_dim: int) -> int:
        width = self.compute_output_dim(input_dim)
        return width if width is not None else super()._output_width(input_dim)

    # ------------------------------------------------------ description
    def _summary_rows(self) -> list[tuple[str, str, str]]:
        rows, width = [], self.input_dim
        for layer in self._layers:
            known = isinstance(layer, Buildable)
            width = layer.compute_output_dim(width) if known else None
            shape = f"(None, {width})" if width is not None else "?"
            count = f"{layer.count_params():,}" if getattr(layer, "built", True) else "0 (unbuilt)"
            rows.append((f"{layer.name} ({type(layer).__name__})", shape, count))
        return rows

    def _check_savable(self) -> None:
        """Refuse, before anything is written, a model that ``load_model`` could not build back the same."""
        pending = [self]
        while pending:
            sequential = pending.pop()
            if sequential._keyed_as_pytorch:
                raise ValueError(
                    f"save: {sequential.name} is a PyTorch-style Sequential (children keyed '0', '1', ...), which "
                    "save_model cannot load back; save its weights instead: np.savez(path, **model.state_dict()), "
                    "and later model.load_state_dict(dict(np.load(path)))"
                )
            for layer in sequential._layers:
                if isinstance(layer, Sequential):
                    pending.append(layer)
                elif type(layer) not in SAVABLE_LAYERS:
                    known = sorted(cls.__name__ for cls in (*SAVABLE_LAYERS, Sequential))
                    raise ValueError(
                        f"save: layer {layer.name!r} is a {type(layer).__name__}; model files hold "
                        f"{', '.join(known)} layers only. Save the weights instead: "
                        "np.savez(path, **model.state_dict()), and later model.load_state_dict(dict(np.load(path)))"
                    )

    def get_config(self) -> dict[str, Any]:
        """The architecture as plain data: each layer's class and arguments (for ``save``)."""
        layers = []
        for layer in self._layers:
            try:
                config = layer.get_config()
            except (AttributeError, NotImplementedError) as error:
                raise ValueError(
                    f"{self.name}: layer {layer.name!r} ({type(layer).__name__}) "
                    f"cannot be saved by description: {error}"
                ) from None
            layers.append({"class_name": type(layer).__name__, "config": config})
        return {"name": self.name, "layers": layers}

    def extra_repr(self) -> str:
        """The model's name."""
        return self.name
