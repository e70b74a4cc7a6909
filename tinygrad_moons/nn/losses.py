"""Losses in both dialects, each called in its own library's argument order.

* Keras' names, called ``loss(y_true, y_pred)`` as in Keras:
  :class:`BinaryCrossentropy`, :class:`CategoricalCrossentropy`,
  :class:`SparseCategoricalCrossentropy`, :class:`MeanSquaredError`, the
  functions :func:`binary_crossentropy` and friends (per-sample losses),
  and the names ``compile`` accepts ("binary_crossentropy", "mse", ...).
  Their base class is :class:`Loss` (``keras.losses.Loss``): subclass it
  and define ``call(y_true, y_pred)``.
* PyTorch's names, called ``loss(input, target)`` as in PyTorch:
  :class:`BCELoss`, :class:`BCEWithLogitsLoss`, :class:`MSELoss`,
  :class:`L1Loss`, :class:`CrossEntropyLoss`, :class:`NLLLoss`, on the
  functions of :mod:`tinygrad_moons.functional`. Their base class is
  :class:`_Loss`, as in ``torch.nn.modules.loss``.

The two families share no base but :class:`Module`, so a loss never takes
the other library's order by inheritance. Each is a Module, so the tensors
it makes are tagged with it and a graph drawing shows the loss as its own group.

Keras' cross-entropies on probabilities clip them to [1e-7, 1 - 1e-7], as
Keras does; when the probabilities came straight out of this library's
``sigmoid`` / ``softmax`` activation (``Dense(1, activation="sigmoid")``),
they are computed from the logits instead, as Keras' TensorFlow backend
does, whether or not the graph is being recorded.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_moons import autograd, ops
from tinygrad_moons import functional as F
from tinygrad_moons.autograd import ShapeError
from tinygrad_moons.nn.module import Module
from tinygrad_moons.tensor import Tensor

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "CrossEntropyLoss",
    "L1Loss",
    "Loss",
    "MSELoss",
    "MeanSquaredError",
    "NLLLoss",
    "SparseCategoricalCrossentropy",
    "binary_crossentropy",
    "categorical_crossentropy",
    "compute",
    "get",
    "mean_squared_error",
    "sparse_categorical_crossentropy",
]

#: Keras' ``backend.epsilon()``: probabilities are clipped to [EPSILON, 1 - EPSILON] before the log.
EPSILON = 1e-7


# ====================================================================== Keras
def _keras_pair(y_true: Any, y_pred: Any, loss: str) -> tuple[Tensor, Tensor]:
    """Both arguments as tensors of y_pred's float dtype (lists and arrays accepted, as Keras' convert_to_tensor)."""
    y_pred = _prediction(y_pred, loss)
    if isinstance(y_true, Tensor):
        y_true = y_true if y_true.data.dtype == y_pred.data.dtype else y_true.to(y_pred.data.dtype)
    else:
        y_true = Tensor(_numeric(y_true, "y_true", loss), dtype=y_pred.data.dtype)
    return y_true, y_pred


def _prediction(y_pred: Any, loss: str) -> Tensor:
    """y_pred as a float tensor: a tensor as it is, an array or list in its float dtype (float64 for integers)."""
    if isinstance(y_pred, Tensor):
        return y_pred
    array = _numeric(y_pred, "y_pred", loss)
    return Tensor(array, dtype=array.dtype if array.dtype.kind == "f" else np.float64)


def _numeric(values: Any, what: str, loss: str) -> np.ndarray:
    try:
        array = np.asarray(values)
    except ValueError as error:
        raise ValueError(f"{loss}: {what} is not a rectangular array of numbers ({error})") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{loss}: {what} must hold numbers, got dtype {array.dtype}")
    return array


def _same_rank(y_true: Tensor, y_pred: Tensor) -> tuple[Tensor, Tensor]:
    """Keras' ``squeeze_or_expand_to_same_rank``: labels (n,) against outputs (n, 1) become (n, 1), and so on."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        return (y_true.reshape(y_true.shape[:-1]), y_pred) if y_pred.ndim != 1 else (y_true, y_pred.reshape(-1, 1))
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        return (y_true.reshape(-1, 1), y_pred) if y_true.ndim == 1 else (y_true, y_pred.reshape(y_pred.shape[:-1]))
    return y_true, y_pred


