"""The Tensor: a NumPy array that remembers the operation that produced it.

A Tensor holds its value in ``.data`` (a NumPy array). When it is the result
of an operation on tensors that require gradients, it also holds ``_ctx``, the
:class:`~tinygrad_moons.autograd.Function` instance that made it; that instance
holds the input tensors (``parents``). Following ``_ctx.parents`` from a loss
back to the parameters walks the computation graph, which is all that
``backward()`` needs.

The methods below are thin: each one calls an op from :mod:`tinygrad_moons.ops`,
where every forward computation sits next to its derivative.
"""

from __future__ import annotations

import weakref
from typing import Any, Iterable, Sequence

import numpy as np

ArrayLike = Any  # a Python scalar, a (nested) list, a NumPy array or a Tensor

_FLOAT_KINDS = "f"
_CONVERTIBLE_KINDS = "biu"  # bool, signed and unsigned integers become float64


def _as_float_array(data: ArrayLike, dtype: Any = None) -> np.ndarray:
    """Turn user data into a floating NumPy array, refusing what is not numeric.

    Floating arrays keep their dtype (float32 stays float32); Python numbers,
    lists and integer or boolean arrays become float64, NumPy's default.
    """
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (str, bytes)):
        raise TypeError(f"Tensor: cannot make a tensor from a string ({data!r}); pass numbers")
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Tensor: dtype must be a floating type such as float32 or float64, got {dtype}")
    if not isinstance(data, np.ndarray):
        try:
            data = np.asarray(data)
        except ValueError as error:  # ragged nested lists
            raise TypeError(f"Tensor: data is not a rectangular array of numbers ({error})") from None
    kind = data.dtype.kind
    if kind not in _FLOAT_KINDS and kind not in _CONVERTIBLE_KINDS:
        raise TypeError(
            f"Tensor: data of dtype {data.dtype} is not numeric; "
            "pass floats, ints or bools (strings, objects and complex numbers are refused)"
        )
    if dtype is None:
        dtype = data.dtype if kind in _FLOAT_KINDS else np.float64
    return data if data.dtype == dtype else data.astype(dtype)


