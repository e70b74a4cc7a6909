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
* Switches: :func:`no_grad` / :func:`enable_grad` (record or not),
  :func:`detect_anomaly` (stop at the first NaN or inf and say which op made it),
  and :func:`scope` (tag tensors with the layer that made them, for drawings).
"""

from __future__ import annotations

import contextlib
import os
import traceback
import weakref
from typing import Any, Iterator, Sequence

import numpy as np

from tinygrad_moons.tensor import Tensor

# ------------------------------------------------------------ global switches
# Plain module globals: Function.apply reads them on every op, and a global
# lookup is the cheapest read Python has.
_grad_enabled = True
_anomaly_enabled = False
_current_scope: Any = None
# True while a backward pass runs. Under detect_anomaly the ops that a
# backward rule applies are not checked one by one as forward ops: the rule's
# result is checked instead, so the error names the op being differentiated
# and the user's line that created it, not an anonymous "div" inside a rule.
_in_backward = False


def is_grad_enabled() -> bool:
    """True when new operations are being recorded for autograd."""
    return _grad_enabled


def set_grad_enabled(mode: bool) -> None:
    global _grad_enabled
    _grad_enabled = bool(mode)


class _GradMode(contextlib.ContextDecorator):
    """Sets the recording switch for a ``with`` block or a decorated function."""

    def __init__(self, mode: bool):
        self.mode = mode
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        global _grad_enabled
        self._previous.append(_grad_enabled)
        _grad_enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        global _grad_enabled
        _grad_enabled = self._previous.pop()


def no_grad() -> _GradMode:
    """Do not record operations (for evaluation and parameter updates).

    Use as ``with no_grad(): ...`` or as a decorator ``@no_grad()``.
    """
    return _GradMode(False)


def enable_grad() -> _GradMode:
    """Record operations again inside a ``no_grad`` block."""
    return _GradMode(True)


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise ``FloatingPointError`` at the first op whose forward or backward yields NaN or inf.

    The message names the op and, for a backward failure, the line of your
    code that created the op in the forward pass. Checking every result costs
    time, so use it to debug, not to train.
    """
    global _anomaly_enabled
    previous = _anomaly_enabled
    _anomaly_enabled = True
    try:
        yield
    finally:
        _anomaly_enabled = previous


class scope:
    """Tag every tensor made inside the block with ``owner`` (``tensor.scope``).

    ``nn.Module`` enters this while it runs ``forward``, so a drawing of the
    graph can group the nodes by layer; nested blocks restore the outer owner
    on exit, so the innermost layer wins. It is a plain class rather than a
    ``@contextmanager`` generator because every layer call enters it: this
    costs about a third as much.
    """

    __slots__ = ("owner", "previous")

    def __init__(self, owner: Any):
        self.owner = owner

    def __enter__(self) -> None:
        global _current_scope
        self.previous = _current_scope
        _current_scope = self.owner

    def __exit__(self, *exc: object) -> None:
        global _current_scope
        _current_scope = self.previous


# ------------------------------------------------------------------ Function
class ShapeError(ValueError):
    """An op was given inputs whose shapes do not fit together."""


