"""``compile``: record a training step once, then replay it as a flat NumPy program.

What a compiler does to your graph, in four steps:

1. **Capture.** The first call with given input shapes runs your function
   eagerly, exactly as without ``compile``, while a tracer writes down every
   op applied (``Function.apply`` reports to it), the backward pass it
   triggers (the tracer walks the graph itself, so it knows which op each
   backward rule belongs to), and the calls that must happen again on every
   step: ``optimizer.zero_grad()``, ``optimizer.step()``, in-place updates
   such as ``p -= lr * p.grad`` under ``no_grad``.
2. **Lower.** Each recorded op becomes one *kernel*: a NumPy call that
   writes into a buffer allocated once (``np.dot(x, W, out=buf)``), or, for
   ops without a kernel of their own, the op's own ``forward`` on arrays.
   A few fusions are obvious from the op names: the bias is added into the
   matmul's output, the backward of ``relu`` multiplies the gradient in place
   by a mask kept in a preallocated boolean buffer, the gradients of a
   ``linear`` layer are three BLAS calls into their buffers, and the gradients
   a plain SGD updates with sit side by side in one block, so its products
   are one call. Then buffers whose lifetimes do not overlap (first write to
   last read) share memory (``Program.listing(buffers=True)``,
   ``viz.draw_program``).
3. **Replay.** Later calls with the same signature run the kernel list and
   nothing else: no ``Tensor`` or ``Function`` objects, no graph, no
   topological sort. Optimizer steps are replayed by calling the optimizer,
   so its state (Adam's moments and step count, a changed learning rate)
   stays its own.
4. **Guard.** A call with other input shapes or dtypes, other parameter
   objects (a layer rebuilt, a tensor rebound), or another value of a
   number the function reads captures again (a small cache keeps the last
   few programs, so the last, smaller batch of an epoch is captured once).

What cannot be replayed is refused with :class:`CompileError` rather than run
wrongly: reading a computed value inside the function (``.item()``,
``.numpy()``, ``.tolist()``, ``bool(t)``, ``if t > 0``), ``autograd.grad``,
``create_graph=True``, custom ``Function`` subclasses in the backward, an
in-place change the tracer cannot see (``p.data = ...``, a custom optimizer),
or an in-place fill from an array made inside the function (``uniform_``).
Under ``detect_anomaly`` or a backward tape (``tinygrad_moons.tape``) the
function runs eagerly (their checks and records are the point).

Not detected (documented limits): values read through ``.data`` and turned
back into tensors (``Tensor(x.data > 0)``), random numbers drawn inside the
function, and setting ``p.grad = None`` by hand (use ``optimizer.zero_grad()``
or ``module.zero_grad()``, which are replayed). Printing inside the
function prints at capture only, as in JAX. Gradients are written into
buffers owned by the program: ``p.grad`` after a replay is the same tensor
object every step, so copy it if you keep it across steps.
"""

from __future__ import annotations

import functools
import operator
import threading
import types
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, NamedTuple, cast, overload

import numpy as np

from tinygrad_moons import autograd
from tinygrad_moons.autograd import Function, ShapeError, _is_broadcast_of, sum_to_shape, topological_order
from tinygrad_moons.ops import REGISTRY, Clip, LeakyReLU, Linear, Max, Maximum, Mean, Prod, Sigmoid, Softplus, Sum
from tinygrad_moons.tensor import Tensor

#: np.dot without NumPy's ``__array_function__`` dispatch (NEP 18), a Python function run on every call to look for
#: other array types among the operands, about a fifth of a small product's cost. A kernel's operands are ndarrays
#: (the program's buffers, the tensors' arrays); the same C function computes the product.
_DOT = getattr(np.dot, "_implementation", np.dot)
try:  # the ufunc behind ndarray.clip (NumPy 2 moved it)
    from numpy._core.umath import clip as _CLIP  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy.core.umath import clip as _CLIP  # type: ignore[no-redef]

__all__ = ["CompileError", "CompiledFunction", "compile"]


class CompileError(RuntimeError):
    """Something in a function given to :func:`compile` cannot be captured and replayed.

    Raised while the function runs (it stopped part way), or after it
    returned (``finished`` is then True and ``result`` holds what it
    returned: the eager call itself was complete and correct).
    """

    finished: bool = False
    result: Any = None


# ------------------------------------------------------------------ kernels
# How each op is lowered. A lowering gets the recorded op (its attributes:
# axis, keepdims ...), the slots of its inputs, their arrays from the capture
# run (to check dtypes and dimensions) and ``out``, the buffer the program
# allocated for the result; it returns ``(run, text)``: ``run(slots)`` writes
# the result into ``out``, ``text`` is the line of the listing. Each must
# compute exactly what the op's forward computes (the exactness tests compare
# bit for bit). A lowering returns None when it does not apply (mixed dtypes,
# batched matmul); the op, and every op not listed, is then replayed by
# calling its own forward on arrays (a fresh array each call, no buffer).
# The program's arrays by slot number (Program.slots; a step's ``run`` gets the list itself).
Slots = list[np.ndarray]
#: One step's work: reads and writes slots (what it returns is ignored: some are one NumPy call, ``np.dot(.., out)``).
Run = Callable[[Slots], object]
Lowered = tuple[Run, str]
#: What a program returns, made from the call's arguments (the function's own result, replayed).
ResultMaker = Callable[[tuple[Any, ...]], Any]
# A lowering's op parameter is each its own op class (a Sum, a Clip ...), which the table's name guarantees (KERNELS
# is looked up by the op's registry name, and only for the registry's own class); Callable cannot say that per entry.
Lowering = Callable[[Any, list[int], list[np.ndarray], np.ndarray, list[str]], Lowered | None]


def _same_dtype(*arrays: np.ndarray) -> bool:
    first = arrays[0].dtype
    return all(a.dtype == first for a in arrays)


def _operand(value: Any, dtype: np.dtype) -> np.ndarray:
    """A constant operand of a kernel, made once: ``value`` as a 0-d array of ``dtype``.

    NumPy turns a scalar operand (``np.float64(0)`` as much as ``0.0``) into
    an array on every call, at 32 rows a good part of the call's cost; a 0-d
    array it uses as it is. The value is the one NumPy would have made.
    """
    return np.array(value, dtype=dtype)


def _lower_ufunc(ufunc: np.ufunc) -> Lowering:
    """An elementwise op as the NumPy ufunc that computes it, writing into ``out``."""

    def lower(op: Function, ins: list[int], arrays: list[np.ndarray], out: np.ndarray, names: list[str]) -> Lowered:
        text = f"np.{ufunc.__name__}({', '.join(names)}, out=OUT)"
        if len(ins) == 1:
            (i,) = ins
            return (lambda s: ufunc(s[i], out)), text
        i, j = ins
        return (lambda s: ufunc(s[i], s[j], out)), text

    return lower


def _lower_matmul(
    op: Function, ins: list[int], arrays: list[np.ndarray], out: np.ndarray, names: list[str]
) -> Lowered | None:
    a, b = arrays
    if not (a.ndim in (1, 2) and b.ndim in (1, 2) and a.ndim + b.ndim >= 3 and _same_dtype(a, b, out)):
        return None
    i, j = ins
    return (lambda s: _DOT(s[i], s[j], out)), f"np.dot({names[0]}, {names[1]}, out=OUT)"


def _lower_linear(
    op: Linear, ins: list[int], arrays: list[np.ndarray], out: np.ndarray, names: list[str]
) -> Lowered | None:
    if arrays[0].ndim != 2 or not _same_dtype(*arrays, out):
        return None
    x, kernel, bias = ins

    def run(s: Slots) -> None:
        _DOT(s[x], s[kernel], out)
        np.add(out, s[bias], out)  # fused: the bias is added into the matmul's own output

    return run, f"np.dot({names[0]}, {names[1]}, out=OUT); OUT += {names[2]}"


def _lower_relu(op: Function, ins: list[int], arrays: list[np.ndarray], out: np.ndarray, names: list[str]) -> Lowered:
    (i,) = ins
    # The ufunc behind ndarray.clip, called directly: the method's Python wrapper costs more than 32 rows of work
    # (and the bounds are made once, as 0-d arrays of the array's dtype: see _operand).
    floating = out.dtype.kind == "f"
    zero, inf = (_operand(0.0, out.dtype), _operand(np.inf, out.dtype)) if floating else (0.0, np.inf)
    return (lambda s: _CLIP(s[i], zero, inf, out)), f"clip({names[0]}, 0, inf, out=OUT)"


def _lower_clip(
    op: Clip, ins: list[int], arrays: list[np.ndarray], out: np.ndarray, names: list[str]
) -> Lowered | None:
    """``np.clip(a, lo, hi)`` on floats is one ufunc: maximum, minimum or clip, as NumPy's own wrapper picks it."""
    if arrays[0].dtype.kind != "f" or not _same_dtype(arrays[0], out):
        return None
    (i,) = ins
    lo: Any = getattr(op, "min", None)
    hi: Any = getattr(op, "max", None)
    if lo is None and hi is None:
        return None
    shown_lo, shown_hi = lo, hi
    # Bounds as 0-d arrays of the array's dtype, made once (a number is converted on every call, the same way).
    lo = None if lo is None else _operand(lo, out.dtype)
    hi = None if hi is None else _operand(hi, out.dtype)
    if hi is None:

        def floor(s: Slots) -> None:
            np.maximum(s[i], lo, out=out)  # (maximum and minimum take their output by keyword only)

        return floor, f"np.maximum({names[0]}, {shown_lo!r}, out=OUT)"
    if lo is None:

        def ceiling(s: Slots) -> None:
            np.minimum(s[i], hi, out=out)

        return ceiling, f"np.minimum({names[0]}, {shown_hi!r}, out=OUT)"

    def both(s: Slots) -> None:
        _CLIP(s[i], lo, hi, out)

    return both, f"clip({names[0]}, {shown_lo!r}, {shown_hi!r}, out=OUT)"


def _lower_sigmoid(
    op: Function, ins: list[int], arrays: list[np.ndarray], out: np.ndarray, names: list[str]
) -> Lowered | None:
    """The sigmoid's forward, ``where(a >= 0, 1, e) / (1 + e)`` with ``e = exp(-|a|)``, in two kept buffers.

    The numerator is computed as ``exp(minimum(a, 0))``, the same bits with
    float operations only: where ``a < 0`` (or NaN) that is ``exp(a)``, and
    ``-|a|`` is ``a`` there, so it is ``e`` itself; where ``a >= 0`` it is
    ``exp(0) = 1``. (``where`` would need a boolean mask and a masked copy,
    two calls that cost twice as much as these two at 32 rows.)
    """
    if arrays[0].dtype.kind != "f" or not _same_dtype(arrays[0], out):
        return None
    (i,) = ins
    denominator, numerator = np.empty(out.shape, out.dtype), np.empty(out.shape, out.dtype)
    zero, one = _operand(0, out.dtype), _operand(1, out.dtype)

    def run(s: Slots) -> None:
        a = s[i]  # read into both buffers before OUT is written: OUT may be a's own buffer
        np.abs(a, denominator)
        np.negative(denominator, denominator)
        np.exp(denominator, denominator)  # e = exp(-|a|)
        np.add(denominator, one, denominator)  # 1 + e
        np.minimum(a, zero, out=numerator)  # (maximum and minimum take their output by keyword only)
        np.exp(numerator, numerator)  # where(a >= 0, 1, e)
        np.divide(numerator, denominator, out)

    return run, f"sigmoid({names[0]}): where(a >= 0, 1, e) / (1 + e), e = exp(-|a|); 7 ufuncs into OUT"


