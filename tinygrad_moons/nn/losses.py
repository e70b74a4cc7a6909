"""Losses as modules, called as ``loss(prediction, target)``.

Keras' classes (``BinaryCrossentropy(from_logits=False)``, ...) with the
names ``compile`` accepts, and PyTorch's (``BCELoss``, ``BCEWithLogitsLoss``,
``MSELoss``, ``CrossEntropyLoss``). Each is a :class:`Module`, so the
tensors it makes are tagged with it and a graph drawing shows the loss as
its own group. The mathematics is in :mod:`tinygrad_moons.functional`.
"""

from __future__ import annotations

from typing import Any, Callable

from tinygrad_moons import functional as F
from tinygrad_moons.nn.module import Module
from tinygrad_moons.tensor import Tensor

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "CrossEntropyLoss",
    "Loss",
    "MSELoss",
    "MeanSquaredError",
    "SparseCategoricalCrossentropy",
    "get",
]


class Loss(Module):
    """Base class: ``loss(prediction, target)`` returns the loss tensor (a scalar unless ``reduction="none"``)."""

    #: What the model's output is compared with: "binary" (0/1 labels), "categorical" (one-hot rows),
    #: "sparse" (integer labels) or "regression". ``fit`` checks labels and picks the accuracy by it.
    target_kind = "regression"
    #: True when the loss expects logits rather than probabilities (accuracy then thresholds at 0).
    from_logits = False

    def __init__(self, reduction: str = "mean", name: str | None = None):
        super().__init__(name)
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        self.reduction = reduction

    def get_config(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "name": self.name}

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class BinaryCrossentropy(Loss):
    """Binary cross-entropy for 0/1 targets; on probabilities, or on logits with ``from_logits=True``."""

    default_name = "binary_crossentropy"
    target_kind = "binary"

    def __init__(self, from_logits: bool = False, reduction: str = "mean", name: str | None = None):
        super().__init__(reduction, name)
        self.from_logits = bool(from_logits)

    def forward(self, prediction: Tensor, target: Any) -> Tensor:
        if self.from_logits:
            return F.binary_cross_entropy_with_logits(prediction, target, self.reduction)
        return F.binary_cross_entropy(prediction, target, self.reduction)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "from_logits": self.from_logits}


class CategoricalCrossentropy(Loss):
    """Cross-entropy against one-hot target rows; on softmax probabilities, or logits with ``from_logits=True``."""

    default_name = "categorical_crossentropy"
    target_kind = "categorical"

    def __init__(self, from_logits: bool = False, reduction: str = "mean", name: str | None = None):
        super().__init__(reduction, name)
        self.from_logits = bool(from_logits)

    def forward(self, prediction: Tensor, target: Any) -> Tensor:
        if self.from_logits:
            return F.cross_entropy(prediction, target, self.reduction)
        return F.categorical_cross_entropy(prediction, target, self.reduction)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "from_logits": self.from_logits}


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Cross-entropy against integer class labels (shape (batch,))."""

    default_name = "sparse_categorical_crossentropy"
    target_kind = "sparse"


class MeanSquaredError(Loss):
    default_name = "mean_squared_error"

    def forward(self, prediction: Tensor, target: Any) -> Tensor:
        return F.mse_loss(prediction, target, self.reduction)


# PyTorch's names for the same losses.
class BCELoss(BinaryCrossentropy):
    """PyTorch's name: binary cross-entropy on probabilities."""

    default_name = "bce_loss"

    def __init__(self, reduction: str = "mean", name: str | None = None):
        super().__init__(from_logits=False, reduction=reduction, name=name)


class BCEWithLogitsLoss(BinaryCrossentropy):
    """PyTorch's name: binary cross-entropy on logits (numerically stable)."""

    default_name = "bce_with_logits_loss"

    def __init__(self, reduction: str = "mean", name: str | None = None):
        super().__init__(from_logits=True, reduction=reduction, name=name)


class CrossEntropyLoss(SparseCategoricalCrossentropy):
    """PyTorch's name: cross-entropy on logits against integer labels."""

    default_name = "cross_entropy_loss"

    def __init__(self, reduction: str = "mean", name: str | None = None):
        super().__init__(from_logits=True, reduction=reduction, name=name)


class MSELoss(MeanSquaredError):
    default_name = "mse_loss"


#: The names ``compile(loss=...)`` accepts.
LOSSES: dict[str, Callable[[], Loss]] = {
    "binary_crossentropy": BinaryCrossentropy,
    "bce": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
}


_FUNCTIONAL_FORMS: dict[Callable[..., Tensor], Callable[[], Loss]] = {
    F.binary_cross_entropy: BCELoss,
    F.binary_cross_entropy_with_logits: BCEWithLogitsLoss,
    F.mse_loss: MeanSquaredError,
    F.cross_entropy: CrossEntropyLoss,
    F.categorical_cross_entropy: CategoricalCrossentropy,
}


def get(identifier: str | Loss | Callable[[Tensor, Any], Tensor]) -> Loss | Callable[[Tensor, Any], Tensor]:
    """A loss from its name (``"binary_crossentropy"``, ``"mse"``, ...), or the loss object or function itself."""
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in LOSSES:
            raise ValueError(f"unknown loss {identifier!r}; choose one of {sorted(LOSSES)} or pass a loss function")
        return LOSSES[key]()
    if isinstance(identifier, Loss):
        return identifier
    # The functional forms become their modules, which tell fit how to read labels and outputs.
    for function, module in _FUNCTIONAL_FORMS.items():
        if identifier is function:
            return module()
    if callable(identifier):
        return identifier
    raise TypeError(f"loss must be a name, a Loss or a function, got {type(identifier).__name__}")


#: The classes a saved model's compile settings may name (the PyTorch-named ones are saved as these).
_DESCRIBABLE: tuple[type[Loss], ...] = (
    SparseCategoricalCrossentropy,
    CategoricalCrossentropy,
    BinaryCrossentropy,
    MeanSquaredError,
)


def describe(loss: Any) -> dict[str, Any] | None:
    """A built-in loss as plain data (``{"class_name": ..., "config": ...}``) for saving; None for a custom one."""
    for cls in _DESCRIBABLE:  # subclasses before their bases
        if isinstance(loss, cls):
            config = {"reduction": loss.reduction, "name": loss.name}
            if cls is not MeanSquaredError:
                config["from_logits"] = loss.from_logits
            return {"class_name": cls.__name__, "config": config}
    return None


def from_description(description: dict[str, Any]) -> Loss:
    """The loss that :func:`describe` described."""
    classes = {cls.__name__: cls for cls in _DESCRIBABLE}
    class_name = description.get("class_name")
    if class_name not in classes:
        raise ValueError(f"unknown loss class {class_name!r} (known: {', '.join(sorted(classes))})")
    return classes[class_name](**description.get("config", {}))
