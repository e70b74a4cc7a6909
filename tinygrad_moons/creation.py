"""Making tensors, with PyTorch's names and signatures: ``tensor``, ``zeros``, ``arange``, ``randn``, ...

Each factory takes PyTorch's keywords ``dtype=``, ``device=`` and
``requires_grad=``. Differences, all deliberate:

* the default floating dtype is float64 (NumPy's), not float32;
* ``device`` may only be ``"cpu"``: anything else raises a clear error;
* random numbers come from :mod:`tinygrad_moons.random` (a NumPy generator):
  ``manual_seed`` makes runs repeatable, not equal to PyTorch's numbers.

Only floating tensors can require gradients, as in PyTorch.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, overload

import numpy as np

from tinygrad_moons import autograd, dtypes, ops
from tinygrad_moons import random as _random
from tinygrad_moons.tensor import ArrayLike, Tensor, _as_array, _check_requires_grad, _normalize_axis, _promote

__all__ = [
    "arange",
    "as_tensor",
    "cat",
    "concatenate",
    "device",
    "empty",
    "empty_like",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "manual_seed",
    "maximum",
    "minimum",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "stack",
    "tensor",
    "where",
    "zeros",
    "zeros_like",
]

manual_seed = _random.manual_seed


# ------------------------------------------------------------------ devices
class device:  # noqa: N801 - PyTorch's name
    """``torch.device``, for the only device there is: ``device("cpu")``."""

    __slots__ = ("type",)

    def __init__(self, type: str | device = "cpu"):  # noqa: A002 - PyTorch's argument name
        check_device(type, "device")
        self.type = "cpu"

    def __eq__(self, other: object) -> builtins.bool:
        return isinstance(other, device) or other == "cpu"

    def __hash__(self) -> int:
        return hash("cpu")

    def __str__(self) -> str:
        return "cpu"

    def __repr__(self) -> str:
        return "device(type='cpu')"


def check_device(where_to: Any, op: str) -> None:
    """Accept ``None``, ``"cpu"`` (or ``"cpu:0"``) and ``device("cpu")``; refuse everything else clearly."""
    if where_to is None or isinstance(where_to, device):
        return
    if isinstance(where_to, str) and where_to.strip().lower() in ("cpu", "cpu:0"):
        return
    raise ValueError(
        f"{op}: device={where_to!r} is not available; tinygrad_moons runs on NumPy, on the CPU only "
        "(use device='cpu' or leave it out)"
    )


# ------------------------------------------------------------ from data
def tensor(data: ArrayLike, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (``torch.tensor``).

    The dtype is inferred as PyTorch does: Python ints give int64, bools give
    bool, floats give float64 (PyTorch: float32); NumPy arrays keep theirs.
    ``Tensor(data)`` instead always makes a floating tensor, as ``torch.Tensor`` does.
    """
    check_device(device, "tensor")
    array = _as_array(data, dtype, keep_integers=True, op="tensor")
    if array is data or (isinstance(data, Tensor) and array is data.data) or not array.flags.owndata:
        array = array.copy()
    _check_requires_grad(array.dtype, requires_grad, "tensor")
    return Tensor._wrap(array, requires_grad=builtins.bool(requires_grad))