def _lower_sum(op: Sum, ins: list[int], arrays: list[np.ndarray], out: np.ndarray, names: list[str]) -> Lowered:
    (i,) = ins
    axis, keepdims = op.axis, op.keepdims  # np.sum is add.reduce behind a Python wrapper: the same sums

    def run(s: Slots) -> None:
        np.add.reduce(s[i], axis, None, out, keepdims)  # type: ignore[call-overload]

    return run, f"np.add.reduce({names[0]}, axis={axis}, out=OUT)"


def _lower_mean(
    op: Mean, ins: list[int], arrays: list[np.ndarray], out: np.ndarray, names: list[str]
) -> Lowered | None:
    if arrays[0].dtype.itemsize < 4 or not _same_dtype(arrays[0], out):
        return None
    (i,) = ins
    axis, keepdims, count = op.axis, op.keepdims, arrays[0].size // max(out.size, 1)
    divisor = _operand(count, out.dtype)

    def run(s: Slots) -> None:
        np.add.reduce(s[i], axis, None, out, keepdims)  # type: ignore[call-overload]
        np.true_divide(out, divisor, out)

    return run, f"np.add.reduce({names[0]}, axis={axis}, out=OUT); OUT /= {count}"


def _lower_bce_with_logits(
    op: Function, ins: list[int], arrays: list[np.ndarray], out: np.ndarray, names: list[str]
) -> Lowered | None:
    if not _same_dtype(*arrays, out):
        return None
    z, y = ins
    product, softplus = np.empty(out.shape, out.dtype), np.empty(arrays[0].shape, out.dtype)
    zero = _operand(0, out.dtype)

    def run(s: Slots) -> None:
        # max(z, 0) - z y + log(1 + exp(-|z|)): the forward's arithmetic in its order, in two scratch buffers.
        np.maximum(s[z], zero, out=out)
        np.multiply(s[z], s[y], product)
        np.subtract(out, product, out)
        np.abs(s[z], softplus)
        np.negative(softplus, softplus)
        np.exp(softplus, softplus)
        np.log1p(softplus, softplus)
        np.add(out, softplus, out)

    return run, f"max(z, 0) - z*y + log1p(exp(-|z|)) with z={names[0]}, y={names[1]}: 8 ufuncs into OUT and 2 scratch"


#: Elementwise lowerings that may write into their first input (each element is read before it is written).
_IN_PLACE_SAFE = {"add", "sub", "mul", "div", "neg", "exp", "log", "sqrt", "tanh", "relu", "clip", "sigmoid"}

#: op name -> its lowering (see above); ops not listed run their own forward.
KERNELS: dict[str, Lowering] = {
    "add": _lower_ufunc(np.add),
    "sub": _lower_ufunc(np.subtract),
    "mul": _lower_ufunc(np.multiply),
    "div": _lower_ufunc(np.true_divide),
    "neg": _lower_ufunc(np.negative),
    "exp": _lower_ufunc(np.exp),
    "log": _lower_ufunc(np.log),
    "sqrt": _lower_ufunc(np.sqrt),
    "tanh": _lower_ufunc(np.tanh),
    "matmul": _lower_matmul,
    "linear": _lower_linear,
    "relu": _lower_relu,
    "clip": _lower_clip,
    "sigmoid": _lower_sigmoid,
    "sum": _lower_sum,
    "mean": _lower_mean,
    "binary_cross_entropy_with_logits": _lower_bce_with_logits,
}


# --------------------------------------------------------- backward kernels
# The backward rules in ops.py are Tensor ops, so the tracer records them like
# any other op. These ops are the exception: their rules build a constant from
# the input's *values* with NumPy (a mask, a share of ties), which a recording
# would freeze at the values of the first call. Here the same arithmetic is a
# kernel run on every replay. Each returns one gradient per input (or None),
# exactly as the rule does, and is given the op, the incoming gradient, the
# input arrays, the output array and which inputs need a gradient.
Gradients = tuple[np.ndarray | None, ...]
# The op is each kernel's own op class, as for KERNELS (the backward looks kernels up by the registry's name, for
# the registry's own class only).
BackwardKernel = Callable[[Any, np.ndarray, list[np.ndarray], np.ndarray, tuple[bool, ...]], Gradients]


def _relu_backward(
    op: Function, grad: np.ndarray, inputs: list[np.ndarray], output: np.ndarray, needs: tuple[bool, ...]
) -> Gradients:
    return (np.multiply(grad, output != 0),)  # from the output, as eager: a NaN passes its gradient (PyTorch)


def _leaky_relu_backward(
    op: LeakyReLU, grad: np.ndarray, inputs: list[np.ndarray], output: np.ndarray, needs: tuple[bool, ...]
) -> Gradients:
    slope = np.where(inputs[0] > 0, 1, op.negative_slope).astype(grad.dtype)
    return (grad * slope,)


def _abs_backward(
    op: Function, grad: np.ndarray, inputs: list[np.ndarray], output: np.ndarray, needs: tuple[bool, ...]
) -> Gradients:
    return (grad * np.sign(inputs[0]),)


def _clip_backward(
    op: Clip, grad: np.ndarray, inputs: list[np.ndarray], output: np.ndarray, needs: tuple[bool, ...]
) -> Gradients:
    a = inputs[0]
    inside = np.ones(a.shape, dtype=bool)
    if op.min is not None:
        inside &= a >= op.min
    if op.max is not None:
        inside &= a <= op.max
    return (grad * inside.astype(grad.dtype),)


def _maximum_backward(
    op: Maximum, grad: np.ndarray, inputs: list[np.ndarray], output: np.ndarray, needs: tuple[bool, ...]
) -> Gradients:
    # maximum and minimum: "1 unless it loses", half at ties (op.loses is the op's own comparison).
    a, b = inputs
    half_at_ties = 0.5 * (a == b)
    grad_a = grad * (1 - op.loses(a, b) - half_at_ties).astype(grad.dtype) if needs[0] else None
    grad_b = grad * (1 - op.loses(b, a) - half_at_ties).astype(grad.dtype) if needs[1] else None
    return grad_a, grad_b


def _max_backward(
    op: Max, grad: np.ndarray, inputs: list[np.ndarray], output: np.ndarray, needs: tuple[bool, ...]
) -> Gradients:
    # max and min: the extreme elements (NaNs, when the result is NaN) share the gradient.
    from tinygrad_moons.ops import _keepdims_shape

    a = inputs[0]
    kept_shape = _keepdims_shape(a.shape, op.axis)
    result = output.reshape(kept_shape)
    is_max = a == result
    nan_result = np.isnan(result)
    if nan_result.any():
        is_max |= np.isnan(a) & nan_result
    share = is_max / is_max.sum(axis=op.axis, keepdims=True)
    return (np.broadcast_to(grad.reshape(kept_shape), a.shape) * share.astype(grad.dtype),)


def _softplus_backward(
    op: Softplus, grad: np.ndarray, inputs: list[np.ndarray], output: np.ndarray, needs: tuple[bool, ...]
) -> Gradients:
    a = inputs[0]
    slope = _SIGMOID.forward(a * op.beta)
    linear = a * op.beta > op.threshold  # the linear part: slope 1 (eager adds this Where only when it occurs)
    return (grad * np.where(linear, np.ones((), dtype=slope.dtype), slope),)


_SIGMOID = Sigmoid()  # its forward, the sigmoid on arrays, for softplus's slope


def _pow_backward(
    op: Function, grad: np.ndarray, inputs: list[np.ndarray], output: np.ndarray, needs: tuple[bool, ...]
) -> Gradients:
    # PyTorch's edges: d/da is 0 where a = b = 0, d/db is 0 where a = 0 and b >= 0 (eager masks only when they occur).
    a, b = inputs
    grad_a = grad_b = None
    with np.errstate(divide="ignore", invalid="ignore"):
        if needs[0]:
            grad_a = grad * b * a ** (b - 1)
            grad_a = np.where((b == 0) & (a == 0), np.zeros((), dtype=grad_a.dtype), grad_a)
        if needs[1]:
            grad_b = grad * output * np.log(a)
            grad_b = np.where((a == 0) & (b >= 0), np.zeros((), dtype=grad_b.dtype), grad_b)
    return grad_a, grad_b


def _prod_backward(
    op: Prod, grad: np.ndarray, inputs: list[np.ndarray], output: np.ndarray, needs: tuple[bool, ...]
) -> Gradients:
    # The products of the other elements: prod / a_i without zeros, computed exactly with them (as eager).
    from tinygrad_moons.ops import _keepdims_shape, _product_of_others

    a = inputs[0]
    kept_shape = _keepdims_shape(a.shape, op.axis)
    grad = grad.reshape(kept_shape)
    if np.all(a != 0):
        return (grad * output.reshape(kept_shape) / a,)
    return (grad * _product_of_others(a, op.axis),)


def _linear_backward(
    op: Linear, grad: np.ndarray, inputs: list[np.ndarray], output: np.ndarray, needs: tuple[bool, ...]
) -> Gradients:
    x, kernel, _ = inputs
    ones = np.ones(grad.shape[0], dtype=grad.dtype)
    return (
        np.dot(grad, kernel.swapaxes(-1, -2)) if needs[0] else None,
        np.dot(x.swapaxes(-1, -2), grad) if needs[1] else None,
        np.dot(ones, grad) if needs[2] else None,
    )


def _all_float_alike(arrays: list[np.ndarray]) -> bool:
    return all(a.dtype.kind == "f" for a in arrays) and _same_dtype(*arrays)


def _always(arrays: list[np.ndarray]) -> bool:
    return True


#: op name -> (gradient kernel, condition on the input arrays). An op in VALUE_DEPENDENT whose condition
#: does not hold is refused (its rule would be frozen); for the others the rule is recorded instead.
BACKWARD_KERNELS: dict[str, tuple[BackwardKernel, Callable[[list[np.ndarray]], bool]]] = {
    "relu": (_relu_backward, _always),
    "leaky_relu": (_leaky_relu_backward, _always),
    "abs": (_abs_backward, _always),
    "clip": (_clip_backward, _always),
    "maximum": (_maximum_backward, _all_float_alike),
    "minimum": (_maximum_backward, _all_float_alike),
    "max": (_max_backward, _always),
    "min": (_max_backward, _always),
    "softplus": (_softplus_backward, _all_float_alike),
    "pow": (_pow_backward, _all_float_alike),
    "prod": (_prod_backward, _all_float_alike),
    "linear": (_linear_backward, lambda arrays: arrays[0].ndim == 2),
}

#: Ops whose backward rule reads the input's values with NumPy (a mask, a share of ties, a branch on zeros).
VALUE_DEPENDENT = frozenset(BACKWARD_KERNELS) - {"linear"}


# ------------------------------------------------------------------ program
class GraphNode(NamedTuple):
    """One node of the graph a program was captured from (``Program.graph``), for drawing the two side by side.

    ``kind`` is ``"op"`` (a forward op, or a comparison), ``"input"`` (an
    argument), ``"parameter"`` or ``"constant"`` (tensors read afresh on each
    call); ``label`` is the op's name or the tensor's; ``origin`` says where
    an op was recorded (``"relu in dense_2"``); ``inputs`` are the indices of
    the nodes it read; ``shape`` and ``dtype`` are its value's in the capture.
    """

    kind: str
    label: str
    origin: str
    inputs: tuple[int, ...]
    shape: tuple[int, ...]
    dtype: str


