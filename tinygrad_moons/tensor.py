"""The Tensor: a NumPy array that remembers the operation that produced it.

A Tensor holds its value in ``.data`` (a NumPy array). When it is the result
of an operation on tensors that require gradients, it also holds ``grad_fn``
(stored as ``_ctx``), the :class:`~tinygrad_moons.autograd.Function` instance
that made it; that instance holds the input tensors (``parents``). Following
``grad_fn.parents`` from a loss back to the parameters walks the computation
graph, which is all that ``backward()`` needs.

The methods below are thin: each one calls an op from :mod:`tinygrad_moons.ops`,
where every forward computation sits next to its derivative.
"""

from __future__ import annotations

import builtins
import sys
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np

if TYPE_CHECKING:
    from tinygrad_moons.autograd import Function

ArrayLike = Any  # a Python scalar, a (nested) list, a NumPy array or a Tensor

_FLOAT_KINDS = "f"
_CONVERTIBLE_KINDS = "biu"  # bool, signed and unsigned integers become float64


def _as_float_array(data: ArrayLike, dtype: Any = None) -> np.ndarray:
    """Turn user data into a floating NumPy array, refusing what is not numeric (``Tensor(data)``).

    Floating arrays keep their dtype (float32 stays float32); Python numbers,
    lists and integer or boolean arrays become float64, NumPy's default. Like
    ``torch.Tensor``, the class always makes a floating tensor: ``tensor(data)``
    keeps integers and bools.
    """
    return _as_array(data, dtype, keep_integers=False, op="Tensor")