def _require_same_shape(y_true: Tensor, y_pred: Tensor, loss: str) -> None:
    if y_true.shape != y_pred.shape:
        raise ShapeError(
            f"{loss}: y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}; they must be equal "
            "(arguments are (y_true, y_pred), in Keras' order)"
        )


def _mean_over(values: Tensor, axis: int) -> Tensor:
    return values.mean(axis=axis) if values.ndim else values


def binary_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Tensor:
    """Keras' ``keras.losses.binary_crossentropy``: the per-sample loss, averaged over ``axis``.

    -[y log p + (1-y) log(1-p)] with p clipped to [1e-7, 1 - 1e-7]; from the
    logits (stable, no clipping) with ``from_logits=True`` or when y_pred is
    the output of this library's sigmoid activation. ``label_smoothing`` s
    squeezes the labels towards 0.5: y (1 - s) + s / 2.
    """
    y_true, y_pred = _keras_pair(y_true, y_pred, "binary_crossentropy")
    return _mean_over(_binary_crossentropy_elements(y_true, y_pred, from_logits, label_smoothing), axis)


def _binary_crossentropy_elements(y_true: Tensor, y_pred: Tensor, from_logits: bool, label_smoothing: float) -> Tensor:
    """The loss of each element, before Keras' mean over the feature axis."""
    _require_same_shape(y_true, y_pred, "binary_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    behind_sigmoid = F.keras_logits(y_pred, "sigmoid")
    if from_logits and behind_sigmoid is not None:
        _warn_not_logits("binary_crossentropy", "sigmoid")
    logits = y_pred if from_logits else behind_sigmoid
    if logits is not None:
        return ops.BinaryCrossEntropyWithLogits.apply(logits, y_true)
    p = y_pred.clip(EPSILON, 1.0 - EPSILON)
    return -(y_true * p.log() + (1.0 - y_true) * (1.0 - p).log())


def categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Tensor:
    """Keras' ``keras.losses.categorical_crossentropy``: -sum_k y_k log p_k over ``axis``, per sample.

    ``y_true`` holds one-hot (or soft) rows of y_pred's shape. Probabilities
    are first rescaled to sum to 1, then clipped to [1e-7, 1 - 1e-7]; from
    the logits with ``from_logits=True`` or when y_pred is the output of this
    library's softmax activation. ``label_smoothing`` s gives y (1 - s) + s / classes.
    """
    y_true, y_pred = _keras_pair(y_true, y_pred, "categorical_crossentropy")
    if y_pred.ndim < 1:
        raise ShapeError("categorical_crossentropy: y_pred needs a class axis, got a scalar")
    if y_pred.shape[axis] == 1:
        warnings.warn(
            "categorical_crossentropy: expected y_pred of shape (batch_size, num_classes) with num_classes > 1, "
            f"got shape {y_pred.shape}; use binary_crossentropy for two classes",
            SyntaxWarning,
            stacklevel=2,
        )
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    _require_same_shape(y_true, y_pred, "categorical_crossentropy")
    return _categorical(y_true, y_pred, from_logits, axis, "categorical_crossentropy")


def _categorical(y_true: Tensor, y_pred: Tensor, from_logits: bool, axis: int, loss: str) -> Tensor:
    behind_softmax = F.keras_logits(y_pred, "softmax", axis)
    if from_logits and behind_softmax is not None:
        _warn_not_logits(loss, "softmax")
    logits = y_pred if from_logits else behind_softmax
    if logits is not None:
        log_probs = F.log_softmax(logits, axis=axis)
    else:
        p = (y_pred / y_pred.sum(axis=axis, keepdims=True)).clip(EPSILON, 1.0 - EPSILON)
        log_probs = p.log()
    return -(y_true * log_probs).sum(axis=axis)


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, axis: int = -1) -> Tensor:
    """Keras' ``keras.losses.sparse_categorical_crossentropy``: as categorical, with integer labels for y_true."""
    y_pred = _prediction(y_pred, "sparse_categorical_crossentropy")
    if isinstance(y_true, Tensor) and autograd._CAPTURE is not None:  # compile would replay the first call's rows
        autograd._CAPTURE.refuse("sparse_categorical_crossentropy with labels in a Tensor (made into one-hot rows)")
    labels = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    if y_pred.ndim < 1:
        raise ShapeError("sparse_categorical_crossentropy: y_pred needs a class axis, got a scalar")
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if axis % y_pred.ndim != y_pred.ndim - 1:
        raise ValueError("sparse_categorical_crossentropy: only the last axis can hold the classes (axis=-1)")
    if labels.shape != y_pred.shape[:-1]:
        raise ShapeError(
            f"sparse_categorical_crossentropy: y_true must hold one integer label per row of y_pred, "
            f"shape {y_pred.shape[:-1]}; got shape {labels.shape} (arguments are (y_true, y_pred), in Keras' order)"
        )
    one_hot = F._one_hot(labels, y_pred.shape[-1], y_pred.data.dtype, "sparse_categorical_crossentropy")
    return _categorical(Tensor._wrap(one_hot), y_pred, from_logits, -1, "sparse_categorical_crossentropy")