class _Step:
    """One line of the program: ``run(slots)`` does the work, ``text`` says what it does.

    ``reads`` and ``write`` are slots; a ``pure`` step has no effect but its
    write, so it can be dropped when nothing reads what it writes. A step that
    writes into a buffer of the program's own can be lowered again into
    another buffer: ``relower(buffer)`` returns its new ``run``, ``template``
    is its text with ``OUT`` for that buffer's name, and ``source`` is the
    input slot it may overwrite (elementwise: each element read before it is
    written), if any.
    """

    __slots__ = ("run", "text", "reads", "write", "pure", "relower", "template", "source", "origin", "node")

    def __init__(
        self, run: Run, text: str, reads: tuple[int, ...] = (), write: int | None = None, pure: bool = False
    ) -> None:
        self.run = run
        self.text = text
        self.reads = reads
        self.write = write
        self.pure = pure
        self.relower: Callable[[np.ndarray], Run] | None = None
        self.template = ""
        self.source: int | None = None
        self.origin = ""  # what in the eager graph this step came from ("relu in dense_2", "d linear in dense_5")
        self.node: int | None = None  # the index of that op in Program.graph (None: not an op of the graph)


class Program:
    """A captured function lowered to a list of steps over numbered slots (arrays)."""

    def __init__(self) -> None:
        self.slots: Slots = []
        self.names: list[str] = []
        self.steps: list[_Step] = []
        self.input_slots: list[tuple[int, int]] = []  # (slot, argument position)
        self.held_slots: list[tuple[int, Tensor]] = []  # tensors read afresh each call (parameters, constants)
        self.make_result: ResultMaker = lambda args: None
        self._runs: list[Run] = []
        self.args: tuple[Any, ...] = ()
        #: Parameters whose .grad was None when the capture's backward reached them, for no reason the tracer saw:
        #: if a later call finds a .grad there, the function may have set it to None by hand (not seen), so
        #: the program is captured again from that call, whose start now shows it (see _Capture._accumulate).
        self.tentative: list[Tensor] = []
        #: the graph the program was captured from: its forward ops and the tensors they read, in order
        self.graph: list[GraphNode] = []
        #: slot -> the name of the memory it is written into ("b3"); slots sharing a name share memory
        self.buffer_of: dict[int, str] = {}
        #: buffer name -> its memory (a block that several results take turns in, or one result's own buffer)
        self.buffers: dict[str, np.ndarray] = {}
        self.bytes_before_sharing = 0

    def finish(self) -> None:
        """Freeze the step list into the list of callables a replay runs (after the steps are final)."""
        self._runs = [step.run for step in self.steps]

    def __call__(self, args: tuple[Any, ...]) -> Any:
        self.args = args  # for steps that act on an argument tensor itself (its .grad, its version)
        slots = self.slots
        for slot, position in self.input_slots:
            slots[slot] = args[position]._data
        for slot, tensor in self.held_slots:
            slots[slot] = tensor._data
        for run in self._runs:
            run(slots)
        result = self.make_result(args)
        self.args = ()  # the arguments are not kept alive between calls
        return result

    def listing(self, legend: bool = False, origins: bool = False, buffers: bool = False) -> str:
        """The kernel list, one numbered line per step, with the buffers each reads and writes.

        Names: ``input0``... the arguments; a parameter's own name (or ``p0``...)
        and ``c0``... the tensors read afresh on each call (parameters,
        constants); ``t7``... results (``a <- ...`` writes into a buffer the
        program owns, ``a = ...`` makes a new array each call). With
        ``origins`` each line starts with the graph op it came from (``d op``:
        that op's backward), so the program reads beside the graph's drawing.
        With ``buffers`` each line that writes a buffer of the program's own
        ends with the memory it lands in (``-> b2 (32, 50) float64``): results
        whose lifetimes do not overlap share a ``b``.
        """
        width = len(str(len(self.steps)))
        origin_width = max((len(step.origin) for step in self.steps), default=0) if origins else 0
        lines = []
        for i, step in enumerate(self.steps):
            line = f"{i:>{width}}  " + (f"{step.origin:<{origin_width}} | " if origins else "") + step.text
            if buffers and step.write in self.buffer_of:
                array = self.slots[step.write]
                line += f"  -> {self.buffer_of[step.write]} {array.shape} {array.dtype}"
            lines.append(line)
        if legend:
            lines.insert(
                0,
                f"# {len(self.steps)} steps; buffers allocated once: {self.buffer_bytes() / 1024:.0f} KiB "
                f"({self.bytes_before_sharing / 1024:.0f} KiB if no two results shared memory)",
            )
        return "\n".join(lines)

    def buffer_bytes(self) -> int:
        """Bytes of the buffers the program allocated once and writes on every call (shared memory counted once).

        ``bytes_before_sharing`` is what they took before buffers whose
        lifetimes do not overlap were given the same memory.
        """
        return sum(memory.nbytes for memory in self.buffers.values())


# ------------------------------------------------------------------ capture
_GRAPH_FIELDS = {"parents", "saved_versions", "_output_ref", "graph_freed", "created_at"}
_CAPTURE_LOCK = threading.Lock()
_NO_MEMORY = np.empty(0)  # the array of a slot nothing writes or reads any more (its step was dropped as dead)


def _not_lowered_yet(s: Slots) -> None:
    raise AssertionError("compile: a .grad step ran before _lower_grad_step made its run")  # pragma: no cover


