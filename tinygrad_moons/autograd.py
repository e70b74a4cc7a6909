"""Recording operations and running them backwards.

Three pieces, each small:

* :class:`Function`, the base class of every op. ``apply`` runs the op's
  ``forward`` on NumPy arrays and, when gradients are wanted, records the op
  instance on the result so the graph can be walked back later.
* :func:`backward` / :func:`grad`, reverse-mode differentiation: order the
  recorded graph topologically (iteratively, so a graph 100,000 ops deep
  is fine), then walk it from the output to the inputs, calling each op's
  ``backward``. Because ``backward`` is written with Tensor operations, the
  walk itself can be recorded (``create_graph=True``) and differentiated again.
  A graph is walked once: the walk marks each op as used, and a second
  walk raises unless the first was given ``retain_graph=True``. Each op also
  notes when it was recorded (a clock that ticks at every in-place change,
  which also raises the tensor's ``_version``): backward refuses an op whose
  inputs were changed since, as their values are no longer the ones it used.
* Switches, per thread: :func:`no_grad` / :func:`enable_grad` /
  :func:`set_grad_enabled` (record or not), :func:`detect_anomaly` (stop at
  the first NaN or inf and say which op made it), and :func:`scope` (tag
  tensors with the layer that made them, for drawings).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import re
import traceback
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ParamSpec, TypeVar

import numpy as np

from tinygrad_moons.tensor import _CHANGE_CLOCK, Tensor, _new_object

# ------------------------------------------------------------ per-thread switches
# The switches live in one ContextVar: every thread starts with the defaults and
# sees only its own changes, as PyTorch's thread-local grad mode does (a thread in
# no_grad, or running backward, never stops another thread from recording).
# Function.apply needs all of them on every op, so they are kept together as one
# immutable tuple, (grad enabled, anomaly enabled, in backward, scope owner):
# one ContextVar.get per op instead of one per switch. A switch is changed by
# setting a new tuple, never by changing one, so each thread's value stays its own.
_MODE: contextvars.ContextVar[tuple[bool, bool, bool, Any]] = contextvars.ContextVar(
    "mode", default=(True, False, False, None)
)
_GRAD, _ANOMALY, _BACKWARD, _SCOPE = range(4)  # the fields of a mode tuple
_P = ParamSpec("_P")  # the parameters and result of a function decorated with a grad mode
_R = TypeVar("_R")


class _Switch:
    """One field of this thread's mode, read and set as if it were a ContextVar of its own."""

    __slots__ = ("field",)

    def __init__(self, field: int):
        self.field = field

    def get(self) -> Any:
        return _MODE.get()[self.field]

    def set(self, value: Any) -> None:
        mode = list(_MODE.get())  # only this field changes: another block may have set the others since
        mode[self.field] = value
        _MODE.set(tuple(mode))


_GRAD_ENABLED = _Switch(_GRAD)
_ANOMALY_ENABLED = _Switch(_ANOMALY)
# True while a backward pass runs. Under detect_anomaly the ops that a
# backward rule applies are not checked one by one as forward ops: the rule's
# result is checked instead, so the error names the op being differentiated
# and the user's line that created it, not an anonymous "div" inside a rule.
_IN_BACKWARD = _Switch(_BACKWARD)
# The BackwardTape recording this thread's backward passes (tinygrad_moons.tape.trace_backward), or None.
# Read once per backward pass, so a pass that is not traced pays one local test per node.
_BACKWARD_TAPE: contextvars.ContextVar[Any] = contextvars.ContextVar("backward_tape", default=None)
# The dtypes nearly every op returns; apply compares a result's dtype with them by identity.
_FLOAT64, _FLOAT32 = np.dtype(np.float64), np.dtype(np.float32)
#: An op's ``recorded_at`` once backward has used it up: later than any tick, so a used-up op's output never
#: looks modified, and unequal to the clock, so backward's one comparison per op sends it to the closer look.
USED_UP = float("inf")
# The tracer of a running tinygrad_moons.compile capture (jit.py), else None. A plain
# global: one read per op is all that capturing costs the eager engine.
_CAPTURE: Any = None


def is_grad_enabled() -> bool:
    """True when new operations are being recorded for autograd (in this thread)."""
    return _MODE.get()[_GRAD]  # not _GRAD_ENABLED.get(): every in-place op asks, one call less


