"""Tensor methods as module-level functions, as PyTorch offers them: ``tg.sin(x)`` is ``x.sin()``.

Each function turns its first argument into a tensor if needed and calls the
method of the same name, so the method is the one place that does the work.
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np

from tinygrad_moons.tensor import ArrayLike, MaxMin, Tensor


def _tensor(input: ArrayLike) -> Tensor:  # noqa: A002 - PyTorch's argument name
    return input if isinstance(input, Tensor) else Tensor(input)


def abs(input: ArrayLike) -> Tensor:  # noqa: A001, A002
    """|input|, elementwise (``torch.abs``)."""
    return _tensor(input).abs()


def all(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """True where every element (along ``dim``) is nonzero, a bool tensor (``torch.all``)."""
    return _tensor(input).all(dim, keepdim)


def any(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """True where some element (along ``dim``) is nonzero, a bool tensor (``torch.any``)."""
    return _tensor(input).any(dim, keepdim)


def argmax(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The index of the largest value (of the flattened tensor when ``dim`` is None), int64 (``torch.argmax``)."""
    return _tensor(input).argmax(dim, keepdim)


def argmin(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The index of the smallest value (of the flattened tensor when ``dim`` is None), int64 (``torch.argmin``)."""
    return _tensor(input).argmin(dim, keepdim)


def clamp(input: ArrayLike, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    """``input`` limited to [min, max], elementwise; zero gradient where a limit is active (``torch.clamp``)."""
    return _tensor(input).clamp(min, max)


clip = clamp


def clone(input: ArrayLike) -> Tensor:  # noqa: A002
    """A copy with its own array, still in the graph (``torch.clone``)."""
    return _tensor(input).clone()


def cos(input: ArrayLike) -> Tensor:  # noqa: A002
    """cos(input), elementwise (``torch.cos``)."""
    return _tensor(input).cos()


def exp(input: ArrayLike) -> Tensor:  # noqa: A002
    """exp(input), elementwise (``torch.exp``)."""
    return _tensor(input).exp()


def flatten(input: ArrayLike, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Dims ``start_dim`` to ``end_dim`` merged into one (``torch.flatten``)."""
    return _tensor(input).flatten(start_dim, end_dim)


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    """True if ``input``'s dtype is a floating type (``torch.is_floating_point``)."""
    return _tensor(input).is_floating_point()


def log(input: ArrayLike) -> Tensor:  # noqa: A002
    """The natural logarithm, elementwise (``torch.log``)."""
    return _tensor(input).log()


def log_softmax(input: ArrayLike, dim: int = -1) -> Tensor:  # noqa: A002
    """log(softmax(input)) along ``dim``, computed stably (``torch.log_softmax``)."""
    return _tensor(input).log_softmax(dim=dim)


def logsumexp(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """log(sum(exp(input))) over ``dim``, without overflow (``torch.logsumexp``)."""
    return _tensor(input).logsumexp(dim=dim, keepdim=keepdim)


def matmul(input: ArrayLike, other: ArrayLike) -> Tensor:  # noqa: A002
    """The matrix product ``input @ other`` with NumPy's rules for 1-D and batched operands (``torch.matmul``)."""
    return _tensor(input).matmul(other)


@overload
def max(input: ArrayLike, dim: None = None, keepdim: bool | None = None) -> Tensor: ...  # noqa: A001, A002
@overload
def max(input: ArrayLike, dim: Tensor, keepdim: bool | None = None) -> Tensor: ...  # noqa: A001, A002
@overload
def max(input: ArrayLike, dim: int | np.integer[Any], keepdim: bool | None = None) -> MaxMin: ...  # noqa: A001, A002
def max(input: ArrayLike, dim: Any = None, keepdim: bool | None = None) -> Tensor | MaxMin:  # noqa: A001, A002
    """``max(x)``: the largest value; ``max(x, dim)``: ``(values, indices)``; ``max(x, other)``: elementwise."""
    result: Tensor | MaxMin = _tensor(input).max(dim, keepdim)  # dim's type picks the form at run time
    return result


@overload
def min(input: ArrayLike, dim: None = None, keepdim: bool | None = None) -> Tensor: ...  # noqa: A001, A002
@overload
def min(input: ArrayLike, dim: Tensor, keepdim: bool | None = None) -> Tensor: ...  # noqa: A001, A002
@overload
def min(input: ArrayLike, dim: int | np.integer[Any], keepdim: bool | None = None) -> MaxMin: ...  # noqa: A001, A002
def min(input: ArrayLike, dim: Any = None, keepdim: bool | None = None) -> Tensor | MaxMin:  # noqa: A001, A002
    """``min(x)``: the smallest value; ``min(x, dim)``: ``(values, indices)``; ``min(x, other)``: elementwise."""
    result: Tensor | MaxMin = _tensor(input).min(dim, keepdim)  # dim's type picks the form at run time
    return result


def mean(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The mean over ``dim`` (all elements when None) of a floating tensor (``torch.mean``)."""
    return _tensor(input).mean(dim=dim, keepdim=keepdim)


def neg(input: ArrayLike) -> Tensor:  # noqa: A002
    """-input, elementwise (``torch.neg``)."""
    return -_tensor(input)


def norm(input: ArrayLike, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The vector p-norm over ``dim`` (all elements when None) (``torch.norm``)."""
    return _tensor(input).norm(p, dim, keepdim)


def numel(input: Tensor) -> int:  # noqa: A002
    """The number of elements (``torch.numel``)."""
    return _tensor(input).numel()


def permute(input: ArrayLike, dims: Any) -> Tensor:  # noqa: A002
    """The dims reordered as ``dims`` (``torch.permute``)."""
    return _tensor(input).permute(dims)


def pow(input: ArrayLike, exponent: ArrayLike) -> Tensor:  # noqa: A001, A002
    """input ** exponent, elementwise, broadcast (``torch.pow``)."""
    return _tensor(input).pow(exponent)


def prod(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The product over ``dim`` (all elements when None) (``torch.prod``)."""
    return _tensor(input).prod(dim=dim, keepdim=keepdim)


def relu(input: ArrayLike) -> Tensor:  # noqa: A002
    """max(input, 0), elementwise (``torch.relu``)."""
    return _tensor(input).relu()


def reshape(input: ArrayLike, shape: Any) -> Tensor:  # noqa: A002
    """The same values in ``shape`` (-1 allowed once) (``torch.reshape``)."""
    return _tensor(input).reshape(shape)


def sigmoid(input: ArrayLike) -> Tensor:  # noqa: A002
    """1 / (1 + exp(-input)), elementwise (``torch.sigmoid``)."""
    return _tensor(input).sigmoid()


def sin(input: ArrayLike) -> Tensor:  # noqa: A002
    """sin(input), elementwise (``torch.sin``)."""
    return _tensor(input).sin()


def softmax(input: ArrayLike, dim: int = -1) -> Tensor:  # noqa: A002
    """exp(input) normalised to sum to 1 along ``dim`` (``torch.softmax``)."""
    return _tensor(input).softmax(dim=dim)


def sqrt(input: ArrayLike) -> Tensor:  # noqa: A002
    """The square root, elementwise (``torch.sqrt``)."""
    return _tensor(input).sqrt()


def square(input: ArrayLike) -> Tensor:  # noqa: A002
    """input * input, elementwise (``torch.square``)."""
    return _tensor(input).square()


def squeeze(input: ArrayLike, dim: Any = None) -> Tensor:  # noqa: A002
    """Dims of size 1 removed (all, or those in ``dim``) (``torch.squeeze``)."""
    return _tensor(input).squeeze(dim)


def std(  # noqa: A002
    input: ArrayLike, dim: Any = None, *, correction: float | None = None, keepdim: bool = False
) -> Tensor:
    """The standard deviation over ``dim``, unbiased (correction 1) by default (``torch.std``)."""
    return _tensor(input).std(dim=dim, correction=correction, keepdim=keepdim)


def sum(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """The sum over ``dim`` (all elements when None), keeping the dims as size 1 if ``keepdim`` (``torch.sum``)."""
    return _tensor(input).sum(dim=dim, keepdim=keepdim)


def t(input: ArrayLike) -> Tensor:  # noqa: A002
    """The transpose of a matrix; 0-d and 1-d tensors unchanged (``torch.t``)."""
    return _tensor(input).t()


def tanh(input: ArrayLike) -> Tensor:  # noqa: A002
    """tanh(input), elementwise (``torch.tanh``)."""
    return _tensor(input).tanh()


def transpose(input: ArrayLike, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Dims ``dim0`` and ``dim1`` swapped (``torch.transpose``)."""
    return _tensor(input).transpose(dim0, dim1)


def unsqueeze(input: ArrayLike, dim: int) -> Tensor:  # noqa: A002
    """A dim of size 1 inserted at ``dim`` (``torch.unsqueeze``)."""
    return _tensor(input).unsqueeze(dim)


def var(  # noqa: A002
    input: ArrayLike, dim: Any = None, *, correction: float | None = None, keepdim: bool = False
) -> Tensor:
    """The variance over ``dim``, unbiased (correction 1) by default (``torch.var``)."""
    return _tensor(input).var(dim=dim, correction=correction, keepdim=keepdim)