def _as_array(data: ArrayLike, dtype: Any = None, *, keep_integers: bool, op: str) -> np.ndarray:
    """User data as a plain numeric ndarray: NumPy subclasses and lists of one-element tensors unwrapped."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (str, bytes)):
        raise TypeError(f"{op}: cannot make a tensor from a string ({data!r}); pass numbers")
    if dtype is not None:
        dtype = np.dtype(dtype)
        allowed = _FLOAT_KINDS + _CONVERTIBLE_KINDS if keep_integers else _FLOAT_KINDS
        if dtype.kind not in allowed:
            kinds = "a bool, integer or floating type" if keep_integers else "a floating type such as float64"
            raise TypeError(f"{op}: dtype must be {kinds}, got {dtype}")
    if isinstance(data, np.ndarray) and type(data) is not np.ndarray:
        data = _plain_array(data, op)
    if not isinstance(data, np.ndarray):
        problem: str | None
        try:
            data = np.asarray(data)
        except (ValueError, TypeError) as error:  # ragged nested lists, or tensors inside a list
            problem = str(error)
        else:
            problem = None
        if problem is not None:
            unwrapped = _unwrap_tensors(data, op) if isinstance(data, (list, tuple)) else data
            if unwrapped is data:
                raise TypeError(f"{op}: data is not a rectangular array of numbers ({problem})")
            return _as_array(unwrapped, dtype, keep_integers=keep_integers, op=op)
    array: np.ndarray = data  # by now an ndarray, whatever was given
    kind = array.dtype.kind
    if kind not in _FLOAT_KINDS and kind not in _CONVERTIBLE_KINDS:
        if kind == "O":
            converted = _object_array(array, dtype, keep_integers, op)
            if converted is not None:
                return converted
        raise TypeError(
            f"{op}: data of dtype {array.dtype} is not numeric; "
            "pass floats, ints or bools (strings, objects and complex numbers are refused)"
        )
    if dtype is None:
        dtype = array.dtype if kind in _FLOAT_KINDS or keep_integers else np.float64
    return array if array.dtype == dtype else array.astype(dtype)


def _refuse_bool_subtract(a: Tensor, b: Any) -> None:
    """Raise PyTorch's refusal, with our cures, when ``a - b`` failed because both are bools (NumPy's message
    names bitwise_xor); return for any other failure, which is re-raised as it was."""
    if a._data.dtype.kind == "b" and np.asarray(b.data if isinstance(b, Tensor) else b).dtype.kind == "b":
        raise TypeError(
            "sub: bool tensors cannot be subtracted (as in PyTorch): convert them first (a.float() - b.float()), "
            "use a ^ b for 'one but not both' (PyTorch's logical_xor), or ~mask to invert a mask"
        ) from None


def _object_array(array: np.ndarray, dtype: Any, keep_integers: bool, op: str) -> np.ndarray | None:
    """An object array NumPy made of Python ints too large for its integer types (``[2**70]``).

    Floats are asked for (``Tensor``, or a float ``dtype``): the ints become floats, as ``torch.Tensor([2**70])``
    does. Integers are asked for: an OverflowError naming the value, as ``torch.tensor([2**70])`` refuses it.
    None for any other object array (strings, None...), which the caller refuses.
    """
    items = array.ravel().tolist()
    if not items or not all(type(item) in (int, float) for item in items):
        return None
    floats_wanted = not keep_integers or float in map(type, items)
    target = np.dtype(dtype) if dtype is not None else np.dtype(np.float64) if floats_wanted else None
    digits = str(max((item for item in items if type(item) is int), key=abs))
    shown = digits if len(digits) <= 30 else f"{digits[:8]}... ({len(digits.lstrip('-'))} digits)"
    if target is not None and target.kind == "f":
        try:
            return array.astype(target)
        except OverflowError:
            raise OverflowError(f"{op}: the integer {shown} is too large even for {target}") from None
    raise OverflowError(
        f"{op}: the integer {shown} does not fit in int64 (from -2**63 to 2**63 - 1), the largest integer dtype; "
        f"pass it as a float (float(x), or dtype=float64)"
    )


def _plain_array(data: np.ndarray, op: str) -> np.ndarray:
    """A copy of a NumPy subclass as a plain ndarray, as ``torch.tensor`` makes one.

    ``np.matrix`` would turn ``*`` into a matrix product; a ``MaskedArray``
    would hide its masked values from the value but not from the gradient.
    """
    if isinstance(data, np.ma.MaskedArray):
        masked = int(np.count_nonzero(np.ma.getmaskarray(data)))  # np.ma.count_masked, which NumPy leaves untyped
        if masked:
            raise ValueError(
                f"{op}: the masked array has {masked} masked entries; tensors have no mask. "
                "Fill them first (array.filled(value)) or drop them (array.compressed())"
            )
        return np.array(np.ma.getdata(data))
    return np.array(data)  # np.array makes a plain ndarray of any subclass (subok=False)


def _unwrap_tensors(data: list[Any] | tuple[Any, ...], op: str) -> Any:
    """Replace one-element tensors inside a (nested) list by their values, as ``torch.tensor`` accepts them.

    Returns ``data`` itself when it holds no tensor. Called only when NumPy could not read the list.
    """
    if not any(isinstance(item, (Tensor, list, tuple)) for item in data):
        return data
    unwrapped: list[Any] = []
    changed = False
    for item in data:
        if isinstance(item, Tensor):
            if item.data.size != 1:
                raise ValueError(
                    f"{op}: only one-element tensors can be converted to Python scalars, "
                    f"got an element of shape {item.shape} (use stack or cat to join tensors)"
                )
            item, changed = item.data.reshape(()), True
        elif isinstance(item, (list, tuple)):
            inner = _unwrap_tensors(item, op)
            item, changed = inner, changed or inner is not item
        unwrapped.append(item)
    return unwrapped if changed else data


class _Changes:
    """A tensor's in-place history: how many changes (its version) and the change clock's latest ticks."""

    __slots__ = ("version", "stamps")

    def __init__(self, version: int = 0, stamps: Sequence[int] = ()):
        self.version = version
        self.stamps: deque[int] = deque(stamps, maxlen=_KEPT_STAMPS)  # a full deque drops its oldest on append

    def copy(self) -> _Changes:
        return _Changes(self.version, self.stamps)


_new_object = object.__new__  # Tensor._wrap's allocation, looked up once rather than on every op


def _check_requires_grad(dtype: np.dtype, requires_grad: bool, op: str) -> None:
    if requires_grad and dtype.kind != "f":
        raise RuntimeError(f"{op}: only Tensors of floating point dtype can require gradients, got {dtype}")


class Tensor:
    """An n-dimensional array of floats that records operations for autograd.

    >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    # `_data` holds the array behind the `data` property; `_changes` is None until the first in-place change,
    # then counts them (`_version`) with the change clock's ticks at the latest ones (`_stamps`): one slot
    # instead of two, as every op's result is a new Tensor whose slots are all written.
    # `_logits_behind` is never written by `_wrap`: only a sigmoid or softmax of functional.py sets it (see there).
    # Nor are `_view_of` (the tensor whose memory a view shares, PyTorch's `_base`) and `_has_views` (set on that
    # tensor): only the view-making methods set them (_as_view) and only the in-place ops read them, so that
    # recording an op costs nothing more.
    __slots__ = (
        "_data",
        "_changes",
        "grad",
        "requires_grad",
        "_ctx",
        "_retains_grad",
        "scope",
        "name",
        "_logits_behind",
        "_view_of",
        "_has_views",
        "__weakref__",
    )
    _logits_behind: tuple[str, builtins.int, Tensor, builtins.int]  # (activation, axis, logits, version)
    _view_of: Tensor
    _has_views: builtins.bool
    # NumPy meets a Tensor through __array_ufunc__ (in the in-place section below):
    # `ndarray * Tensor` goes to Tensor.__rmul__, and `ndarray -= Tensor` updates the array.

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None, name: str | None = None):
        array = _as_float_array(data, dtype)
        if array is data or (isinstance(data, Tensor) and array is data.data):
            # Like torch.tensor, the tensor owns its values: an optimizer updating
            # it in place must not silently change the caller's array.
            array = array.copy()
        self._data: np.ndarray = array
        self._changes: _Changes | None = None
        self.grad: Tensor | None = None
        self.requires_grad: bool = bool(requires_grad)
        self._ctx: Function | None = None
        self._retains_grad = False
        self.scope: Any = None
        self.name = name

    @classmethod
    def _wrap(cls, array: np.ndarray, requires_grad: bool = False, scope: Any = None) -> Tensor:
        """Make a tensor around an array an op produced, skipping the checks in ``__init__``."""
        made = _new_object(cls)
        made._data = array
        made._changes = None
        made.grad = None
        made.requires_grad = requires_grad
        made._ctx = None
        made._retains_grad = False
        made.scope = scope
        made.name = None
        return made

    # ----------------------------------------------------------- properties
    @property
    def data(self) -> np.ndarray:
        """The values, a NumPy array (shared, not copied); writing it counts as an in-place change.

        ``x.data *= 10`` and ``x.data = new_array`` both raise ``x._version``, so
        a backward pass that needs the old values raises instead of silently
        using the new ones. Writes through the array itself (``x.data[0] = 1``,
        ``a = x.data; a *= 10``) are not seen: use ``with no_grad(): x.copy_(...)``.
        """
        return self._data

    @data.setter
    def data(self, value: ArrayLike) -> None:
        # `x.data *= 10` reads the array, changes it in place, then assigns the same array back here.
        """The values, a NumPy array (shared, not copied); writing it counts as an in-place change (see the setter)."""
        if value is not self._data:
            if isinstance(value, Tensor):
                value = value._data
            elif not isinstance(value, np.ndarray):
                value = np.asarray(value)
            self._data = value
        self._note_change()

    @property
    def _version(self) -> int:
        """How many times the tensor was changed in place (PyTorch's ``_version``)."""
        return 0 if self._changes is None else self._changes.version

    @property
    def _stamps(self) -> deque[int] | None:
        """The change clock's ticks at the latest in-place changes, oldest first (None if never changed)."""
        return None if self._changes is None else self._changes.stamps

    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each dimension, a tuple of ints (NumPy's ``shape``; PyTorch's ``size()``)."""
        return self._data.shape

    @property
    def ndim(self) -> int:
        """The number of dimensions (NumPy's ``ndim``; PyTorch's ``dim()``)."""
        return self._data.ndim

    @property
    def size(self) -> _Size:
        """The number of elements, an int as NumPy's ``size``; called, PyTorch's ``size(dim=None)``."""
        return _Size(self._data.shape)

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the values (float64 unless made otherwise)."""
        return self._data.dtype

    @property
    def T(self) -> Tensor:
        """All axes reversed, as NumPy's ``.T``."""
        return _as_view(ops.Transpose.apply(self, axes=tuple(range(self.ndim - 1, -1, -1))), self)

    @property
    def mT(self) -> Tensor:
        """The last two axes swapped (the matrix transpose of a batch of matrices)."""
        if self.ndim < 2:
            raise ValueError(f"mT: needs a tensor of at least 2 dimensions, got shape {self.shape}")
        return self.transpose(-2, -1)

    @property
    def device(self) -> creation.device:
        """Always the CPU: ``device(type='cpu')``."""
        return creation.device("cpu")

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op that is being recorded."""
        return self._ctx is None

    @property
    def grad_fn(self) -> Function | None:
        """The graph node (op) that produced this tensor, None for leaves, as PyTorch's ``grad_fn``.

        Its ``parents`` are the op's input tensors, ``next_functions`` the nodes
        that made them, ``saved_tensors`` what its backward reads, ``name()`` its name.
        """
        return self._ctx

    def __len__(self) -> int:
        if self._data.ndim == 0:  # NumPy would say "len() of unsized object"
            raise TypeError("len: a 0-d tensor has no length")
        return len(self._data)

    def __array__(self, dtype: Any = None, copy: builtins.bool | None = None) -> np.ndarray:
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self._data

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number (float, int or bool, by dtype)."""
        if self._data.size != 1:
            raise ValueError(
                f"item: only a one-element tensor can be turned into a number, this one has shape {self.shape}"
            )
        value: float | int | bool = self._data.item()  # NumPy's stubs type it Any for an array of unknown dtype
        return value

    def tolist(self) -> Any:
        """The values as (nested) Python lists of numbers."""
        return self._data.tolist()

    def detach(self) -> Tensor:
        """The same values (the same memory, as PyTorch), cut from the graph (no gradient flows through)."""
        self._has_views = True  # a recorded in-place change of self would not show in the result: refused then
        return Tensor._wrap(self._data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
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
        """Drop the accumulated gradient (``.grad = None``)."""
        self.grad = None

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extras = []
        if self._data.dtype != np.float64:
            extras.append(f"dtype={self._data.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{type(self._ctx).__name__}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(f"bool: the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self._data)

    # ------------------------------------------------------------ autograd
    def backward(
        self, gradient: Tensor | ArrayLike | None = None, retain_graph: bool | None = None, create_graph: bool = False
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
    def _note_change(self) -> None:
        """Count an in-place change (``_version``), stamped with the next tick of the change clock.

        A recorded op notes the clock (``recorded_at``); backward refuses an
        op one of whose inputs has a later stamp. Only the latest stamps are
        kept (they name the version the op used in the error), so a parameter
        updated a million times does not hold a million of them.
        """
        # Every optimizer step calls this once per parameter, so it is kept to a few plain statements.
        _CHANGE_CLOCK[0] += 1
        changes = self._changes
        if changes is None:
            changes = self._changes = _Changes()
        changes.version += 1
        changes.stamps.append(_CHANGE_CLOCK[0])

    def _in_place_is_recorded(self, op: str, other: Any = None) -> bool:
        """True when the change must be recorded in the graph; raises for a leaf that requires grad."""
        if not autograd.is_grad_enabled():
            return False
        if self.requires_grad and self._ctx is None:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place operation. "
                "(Update parameters inside `with no_grad():`, or use the out-of-place form `x = x + y`.)"
            )
        recorded = self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)
        base = getattr(self, "_view_of", None)
        if base is not None and (recorded or base.requires_grad) and not self._is_slice_of_recorded(base):
            raise self._view_change_error(op, base)
        return recorded

    def _is_slice_of_recorded(self, base: Tensor) -> builtins.bool:
        """True for a view indexed (ints and slices) straight from a recorded tensor: PyTorch's change is done here.

        ``b[0:1].mul_(10)`` then changes ``b`` as PyTorch does (see _record_through_view).
        """
        return isinstance(self._ctx, ops.GetItem) and self._ctx.parents[0] is base and base._ctx is not None

    def _view_change_error(self, op: str, base: Tensor) -> RuntimeError:
        """The error for an in-place change, while recording, of a view whose result would differ from PyTorch's.

        PyTorch writes through a view into its base and reroutes the base's
        gradient through the change; here a recorded in-place op gives the
        tensor a new array, so the base would be left unchanged (and its
        gradient would miss the change). So it is refused, as PyTorch refuses
        the first two cases below.
        """
        instead = (
            "Use an out-of-place op on the view (`y = v * 10`), or `.clone()` it first (`y = v.clone(); y.mul_(10)`); "
            "for the tensor with the change, write into a clone of it, reading from the original "
            "(`y = x.clone(); y[0:1] = x[0:1] * 10`)."
        )
        if base.requires_grad and base._ctx is None and self.requires_grad:
            return RuntimeError(
                f"{op}: a view of a leaf Variable that requires grad is being used in an in-place operation. {instead}"
            )
        if base.requires_grad and not self.requires_grad:
            return RuntimeError(
                f"{op}: A view was created in no_grad mode and is being modified inplace with grad mode enabled "
                "(its base requires grad). Make both the view and the in-place change inside `with no_grad():`, "
                f"or both outside it. {instead}"
            )
        return RuntimeError(
            f"{op}: in-place changes to a view (of reshape/view, indexing, transpose/permute/.T, expand, squeeze, "
            "unsqueeze, flatten) are not supported here while recording: PyTorch would change the tensor it views "
            f"too (and its gradient), here that tensor would be left unchanged. {instead}"
        )

    def _update_in_place(self, op: str, ufunc: Callable[..., Any], *operands: Any) -> Tensor:
        """``self = ufunc(self, *operands)`` in the tensor's own array, outside the graph."""
        if autograd._CAPTURE is not None:  # compile's tracer replays this update (jit.py)
            autograd._CAPTURE.in_place(self, op, ufunc, operands)
        arrays = [x._data if isinstance(x, Tensor) else x for x in operands]
        try:
            ufunc(self._data, *arrays, out=self._data, casting="same_kind")
        except (ValueError, TypeError) as error:
            raise self._in_place_error(op, arrays, error) from None
        self._note_change()
        base = getattr(self, "_view_of", None)
        if base is not None and _shares_root(self._data, base._data):  # the change shows in the base, as in PyTorch
            base._note_change()
        return self

    def _in_place_error(self, op: str, operands: list[Any], error: Exception) -> Exception:
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

    def _record_in_place(self, op: str, compute: Any, other: Any = None) -> Tensor:
        """Record ``self = compute(old self)``: the old value and history move to a new tensor, self gets the new op.

        Here the tensor gets a new array rather than writing into its old one:
        that array may be shared with other tensors of the graph (NumPy views
        made by reshape, transpose, indexing; or the leaf it is a view of), whose
        recorded values must not change under them.
        """
        base = getattr(self, "_view_of", None)
        if base is not None:  # a slice of a recorded tensor (_in_place_is_recorded refused every other view)
            return self._record_through_view(op, compute, other, base)
        return self._record_own(op, compute, other)

    def _record_own(self, op: str, compute: Any, other: Any = None, shared_by_caller: builtins.int = 0) -> Tensor:
        """_record_in_place on a tensor that is not a view (``shared_by_caller``: its views the caller accounts for)."""
        if getattr(self, "_has_views", False) and _array_is_shared(self._data, shared_by_caller):
            raise RuntimeError(
                f"{op}: this tensor has views (made by reshape/view, indexing, transpose, expand, ...) or detach()ed "
                "copies that share its memory and are still in use (by you or by the recorded graph); a recorded "
                "in-place change is not supported on it here: PyTorch would show the change through them too, here "
                "they would keep the old values. Use an out-of-place op (`x = x * 2`), or write into a clone, "
                "reading from the original (`y = x.clone(); y[0:2] = x[0:2].sigmoid()`)."
                + (
                    " (Inside compile the tracer holds the arrays too: do this change outside the compiled function.)"
                    if autograd._CAPTURE is not None
                    else ""
                )
            )
        before = Tensor._wrap(self._data, requires_grad=self.requires_grad, scope=self.scope)
        before._ctx = self._ctx
        before._changes = None if self._changes is None else self._changes.copy()
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
        self._note_change()
        self._ctx, self.requires_grad = result._ctx, result.requires_grad
        if result._ctx is not None:  # the new op's output is this tensor, not the temporary result
            result._ctx._output_ref = weakref.ref(self)
            result._ctx.recorded_at = _CHANGE_CLOCK[0]  # it made this tensor's value at this tick
        return self

    def _record_through_view(self, op: str, compute: Any, other: Any, base: Tensor) -> Tensor:
        """PyTorch's in-place change of ``v = base[index]``: ``base[index] = compute(v)``, recorded; v = base[index].

        The base takes the change as a recorded ``setitem`` (its old value and history move to a new tensor, as
        any recorded in-place change), so gradients flow as PyTorch's; the view is then the same slice of the
        changed base, with that history. Other views of the base still held are refused (they would keep the old
        values), as for any recorded change of a tensor with views.
        """
        function = self._ctx
        assert isinstance(function, ops.GetItem)  # _is_slice_of_recorded said so
        index = function.index
        before = Tensor._wrap(self._data, requires_grad=self.requires_grad, scope=self.scope)
        before._ctx = function
        before._changes = None if self._changes is None else self._changes.copy()
        function._output_ref = weakref.ref(before)
        try:
            value = compute(before, before if other is self else other)
            if value.shape != self.shape:
                raise ShapeError(
                    f"{op}: the result has shape {value.shape} but the tensor has shape {self.shape}: "
                    "an in-place op cannot change the shape"
                )
            # This view's array (also held by `before`) is one view of the base the caller accounts for.
            base._record_own(op, lambda old, new: ops.SetItem.apply(old, new, index=index), value, shared_by_caller=1)
        except Exception:
            function._output_ref = weakref.ref(self)  # nothing changed: the view keeps its history
            raise
        assert base._ctx is not None  # base was recorded, so its change was
        function.parents = (base._ctx.parents[0],)  # the old slice was read from the base's old value
        fresh = ops.GetItem.apply(base, index=index)
        self._data = fresh._data
        self._note_change()
        self._ctx, self.requires_grad = fresh._ctx, fresh.requires_grad
        if fresh._ctx is not None:  # the slice of the changed base is this tensor
            fresh._ctx._output_ref = weakref.ref(self)
            fresh._ctx.recorded_at = _CHANGE_CLOCK[0]
        return self

    def _refuse_recorded(self, op: str, other: Any = None) -> None:
        if self._in_place_is_recorded(op, other):
            raise RuntimeError(
                f"{op}: in-place {op} on a tensor that is part of a recorded graph (or from a tensor that requires "
                "grad) is not supported here; do it under `with no_grad():`, or make a new tensor instead"
            )

    def add_(self, other: ArrayLike, *, alpha: float = 1) -> Tensor:
        """``self += alpha * other`` in place; returns self."""
        if self._in_place_is_recorded("add_", other):
            return self._record_in_place("add_", lambda old, y: old + (y if alpha == 1 else y * alpha), other)
        return self._update_in_place("add_", np.add, other if alpha == 1 else _times(other, alpha))

    def sub_(self, other: ArrayLike, *, alpha: float = 1) -> Tensor:
        """``self -= alpha * other`` in place; returns self."""
        if self._in_place_is_recorded("sub_", other):
            return self._record_in_place("sub_", lambda old, y: old - (y if alpha == 1 else y * alpha), other)
        return self._update_in_place("sub_", np.subtract, other if alpha == 1 else _times(other, alpha))

    def mul_(self, other: ArrayLike) -> Tensor:
        """``self *= other`` in place; returns self."""
        if self._in_place_is_recorded("mul_", other):
            return self._record_in_place("mul_", lambda old, y: old * y, other)
        return self._update_in_place("mul_", np.multiply, other)

    def div_(self, other: ArrayLike, *, rounding_mode: str | None = None) -> Tensor:
        """``self /= other`` in place (true division); returns self."""
        if rounding_mode is not None:
            raise ValueError(f"div_: rounding_mode={rounding_mode!r} is not supported here; only true division (None)")
        if self._in_place_is_recorded("div_", other):
            return self._record_in_place("div_", lambda old, y: old / y, other)
        return self._update_in_place("div_", np.true_divide, other)

    def __iadd__(self, other: ArrayLike) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: ArrayLike) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: ArrayLike) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: ArrayLike) -> Tensor:
        return self.div_(other)

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Limit the values to [min, max] in place; returns self."""
        if min is None and max is None:
            raise ValueError("clamp_: give at least one of min and max")
        if self._in_place_is_recorded("clamp_"):
            return self._record_in_place("clamp_", lambda old, _: old.clip(min, max))
        return self._update_in_place("clamp_", np.clip, min, max)  # np.clip takes out= as a ufunc: compile sees it

    def zero_(self) -> Tensor:
        """Set every value to 0 in place (``p.grad.zero_()``); returns self."""
        self._refuse_recorded("zero_")
        return self._update_in_place("zero_", _overwrite, 0)

    def fill_(self, value: float | Tensor) -> Tensor:
        """Set every value to ``value`` (a number or a one-element tensor) in place; returns self."""
        self._refuse_recorded("fill_", value)
        if isinstance(value, Tensor):
            if value._data.size != 1:
                raise ValueError(f"fill_: the value must be a number or a one-element tensor, got shape {value.shape}")
            return self._update_in_place("fill_", _overwrite, value._data.reshape(()))
        return self._update_in_place("fill_", _overwrite, value)

    def copy_(self, src: ArrayLike, non_blocking: bool = False) -> Tensor:
        """Copy ``src``'s values (broadcast to this shape, cast to this dtype) into the tensor; returns self."""
        self._refuse_recorded("copy_", src)
        return self._update_in_place("copy_", _overwrite, src)

    def uniform_(self, from_: float = 0.0, to: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with values drawn uniformly from [from_, to) in place; returns self.

        ``generator`` is a NumPy ``Generator`` or ``RandomState``; by default
        NumPy's global one (seeded by ``np.random.seed``).
        """
        self._refuse_recorded("uniform_")
        rng = np.random if generator is None else generator
        return self._update_in_place("uniform_", _overwrite, rng.uniform(from_, to, size=self.shape))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
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
    def _pair(self, other: ArrayLike, reflected: bool = False) -> tuple[Tensor, Tensor]:
        """This tensor and ``other`` as two tensors of one dtype category (see ``_promote``), in call order."""
        if not isinstance(other, Tensor) and type(other) is float and self._data.dtype.kind == "f":
            scalar = Tensor._wrap(np.array(other, dtype=self._data.dtype))  # `x * 0.5`: the usual scalar case
            return (scalar, self) if reflected else (self, scalar)
        a, b = _promote(self, other)
        return (b, a) if reflected else (a, b)

    def __add__(self, other: ArrayLike) -> Tensor:
        if isinstance(other, Tensor) and other.data.dtype is self._data.dtype:  # the usual case, kept cheap
            return ops.Add.apply(self, other)
        return ops.Add.apply(*self._pair(other))

    def __radd__(self, other: ArrayLike) -> Tensor:
        return ops.Add.apply(*self._pair(other, reflected=True))

    def __sub__(self, other: ArrayLike) -> Tensor:
        try:  # (a try costs nothing in Python 3.11 until it catches)
            if isinstance(other, Tensor) and other.data.dtype is self._data.dtype:  # the usual case, kept cheap
                return ops.Sub.apply(self, other)
            return ops.Sub.apply(*self._pair(other))
        except TypeError:
            _refuse_bool_subtract(self, other)
            raise

    def __rsub__(self, other: ArrayLike) -> Tensor:
        try:
            return ops.Sub.apply(*self._pair(other, reflected=True))
        except TypeError:
            _refuse_bool_subtract(self, other)
            raise

    def __mul__(self, other: ArrayLike) -> Tensor:
        if isinstance(other, Tensor) and other.data.dtype is self._data.dtype:  # the usual case, kept cheap
            return ops.Mul.apply(self, other)
        return ops.Mul.apply(*self._pair(other))

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return ops.Mul.apply(*self._pair(other, reflected=True))

    def __truediv__(self, other: ArrayLike) -> Tensor:
        if isinstance(other, Tensor) and other.data.dtype is self._data.dtype:  # the usual case, kept cheap
            return ops.Div.apply(self, other)
        return ops.Div.apply(*self._pair(other))

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return ops.Div.apply(*self._pair(other, reflected=True))

    def __pow__(self, exponent: ArrayLike) -> Tensor:
        if isinstance(exponent, Tensor) and exponent.data.dtype is self._data.dtype:  # the usual case, kept cheap
            return ops.Pow.apply(self, exponent)
        return ops.Pow.apply(*self._pair(exponent))

    def __rpow__(self, base: ArrayLike) -> Tensor:
        return ops.Pow.apply(*self._pair(base, reflected=True))

    def __neg__(self) -> Tensor:
        try:
            return ops.Neg.apply(self)
        except TypeError:
            if self._data.dtype.kind == "b":
                raise TypeError(
                    "neg: a bool tensor cannot be negated (as in PyTorch): invert a mask with ~mask, "
                    "or convert it first with .float()"
                ) from None
            raise

    def __matmul__(self, other: ArrayLike) -> Tensor:
        if isinstance(other, Tensor) and other.data.dtype is self._data.dtype:  # the usual case, kept cheap
            return ops.MatMul.apply(self, other)
        return ops.MatMul.apply(*self._pair(other))

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return ops.MatMul.apply(*self._pair(other, reflected=True))

    # The named forms call the operator methods directly: for an operand of any type, a type checker would
    # type `self @ other` as Any (the operand's reflected method could win), `self.__matmul__(other)` as Tensor.
    def matmul(self, other: ArrayLike) -> Tensor:
        """``self @ other``, the matrix product (``torch.matmul``)."""
        return self.__matmul__(other)

    def add(self, other: ArrayLike) -> Tensor:
        """``self + other``, broadcast (``torch.add``)."""
        return self.__add__(other)

    def sub(self, other: ArrayLike) -> Tensor:
        """``self - other``, broadcast (``torch.sub``)."""
        return self.__sub__(other)

    def mul(self, other: ArrayLike) -> Tensor:
        """``self * other``, broadcast (``torch.mul``)."""
        return self.__mul__(other)

    def div(self, other: ArrayLike) -> Tensor:
        """``self / other``, true division, broadcast (``torch.div``)."""
        return self.__truediv__(other)

    def pow(self, exponent: ArrayLike) -> Tensor:
        """``self ** exponent``, broadcast (``torch.pow``)."""
        return self.__pow__(exponent)

    def maximum(self, other: ArrayLike) -> Tensor:
        """Elementwise maximum of two tensors (broadcast as NumPy does); ties share the gradient."""
        return ops.Maximum.apply(*self._pair(other))

    def minimum(self, other: ArrayLike) -> Tensor:
        """Elementwise minimum of two tensors; ties share the gradient."""
        return ops.Minimum.apply(*self._pair(other))

    # --------------------------------------------------------- unary maths
    def exp(self) -> Tensor:
        """exp(x), elementwise."""
        return ops.Exp.apply(self)

    def log(self) -> Tensor:
        """The natural logarithm, elementwise."""
        return ops.Log.apply(self)

    def sqrt(self) -> Tensor:
        """The square root, elementwise."""
        return ops.Sqrt.apply(self)

    def sin(self) -> Tensor:
        """sin(x), elementwise."""
        return ops.Sin.apply(self)

    def cos(self) -> Tensor:
        """cos(x), elementwise."""
        return ops.Cos.apply(self)

    def tanh(self) -> Tensor:
        """tanh(x), elementwise."""
        return ops.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        """1 / (1 + exp(-x)), elementwise, without overflow."""
        return ops.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        """max(x, 0), elementwise."""
        return ops.ReLU.apply(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """x where x > 0, else ``negative_slope * x`` (``F.leaky_relu``)."""
        return ops.LeakyReLU.apply(self, negative_slope=float(negative_slope))

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
        """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""
        return ops.Softplus.apply(self, beta=float(beta), threshold=float(threshold))

    def abs(self) -> Tensor:
        """|x|, elementwise (gradient 0 at 0, as PyTorch)."""
        return ops.Abs.apply(self)

    def neg(self) -> Tensor:
        """-x, elementwise."""
        return ops.Neg.apply(self)

    def square(self) -> Tensor:
        """x * x, elementwise."""
        return self * self

    def reciprocal(self) -> Tensor:
        """1 / x, elementwise."""
        return 1 / self

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Limit values to [min, max]; the gradient is zero where a limit is active."""
        if min is None and max is None:
            raise ValueError("clip: give at least one of min and max")
        return ops.Clip.apply(self, min=min, max=max)

    clamp = clip

    def clone(self) -> Tensor:
        """A copy with its own array, still in the graph (the gradient flows through)."""
        return ops.Clone.apply(self)

    def where(self, condition: ArrayLike, other: ArrayLike) -> Tensor:
        """``self`` where ``condition`` holds, else ``other`` (``torch.where(condition, self, other)``)."""
        return creation.where(condition, self, other)

    # ------------------------------------------------------------ comparisons
    # Elementwise, as in PyTorch and NumPy, returning bool tensors outside the graph.
    # Hashing stays by identity, so tensors still work as dict keys and set members.
    def _compare(self, other: ArrayLike, compare: np.ufunc, symbol: str) -> Tensor:
        try:
            a, b = self._pair(other)
        except TypeError:
            # `t == None` or `t == "x"`: Python then falls back to identity. The ignore: typeshed types
            # NotImplemented as Any so that operator methods (which return this helper's result) may return it.
            return NotImplemented  # type: ignore[no-any-return]
        try:
            return Tensor._wrap(np.asarray(compare(a.data, b.data)))
        except ValueError:
            raise autograd.ShapeError(
                f"{symbol}: shapes {a.shape} and {b.shape} cannot be broadcast together"
            ) from None

    def __eq__(self, other: ArrayLike) -> Tensor:  # type: ignore[override]
        """Elementwise ``self == other`` (``eq``), broadcast, as a bool tensor outside the graph (no gradient)."""
        return self._compare(other, np.equal, "==")

    def __ne__(self, other: ArrayLike) -> Tensor:  # type: ignore[override]
        """Elementwise ``self != other`` (``ne``), broadcast, as a bool tensor outside the graph (no gradient)."""
        return self._compare(other, np.not_equal, "!=")

    __hash__ = object.__hash__  # defining __eq__ would otherwise make tensors unhashable

    def __lt__(self, other: ArrayLike) -> Tensor:
        """Elementwise ``self < other`` (``lt``), broadcast, as a bool tensor outside the graph (no gradient)."""
        return self._compare(other, np.less, "<")

    def __le__(self, other: ArrayLike) -> Tensor:
        """Elementwise ``self <= other`` (``le``), broadcast, as a bool tensor outside the graph (no gradient)."""
        return self._compare(other, np.less_equal, "<=")

    def __gt__(self, other: ArrayLike) -> Tensor:
        """Elementwise ``self > other`` (``gt``), broadcast, as a bool tensor outside the graph (no gradient)."""
        return self._compare(other, np.greater, ">")

    def __ge__(self, other: ArrayLike) -> Tensor:
        """Elementwise ``self >= other`` (``ge``), broadcast, as a bool tensor outside the graph (no gradient)."""
        return self._compare(other, np.greater_equal, ">=")

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def __invert__(self) -> Tensor:
        """Logical not of a bool tensor (bitwise not of an integer one), as ``~mask`` in PyTorch."""
        if self._data.dtype.kind not in "biu":
            raise TypeError(f"~: only bool and integer tensors can be inverted, got {self._data.dtype}")
        return Tensor._wrap(~self._data)

    def _logical(self, other: ArrayLike, combine: Any, symbol: str) -> Tensor:
        a, b = self._pair(other)
        if a.data.dtype.kind not in "biu" or b.data.dtype.kind not in "biu":
            raise TypeError(f"{symbol}: only bool and integer tensors combine with {symbol}, got {a.dtype}, {b.dtype}")
        return Tensor._wrap(combine(a.data, b.data))

    def __and__(self, other: ArrayLike) -> Tensor:
        return self._logical(other, np.bitwise_and, "&")

    def __or__(self, other: ArrayLike) -> Tensor:
        return self._logical(other, np.bitwise_or, "|")

    def __xor__(self, other: ArrayLike) -> Tensor:
        return self._logical(other, np.bitwise_xor, "^")

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    # ------------------------------------------------------ dtype and device
    def to(self, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False) -> Tensor:
        """The same values in another dtype: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)``.

        To a floating dtype the cast stays in the graph (the gradient is cast
        back); to an integer or bool dtype the result is cut from it, as
        in PyTorch. The only device is the CPU.
        """
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, creation.device) or (isinstance(arg, str) and _looks_like_device(arg)):
                device = arg
            else:
                dtype = arg
        creation.check_device(device, "to")
        if dtype is None:
            return self.clone().detach() if copy else self
        dtype = np.dtype(dtype)
        if dtype.kind not in "biuf":
            raise TypeError(f"to: dtype must be a bool, integer or floating type, got {dtype}")
        if dtype == self._data.dtype:
            return Tensor._wrap(self._data.copy()) if copy else self
        if dtype.kind != "f":
            return Tensor._wrap(self._data.astype(dtype))
        return ops.Cast.apply(self, dtype=dtype)

    @overload
    def type(self, dtype: None = None) -> str: ...

    @overload
    def type(self, dtype: Any) -> Tensor: ...

    def type(self, dtype: Any = None) -> str | Tensor:
        """With a dtype, ``to(dtype)``; without, the dtype's name (PyTorch gives e.g. 'torch.FloatTensor')."""
        return str(self._data.dtype) if dtype is None else self.to(dtype)

    def float(self) -> Tensor:
        """float32, as PyTorch's ``.float()`` (our default float is float64: see ``double``)."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """float64, as PyTorch's ``.double()`` (our default float)."""
        return self.to(np.float64)

    def half(self) -> Tensor:
        """float16, as PyTorch's ``.half()``."""
        return self.to(np.float16)

    def long(self) -> Tensor:
        """int64, outside the graph, as PyTorch's ``.long()``."""
        return self.to(np.int64)

    def int(self) -> Tensor:
        """int32, as PyTorch's ``.int()``."""
        return self.to(np.int32)

    def bool(self) -> Tensor:
        """bool, outside the graph, as PyTorch's ``.bool()``."""
        return self.to(np.bool_)

    def is_floating_point(self) -> builtins.bool:
        """True if the dtype is a floating type."""
        return self._data.dtype.kind == "f"

    def cpu(self) -> Tensor:
        """The tensor itself: the CPU is the only device."""
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        """Refused with a clear error: tinygrad_moons runs on the CPU only."""
        creation.check_device("cuda", "cuda")
        return self  # not reached: check_device refuses

    def __float__(self) -> builtins.float:
        return float(self._one_value("float"))

    def __int__(self) -> builtins.int:
        return int(self._one_value("int"))

    def __index__(self) -> builtins.int:
        if self._data.dtype.kind not in "biu" or self._data.size != 1:
            raise TypeError(
                f"index: only integer tensors of a single element can be converted to an index, "
                f"got dtype {self._data.dtype} and shape {self.shape}"
            )
        return int(self._data.item())

    def __format__(self, format_spec: str) -> str:
        if self._data.ndim == 0:  # as PyTorch: a 0-d tensor formats as its number
            return format(self._data.item(), format_spec)
        return object.__format__(self, format_spec)

    def round(self, decimals: builtins.int = 0) -> Tensor:
        """Values rounded half to even, outside the graph (the derivative is 0 almost everywhere)."""
        return Tensor._wrap(np.round(self._data, decimals))

    def _one_value(self, what: str) -> Any:
        if self._data.size != 1:
            raise ValueError(
                f"{what}: only one element tensors can be converted to Python scalars, got shape {self.shape}"
            )
        return self._data.item()

    # ------------------------------------------------------------ sizes
    def numel(self) -> builtins.int:
        """The number of elements."""
        return self._data.size

    def dim(self) -> builtins.int:
        """The number of dimensions (``ndim``)."""
        return self._data.ndim

    # ---------------------------------------------------------- reductions
    # ``axis``/``keepdims`` (NumPy) and ``dim``/``keepdim`` (PyTorch) are both accepted.
    def sum(
        self,
        axis: Any = None,
        keepdims: builtins.bool = False,
        *,
        dim: Any = None,
        keepdim: builtins.bool | None = None,
    ) -> Tensor:
        """The sum over ``axis``/``dim`` (all elements when None), kept as size 1 if ``keepdims``/``keepdim``."""
        axis, keepdims = _reduction_arguments("sum", self.ndim, axis, keepdims, dim, keepdim)
        return ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(
        self,
        axis: Any = None,
        keepdims: builtins.bool = False,
        *,
        dim: Any = None,
        keepdim: builtins.bool | None = None,
    ) -> Tensor:
        """The mean over ``axis``/``dim`` (all elements when None) of a floating tensor."""
        _require_float(self, "mean")
        axis, keepdims = _reduction_arguments("mean", self.ndim, axis, keepdims, dim, keepdim)
        return ops.Mean.apply(self, axis=axis, keepdims=keepdims)

    def prod(
        self,
        axis: Any = None,
        keepdims: builtins.bool = False,
        *,
        dim: Any = None,
        keepdim: builtins.bool | None = None,
    ) -> Tensor:
        """The product over ``axis``/``dim`` (all elements when None)."""
        axis, keepdims = _reduction_arguments("prod", self.ndim, axis, keepdims, dim, keepdim)
        return ops.Prod.apply(self, axis=axis, keepdims=keepdims)

    @overload
    def max(
        self,
        dim: None = None,
        keepdim: builtins.bool | None = None,
        *,
        axis: Any = None,
        keepdims: builtins.bool = False,
    ) -> Tensor: ...

    @overload
    def max(
        self, dim: Tensor, keepdim: builtins.bool | None = None, *, axis: Any = None, keepdims: builtins.bool = False
    ) -> Tensor: ...

    @overload
    def max(
        self,
        dim: builtins.int | np.integer[Any],
        keepdim: builtins.bool | None = None,
        *,
        axis: Any = None,
        keepdims: builtins.bool = False,
    ) -> MaxMin: ...

    def max(
        self,
        dim: Any = None,
        keepdim: builtins.bool | None = None,
        *,
        axis: Any = None,
        keepdims: builtins.bool = False,
    ) -> Tensor | MaxMin:
        """The largest value, in NumPy's form or PyTorch's.

        ``max()`` and ``max(axis=..., keepdims=...)`` return the values, tied
        maxima sharing the gradient. ``max(dim)`` / ``max(dim=d, keepdim=...)``
        return ``(values, indices)`` as PyTorch does, the gradient going to the
        element at ``indices``. ``max(other)`` is the elementwise ``maximum``.
        A NaN counts as the maximum and receives the gradient (as PyTorch).
        """
        return self._extreme("max", ops.Max, np.argmax, dim, keepdim, axis, keepdims)

    @overload
    def min(
        self,
        dim: None = None,
        keepdim: builtins.bool | None = None,
        *,
        axis: Any = None,
        keepdims: builtins.bool = False,
    ) -> Tensor: ...

    @overload
    def min(
        self, dim: Tensor, keepdim: builtins.bool | None = None, *, axis: Any = None, keepdims: builtins.bool = False
    ) -> Tensor: ...

    @overload
    def min(
        self,
        dim: builtins.int | np.integer[Any],
        keepdim: builtins.bool | None = None,
        *,
        axis: Any = None,
        keepdims: builtins.bool = False,
    ) -> MaxMin: ...

    def min(
        self,
        dim: Any = None,
        keepdim: builtins.bool | None = None,
        *,
        axis: Any = None,
        keepdims: builtins.bool = False,
    ) -> Tensor | MaxMin:
        """The smallest value; the same forms as :meth:`max`."""
        return self._extreme("min", ops.Min, np.argmin, dim, keepdim, axis, keepdims)

    def _extreme(
        self,
        name: str,
        op: builtins.type[Function],
        arg_extreme: Callable[..., np.ndarray],
        dim: Any,
        keepdim: Any,
        axis: Any,
        keepdims: builtins.bool,
    ) -> Tensor | MaxMin:
        if isinstance(dim, Tensor):  # max(other): PyTorch's elementwise form
            return self.maximum(dim) if name == "max" else self.minimum(dim)
        if self._data.size == 0:
            raise ValueError(f"{name}: cannot take the {name}imum of an empty tensor of shape {self.shape}")
        if dim is not None:
            if axis is not None:
                raise TypeError(f"{name}: give dim or axis, not both")
            return self._extreme_along(name, arg_extreme, dim, bool(keepdim))
        axis, keepdims = _reduction_arguments(name, self.ndim, axis, keepdims, None, keepdim)
        return op.apply(self, axis=axis, keepdims=keepdims)

    def _extreme_along(
        self, name: str, arg_extreme: Callable[..., np.ndarray], dim: Any, keepdim: builtins.bool
    ) -> MaxMin:
        """PyTorch's ``max(dim)``: the values, picked by index so the gradient goes to that element only."""
        dim = _normalize_dim(dim, self.ndim, name)
        source = self.reshape(1) if self.ndim == 0 else self
        indices = np.expand_dims(arg_extreme(source.data, axis=dim), dim)
        grid = list(np.ogrid[tuple(slice(n) for n in indices.shape)])
        grid[dim] = indices
        values = source[tuple(grid)]
        if not keepdim or self.ndim == 0:
            values, indices = values.squeeze(dim), np.squeeze(indices, dim)
        if self.ndim == 0:
            values, indices = values.reshape(()), indices.reshape(())
        return MaxMin(values, Tensor._wrap(indices.astype(np.int64)))

    def argmax(self, dim: Any = None, keepdim: builtins.bool = False, *, axis: Any = None) -> Tensor:
        """The index of the largest value (in the flattened tensor when no dim is given), int64."""
        return self._arg_extreme("argmax", np.argmax, dim, keepdim, axis)

    def argmin(self, dim: Any = None, keepdim: builtins.bool = False, *, axis: Any = None) -> Tensor:
        """The index of the smallest value (in the flattened tensor when no dim is given), int64."""
        return self._arg_extreme("argmin", np.argmin, dim, keepdim, axis)

    def _arg_extreme(self, name: str, arg_extreme: Any, dim: Any, keepdim: builtins.bool, axis: Any) -> Tensor:
        if axis is not None:
            if dim is not None:
                raise TypeError(f"{name}: give dim or axis, not both")
            dim = axis
        if self._data.size == 0:
            raise ValueError(f"{name}: cannot take the {name} of an empty tensor of shape {self.shape}")
        if dim is None:
            index = np.asarray(arg_extreme(self._data))
            return Tensor._wrap(index.reshape((1,) * self.ndim if keepdim else ()).astype(np.int64))
        dim = _normalize_dim(dim, self.ndim, name)
        index = arg_extreme(self._data.reshape(1) if self.ndim == 0 else self._data, axis=dim, keepdims=keepdim)
        return Tensor._wrap(np.asarray(index).reshape(() if self.ndim == 0 else np.shape(index)).astype(np.int64))

    def var(
        self,
        dim: Any = None,
        unbiased: builtins.bool | None = None,
        keepdim: builtins.bool | None = None,
        *,
        correction: builtins.float | None = None,
        axis: Any = None,
        keepdims: builtins.bool = False,
    ) -> Tensor:
        """The variance, divided by n - correction: correction=1 (unbiased) by default, as PyTorch.

        Positional arguments are PyTorch's ``(dim, unbiased, keepdim)``. NumPy's
        ``var`` divides by n (``correction=0``, PyTorch's ``unbiased=False``).
        """
        _require_float(self, "var")
        if correction is not None and unbiased is not None:
            raise TypeError("var: give correction or unbiased, not both")
        correction = (1 if unbiased is None or unbiased else 0) if correction is None else correction
        axis, keepdims = _reduction_arguments("var", self.ndim, axis, keepdims, dim, keepdim)
        count = self._data.size if axis is None else int(np.prod([self.shape[a] for a in axis]))
        centered = self - self.mean(axis=axis, keepdims=True)
        return (centered * centered).sum(axis=axis, keepdims=keepdims) / max(count - correction, 0)

    def std(
        self,
        dim: Any = None,
        unbiased: builtins.bool | None = None,
        keepdim: builtins.bool | None = None,
        *,
        correction: builtins.float | None = None,
        axis: Any = None,
        keepdims: builtins.bool = False,
    ) -> Tensor:
        """The square root of :meth:`var` (unbiased by default, as PyTorch)."""
        variance = self.var(dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)
        return variance.sqrt()

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
        """The vector p-norm over ``dim`` (all elements by default): p = 2 ("fro"), 1, inf or any positive number."""
        _require_float(self, "norm")
        axis, keepdim = _reduction_arguments("norm", self.ndim, dim, keepdim, None, None)
        if p in ("fro", 2):
            squares = (self * self).sum(axis=axis, keepdims=keepdim)
            at_zero = squares.data == 0
            if not at_zero.any():
                return squares.sqrt()
            # PyTorch's subgradient 0 at the zero vector, where sqrt's derivative is infinite: take the root
            # of 1 there instead and select 0, so no inf * 0 = NaN reaches the gradient.
            is_zero = Tensor._wrap(at_zero)
            return creation.where(is_zero, 0.0, creation.where(is_zero, 1.0, squares).sqrt())
        if p == 1:
            return self.abs().sum(axis=axis, keepdims=keepdim)
        if p == np.inf:
            return self.abs().max(axis=axis, keepdims=keepdim)
        if isinstance(p, (int, float)) and p > 0:
            return (self.abs() ** p).sum(axis=axis, keepdims=keepdim) ** (1.0 / p)
        raise ValueError(f"norm: p must be 'fro', a positive number or inf, got {p!r}")

    def all(self, dim: Any = None, keepdim: builtins.bool = False, *, axis: Any = None) -> Tensor:
        """True where every element (along ``dim``) is nonzero; a bool tensor."""
        axis, keepdim = _reduction_arguments("all", self.ndim, axis, keepdim, dim, None)
        return Tensor._wrap(np.asarray(np.all(self._data, axis=axis, keepdims=keepdim)))

    def any(self, dim: Any = None, keepdim: builtins.bool = False, *, axis: Any = None) -> Tensor:
        """True where some element (along ``dim``) is nonzero; a bool tensor."""
        axis, keepdim = _reduction_arguments("any", self.ndim, axis, keepdim, dim, None)
        return Tensor._wrap(np.asarray(np.any(self._data, axis=axis, keepdims=keepdim)))

    def logsumexp(
        self,
        axis: Any = None,
        keepdims: builtins.bool = False,
        *,
        dim: Any = None,
        keepdim: builtins.bool | None = None,
    ) -> Tensor:
        """log(sum(exp(x))) computed without overflow."""
        axis, keepdims = _reduction_arguments("logsumexp", self.ndim, axis, keepdims, dim, keepdim)
        return ops.LogSumExp.apply(self, axis=axis, keepdims=keepdims)

    def softmax(self, axis: builtins.int = -1, *, dim: builtins.int | None = None) -> Tensor:
        """exp(x) normalised to sum to 1 along ``axis``/``dim`` (the last by default)."""
        axis = axis if dim is None else dim
        return ops.Softmax.apply(self, axis=_normalize_one_axis(axis, self.ndim, "softmax"))

    def log_softmax(self, axis: builtins.int = -1, *, dim: builtins.int | None = None) -> Tensor:
        """log(softmax(x)) along ``axis``/``dim``, computed stably."""
        axis = axis if dim is None else dim
        return ops.LogSoftmax.apply(self, axis=_normalize_one_axis(axis, self.ndim, "log_softmax"))

    # -------------------------------------------------------------- shapes
    def reshape(self, *shape: builtins.int | Sequence[builtins.int]) -> Tensor:
        """The same values in another shape, given as ints or one sequence (-1 allowed once); ``view`` is an alias."""
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = tuple(shape[0])
        return _as_view(ops.Reshape.apply(self, shape=shape), self)

    def view(self, *shape: builtins.int | Sequence[builtins.int]) -> Tensor:
        """The same memory in another shape, as PyTorch's ``view``: raises where that needs a copy (use reshape)."""
        result = self.reshape(*shape)
        if result._data.size and getattr(result, "_view_of", None) is None:
            raise RuntimeError(
                f"view: view size is not compatible with input tensor's size and stride: a tensor of shape "
                f"{self.shape} cannot be viewed as {result.shape} without copying (e.g. after transpose or "
                "permute). Use .reshape(...) instead."
            )
        return result

    def flatten(self, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Tensor:
        """Merge dims ``start_dim`` to ``end_dim`` (all of them by default) into one."""
        if self.ndim == 0:
            return self.reshape(1)
        start = _normalize_dim(start_dim, self.ndim, "flatten")
        end = _normalize_dim(end_dim, self.ndim, "flatten")
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        merged = int(np.prod(self.shape[start : end + 1]))
        return self.reshape(self.shape[:start] + (merged,) + self.shape[end + 1 :])

    def permute(self, *dims: Any) -> Tensor:  # ints, or one sequence of them
        """Reorder all the dimensions (NumPy's ``transpose(axes)``)."""
        dims = _one_sequence(dims)
        if len(dims) == self.ndim:
            for d in dims:
                _normalize_dim(d, self.ndim, "permute")
        if len(dims) != self.ndim or sorted(d % max(self.ndim, 1) for d in dims) != list(range(self.ndim)):
            raise ValueError(
                f"permute: dims {plain_numbers(tuple(dims))} are not a permutation of the {self.ndim} dims of shape "
                f"{self.shape}"
            )
        return _as_view(ops.Transpose.apply(self, axes=tuple(int(d) % self.ndim for d in dims)), self)

    def transpose(self, dim0: builtins.int, dim1: builtins.int) -> Tensor:
        """Swap two dimensions, as PyTorch's ``transpose(dim0, dim1)`` (NumPy's transpose is ``permute``)."""
        dim0, dim1 = _normalize_dim(dim0, self.ndim, "transpose"), _normalize_dim(dim1, self.ndim, "transpose")
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return _as_view(ops.Transpose.apply(self, axes=tuple(axes)), self)

    def t(self) -> Tensor:
        """The transpose of a matrix; a 0-d or 1-d tensor is returned as it is (as PyTorch)."""
        if self.ndim > 2:
            raise ValueError(f"t: expects a tensor of at most 2 dimensions, got shape {self.shape}; use mT or permute")
        return self if self.ndim < 2 else self.transpose(0, 1)

    def unsqueeze(self, dim: builtins.int) -> Tensor:
        """Insert a dimension of size 1 at ``dim`` (in [-ndim-1, ndim])."""
        dim = _normalize_dim(dim, self.ndim + 1, "unsqueeze")
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def squeeze(
        self, dim: builtins.int | Sequence[builtins.int] | None = None, *, axis: builtins.int | None = None
    ) -> Tensor:
        """Remove dimensions of size 1 (all, or those among ``dim``; others are left, as PyTorch)."""
        dim = axis if dim is None else dim
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        dims = _normalize_axis(dim, self.ndim, "squeeze")
        if dims is None:
            return self
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if not (i in dims and n == 1)))

    def broadcast_to(self, shape: Sequence[builtins.int]) -> Tensor:
        """Broadcast to ``shape`` without copying, as ``np.broadcast_to``."""
        return _as_view(ops.BroadcastTo.apply(self, shape=tuple(shape)), self)

    def expand(self, *sizes: Any) -> Tensor:  # ints, or one sequence of them
        """Broadcast to ``sizes`` without copying; -1 keeps a dimension's size (as PyTorch)."""
        sizes = _one_sequence(sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ValueError(f"expand: {len(sizes)} sizes given for a tensor of {self.ndim} dims {self.shape}")
        shape = tuple(self.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes))
        if any(n < 0 for n in shape):
            raise ValueError(f"expand: -1 is not allowed for the new leading dims, got {plain_numbers(tuple(sizes))}")
        return self.broadcast_to(shape)

    def expand_as(self, other: Tensor) -> Tensor:
        """Broadcast to ``other``'s shape (``torch.Tensor.expand_as``)."""
        return self.broadcast_to(other.shape)

    def repeat(self, *sizes: Any) -> Tensor:  # ints, or one sequence of them
        """Tile the tensor ``sizes[i]`` times along each dim (PyTorch's ``repeat`` is NumPy's ``tile``)."""
        sizes = _one_sequence(sizes)
        if len(sizes) < self.ndim:
            raise ValueError(
                f"repeat: the number of repeats ({len(sizes)}) can not be smaller than the number of dims "
                f"({self.ndim}) of shape {self.shape}"
            )
        if any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0 for n in sizes):
            raise ValueError(f"repeat: repeats must be non-negative ints, got {plain_numbers(tuple(sizes))}")
        return ops.Repeat.apply(self, repeats=tuple(int(n) for n in sizes))

    def __getitem__(self, index: Any) -> Tensor:
        return _as_view(ops.GetItem.apply(self, index=_normalize_index(index)), self)

    def __setitem__(self, index: Any, value: ArrayLike) -> None:
        """``x[index] = value`` in place, as PyTorch (its ``index_put_``): ints, slices, integer or bool tensors.

        ``value`` (a number, array or tensor) is broadcast to ``x[index]``'s shape and cast to ``x``'s dtype;
        ``x._version`` goes up. As the other in-place ops: on a leaf that requires grad it is refused while
        recording (do it under ``no_grad()``); on a tensor in a recorded graph, or with a ``value`` that requires
        grad, it is recorded (op ``setitem``): the overwritten elements get no gradient, ``value`` gets the
        gradient of where it went. ``t[t > 0] = 0.0`` zeroes the positive elements.
        """
        index = _normalize_index(index, "setitem")
        value_array = value._data if isinstance(value, Tensor) else np.asarray(value)
        try:
            target_shape = np.empty(self.shape, dtype=np.bool_)[index].shape  # without copying any values
        except IndexError as error:
            raise IndexError(
                f"setitem: index {plain_numbers(index)!r} does not fit a tensor of shape {self.shape} ({error})"
            ) from None
        value_shape = value_array.shape
        while len(value_shape) > len(target_shape) and value_shape[0] == 1:  # leading 1s are dropped, as PyTorch
            value_shape = value_shape[1:]
        try:
            fits = np.broadcast_shapes(value_shape, target_shape) == target_shape
        except ValueError:
            fits = False
        if not fits:
            raise ShapeError(
                f"setitem: shape mismatch: value tensor of shape {value_array.shape} cannot be broadcast to "
                f"indexing result of shape {target_shape} (index {plain_numbers(index)!r} of a tensor of shape "
                f"{self.shape})"
            )
        del value_array  # it may be this tensor's memory: _record_in_place counts who still holds that
        if self._in_place_is_recorded("setitem", value):
            if _has_repeats(index, self.shape):
                raise RuntimeError(
                    "setitem: the index writes some elements more than once; which value is kept is undefined "
                    "(as in PyTorch), so is its gradient: refused while recording. Use an index without repeats."
                )
            self._record_in_place("setitem", lambda old, new: ops.SetItem.apply(old, new, index=index), value)
            return
        self._update_in_place("setitem", _Put(index), value)

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iter: a 0-d tensor cannot be iterated over")
        return (self[i] for i in range(len(self)))