class Tensor:
    """An n-dimensional array of floats that records operations for autograd.

    >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    # `_data` holds the array behind the `data` property; `_version` counts in-place changes.
    __slots__ = ("_data", "_version", "grad", "requires_grad", "_ctx", "_retains_grad", "scope", "name", "__weakref__")
    # NumPy meets a Tensor through __array_ufunc__ (in the in-place section below):
    # `ndarray * Tensor` goes to Tensor.__rmul__, and `ndarray -= Tensor` updates the array.

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None, name: str | None = None):
        array = _as_float_array(data, dtype)
        if array is data or (isinstance(data, Tensor) and array is data.data):
            # Like torch.tensor, the tensor owns its values: an optimizer updating
            # it in place must not silently change the caller's array.
            array = array.copy()
        self._data: np.ndarray = array
        self._version = 0
        self.grad: Tensor | None = None
        self.requires_grad: bool = bool(requires_grad)
        self._ctx = None
        self._retains_grad = False
        self.scope = None
        self.name = name

    @classmethod
    def _wrap(cls, array: np.ndarray, requires_grad: bool = False, scope: Any = None) -> "Tensor":
        """Make a tensor around an array an op produced, skipping the checks in ``__init__``."""
        tensor = cls.__new__(cls)
        tensor._data = array
        tensor._version = 0
        tensor.grad = None
        tensor.requires_grad = requires_grad
        tensor._ctx = None
        tensor._retains_grad = False
        tensor.scope = scope
        tensor.name = None
        return tensor

    # ----------------------------------------------------------- properties
    @property
    def data(self) -> np.ndarray:
        """The values, a NumPy array (shared, not copied); writing it counts as an in-place change.

        ``x.data *= 10`` and ``x.data = new_array`` both bump ``x._version``, so
        a backward pass that needs the old values raises instead of silently
        using the new ones. Writes through the array itself (``x.data[0] = 1``,
        ``a = x.data; a *= 10``) are not seen: use ``with no_grad(): x.copy_(...)``.
        """
        return self._data

    @data.setter
    def data(self, value: ArrayLike) -> None:
        # `x.data *= 10` reads the array, changes it in place, then assigns the same array back here.
        if value is not self._data:
            if isinstance(value, Tensor):
                value = value._data
            elif not isinstance(value, np.ndarray):
                value = np.asarray(value)
            self._data = value
        self._version += 1

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def T(self) -> "Tensor":
        """All axes reversed, as NumPy's ``.T``."""
        return self.transpose()

    @property
    def mT(self) -> "Tensor":
        """The last two axes swapped (the matrix transpose of a batch of matrices)."""
        axes = list(range(self.ndim))
        axes[-1], axes[-2] = axes[-2], axes[-1]
        return self.transpose(*axes)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op that is being recorded."""
        return self._ctx is None

    @property
    def grad_fn(self):
        """The op that produced this tensor (None for leaves), as PyTorch's ``grad_fn``."""
        return self._ctx

    def __len__(self) -> int:
        if self.data.ndim == 0:  # NumPy would say "len() of unsized object"
            raise TypeError("len: a 0-d tensor has no length")
        return len(self.data)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(
                f"item: only a one-element tensor can be turned into a number, this one has shape {self.shape}"
            )
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def detach(self) -> "Tensor":
        """The same values, cut from the graph (no gradient flows through)."""
        return Tensor._wrap(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Start (or stop) recording operations on this leaf tensor, in place; returns self."""
        if self._ctx is not None and not requires_grad:
            raise RuntimeError(
                "requires_grad_: you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()"
            )
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"requires_grad_: only Tensors of floating point dtype can require gradients, got {self._data.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this intermediate tensor after backward (a no-op on leaves, which always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on Tensor that has requires_grad=False")
        if self._ctx is not None:
            self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor whose ``.grad`` backward fills in (see :meth:`retain_grad`)."""
        return self._retains_grad and self._ctx is not None

    def zero_grad(self) -> None:
        self.grad = None

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extras = []
        if self.data.dtype != np.float64:
            extras.append(f"dtype={self.data.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{type(self._ctx).__name__}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"bool: the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    # ------------------------------------------------------------ autograd
    def backward(
        self, gradient: "Tensor | ArrayLike | None" = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``gradient`` is d(loss)/d(self); it may be left out only when ``self``
        holds a single value (a scalar loss). The graph can be walked once:
        a second ``backward`` through it raises, unless the first was given
        ``retain_graph=True``. With ``create_graph=True`` the gradients are
        themselves recorded, so they can be differentiated again (this also
        retains the graph, as in PyTorch).
        """
        autograd.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    # --------------------------------------------------- in-place operations
    # PyTorch's rules: the tensor's own array changes (every reference sees it),
    # `_version` goes up, and the method returns self. On a leaf that requires
    # grad this is refused while recording (do it under no_grad: that is how
    # parameters are updated). On a tensor in a recorded graph, the arithmetic
    # ones (+= -= *= /=, add_ sub_ mul_ div_ clamp_) are recorded: the tensor
    # takes the new op as its history (and a new array), its old value and
    # history move to a new tensor that the new op reads.
    def _in_place_is_recorded(self, op: str, other: Any = None) -> bool:
        """True when the change must be recorded in the graph; raises for a leaf that requires grad."""
        if not autograd.is_grad_enabled():
            return False
        if self.requires_grad and self._ctx is None:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place operation. "
                "(Update parameters inside `with no_grad():`, or use the out-of-place form `x = x + y`.)"
            )
        return self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)

    def _update_in_place(self, op: str, ufunc: np.ufunc, *operands: Any) -> "Tensor":
        """``self = ufunc(self, *operands)`` in the tensor's own array, outside the graph."""
        if autograd._CAPTURE is not None:  # compile's tracer replays this update (jit.py)
            autograd._CAPTURE.in_place(self, op, ufunc, operands)
        arrays = [x._data if isinstance(x, Tensor) else x for x in operands]
        try:
            ufunc(self._data, *arrays, out=self._data, casting="same_kind")
        except (ValueError, TypeError) as error:
            raise self._in_place_error(op, arrays, error) from None
        self._version += 1
        return self

    def _in_place_error(self, op: str, operands: list, error: Exception) -> Exception:
        if not self._data.flags.writeable:
            return ValueError(
                f"{op}: this tensor's array is read-only (a broadcast view or a NumPy read-only array); "
                "make a writable copy first with .clone() or Tensor(array)"
            )
        shapes = [np.shape(x) for x in operands]
        if isinstance(error, TypeError):
            return TypeError(f"{op}: the result cannot be stored in a tensor of dtype {self._data.dtype} ({error})")
        return ShapeError(
            f"{op}: an operand of shape {' and '.join(map(str, shapes))} does not fit the tensor's shape "
            f"{self.shape}: an in-place op cannot change the shape ({error})"
        )

    def _record_in_place(self, op: str, compute: Any, other: Any = None) -> "Tensor":
        """Record ``self = compute(old self)``: the old value and history move to a new tensor, ``self`` gets the new op.

        Here the tensor gets a new array rather than writing into its old one:
        that array may be shared with other tensors of the graph (NumPy views
        made by reshape, transpose, indexing; or the leaf it is a view of), whose
        recorded values must not change under them.
        """
        before = Tensor._wrap(self._data, requires_grad=self.requires_grad, scope=self.scope)
        before._ctx, before._version = self._ctx, self._version
        if self._ctx is not None:  # the op that made the old value now made `before`
            self._ctx._output_ref = weakref.ref(before)
        result = compute(before, before if other is self else other)  # `x *= x` reads the old x twice
        if result.shape != self.shape:
            raise ShapeError(
                f"{op}: the result has shape {result.shape} but the tensor has shape {self.shape}: "
                "an in-place op cannot change the shape"
            )
        try:
            self._data = result._data.astype(self._data.dtype, casting="same_kind", copy=False)
        except TypeError as error:
            raise self._in_place_error(op, [result._data], error) from None
        self._version += 1
        self._ctx, self.requires_grad = result._ctx, result.requires_grad
        if result._ctx is not None:  # the new op's output is this tensor, not the temporary result
            result._ctx._output_ref = weakref.ref(self)
        return self

    def _refuse_recorded(self, op: str, other: Any = None) -> None:
        if self._in_place_is_recorded(op, other):
            raise RuntimeError(
                f"{op}: in-place {op} on a tensor that is part of a recorded graph (or from a tensor that requires "
                "grad) is not supported here; do it under `with no_grad():`, or make a new tensor instead"
            )

    def add_(self, other: ArrayLike, *, alpha: float = 1) -> "Tensor":
        """``self += alpha * other`` in place; returns self."""
        if self._in_place_is_recorded("add_", other):
            return self._record_in_place("add_", lambda old, y: old + (y if alpha == 1 else y * alpha), other)
        return self._update_in_place("add_", np.add, other if alpha == 1 else _times(other, alpha))

    def sub_(self, other: ArrayLike, *, alpha: float = 1) -> "Tensor":
        """``self -= alpha * other`` in place; returns self."""
        if self._in_place_is_recorded("sub_", other):
            return self._record_in_place("sub_", lambda old, y: old - (y if alpha == 1 else y * alpha), other)
        return self._update_in_place("sub_", np.subtract, other if alpha == 1 else _times(other, alpha))

    def mul_(self, other: ArrayLike) -> "Tensor":
        """``self *= other`` in place; returns self."""
        if self._in_place_is_recorded("mul_", other):
            return self._record_in_place("mul_", lambda old, y: old * y, other)
        return self._update_in_place("mul_", np.multiply, other)

    def div_(self, other: ArrayLike, *, rounding_mode: str | None = None) -> "Tensor":
        """``self /= other`` in place (true division); returns self."""
        if rounding_mode is not None:
            raise ValueError(f"div_: rounding_mode={rounding_mode!r} is not supported here; only true division (None)")
        if self._in_place_is_recorded("div_", other):
            return self._record_in_place("div_", lambda old, y: old / y, other)
        return self._update_in_place("div_", np.true_divide, other)

    def __iadd__(self, other: ArrayLike) -> "Tensor":
        return self.add_(other)

    def __isub__(self, other: ArrayLike) -> "Tensor":
        return self.sub_(other)

    def __imul__(self, other: ArrayLike) -> "Tensor":
        return self.mul_(other)

    def __itruediv__(self, other: ArrayLike) -> "Tensor":
        return self.div_(other)

    def clamp_(self, min: float | None = None, max: float | None = None) -> "Tensor":
        """Limit the values to [min, max] in place; returns self."""
        if min is None and max is None:
            raise ValueError("clamp_: give at least one of min and max")
        if self._in_place_is_recorded("clamp_"):
            return self._record_in_place("clamp_", lambda old, _: old.clip(min, max))
        self._data.clip(min, max, out=self._data)
        self._version += 1
        return self

    def zero_(self) -> "Tensor":
        """Set every value to 0 in place (``p.grad.zero_()``); returns self."""
        self._refuse_recorded("zero_")
        return self._update_in_place("zero_", _overwrite, 0)

    def fill_(self, value: float | "Tensor") -> "Tensor":
        """Set every value to ``value`` (a number or a one-element tensor) in place; returns self."""
        self._refuse_recorded("fill_", value)
        if isinstance(value, Tensor):
            if value._data.size != 1:
                raise ValueError(f"fill_: the value must be a number or a one-element tensor, got shape {value.shape}")
            value = value._data.reshape(())
        return self._update_in_place("fill_", _overwrite, value)

    def copy_(self, src: ArrayLike, non_blocking: bool = False) -> "Tensor":
        """Copy ``src``'s values (broadcast to this shape, cast to this dtype) into the tensor; returns self."""
        self._refuse_recorded("copy_", src)
        return self._update_in_place("copy_", _overwrite, src)

    def uniform_(self, from_: float = 0.0, to: float = 1.0, *, generator: Any = None) -> "Tensor":
        """Fill with values drawn uniformly from [from_, to) in place; returns self.

        ``generator`` is a NumPy ``Generator`` or ``RandomState``; by default
        NumPy's global one (seeded by ``np.random.seed``).
        """
        self._refuse_recorded("uniform_")
        rng = np.random if generator is None else generator
        return self._update_in_place("uniform_", _overwrite, rng.uniform(from_, to, size=self.shape))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> "Tensor":
        """Fill with values drawn from N(mean, std^2) in place; returns self (``generator`` as in uniform_)."""
        if std < 0:
            raise ValueError(f"normal_: std must be non-negative, got {std}")
        self._refuse_recorded("normal_")
        rng = np.random if generator is None else generator
        return self._update_in_place("normal_", _overwrite, rng.normal(mean, std, size=self.shape))

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """How NumPy meets a Tensor: ``array - tensor`` is a Tensor op, ``array -= tensor`` changes the array.

        The second is PyTorch's ``p.data -= lr * p.grad``: NumPy updates its own
        array with the tensor's values (nothing is recorded). A ufunc NumPy
        would apply to a tensor some other way (``np.exp(t)``) is refused:
        call the Tensor method instead.
        """
        out = kwargs.get("out")
        if out is not None:
            if method != "__call__" or any(isinstance(o, Tensor) for o in out):
                return NotImplemented
            return ufunc(*[x._data if isinstance(x, Tensor) else x for x in inputs], **kwargs)
        if method == "__call__" and len(inputs) == 2 and inputs[1] is self and not kwargs:
            reflected = _REFLECTED_OPERATORS.get(ufunc.__name__)
            if reflected is not None and not isinstance(inputs[0], Tensor):
                result = getattr(self, reflected)(inputs[0])
                if result is NotImplemented and ufunc.__name__ in ("equal", "not_equal"):
                    return (ufunc.__name__ == "not_equal") != (inputs[0] is self)  # Python's default: identity
                return result
        return NotImplemented

    # ------------------------------------------------ elementwise arithmetic
    def _operand(self, other: ArrayLike) -> "Tensor":
        """Wrap a number or array so it can meet this tensor in an op, in this tensor's dtype."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return Tensor._wrap(np.array(other, dtype=self.data.dtype))
        array = _as_float_array(other)
        if array.dtype != self.data.dtype and array.ndim == 0:
            array = array.astype(self.data.dtype)
        return Tensor._wrap(array)

    def __add__(self, other: ArrayLike) -> "Tensor":
        return ops.Add.apply(self, self._operand(other))

    def __radd__(self, other: ArrayLike) -> "Tensor":
        return ops.Add.apply(self._operand(other), self)

    def __sub__(self, other: ArrayLike) -> "Tensor":
        return ops.Sub.apply(self, self._operand(other))

    def __rsub__(self, other: ArrayLike) -> "Tensor":
        return ops.Sub.apply(self._operand(other), self)

    def __mul__(self, other: ArrayLike) -> "Tensor":
        return ops.Mul.apply(self, self._operand(other))

    def __rmul__(self, other: ArrayLike) -> "Tensor":
        return ops.Mul.apply(self._operand(other), self)

    def __truediv__(self, other: ArrayLike) -> "Tensor":
        return ops.Div.apply(self, self._operand(other))

    def __rtruediv__(self, other: ArrayLike) -> "Tensor":
        return ops.Div.apply(self._operand(other), self)

    def __pow__(self, exponent: ArrayLike) -> "Tensor":
        return ops.Pow.apply(self, self._operand(exponent))

    def __rpow__(self, base: ArrayLike) -> "Tensor":
        return ops.Pow.apply(self._operand(base), self)

    def __neg__(self) -> "Tensor":
        return ops.Neg.apply(self)

    def __matmul__(self, other: ArrayLike) -> "Tensor":
        return ops.MatMul.apply(self, self._operand(other))

    def __rmatmul__(self, other: ArrayLike) -> "Tensor":
        return ops.MatMul.apply(self._operand(other), self)

    def matmul(self, other: ArrayLike) -> "Tensor":
        return self @ other

    def maximum(self, other: ArrayLike) -> "Tensor":
        """Elementwise maximum of two tensors (broadcast as NumPy does)."""
        return ops.Maximum.apply(self, self._operand(other))

    # --------------------------------------------------------- unary maths
    def exp(self) -> "Tensor":
        return ops.Exp.apply(self)

    def log(self) -> "Tensor":
        return ops.Log.apply(self)

    def sqrt(self) -> "Tensor":
        return ops.Sqrt.apply(self)

    def tanh(self) -> "Tensor":
        return ops.Tanh.apply(self)

    def sigmoid(self) -> "Tensor":
        return ops.Sigmoid.apply(self)

    def relu(self) -> "Tensor":
        return ops.ReLU.apply(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> "Tensor":
        return ops.LeakyReLU.apply(self, negative_slope=float(negative_slope))

    def abs(self) -> "Tensor":
        return ops.Abs.apply(self)

    def clip(self, min: float | None = None, max: float | None = None) -> "Tensor":
        """Limit values to [min, max]; the gradient is zero where a limit is active."""
        if min is None and max is None:
            raise ValueError("clip: give at least one of min and max")
        return ops.Clip.apply(self, min=min, max=max)

    clamp = clip

    def to(self, dtype: Any) -> "Tensor":
        """The same values in another floating dtype (the gradient is cast back)."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"to: dtype must be a floating type, got {dtype}")
        if dtype == self.data.dtype:
            return self
        return ops.Cast.apply(self, dtype=dtype)

    def float(self) -> "Tensor":
        return self.to(np.float32)

    def double(self) -> "Tensor":
        return self.to(np.float64)

    # ---------------------------------------------------------- reductions
    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> "Tensor":
        return ops.Sum.apply(self, axis=_normalize_axis(axis, self.ndim, "sum"), keepdims=keepdims)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> "Tensor":
        return ops.Mean.apply(self, axis=_normalize_axis(axis, self.ndim, "mean"), keepdims=keepdims)

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> "Tensor":
        if self.data.size == 0:
            raise ValueError(f"max: cannot take the maximum of an empty tensor of shape {self.shape}")
        return ops.Max.apply(self, axis=_normalize_axis(axis, self.ndim, "max"), keepdims=keepdims)

    def logsumexp(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> "Tensor":
        """log(sum(exp(x))) computed without overflow."""
        return ops.LogSumExp.apply(self, axis=_normalize_axis(axis, self.ndim, "logsumexp"), keepdims=keepdims)

    def softmax(self, axis: int = -1) -> "Tensor":
        return ops.Softmax.apply(self, axis=_normalize_one_axis(axis, self.ndim, "softmax"))

    def log_softmax(self, axis: int = -1) -> "Tensor":
        return ops.LogSoftmax.apply(self, axis=_normalize_one_axis(axis, self.ndim, "log_softmax"))

    # -------------------------------------------------------------- shapes
    def reshape(self, *shape: int | Sequence[int]) -> "Tensor":
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        return ops.Reshape.apply(self, shape=shape)

    view = reshape

    def flatten(self) -> "Tensor":
        return self.reshape(-1)

    def transpose(self, *axes: int | Sequence[int]) -> "Tensor":
        """Permute the axes (all reversed when none are given), as NumPy's ``transpose``."""
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0])
        if not axes:
            axes = tuple(range(self.ndim - 1, -1, -1))
        if sorted(a % max(self.ndim, 1) for a in axes) != list(range(self.ndim)) or len(axes) != self.ndim:
            raise ValueError(
                f"transpose: axes {axes} are not a permutation of the {self.ndim} axes of shape {self.shape}"
            )
        return ops.Transpose.apply(self, axes=tuple(a % self.ndim for a in axes))

    def permute(self, *axes: int) -> "Tensor":
        return self.transpose(*axes)

    def unsqueeze(self, axis: int) -> "Tensor":
        axis = axis % (self.ndim + 1)
        return self.reshape(self.shape[:axis] + (1,) + self.shape[axis:])

    def squeeze(self, axis: int | None = None) -> "Tensor":
        if axis is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        axis = _normalize_one_axis(axis, self.ndim, "squeeze")
        if axis is None or self.shape[axis] != 1:
            return self
        return self.reshape(self.shape[:axis] + self.shape[axis + 1 :])

    def broadcast_to(self, shape: Sequence[int]) -> "Tensor":
        return ops.BroadcastTo.apply(self, shape=tuple(shape))

    expand = broadcast_to

    def __getitem__(self, index: Any) -> "Tensor":
        return ops.GetItem.apply(self, index=_normalize_index(index))

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iter: a 0-d tensor cannot be iterated over")
        return (self[i] for i in range(len(self)))


def _times(other: ArrayLike, alpha: float) -> Any:
    """``alpha * other`` on arrays, for add_/sub_ outside the graph."""
    return (other._data if isinstance(other, Tensor) else np.asarray(other)) * alpha


def _overwrite(current: np.ndarray, new: Any, out: np.ndarray, casting: str) -> None:
    """The update of fill_ and copy_, called like a binary ufunc by Tensor._update_in_place."""
    np.copyto(out, new, casting="unsafe")  # as torch copy_/fill_, which cast to the tensor's dtype


#: NumPy's ufunc for `array OP tensor` and the Tensor method that computes it.
_REFLECTED_OPERATORS = {
    "add": "__radd__",
    "subtract": "__rsub__",
    "multiply": "__rmul__",
    "true_divide": "__rtruediv__",
    "divide": "__rtruediv__",
    "power": "__rpow__",
    "matmul": "__rmatmul__",
    "less": "__gt__",
    "less_equal": "__ge__",
    "greater": "__lt__",
    "greater_equal": "__le__",
    "equal": "__eq__",
    "not_equal": "__ne__",
}


def _normalize_axis(axis: int | Sequence[int] | None, ndim: int, op: str) -> tuple[int, ...] | None:
    """Check axes against the tensor's rank and make them a sorted tuple of non-negative ints."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    rank = max(ndim, 1)  # NumPy accepts axis 0 / -1 on 0-d arrays for reductions
    normalized = []
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions")
        normalized.append(int(a) % rank)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{op}: axis {axis} repeats an axis")
    if ndim == 0:
        return None
    return tuple(sorted(normalized))


def _normalize_one_axis(axis: int, ndim: int, op: str) -> int | None:
    """One axis, checked and made non-negative; None for a 0-d tensor, whose only "axis" is the whole tensor."""
    axes = _normalize_axis(axis, ndim, op)
    return None if axes is None else axes[0]


def _normalize_index(index: Any) -> Any:
    """Replace tensors inside an index by integer arrays (indices are never differentiated)."""
    if isinstance(index, Tensor):
        return index.data.astype(np.intp)
    if isinstance(index, tuple):
        return tuple(_normalize_index(i) for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


# ------------------------------------------------------------ free functions
def tensor(data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a tensor (PyTorch's ``torch.tensor``)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def zeros(*shape: int, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = tuple(shape[0])
    return Tensor(np.zeros(shape, dtype=dtype), requires_grad=requires_grad)


def ones(*shape: int, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = tuple(shape[0])
    return Tensor(np.ones(shape, dtype=dtype), requires_grad=requires_grad)


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(t.data), requires_grad=requires_grad)


def ones_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(t.data), requires_grad=requires_grad)


def concatenate(tensors: Iterable[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (NumPy's ``concatenate``, PyTorch's ``cat``)."""
    tensors = _as_tensor_list(tensors, "concatenate")
    axis = _normalize_axis(axis, tensors[0].ndim, "concatenate")
    if axis is None:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated")
    return ops.Concatenate.apply(*tensors, axis=axis[0])


cat = concatenate


def stack(tensors: Iterable[Tensor], axis: int = 0) -> Tensor:
    """Join tensors of the same shape along a new axis."""
    tensors = _as_tensor_list(tensors, "stack")
    axis = _normalize_axis(axis, tensors[0].ndim + 1, "stack")[0]
    return ops.Stack.apply(*tensors, axis=axis)


def _as_tensor_list(tensors: Iterable[Tensor], op: str) -> list[Tensor]:
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError(f"{op}: needs at least one tensor")
    return tensors


# The ops and the backward engine use Tensor, so they are imported once it exists.
from tinygrad_moons import autograd, ops  # noqa: E402
from tinygrad_moons.autograd import ShapeError  # noqa: E402