def is_anomaly_enabled() -> bool:
    """True inside :func:`detect_anomaly` (in this thread)."""
    return _MODE.get()[_ANOMALY]


class _GradMode:
    """Sets this thread's recording switch for a ``with`` block or a decorated function."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(_GRAD_ENABLED.get())
        _GRAD_ENABLED.set(self.mode)

    def __exit__(self, *exc: object) -> None:
        _GRAD_ENABLED.set(self._previous.pop())

    def __call__(self, function: Callable[_P, _R]) -> Callable[_P, _R]:
        # Each call saves and restores the mode itself, so one decorated function
        # can run in several threads at once without sharing a saved value.
        mode = self.mode

        @functools.wraps(function)
        def with_grad_mode(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            previous = _GRAD_ENABLED.get()
            _GRAD_ENABLED.set(mode)
            try:
                return function(*args, **kwargs)
            finally:
                _GRAD_ENABLED.set(previous)

        return with_grad_mode


class no_grad(_GradMode):
    """Do not record operations (for evaluation and parameter updates), in this thread.

    Use as ``with no_grad(): ...`` or as a decorator, ``@no_grad()`` or
    ``@no_grad`` (both are PyTorch's).
    """

    def __new__(cls, function: Callable[..., Any] | None = None) -> Any:
        if function is not None:  # used bare, as @no_grad
            return cls()(function)
        return super().__new__(cls)

    def __init__(self, function: Callable[..., Any] | None = None) -> None:
        super().__init__(False)


class enable_grad(_GradMode):
    """Record operations again inside a ``no_grad`` block (in this thread); ``@enable_grad`` works too."""

    def __new__(cls, function: Callable[..., Any] | None = None) -> Any:
        if function is not None:
            return cls()(function)
        return super().__new__(cls)

    def __init__(self, function: Callable[..., Any] | None = None) -> None:
        super().__init__(True)


class set_grad_enabled(_GradMode):
    """Switch recording on or off in this thread, as ``torch.set_grad_enabled``.

    Called plainly (``set_grad_enabled(False)``) it sets the mode at once. As
    ``with set_grad_enabled(mode):`` it sets it for the block and restores the
    previous mode on exit; as ``@set_grad_enabled(mode)`` it sets it while the
    decorated function runs (and leaves the current mode as it was).
    """

    def __init__(self, mode: bool):
        super().__init__(mode)
        self._before_call = _GRAD_ENABLED.get()
        _GRAD_ENABLED.set(self.mode)

    def __enter__(self) -> None:
        # The mode was already set by __init__; remember what to restore on exit.
        self._previous.append(self._before_call)
        _GRAD_ENABLED.set(self.mode)

    def __call__(self, function: Callable[_P, _R]) -> Callable[_P, _R]:
        _GRAD_ENABLED.set(self._before_call)  # decorating must not change the mode of the code around it
        return super().__call__(function)


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``FloatingPointError`` at the first op whose forward or backward yields NaN or inf.

    The message names the op and, for a backward failure, the line of your
    code that created the op in the forward pass. Checking every result costs
    time, so use it to debug, not to train. Like grad mode, it is per thread.
    """
    previous = _ANOMALY_ENABLED.get()
    _ANOMALY_ENABLED.set(True)
    try:
        yield
    finally:
        _ANOMALY_ENABLED.set(previous)


class scope:
    """Tag every tensor made inside the block, in this thread, with ``owner`` (``tensor.scope``).

    ``nn.Module`` enters this while it runs ``forward``, so a drawing of the
    graph can group the nodes by layer; nested blocks restore the outer owner
    on exit, so the innermost layer wins. It is a plain class rather than a
    ``@contextmanager`` generator because every layer call enters it: this
    costs about a third as much.
    """

    __slots__ = ("owner", "outer", "inner")

    def __init__(self, owner: Any):
        self.owner = owner

    def __enter__(self) -> None:
        outer = self.outer = _MODE.get()
        inner = self.inner = (outer[_GRAD], outer[_ANOMALY], outer[_BACKWARD], self.owner)
        _MODE.set(inner)

    def __exit__(self, *exc: object) -> None:
        mode = _MODE.get()
        if mode is self.inner:  # the usual case: nothing else changed in the block
            _MODE.set(self.outer)
        else:  # the block switched grad mode for good (set_grad_enabled(False)): keep that, restore the owner only
            _MODE.set((mode[_GRAD], mode[_ANOMALY], mode[_BACKWARD], self.outer[_SCOPE]))


# ------------------------------------------------------------------ Function
class ShapeError(ValueError):
    """An op was given inputs whose shapes do not fit together."""


def plain_numbers(value: Any) -> Any:
    """``value`` for an error message: NumPy scalars, also in tuples and lists, as the Python numbers they hold.

    A shape given as ``np.array([4, 5])`` then reads ``(4, 5)`` in the message, not
    ``(np.int64(4), np.int64(5))`` (NumPy 2's repr of its scalars).
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list):
        return [plain_numbers(item) for item in value]
    if isinstance(value, tuple):
        return tuple(plain_numbers(item) for item in value)
    return value


#: Words NumPy's shape errors use ("operands could not be broadcast together with shapes", "shapes (2,3) and (4,5)
#: not aligned", "cannot reshape array of size 6 into shape (4,)", "axis 2 is out of bounds", "too many indices").
_SHAPE_WORDS = re.compile(r"shape|broadcast|dimension|aligned|\bax[ie]s\b|zero-size|indices|concatenat")


def _forward_error(function: Function, inputs: Sequence[Tensor], error: ValueError | IndexError) -> Exception:
    """The error to raise for one an op's forward raised: a :class:`ShapeError` only if it was about shapes.

    A shape problem (NumPy's shape words in the message, or a ShapeError the
    op raised itself) gets the op's :meth:`Function.shape_error`, which names
    the input shapes. Anything else (``Integers to negative integer powers are
    not allowed``, a custom op's ``alpha must be positive``) is passed on as
    the same type of error with the op's name in front, not dressed up as a
    shape problem.
    """
    message = str(error)
    if isinstance(error, ShapeError) or _SHAPE_WORDS.search(message):
        return ShapeError(function.shape_error([x.shape for x in inputs], message))
    try:  # the same type: numpy.linalg.LinAlgError stays one
        return type(error)(f"{function.name}: {message}")
    except Exception:  # an error type whose constructor wants more than a message
        return ValueError(f"{function.name}: {message}")


class OpName(str):
    """An op's name: a string (``"add"``, as the registry and error messages use it) that is also callable.

    ``grad_fn.name()`` is PyTorch's spelling and returns the same string
    (PyTorch's would be ``"AddBackward0"``): the name of the op whose backward
    this node runs.
    """

    __slots__ = ()

    def __call__(self) -> str:
        return str(self)


class Function:
    """Base class of every differentiable op, built-in or your own; a recorded op is a node of the graph.

    Subclass it and write two methods:

    * ``forward(self, *arrays)``: compute the result from NumPy arrays and
      return a NumPy array. Keyword arguments given to ``apply`` are
      attributes of ``self`` (``self.axis``).
    * ``backward(self, grad)``: given the gradient of the loss with respect
      to the result (a Tensor), return the gradient with respect to each input
      (Tensors, or None), written with Tensor operations so that it can itself
      be differentiated. The inputs are ``self.parents``; the result is
      ``self.output``. Return a gradient of the result's (broadcast) shape:
      the engine sums it down to each input's shape in one place. An input
      whose ``requires_grad`` is False needs no gradient (PyTorch's
      ``ctx.needs_input_grad[i]``): return None for it, or anything, as the
      engine drops it.

    Then call ``MyOp.apply(tensor, ..., attr=value)``.

    The graph, as PyTorch shows it: ``tensor.grad_fn`` is the op that made the
    tensor (None for a leaf); the op's ``parents`` (alias ``inputs``) are its
    input tensors, its ``next_functions`` the nodes that made them, its
    ``saved_tensors`` the tensors its backward reads, and ``name()`` its name.
    """

    #: The op's name in the registry, in error messages and in graph drawings (also callable: ``name()``).
    name: str = OpName("function")
    #: What kind of op it is: "arithmetic", "elementwise", "activation", "matmul", "reduction", "shape" or "loss".
    kind: str = "elementwise"
    #: What the backward reads besides the incoming gradient: "inputs" and/or "output" (see ``saved_tensors``).
    saves: tuple[str, ...] = ("inputs", "output")
    #: The input tensors, in argument order (set when the op is recorded).
    parents: tuple[Tensor, ...] = ()
    #: The change clock when the op was recorded: an input changed in place later makes its gradient wrong.
    #: USED_UP once a backward pass has gone through the op without ``retain_graph``.
    recorded_at: float = 0
    #: The output, held weakly (see ``output``), and under detect_anomaly the user's line that made the op.
    _output_ref: Callable[[], Tensor | None]
    created_at: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__ and not isinstance(cls.name, OpName):  # `name = "add"` in the class body
            cls.name = OpName(cls.name)

    def __init__(self, **attributes: Any):
        # One by one, not self.__dict__.update(attributes): reading __dict__ turns the instance's compact
        # attribute storage into a real dict, which the attributes apply sets next outgrow.
        if attributes:
            for name, value in attributes.items():
                setattr(self, name, value)

    @property
    def graph_freed(self) -> bool:
        """True once a backward pass has gone through this op without ``retain_graph`` (it cannot be walked again)."""
        return self.recorded_at == USED_UP

    @graph_freed.setter
    def graph_freed(self, freed: bool) -> None:
        """Mark the op as used up (True); a used-up op cannot be made usable again."""
        if freed:
            self.recorded_at = USED_UP
        elif self.recorded_at == USED_UP:
            raise ValueError(f"{self.name}: a used-up graph cannot be made usable again")

    # `*arrays: Any`, not `np.ndarray`: each op names its own inputs (`forward(self, a: np.ndarray, b: np.ndarray)`),
    # which a type checker accepts as an override only of a signature taking any arguments.
    def forward(self, *arrays: Any) -> np.ndarray:
        """Compute the op's result from its inputs' NumPy arrays (write this in a subclass)."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, *arrays)")

    def backward(self, grad: Tensor) -> Tensor | None | tuple[Tensor | None, ...]:
        """The gradients of the inputs from ``grad``, the output's (write this in a subclass; see the class)."""
        raise NotImplementedError(f"{type(self).__name__} must define backward(self, grad)")

    def shape_error(self, shapes: Sequence[tuple[int, ...]], numpy_message: str) -> str:
        """The message for inputs whose shapes do not fit; ops may say it better."""
        listed = " and ".join(str(s) for s in shapes)
        return f"{self.name}: cannot combine inputs of shapes {listed} ({numpy_message})"

    @property
    def output(self) -> Tensor:
        """The tensor this op produced (held weakly: the graph holds no cycles).

        A backward rule that reads it (sigmoid, exp, tanh ...) gets an error
        here if the output was modified in place after the op made it.
        """
        output = self._output_ref()
        if output is None:
            raise RuntimeError(f"{self.name}: its output tensor no longer exists")
        changes = output._changes
        if changes is not None and changes.stamps[-1] > self.recorded_at:
            raise RuntimeError(_modified_message(self, output, "output 0"))
        return output

    # ----------------------------------------------------- the public graph, as PyTorch names it
    @property
    def inputs(self) -> tuple[Tensor, ...]:
        """The op's input tensors, in argument order (the same tuple as ``parents``)."""
        return self.parents

    @property
    def next_functions(self) -> tuple[tuple[Function | AccumulateGrad | None, int], ...]:
        """For each input, PyTorch's ``(node, 0)``: the node its gradient goes to next.

        That is the input's ``grad_fn`` if an op made it, an
        :class:`AccumulateGrad` (whose ``variable`` is the input) for a leaf that
        requires grad, and None for a constant (an input needing no gradient).
        """
        nodes: list[tuple[Function | AccumulateGrad | None, int]] = []
        for parent in self.parents:
            if parent._ctx is not None:
                nodes.append((parent._ctx, 0))
            elif parent.requires_grad:
                nodes.append((AccumulateGrad(parent), 0))
            else:
                nodes.append((None, 0))
        return tuple(nodes)

    @property
    def saved_tensors(self) -> tuple[Tensor, ...]:
        """The tensors this op's backward reads (its inputs, its output, or both: see ``saves``).

        PyTorch shows them as ``grad_fn._saved_self`` etc. Reading them after an
        in-place change of the output raises, as backward would.
        """
        saved = self.parents if "inputs" in self.saves else ()
        return saved + (self.output,) if "output" in self.saves else saved

    @classmethod
    def apply(cls, *inputs: Any, **attributes: Any) -> Tensor:
        """Run the op forward and, if any input needs a gradient, record it."""
        # This runs for every op, forward and backward: it is kept to plain loops and
        # attribute reads (a generator here cost more than the NumPy work of a small op).
        function = cls(**attributes)
        for x in inputs:
            if not isinstance(x, Tensor):  # a number or an array among the inputs: wrap them all
                inputs = tuple(x if isinstance(x, Tensor) else Tensor(x) for x in inputs)
                break
        try:
            # Most ops take one or two inputs; a list comprehension is a function call of its own in Python 3.11.
            if len(inputs) == 2:
                result = function.forward(inputs[0]._data, inputs[1]._data)
            elif len(inputs) == 1:
                result = function.forward(inputs[0]._data)
            else:
                result = function.forward(*[x._data for x in inputs])
        except (ValueError, IndexError) as error:
            raise _forward_error(function, inputs, error) from None
        if type(result) is not np.ndarray:  # NumPy returns scalars from full reductions
            result = np.asarray(result)
        grad_enabled, anomaly_enabled, in_backward, scope_owner = _MODE.get()  # this thread's switches, one read
        # Tensor._wrap(result, scope=scope_owner), written out: this is the one call every op makes.
        output = _new_object(Tensor)
        output._data = result
        output._changes = None
        output.grad = None
        output.requires_grad = False
        output._ctx = None
        output._retains_grad = False
        output.scope = scope_owner
        output.name = None
        if anomaly_enabled:
            function.created_at = _user_code_line()
            if not in_backward:
                _check_finite(result, f"{function.name}: forward produced NaN or inf", function)
        if grad_enabled:
            for x in inputs:
                if x.requires_grad:
                    dtype = result.dtype
                    # Only floating values can carry a gradient. Identity with the two usual float dtypes
                    # (NumPy's dtype objects are shared) settles the common case without reading dtype.kind.
                    if dtype is not _FLOAT64 and dtype is not _FLOAT32 and dtype.kind != "f":
                        raise TypeError(
                            f"{function.name}: forward returned an array of dtype {dtype}, but an op "
                            "that is differentiated must return floating values (cast with .astype(float))"
                        )
                    output.requires_grad = True
                    output._ctx = function
                    function.parents = inputs
                    function.recorded_at = _CHANGE_CLOCK[0]  # backward refuses inputs changed after this
                    function._output_ref = weakref.ref(output)
                    break
        if _CAPTURE is not None:
            _CAPTURE.record(function, inputs, output)
        return output

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class AccumulateGrad:
    """The node at a leaf that requires grad, in ``next_functions``: backward adds the gradient to its ``.grad``.

    As PyTorch's ``AccumulateGrad``: ``variable`` is the leaf; it has no inputs.
    """

    name = OpName("AccumulateGrad")
    next_functions: tuple[tuple[Function | AccumulateGrad | None, int], ...] = ()

    def __init__(self, variable: Tensor):
        self.variable = variable

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def _describe(tensor: Tensor) -> str:
    """A tensor as an error message names it: its name if it has one, its shape, and what made it."""
    name = f"{tensor.name!r}, " if getattr(tensor, "name", None) else ""
    made_by = f"output of {tensor._ctx.name}" if tensor._ctx is not None else "a leaf"
    return f"{name}a tensor of shape {tensor.shape}, {made_by}"


def _modified_message(function: Function, tensor: Tensor, role: str) -> str:
    version, stamps = tensor._version, list(tensor._stamps or ())
    later = sum(1 for stamp in stamps if stamp > function.recorded_at)
    # Its version when the op used it; only the latest stamps are kept, so after many changes it is a bound.
    expected = f"{version - later}" if later < len(stamps) or len(stamps) == version else f"at most {version - later}"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{role} of {function.name} ({_describe(tensor)})] is at version {version}; expected version "
        f"{expected} instead. Hint: the tensor was changed in place (an in-place method, +=, .data, or an "
        "optimizer step) after it was used; compute the loss again after the change, or change a copy."
    )


_SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward."
)


def _user_code_line() -> str:
    """The innermost stack frame outside this package: the line of user code that called the op."""
    package_dir = os.path.dirname(os.path.abspath(__file__))
    for frame in reversed(traceback.extract_stack()[:-2]):
        if not os.path.abspath(frame.filename).startswith(package_dir + os.sep):
            return f'File "{frame.filename}", line {frame.lineno}, in {frame.name}: {frame.line}'
    return "(inside tinygrad_moons)"


def _check_finite(array: np.ndarray, message: str, function: Function) -> None:
    if not np.all(np.isfinite(array)):
        where = getattr(function, "created_at", None)
        raise FloatingPointError(message + (f"; the op was created at {where}" if where else ""))


# ------------------------------------------------------------ the backward pass
def topological_order(roots: Sequence[Tensor], include_constants: bool = False, check: bool = False) -> list[Tensor]:
    """Every tensor that requires grad and leads to ``roots``, inputs before outputs.

    With ``include_constants`` the inputs that need no gradient (the data, the
    targets) are listed too: backward skips them, a drawing of the graph does not.
    With ``check`` each op found is checked as backward needs it (see
    :func:`_check_op`), in this same walk rather than a second one.
    An explicit stack replaces recursion, so depth is limited by memory only.
    Each tensor made by an op is pushed once to be expanded and once more to
    be emitted after all of its parents have been. A leaf has no parents, so
    it is emitted as soon as it is found.
    """
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False) for root in reversed(roots)]
    emit, push, mark = order.append, stack.append, visited.add  # this loop runs once per node per backward()
    clock = _CHANGE_CLOCK[0]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            emit(node)
            continue
        if id(node) in visited:
            continue
        mark(id(node))
        function = node._ctx
        if function is None:
            emit(node)
            continue
        if check and function.recorded_at != clock:  # nothing changed since the op was recorded: nothing to see
            _check_op(function)
        push((node, True))
        for parent in function.parents:
            if (parent.requires_grad or include_constants) and id(parent) not in visited:
                if parent._ctx is None:
                    mark(id(parent))
                    emit(parent)
                else:
                    push((parent, False))
    return order