def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """Keras' ``keras.losses.mean_squared_error``: mean((y_true - y_pred)^2) over the last axis, per sample."""
    y_true, y_pred = _keras_pair(y_true, y_pred, "mean_squared_error")
    return _mean_over(_squared_error_elements(*_same_rank(y_true, y_pred)), -1)


def _squared_error_elements(y_true: Tensor, y_pred: Tensor) -> Tensor:
    _require_same_shape(y_true, y_pred, "mean_squared_error")
    difference = y_true - y_pred
    return difference * difference


def _warn_not_logits(loss: str, activation: str) -> None:
    warnings.warn(
        f"{loss} received from_logits=True, but y_pred was produced by a {activation} activation and thus "
        "does not represent logits. Was this intended?",
        stacklevel=4,
    )


_KERAS_REDUCTIONS = ("sum_over_batch_size", "mean", "sum", "none", None)


class Loss(Module):
    """Keras' ``keras.losses.Loss``: ``loss(y_true, y_pred, sample_weight=None)`` returns the reduced loss.

    Subclasses define ``call(y_true, y_pred)``, returning one loss per
    sample. Both arguments may be tensors, arrays or lists. ``reduction``:
    "sum_over_batch_size" (the default, also "mean": the sum of the
    per-sample losses divided by their number), "sum", or "none" / None.
    """

    #: What the model's output is compared with: "binary" (0/1 labels), "categorical" (one-hot rows),
    #: "sparse" (integer labels) or "regression". ``fit`` checks labels and picks the accuracy by it.
    target_kind = "regression"
    #: True when the loss expects logits rather than probabilities (accuracy then thresholds at 0).
    from_logits = False

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size"):
        super().__init__(name)
        if reduction not in _KERAS_REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: reduction must be one of {_KERAS_REDUCTIONS}, got {reduction!r}"
            )
        self.reduction = reduction

    def forward(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        """The loss of ``y_pred`` against ``y_true``, each sample weighted by ``sample_weight``, then reduced."""
        y_true, y_pred = self._convert(y_true, y_pred)
        if sample_weight is None and self.reduction in ("sum_over_batch_size", "mean"):
            elements = self._elements(y_true, y_pred)
            if elements is not None:  # the mean of per-sample means of equal length: one op instead of three
                return elements.mean()
        values = self.call(y_true, y_pred)
        if sample_weight is not None:
            weights = Tensor(_numeric(sample_weight, "sample_weight", self.name), dtype=values.data.dtype)
            given_shape = weights.shape
            weights, values = _same_rank(weights, values)
            try:
                values = values * weights
            except ShapeError:
                samples = values.shape[0] if values.ndim else 1
                raise ShapeError(
                    f"{self.name}: sample_weight has shape {given_shape}, but there are {samples} samples (per-sample "
                    f"losses of shape {values.shape}); give one weight per sample, shape ({samples},), or one number"
                ) from None
        if self.reduction in (None, "none") or values.ndim == 0:
            return values
        total = values.sum()
        if self.reduction == "sum":
            return total
        return total / values.data.size if values.data.size else total

    def _convert(self, y_true: Any, y_pred: Any) -> tuple[Any, Tensor]:
        return _keras_pair(y_true, y_pred, self.name)

    def _elements(self, y_true: Tensor, y_pred: Tensor) -> Tensor | None:
        """The loss of each element when ``call`` is their mean over one axis (a shortcut for the mean); else None."""
        return None

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        """One loss per sample (the last axis reduced); subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} must define call(y_true, y_pred)")

    def get_config(self) -> dict[str, Any]:
        """The arguments that re-create this loss (``name``, ``reduction`` and the subclass' own)."""
        return {"name": self.name, "reduction": self.reduction}

    def extra_repr(self) -> str:
        """The reduction."""
        return f"reduction={self.reduction!r}"


class BinaryCrossentropy(Loss):
    """Keras' binary cross-entropy for 0/1 targets, called ``(y_true, y_pred)``; see :func:`binary_crossentropy`."""

    default_name = "binary_crossentropy"
    target_kind = "binary"

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
    ):
        super().__init__(name, reduction)
        self.from_logits = bool(from_logits)
        self.label_smoothing = _check_smoothing(label_smoothing, type(self).__name__)
        self.axis = int(axis)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        """The per-sample binary cross-entropy, averaged over the last axis."""
        y_true, y_pred = _same_rank(y_true, y_pred)
        return binary_crossentropy(y_true, y_pred, self.from_logits, self.label_smoothing, self.axis)

    def _elements(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        y_true, y_pred = _same_rank(y_true, y_pred)
        return _binary_crossentropy_elements(y_true, y_pred, self.from_logits, self.label_smoothing)

    def get_config(self) -> dict[str, Any]:
        """Keras' config: ``from_logits``, ``label_smoothing``, ``axis``, ``reduction``, ``name``."""
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class CategoricalCrossentropy(Loss):
    """Keras' cross-entropy against one-hot rows, called ``(y_true, y_pred)``; see :func:`categorical_crossentropy`."""

    default_name = "categorical_crossentropy"
    target_kind = "categorical"

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
    ):
        super().__init__(name, reduction)
        self.from_logits = bool(from_logits)
        self.label_smoothing = _check_smoothing(label_smoothing, type(self).__name__)
        self.axis = int(axis)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        """The per-sample cross-entropy against one-hot rows along ``axis``."""
        y_true, y_pred = _same_rank(y_true, y_pred)
        return categorical_crossentropy(y_true, y_pred, self.from_logits, self.label_smoothing, self.axis)

    def get_config(self) -> dict[str, Any]:
        """Keras' config: ``from_logits``, ``label_smoothing``, ``axis``, ``reduction``, ``name``."""
        return {
            **super().get_config(),
            "from_logits": self.from_logits,
            "label_smoothing": self.label_smoothing,
            "axis": self.axis,
        }


class SparseCategoricalCrossentropy(Loss):
    """Keras' cross-entropy against integer class labels (shape (batch,)), called ``(y_true, y_pred)``."""

    default_name = "sparse_categorical_crossentropy"
    target_kind = "sparse"

    def __init__(
        self,
        from_logits: bool = False,
        reduction: str | None = "sum_over_batch_size",
        axis: int = -1,
        name: str | None = None,
    ):
        super().__init__(name, reduction)
        self.from_logits = bool(from_logits)
        self.axis = int(axis)

    def _convert(self, y_true: Any, y_pred: Any) -> tuple[Any, Tensor]:
        return y_true, _prediction(y_pred, self.name)  # the labels stay integers

    def call(self, y_true: Any, y_pred: Tensor) -> Tensor:
        """The per-sample cross-entropy against integer labels."""
        return sparse_categorical_crossentropy(y_true, y_pred, self.from_logits, self.axis)

    def get_config(self) -> dict[str, Any]:
        """Keras' config: ``from_logits``, ``axis``, ``reduction``, ``name``."""
        return {**super().get_config(), "from_logits": self.from_logits, "axis": self.axis}


class MeanSquaredError(Loss):
    """Keras' mean squared error, called ``(y_true, y_pred)``: mean((y_true - y_pred)^2) per sample, then reduced."""

    default_name = "mean_squared_error"

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = None):
        super().__init__(name, reduction)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        """The per-sample mean of the squared differences over the last axis."""
        return mean_squared_error(y_true, y_pred)

    def _elements(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        return _squared_error_elements(*_same_rank(y_true, y_pred))


def _check_smoothing(label_smoothing: float, where: str) -> float:
    if isinstance(label_smoothing, bool) or not 0.0 <= float(label_smoothing) <= 1.0:
        raise ValueError(f"{where}: label_smoothing must lie in [0, 1], got {label_smoothing!r}")
    return float(label_smoothing)


# ==================================================================== PyTorch
class _Loss(Module):
    """PyTorch's ``torch.nn.modules.loss._Loss``: ``loss(input, target)``, reduced by "mean", "sum" or "none".

    ``size_average``/``reduce`` are PyTorch's deprecated forms of ``reduction`` (either given overrides it,
    with PyTorch's warning).
    """

    target_kind = "regression"
    from_logits = False

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        *,
        name: str | None = None,
    ):
        super().__init__(name)
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{type(self).__name__}: {reduction!r} is not a valid value for reduction "
                             "(choose 'mean', 'sum' or 'none')")
        self.reduction = F.legacy_reduction(size_average, reduce, reduction, type(self).__name__)

    def get_config(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "name": self.name}

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


