"""Losses and activations as plain functions of tensors (PyTorch's ``torch.nn.functional``).

Each function builds its result from the engine's ops, so it is
differentiated like any other expression. The layer forms in
:mod:`tinygrad_moons.nn` (``Dense(activation="relu")``, ``BCELoss()``,
``compile(loss="binary_crossentropy")``) call these.

Losses take ``reduction``: ``"mean"`` (the default: the average over every
element), ``"sum"`` or ``"none"`` (the per-element losses).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from tinygrad_moons import ops
from tinygrad_moons.autograd import ShapeError
from tinygrad_moons.tensor import Tensor

__all__ = [
    "ACTIVATIONS",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "categorical_cross_entropy",
    "cross_entropy",
    "get_activation",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mse_loss",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]

_REDUCTIONS = ("mean", "sum", "none")


# ------------------------------------------------------------- activations
def relu(x: Tensor) -> Tensor:
    """max(x, 0), elementwise."""
    return ops.ReLU.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), elementwise, without overflow for large |x|."""
    return ops.Sigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    return ops.Tanh.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else ``negative_slope * x``."""
    return ops.LeakyReLU.apply(x, negative_slope=float(negative_slope))


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x) normalised to sum to 1 along ``axis``."""
    return x.softmax(axis=axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """log(softmax(x)), computed without taking the log of a rounded-to-zero probability."""
    return x.log_softmax(axis=axis)


def linear(x: Tensor, kernel: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ kernel + bias``: x is (batch, in_features), kernel (in_features, units), bias (units,).

    The kernel is laid out (in, out) as in Keras, so no transpose is needed
    (PyTorch's ``F.linear`` takes its weight as (out, in)).
    """
    if bias is None:
        return x @ kernel
    return ops.Linear.apply(x, kernel, bias)


#: Activations by the names Keras uses for them; None and "linear" mean none.
ACTIVATIONS: dict[str, Callable[[Tensor], Tensor] | None] = {
    "relu": relu,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "leaky_relu": leaky_relu,
    "softmax": softmax,
    "linear": None,
}


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
                f"unknown activation {identifier!r}; choose one of {sorted(ACTIVATIONS)} or pass a function"
            )
        return key, ACTIVATIONS[key]
    if callable(identifier):
        return getattr(identifier, "__name__", type(identifier).__name__), identifier
    raise TypeError(f"activation must be a name, a function or None, got {type(identifier).__name__}")


# ------------------------------------------------------------------ losses
def _target_like(target: Any, prediction: Tensor, loss: str) -> Tensor:
    """The target as a tensor in the prediction's dtype and, checked, of the prediction's shape.

    Equal shapes are required: a (n, 1) prediction against a (n,) target
    would otherwise broadcast to (n, n) and give a silently wrong loss.
    """
    if not isinstance(target, Tensor):
        target = Tensor(target, dtype=prediction.data.dtype)
    elif target.data.dtype != prediction.data.dtype:
        target = target.to(prediction.data.dtype)
    if target.data.shape != prediction.data.shape:
        raise ShapeError(
            f"{loss}: the prediction has shape {prediction.shape} but the target has shape {target.shape}; "
            "they must be equal (reshape the target, e.g. y.reshape(-1, 1) for a single output unit)"
        )
    return target


def _reduce(losses: Tensor, reduction: str, loss: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    if reduction == "none":
        return losses
    raise ValueError(f"{loss}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def binary_cross_entropy_with_logits(logits: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-[y log(sigmoid(z)) + (1-y) log(1-sigmoid(z))] from the logits z, stable for any z.

    Finite loss and finite gradient even at z = +-1000 (see
    :class:`~tinygrad_moons.ops.BinaryCrossEntropyWithLogits`).
    """
    target = _target_like(target, logits, "binary_cross_entropy_with_logits")
    return _reduce(
        ops.BinaryCrossEntropyWithLogits.apply(logits, target), reduction, "binary_cross_entropy_with_logits"
    )


def binary_cross_entropy(probs: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-[y log(p) + (1-y) log(1-p)], the seed's objective, for probabilities p.

    When ``probs`` came straight out of a sigmoid (as from
    ``Dense(1, activation="sigmoid")``) and the graph was recorded, the loss
    is computed from the sigmoid's input with the stable with-logits formula,
    as Keras does: a saturated sigmoid (p rounded to exactly 0 or 1) then
    still gives the right loss and a useful gradient. Otherwise ``p`` is
    clamped to [eps, 1 - eps] (eps the dtype's machine epsilon) so that no
    log(0) occurs; where the clamp is active the gradient is zero.
    """
    function = probs._ctx
    if type(function) is ops.Sigmoid:
        return binary_cross_entropy_with_logits(function.parents[0], target, reduction)
    target = _target_like(target, probs, "binary_cross_entropy")
    eps = float(np.finfo(probs.data.dtype).eps)
    p = probs.clip(eps, 1 - eps)
    losses = -(target * p.log() + (1 - target) * (1 - p).log())
    return _reduce(losses, reduction, "binary_cross_entropy")


def mse_loss(prediction: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(prediction - target)^2, elementwise, then reduced."""
    target = _target_like(target, prediction, "mse_loss")
    difference = prediction - target
    return _reduce(difference * difference, reduction, "mse_loss")


def _one_hot(labels: Any, classes: int, dtype: np.dtype, loss: str) -> np.ndarray:
    labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if labels.dtype.kind == "f" and np.all(labels == np.round(labels)):
        labels = labels.astype(np.intp)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{loss}: class labels must be integers, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"{loss}: class labels must lie in [0, {classes - 1}], got {labels.min()} to {labels.max()}")
    encoded = np.zeros(labels.shape + (classes,), dtype=dtype)
    np.put_along_axis(encoded, labels[..., None], 1, axis=-1)
    return encoded


def cross_entropy(logits: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-log softmax(logits)[target] for integer class labels, as PyTorch's ``F.cross_entropy``.

    ``logits`` is (batch, classes) and ``target`` holds one integer label per
    row, shape (batch,). A float target of the same shape as ``logits`` is
    taken as class probabilities (e.g. one-hot rows). ``log_softmax`` keeps
    it stable for any logits.
    """
    if logits.ndim < 1:
        raise ShapeError(f"cross_entropy: logits need a class axis, got shape {logits.shape}")
    log_probs = log_softmax(logits, axis=-1)
    if isinstance(target, Tensor) and target.shape == logits.shape:
        probabilities = target.to(logits.data.dtype)
    elif np.shape(target) == logits.shape and np.asarray(target).dtype.kind == "f":
        probabilities = Tensor(target, dtype=logits.data.dtype)
    else:
        if np.shape(target) != logits.shape[:-1]:
            raise ShapeError(
                f"cross_entropy: logits of shape {logits.shape} need integer labels of shape {logits.shape[:-1]} "
                f"or class probabilities of shape {logits.shape}, got shape {np.shape(target)}"
            )
        # Multiplying by one-hot rows picks log_probs[i, target[i]] (and is cheaper to differentiate than indexing).
        probabilities = Tensor._wrap(_one_hot(target, logits.shape[-1], logits.data.dtype, "cross_entropy"))
    return _reduce(-(probabilities * log_probs).sum(axis=-1), reduction, "cross_entropy")


def categorical_cross_entropy(probs: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-sum_k y_k log(p_k) for probabilities p (a softmax output) and one-hot or integer targets.

    Keras' ``categorical_crossentropy`` (one-hot ``target``, same shape as
    ``probs``) and ``sparse_categorical_crossentropy`` (integer labels). As
    for :func:`binary_cross_entropy`, a recorded softmax output is traced
    back to its logits and computed with ``log_softmax``; other
    probabilities are clamped away from 0.
    """
    function = probs._ctx
    if type(function) is ops.Softmax and function.axis in (-1, probs.ndim - 1):
        return cross_entropy(function.parents[0], target, reduction)
    if np.shape(target) == probs.shape:
        target = _target_like(target, probs, "categorical_cross_entropy")
    else:
        if np.shape(target) != probs.shape[:-1]:
            raise ShapeError(
                f"categorical_cross_entropy: probabilities of shape {probs.shape} need one-hot targets of that "
                f"shape or integer labels of shape {probs.shape[:-1]}, got shape {np.shape(target)}"
            )
        target = Tensor._wrap(_one_hot(target, probs.shape[-1], probs.data.dtype, "categorical_cross_entropy"))
    eps = float(np.finfo(probs.data.dtype).eps)
    log_p = probs.clip(eps, 1.0).log()
    return _reduce(-(target * log_p).sum(axis=-1), reduction, "categorical_cross_entropy")
