"""The backward tape: what a backward pass did, step by step, with the numbers.

``backward()`` walks the recorded graph from the loss to the parameters,
asking each op for its chain-rule step. Inside :func:`trace_backward` the
engine also writes down every step it takes::

    with tinygrad_moons.trace_backward() as tape:
        loss.backward()
    for step in tape.steps:
        print(step)                   # the op, its layer, the gradient it received and the ones it returned
    print(tape.explain(layer.kernel, (3, 0)))   # why is this gradient this number?

Recorded, in the order the engine runs them:

* :class:`Step`: one op differentiated: its registry name, the layer that made
  it (``tensor.scope``), its forward inputs and output (the tensors, and
  copies of their values as they were), the upstream gradient it received and
  the gradient it returned for each input (a :class:`Contribution`, after the
  engine summed a broadcast gradient down to the input's shape and cast it to
  the input's dtype: what was actually accumulated);
* an :class:`Accumulation` wherever gradients from several paths are summed
  (which paths, which values, the running total);
* an :class:`Arrival` wherever a gradient is added into a ``.grad``.

:meth:`BackwardTape.explain` follows one element's gradient back to the loss,
writing each op's chain-rule factor with its numbers (the course's ∂E/∂ŷ,
σ′(z) = ŷ(1−ŷ), ReLU′ = 1[z>0], ∂z/∂w = x for a dense network), and ends in
the value held in ``.grad``. :meth:`BackwardTape.scalar_view` lists the whole
pass one number at a time, as micrograd does with a node per scalar. Both
live in :mod:`tinygrad_moons.explain`, loaded when first called.

The tape belongs to the thread that opened it, like the engine's other
switches; outside ``trace_backward`` the engine does not touch this module.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tinygrad_moons import autograd
from tinygrad_moons.tensor import Tensor

if TYPE_CHECKING:  # explain is loaded only when a tape is read (see BackwardTape.explain)
    from tinygrad_moons.explain import Explanation, ScalarStep

__all__ = ["Accumulation", "Arrival", "BackwardTape", "Contribution", "Step", "trace_backward"]


def _copy(array: np.ndarray) -> np.ndarray:
    return np.array(array, copy=True)


# --------------------------------------------------------------- what is recorded
# Plain classes with slots: made only while tracing, and importing the package stays light.
class Contribution:
    """The gradient one step sent to one of its inputs, as accumulated.

    ``gradient`` is what was added to the input's running total, after the
    engine's sum_to_shape and dtype cast; ``returned_shape`` the shape the
    op's backward returned (larger where broadcasting was undone);
    ``total_before`` the input's running total before it (None: the first)
    and ``total_after`` the total after it.
    """

    __slots__ = ("step", "input_index", "tensor", "gradient", "returned_shape", "total_before", "total_after")

    def __init__(
        self,
        step: Step,
        input_index: int,
        tensor: Tensor,
        gradient: np.ndarray,
        returned_shape: tuple[int, ...],
        total_before: np.ndarray | None,
        total_after: np.ndarray,
    ):
        self.step = step
        self.input_index = input_index
        self.tensor = tensor
        self.gradient = gradient
        self.returned_shape = returned_shape
        self.total_before = total_before
        self.total_after = total_after

    def __repr__(self) -> str:
        step = self.step
        return f"<Contribution step {step.number} {step.op} -> input {self.input_index} {self.gradient.shape}>"


class Accumulation:
    """A tensor reached by several paths: every contribution summed so far (``paths``), and the running total."""

    __slots__ = ("tensor", "paths", "previous", "added", "total")

    def __init__(self, tensor: Tensor, paths: list[Contribution], previous: np.ndarray, added: np.ndarray,
                 total: np.ndarray):
        self.tensor = tensor
        self.paths = paths
        self.previous = previous
        self.added = added
        self.total = total

    def __repr__(self) -> str:
        via = " + ".join(c.step.op for c in self.paths)
        return f"<Accumulation of {len(self.paths)} paths ({via}) into a tensor of shape {self.tensor.shape}>"


class Arrival:
    """A gradient added into a leaf's (or a ``retain_grad`` tensor's) ``.grad``: before and after."""

    __slots__ = ("tensor", "gradient", "grad_before", "grad_after")

    def __init__(self, tensor: Tensor, gradient: np.ndarray, grad_before: np.ndarray | None, grad_after: np.ndarray):
        self.tensor = tensor
        self.gradient = gradient
        self.grad_before = grad_before
        self.grad_after = grad_after


class Step:
    """One op differentiated by the engine.

    ``op`` is its registry name, ``layer`` the module that made it (or None),
    ``inputs``/``output`` the forward tensors and ``input_values``/
    ``output_value`` copies of their values when the backward pass ran,
    ``upstream`` the gradient of the loss with respect to the output, and
    ``contributions`` what it sent to each input.
    """

    __slots__ = ("number", "pass_number", "op", "layer", "function", "output", "inputs", "output_value",
                 "input_values", "upstream", "contributions")

    def __init__(
        self, number: int, pass_number: int, function: autograd.Function, output: Tensor, upstream: np.ndarray
    ):
        self.number = number
        self.pass_number = pass_number
        self.op = function.name
        self.layer = output.scope
        self.function = function
        self.output = output
        self.inputs: tuple[Tensor, ...] = tuple(function.parents)
        self.output_value = _copy(output.data)
        self.input_values = tuple(_copy(p.data) for p in function.parents)
        self.upstream = upstream
        self.contributions: list[Contribution] = []

    @property
    def rule(self) -> str:
        """The chain-rule step, from the op's backward docstring."""
        doc = type(self.function).backward.__doc__ or ""
        return " ".join(doc.split("\n\n")[0].split())

    @property
    def layer_name(self) -> str | None:
        """The name of the layer that made the op's output, or None outside any layer."""
        return None if self.layer is None else str(getattr(self.layer, "name", None) or type(self.layer).__name__)

    def __str__(self) -> str:
        where = f" in {self.layer_name}" if self.layer is not None else ""
        sent = ", ".join(f"input {c.input_index} {_summary(c.gradient)}" for c in self.contributions)
        return f"step {self.number}: {self.op}{where}: received {_summary(self.upstream)}; sent {sent or 'nothing'}"

    def __repr__(self) -> str:
        return f"<Step {self.number}: {self.op}>"