def as_tensor(data: ArrayLike, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory with it when no conversion is needed (``torch.as_tensor``)."""
    check_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.dtype):
        return data
    return Tensor._wrap(_as_array(data, dtype, keep_integers=True, op="as_tensor"))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory: writes through either show in both (``torch.from_numpy``)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a NumPy ndarray, got {type(array).__name__}")
    return Tensor._wrap(_as_array(array, None, keep_integers=True, op="from_numpy"))


# ------------------------------------------------------------ filled
def _size(size: tuple[Any, ...], op: str) -> tuple[int, ...]:
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` all mean shape (2, 3), as in PyTorch."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if isinstance(n, (builtins.bool, np.bool_)) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{op}: sizes must be ints, got {n!r} in {size}")
        if n < 0:
            raise ValueError(f"{op}: sizes must be non-negative, got {autograd.plain_numbers(size)}")
    return tuple(int(n) for n in size)


def _dtype(dtype: Any, default: Any, op: str) -> np.dtype:
    chosen: np.dtype = np.dtype(default if dtype is None else dtype)  # NumPy's stubs: np.dtype(Any) is Any
    if chosen.kind not in "biuf":
        raise TypeError(f"{op}: dtype must be a bool, integer or floating type, got {chosen}")
    return chosen


def _allocate(op: str, shape: tuple[int, ...], dtype: np.dtype, make: Callable[[], np.ndarray]) -> np.ndarray:
    """``make()``, with NumPy's out-of-memory errors restated with the op, the shape and the bytes asked for."""
    try:
        return make()
    except MemoryError:
        raise MemoryError(_too_large(op, shape, dtype, "more memory than is available")) from None
    except ValueError as error:  # "array is too big", "Maximum allowed size exceeded": past what NumPy can index
        if "too big" not in str(error) and "Maximum allowed size" not in str(error):
            raise
        raise ValueError(_too_large(op, shape, dtype, "more than an array can hold")) from None


def _too_large(op: str, shape: tuple[int, ...], dtype: np.dtype, problem: str) -> str:
    size = 1
    for n in shape:
        size *= n
    nbytes = size * dtype.itemsize
    human = f"{nbytes / 2**30:,.1f} GiB" if nbytes >= 2**30 else f"{nbytes / 2**20:,.1f} MiB"
    return (
        f"{op}: a tensor of shape {shape} and dtype {dtype} needs {nbytes:,} bytes ({human}), {problem}; "
        "ask for a smaller shape"
    )


def _made(array: np.ndarray, requires_grad: bool, op: str) -> Tensor:
    _check_requires_grad(array.dtype, requires_grad, op)
    return Tensor._wrap(array, requires_grad=builtins.bool(requires_grad))


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of shape ``size`` (ints or one sequence), float64 by default (``torch.zeros``)."""
    check_device(device, "zeros")
    shape, chosen = _size(size, "zeros"), _dtype(dtype, dtypes.DEFAULT_FLOAT, "zeros")
    return _made(_allocate("zeros", shape, chosen, lambda: np.zeros(shape, chosen)), requires_grad, "zeros")


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of shape ``size`` (ints or one sequence), float64 by default (``torch.ones``)."""
    check_device(device, "ones")
    shape, chosen = _size(size, "ones"), _dtype(dtype, dtypes.DEFAULT_FLOAT, "ones")
    return _made(_allocate("ones", shape, chosen, lambda: np.ones(shape, chosen)), requires_grad, "ones")


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uninitialised values, as ``torch.empty``: never read them before writing."""
    check_device(device, "empty")
    shape, chosen = _size(size, "empty"), _dtype(dtype, dtypes.DEFAULT_FLOAT, "empty")
    return _made(_allocate("empty", shape, chosen, lambda: np.empty(shape, chosen)), requires_grad, "empty")


def _fill_dtype(fill_value: Any) -> np.dtype:
    """PyTorch infers ``full``'s dtype from the value: bool, int64 or the default float."""
    if isinstance(fill_value, (builtins.bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(fill_value, (int, np.integer)):
        return np.dtype(np.int64)
    return dtypes.DEFAULT_FLOAT


def full(
    size: Sequence[int], fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``; its dtype is inferred from the value (``torch.full``)."""
    check_device(device, "full")
    shape = _size((size,) if isinstance(size, (tuple, list)) else (size,), "full")
    if isinstance(fill_value, (Tensor, np.ndarray)) and fill_value.size == 1 and fill_value.ndim == 0:
        fill_value = fill_value.item()
    if not isinstance(fill_value, (int, float, np.number, np.bool_)) or isinstance(fill_value, np.complexfloating):
        raise TypeError(
            f"full: fill_value must be a number (bool, int or float), got {fill_value!r} ({type(fill_value).__name__})"
        )
    dtype = _dtype(dtype, _fill_dtype(fill_value), "full")
    try:
        return _made(_allocate("full", shape, dtype, lambda: np.full(shape, fill_value, dtype=dtype)), requires_grad,
                     "full")  # fmt: skip
    except OverflowError:
        raise OverflowError(
            f"full: fill_value {fill_value} does not fit in dtype {dtype}; pass a float or dtype=float64"
        ) from None


def arange(
    start: float = 0,
    end: float | None = None,
    step: float = 1,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``arange(end)``, ``arange(start, end)`` or ``arange(start, end, step)``: int64 if all are ints, else float."""
    check_device(device, "arange")
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    bounds = (start, end, step)
    for name, value in zip(("start", "end", "step"), bounds):
        if not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value):
            raise ValueError(f"arange: {name} must be a finite number, got {autograd.plain_numbers(value)!r}")
    integral = all(isinstance(v, (int, np.integer)) and not isinstance(v, builtins.bool) for v in bounds)
    dtype = _dtype(dtype, np.int64 if integral else dtypes.DEFAULT_FLOAT, "arange")
    length = max(0, math.ceil((end - start) / step))
    values = _allocate("arange", (length,), dtype, lambda: np.arange(start, end, step))
    return _made(values.astype(dtype, copy=False), requires_grad, "arange")


def linspace(
    start: float, end: float, steps: int, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    check_device(device, "linspace")
    (steps,) = _size((steps,), "linspace")
    dtype = _dtype(dtype, dtypes.DEFAULT_FLOAT, "linspace")
    values = _allocate("linspace", (steps,), dtype, lambda: np.linspace(start, end, steps))
    return _made(values.astype(dtype, copy=False), requires_grad, "linspace")


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m = n by default), float64 by default (``torch.eye``)."""
    check_device(device, "eye")
    n, m = _size((n, n if m is None else m), "eye")
    chosen = _dtype(dtype, dtypes.DEFAULT_FLOAT, "eye")
    return _made(_allocate("eye", (n, m), chosen, lambda: np.eye(n, m, dtype=chosen)), requires_grad, "eye")


# ------------------------------------------------------------ random
def _random_float(op: str, dtype: Any, requires_grad: bool, device: Any) -> np.dtype:
    check_device(device, op)
    chosen = _dtype(dtype, dtypes.DEFAULT_FLOAT, op)
    if chosen.kind != "f":
        raise TypeError(f"{op}: dtype must be a floating type, got {chosen}")
    return chosen


def rand(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1), drawn from the global generator (see :mod:`tinygrad_moons.random`)."""
    dtype = _random_float("rand", dtype, requires_grad, device)
    shape = _size(size, "rand")
    values = _allocate("rand", shape, np.dtype(np.float64), lambda: _random.generator().random(shape))
    return _made(values.astype(dtype, copy=False), requires_grad, "rand")


def randn(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal, drawn from the global generator."""
    dtype = _random_float("randn", dtype, requires_grad, device)
    shape = _size(size, "randn")
    values = _allocate("randn", shape, np.dtype(np.float64), lambda: _random.generator().standard_normal(shape))
    return _made(values.astype(dtype, copy=False), requires_grad, "randn")


def randint(*args: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``randint(high, size)`` or ``randint(low, high, size)``: ints in [low, high), int64 by default."""
    check_device(device, "randint")
    if size is None and args and isinstance(args[-1], (tuple, list)):
        args, size = args[:-1], args[-1]
    if size is None or len(args) not in (1, 2):
        raise TypeError("randint: call it as randint(high, size) or randint(low, high, size), size a tuple")
    low, high = (0, args[0]) if len(args) == 1 else args
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    dtype = _dtype(dtype, np.int64, "randint")
    shape = _size((size,), "randint")
    values = _allocate("randint", shape, np.dtype(np.int64), lambda: _random.generator().integers(low, high, shape))
    return _made(values.astype(dtype, copy=False), requires_grad, "randint")


def randperm(
    n: int,
    *,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of ``0 .. n-1``, int64 by default (``torch.randperm``).

    Drawn from the global generator (:mod:`tinygrad_moons.random`, reseeded
    by ``manual_seed``), or from ``generator``: a NumPy ``Generator`` such as
    ``np.random.default_rng(0)`` (PyTorch's is a ``torch.Generator``; the
    numbers differ from PyTorch's either way).

    >>> sorted(randperm(4).tolist())
    [0, 1, 2, 3]
    """
    check_device(device, "randperm")
    if isinstance(n, (builtins.bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"randperm: n must be an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"randperm: n must be non-negative, got {n}")
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"randperm: generator must be a NumPy Generator (e.g. np.random.default_rng(0)) or None, "
            f"got {type(generator).__name__}"
        )
    chosen = _dtype(dtype, np.int64, "randperm")
    if chosen.kind == "b":
        raise TypeError("randperm: dtype=bool cannot hold a permutation; use an integer or floating dtype")
    if n > 1 and chosen.kind in "iu" and n - 1 > np.iinfo(chosen).max:
        raise ValueError(f"randperm: n={n} does not fit in dtype {chosen} (largest value {np.iinfo(chosen).max})")
    values = (generator if generator is not None else _random.generator()).permutation(int(n))
    return _made(values.astype(chosen, copy=False), requires_grad, "randperm")


# ------------------------------------------------------------ *_like
# ``input`` is PyTorch's argument name for all of these (it shadows the builtin only inside them).
def _like(input: ArrayLike, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:  # noqa: A002
    """The shape of ``input`` and the dtype to use: the one given, else ``input``'s."""
    if not isinstance(input, Tensor):
        input = Tensor(input)
    return input.shape, np.dtype(input.dtype if dtype is None else dtype)


def zeros_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``input``'s shape and dtype (unless ``dtype`` is given) (``torch.zeros_like``)."""
    shape, dtype = _like(input, dtype)
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``input``'s shape and dtype (unless ``dtype`` is given) (``torch.ones_like``)."""
    shape, dtype = _like(input, dtype)
    return ones(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of ``input``'s shape and dtype (``torch.empty_like``)."""
    shape, dtype = _like(input, dtype)
    return empty(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(
    input: Tensor, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """``fill_value`` in ``input``'s shape and dtype (unless ``dtype`` is given) (``torch.full_like``)."""
    shape, dtype = _like(input, dtype)
    return full(shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform values in [0, 1) in ``input``'s shape and floating dtype (``torch.rand_like``)."""
    shape, dtype = _like(input, dtype)
    return rand(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal values in ``input``'s shape and floating dtype (``torch.randn_like``)."""
    shape, dtype = _like(input, dtype)
    return randn(shape, dtype=dtype, device=device, requires_grad=requires_grad)


# ------------------------------------------------------------ combining
@overload
def where(condition: ArrayLike) -> tuple[Tensor, ...]: ...
@overload
def where(condition: ArrayLike, input: ArrayLike, other: ArrayLike) -> Tensor: ...  # noqa: A002
def where(  # noqa: A002
    condition: ArrayLike, input: ArrayLike | None = None, other: ArrayLike | None = None
) -> Tensor | tuple[Tensor, ...]:
    """``input`` where ``condition`` is true, else ``other``; differentiable in both.

    With only ``condition``, the indices of its nonzero elements, as a tuple of
    int64 tensors (``torch.where(condition)``).
    """
    condition = _as_array(condition, None, keep_integers=True, op="where")
    if input is None and other is None:
        if autograd._CAPTURE is not None:  # compile would replay the first call's indices
            autograd._CAPTURE.refuse("where(condition) with one argument (indices found with NumPy)")
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(condition))
    if input is None or other is None:
        raise TypeError("where: give both input and other, or neither")
    if condition.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool tensor, got dtype {condition.dtype}")
    a, b = _promote(input, other)
    return ops.Where.apply(Tensor._wrap(condition), a, b)


def maximum(input: ArrayLike, other: ArrayLike) -> Tensor:  # noqa: A002
    """Elementwise maximum; at ties each input gets half the gradient (as PyTorch)."""
    return ops.Maximum.apply(*_promote(input, other))


def minimum(input: ArrayLike, other: ArrayLike) -> Tensor:  # noqa: A002
    """Elementwise minimum; at ties each input gets half the gradient (as PyTorch)."""
    return ops.Minimum.apply(*_promote(input, other))


def _as_tensor_list(tensors: Iterable[ArrayLike], op: str) -> list[Tensor]:
    if isinstance(tensors, (Tensor, np.ndarray)):
        raise TypeError(f"{op}: expected a sequence of tensors, got a single {type(tensors).__name__}")
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError(f"{op}: needs at least one tensor")
    return tensors


def _dim_or_axis(dim: int | None, axis: int | None, op: str) -> int:
    if dim is not None and axis is not None:
        raise TypeError(f"{op}: give dim or axis, not both")
    return dim if dim is not None else (axis if axis is not None else 0)


def concatenate(tensors: Iterable[ArrayLike], axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (NumPy's ``concatenate``, PyTorch's ``cat``)."""
    tensors = _as_tensor_list(tensors, "concatenate")
    axes = _normalize_axis(_dim_or_axis(dim, axis, "concatenate"), tensors[0].ndim, "concatenate")
    if axes is None:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated")
    return ops.Concatenate.apply(*tensors, axis=axes[0])


def cat(tensors: Iterable[ArrayLike], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension (``torch.cat``)."""
    return concatenate(tensors, dim=dim)


def stack(tensors: Iterable[ArrayLike], axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join tensors of the same shape along a new axis (``torch.stack(tensors, dim=0)``)."""
    tensors = _as_tensor_list(tensors, "stack")
    axes = _normalize_axis(_dim_or_axis(dim, axis, "stack"), tensors[0].ndim + 1, "stack")
    assert axes is not None  # the new axis makes the result at least 1-d
    return ops.Stack.apply(*tensors, axis=axes[0])