class Function:
    """Base class of every differentiable op, built-in or your own.

    Subclass it and write two methods:

    * ``forward(self, *arrays)``: compute the result from NumPy arrays and
      return a NumPy array. Keyword arguments given to ``apply`` are
      attributes of ``self`` (``self.axis``).
    * ``backward(self, grad)``: given the gradient of the loss with respect
      to the result (a Tensor), return the gradient with respect to each input
      (Tensors, or None), written with Tensor operations so that it can itself
      be differentiated. The inputs are ``self.parents``; the result is
      ``self.output``. Return a gradient of the result's (broadcast) shape:
      the engine sums it down to each input's shape in one place.

    Then call ``MyOp.apply(tensor, ..., attr=value)``.
    """

    #: The op's name in the registry, in error messages and in graph drawings.
    name: str = "function"
    #: False for ops whose backward is not itself differentiable.
    twice_differentiable: bool = True

    parents: tuple[Tensor, ...] = ()

    def __init__(self, **attributes: Any):
        self.__dict__.update(attributes)

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, *arrays)")

    def backward(self, grad: Tensor) -> Tensor | None | tuple[Tensor | None, ...]:
        raise NotImplementedError(f"{type(self).__name__} must define backward(self, grad)")

    def shape_error(self, shapes: Sequence[tuple[int, ...]], numpy_message: str) -> str:
        """The message for inputs whose shapes do not fit; ops may say it better."""
        listed = " and ".join(str(s) for s in shapes)
        return f"{self.name}: cannot combine inputs of shapes {listed} ({numpy_message})"

    @property
    def output(self) -> Tensor:
        """The tensor this op produced (held weakly: the graph holds no cycles)."""
        output = self._output_ref()
        if output is None:
            raise RuntimeError(f"{self.name}: its output tensor no longer exists")
        return output

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        return tuple(p.requires_grad for p in self.parents)

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
            result = function.forward(*[x.data for x in inputs])
        except (ValueError, IndexError) as error:
            raise ShapeError(function.shape_error([x.shape for x in inputs], str(error))) from None
        if type(result) is not np.ndarray:  # NumPy returns scalars from full reductions
            result = np.asarray(result)
        output = Tensor._wrap(result, scope=_current_scope)
        if _anomaly_enabled:
            function.created_at = _user_code_line()
            if not _in_backward:
                _check_finite(result, f"{function.name}: forward produced NaN or inf", function)
        if _grad_enabled:
            for x in inputs:
                if x.requires_grad:
                    if result.dtype.kind != "f":  # only floating values can carry a gradient
                        raise TypeError(
                            f"{function.name}: forward returned an array of dtype {result.dtype}, but an op "
                            "that is differentiated must return floating values (cast with .astype(float))"
                        )
                    output.requires_grad = True
                    output._ctx = function
                    function.parents = inputs
                    function._output_ref = weakref.ref(output)
                    break
        return output

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


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
def topological_order(roots: Sequence[Tensor], include_constants: bool = False) -> list[Tensor]:
    """Every tensor that requires grad and leads to ``roots``, inputs before outputs.

    With ``include_constants`` the inputs that need no gradient (the data, the
    targets) are listed too: backward skips them, a drawing of the graph does not.
    An explicit stack replaces recursion, so depth is limited by memory only.
    Each tensor made by an op is pushed once to be expanded and once more to
    be emitted after all of its parents have been. A leaf has no parents, so
    it is emitted as soon as it is found.
    """
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False) for root in reversed(roots)]
    emit, push, mark = order.append, stack.append, visited.add  # this loop runs once per node per backward()
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            emit(node)
            continue
        if id(node) in visited:
            continue
        mark(id(node))
        if node._ctx is None:
            emit(node)
            continue
        push((node, True))
        for parent in node._ctx.parents:
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