class _Capture:
    """The tracer: ``autograd._CAPTURE`` while a function is being captured.

    Every array the function touches gets a slot. ``by_array`` maps the id of
    each array seen to its slot: an op's output, an argument, or a *held*
    tensor (a parameter, a constant) whose array the program reads afresh on
    every call. All tensors seen are kept alive until lowering is done, so an
    id is never reused for another array meanwhile.
    """

    def __init__(self, args: tuple[Any, ...], entry_grads: dict[int, tuple[Tensor, Tensor | None]]) -> None:
        #: The .grad of each tensor the function can reach, at the start of the call (see _accumulate).
        self.entry_grads = entry_grads
        self.grad_owner = {id(g): p for p, g in entry_grads.values() if g is not None}
        self.tentative: list[Tensor] = []
        self.thread = threading.get_ident()
        self.program = Program()
        self.by_array: dict[int, int] = {}
        self.kind: list[str] = []  # per slot: "input", "held", "computed", "grad"
        self.arrays: list[np.ndarray] = []  # per slot: the array of the capture run (the program may own another)
        self.keep: list[Any] = []
        self.paused = 0
        self.held_versions: dict[int, tuple[Tensor, int]] = {}
        self.explained: set[int] = set()  # ids of held tensors changed by a recorded step
        self.grad_tensors: dict[int, Tensor] = {}  # slot of a .grad -> the parameter it belongs to
        self.owned: set[int] = set()  # slots whose array is a buffer of the program's own
        self.pinned: set[int] = set()  # ids of owned buffers that outlive a call (a parameter's .grad): never shared
        self.generation: dict[int, int] = {}  # slot -> how many in-place changes it has seen (for CSE)
        self.computed: dict[Any, int] = {}  # (op, inputs, their generations, attributes) -> slot, for CSE
        self.reused = 0  # results reused by CSE
        self.dropped = 0  # steps dropped as dead
        self.zeroed: list[tuple[_Step, set[int]]] = []  # zero_grad steps and the ids of the tensors they reset
        self.origin = ""  # the graph op the steps being emitted come from (for the listing)
        self.node: int | None = None  # ... and its index in program.graph
        self.node_of_slot: dict[int, int] = {}
        self.node_of_function: dict[int, int] = {}
        self.in_backward = False
        # (step, leaf, gradient slot, .grad slot, whether .grad is always overwritten)
        self.grad_steps: list[tuple[_Step, Tensor, int, int, bool]] = []
        self.sgd_steps: list[tuple[_Step, Any]] = []  # lowered SGD.step() calls and their optimizers (see finish)
        self.handed_over: dict[int, Tensor] = {}  # id(leaf) -> the tensor of its gradient buffer, now its .grad
        for position, x in enumerate(args):
            if isinstance(x, Tensor) and id(x._data) not in self.by_array:
                slot = self._new_slot(x._data, f"input{position}", "input")
                self.program.input_slots.append((slot, position))

    # ---- slots
    def _new_slot(self, array: np.ndarray, name: str, kind: str) -> int:
        slot = len(self.program.slots)
        self.program.slots.append(array)
        self.program.names.append(name)
        self.kind.append(kind)
        self.arrays.append(array)
        self.by_array[id(array)] = slot
        self.keep.append(array)
        return slot

    def slot_of(self, tensor: Tensor) -> int:
        """The slot holding ``tensor``'s array; a tensor not seen before is held (read afresh each call)."""
        array = tensor._data
        slot = self.by_array.get(id(array))
        if slot is not None:
            return slot
        base = array.base
        while base is not None:  # a view made outside the ops of something computed here would go stale
            if id(base) in self.by_array and self.kind[self.by_array[id(base)]] != "held":
                raise CompileError(
                    "compile: a tensor inside the function is a view of a value computed in it, made outside "
                    "the ops (through .data or .numpy()); use Tensor operations (reshape, transpose, indexing)"
                )
            base = getattr(base, "base", None)
        held = sum(1 for k in self.kind if k == "held")
        name = tensor.name or (f"p{held}" if tensor.requires_grad else f"c{held}")
        slot = self._new_slot(array, name, "held")
        self.keep.append(tensor)
        self.program.held_slots.append((slot, tensor))
        self.held_versions[id(tensor)] = (tensor, tensor._version)
        return slot

    def reads_traced(self, tensor: Tensor) -> bool:
        slot = self.by_array.get(id(tensor._data))
        return slot is not None and self.kind[slot] != "held" and not self.paused

    def mine(self) -> bool:
        return not self.paused and threading.get_ident() == self.thread

    # ---- forward (and backward-rule) ops: called by Function.apply
    def record(self, function: Function, inputs: tuple[Tensor, ...], output: Tensor) -> None:
        if not self.mine():
            return
        ins = [self.slot_of(x) for x in inputs]
        self._refuse_computed_attributes(function)
        self.keep.append(output)
        op = type(function).__new__(type(function))
        op.__dict__.update({k: v for k, v in function.__dict__.items() if k not in _GRAPH_FIELDS})
        if self.in_backward:  # an op of a backward rule: its steps belong to the op whose rule it is
            self._emit_op(op, ins, output._data)
            return
        self.origin = _origin(function.name, output.scope)
        inputs_of_node = tuple(n for n in map(self._graph_node, ins) if n is not None)
        self.node = len(self.program.graph)
        self.program.graph.append(
            GraphNode("op", function.name, self.origin, inputs_of_node, output._data.shape, output._data.dtype.name)
        )
        self.node_of_function[id(function)] = self.node
        out_slot = self._emit_op(op, ins, output._data)
        self.node_of_slot.setdefault(out_slot, self.node)

    def _graph_node(self, slot: int) -> int | None:
        """The graph node whose value a slot holds; an argument or a held tensor seen for the first time gets one."""
        node = self.node_of_slot.get(slot)
        if node is not None or self.kind[slot] == "computed":
            return node
        array = self.arrays[slot]
        kind = self.kind[slot]
        if kind == "held":
            tensor = next(t for s, t in self.program.held_slots if s == slot)
            kind = "parameter" if tensor.requires_grad else "constant"
        node = len(self.program.graph)
        self.program.graph.append(GraphNode(kind, self.program.names[slot], "", (), array.shape, array.dtype.name))
        self.node_of_slot[slot] = node
        return node

    def record_elementwise(self, ufunc: Any, arrays: tuple[np.ndarray, ...], out: np.ndarray) -> None:
        """A comparison or logical operator (outside the graph): a step computing it again on every call."""
        if not self.mine():
            return
        ins = []
        for array in arrays:
            slot = self.by_array.get(id(array))
            if slot is None:  # a number compared with: a constant, as an op's scalar operand
                held = Tensor._wrap(array)
                slot = self.slot_of(held)
            ins.append(slot)
        names = self.program.names
        out_slot = self._new_slot(out, f"t{len(self.program.slots)}", "computed")
        self.origin = getattr(ufunc, "__name__", "comparison")
        inputs_of_node = tuple(n for n in map(self._graph_node, ins) if n is not None)
        self.node = len(self.program.graph)
        self.program.graph.append(GraphNode("op", self.origin, self.origin, inputs_of_node, out.shape, out.dtype.name))
        self.node_of_slot[out_slot] = self.node

        def run(s: Slots, ufunc: Any = ufunc, ins: tuple[int, ...] = tuple(ins), out_slot: int = out_slot) -> None:
            s[out_slot] = np.asarray(ufunc(*[s[i] for i in ins]))

        text = f"{names[out_slot]} = np.{self.origin}({', '.join(names[k] for k in ins)})"
        self._add_step(run, text, reads=ins, write=out_slot, pure=True)

    def _refuse_computed_attributes(self, function: Function) -> None:
        """An op attribute that is an array of this call (``x[x > 0]``'s mask) would be frozen: refused."""
        for value in function.__dict__.values():
            parts = value if isinstance(value, tuple) else (value,)
            for part in parts:
                slot = self.by_array.get(id(part)) if isinstance(part, np.ndarray) else None
                if slot is not None and self.kind[slot] != "held":
                    raise CompileError(
                        f"compile: {function.name} takes an array computed inside the function as an argument "
                        "(an index made from values, such as x[x > 0]); a replay would reuse the first call's. "
                        "Use where(mask, x, 0) instead, or run this function eagerly"
                    )

    def _emit_op(self, op: Function, ins: list[int], result: np.ndarray) -> int:
        names = self.program.names
        arrays = [self.arrays[i] for i in ins]
        input_names = [names[i] for i in ins]
        key = _cse_key(op, ins, self.generation)
        earlier = self.computed.get(key) if key is not None else None
        if earlier is not None:  # the same op on the same, unchanged inputs: reuse its result (CSE)
            self.by_array[id(result)] = earlier
            self.keep.append(result)
            self.reused += 1
            return earlier
        out_slot = self._new_slot(result, f"t{len(self.program.slots)}", "computed")
        if key is not None:
            self.computed[key] = out_slot
        lower = KERNELS.get(op.name) if REGISTRY.get(op.name) is type(op) else None
        if lower is not None:
            buffer = np.empty_like(result, order="C")
            lowered = lower(op, ins, arrays, buffer, input_names)
            if lowered is not None:
                run, text = lowered
                self.program.slots[out_slot] = buffer  # the program's own buffer, written on every call
                self.owned.add(out_slot)
                self._add_step(
                    run, f"{names[out_slot]} <- " + text.replace("OUT", names[out_slot]), ins, out_slot, True
                )
                step = self.program.steps[-1]
                step.template = text
                step.source = ins[0] if op.name in _IN_PLACE_SAFE else None
                kernel_of: Lowering = lower

                def relower(buffer: np.ndarray, op: Function = op, ins: list[int] = ins) -> Run:
                    lowered = kernel_of(op, ins, arrays, buffer, input_names)
                    assert lowered is not None  # the same shapes and dtypes as when it was first lowered
                    return lowered[0]

                step.relower = relower
                return out_slot
        if op.name == "transpose" and getattr(op, "axes", None) == (1, 0):  # a matrix transpose is a view: .T
            (i,) = ins

            def transpose(s: Slots, i: int = i, out_slot: int = out_slot) -> None:
                s[out_slot] = s[i].T

            run = transpose
            text = f"{names[out_slot]} = {input_names[0]}.T  (a view)"
        else:
            forward = op.forward
            if len(ins) == 1:
                (i,) = ins

                def forward_one(
                    s: Slots, forward: Callable[..., np.ndarray] = forward, i: int = i, out_slot: int = out_slot
                ) -> None:
                    s[out_slot] = forward(s[i])

                run = forward_one
            else:

                def forward_many(
                    s: Slots,
                    forward: Callable[..., np.ndarray] = forward,
                    ins: list[int] = ins,
                    out_slot: int = out_slot,
                ) -> None:
                    s[out_slot] = forward(*[s[i] for i in ins])

                run = forward_many
            text = f"{names[out_slot]} = {op.name}.forward({', '.join(input_names)})" + _attributes(op)
        self._add_step(run, text, reads=ins, write=out_slot, pure=True)
        return out_slot

    def _add_step(
        self, run: Run, text: str, reads: Iterable[int] = (), write: int | None = None, pure: bool = False
    ) -> None:
        step = _Step(run, text, tuple(reads), write, pure)
        step.origin, step.node = self.origin, self.node
        self.program.steps.append(step)

    # ---- in-place updates outside the graph: called by Tensor._update_in_place
    def in_place(self, tensor: Tensor, op: str, ufunc: Any, operands: tuple[Any, ...]) -> None:
        if not self.mine():
            return
        target = self.slot_of(tensor)
        parts: list[tuple[str, Any]] = []  # ("slot", a slot number) or ("value", a number)
        for x in operands:
            if isinstance(x, Tensor):
                parts.append(("slot", self.slot_of(x)))
            elif isinstance(x, np.ndarray) and x.ndim > 0:
                if id(x) not in self.by_array:
                    raise CompileError(
                        f"compile: {op} writes values from an array made inside the function (random draws, "
                        "NumPy arithmetic); a replay would write the same values again. Make it a Tensor op, "
                        "or do this outside the compiled function"
                    )
                parts.append(("slot", self.by_array[id(x)]))
            else:
                parts.append(("value", x))
        kind = self.kind[target]
        self._changed_in_place(target)
        self.node = None  # an update outside the graph
        owner = tensor if kind == "held" else self.grad_tensors.get(target)
        if kind == "held" and id(tensor) in self.grad_owner:  # p.grad.zero_() and the like: on whatever p.grad is then
            kind, owner = "grad", self.grad_owner[id(tensor)]
            self.explained.add(id(tensor))
        if kind == "held":
            self.explained.add(id(tensor))
        position = self._argument_position(tensor) if kind == "input" else None
        program = self.program
        names = self.program.names
        shown = ", ".join(names[v] if k == "slot" else repr(v) for k, v in parts)

        if kind == "held" and len(parts) == 1 and parts[0][0] == "slot":  # p -= lr * p.grad: the common case
            operand = parts[0][1]

            def update(
                s: Slots, ufunc: Any = ufunc, target: int = target, operand: int = operand, owner: Tensor = tensor
            ) -> None:
                array = s[target]
                ufunc(array, s[operand], array)  # out positionally; "same_kind" is the ufuncs' default casting
                owner._note_change()

            self._add_step(update, f"{names[target]} <- {op} {shown}  (in place)", reads=[target, operand])
            return

        # Narrowed once here, not on each call: the owner is used when the target is held or a .grad (then it is
        # known), the position when it is an argument (then it is known too).
        changed: Tensor = tensor if owner is None else owner
        argument: int = -1 if position is None else position

        def run(
            s: Slots,
            ufunc: Any = ufunc,
            target: int = target,
            parts: list[tuple[str, Any]] = parts,
            owner: Tensor = changed,
            kind: str = kind,
            position: int = argument,
        ) -> None:
            if kind == "grad":  # on whatever p.grad is at this point of the call
                grad = owner.grad
                if grad is None:
                    return
                array = s[target] = grad._data
                ufunc(array, *[s[v] if k == "slot" else v for k, v in parts], out=array, casting="same_kind")
                grad._note_change()
                return
            array = s[target]
            ufunc(array, *[s[v] if k == "slot" else v for k, v in parts], out=array, casting="same_kind")
            if kind == "held":
                owner._note_change()
            elif kind == "input":
                program.args[position]._note_change()

        reads = [target] + [v for k, v in parts if k == "slot"]
        self._add_step(run, f"{names[target]} <- {op} {shown}  (in place)", reads=reads)

    def _changed_in_place(self, slot: int) -> None:
        """Results computed from, or stored in, this slot before now are not the same values after it."""
        self.generation[slot] = self.generation.get(slot, 0) + 1
        self.computed = {key: value for key, value in self.computed.items() if value != slot}

    # ---- calls replayed as calls: optimizer.step(), optimizer.zero_grad(), module.zero_grad()
    def replays(self, method: Callable[..., Any], *args: Any) -> bool:
        """Record a call to run again on every replay, then make it now with recording paused.

        Returns False (the caller goes on as usual) when this thread is not capturing.
        """
        if not self.mine():
            return False
        owner = getattr(method, "__self__", None)
        self.origin, self.node = _call_name(method), None
        for p in getattr(owner, "params", ()):  # an optimizer: it changes its parameters in place
            self.explained.add(id(p))
            if id(p._data) in self.by_array:
                self._changed_in_place(self.by_array[id(p._data)])
        lowered = _lower_sgd_step(owner) if method.__name__ == "step" else None
        if lowered is not None:
            self._add_step(*lowered)
            self.sgd_steps.append((self.program.steps[-1], owner))
        else:

            def call(s: Slots, method: Callable[..., Any] = method, args: tuple[Any, ...] = args) -> None:
                method(*args)

            self._add_step(call, f"{_call_name(method)}()  (a Python call)")
        if method.__name__ == "zero_grad" and (not args or args[0]) and owner is not None:  # .grad set to None
            params = owner.params if hasattr(owner, "params") else list(owner.parameters())
            self.zeroed.append((self.program.steps[-1], {id(p) for p in params}))
        self.origin = _call_name(method)
        self.paused += 1
        try:
            method(*args)
        finally:
            self.paused -= 1
        return True

    def refuse(self, what: str) -> None:
        if self.mine():
            raise CompileError(f"compile: {what} inside a compiled function is not supported; call it eagerly")

    # ---- backward: called by autograd.backward
    def backward(self, output: Tensor, gradient: Any, retain_graph: bool | None, create_graph: bool) -> bool:
        """Run ``output.backward()`` eagerly, recording the gradient computation. False: not ours."""
        if not self.mine():
            return False
        if create_graph:
            raise CompileError("compile: backward(create_graph=True) inside a compiled function is not supported")
        if not output.requires_grad:
            return False  # autograd.backward raises its own error
        if retain_graph is None:
            retain_graph = False
        seed = autograd._seed_gradient(output, gradient, "backward")
        grads: dict[int, Tensor] = {id(output): seed}
        order = topological_order([output])
        autograd._check_graph(order)
        # The same walk as autograd._run_backward (same order, same sums), but here each op's rule is known.
        previous_mode, previous_in_backward = autograd._GRAD_ENABLED.get(), autograd._IN_BACKWARD.get()
        autograd._GRAD_ENABLED.set(False)
        autograd._IN_BACKWARD.set(True)
        self.in_backward = True
        try:
            for node in reversed(order):
                grad = grads.pop(id(node), None)
                if grad is None:
                    continue
                function = node.grad_fn
                if function is not None and (node._retains_grad or self._argument_position(node) is not None):
                    what = "a tensor that asked for retain_grad()" if node._retains_grad else "an argument with a graph"
                    raise CompileError(
                        f"compile: the backward reaches {what}; a replay makes neither its .grad nor the graph "
                        "behind it. Return what you need instead (or pass leaf tensors), or run this function eagerly"
                    )
                if function is None:
                    self.origin = f".grad of {node.name or 'a leaf'}"
                    leaf_slot = self.by_array.get(id(node._data))
                    self.node = self.node_of_slot.get(leaf_slot) if leaf_slot is not None else None
                    self._accumulate(node, grad)
                    continue
                self.origin = "d " + _origin(function.name, node.scope)
                self.node = self.node_of_function.get(id(function))
                if REGISTRY.get(function.name) is not type(function):
                    raise CompileError(
                        f"compile: the backward of {type(function).__name__} (not an op of the registry) cannot be "
                        "captured: its rule may read values with NumPy. Run this function eagerly"
                    )
                parent_grads = self._backward_rule(function, grad)
                if not retain_graph:
                    function.graph_freed = True
                for index, (parent, parent_grad) in enumerate(zip(function.parents, parent_grads)):
                    if parent_grad is None or not parent.requires_grad:
                        continue
                    expected, got = parent._data, parent_grad._data
                    if got.shape != expected.shape:
                        if not _is_broadcast_of(expected.shape, got.shape):
                            raise ShapeError(
                                f"{function.name}: backward returned a gradient of shape {got.shape} "
                                f"for input {index} of shape {expected.shape}"
                            )
                        parent_grad = sum_to_shape(parent_grad, expected.shape)
                    if got.dtype != expected.dtype:
                        parent_grad = parent_grad.to(expected.dtype)
                    key = id(parent)
                    previous = grads.get(key)
                    grads[key] = parent_grad if previous is None else previous + parent_grad
        finally:
            autograd._GRAD_ENABLED.set(previous_mode)
            autograd._IN_BACKWARD.set(previous_in_backward)
            self.in_backward = False
        return True

    def _backward_rule(self, function: Function, grad: Tensor) -> tuple[Tensor | None, ...]:
        special = BACKWARD_KERNELS.get(function.name)
        parents = function.parents
        if special is not None and not special[1]([p._data for p in parents]) and function.name in VALUE_DEPENDENT:
            dtypes = ", ".join(str(p._data.dtype) for p in parents)
            raise CompileError(
                f"compile: the backward of {function.name} on inputs of dtypes {dtypes} reads their values with "
                "NumPy and has no replay kernel for them (only floating inputs of one dtype); a replay would "
                "reuse the first call's mask. Cast the inputs to one float dtype, or run this function eagerly"
            )
        if special is None or not special[1]([p._data for p in parents]):
            # With recording on, a rule's shortcuts for "nothing is recorded" (a NumPy view instead of a
            # Transpose op, as in linear's) are not taken: every array it makes comes from an op the tracer sees.
            autograd._GRAD_ENABLED.set(True)
            try:
                result = function.backward(grad)
            finally:
                autograd._GRAD_ENABLED.set(False)
            return result if isinstance(result, tuple) else (result,)
        kernel = special[0]
        needs = tuple(p.requires_grad for p in parents)
        ins = [self.slot_of(grad)] + [self.slot_of(p) for p in parents]
        out_slot = self.slot_of(function.output)
        ins.append(out_slot)
        op = type(function).__new__(type(function))
        op.__dict__.update({k: v for k, v in function.__dict__.items() if k not in _GRAPH_FIELDS})
        arrays = [self.arrays[i] for i in ins]
        gradients = kernel(op, arrays[0], arrays[1:-1], arrays[-1], needs)
        grads: list[Tensor | None] = []
        for index, gradient in enumerate(gradients):
            if gradient is None:
                grads.append(None)
                continue
            grads.append(self._emit_backward(op, kernel, index, ins, needs, gradient))
        return tuple(grads)

    def _fits(self, ins: list[int]) -> bool:
        """A kernel writing into a buffer needs the gradient and the inputs in one float dtype, one shape."""
        arrays = [self.arrays[i] for i in ins]
        return arrays[0].dtype.kind == "f" and _same_dtype(*arrays) and all(a.shape == arrays[0].shape for a in arrays)

    def _emit_backward(
        self,
        op: Function,
        kernel: BackwardKernel,
        index: int,
        ins: list[int],
        needs: tuple[bool, ...],
        result: np.ndarray,
    ) -> Tensor:
        """One gradient of one op's backward kernel as a step; fast paths for relu and linear."""
        names = self.program.names
        tensor = Tensor._wrap(result)
        self.keep.append(tensor)
        out_slot = self._new_slot(result, f"t{len(self.program.slots)}", "computed")
        g, inputs = ins[0], ins[1:-1]
        reads = ins  # what the step reads, narrowed below where a kernel reads less
        elementwise = op.name in ("relu", "clip")
        fits = not elementwise or self._fits(ins)
        maker = _backward_run_maker(op, index, g, inputs, ins[-1], self.arrays[g].shape) if fits else None
        if maker is not None:
            make_run, reads, template = maker
            buffer = np.empty_like(result, order="C")
            self.program.slots[out_slot] = buffer
            self.owned.add(out_slot)
            self._add_step(make_run(buffer), "", reads=reads, write=out_slot, pure=True)
            step = self.program.steps[-1]
            x = names[inputs[0]] if inputs else ""
            w = names[inputs[1]] if len(inputs) > 1 else ""
            step.relower, step.template = make_run, template.format(g=names[g], x=x, w=w, y=names[ins[-1]])
            step.source = g if elementwise else None  # the mask multiplies the gradient in place
            step.text = f"{names[out_slot]} <- " + step.template.replace("OUT", names[out_slot])
            return tensor

        # This gradient was an array at capture, and a kernel returns None only for an input that needs none
        # (``needs``, the same on every call): an array on every call too. (Cast here, once, not in the run.)
        array_kernel = cast(Callable[..., tuple[np.ndarray, ...]], kernel)

        def run(
            s: Slots,
            kernel: Callable[..., tuple[np.ndarray, ...]] = array_kernel,
            op: Function = op,
            ins: list[int] = ins,
            needs: tuple[bool, ...] = needs,
            index: int = index,
            out_slot: int = out_slot,
        ) -> None:
            arrays = [s[i] for i in ins]
            s[out_slot] = kernel(op, arrays[0], arrays[1:-1], arrays[-1], needs)[index]

        text = f"{names[out_slot]} = {op.name} backward kernel, gradient {index} ({', '.join(names[i] for i in ins)})"
        self._add_step(run, text, reads=reads, write=out_slot, pure=True)
        return tensor

    def _accumulate(self, leaf: Tensor, grad: Tensor) -> None:
        """``leaf.grad``: the gradient's copy, or the sum with the gradient already there (as eager)."""
        if not leaf.requires_grad:
            return
        g = self.slot_of(grad)
        # Which rule eager used here: "set" (.grad was None) or "add". A replay decides again from the .grad it
        # finds, except when the function itself set .grad to None by hand (p.grad = None is not seen): then
        # the .grad found is always overwritten. Seen how? It was not None when the call began.
        covered = any(id(leaf) in ids for _, ids in self.zeroed)
        always_set = False
        if leaf.grad is None and not covered and self._argument_position(leaf) is None:
            entry = self.entry_grads.get(id(leaf))
            if entry is not None and entry[1] is not None:
                always_set = True
            else:  # unknown, or None at the start: settled by the first replay that finds a .grad (see Program)
                self.tentative.append(leaf)
        self.paused += 1
        try:
            autograd._accumulate(leaf, grad, False)
        finally:
            self.paused -= 1
        assert leaf.grad is not None  # autograd._accumulate just set it
        self.keep.append(leaf.grad)
        slot = self._new_slot(leaf.grad._data, f"grad_{self.program.names[self.slot_of(leaf)]}", "grad")
        self.grad_tensors[slot] = leaf
        step = _Step(_not_lowered_yet, "", reads=(g,), write=slot)  # made by _lower_grad_step once the program is known
        step.origin, step.node = self.origin, self.node
        self.program.steps.append(step)
        self.grad_steps.append((step, leaf, g, slot, always_set))

    def _lower_grad_step(
        self, step: _Step, leaf: Tensor, g: int, slot: int, takes_buffer: bool, always_set: bool
    ) -> None:
        """``leaf.grad`` on replay: a copy of the gradient, or (if a .grad is already there) the sum, as eager.

        With ``takes_buffer`` (the gradient sits in a buffer of the program's
        own that nothing else reads, and .grad is reset before it is written
        again), ``.grad`` takes that buffer itself: no copy.
        """
        names = self.program.names
        if takes_buffer:
            persistent = Tensor._wrap(self.program.slots[g])
            self.pinned.add(id(persistent._data))
            self.handed_over[id(leaf)] = persistent
            copy = False
            text = f"{names[slot]} <- {names[g]}  (the buffer itself; added to a .grad already there, if any)"
        else:
            persistent = Tensor._wrap(np.empty_like(self.arrays[g], order="C"))
            copy = True
            text = f"{names[slot]} <- copy of {names[g]}  (added to a .grad already there, if any)"
        buffer = persistent._data
        position = self._argument_position(leaf)
        program = self.program

        def hand_over(
            s: Slots,
            leaf: Tensor = leaf,
            g: int = g,
            slot: int = slot,
            buffer: np.ndarray = buffer,
            persistent: Tensor = persistent,
        ) -> None:
            # The common case, kept short: after zero_grad() the buffer itself becomes .grad.
            grad = leaf.grad
            if grad is None:
                leaf.grad = persistent
                s[slot] = buffer
            else:
                summed = grad._data + s[g]
                leaf.grad = Tensor._wrap(summed)
                s[slot] = summed

        def run(
            s: Slots,
            leaf: Tensor = leaf,
            g: int = g,
            slot: int = slot,
            buffer: np.ndarray = buffer,
            persistent: Tensor = persistent,
            copy: bool = copy,
            always_set: bool = always_set,
        ) -> None:
            if position is not None:  # the gradient of an argument goes to this call's argument
                leaf = program.args[position]
            if always_set or leaf.grad is None:
                if copy:
                    np.copyto(buffer, s[g])
                leaf.grad = persistent
            else:
                leaf.grad = Tensor._wrap(leaf.grad._data + s[g])
            s[slot] = leaf.grad._data

        step.run, step.text = (hand_over if position is None and not copy and not always_set else run), text

    # ---- result and checks
    def finish(self, result: Any) -> None:
        for tensor, version in self.held_versions.values():
            if tensor._version != version and id(tensor) not in self.explained:
                raise CompileError(
                    f"compile: {tensor.name or 'a tensor'} of shape {tensor.shape} was changed in place by "
                    "something the compiler does not see (an assignment to .data, a write into its array, "
                    "an optimizer without the replay hook); do it outside the compiled function"
                )
        self.program.make_result = self._result_maker(result)
        results = self._result_slots(result)
        self._eliminate_dead_steps(results)
        self._write_in_place(results)
        readers: dict[int, int] = {}
        for step in self.program.steps:
            for slot in step.reads:
                readers[slot] = readers.get(slot, 0) + 1
        position = {id(step): i for i, step in enumerate(self.program.steps)}
        written_at = {step.write: i for i, step in enumerate(self.program.steps) if step.write is not None}
        # Set to None by hand after the backward (p.grad = None, not seen): done again at the end of each call.
        cleared = [
            leaf for _, leaf, *_ in self.grad_steps if leaf.grad is None and self._argument_position(leaf) is None
        ]
        handing_over: dict[int, int] = {}  # id(leaf) -> the slot of the gradient whose buffer becomes its .grad
        for _, leaf, g, _, _ in self.grad_steps:
            # The gradient's own buffer can become .grad only if .grad is reset to None before that buffer is
            # written again on the next call (else a .grad kept to accumulate into would be overwritten).
            reset_first = any(leaf is other for other in cleared) or any(
                id(leaf) in ids and position.get(id(zero), len(position)) < written_at.get(g, -1)
                for zero, ids in self.zeroed
            )
            if reset_first and g in self.owned and readers.get(g, 0) == 1:  # nothing but .grad reads it
                handing_over[id(leaf)] = g
        blocks = []
        in_a_block: set[int] = set()  # a parameter two SGD steps update (two optimizers, two calls) gets one block
        for step, sgd in self.sgd_steps:
            free = {leaf: g for leaf, g in handing_over.items() if leaf not in in_a_block}
            block = self._gradient_block(sgd, free)
            if block is not None:
                in_a_block.update(id(p) for p in sgd.params)
            blocks.append((step, sgd, block))
        for step, leaf, g, slot, always_set in self.grad_steps:
            self._lower_grad_step(step, leaf, g, slot, id(leaf) in handing_over, always_set)
        for step, optimizer, block in blocks:
            if block is not None:
                step.run, step.text = _lower_sgd_step_on_block(optimizer, block, self.handed_over)
        if cleared:

            def clear(s: Slots, cleared: list[Tensor] = cleared) -> None:
                for leaf in cleared:
                    leaf.grad = None

            self.origin, self.node = "your p.grad = None", None
            self._add_step(clear, " = ".join(f"{leaf.name or 'p'}.grad" for leaf in cleared) + " = None")
        self._share_buffers(results)
        self.program.tentative = [leaf for leaf in self.tentative if leaf.grad is not None]
        self.program.finish()
        self.keep.clear()

    def _gradient_block(self, optimizer: Any, handing_over: dict[int, int]) -> np.ndarray | None:
        """Put the gradient buffers of an SGD optimizer's parameters side by side in one block, in its order.

        The block is what lets SGD scale every gradient with one NumPy call
        (``_lower_sgd_step_on_block``). Each gradient keeps its own shape as a
        view into the block, and the steps that write it are lowered again
        into that view. Returns the block, or None when this does not apply:
        a parameter whose gradient buffer does not become its ``.grad``, mixed
        or non-float dtypes, a writer that cannot be lowered again, or more
        than ``_FLAT_UPDATE_BYTES`` (then the product's scratch, as large as
        the block, would cost more memory than the calls it saves cost time).
        """
        params = list(optimizer.params)
        gradients = [handing_over.get(id(p)) for p in params]
        if not params or any(g is None for g in gradients):
            return None
        slots, steps = self.program.slots, self.program.steps
        arrays = [slots[g] for g in gradients if g is not None]
        dtype = arrays[0].dtype
        if dtype.kind != "f" or not _same_dtype(*arrays) or sum(a.nbytes for a in arrays) > _FLAT_UPDATE_BYTES:
            return None
        if len({id(a) for a in arrays}) != len(arrays):
            return None  # two parameters' gradients in one buffer (not made by the backward): leave them
        writers = [[step for step in steps if step.write is not None and slots[step.write] is a] for a in arrays]
        if any(not found or any(step.relower is None for step in found) for found in writers):
            return None
        block = np.empty(sum(a.size for a in arrays), dtype)
        start = 0
        for old, found in zip(arrays, writers):
            view = block[start : start + old.size].reshape(old.shape)
            start += old.size
            for step in found:
                assert step.relower is not None
                step.run = step.relower(view)
            for slot, array in enumerate(slots):
                if array is old:
                    slots[slot] = view
        return block

    def _share_buffers(self, results: set[int]) -> None:
        """Buffer reuse by lifetime: buffers that are never needed at the same time share memory.

        A buffer lives from the first step that writes it to the last step
        that reads it, or reads a slot that may be a view of it (an op that
        is replayed by its own forward, such as ``reshape`` or ``.T``, may
        return a view of its input); a result lives to the end of the call.
        Walking the buffers in the order they are first written, each takes
        a block of memory whose last occupant is dead by then (the smallest
        that fits, else the largest free one, grown), or a new block; the
        steps that write it are lowered again into a view of that block.
        Not shared: a buffer that outlives the call (a parameter's ``.grad``),
        one read before it is written (its value crosses calls) and one
        written by a step that cannot be lowered again.
        """
        program, steps = self.program, self.program.steps
        slots = program.slots
        buffers: list[np.ndarray] = []
        index: dict[int, int] = {}
        buffer_of: dict[int, int] = {}
        for slot in sorted(self.owned):
            array = slots[slot]
            k = index.setdefault(id(array), len(buffers))
            if k == len(buffers):
                buffers.append(array)
            buffer_of[slot] = k
        count = len(buffers)
        first: list[int | None] = [None] * count
        last = [-1] * count
        pinned = [id(b) in self.pinned or b.nbytes == 0 for b in buffers]
        writers: list[list[_Step]] = [[] for _ in range(count)]
        aliases: dict[int, set[int]] = {slot: {k} for slot, k in buffer_of.items()}
        for i, step in enumerate(steps):
            for read in step.reads:
                for k in aliases.get(read, ()):
                    if first[k] is None:
                        pinned[k] = True  # read before it is written: its value crosses calls
                    last[k] = max(last[k], i)
            write = step.write
            if write is None:
                continue
            if write in buffer_of:
                k = buffer_of[write]
                writers[k].append(step)
                pinned[k] = pinned[k] or step.relower is None
                if first[k] is None:
                    first[k] = i
                last[k] = max(last[k], i)
            else:  # a new array each call, or a view of something the step reads
                viewed = [aliases[read] for read in step.reads if read in aliases]
                if viewed:
                    aliases[write] = aliases.get(write, set()).union(*viewed)
        for slot in results:
            for k in aliases.get(slot, ()):
                last[k] = len(steps)
        blocks: list[list[int]] = []  # [bytes, the last step its latest occupant is read at]
        block_of: dict[int, int] = {}
        shareable = [k for k in range(count) if not pinned[k] and first[k] is not None]
        for k in sorted(shareable, key=lambda k: (first[k], k)):
            start, need = first[k], buffers[k].nbytes
            assert start is not None
            free = [b for b, (_, busy_until) in enumerate(blocks) if busy_until < start]
            fitting = [b for b in free if blocks[b][0] >= need]
            if fitting:
                chosen = min(fitting, key=lambda b: blocks[b][0])
            elif free:
                chosen = max(free, key=lambda b: blocks[b][0])
                blocks[chosen][0] = need
            else:
                chosen = len(blocks)
                blocks.append([need, -1])
            blocks[chosen][1] = last[k]
            block_of[k] = chosen
        program.bytes_before_sharing = sum(b.nbytes for k, b in enumerate(buffers) if first[k] is not None)
        memory = [np.empty(size, dtype=np.uint8) for size, _ in blocks]
        names: dict[int, str] = {}
        for k, b in block_of.items():
            old = buffers[k]
            view = memory[b][: old.nbytes].view(old.dtype).reshape(old.shape)
            for step in writers[k]:
                assert step.relower is not None
                step.run = step.relower(view)
            buffers[k] = view
            names[k] = f"b{b}"
        own = len(blocks)
        for k in range(count):
            if k not in names and first[k] is not None:
                names[k] = f"b{own}"
                own += 1
        for slot, k in buffer_of.items():
            if first[k] is None:  # its step was dropped (nothing reads it): no memory is kept for it
                slots[slot] = _NO_MEMORY
                continue
            slots[slot] = buffers[k]
            program.buffer_of[slot] = names[k]
        program.buffers = {f"b{b}": block for b, block in enumerate(memory)}
        program.buffers.update({names[k]: buffers[k] for k in range(count) if k not in block_of and k in names})

    def _argument_position(self, tensor: Tensor) -> int | None:
        slot = self.by_array.get(id(tensor._data))
        if slot is None or self.kind[slot] != "input":
            return None
        return next(position for s, position in self.program.input_slots if s == slot)

    def _result_slots(self, result: Any) -> set[int]:
        if isinstance(result, Tensor):
            slot = self.by_array.get(id(result._data))
            return set() if slot is None else {slot}
        if isinstance(result, (tuple, list)):
            return set().union(*[self._result_slots(item) for item in result]) if result else set()
        return set()

    def _write_in_place(self, results: set[int]) -> None:
        """Buffer reuse: an elementwise step whose input is read by nothing else writes into that input.

        This is how ``x @ W + b`` becomes one buffer: the add writes into the
        matmul's output (and ``relu`` of a sum into the sum, when nothing
        else needs the sum; relu's backward into the gradient it masks). The
        input's buffer must be the program's own, of the result's shape and
        dtype, and no part of the result.
        """
        readers: dict[int, int] = {}
        for step in self.program.steps:
            for slot in step.reads:
                readers[slot] = readers.get(slot, 0) + 1
        slots, names = self.program.slots, self.program.names
        for step in self.program.steps:
            source, write = step.source, step.write
            if source is None or step.relower is None or write is None:
                continue
            if source not in self.owned or readers.get(source) != 1 or source in results or write in results:
                continue
            buffer, result = slots[source], slots[write]
            if buffer.shape != result.shape or buffer.dtype != result.dtype:
                continue
            step.run = step.relower(buffer)
            step.text = f"{names[write]} <- " + step.template.replace("OUT", names[source]) + f"  (in {names[source]})"
            slots[write] = buffer
            self.owned.add(write)

    def _eliminate_dead_steps(self, live: set[int]) -> None:
        """Drop pure steps whose result nothing reads (a sigmoid computed for an output nobody returns)."""
        kept: list[_Step] = []
        live = set(live)
        for step in reversed(self.program.steps):
            if step.pure and step.write not in live:
                self.dropped += 1
                continue
            live.update(step.reads)
            kept.append(step)
        self.program.steps = kept[::-1]

    def _result_maker(self, result: Any) -> ResultMaker:
        if isinstance(result, Tensor):
            slot = self.by_array.get(id(result._data))
            if slot is None or self.kind[slot] == "held":
                return _constant_maker(result)
            if self.kind[slot] == "input":
                position = next(p for s, p in self.program.input_slots if s == slot)

                def argument(args: tuple[Any, ...]) -> Any:
                    return args[position]

                return argument
            slots = self.program.slots

            def copy(args: tuple[Any, ...]) -> Tensor:  # a copy: the next replay writes into the same buffer
                return Tensor._wrap(slots[slot].copy())

            return copy
        if isinstance(result, (tuple, list)):
            makers = [self._result_maker(item) for item in result]
            container = result

            def collection(args: tuple[Any, ...]) -> Any:
                return _same_container(container, [make(args) for make in makers])

            return collection
        if result is None or isinstance(result, (int, float, str, bool)):
            return _constant_maker(result)
        raise CompileError(
            f"compile: the function returned a {type(result).__name__}; return Tensors, tuples or lists of them"
        )


