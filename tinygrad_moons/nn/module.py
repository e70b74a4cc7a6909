"""``Module``: the building block of models, as in PyTorch.

A module holds parameters (tensors to be trained) and other modules, and
says how to compute its output in ``forward``. Assigning a
:class:`Parameter` or a :class:`Module` to an attribute registers it, so
``parameters()`` finds every trainable tensor of a model without being told::

    class TwoLayers(Module):
        def __init__(self):
            super().__init__()
            self.hidden = Dense(25, activation="relu", input_dim=2)
            self.out = Dense(1, activation="sigmoid", input_dim=25)

        def forward(self, x):
            return self.out(self.hidden(x))

Every parameter's ``.name`` is its dotted path from the outermost module it
was attached to (``hidden.kernel``, ``dense_1.bias``), so a drawing of the
graph can label it; calling a module tags each tensor made during its
``forward`` with the module (``tensor.scope``), so a drawing can group the
nodes by layer. A parameter's own ``scope`` is the module that owns it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from tinygrad_moons import autograd
from tinygrad_moons.tensor import Tensor, _looks_like_device

__all__ = ["IncompatibleKeys", "Module", "Parameter", "StateDictError"]


class StateDictError(RuntimeError, ValueError):
    """A state dict does not fit a model (PyTorch raises RuntimeError; earlier versions here raised ValueError)."""


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` returns, as PyTorch's ``_IncompatibleKeys``."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Parameter(Tensor):
    """A tensor that a module trains: ``requires_grad`` is always on.

    The data is copied, so training never writes into an array the caller
    still holds.
    """

    __slots__ = ()

    def __init__(self, data: Any, name: str | None = None, dtype: Any = None):
        super().__init__(
            np.array(data.data if isinstance(data, Tensor) else data, dtype=dtype, copy=True),
            requires_grad=True,
            name=name,
        )

    def __repr__(self) -> str:
        return "Parameter(" + super().__repr__()[len("tensor(") :]


def _snake_case(class_name: str) -> str:
    """``TwoLayers`` -> ``two_layers``: the default name of a module of that class."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", class_name).lower()