def _run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    create_graph: bool,
    capture: dict[int, Tensor | None] | None = None,
) -> None:
    """Propagate gradients from ``roots`` to everything they depend on.

    With ``capture`` None, gradients accumulate into leaves' ``.grad`` (and
    into tensors that asked for ``retain_grad``). Otherwise the gradients of
    the tensors whose ids are keys of ``capture`` are stored there instead,
    and no ``.grad`` is touched (that is :func:`grad`).
    """
    global _grad_enabled, _in_backward
    grads: dict[int, Tensor] = {}
    for root, root_grad in zip(roots, root_grads):
        previous = grads.get(id(root))
        grads[id(root)] = root_grad if previous is None else previous + root_grad

    previous_mode, previous_in_backward = _grad_enabled, _in_backward
    _grad_enabled = create_graph  # record the backward ops only when asked
    _in_backward = True
    try:
        for node in reversed(topological_order(roots)):
            grad = grads.pop(id(node), None)
            if grad is None:  # this node does not lead to the roots
                continue
            if capture is not None:
                if id(node) in capture:
                    capture[id(node)] = grad
            elif node._ctx is None or node._retains_grad:
                _accumulate(node, grad, create_graph)
            function = node._ctx
            if function is None:
                continue
            parents = function.parents
            parent_grads = function.backward(grad)
            if not isinstance(parent_grads, tuple):
                parent_grads = (parent_grads,)
            if len(parent_grads) != len(parents):  # zip would silently drop the rest
                raise RuntimeError(
                    f"{function.name}: backward returned {len(parent_grads)} gradients for "
                    f"{len(parents)} inputs (return None for an input that gets no gradient)"
                )
            for index, (parent, parent_grad) in enumerate(zip(parents, parent_grads)):
                if parent_grad is None or not parent.requires_grad:
                    continue
                if not isinstance(parent_grad, Tensor):
                    raise TypeError(
                        f"{function.name}: backward must return Tensors (or None), "
                        f"got {type(parent_grad).__name__} for input {index}"
                    )
                expected, got = parent.data, parent_grad.data
                if got.shape != expected.shape:
                    # A wrong shape from a (custom) backward rule must not be summed into a plausible one.
                    if not _is_broadcast_of(expected.shape, got.shape):
                        raise ShapeError(
                            f"{function.name}: backward returned a gradient of shape {got.shape} "
                            f"for input {index} of shape {expected.shape}"
                        )
                    parent_grad = sum_to_shape(parent_grad, expected.shape)
                if got.dtype is not expected.dtype and got.dtype != expected.dtype:  # `is`: the usual case, fast
                    parent_grad = parent_grad.to(expected.dtype)
                if _anomaly_enabled:
                    _check_finite(
                        parent_grad.data,
                        f"{function.name}: backward produced NaN or inf in the gradient of input {index}",
                        function,
                    )
                key = id(parent)
                previous = grads.get(key)
                grads[key] = parent_grad if previous is None else previous + parent_grad
    finally:
        _grad_enabled, _in_backward = previous_mode, previous_in_backward


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
        node.grad = Tensor._wrap(grad.data.copy())


def _seed_gradient(output: Tensor, gradient: Any, who: str) -> Tensor:
    if gradient is None:
        if output.data.size != 1:
            raise RuntimeError(
                f"{who}: the output has shape {output.shape}; a gradient can be created implicitly "
                "only for a single value (sum it to a scalar loss, or pass gradient=...)"
            )
        return Tensor._wrap(np.ones_like(output.data))
    gradient = gradient if isinstance(gradient, Tensor) else Tensor(gradient, dtype=output.dtype)
    if gradient.shape != output.shape:
        raise ShapeError(f"{who}: gradient has shape {gradient.shape} but the output has shape {output.shape}")
    return gradient


def backward(output: Tensor, gradient: Any = None, create_graph: bool = False) -> None:
    """Accumulate d(output)/d(leaf) into the ``.grad`` of every leaf that requires it."""
    if not output.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no recorded graph "
            "(were the inputs created with requires_grad=True? was it computed under no_grad?)"
        )
    _run_backward([output], [_seed_gradient(output, gradient, "backward")], create_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned rather than stored in ``.grad``.

    As ``torch.autograd.grad``. With ``create_graph=True`` the returned
    gradients are recorded too, so they can be differentiated again
    (Hessian-vector products, gradient penalties).
    """
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
    _run_backward(outputs, seeds, create_graph, capture=captured)
    results = []
    for i, x in enumerate(inputs):
        g = captured[id(x)]
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} was not used to compute the outputs (pass allow_unused=True)")
        if g is not None and not create_graph:
            g = g.detach()
        results.append(g)
    return tuple(results)