def _weights(weight: Any, where: str) -> Tensor | None:
    """A loss' ``weight``/``pos_weight``: None, or a float tensor (a list or array is accepted, as saved)."""
    if weight is None:
        return None
    if isinstance(weight, str):
        raise TypeError(
            f"{where}: weight must be a Tensor, got the string {weight!r}; as in PyTorch the first positional "
            f"argument is weight: pass reduction={weight!r} by name"
        )
    return weight.detach() if isinstance(weight, Tensor) else Tensor(weight)


def _listed(weight: Tensor | None) -> Any:
    return None if weight is None else weight.tolist()


class _WeightedLoss(_Loss):
    """PyTorch's ``_WeightedLoss``: a loss with an optional ``weight`` tensor."""

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        *,
        name: str | None = None,
    ):
        super().__init__(size_average, reduce, reduction, name=name)
        self.weight = _weights(weight, type(self).__name__)

    def get_config(self) -> dict[str, Any]:
        """``reduction``, ``name`` and ``weight`` (as a list, or None)."""
        return {**super().get_config(), "weight": _listed(self.weight)}


class BCELoss(_WeightedLoss):
    """PyTorch's binary cross-entropy on probabilities; see :func:`tinygrad_moons.functional.binary_cross_entropy`.

    ``BCELoss(weight=None, size_average=None, reduce=None, reduction='mean')``, as PyTorch.
    """

    default_name = "bce_loss"
    target_kind = "binary"

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """PyTorch's ``BCELoss()(input, target)``: probabilities in [0, 1] against 0/1 targets."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """PyTorch's binary cross-entropy on logits (numerically stable for any logit).

    ``BCEWithLogitsLoss(weight=None, size_average=None, reduce=None, reduction='mean', pos_weight=None)``.
    """

    default_name = "bce_with_logits_loss"
    target_kind = "binary"
    from_logits = True

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Any = None,
        *,
        name: str | None = None,
    ):
        super().__init__(weight, size_average, reduce, reduction, name=name)
        self.pos_weight = _weights(pos_weight, "BCEWithLogitsLoss")

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """PyTorch's ``BCEWithLogitsLoss()(input, target)``: logits against 0/1 targets, computed stably."""
        return F.binary_cross_entropy_with_logits(
            input, target, weight=self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )

    def get_config(self) -> dict[str, Any]:
        """``reduction``, ``name``, ``weight`` and ``pos_weight`` (as lists, or None)."""
        return {**super().get_config(), "pos_weight": _listed(self.pos_weight)}


