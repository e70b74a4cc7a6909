"""Reading a backward tape: why each gradient is the number it is.

:func:`explain` follows one element's gradient from the element up to the
loss, one op at a time, writing each op's chain-rule factor with its numbers
(a sum over samples or units is written out for its first terms and
totalled), and ends in the engine's own number, the one in ``.grad``. For a
dense network the factors carry the course's names: ∂E/∂ŷ, σ′(z) = ŷ(1−ŷ),
ReLU′ = 1[z>0], ∂z/∂w = x. :func:`scalar_view` lists a whole (tiny) pass one
number at a time. Both are reached as ``tape.explain(...)`` and
``tape.scalar_view()``; this module is loaded only when they are called.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import numpy as np

from tinygrad_moons.tensor import Tensor

if TYPE_CHECKING:  # the tape's types, for annotations only: the tape calls this module, not the other way round
    from tinygrad_moons.tape import BackwardTape, Contribution, Step

__all__ = ["Explanation", "Link", "ScalarStep", "Term", "bracketed", "explain", "local_link", "scalar_view", "symbols"]

#: How many terms of a sum are written out before the rest are only counted.
SHOWN_TERMS = 3


@dataclasses.dataclass
class Term:
    """One term of a chain-rule sum: named factors and their product."""

    factors: tuple[tuple[str, float], ...]
    product: float

    def __str__(self) -> str:
        return " × ".join(_number(value) for _, value in self.factors)


@dataclasses.dataclass
class Link:
    """One step of the chain rule for one element: ∂E/∂(this) in terms of ∂E/∂(the op's output)."""

    quantity: str
    op: str
    layer: str | None
    #: The formula with named factors, e.g. ``Σ_n x[n,3] · ∂E/∂z⁵[n,0]``.
    formula: str
    #: The course's names for the factors, e.g. ``∂z/∂w = x``.
    course_names: tuple[str, ...]
    rule: str
    terms: list[Term]
    #: The element's gradient from this step, as the engine computed it.
    value: float
    #: The op's output element followed next toward the loss (None at the loss, or where not expanded).
    follow: tuple[Tensor, tuple[int, ...]] | None
    note: str = ""

    @property
    def n_terms(self) -> int:
        """How many terms the link's sum has."""
        return len(self.terms)

    def lines(self) -> list[str]:
        """The link written out: its formula and then each term, one per line."""
        where = f" in {self.layer}" if self.layer else ""
        lines = [f"{self.quantity} = {self.formula}      [{self.op}{where}]"]
        pad = " " * len(self.quantity)
        for name in self.course_names:
            lines.append(f"{pad}   with {name}")
        if self.terms:
            shown = self.terms[:SHOWN_TERMS]
            symbolic = " + ".join(" · ".join(label for label, _ in term.factors) for term in shown)
            numeric = " + ".join(f"({term})" if len(term.factors) > 1 else str(term) for term in shown)
            rest = len(self.terms) - len(shown)
            if rest:
                others = sum(term.product for term in self.terms[SHOWN_TERMS:])
                symbolic += f" + … ({rest} more terms)"
                numeric += f" + … ({rest} more terms, totalling {_number(others)})"
            if len(self.terms) > 1:
                lines.append(f"{pad} = {symbolic}")
            if len(self.terms) > 1 or len(self.terms[0].factors) > 1:
                lines.append(f"{pad} = {numeric}")
        if self.note:
            lines.append(f"{pad}   ({self.note})")
        lines.append(f"{pad} = {_number(self.value)}")
        return lines


#: The op's output element a link follows next toward the loss, or None (``Link.follow``).
_Follow: TypeAlias = "tuple[Tensor, tuple[int, ...]] | None"


class _MakeLink(Protocol):
    """``local_link``'s ``make``: a Link for the step being explained, from its formula, names and terms."""

    def __call__(
        self, formula: str, names: tuple[str, ...], terms: list[Term], follow: _Follow, note: str = ""
    ) -> Link: ...


#: ``local_link``'s ``up``: the name and value of the upstream gradient at an output index.
_Upstream: TypeAlias = "Callable[[tuple[int, ...]], tuple[str, float]]"
#: ``local_link``'s ``largest``: the output element of the largest term, followed next.
_Largest: TypeAlias = "Callable[[list[Term], list[tuple[int, ...]]], _Follow]"


@dataclasses.dataclass
class Explanation:
    """Why one element's gradient is the number it is: the chain from the loss down to it.

    ``links[0]`` is the element itself; each next link explains the upstream
    factor the previous one used, up to the loss. ``paths`` lists the
    element's own contributions when it was reached by several paths
    (they sum to ``value``). ``value`` is the element's total gradient as the
    engine accumulated it; ``grad`` the ``.grad`` element (None for a tensor
    that keeps no ``.grad``).
    """

    label: str
    index: tuple[int, ...]
    value: float
    grad: float | None
    links: list[Link]
    paths: list[Link]
    #: The ``.grad`` element before this pass added ``value`` (None: it was empty, so ``.grad == value``).
    grad_before: float | None = None

    @property
    def factors(self) -> list[str]:
        """Every factor's name along the chain, from the loss down (for tests and the page)."""
        return [name for link in reversed(self.links) for name in link.course_names]

    def __str__(self) -> str:
        out = [f"Why is ∂E/∂{bracketed(self.label)}{_index_text(self.index)} = {_number(self.value)}?"]
        if len(self.paths) > 1:
            out.append(f"It is reached by {len(self.paths)} paths, summed:")
            for path in self.paths:
                out.append(f"  {path.quantity} via {path.op}: {_number(path.value)}")
            out.append(f"  total {_number(self.value)}; the chain of the largest path follows.")
        out.append("From the loss down, one link per op (each link's value is a factor of the next):")
        for number, link in enumerate(reversed(self.links), 1):
            lines = link.lines()
            out.append(f"{number:>2}. " + lines[0])
            out.extend("    " + line for line in lines[1:])
        where = _index_text(self.index)
        if self.grad is not None and self.grad_before is not None:
            total = self.grad_before + self.value
            same = "equal to" if self.grad == total else "NOT equal to"
            out.append(
                f"= {_number(self.value)}; .grad{where} held {_number(self.grad_before)} from earlier passes, "
                f"so {_number(self.grad_before)} + {_number(self.value)} = {_number(total)}, {same} .grad{where} "
                f"= {_number(self.grad)}"
            )
        elif self.grad is not None:
            same = "equal to" if self.grad == self.value else "NOT equal to"
            out.append(f"= {_number(self.value)}, {same} .grad{where} = {_number(self.grad)}")
        return "\n".join(out)


@dataclasses.dataclass
class ScalarStep:
    """One number of the backward pass: the gradient one step sent to one element of one input."""

    step: int
    op: str
    layer: str | None
    target: str
    formula: str
    terms: list[Term]
    value: float
    #: The element's running total after this step (differs from ``value`` where paths meet).
    total: float

    def __str__(self) -> str:
        where = f" ({self.layer})" if self.layer else ""
        products = " + ".join(str(term) for term in self.terms) if self.terms else "(not expanded)"
        running = f"; running total {_number(self.total)}" if self.total != self.value else ""
        return f"[{self.step}] {self.op}{where}: ∂E/∂{self.target} += {products} = {_number(self.value)}{running}"


def explain(tape: BackwardTape, tensor: Tensor, index: Any = ()) -> Explanation:
    """Why ``tensor``'s gradient at ``index`` is the number it is: the chain of factors from the loss to it.

    ``tensor`` is any parameter or intermediate the traced backward pass
    reached; ``index`` one of its elements (a tuple, or an int for a
    vector). Returns an :class:`Explanation`; print it to read it.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"explain: expected a Tensor, got {type(tensor).__name__}")
    index = _normalise_index(index, tensor.shape, "explain")
    total = tape.total_gradient(tensor)
    if total is None:
        raise ValueError(
            f"explain: the traced backward pass never reached this tensor ({tape.symbol(tensor)}, "
            f"shape {tensor.shape}): it does not lead to the loss, or was not traced"
        )
    links, paths = _chain(tape, tensor, index)
    grad = grad_before = None
    if tensor.grad is not None and tensor.grad.shape == tensor.shape:
        grad = float(tensor.grad.data[index])
        arrivals = [a for a in tape.arrivals if a.tensor is tensor]
        if arrivals and arrivals[-1].grad_before is not None:
            grad_before = float(arrivals[-1].grad_before[index])
    return Explanation(tape.symbol(tensor), index, float(total[index]), grad, links, paths, grad_before)


def _chain(tape: BackwardTape, tensor: Tensor, index: tuple[int, ...]) -> tuple[list[Link], list[Link]]:
    """Links from ``tensor[index]`` up to the loss, following the largest term at each sum."""
    links: list[Link] = []
    paths: list[Link] = []
    current: tuple[Tensor, tuple[int, ...]] | None = (tensor, index)
    seen = 0
    while current is not None and seen < 10_000:
        seen += 1
        node, where = current
        # Only the last pass that reached the tensor: several backward() calls in one trace are separate chains.
        contributions = tape.contributions_to(node)
        if contributions:
            last_pass = contributions[-1].step.pass_number
            contributions = [c for c in contributions if c.step.pass_number == last_pass]
        if not contributions:  # a root: its gradient is the seed
            seed = tape.total_gradient(node)
            value = float(seed[where]) if seed is not None else float("nan")
            label = f"∂E/∂{_symbol(tape, node)}{_index_text(where)}"
            formula = "1 (the loss itself)" if value == 1.0 and node.data.size == 1 else "the starting gradient"
            formula += f"; E = {_number(node.data.ravel()[0])}" if node.data.size == 1 else ""
            links.append(Link(label, "loss", None, formula, (), "", [], value, None))
            break
        candidates = [local_link(tape, c, where) for c in contributions]
        if len(candidates) > 1:
            total = float(contributions[-1].total_after[where])
            label = f"∂E/∂{_symbol(tape, node)}{_index_text(where)}"
            if not links:
                paths = candidates
            terms = [Term(((f"via {c.op}", c.value),), c.value) for c in candidates]
            formula = " + ".join(f"(via {c.op})" for c in candidates)
            names: tuple[str, ...] = ()
            if _is_probability_bce(contributions):
                names = _probability_bce_names(tape, node, contributions, where)
            links.append(Link(label, "sum of paths", None, formula, names, "gradients from several paths add up",
                              terms, total, None))
            link = max(candidates, key=lambda c: abs(c.value))
            link.note = (link.note + "; " if link.note else "") + "the largest of the paths"
        else:
            link = candidates[0]
        links.append(link)
        current = link.follow
    return links, paths

def scalar_view(tape: BackwardTape, max_elements: int = 2_000) -> list[ScalarStep]:
    """The whole backward pass one number at a time (for tiny networks): each element of each gradient sent.

    Each :class:`ScalarStep` says which op sent how much to which element,
    as a sum of products of numbers, and the element's running total.
    Refuses (``ValueError``) a pass with more than ``max_elements`` numbers.
    """
    count = sum(c.gradient.size for step in tape.steps for c in step.contributions)
    if count > max_elements:
        raise ValueError(
            f"scalar_view: the traced pass sent {count} numbers, more than max_elements={max_elements}; "
            "it is meant for tiny networks (use explain for one element of a large one)"
        )
    view = []
    for step in tape.steps:
        for contribution in step.contributions:
            for where in np.ndindex(*contribution.gradient.shape):
                link = local_link(tape, contribution, where)
                view.append(
                    ScalarStep(
                        step=step.number,
                        op=step.op,
                        layer=step.layer_name,
                        target=f"{_symbol(tape, contribution.tensor)}{_index_text(where)}",
                        formula=link.formula,
                        terms=link.terms,
                        value=link.value,
                        total=float(contribution.total_after[where]),
                    )
                )
    return view


# ------------------------------------------------------------ the local derivatives
# Symbols of the course's derivation for each op's local derivative.
_UNARY = {
    # op: (the local derivative as a factor, the course's name for it)
    "relu": ("1[{x} > 0]", "ReLU′ = 1[z>0]"),
    "sigmoid": ("{y}(1−{y})", "σ′(z) = ŷ(1−ŷ)"),
    "tanh": ("1−{y}²", "tanh′(z) = 1−tanh(z)²"),
    "exp": ("{y}", "exp′(z) = exp(z)"),
    "log": ("1/{x}", "log′(z) = 1/z"),
    "sqrt": ("1/(2{y})", "sqrt′(z) = 1/(2 sqrt(z))"),
    "neg": ("−1", ""),
    "abs": ("sign({x})", "|z|′ = sign(z)"),
    "leaky_relu": ("slope({x})", "1 where z > 0, else the negative slope"),
    "clip": ("1[lo ≤ {x} ≤ hi]", ""),
    "cast": ("1", ""),
}


# The ignores below: NumPy's stubs type the product of two arrays of unknown dtype, and np.sign, as Any.
def _unary_local(op: str, function: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if op == "relu":
        return (x > 0).astype(float)
    if op == "sigmoid":
        return y * (1 - y)  # type: ignore[no-any-return]
    if op == "tanh":
        return 1 - y * y  # type: ignore[no-any-return]
    if op == "exp":
        return y
    if op == "log":
        return 1 / x
    if op == "sqrt":
        return 1 / (2 * y)
    if op == "neg":
        return -np.ones_like(x)
    if op == "abs":
        return np.sign(x)  # type: ignore[no-any-return]
    if op == "leaky_relu":
        return np.where(x > 0, 1.0, function.negative_slope)
    if op == "clip":
        inside = np.ones(x.shape, dtype=bool)
        if function.min is not None:
            inside &= x >= function.min
        if function.max is not None:
            inside &= x <= function.max
        return inside.astype(float)
    return np.ones_like(x, dtype=float)  # cast


def _fill(template: str, **symbols: str) -> str:
    """``template`` with its symbols put in, each in brackets where it is a compound: 1/(1−a), · (y−1)."""
    return template.format(**{key: bracketed(value) for key, value in symbols.items()})


def _binary_local(op: str, index: int, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, str]:
    """The local derivative of a broadcasting op of two inputs with respect to input ``index``, and its name."""
    if op == "add":
        return np.ones_like(out, dtype=float), "1"
    if op == "sub":
        return (np.ones_like(out, dtype=float), "1") if index == 0 else (-np.ones_like(out, dtype=float), "−1")
    if op == "mul":
        return (np.broadcast_to(b, out.shape), "{b}") if index == 0 else (np.broadcast_to(a, out.shape), "{a}")
    if op == "div":
        if index == 0:
            return np.broadcast_to(1 / b, out.shape), "1/{b}"
        return np.broadcast_to(-a / (b * b), out.shape), "−{a}/{b}²"
    if op == "pow":
        if index == 0:
            return np.broadcast_to(b * a ** (b - 1), out.shape), "{b}·{a}^({b}−1)"
        return np.broadcast_to(out * np.log(a), out.shape), "{a}^{b}·log {a}"
    if op == "maximum":
        share = (a > b) + 0.5 * (a == b)
        share = share if index == 0 else 1 - share
        return np.broadcast_to(share, out.shape), "1 where it is the larger (½ at ties)"
    raise KeyError(op)


def local_link(tape: BackwardTape, contribution: Contribution, where: tuple[int, ...]) -> Link:
    """The chain-rule step that gave ``contribution.tensor[where]`` its gradient from ``contribution.step``."""
    step = contribution.step
    i = contribution.input_index
    op = step.op
    value = float(contribution.gradient[where])
    me = _symbol(tape, contribution.tensor)
    out = _symbol(tape, step.output)
    quantity = f"∂E/∂{me}{_index_text(where)}"
    upstream = step.upstream

    def make(formula: str, names: tuple[str, ...], terms: list[Term], follow: _Follow, note: str = "") -> Link:
        return Link(quantity, op, step.layer_name, formula, names, step.rule, terms, value, follow, note)

    def up(o: tuple[int, ...]) -> tuple[str, float]:
        return f"∂E/∂{out}{_index_text(o)}", float(upstream[o])

    def largest(terms: list[Term], indices: list[tuple[int, ...]]) -> _Follow:
        if not terms:
            return None
        k = max(range(len(terms)), key=lambda n: abs(terms[n].product))
        return step.output, indices[k]

    if op in _UNARY:
        x, y = step.input_values[0], step.output_value
        local = _unary_local(op, step.function, x, y)
        text, seed_name = _UNARY[op]
        local_text = _fill(text, x=f"{me}{_index_text(where)}", y=f"{out}{_index_text(where)}")
        term = Term((up(where), (local_text, float(local[where]))), float(upstream[where] * local[where]))
        formula = f"∂E/∂{out}{_index_text(where)} · {local_text}"
        return make(formula, (seed_name,) if seed_name else (), [term], (step.output, where))

    if op == "binary_cross_entropy_with_logits":
        return _bce_link(tape, step, i, where, make, up)

    if op in ("add", "sub", "mul", "div", "pow", "maximum"):
        a, b = step.input_values
        local, text = _binary_local(op, i, a, b, step.output_value)
        names = {"a": _symbol(tape, step.inputs[0]), "b": _symbol(tape, step.inputs[1])}
        indices = _broadcast_sources(contribution.tensor.shape, step.output_value.shape, where)
        terms = []
        for o in indices:
            local_name = _fill(text, a=f"{names['a']}{_index_text(_fold(o, a.shape))}",
                               b=f"{names['b']}{_index_text(_fold(o, b.shape))}")
            terms.append(Term((up(o), (local_name, float(local[o]))), float(upstream[o] * local[o])))
        head = "Σ over the broadcast copies of " if len(indices) > 1 else ""
        formula = f"{head}∂E/∂{out}[…] · {_fill(text, a=names['a'], b=names['b'])}"
        return make(formula, (), terms, largest(terms, indices))

    if op in ("linear", "matmul") and all(v.ndim == 2 for v in step.input_values[:2]):
        return _matrix_link(tape, step, i, where, make, up, largest)

    if op in ("sum", "mean"):
        x = step.input_values[0]
        axis = step.function.axis  # type: ignore[attr-defined]  # a Sum or Mean
        axes = tuple(range(x.ndim)) if axis is None else tuple(a % x.ndim for a in np.atleast_1d(axis))
        if step.function.keepdims:  # type: ignore[attr-defined]
            o = tuple(0 if d in axes else w for d, w in enumerate(where))
        else:
            o = tuple(w for d, w in enumerate(where) if d not in axes)
        if op == "mean":
            count = x.size // max(step.output_value.size, 1)
            term = Term((up(o), (f"1/n = 1/{count}", 1.0 / count)), float(upstream[o]) / count)
            formula = f"∂E/∂{out}{_index_text(o)} · 1/n"
            return make(formula, ("∂E/∂l = 1/n (the mean)",), [term], (step.output, o))
        return make(f"∂E/∂{out}{_index_text(o)} · 1", (), [Term((up(o), ("1", 1.0)), float(upstream[o]))],
                    (step.output, o))

    if op == "reshape":
        flat = np.ravel_multi_index(where, contribution.tensor.shape) if where else 0
        o = tuple(int(k) for k in np.unravel_index(flat, step.output_value.shape)) if step.output_value.ndim else ()
        return make(f"∂E/∂{out}{_index_text(o)} (moved, not changed)", (), [Term((up(o),), float(upstream[o]))],
                    (step.output, o))

    if op == "transpose":
        axes = step.function.axes  # type: ignore[attr-defined]  # a Transpose
        o = tuple(where[a] for a in axes)
        return make(f"∂E/∂{out}{_index_text(o)} (moved, not changed)", (), [Term((up(o),), float(upstream[o]))],
                    (step.output, o))

    if op == "broadcast_to":
        indices = _broadcast_sources(contribution.tensor.shape, step.output_value.shape, where)
        terms = [Term((up(o),), float(upstream[o])) for o in indices]
        return make(f"Σ over the copies of ∂E/∂{out}[…]", (), terms, largest(terms, indices))

    # Ops whose gradient mixes many elements (softmax, getitem, concatenate ...): the engine's number, not expanded.
    return make(f"({op}'s rule: {step.rule})", (), [], None, note="not expanded element by element")


def _bce_link(
    tape: BackwardTape, step: Step, i: int, where: tuple[int, ...], make: _MakeLink, up: _Upstream
) -> Link:
    """Binary cross-entropy from the logit z: ∂E/∂z = ∂E/∂ŷ · σ′(z) (the course's two factors) = ∂E/∂l · (ŷ − y)."""
    shape = step.output_value.shape
    z_all = np.broadcast_to(step.input_values[0], shape)
    y_all = np.broadcast_to(step.input_values[1], shape)
    indices = _broadcast_sources(step.inputs[i].shape, shape, where)
    l_name = _symbol(tape, step.output)
    z_name = _symbol(tape, step.inputs[0])
    terms: list[Term] = []
    names: tuple[str, ...] = ()
    for o in indices:
        z, y, upstream = float(z_all[o]), float(y_all[o]), float(step.upstream[o])
        if i == 1:  # the gradient with respect to the target: −z
            terms.append(Term((up(o), ("−z", -z)), upstream * -z))
            continue
        y_hat = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
        slope = y_hat * (1 - y_hat)
        if slope > 0:
            factors = (up(o), ("(ŷ−y)/(ŷ(1−ŷ))", (y_hat - y) / slope), ("ŷ(1−ŷ)", slope))
        else:  # a saturated sigmoid: ŷ(1−ŷ) rounds to 0, only the product (ŷ − y) is finite
            factors = (up(o), ("ŷ − y (σ saturated)", y_hat - y))  # type: ignore[assignment]
        terms.append(Term(factors, upstream * (y_hat - y)))
        if not names:
            k = _index_text(o)
            names = (f"ŷ = σ({z_name}{k}) = {_number(y_hat)}, y = {_number(y)}",)
            if slope > 0:
                names += (
                    f"∂E/∂ŷ = (1/n)(ŷ−y)/(ŷ(1−ŷ)) = {_number(upstream * (y_hat - y) / slope)}",
                    f"σ′(z) = ŷ(1−ŷ) = {_number(slope)}",
                )
    k = _index_text(where) if len(indices) == 1 else "[…]"
    follow = max(zip(terms, indices), key=lambda pair: abs(pair[0].product))[1]
    if i == 1:
        return make(f"∂E/∂{l_name}{k} · (−z)", (), terms, (step.output, follow))
    upstream_name = f"∂E/∂{l_name}{k}"
    formula = f"∂E/∂ŷ · σ′(z) = {upstream_name} · (ŷ−y)/(ŷ(1−ŷ)) · ŷ(1−ŷ) = {upstream_name} · (ŷ − y)"
    return make(formula, names, terms, (step.output, follow),
                note="the engine computes the product ∂E/∂ŷ · σ′(z) = (1/n)(ŷ−y) in one stable step")


def _is_probability_bce(contributions: list[Contribution]) -> bool:
    """True when a tensor p got its gradient from PyTorch's un-fused binary cross-entropy (F.binary_cross_entropy,
    BCELoss): one path through clip(p) (toward log p), one through 1 − p (toward log(1 − p))."""
    if sorted(c.step.op for c in contributions) != ["clip", "sub"]:
        return False
    sub = next(c for c in contributions if c.step.op == "sub")
    return sub.input_index == 1 and bool(np.all(sub.step.input_values[0] == 1))


def _probability_bce_names(
    tape: BackwardTape, node: Tensor, contributions: list[Contribution], where: tuple[int, ...]
) -> tuple[str, ...]:
    """The course's ∂E/∂ŷ for the two paths of the un-fused loss, −y/ŷ and (1−y)/(1−ŷ), each times 1/n, added."""
    p = f"{_symbol(tape, node)}{_index_text(where)}"
    formula = "∂E/∂ŷ = (1/n)(−y/ŷ + (1−y)/(1−ŷ)) = (1/n)(ŷ−y)/(ŷ(1−ŷ))"
    clamped = []
    for c in contributions:
        # The path's clip: the step itself on the log ŷ path, the step that received 1 − ŷ on the other.
        clip = c.step if c.step.op == "clip" else next((s for s in tape.steps if s.inputs[0] is c.step.output), None)
        if clip is None or clip.op != "clip":
            continue
        x = clip.input_values[0]
        if _unary_local("clip", clip.function, x, clip.output_value)[_fold(where, x.shape)] == 0:
            clamped.append("log ŷ" if clip is c.step else "log(1−ŷ)")
    value = float(next(c for c in contributions if c.step.op == "clip").step.input_values[0][where])
    if clamped:  # PyTorch's −100 floor: the formula's term for that log is replaced by 0
        where_clamped = " and ".join(clamped)
        note = f"here {p} = {_number(value)} and {where_clamped} is clamped at its floor, so that path sends 0"
        return (f"{formula} where no log is clamped; {note}",)
    return (f"{formula}; here {p} = {_number(value)}",)


def _matrix_link(tape: BackwardTape, step: Step, i: int, where: tuple[int, ...], make: _MakeLink, up: _Upstream,
                 largest: _Largest) -> Link:
    """z = x W (+ b): ∂E/∂W[i,j] = Σ_n x[n,i] ∂E/∂z[n,j]; ∂E/∂b[j] = Σ_n ∂E/∂z[n,j];
    ∂E/∂x[n,i] = Σ_j ∂E/∂z[n,j] W[i,j]."""
    x, w = step.input_values[0], step.input_values[1]
    x_name, w_name = _symbol(tape, step.inputs[0]), _symbol(tape, step.inputs[1])
    out = _symbol(tape, step.output)
    upstream = step.upstream
    terms: list[Term] = []
    indices: list[tuple[int, ...]] = []
    if i == 1:  # the weight
        row, column = where
        for n in range(x.shape[0]):
            o = (n, column)
            terms.append(Term(((f"{x_name}[{n},{row}]", float(x[n, row])), up(o)), float(x[n, row] * upstream[o])))
            indices.append(o)
        formula = f"Σ_n {x_name}[n,{row}] · ∂E/∂{out}[n,{column}]"
        seed = f"∂z/∂w = x: ∂{out}[n,{column}]/∂{w_name}[{row},{column}] = {x_name}[n,{row}]"
        names: tuple[str, ...] = (seed,)
    elif i == 2:  # the bias
        (column,) = where
        for n in range(upstream.shape[0]):
            o = (n, column)
            terms.append(Term((up(o), ("1", 1.0)), float(upstream[o])))
            indices.append(o)
        formula = f"Σ_n ∂E/∂{out}[n,{column}] · 1"
        names = ("∂z/∂b = 1, summed over the samples",)
    else:  # the input
        n, row = where
        for column in range(w.shape[1]):
            o = (n, column)
            terms.append(Term((up(o), (f"{w_name}[{row},{column}]", float(w[row, column]))),
                              float(upstream[o] * w[row, column])))
            indices.append(o)
        formula = f"Σ_j ∂E/∂{out}[{n},j] · {w_name}[{row},j]"
        names = (f"∂z/∂x = W: ∂{out}[{n},j]/∂{x_name}[{n},{row}] = {w_name}[{row},j]",)
    return make(formula, names, terms, largest(terms, indices))


# ------------------------------------------------------------------- helpers
def _broadcast_sources(
    shape: tuple[int, ...], out_shape: tuple[int, ...], where: tuple[int, ...]
) -> list[tuple[int, ...]]:
    """Every index of the broadcast result that element ``where`` of an input of ``shape`` was copied to."""
    lead = len(out_shape) - len(shape)
    ranges: list[Sequence[int]] = []
    for d, width in enumerate(out_shape):
        if d < lead:
            ranges.append(range(width))
        elif shape[d - lead] == 1 and width != 1:
            ranges.append(range(width))
        else:
            ranges.append((where[d - lead],))
    return [tuple(o) for o in itertools.product(*ranges)]


def _fold(o: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """The element of an input of ``shape`` that broadcasting copied to result index ``o``."""
    lead = len(o) - len(shape)
    return tuple(0 if width == 1 else o[lead + d] for d, width in enumerate(shape))


def _normalise_index(index: Any, shape: tuple[int, ...], who: str) -> tuple[int, ...]:
    if isinstance(index, (int, np.integer)):
        index = (int(index),)
    try:
        index = tuple(int(k) for k in index)
    except TypeError:
        raise TypeError(f"{who}: index must be a tuple of integers, got {index!r}") from None
    if len(index) != len(shape) or any(not -w <= k < w for k, w in zip(index, shape)):
        raise IndexError(f"{who}: index {index} does not name an element of a tensor of shape {shape}")
    return tuple(k % w for k, w in zip(index, shape))


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def symbols(tape: BackwardTape) -> dict[int, str]:
    """Names for the tensors on the tape, in the course's notation where it applies."""
    layers: dict[int, int] = {}
    for step in reversed(tape.steps):  # forward order: the layer met first is layer 1
        if step.layer is not None and id(step.layer) not in layers and step.op in ("linear", "matmul"):
            layers[id(step.layer)] = len(layers) + 1
    last_layer = max(layers.values(), default=0)
    names: dict[int, str] = {}
    used: dict[str, int] = {}

    def give(tensor: Tensor, name: str) -> None:
        if id(tensor) in names:
            return
        count = used.get(name, 0)
        used[name] = count + 1
        names[id(tensor)] = name if count == 0 else f"{name}_{count + 1}"

    for root, _ in tape.roots:
        give(root, "E")
    made_by = {id(step.output): step for step in tape.steps}

    def from_one_minus(tensor: Tensor) -> Tensor | None:
        """p when ``tensor`` is 1 − p (PyTorch's un-fused binary cross-entropy takes log(1 − p))."""
        step = made_by.get(id(tensor))
        if step is not None and step.op == "sub" and np.all(step.input_values[0] == 1):
            return step.inputs[1]
        return None

    def target_factor(step: Step) -> tuple[Tensor, str] | None:
        """The constant −y (or y − 1) by which F.binary_cross_entropy multiplies log p (or log(1 − p))."""
        if step.op != "mul":
            return None
        log, constant = step.inputs
        made = made_by.get(id(log))
        if constant.grad_fn is not None or constant.name or made is None or made.op != "log":
            return None
        clip = made_by.get(id(made.inputs[0]))
        if clip is None or clip.op != "clip":
            return None
        return constant, ("y−1" if from_one_minus(clip.inputs[0]) is not None else "−y")

    for step in reversed(tape.steps):
        number = layers.get(id(step.layer))
        target = target_factor(step)
        if target is not None:
            give(*target)
        sup = str(number).translate(_SUPERSCRIPTS) if number else ""
        if step.op in ("linear", "matmul"):
            give(step.output, f"z{sup}")
            for k, role in enumerate(("x", "W", "b")[: len(step.inputs)]):
                tensor = step.inputs[k]
                if tensor.grad_fn is None:
                    give(tensor, f"{role}{sup}" if role != "x" else (tensor.name and tensor.name.lower() or "x"))
        elif step.op == "sigmoid" and number == last_layer:
            give(step.output, "ŷ")
        elif step.op in ("relu", "sigmoid", "tanh", "leaky_relu", "softmax"):
            give(step.output, f"a{sup}")
        elif step.op == "binary_cross_entropy_with_logits":
            give(step.output, "l")
            if step.inputs[1].grad_fn is None:
                give(step.inputs[1], "y")
        elif step.op == "sub" and from_one_minus(step.output) is not None and id(step.inputs[1]) in names:
            give(step.output, f"1−{bracketed(names[id(step.inputs[1])])}")
        else:
            give(step.output, f"{step.op}{sup}")
        for tensor in step.inputs:
            if tensor.grad_fn is None:
                give(tensor, tensor.name or f"leaf{sum(1 for name in names.values() if name.startswith('leaf')) + 1}")
    return names


#: Signs that make a name an expression (1−ŷ, y−1, −y, a user's "x + 1"), not a symbol (a¹, W², ŷ, leaf3).
_OPERATOR_SIGNS = ("−", "-", "+", "/", "·", "*", "×", "^", " ")
#: A group in brackets that holds no other: what reads as one unit ("(1−ŷ)", "[1,0]").
_INNERMOST_GROUP = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def bracketed(name: str) -> str:
    """``name`` as it reads before an index or after ∂, in a product or a quotient: in brackets if it is an expression.

    ``1−ŷ`` becomes ``(1−ŷ)``, so that the gradient of its element reads
    ``∂E/∂(1−ŷ)[1,0]``, not ``∂E/∂1−ŷ[1,0]``; a simple name (``a¹``,
    ``W²``, ``ŷ``, ``sum``) and one already in brackets, indexed or not
    (``(1−ŷ)[1,0]``, ``z²[0,3]``), stay as they are.

    >>> bracketed("1−ŷ"), bracketed("W²"), bracketed("(1−ŷ)[1,0]")
    ('(1−ŷ)', 'W²', '(1−ŷ)[1,0]')
    """
    outside = name
    while True:  # drop bracketed groups, innermost first: what is left is what the signs apply to
        inner = _INNERMOST_GROUP.sub("", outside)
        if inner == outside:
            break
        outside = inner
    return f"({name})" if any(sign in outside for sign in _OPERATOR_SIGNS) else name


def _symbol(tape: BackwardTape, tensor: Tensor) -> str:
    """The tape's name for ``tensor``, ready to take an index or follow ∂ (see :func:`bracketed`)."""
    return bracketed(tape.symbol(tensor))


def _index_text(index: tuple[int, ...]) -> str:
    return "[" + ",".join(str(k) for k in index) + "]" if index else ""


def _number(value: float) -> str:
    """A number as the explanations print it: enough digits to tell it apart, no more."""
    value = float(value)
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return str(value)
    return f"{value:.6g}"