def sum_to_shape(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Undo broadcasting: sum ``grad`` over the axes that broadcasting added or stretched.

    This is the one place where broadcast gradients are reduced. If
    ``x`` of shape (3, 1) was broadcast to (5, 3, 4), every element of ``x``
    was used 5 * 4 times, so its gradient is the sum over those copies:
    over the new leading axis 0 and the stretched axis 2.
    """
    lead = grad.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    if not stretched:
        return grad.sum(axis=tuple(range(lead))) if lead else grad
    return grad.sum(axis=tuple(range(lead)) + stretched, keepdims=True).reshape(shape)


def _check_op(function: Function) -> None:
    """Refuse an op that a backward pass has used up, or one of whose inputs changed since it was recorded."""
    if function.recorded_at == USED_UP:
        raise RuntimeError(_SECOND_BACKWARD)
    for index, parent in enumerate(function.parents):
        changes = parent._changes
        if changes is not None and changes.stamps[-1] > function.recorded_at:
            raise RuntimeError(_modified_message(function, parent, f"input {index}"))


def _check_graph(order: Sequence[Tensor]) -> None:
    """Refuse, before any gradient is computed, a graph already used up or whose inputs changed since recording."""
    clock = _CHANGE_CLOCK[0]
    for node in order:
        function = node._ctx
        if function is not None and function.recorded_at != clock:
            _check_op(function)


# ------------------------------------------------------------ the backward pass, step by step
def _run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    create_graph: bool,
    retain_graph: bool,
    capture: dict[int, Tensor | None] | None = None,
) -> None:
    """Propagate gradients from ``roots`` to everything they depend on (HIPS autograd's ``backward_pass``).

    With ``capture`` None, gradients accumulate into leaves' ``.grad`` (and
    into tensors that asked for ``retain_grad``). Otherwise the gradients of
    the tensors whose ids are keys of ``capture`` are stored there instead,
    and no ``.grad`` is touched (that is :func:`grad`). Without
    ``retain_graph`` every op walked through is marked as used up, so a second
    pass through it raises, as in PyTorch. Both that and the inputs' versions
    are checked before any gradient is computed, so a refused pass changes no
    ``.grad`` (only a backward rule reading a modified output raises mid-walk).
    """
    grads = _sum_by_tensor(roots, root_grads)  # id(tensor) -> d(roots)/d(tensor), so far
    order = topological_order(roots, check=True)  # refuses a used-up or changed graph
    tape = _BACKWARD_TAPE.get()
    if tape is not None:
        tape.record_pass(roots, root_grads)
    saved_mode = _enter_backward_mode(create_graph)
    try:
        for node in reversed(order):  # outputs before inputs: a node's gradient is complete when reached
            grad = grads.pop(id(node), None)
            if grad is None:  # this node does not lead to the roots
                continue
            function = node._ctx
            if capture is not None:
                if id(node) in capture:
                    capture[id(node)] = grad
            elif function is None or node._retains_grad:
                if tape is not None:
                    tape.record_arrival(node, grad)
                _accumulate(node, grad, create_graph)
            if function is not None:
                _propagate(function, node, grad, grads, retain_graph, saved_mode[_ANOMALY], tape)
    finally:
        _leave_backward_mode(saved_mode)


def _sum_by_tensor(tensors: Sequence[Tensor], grads: Sequence[Tensor]) -> dict[int, Tensor]:
    """The seed gradients by tensor id, summed where one tensor is given twice."""
    by_id: dict[int, Tensor] = {}
    for tensor, grad in zip(tensors, grads):
        previous = by_id.get(id(tensor))
        by_id[id(tensor)] = grad if previous is None else previous + grad
    return by_id


def _enter_backward_mode(create_graph: bool) -> tuple[bool, bool, bool, Any]:
    """Record the rules' ops only with ``create_graph``, in this thread only; returns the mode to restore."""
    mode = _MODE.get()
    _MODE.set((create_graph, mode[_ANOMALY], True, mode[_SCOPE]))
    return mode


def _leave_backward_mode(saved: tuple[bool, bool, bool, Any]) -> None:
    """Restore grad mode and "in backward"; anomaly mode and scope as they are now (the rules may set them)."""
    mode = _MODE.get()
    _MODE.set((saved[_GRAD], mode[_ANOMALY], saved[_BACKWARD], mode[_SCOPE]))


def _propagate(
    function: Function, node: Tensor, grad: Tensor, grads: dict[int, Tensor], retain_graph: bool,
    anomaly_enabled: bool, tape: Any,
) -> None:
    """One chain-rule step: the op's backward rule turns ``grad`` into its inputs' shares, added to ``grads``."""
    parents = function.parents
    parent_grads = function.backward(grad)
    if not retain_graph:
        function.recorded_at = USED_UP  # graph_freed, written out
    if not isinstance(parent_grads, tuple):
        parent_grads = (parent_grads,)
    if len(parent_grads) != len(parents):  # zip would silently drop the rest
        raise RuntimeError(
            f"{function.name}: backward returned {len(parent_grads)} gradients for "
            f"{len(parents)} inputs (return None for an input that gets no gradient)"
        )
    if tape is not None:
        tape.record_step(node, function, grad)
    for index, (parent, parent_grad) in enumerate(zip(parents, parent_grads)):
        if parent_grad is None or not parent.requires_grad:
            continue
        got = parent_grad._data if isinstance(parent_grad, Tensor) else None
        if got is None or got.shape != parent._data.shape or got.dtype is not parent._data.dtype:
            parent_grad = _fit_gradient(function, index, parent, parent_grad)
        if anomaly_enabled:
            _check_finite(
                parent_grad._data,
                f"{function.name}: backward produced NaN or inf in the gradient of input {index}",
                function,
            )
        key = id(parent)
        previous = grads.get(key)
        grads[key] = parent_grad if previous is None else previous + parent_grad
        if tape is not None:
            tape.record_contribution(index, parent, got.shape, parent_grad, previous, grads[key])


def _fit_gradient(function: Function, index: int, parent: Tensor, parent_grad: object) -> Tensor:
    """A rule's gradient for input ``index`` checked, summed back from a broadcast shape, cast to its dtype."""
    if not isinstance(parent_grad, Tensor):
        raise TypeError(
            f"{function.name}: backward must return Tensors (or None), "
            f"got {type(parent_grad).__name__} for input {index}"
        )
    expected, got = parent._data, parent_grad._data
    if got.shape != expected.shape:
        # A wrong shape from a (custom) backward rule must not be summed into a plausible one.
        if not _is_broadcast_of(expected.shape, got.shape):
            raise ShapeError(
                f"{function.name}: backward returned a gradient of shape {got.shape} "
                f"for input {index} of shape {expected.shape}"
            )
        parent_grad = sum_to_shape(parent_grad, expected.shape)
    if got.dtype != expected.dtype:
        parent_grad = parent_grad.to(expected.dtype)
    return parent_grad


def _is_broadcast_of(shape: tuple[int, ...], broadcast_shape: tuple[int, ...]) -> bool:
    """True if an array of ``shape`` broadcasts to ``broadcast_shape`` (so sum_to_shape can undo it)."""
    lead = len(broadcast_shape) - len(shape)
    return lead >= 0 and all(n == 1 or n == m for n, m in zip(shape, broadcast_shape[lead:]))


def _accumulate(node: Tensor, grad: Tensor, create_graph: bool) -> None:
    # Without create_graph nothing is being recorded, so the sum below is a plain array.
    if node.grad is not None:
        node.grad = node.grad + grad
    elif create_graph:
        node.grad = grad
    else:
        # .grad gets an array of its own. The incoming one may be shared: add
        # hands one array to both inputs, reshape passes a view of it, sum a
        # read-only broadcast, and backward(gradient) the caller's own array.
        # An in-place edit of one .grad (clipping, scaling) must not change another.
        node.grad = Tensor._wrap(grad._data.copy())


def _seed_gradient(output: Tensor, gradient: Any, who: str) -> Tensor:
    if gradient is None:
        if output._data.size != 1:
            raise RuntimeError(
                f"{who}: the output has shape {output.shape}; a gradient can be created implicitly "
                "only for a single value (sum it to a scalar loss, or pass gradient=...)"
            )
        return Tensor._wrap(np.ones_like(output._data))
    seed = gradient if isinstance(gradient, Tensor) else Tensor(gradient, dtype=output.dtype)
    if seed.shape != output.shape:
        raise ShapeError(f"{who}: gradient has shape {seed.shape} but the output has shape {output.shape}")
    return seed


def backward(
    output: Tensor, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
) -> None:
    """Accumulate d(output)/d(leaf) into the ``.grad`` of every leaf that requires it.

    As ``Tensor.backward``: ``retain_graph`` (default: ``create_graph``) keeps
    the graph usable for another backward pass.
    """
    if not output.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no recorded graph "
            "(were the inputs created with requires_grad=True? was it computed under no_grad?)"
        )
    if _CAPTURE is not None and _CAPTURE.backward(output, gradient, retain_graph, create_graph):
        return  # compile's tracer ran it, recording the gradient ops
    if retain_graph is None:
        retain_graph = create_graph
    _run_backward([output], [_seed_gradient(output, gradient, "backward")], create_graph, retain_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned rather than stored in ``.grad``.

    As ``torch.autograd.grad``. With ``create_graph=True`` the returned
    gradients are recorded too, so they can be differentiated again
    (Hessian-vector products, gradient penalties). ``retain_graph`` (default:
    ``create_graph``) keeps the graph usable for another pass, as in PyTorch.
    """
    if _CAPTURE is not None:
        _CAPTURE.refuse("autograd.grad")
    if retain_graph is None:
        retain_graph = create_graph
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    for i, output in enumerate(outputs):
        if not output.requires_grad:
            raise RuntimeError(f"grad: output {i} does not require grad and has no recorded graph")
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad, so it has no gradient")
    seeds = [_seed_gradient(o, g, "grad") for o, g in zip(outputs, grad_outputs)]
    captured: dict[int, Tensor | None] = {id(x): None for x in inputs}
    _run_backward(outputs, seeds, create_graph, retain_graph, capture=captured)
    results = []
    for i, x in enumerate(inputs):
        g = captured[id(x)]
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} was not used to compute the outputs (pass allow_unused=True)")
        if g is not None and not create_graph:
            g = g.detach()
        results.append(g)
    return tuple(results)
