"""Losses and activations as plain functions of tensors (PyTorch's ``torch.nn.functional``).

Each function builds its result from the engine's ops, so it is
differentiated like any other expression. Names, argument order
(``input, target``) and numbers follow PyTorch's ``torch.nn.functional``;
the Keras-named losses, called ``(y_true, y_pred)``, live in
:mod:`tinygrad_moons.nn.losses`.

Losses take ``reduction``: ``"mean"`` (the default: the average over every
element), ``"sum"`` or ``"none"`` (the per-element losses).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_moons import autograd, ops
from tinygrad_moons.autograd import ShapeError
from tinygrad_moons.tensor import Tensor

__all__ = [
    "ACTIVATIONS",
    "affine",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "get_activation",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "nll_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]

_REDUCTIONS = ("mean", "sum", "none")


# ------------------------------------------- the logits behind an activation
# Keras' trick (keras.activations.sigmoid sets ``output._keras_logits = x``): the activation
# remembers its input, so that Keras' cross-entropy on a sigmoid or softmax output can be computed
# from the logits, exactly, even where the probability has rounded to 0 or 1. It is remembered
# whether or not the graph is recorded, so a loss has one value in every grad mode.
# Kept on the output tensor itself (its `_logits_behind` slot, which only these activations write), with the
# output's version: a probability changed in place no longer comes from those logits.


def _remember_logits(output: Tensor, logits: Tensor, activation: str, axis: int = -1) -> None:
    output._logits_behind = (activation, axis, logits, output._version)


def keras_logits(probabilities: Any, activation: str, axis: int = -1) -> Tensor | None:
    """The logits a ``sigmoid`` / ``softmax`` (over ``axis``) of this module turned into ``probabilities``, or None.

    None also for a tensor that retains its gradient: its ``.grad`` is only
    right if the loss is computed through it, not around it; and for one
    changed in place since the activation made it.
    """
    # Unset on every other tensor. (activation, axis, logits, version), as Tensor declares the slot.
    entry: tuple[str, int, Tensor, int] | None = getattr(probabilities, "_logits_behind", None)
    if entry is None or entry[0] != activation or entry[3] != probabilities._version:
        return None
    if probabilities._retains_grad:
        return None
    if activation == "softmax" and entry[1] % probabilities.ndim != axis % probabilities.ndim:
        return None
    return entry[2]


# ------------------------------------------------------------- activations
def relu(x: Tensor) -> Tensor:
    """max(x, 0), elementwise."""
    return ops.ReLU.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), elementwise, without overflow for large |x|."""
    output = ops.Sigmoid.apply(x)
    _remember_logits(output, x, "sigmoid")
    return output