def _lower_sgd_step(optimizer: Any) -> Lowered | None:
    """Plain SGD's update, ``p -= lr * p.grad``, as two ufuncs per parameter into a kept buffer.

    The same arithmetic as ``SGD.step`` (which it calls instead whenever
    momentum or weight decay is on, checked on every call); the learning rate
    is read on every call, so a schedule that changes it still applies.
    """
    from tinygrad_moons.optim import SGD  # optim is an engine-level module: it imports the tensor only

    if type(optimizer) is not SGD:
        return None
    # One scratch block for all parameters, used in turn (each product lives between two ufuncs): as much
    # memory as the largest parameter, not as all of them (48 MB less at three 2048x2048 float32 kernels).
    scratch = np.empty(max((p._data.nbytes for p in optimizer.params), default=0), dtype=np.uint8)
    pairs = [(p, scratch[: p._data.nbytes].view(p._data.dtype).reshape(p._data.shape)) for p in optimizer.params]

    multiply, subtract = np.multiply, np.subtract

    def run(s: Slots) -> None:
        if optimizer.momentum or optimizer.weight_decay or len(optimizer.params) != len(pairs):
            optimizer.step()
            return
        lr = optimizer.lr
        for p, scaled in pairs:
            grad = p.grad
            if grad is None:
                continue
            data = p._data
            multiply(grad._data, lr, scaled)
            subtract(data, scaled, data)
            p._note_change()  # a version and a stamp, as eager: a graph recorded before sees it

    return run, "SGD.step(): for each parameter p: np.multiply(p.grad, lr, out=buffer); p -= buffer  (in place)"