class _Put:
    """The update of ``x[index] = value``, called like a binary ufunc by Tensor._update_in_place (and compile)."""

    def __init__(self, index: Any):
        self.index = index

    def __call__(self, current: np.ndarray, value: Any, out: np.ndarray, casting: str = "same_kind") -> None:
        out[self.index] = value  # NumPy casts as PyTorch's index_put_ does (to the tensor's dtype)


def _has_repeats(index: Any, shape: tuple[int, ...]) -> bool:
    """True if an integer-array index picks some element more than once (basic indices and masks never do)."""
    parts = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts):
        return False
    counts = np.zeros(shape, dtype=np.intp)
    np.add.at(counts, index, 1)
    return bool(counts.max(initial=0) > 1)


def _shares_root(array: np.ndarray, base_array: np.ndarray) -> bool:
    """True if ``array`` is a NumPy view of ``base_array``'s memory (NumPy points every view at the owning array)."""
    root = base_array if base_array.base is None else base_array.base
    return array.base is not None and array.base is root


def _array_is_shared(array: np.ndarray, accounted: int = 0) -> bool:
    """True if another array (a NumPy view, whose ``.base`` it is) or object still holds ``array``'s memory.

    Read only when an in-place change is recorded on a tensor that had views (Tensor._record_in_place): a view
    that is gone does not count, one held by the user or by a recorded op does.
    """
    base = array.base
    if base is None:  # three references: the tensor's slot, `array` here and getrefcount's own
        return sys.getrefcount(array) > 3 + accounted
    return sys.getrefcount(base) > 3 + accounted  # `array.base`, `base` here and getrefcount's own