class MSELoss(_Loss):
    """PyTorch's mean squared error: (input - target)^2, reduced.

    ``MSELoss(size_average=None, reduce=None, reduction='mean')``, as PyTorch.
    """

    default_name = "mse_loss"

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """PyTorch's ``MSELoss()(input, target)``: the squared differences, reduced."""
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """PyTorch's mean absolute error: |input - target|, reduced.

    ``L1Loss(size_average=None, reduce=None, reduction='mean')``, as PyTorch.
    """

    default_name = "l1_loss"

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """PyTorch's ``L1Loss()(input, target)``: the absolute differences, reduced."""
        return F.l1_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """PyTorch's cross-entropy on logits against integer labels (or class probabilities).

    ``CrossEntropyLoss(weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean',
    label_smoothing=0.0)``, as PyTorch; see :func:`tinygrad_moons.functional.cross_entropy`.
    """

    default_name = "cross_entropy_loss"
    target_kind = "sparse"
    from_logits = True

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
        *,
        name: str | None = None,
    ):
        super().__init__(weight, size_average, reduce, reduction, name=name)
        self.ignore_index = int(ignore_index)
        self.label_smoothing = _check_smoothing(label_smoothing, "CrossEntropyLoss")

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """PyTorch's ``CrossEntropyLoss()(input, target)``: logits (batch, classes) against integer labels (batch,)."""
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )

    def get_config(self) -> dict[str, Any]:
        """``reduction``, ``name``, ``weight`` and the loss' own arguments."""
        return {**super().get_config(), "ignore_index": self.ignore_index, "label_smoothing": self.label_smoothing}