class BackwardTape:
    """Every step of the backward passes run in this thread while it was open (see :func:`trace_backward`)."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.arrivals: list[Arrival] = []
        #: Per pass, the roots and their starting gradients.
        self.roots: list[tuple[Tensor, np.ndarray]] = []
        self.passes = 0
        self._contributions: dict[int, list[Contribution]] = {}
        self._symbols: dict[int, str] | None = None

    # ------------------------------------------------ called by autograd._run_backward
    def record_pass(self, roots: Sequence[Tensor], root_grads: Sequence[Tensor]) -> None:
        """Note the start of a backward pass and its seed gradients (called by the engine)."""
        self.passes += 1
        self._symbols = None
        for root, root_grad in zip(roots, root_grads):
            self.roots.append((root, _copy(root_grad.data)))

    def record_step(self, node: Tensor, function: autograd.Function, grad: Tensor) -> None:
        """Note one op's backward step and the gradient it received (called by the engine)."""
        self.steps.append(Step(len(self.steps) + 1, self.passes, function, node, _copy(grad.data)))

    def record_contribution(
        self,
        index: int,
        parent: Tensor,
        returned_shape: tuple[int, ...],
        gradient: Tensor,
        previous: Tensor | None,
        total: Tensor,
    ) -> None:
        """Note one input's share of a step and the running sum it joined (called by the engine)."""
        step = self.steps[-1]
        before = None if previous is None else _copy(previous.data)
        contribution = Contribution(step, index, parent, _copy(gradient.data), tuple(returned_shape), before,
                                    _copy(total.data))
        step.contributions.append(contribution)
        self._contributions.setdefault(id(parent), []).append(contribution)

    def record_arrival(self, node: Tensor, grad: Tensor) -> None:
        """Note a gradient arriving in a leaf's (or a retained tensor's) ``.grad`` (called by the engine)."""
        before = None if node.grad is None else _copy(node.grad.data)
        # The same sum _accumulate is about to make, so grad_after is exactly the new .grad.
        after = _copy(grad.data) if before is None else before + grad.data
        self.arrivals.append(Arrival(node, _copy(grad.data), before, after))

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def contributions_to(self, tensor: Tensor) -> list[Contribution]:
        """Every gradient sent to ``tensor``, in the order the engine added them."""
        return list(self._contributions.get(id(tensor), []))

    @property
    def accumulations(self) -> list[Accumulation]:
        """Every place where gradients from several paths were summed, in order."""
        found = []
        for contributions in self._contributions.values():
            for k, contribution in enumerate(contributions):
                if contribution.total_before is not None:
                    this_pass = contribution.step.pass_number
                    same_pass = [c for c in contributions[: k + 1] if c.step.pass_number == this_pass]
                    found.append(
                        Accumulation(
                            contribution.tensor,
                            same_pass,
                            contribution.total_before,
                            contribution.gradient,
                            contribution.total_after,
                        )
                    )
        return sorted(found, key=lambda a: (a.paths[-1].step.number, a.paths[-1].input_index))

    def total_gradient(self, tensor: Tensor) -> np.ndarray | None:
        """The gradient that reached ``tensor`` in the last pass that reached it, summed as the engine did.

        For a root it is the gradient the pass started from (1 for a scalar loss).
        """
        contributions = self._contributions.get(id(tensor))
        if contributions:
            return contributions[-1].total_after
        for root, seed in self.roots[::-1]:  # the latest pass first (mypy types reversed() of these pairs as Any)
            if root is tensor:
                return seed
        return None

    def symbol(self, tensor: Tensor) -> str:
        """A short name for ``tensor`` in formulas: E, ŷ, zᵏ, aᵏ, Wᵏ, bᵏ, x, y, or its op or name."""
        if self._symbols is None:
            from tinygrad_moons.explain import symbols

            self._symbols = symbols(self)
        return self._symbols.get(id(tensor)) or tensor.name or "t"

    # ------------------------------------------------------- reading (tinygrad_moons.explain)
    def explain(self, tensor: Tensor, index: Any = ()) -> Explanation:
        """Why ``tensor``'s gradient at ``index`` is the number it is: the chain of factors from the loss to it.

        ``tensor`` is any parameter or intermediate the traced pass reached;
        ``index`` one of its elements (a tuple, or an int for a vector).
        Returns an :class:`~tinygrad_moons.explain.Explanation`; print it to read it.
        """
        from tinygrad_moons.explain import explain

        return explain(self, tensor, index)

    def scalar_view(self, max_elements: int = 2_000) -> list[ScalarStep]:
        """The whole pass one number at a time (for tiny networks): see :func:`tinygrad_moons.explain.scalar_view`."""
        from tinygrad_moons.explain import scalar_view

        return scalar_view(self, max_elements)

    def __repr__(self) -> str:
        return f"<BackwardTape: {len(self.steps)} steps in {self.passes} pass(es)>"


class trace_backward:
    """Record every backward pass run in this thread inside the block: ``with trace_backward() as tape:``.

    Yields a :class:`BackwardTape`. Nested blocks each get their own tape (the
    inner one records while it is open). Other threads are not traced.
    """

    def __init__(self) -> None:
        self.tape = BackwardTape()
        self._token: Any = None

    def __enter__(self) -> BackwardTape:
        self._token = autograd._BACKWARD_TAPE.set(self.tape)
        return self.tape

    def __exit__(self, *exc: object) -> None:
        autograd._BACKWARD_TAPE.reset(self._token)


def _summary(array: np.ndarray) -> str:
    if array.size == 1:
        return f"{array.item():.6g}"
    return f"{array.shape} (|max| {np.max(np.abs(array)):.6g})"