class Module:
    """Base class of layers and models.

    Subclasses call ``super().__init__()`` first, assign their parameters and
    sub-modules as attributes, and define ``forward``. Calling the module
    runs ``forward``.
    """

    #: The name a module of this class gets when none is given (``Dense`` -> "dense").
    default_name: str | None = None

    def __init__(self, name: str | None = None):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_path", "")  # dotted prefix of this module's parameters, "" at the root
        object.__setattr__(self, "training", True)
        if name is not None:
            _check_name(name)
        #: False when the name was chosen for the user; a model may then renumber it (dense_1, dense_2, ...).
        self._named_by_user = name is not None
        self.name = name if name is not None else (self.default_name or _snake_case(type(self).__name__))

    # ------------------------------------------------------- registration
    #: Counts every (re)registration of a parameter or module, in any module: compile (jit.py) checks it
    #: on each call to notice a replaced layer or parameter without walking the model.
    _registrations = 0

    def __setattr__(self, key: str, value: Any) -> None:
        registry: dict[str, Parameter] | None = self.__dict__.get("_parameters")
        if registry is not None and (isinstance(value, (Parameter, Module)) or key in registry or key in self._modules):
            Module._registrations += 1
        if registry is None and isinstance(value, (Parameter, Module)):
            raise AttributeError(
                f"cannot assign {key!r} before Module.__init__() has run; call super().__init__() first"
            )
        if isinstance(value, Parameter):
            assert registry is not None  # refused just above
            self._modules.pop(key, None)
            registry[key] = value
            value.name = self._path + key
            owner: Any = self  # (Tensor declares scope as None until a module or op sets it)
            value.scope = owner  # a parameter belongs to the module that owns it (a drawing groups it there)
        elif isinstance(value, Module):
            assert registry is not None  # refused just above
            registry.pop(key, None)
            self._modules[key] = value
            if not value._named_by_user:
                value.name = key  # an attribute name is unique and readable: `self.hidden = Dense(...)` is "hidden"
            value._set_path(self._path + key + ".")
        elif registry is not None:
            registry.pop(key, None)
            self._modules.pop(key, None)
        object.__setattr__(self, key, value)

    def __getattr__(self, key: str) -> Any:
        # Only called when normal lookup fails: children registered without an attribute (Sequential's layers).
        modules = self.__dict__.get("_modules")
        if modules is not None and key in modules:
            return modules[key]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    def __delattr__(self, key: str) -> None:
        Module._registrations += 1
        self._parameters.pop(key, None)
        self._modules.pop(key, None)
        object.__delattr__(self, key)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as the child ``name`` (PyTorch's ``add_module``), the same as ``setattr``."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"add_module: module name must be a non-empty string without '.', got {name!r}")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module")
        setattr(self, name, module)

    register_module = add_module

    def register_parameter(self, name: str, parameter: Parameter | None) -> None:
        """Register ``parameter`` under ``name`` (PyTorch's ``register_parameter``); None leaves a None attribute."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"register_parameter: parameter name must be a non-empty string without '.', got {name!r}")
        if parameter is not None and not isinstance(parameter, Parameter):
            raise TypeError(
                f"register_parameter: {type(parameter).__name__} is not a Parameter (wrap it: Parameter(t))"
            )
        setattr(self, name, parameter)

    def _register_module(self, key: str, module: Module) -> None:
        """Register a child under ``key`` without making it an attribute (a Sequential's layers)."""
        Module._registrations += 1
        self._modules[key] = module
        module._set_path(self._path + key + ".")

    def _set_path(self, path: str) -> None:
        """Re-name this module's parameters, and its children's, as seen from the new root."""
        object.__setattr__(self, "_path", path)
        for key, parameter in self._parameters.items():
            parameter.name = path + key
        for key, child in self._modules.items():
            child._set_path(path + key + ".")

    # ----------------------------------------------------------- running
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the output from the inputs; every subclass defines it (calling the module runs it)."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Every tensor made inside forward remembers this module (tensor.scope); nested modules restore it.
        with autograd.scope(self):
            return self.forward(*args, **kwargs)

    # ---------------------------------------------------------- traversal
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """``(dotted name, module)`` for this module ("" by default) and every module inside it."""
        stack = [(prefix, self)]
        seen: set[int] = set()
        while stack:  # iterative depth-first, children in registration order
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{key}" if name else key, child) for key, child in module._modules.items()]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every module inside it, depth first (PyTorch's ``modules``)."""
        for _, module in self.named_modules():
            yield module

    def children(self) -> Iterator[Module]:
        """The direct sub-modules, in registration order."""
        return iter(self._modules.values())

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(key, module)`` for each direct sub-module, in registration order."""
        return iter(self._modules.items())

    def apply(self, function: Callable[[Module], Any]) -> Module:
        """Call ``function`` on every sub-module, children first, then on this one (PyTorch's ``apply``)."""
        for child in self._modules.values():
            child.apply(function)
        function(self)
        return self

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` for every parameter, e.g. ``("dense_1.kernel", ...)``; shared ones once."""
        seen: set[int] = set()
        for module_name, module in self.named_modules(prefix):
            for key, parameter in module._parameters.items():
                if id(parameter) not in seen:
                    seen.add(id(parameter))
                    yield (f"{module_name}.{key}" if module_name else key), parameter

    def parameters(self) -> list[Parameter]:
        """Every parameter of this module and its sub-modules, in registration order.

        A list rather than PyTorch's generator, so it can be handed to an
        optimizer and counted without being used up.
        """
        return [parameter for _, parameter in self.named_parameters()]

    def count_params(self) -> int:
        """The number of trainable numbers (Keras' ``count_params``)."""
        return sum(p.data.size for p in self.parameters())

    # -------------------------------------------------------------- modes
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient: set it to None (PyTorch's default), or to 0 with ``set_to_none=False``."""
        capture = autograd._CAPTURE
        if capture is not None and capture.replays(self.zero_grad, set_to_none):
            return  # recorded by compile (jit.py), which made the call
        for parameter in self.parameters():
            if set_to_none or parameter.grad is None:
                parameter.grad = None
            else:
                parameter.grad = Tensor._wrap(np.zeros_like(parameter.grad.data))

    def train(self, mode: bool = True) -> Module:
        """Set training mode (for layers that behave differently when training, such as Dropout) here and below."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: training mode is expected to be boolean, got {mode!r}")
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode here and below (``train(False)``): Dropout passes its input through."""
        return self.train(False)

    # ------------------------------------------------------------ devices
    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``model.to("cpu")`` or ``to(device("cpu"))``: the model itself, as PyTorch (the CPU is our only device).

        Any other device (``"cuda"``, ``"mps"``) raises the clear error that
        ``Tensor.to`` gives. A dtype (``model.to(float32)``) is refused rather
        than half done: PyTorch casts every parameter in place; here a layer's
        dtype is chosen when it is made (``Dense(..., dtype="float32")``).
        """
        from tinygrad_moons import creation  # the engine's device check; creation imports tensor, not nn

        device = kwargs.pop("device", None)
        dtype = kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"Module.to: unexpected arguments {sorted(kwargs)} (give a device, e.g. 'cpu')")
        for arg in args:
            if isinstance(arg, creation.device) or (isinstance(arg, str) and _looks_like_device(arg)):
                device = arg
            else:
                dtype = arg
        creation.check_device(device, f"{type(self).__name__}.to")
        if dtype is not None:
            raise TypeError(
                f"{type(self).__name__}.to: casting a module's parameters to dtype={dtype!r} is not supported "
                "(PyTorch casts them in place); choose the dtype when making the layers, "
                "e.g. Dense(..., dtype='float32')"
            )
        return self

    def cpu(self) -> Module:
        """The model itself (PyTorch's ``Module.cpu()``): the CPU is the only device."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Refused with a clear error, as ``Tensor.cuda()``: tinygrad_moons runs on NumPy, on the CPU only."""
        return self.to("cuda" if device is None else f"cuda:{device}")

    # ------------------------------------------------------------ weights
    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's values by dotted name, e.g. ``{"dense_1.kernel": array, ...}``."""
        return {name: parameter.data.copy() for name, parameter in self.named_parameters()}

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values into the parameters, in place (an optimizer holding them keeps working).

        Every name and shape is checked first and nothing is written unless
        all fit; the error (a :class:`StateDictError`, a RuntimeError as in
        PyTorch) lists every mismatch. Values of another numeric dtype are
        cast, as PyTorch's ``copy_`` does. With ``strict=False`` missing and
        unexpected names are allowed (shapes are still checked) and returned.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of arrays, got {type(state_dict).__name__}")
        own = dict(self.named_parameters())
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        problems = []
        if strict:
            if missing:
                problems.append(f"missing: {', '.join(missing)}")
            if unexpected:
                problems.append(f"unexpected: {', '.join(unexpected)}")
        values = {}
        for name, value in state_dict.items():
            if name not in own:
                continue
            value = value.data if isinstance(value, Tensor) else np.asarray(value)
            target = own[name].data
            if value.dtype.kind not in "biuf":
                problems.append(f"{name}: dtype {value.dtype} is not numeric")
            elif value.shape != target.shape:
                problems.append(f"{name}: shape {value.shape} does not match the model's {target.shape}")
            else:
                values[name] = value
        if problems:
            hint = " (the model has no parameters yet: build it first)" if not own else ""
            raise StateDictError(
                f"load_state_dict: the state does not fit {self.name!r}{hint}: " + "; ".join(problems)
            )
        for name, value in values.items():
            own[name].data[...] = value
        return IncompatibleKeys(missing, unexpected)

    # -------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """What to show inside this module's parentheses in ``repr``."""
        return ""

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for key, child in self._modules.items():
            child_lines = repr(child).split("\n")
            lines.append(f"  ({key}): " + "\n  ".join(child_lines))
        if len(lines) == 1:
            return lines[0] + ")"
        return "\n".join(lines) + "\n)"


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name or "." in name or "/" in name:
        raise ValueError(f"a layer name must be a non-empty string without '.' or '/', got {name!r}")
