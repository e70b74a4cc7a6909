"""Tensor methods as module-level functions, as PyTorch offers them: ``tg.sin(x)`` is ``x.sin()``.

Each function turns its first argument into a tensor if needed and calls the
method of the same name, so the method is the one place that does the work.
"""

from __future__ import annotations

from typing import Any

from tinygrad_moons.tensor import ArrayLike, Tensor


def _tensor(input: ArrayLike) -> Tensor:  # noqa: A002 - PyTorch's argument name
    return input if isinstance(input, Tensor) else Tensor(input)


def abs(input: ArrayLike) -> Tensor:  # noqa: A001, A002
    return _tensor(input).abs()


def all(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    return _tensor(input).all(dim, keepdim)


def any(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    return _tensor(input).any(dim, keepdim)


def argmax(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    return _tensor(input).argmax(dim, keepdim)


def argmin(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    return _tensor(input).argmin(dim, keepdim)


def clamp(input: ArrayLike, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    return _tensor(input).clamp(min, max)


clip = clamp


def clone(input: ArrayLike) -> Tensor:  # noqa: A002
    return _tensor(input).clone()


def cos(input: ArrayLike) -> Tensor:  # noqa: A002
    return _tensor(input).cos()


def exp(input: ArrayLike) -> Tensor:  # noqa: A002
    return _tensor(input).exp()


def flatten(input: ArrayLike, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    return _tensor(input).flatten(start_dim, end_dim)


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    return _tensor(input).is_floating_point()


def log(input: ArrayLike) -> Tensor:  # noqa: A002
    return _tensor(input).log()


def log_softmax(input: ArrayLike, dim: int = -1) -> Tensor:  # noqa: A002
    return _tensor(input).log_softmax(dim=dim)


def logsumexp(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    return _tensor(input).logsumexp(dim=dim, keepdim=keepdim)


def matmul(input: ArrayLike, other: ArrayLike) -> Tensor:  # noqa: A002
    return _tensor(input) @ other


def max(input: ArrayLike, dim: Any = None, keepdim: bool | None = None) -> Any:  # noqa: A001, A002
    """``max(x)``: the largest value; ``max(x, dim)``: ``(values, indices)``; ``max(x, other)``: elementwise."""
    return _tensor(input).max(dim, keepdim)


def min(input: ArrayLike, dim: Any = None, keepdim: bool | None = None) -> Any:  # noqa: A001, A002
    """``min(x)``: the smallest value; ``min(x, dim)``: ``(values, indices)``; ``min(x, other)``: elementwise."""
    return _tensor(input).min(dim, keepdim)


def mean(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    return _tensor(input).mean(dim=dim, keepdim=keepdim)


def neg(input: ArrayLike) -> Tensor:  # noqa: A002
    return -_tensor(input)


def norm(input: ArrayLike, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    return _tensor(input).norm(p, dim, keepdim)


def numel(input: Tensor) -> int:  # noqa: A002
    return _tensor(input).numel()


def permute(input: ArrayLike, dims: Any) -> Tensor:  # noqa: A002
    return _tensor(input).permute(dims)


def pow(input: ArrayLike, exponent: ArrayLike) -> Tensor:  # noqa: A001, A002
    return _tensor(input) ** exponent


def prod(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    return _tensor(input).prod(dim=dim, keepdim=keepdim)


def relu(input: ArrayLike) -> Tensor:  # noqa: A002
    return _tensor(input).relu()


def reshape(input: ArrayLike, shape: Any) -> Tensor:  # noqa: A002
    return _tensor(input).reshape(shape)


def sigmoid(input: ArrayLike) -> Tensor:  # noqa: A002
    return _tensor(input).sigmoid()


def sin(input: ArrayLike) -> Tensor:  # noqa: A002
    return _tensor(input).sin()


def softmax(input: ArrayLike, dim: int = -1) -> Tensor:  # noqa: A002
    return _tensor(input).softmax(dim=dim)


def sqrt(input: ArrayLike) -> Tensor:  # noqa: A002
    return _tensor(input).sqrt()


def square(input: ArrayLike) -> Tensor:  # noqa: A002
    return _tensor(input).square()


def squeeze(input: ArrayLike, dim: Any = None) -> Tensor:  # noqa: A002
    return _tensor(input).squeeze(dim)


def std(  # noqa: A002
    input: ArrayLike, dim: Any = None, *, correction: float | None = None, keepdim: bool = False
) -> Tensor:
    return _tensor(input).std(dim=dim, correction=correction, keepdim=keepdim)


def sum(input: ArrayLike, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    return _tensor(input).sum(dim=dim, keepdim=keepdim)


def t(input: ArrayLike) -> Tensor:  # noqa: A002
    return _tensor(input).t()


def tanh(input: ArrayLike) -> Tensor:  # noqa: A002
    return _tensor(input).tanh()


def transpose(input: ArrayLike, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    return _tensor(input).transpose(dim0, dim1)


def unsqueeze(input: ArrayLike, dim: int) -> Tensor:  # noqa: A002
    return _tensor(input).unsqueeze(dim)


def var(  # noqa: A002
    input: ArrayLike, dim: Any = None, *, correction: float | None = None, keepdim: bool = False
) -> Tensor:
    return _tensor(input).var(dim=dim, correction=correction, keepdim=keepdim)