def _as_view(view: Tensor, base: Tensor) -> Tensor:
    """Mark ``view`` as sharing ``base``'s memory, as PyTorch's views share their base's; returns ``view``.

    Called by the view-making methods (reshape, view, getitem, transpose, permute, expand ...) only when NumPy
    did return a view (an integer-array or mask index copies, as in PyTorch; reshape copies when it must).
    The in-place ops read the marks (_in_place_is_recorded, _record_in_place), nothing else does.
    """
    if _shares_root(view._data, base._data):
        root = getattr(base, "_view_of", base)  # a view of a view shares the first base's memory (PyTorch's _base)
        view._view_of = root
        root._has_views = True
    return view


def _one_sequence(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """The varargs of ``permute(1, 0)`` or ``permute((1, 0))`` (PyTorch accepts both) as one tuple."""
    if len(values) == 1 and not isinstance(values[0], (int, np.integer)):
        return tuple(values[0])
    return values


class _Size(int):
    """A tensor's element count (an int, NumPy's ``size``) that, called, is PyTorch's ``size(dim=None)``.

    ``t.size`` is used both ways: ``t.size == 6`` in NumPy code, ``t.size()``
    and ``t.size(0)`` in PyTorch code. Called without a dim it returns the
    shape tuple (PyTorch's ``torch.Size`` is a tuple subclass too).
    """

    shape: tuple[int, ...]

    def __new__(cls, shape: tuple[int, ...]) -> _Size:
        size = super().__new__(cls, int(np.prod(shape, dtype=np.int64)))
        size.shape = shape
        return size

    @overload
    def __call__(self, dim: None = None) -> tuple[int, ...]: ...

    @overload
    def __call__(self, dim: int) -> int: ...

    def __call__(self, dim: int | None = None) -> tuple[int, ...] | int:
        if dim is None:
            return self.shape
        return self.shape[_normalize_dim(dim, len(self.shape), "size")]


class MaxMin(tuple[Tensor, Tensor]):
    """``(values, indices)`` from ``max(dim)`` / ``min(dim)``, as PyTorch's named tuple."""

    __slots__ = ()

    def __new__(cls, values: Tensor, indices: Tensor) -> MaxMin:
        return super().__new__(cls, (values, indices))

    @property
    def values(self) -> Tensor:
        """The values (a Tensor)."""
        return self[0]

    @property
    def indices(self) -> Tensor:
        """The indices where they were found (an int64 Tensor)."""
        return self[1]


def _looks_like_device(name: str) -> bool:
    """A string passed to ``to`` names a device (``"cpu"``, ``"cuda:0"``) rather than a dtype."""
    return name.split(":")[0].strip().lower() in ("cpu", "cuda", "mps", "xpu", "meta", "xla", "hip", "ipu", "vulkan")


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _promote(first: ArrayLike, second: ArrayLike) -> tuple[Tensor, Tensor]:
    """Two operands as tensors that meet in an op, promoted as PyTorch does: bool < integer < floating.

    Between kinds, the lower is cast to the higher's dtype (an int tensor meeting
    a float32 one becomes float32, where NumPy would make float64). A Python
    number takes the tensor's dtype unless it is of a higher kind (a float
    meeting an int tensor gives float64, our default). Within one kind NumPy's
    rules apply (float32 with float64 gives float64).
    """
    a = first if isinstance(first, Tensor) else None
    b = second if isinstance(second, Tensor) else None
    if a is None and b is None:
        a = Tensor._wrap(_as_array(first, keep_integers=True, op="Tensor"))
    if a is None:
        assert b is not None
        a = _lift(first, b)
    if b is None:
        b = _lift(second, a)
    kind_a, kind_b = a.data.dtype.kind, b.data.dtype.kind
    category_a, category_b = _CATEGORY[kind_a], _CATEGORY[kind_b]
    if category_a > category_b:
        b = Tensor._wrap(b.data.astype(a.data.dtype))
    elif category_b > category_a:
        a = Tensor._wrap(a.data.astype(b.data.dtype))
    return a, b


def _lift(value: ArrayLike, like: Tensor) -> Tensor:
    """A number or array meeting the tensor ``like``: numbers (and 0-d arrays) take its dtype when they can."""
    if isinstance(value, (bool, np.bool_)):
        category = 0
    elif isinstance(value, (int, np.integer)):
        category = 1
    elif isinstance(value, (float, np.floating)):
        category = 2
    else:
        array = _as_array(value, keep_integers=True, op="Tensor")
        if array.ndim != 0 or array.dtype.kind not in _CATEGORY:
            return Tensor._wrap(array)
        value, category = array, _CATEGORY[array.dtype.kind]
    if category <= _CATEGORY[like.data.dtype.kind]:
        return Tensor._wrap(np.array(value, dtype=like.data.dtype))
    return Tensor._wrap(np.array(value, dtype=np.float64 if category == 2 else np.int64))


def _require_float(t: Tensor, op: str) -> None:
    if t.data.dtype.kind != "f":
        raise RuntimeError(
            f"{op}: input dtype must be floating point, got {t.data.dtype} (convert with .float() or .double())"
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _normalize_dim(dim: Any, ndim: int, op: str) -> int:
    """One dimension index, checked against ``ndim`` (a 0-d tensor accepts 0 and -1) and made non-negative."""
    if not _is_int(dim):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    rank = max(ndim, 1)
    if not -rank <= dim < rank:
        raise IndexError(f"{op}: dim {dim} is out of range, expected one in [{-rank}, {rank - 1}]")
    return int(dim) % rank


def _reduction_arguments(
    op: str, ndim: int, axis: Any, keepdims: Any, dim: Any, keepdim: Any
) -> tuple[tuple[int, ...] | None, bool]:
    """Merge NumPy's ``axis``/``keepdims`` and PyTorch's ``dim``/``keepdim`` and check them."""
    if dim is None and keepdim is None and (keepdims is False or keepdims is True):  # every loss and backward
        return _normalize_axis(axis, ndim, op), keepdims
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: give dim or axis, not both")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if keepdims is not False and keepdims is not True and not isinstance(keepdims, np.bool_):
        raise TypeError(f"{op}: keepdim must be True or False, got {keepdims!r}")
    return _normalize_axis(axis, ndim, op), bool(keepdims)


#: Ticks once per in-place change of any tensor (in any thread). Reading it is the
#: whole cost that version checking adds to recording an op.
_CHANGE_CLOCK = [0]
_KEPT_STAMPS = 16


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
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    rank = max(ndim, 1)  # NumPy accepts axis 0 / -1 on 0-d arrays for reductions
    normalized = []
    for a in axes:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):  # True is an int to Python
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -rank <= a < rank:
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions")
        normalized.append(int(a) % rank)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{op}: axis {plain_numbers(axis)} repeats an axis")
    if ndim == 0:
        return None
    return tuple(sorted(normalized))


def _normalize_one_axis(axis: int, ndim: int, op: str) -> int | None:
    """One axis, checked and made non-negative; None for a 0-d tensor, whose only "axis" is the whole tensor."""
    axes = _normalize_axis(axis, ndim, op)
    return None if axes is None else axes[0]


def _normalize_index(index: Any, op: str = "getitem") -> Any:
    """Check the parts of an index and replace tensors by their arrays (indices are never differentiated).

    Integer arrays pick elements, bool arrays are masks (as in PyTorch and
    NumPy); a float array or number is refused rather than truncated.
    """
    if isinstance(index, tuple):
        return tuple(_normalize_index(i, op) for i in index)
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, list):
        index = np.asarray(index)
        if index.size == 0:  # x[[]]: NumPy reads an empty list as float
            index = index.astype(np.intp)
    elif isinstance(index, (float, np.floating)):
        raise IndexError(f"{op}: indices must be ints, slices or tensors of long, int or bool, got {index!r}")
    if isinstance(index, np.ndarray) and index.dtype.kind not in "biu":
        raise IndexError(f"{op}: tensors used as indices must be long, int or bool tensors, got dtype {index.dtype}")
    return index


# The ops and the backward engine use Tensor, so they are imported once it exists.
from tinygrad_moons import (  # noqa: E402
    autograd,
    creation,  # noqa: E402
    ops,
)
from tinygrad_moons.autograd import ShapeError, plain_numbers  # noqa: E402
from tinygrad_moons.creation import (  # noqa: E402, F401 - kept importable from here, where they used to live
    cat,
    concatenate,
    ones,
    ones_like,
    stack,
    tensor,
    zeros,
    zeros_like,
)