class NLLLoss(_WeightedLoss):
    """PyTorch's negative log-likelihood of log-probabilities (a ``LogSoftmax`` output) against integer labels.

    ``NLLLoss(weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean')``, as PyTorch.
    """

    default_name = "nll_loss"
    target_kind = "sparse"

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        *,
        name: str | None = None,
    ):
        super().__init__(weight, size_average, reduce, reduction, name=name)
        self.ignore_index = int(ignore_index)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """PyTorch's ``NLLLoss()(input, target)``: log-probabilities (batch, classes) against integer labels."""
        return F.nll_loss(
            input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )

    def get_config(self) -> dict[str, Any]:
        """``reduction``, ``name``, ``weight`` and the loss' own arguments."""
        return {**super().get_config(), "ignore_index": self.ignore_index}


# ================================================================== lookups
#: The names ``compile(loss=...)`` accepts (Keras' names: the losses are called (y_true, y_pred)).
LOSSES: dict[str, Callable[[], Loss]] = {
    "binary_crossentropy": BinaryCrossentropy,
    "bce": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
}

#: Loss functions that ``compile`` replaces by their module, which tells ``fit`` how to read labels and outputs.
_FUNCTIONAL_FORMS: dict[Callable[..., Tensor], Callable[[], Module]] = {
    F.binary_cross_entropy: BCELoss,
    F.binary_cross_entropy_with_logits: BCEWithLogitsLoss,
    F.mse_loss: MSELoss,
    F.l1_loss: L1Loss,
    F.cross_entropy: CrossEntropyLoss,
    F.nll_loss: NLLLoss,
    binary_crossentropy: BinaryCrossentropy,
    categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    mean_squared_error: MeanSquaredError,
}


def names() -> list[str]:
    """The loss names :func:`get` (and so ``compile(loss=...)``) accepts."""
    return list(LOSSES)


def get(identifier: str | Module | Callable[..., Tensor]) -> Module | Callable[..., Tensor]:
    """A loss from its name (``"binary_crossentropy"``, ``"mse"``, ...), or the loss object or function itself."""
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in LOSSES:
            raise ValueError(f"unknown loss {identifier!r}; choose one of {sorted(LOSSES)} or pass a loss function")
        return LOSSES[key]()
    if isinstance(identifier, (Loss, _Loss)):
        return identifier
    for function, module in _FUNCTIONAL_FORMS.items():
        if identifier is function:
            return module()
    if callable(identifier):
        return identifier
    raise TypeError(f"loss must be a name, a Loss or a function, got {type(identifier).__name__}")


def compute(loss: Any, y_true: Any, y_pred: Tensor) -> Tensor:
    """``loss`` applied in its own dialect's order: PyTorch's losses get (y_pred, y_true), all else (y_true, y_pred).

    "All else" is Keras' losses and plain functions given to ``compile``,
    which Keras calls as ``fn(y_true, y_pred)``.
    """
    if isinstance(loss, _Loss):
        return loss(y_pred, y_true)
    return loss(y_true, y_pred)


#: The classes a saved model's compile settings may name: every built-in loss class the tables above hold.
_DESCRIBABLE: dict[str, type[Module]] = {
    cls.__name__: cls  # type: ignore[misc]
    for cls in (*LOSSES.values(), *_FUNCTIONAL_FORMS.values())
}


def describe(loss: Any) -> dict[str, Any] | None:
    """A built-in loss as plain data (``{"class_name": ..., "config": ...}``) for saving; None for a custom one."""
    if _DESCRIBABLE.get(type(loss).__name__) is type(loss):
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    return None


def from_description(description: dict[str, Any]) -> Module:
    """The loss that :func:`describe` described."""
    class_name = description.get("class_name")
    if class_name not in _DESCRIBABLE:
        raise ValueError(f"unknown loss class {class_name!r} (known: {', '.join(sorted(_DESCRIBABLE))})")
    config = description.get("config", {})
    if not isinstance(config, dict):
        raise ValueError(f"the settings of the loss {class_name} are not a JSON object")
    try:
        return _DESCRIBABLE[class_name](**config)
    except TypeError as error:
        raise ValueError(f"bad settings for the loss {class_name}: {error}") from None