#: Gradient blocks for SGD's one-call product are made up to this size (see _Capture._gradient_block).
_FLAT_UPDATE_BYTES = 1 << 20
_GRAD = operator.attrgetter("grad")


def _lower_sgd_step_on_block(optimizer: Any, block: np.ndarray, handed_over: dict[int, Tensor]) -> Lowered:
    """Plain SGD's update when every parameter's ``.grad`` is a view into one ``block``: one product for all.

    ``np.multiply(block, lr, out=scaled)`` computes each element's
    ``lr * grad`` exactly as one call per parameter does (a ufunc works
    element by element), then each parameter subtracts its part of
    ``scaled`` in place: eleven NumPy calls for the course's ten parameters
    where there were twenty. On each call the ``.grad`` of every parameter
    must still be the program's own buffer (it is, unless something set it
    between the backward and the step); if not, or if momentum, weight decay
    or the parameter list changed, the update runs as ``_lower_sgd_step``'s.
    """
    params = list(optimizer.params)
    fallback = _lower_sgd_step(optimizer)
    assert fallback is not None  # an SGD: the capture lowered it
    per_parameter = fallback[0]
    grads = [handed_over[id(p)] for p in params]
    scaled = np.empty_like(block)
    pairs = []
    start = 0
    for p, grad in zip(params, grads):  # the block holds the gradients in the optimizer's order
        assert grad._data.base is block
        pairs.append((p, scaled[start : start + grad._data.size].reshape(grad._data.shape)))
        start += grad._data.size
    multiply, subtract, is_ = np.multiply, np.subtract, operator.is_

    def run(s: Slots) -> None:
        if (
            optimizer.momentum
            or optimizer.weight_decay
            or len(optimizer.params) != len(pairs)
            or not all(map(is_, map(_GRAD, params), grads))
        ):
            per_parameter(s)
            return
        multiply(block, optimizer.lr, scaled)  # every lr * grad at once: the gradients sit side by side in block
        for p, part in pairs:
            data = p._data
            subtract(data, part, data)
            p._note_change()  # a version and a stamp, as eager: a graph recorded before sees it

    return run, "SGD.step(): np.multiply(the .grad block, lr, out=scaled); each parameter p -= its part (in place)"