def tanh(x: Tensor) -> Tensor:
    """tanh(x), elementwise."""
    return ops.Tanh.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else ``negative_slope * x``."""
    return ops.LeakyReLU.apply(x, negative_slope=float(negative_slope))


def softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """exp(x) normalised to sum to 1 along ``dim`` (PyTorch's name) or ``axis`` (Keras').

    With neither, PyTorch's implicit choice, with its deprecation warning:
    dim 0 for a 0-, 1- or 3-D input, else dim 1 (so for a batch of rows, the
    classes). Give ``dim=-1`` (or ``axis=-1``) for the last axis; Keras'
    activation ``"softmax"`` (``Dense(..., activation="softmax")``) uses the last.
    """
    axis = _one_axis(dim, axis, "softmax", x)
    output = x.softmax(axis=axis)
    _remember_logits(output, x, "softmax", axis)
    return output


def log_softmax(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """log(softmax(x)), computed without taking the log of a rounded-to-zero probability.

    ``dim``/``axis`` as :func:`softmax` (PyTorch's implicit choice, with its warning, when neither is given).
    """
    return x.log_softmax(axis=_one_axis(dim, axis, "log_softmax", x))


def _one_axis(dim: int | None, axis: int | None, function: str, x: Tensor) -> int:
    if dim is not None and axis is not None:
        raise TypeError(f"{function}: give dim (PyTorch's name) or axis (Keras'), not both")
    chosen = dim if dim is not None else axis
    if chosen is not None:
        return chosen
    warnings.warn(
        f"Implicit dimension choice for {function} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if x.ndim in (0, 1, 3) else 1  # PyTorch's _get_softmax_dim


def _softmax_activation(x: Tensor) -> Tensor:
    """Keras' ``"softmax"`` activation: softmax over the last axis."""
    return softmax(x, axis=-1)



def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias`` with ``weight`` laid out (out_features, in_features), as PyTorch's ``F.linear``."""
    return affine(x, weight.T, bias)


def affine(x: Tensor, kernel: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ kernel + bias`` with ``kernel`` laid out (in_features, units), as Keras' ``Dense`` keeps it."""
    if bias is None:
        return x @ kernel
    return ops.Linear.apply(x, kernel, bias)


#: Activations by the names Keras uses for them; None and "linear" mean none.
ACTIVATIONS: dict[str, Callable[[Tensor], Tensor] | None] = {
    "relu": relu,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "leaky_relu": leaky_relu,
    "softmax": _softmax_activation,
    "linear": None,
}


def activation_names() -> list[str]:
    """The activation names :func:`get_activation` (and ``Dense(activation=...)``) accepts."""
    return list(ACTIVATIONS)


def get_activation(
    identifier: str | Callable[[Tensor], Tensor] | None,
) -> tuple[str, Callable[[Tensor], Tensor] | None]:
    """``(name, function)`` for an activation given by name, as a callable, or None (no activation)."""
    if identifier is None:
        return "linear", None
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {identifier!r}; choose one of {activation_names()} or pass a function"
            )
        return key, ACTIVATIONS[key]
    if callable(identifier):
        return getattr(identifier, "__name__", type(identifier).__name__), identifier
    raise TypeError(f"activation must be a name, a function or None, got {type(identifier).__name__}")


# ------------------------------------------------------------------ losses
def _as_input(prediction: Any, loss: str) -> Tensor:
    if isinstance(prediction, Tensor):
        return prediction
    raise TypeError(f"{loss}: input must be a Tensor (the model's output), got {type(prediction).__name__}")


def _target_like(target: Any, prediction: Tensor, loss: str) -> Tensor:
    """The target as a tensor in the prediction's dtype and, checked, of the prediction's shape.

    Equal shapes are required: a (n, 1) prediction against a (n,) target
    would otherwise broadcast to (n, n) and give a silently wrong loss.
    """
    if not isinstance(target, Tensor):
        like = Tensor(target, dtype=prediction.data.dtype)
    elif target.data.dtype != prediction.data.dtype:
        like = target.to(prediction.data.dtype)
    else:
        like = target
    if like.data.shape != prediction.data.shape:
        raise ShapeError(
            f"{loss}: the prediction has shape {prediction.shape} but the target has shape {like.shape}; "
            "they must be equal (reshape the target, e.g. y.reshape(-1, 1) for a single output unit)"
        )
    return like


def _reduce(losses: Tensor, reduction: str, loss: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    if reduction == "none":
        return losses
    raise ValueError(f"{loss}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str, loss: str) -> str:
    """PyTorch's deprecated ``size_average``/``reduce`` turned into a ``reduction`` (with PyTorch's warning).

    Either given overrides ``reduction``, as in PyTorch: ``reduce=False`` gives "none", else
    ``size_average=False`` gives "sum", else "mean".
    """
    if size_average is None and reduce is None:
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{loss}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    chosen = "none" if not reduce else ("mean" if size_average else "sum")
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{chosen}' instead.",
        UserWarning,
        stacklevel=3,
    )
    return chosen


def _weight_tensor(weight: Any, like: Tensor, argument: str, loss: str) -> Tensor:
    """``weight`` (a tensor, array or list of numbers) as a tensor in ``like``'s dtype."""
    if isinstance(weight, str):
        raise TypeError(
            f"{loss}: {argument} must be a Tensor of weights, got the string {weight!r}. As in PyTorch, the "
            "third positional argument is weight; pass the reduction by name: reduction=" + repr(weight)
        )
    if isinstance(weight, Tensor):
        return weight if weight.dtype == like.dtype else weight.to(like.dtype)
    return Tensor(weight, dtype=like.data.dtype)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """-[p y log(sigmoid(z)) + (1-y) log(1-sigmoid(z))] from the logits z, stable for any z (PyTorch's signature).

    Finite loss and finite gradient even at z = +-1000 (see
    :class:`~tinygrad_moons.ops.BinaryCrossEntropyWithLogits`). ``weight``
    rescales each element's loss (broadcast to the input's shape);
    ``pos_weight`` (p above, broadcast with the target, e.g. one per class)
    weighs the positive examples. ``size_average``/``reduce`` are PyTorch's
    deprecated forms of ``reduction``.
    """
    loss = "binary_cross_entropy_with_logits"
    logits = _as_input(input, loss)
    target = _target_like(target, logits, loss)
    reduction = legacy_reduction(size_average, reduce, reduction, loss)
    if pos_weight is None:
        losses = ops.BinaryCrossEntropyWithLogits.apply(logits, target)
    else:
        # -log sigmoid(z) = softplus(-z) and -log(1 - sigmoid(z)) = softplus(z), both finite for any z.
        positive = _weight_tensor(pos_weight, logits, "pos_weight", loss)
        losses = positive * target * (-logits).softplus() + (1 - target) * logits.softplus()
    if weight is not None:
        losses = losses * _weight_tensor(weight, logits, "weight", loss)
    if losses.shape != logits.shape:
        raise ShapeError(f"{loss}: weight/pos_weight broadcast the loss to shape {losses.shape}, not {logits.shape}")
    return _reduce(losses, reduction, loss)


#: PyTorch's BCELoss clamps each log term at -100, so log(0) gives a finite loss.
LOG_CLAMP = -100.0


def _log_floor(dtype: np.dtype) -> float:
    """The smallest argument the BCE logs see: exp(-100), so log(max(p, floor)) = max(log p, -100).

    In float32 exp(-100) is subnormal and 1/exp(-100) overflows in the
    backward, so the floor there is the smallest normal number (log = -87.3).
    """
    return max(float(np.exp(LOG_CLAMP)), float(np.finfo(dtype).tiny))


def binary_cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """-w [y log(p) + (1-y) log(1-p)] for probabilities p, as PyTorch's ``F.binary_cross_entropy``.

    ``weight`` (w, optional) rescales each element's loss, broadcast to the input's shape;
    ``size_average``/``reduce`` are PyTorch's deprecated forms of ``reduction``.

    Probabilities and targets outside [0, 1] are refused (RuntimeError, PyTorch's
    message). Each log term is clamped at -100 (at -87.3 in float32), so p = 0
    or 1 gives a finite loss; the gradient is zero where the clamp is active
    (PyTorch's own backward instead caps its denominator p(1-p) at 1e-12).
    The loss is computed from p itself, never from the logits behind a sigmoid,
    so it has the same value with or without ``no_grad``, and a ``retain_grad()``
    on p sees the true dL/dp. For outputs that saturate, train on logits with
    :func:`binary_cross_entropy_with_logits`.
    """
    probs = _as_input(input, "binary_cross_entropy")
    target = _target_like(target, probs, "binary_cross_entropy")
    reduction = legacy_reduction(size_average, reduce, reduction, "binary_cross_entropy")
    _check_unit_interval(probs.data, "input")
    _check_unit_interval(target.data, "target")
    # Clipping before the log both clamps it and keeps log(0) = -inf (and a 0 * inf = NaN gradient) out.
    floor = _log_floor(probs.data.dtype)
    log_p = probs.clip(min=floor).log()
    log_not_p = (1 - probs).clip(min=floor).log()
    if target.requires_grad:
        losses = -(target * log_p + (1 - target) * log_not_p)
    else:  # a constant target: fold the signs into it, two ops fewer on every training step
        # Tensor ops on the target, not NumPy on target.data: compile replays ops, and would freeze an array.
        losses = log_p * (-target) + log_not_p * (target - 1)
    if weight is not None:
        losses = losses * _weight_tensor(weight, probs, "weight", "binary_cross_entropy")
        if losses.shape != probs.shape:
            raise ShapeError(
                f"binary_cross_entropy: a weight of shape {np.shape(weight)} does not broadcast to the input's "
                f"shape {probs.shape}"
            )
    return _reduce(losses, reduction, "binary_cross_entropy")


def _check_unit_interval(values: np.ndarray, what: str) -> None:
    inside = (values >= 0) & (values <= 1)  # NaN is outside
    if not inside.all():
        bad = values[~inside]
        raise RuntimeError(
            f"binary_cross_entropy: all elements of {what} should be between 0 and 1 "
            f"(got {bad.size} outside, e.g. {bad.flat[0]!s})"  # NumPy's str: 1.5 (repr: np.float64(1.5))
            + ("; for logits use binary_cross_entropy_with_logits / BCEWithLogitsLoss" if what == "input" else "")
        )


def _refuse_weight(weight: Any, loss: str) -> None:
    if weight is not None:
        raise NotImplementedError(
            f"{loss}: weight is not supported here (PyTorch's newest versions accept one weight per element); "
            f"multiply the per-element losses instead: ({loss}(input, target, reduction='none') * weight).sum() "
            "/ weight.sum()"
        )


def mse_loss(
    input: Tensor,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Any = None,
) -> Tensor:
    """(input - target)^2, elementwise, then reduced (PyTorch's signature; ``weight`` is refused)."""
    prediction = _as_input(input, "mse_loss")
    target = _target_like(target, prediction, "mse_loss")
    reduction = legacy_reduction(size_average, reduce, reduction, "mse_loss")
    _refuse_weight(weight, "mse_loss")
    difference = prediction - target
    return _reduce(difference * difference, reduction, "mse_loss")


def l1_loss(
    input: Tensor,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Any = None,
) -> Tensor:
    """|input - target|, elementwise, then reduced (the gradient at 0 is 0, as PyTorch's sign(0)).

    PyTorch's signature; ``weight`` is refused.
    """
    prediction = _as_input(input, "l1_loss")
    target = _target_like(target, prediction, "l1_loss")
    reduction = legacy_reduction(size_average, reduce, reduction, "l1_loss")
    _refuse_weight(weight, "l1_loss")
    return _reduce((prediction - target).abs(), reduction, "l1_loss")


def _one_hot(labels: Any, classes: int, dtype: np.dtype, loss: str, ignore_index: int | None = None) -> np.ndarray:
    """One row per label with a 1 in the label's column; an all-zero row for ``ignore_index``."""
    if isinstance(labels, Tensor) and autograd._CAPTURE is not None:  # compile would replay the first call's rows
        autograd._CAPTURE.refuse(f"{loss} with class labels in a Tensor (made into one-hot rows with NumPy)")
    labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if labels.dtype.kind == "f" and np.all(labels == np.round(labels)):
        labels = labels.astype(np.intp)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{loss}: class labels must be integers, got dtype {labels.dtype}")
    ignored = labels == ignore_index if ignore_index is not None else np.zeros(labels.shape, dtype=bool)
    kept = labels[~ignored]
    if kept.size and (kept.min() < 0 or kept.max() >= classes):
        raise ValueError(f"{loss}: class labels must lie in [0, {classes - 1}], got {kept.min()} to {kept.max()}")
    encoded = np.zeros(labels.shape + (classes,), dtype=dtype)
    np.put_along_axis(encoded, np.where(ignored, 0, labels)[..., None], 1, axis=-1)
    encoded[ignored] = 0
    return encoded


def _class_targets(target: Any, scores: Tensor, loss: str, ignore_index: int) -> tuple[Tensor, int]:
    """(one-hot rows or the given class probabilities, the number of rows that count)."""
    if scores.ndim < 1:
        raise ShapeError(f"{loss}: the input needs a class axis, got shape {scores.shape}")
    if isinstance(target, Tensor) and target.shape == scores.shape:
        return target.to(scores.data.dtype), int(np.prod(scores.shape[:-1]))
    if np.shape(target) == scores.shape and np.asarray(target).dtype.kind == "f":
        return Tensor(target, dtype=scores.data.dtype), int(np.prod(scores.shape[:-1]))
    if np.shape(target) != scores.shape[:-1]:
        raise ShapeError(
            f"{loss}: an input of shape {scores.shape} needs integer labels of shape {scores.shape[:-1]} "
            f"or class probabilities of shape {scores.shape}, got shape {np.shape(target)}"
        )
    one_hot = _one_hot(target, scores.shape[-1], scores.data.dtype, loss, ignore_index)
    return Tensor._wrap(one_hot), int(one_hot.sum())


def _classes_last(scores: Tensor, target: Any) -> tuple[Tensor, Any]:
    """PyTorch's class axis is 1 for an input (N, C, d1, ...): moved last here (and a probability target's too)."""
    if scores.ndim <= 2:
        return scores, target
    order = (0, *range(2, scores.ndim), 1)
    if np.shape(target) == scores.shape:
        target = target.permute(order) if isinstance(target, Tensor) else np.transpose(np.asarray(target), order)
    return scores.permute(order), target


def _class_weight(weight: Any, scores: Tensor, loss: str) -> Tensor:
    """The per-class ``weight`` (a constant, as PyTorch does not differentiate it), checked: one per class."""
    weights = _weight_tensor(weight, scores, "weight", loss).detach()
    classes = scores.shape[-1]
    if weights.shape != (classes,):
        raise ShapeError(
            f"{loss}: weight tensor should be defined either for all {classes} classes or no classes but got weight "
            f"tensor of shape: {weights.shape}"
        )
    return weights


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """-w[c] input[n, c] for c = target[n]: the negative log-likelihood of log-probabilities (a ``log_softmax`` output).

    PyTorch's signature. ``input`` is (batch, classes) (or (classes,), or
    (batch, classes, d1, ...) with the classes on axis 1, as PyTorch);
    ``target`` holds integer labels, shape (batch,) (or (batch, d1, ...)).
    ``weight`` (one per class) rescales each class; labels equal to
    ``ignore_index`` count for nothing, and "mean" divides by the sum of the
    weights of the other rows (their number without weight), as PyTorch does.
    """
    log_probs = _as_input(input, "nll_loss")
    reduction = legacy_reduction(size_average, reduce, reduction, "nll_loss")
    if np.shape(target) == log_probs.shape:
        raise ShapeError(f"nll_loss: target must hold integer class labels of shape {log_probs.shape[:-1]}")
    log_probs, target = _classes_last(log_probs, target)
    picked, counted = _class_targets(target, log_probs, "nll_loss", ignore_index)
    denominator: float = counted
    if weight is not None:
        picked = picked * _class_weight(weight, log_probs, "nll_loss")  # w[target[n]] in the label's column
        denominator = float(picked.data.sum())
    # Multiplying by one-hot rows picks input[i, target[i]] (and is cheaper to differentiate than indexing).
    losses = -(picked * log_probs).sum(axis=-1)
    if reduction == "mean":  # over the rows that count (all but ignore_index), as PyTorch
        return losses.sum() / denominator if counted else losses.sum() * np.nan
    return _reduce(losses, reduction, "nll_loss")


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """-log softmax(input)[target] for integer class labels, as PyTorch's ``F.cross_entropy`` (its signature).

    ``input`` holds logits, (batch, classes) (or (classes,), or (batch,
    classes, d1, ...) with the classes on axis 1, as PyTorch), and ``target``
    one integer label per row, shape (batch,) (or (batch, d1, ...)). A float
    target of the same shape as ``input`` is taken as class probabilities
    (e.g. one-hot rows). ``log_softmax`` keeps it stable for any logits.
    ``weight`` (one per class) rescales each class's term; with labels "mean"
    divides by the summed weights of the rows that count (not ``ignore_index``),
    with probabilities by the number of rows, as PyTorch. ``label_smoothing``
    mixes the target with the uniform distribution: (1 - s) * target + s / classes.
    """
    logits = _as_input(input, "cross_entropy")
    if isinstance(label_smoothing, bool) or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must lie in [0, 1], got {label_smoothing}")
    reduction = legacy_reduction(size_average, reduce, reduction, "cross_entropy")
    logits, target = _classes_last(logits, target)
    probabilities, counted = _class_targets(target, logits, "cross_entropy", ignore_index)
    labels_given = np.shape(target) != logits.shape
    log_probs = log_softmax(logits, dim=-1)
    denominator: float = counted
    weights = None if weight is None else _class_weight(weight, logits, "cross_entropy")
    if weights is not None and labels_given:
        denominator = float((probabilities.data * weights.data).sum())  # the weights of the labels that count
    if label_smoothing:
        classes = logits.shape[-1]
        # Tensor ops (constants: detached), so compile replays them.
        if labels_given:  # 0 for an ignored row, which must stay 0
            kept = probabilities.detach().sum(axis=-1, keepdims=True)
            probabilities = probabilities * (1 - label_smoothing) + kept * (label_smoothing / classes)
        else:
            probabilities = probabilities * (1 - label_smoothing) + label_smoothing / classes
    if weights is not None:
        probabilities = probabilities * weights
    losses = -(probabilities * log_probs).sum(axis=-1)
    if reduction == "mean":
        return losses.sum() / denominator if counted else losses.sum() * np.nan
    return _reduce(losses, reduction, "cross_entropy")