def _constant_maker(value: Any) -> ResultMaker:
    """A result that does not depend on the call: the same object every time."""
    return lambda args: value


#: How a backward kernel is lowered into a buffer: (make_run(buffer) -> run, the slots it reads, its text template).
RunMaker = tuple[Callable[[np.ndarray], Run], list[int], str]


def _backward_run_maker(
    op: Function, index: int, g: int, inputs: list[int], y: int, shape: tuple[int, ...]
) -> RunMaker | None:
    """relu's and linear's backward kernels writing into a given buffer: (make_run, reads, text template) or None.

    In the template ``OUT`` is the buffer, ``{g}`` the incoming gradient, ``{x}``/``{w}`` linear's input and
    kernel, ``{y}`` relu's output.
    """
    name = op.name
    if name == "relu":

        def make_relu(buffer: np.ndarray) -> Run:
            mask, zero = np.empty(buffer.shape, dtype=bool), _operand(0, buffer.dtype)

            def run(s: Slots) -> None:
                np.not_equal(s[y], zero, mask)  # as eager: relu(NaN) = NaN passes its gradient, as in PyTorch
                np.multiply(s[g], mask, buffer)

            return run

        return make_relu, [g, y], "np.multiply({g}, {y} != 0, out=OUT)  # relu backward, mask buffer kept"
    if name == "clip":
        assert isinstance(op, Clip)  # the registry's own class (_backward_rule checked): made once, at capture
        return _clip_backward_maker(op, g, inputs[0], shape)
    if name != "linear":
        return None
    x, w = inputs[0], inputs[1]
    if index == 0:

        def make_input(buffer: np.ndarray) -> Run:
            return lambda s: _DOT(s[g], s[w].T, buffer)

        return make_input, [g, w], "np.dot({g}, {w}.T, out=OUT)  # linear backward, d input"
    if index == 1:

        def make_kernel(buffer: np.ndarray) -> Run:
            return lambda s: _DOT(s[x].T, s[g], buffer)

        return make_kernel, [g, x], "np.dot({x}.T, {g}, out=OUT)  # linear backward, d kernel"

    def make_bias(buffer: np.ndarray) -> Run:
        ones = np.ones(shape[0], dtype=buffer.dtype)  # linear's gradients are matrices (rows, units)
        return lambda s: _DOT(ones, s[g], buffer)

    return make_bias, [g], "np.dot(ones, {g}, out=OUT)  # linear backward, d bias (rows summed)"


def _clip_backward_maker(op: Clip, g: int, a: int, shape: tuple[int, ...]) -> RunMaker:
    """clip's backward, ``grad * (lo <= a <= hi)``, into a buffer: the mask in a kept boolean buffer."""
    lo, hi = op.min, op.max

    def make_clip(buffer: np.ndarray) -> Run:
        inside, above = np.empty(buffer.shape, dtype=bool), np.empty(buffer.shape, dtype=bool)
        low = None if lo is None else _operand(lo, buffer.dtype)  # in the input's dtype, made once
        high = None if hi is None else _operand(hi, buffer.dtype)

        def run(s: Slots) -> None:
            values = s[a]
            if low is not None and high is not None:
                np.greater_equal(values, low, inside)
                np.less_equal(values, high, above)
                np.logical_and(inside, above, inside)
            elif low is not None:
                np.greater_equal(values, low, inside)
            elif high is not None:
                np.less_equal(values, high, inside)
            else:
                inside.fill(True)
            np.multiply(s[g], inside, buffer)

        return run

    bounds = ([f"({{x}} >= {lo!r})"] if lo is not None else []) + ([f"({{x}} <= {hi!r})"] if hi is not None else [])
    inside = " & ".join(bounds)
    return make_clip, [g, a], f"np.multiply({{g}}, {inside or 'True'}, out=OUT)  # clip backward, mask buffer kept"


def _cse_key(op: Function, ins: list[int], generation: dict[int, int]) -> Any:
    """What makes two recorded ops compute the same values, or None if it cannot be told (array attributes)."""
    try:
        attributes = tuple(sorted(op.__dict__.items()))
        key = (op.name, tuple(ins), tuple(generation.get(i, 0) for i in ins), attributes)
        hash(key)
    except TypeError:
        return None
    return key


def _origin(op_name: str, scope: Any) -> str:
    name = getattr(scope, "name", None)
    return f"{op_name} in {name}" if isinstance(name, str) else op_name


def _attributes(op: Function) -> str:
    shown = {k: v for k, v in op.__dict__.items() if k[0] != "_"}
    return f"  [{', '.join(f'{k}={v!r}' for k, v in shown.items())}]" if shown else ""


def _call_name(method: Callable[..., Any]) -> str:
    owner = getattr(method, "__self__", None)
    return f"{type(owner).__name__}.{method.__name__}" if owner is not None else method.__name__


# ------------------------------------------------------- value-read guards
# While a capture runs, the methods that turn a tensor's values into Python
# values are swapped for versions that refuse values computed inside the
# function: a replay never runs the Python code that looked at them.
_VALUE_READS = ("item", "numpy", "tolist", "__bool__", "__array__", "__float__", "__int__", "__index__")


def _guarded(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def guarded(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        capture = autograd._CAPTURE
        if capture is not None and capture.reads_traced(self) and threading.get_ident() == capture.thread:
            call = "bool(t) (an `if` or a comparison on a tensor)" if name == "__bool__" else f"{name}()"
            raise CompileError(
                f"compile: {call} reads a value computed inside the compiled function; a replay runs no Python "
                "code between the ops, so a decision taken on it would be frozen. Return the tensor and read it "
                "outside, or run this function eagerly"
            )
        return original(self, *args, **kwargs)

    return guarded


# Comparisons and logical operators make bool tensors with NumPy, outside the graph (as PyTorch, they are not
# differentiable). While a capture runs they are recorded as steps, so ``where(x > 0, x, 0)`` is replayed on the
# values of each call, not on the first call's mask.
def _recording_binary(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def recording(self: Tensor, other: Any, function: Any, symbol: str) -> Any:
        capture = autograd._CAPTURE

        def call_and_record(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            out = np.asarray(function(x, y))
            if capture is not None:
                capture.record_elementwise(function, (x, y), out)
            return out

        return original(self, other, call_and_record, symbol)

    return recording


def _recording_invert(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def recording(self: Tensor) -> Any:
        result = original(self)
        capture = autograd._CAPTURE
        if capture is not None:
            capture.record_elementwise(np.invert, (self._data,), result._data)
        return result

    return recording


def _install_value_guards() -> list[tuple[str, Any]]:
    saved = []
    for name in _VALUE_READS:
        original = Tensor.__dict__.get(name)
        if original is not None:
            saved.append((name, original))
            setattr(Tensor, name, _guarded(name, original))
    recorders = (("_compare", _recording_binary), ("_logical", _recording_binary), ("__invert__", _recording_invert))
    for name, recorder in recorders:
        original = Tensor.__dict__.get(name)
        if original is not None:
            saved.append((name, original))
            setattr(Tensor, name, recorder(original))
    return saved


def _remove_value_guards(saved: list[tuple[str, Any]]) -> None:
    for name, original in saved:
        setattr(Tensor, name, original)


# ------------------------------------------------------------ the public API
_EMPTY_CELL = object()  # stands for a closure cell not yet filled


def _identity(value: object) -> Hashable:
    """What about an object the function reads must be unchanged for a program to apply."""
    if isinstance(value, Tensor):
        return ("tensor", id(value))
    if isinstance(value, (int, float, bool, str, type(None))):
        return value
    registrations = getattr(type(value), "_registrations", None)
    if isinstance(registrations, int):  # an nn.Module: a replaced layer or parameter anywhere raises the count
        return ("module", id(value), registrations)
    params = getattr(value, "params", None)
    if isinstance(params, list):  # an optimizer
        return ("optimizer", id(value), tuple(map(id, params)))
    parameters = getattr(value, "parameters", None)
    if callable(parameters) and not isinstance(value, type):  # another object with parameters
        try:
            return ("module", id(value), tuple(map(id, parameters())))
        except TypeError:
            return ("object", id(value))
    return ("object", id(value))


#: What a program is cached under: the arguments' shapes, dtypes and identities, then what the function reads besides.
Signature = tuple[Hashable, ...]
# The last environment seen (see CompiledFunction._environment): the objects read, the key made from them, the modules
# among them and their classes' registration counts, the optimizers with their parameter lists. (Modules and
# optimizers are Any: they are nn's and optim's classes, which this engine module does not import.)
_Environment = tuple[list[Any], Signature, list[Any], list[int], list[tuple[Any, list[Tensor]]]]
_CELL_CONTENTS = operator.attrgetter("cell_contents")
_REGISTRATIONS = operator.attrgetter("_registrations")


def _same_parameters(optimizers: list[tuple[Any, list[Tensor]]]) -> bool:
    """Whether each optimizer still holds the very parameters it held (the same tensors, in the same order)."""
    for optimizer, params in optimizers:
        current = optimizer.params
        if len(current) != len(params) or not all(map(operator.is_, current, params)):
            return False
    return True


class CompiledFunction:
    """A function whose calls replay captured programs (see :func:`compile`)."""

    def __init__(self, fn: Callable[..., Any], cache_size: int = 8):
        if not callable(fn):
            raise TypeError(f"compile: expected a function, got {type(fn).__name__}")
        if cache_size < 1:
            raise ValueError(f"compile: cache_size must be at least 1, got {cache_size}")
        self.fn = fn
        self.cache_size = cache_size
        self.programs: OrderedDict[Signature, Program] = OrderedDict()
        self.captures = 0
        functools.update_wrapper(self, fn)
        # What the function reads besides its arguments, checked on every call: its closure, the globals
        # its code names, and for a method the attributes of its object (a model, an optimizer ...).
        function = getattr(fn, "__func__", fn)
        code = getattr(function, "__code__", None)
        self._globals = getattr(function, "__globals__", {})
        self._global_names = tuple(code.co_names) if code is not None else ()
        self._closure = tuple(getattr(function, "__closure__", None) or ())
        self._owner = getattr(fn, "__self__", None)
        self._last_environment: _Environment | None = None  # see _environment
        self._last: tuple[Signature, Program] | None = None  # the last call's key and program (see __call__)

    def __reduce__(self) -> tuple[type[CompiledFunction], tuple[Callable[..., Any], int]]:
        # Pickled (or deep-copied) as the function alone: programs hold closures, and are captured again.
        return (CompiledFunction, (self.fn, self.cache_size))

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        return self if instance is None else types.MethodType(self, instance)

    def _signature(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Signature:
        parts: list[Hashable] = []
        arrays: dict[int, int] = {}
        for position, x in enumerate(args):
            if isinstance(x, Tensor):
                # Two arguments sharing one array are one input in the program: same pattern needed. (The dtype
                # itself, not its name: NumPy keeps one object per native dtype, so comparing it is an identity
                # check, where ``dtype.str`` built a new string on every call.)
                data = x._data
                first = arrays.setdefault(id(data), position)
                parts.append((data.shape, data.dtype, x.requires_grad, first))
            elif isinstance(x, np.ndarray):
                raise CompileError(
                    "compile: pass Tensors, not NumPy arrays (a tensor made from an array inside the function "
                    "would be replayed with the first call's values); wrap it: Tensor(array)"
                )
            else:
                parts.append(_identity(x))
        if kwargs:
            raise CompileError("compile: pass the arguments by position (keyword arguments are not supported)")
        parts.append(self._environment())
        return tuple(parts)

    def _read_environment(self) -> list[Any]:
        """The objects the function reads besides its arguments: closure cells, its object's attributes, globals."""
        try:
            values: list[Any] = list(map(_CELL_CONTENTS, self._closure))
        except ValueError:  # an empty cell
            values = []
            for cell in self._closure:
                try:
                    values.append(cell.cell_contents)
                except ValueError:
                    values.append(_EMPTY_CELL)
        names = self._global_names
        if self._owner is not None:
            values.append(self._owner)
            values += map(getattr(self._owner, "__dict__", {}).get, names)  # self.<name> it reads
        values += map(self._globals.get, names)
        return values

    def _environment(self) -> Signature:
        """The part of the signature that does not come from the arguments (checked on every call, cheaply).

        The full description (each value's identity, a module's registration
        count, an optimizer's parameters) is built again only when one of the
        objects read is not the one of the last call, a module was changed or
        an optimizer's parameter list was; else the last one is reused.
        """
        values = self._read_environment()
        last = self._last_environment
        if last is not None:
            seen, last_key, last_modules, counts, last_optimizers = last
            if (
                len(values) == len(seen)
                and all(map(operator.is_, values, seen))
                and list(map(_REGISTRATIONS, map(type, last_modules))) == counts
                and _same_parameters(last_optimizers)
            ):
                return last_key
        parts: list[Hashable] = []
        modules: list[Any] = []
        optimizers: list[tuple[Any, list[Tensor]]] = []
        volatile = False
        names = self._global_names
        split = len(values) - len(names)  # closure cells and the object's attributes, then the globals
        for position, value in enumerate(values):
            identity = _identity(value)
            kind = identity[0] if isinstance(identity, tuple) else None
            if kind == "module" and isinstance(getattr(type(value), "_registrations", None), int):
                modules.append(value)
            elif kind == "module":
                volatile = True  # an object with parameters(): asked again on every call
            elif kind == "optimizer":
                optimizers.append((value, list(value.params)))
            if position < split:
                parts.append(None if value is _EMPTY_CELL else identity)
            elif value is not None and not isinstance(value, (types.ModuleType, types.FunctionType, type)):
                parts.append((names[position - split], identity))
        key = tuple(parts)
        counts = [type(m)._registrations for m in modules]
        self._last_environment = None if volatile else (values, key, modules, counts, optimizers)
        return key

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if autograd._CAPTURE is not None or autograd.is_anomaly_enabled() or autograd._BACKWARD_TAPE.get() is not None:
            return self.fn(*args, **kwargs)  # inside another capture (inlined), debugging or taping backward: eager
        key = self._signature(args, kwargs)
        last = self._last
        if last is not None and key == last[0]:  # most calls repeat the last one's signature: no lookup, no reorder
            program: Program | None = last[1]
        else:
            program = self.programs.get(key)
            if program is not None:
                self.programs.move_to_end(key)
        if program is not None and not (program.tentative and any(p.grad is not None for p in program.tentative)):
            self._last = (key, program)
            return program(args)
        self._last = None
        result, program = self._capture(args)
        self.programs[key] = program
        if len(self.programs) > self.cache_size:
            self.programs.popitem(last=False)
        self._last = (key, program)
        return _as_replayed(result)  # the capture's call returns what every replay returns: no graph attached

    def _capture(self, args: tuple[Any, ...]) -> tuple[Any, Program]:
        with _CAPTURE_LOCK:
            capture = _Capture(args, self._entry_grads(args))
            saved = _install_value_guards()
            autograd._CAPTURE = capture
            try:
                result = self.fn(*args)
                try:
                    capture.finish(result)
                except CompileError as error:
                    error.finished, error.result = True, result
                    raise
            finally:
                autograd._CAPTURE = None
                _remove_value_guards(saved)
        self.captures += 1
        return result, capture.program

    def _entry_grads(self, args: tuple[Any, ...]) -> dict[int, tuple[Tensor, Tensor | None]]:
        """The .grad of every tensor the function can reach (arguments, closure, globals, its object), by id."""
        found: dict[int, tuple[Tensor, Tensor | None]] = {}

        def visit(value: Any, depth: int = 0) -> None:
            if isinstance(value, Tensor):
                found[id(value)] = (value, value.grad)
            elif isinstance(value, (list, tuple)) and depth < 2:
                for item in value:
                    visit(item, depth + 1)
            elif isinstance(value, dict) and depth < 2:
                for item in value.values():
                    visit(item, depth + 1)
            elif isinstance(getattr(value, "params", None), list):
                visit(value.params, depth + 1)
            elif isinstance(getattr(type(value), "_registrations", None), int):
                visit(list(value.parameters()), depth + 1)

        for value in args:
            visit(value)
        for cell in self._closure:
            try:
                visit(cell.cell_contents)
            except ValueError:
                pass
        for name in self._global_names:
            visit(self._globals.get(name))
        if self._owner is not None:
            attributes = getattr(self._owner, "__dict__", {})
            for name in self._global_names:
                visit(attributes.get(name))
        return found

    def listing(self, *args: Any, legend: bool = False, origins: bool = False, buffers: bool = False) -> str:
        """The captured program for these arguments' signature (captured by a call first), as text.

        ``origins=True`` puts the graph op each step came from beside it (see :meth:`Program.listing`).
        """
        return self.program_for(*args).listing(legend, origins, buffers)

    def program_for(self, *args: Any) -> Program:
        """The captured :class:`Program` for these arguments' signature (call the function with them first)."""
        program = self.programs.get(self._signature(args, {}))
        if program is None:
            raise KeyError("compile: no program for this signature yet; call the function with these arguments first")
        return program


def _as_replayed(result: Any) -> Any:
    """``result`` as a replay returns it: each tensor the graph computed detached (no grad_fn, requires_grad False)."""
    if isinstance(result, Tensor):
        return result.detach() if result.grad_fn is not None else result
    if isinstance(result, (tuple, list)):
        return _same_container(result, [_as_replayed(item) for item in result])
    return result


def _same_container(original: tuple[Any, ...] | list[Any], items: list[Any]) -> Any:
    """``items`` in a container of ``original``'s type: a list, a tuple, or a namedtuple (built field by field)."""
    container = type(original)
    if isinstance(original, tuple) and hasattr(container, "_fields"):
        return container(*items)
    return container(items)


@overload
def compile(fn: Callable[..., Any], *, cache_size: int = 8) -> CompiledFunction: ...
@overload
def compile(fn: None = None, *, cache_size: int = 8) -> Callable[[Callable[..., Any]], CompiledFunction]: ...
def compile(
    fn: Callable[..., Any] | None = None, *, cache_size: int = 8
) -> CompiledFunction | Callable[[Callable[..., Any]], CompiledFunction]:
    """Capture ``fn`` on its first call per signature and replay it as a flat NumPy program after.

    As ``torch.compile``: ``step = compile(step)`` or ``@compile`` (also
    ``@compile(cache_size=4)``). ``fn`` takes Tensors (and numbers); it may
    run a forward pass, ``loss.backward()`` and ``optimizer.step()``. See the
    module documentation for what is refused and why. Every call, the
    capturing one included, returns tensors cut from the graph (no
    ``grad_fn``, ``requires_grad=False``): replays build no graph, and a
    result must not depend on the call number. A returned argument or
    parameter is that tensor itself.
    """
    if fn is None:
        return lambda f: CompiledFunction(f, cache_size=cache_size)
    return CompiledFunction(fn, cache_size=cache_size)
