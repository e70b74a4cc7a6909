"""Every op in the registry, differentiated and checked against finite differences.

``GRADIENT_CASES`` is the table: one entry per name in ``ops.REGISTRY``, a
Hypothesis strategy that draws a :class:`Case` (the input arrays and how to
call the op on them). Shapes are drawn small but include 0-d tensors, size-1
axes and broadcasting between different ranks; values are drawn away from
each op's kinks and domain edges (see :mod:`tinygrad_moons.testing`).

For every entry the suite checks the first derivative (``gradcheck``), the
second (``gradgradcheck``) and that float32 stays float32. A test also
checks that the table's names are exactly the registry's, so an op added
without a gradient test fails the suite.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_moons as tm
from tinygrad_moons import REGISTRY, Tensor, concatenate, gradcheck, gradgradcheck, ops, stack
from tinygrad_moons.autograd import topological_order
from tinygrad_moons.testing import (
    arrays,
    bounded_floats,
    broadcastable_shapes,
    floats_away_from,
    nonzero_floats,
    positive_floats,
    reduction_axes,
    shapes,
    spaced_floats,
)


@dataclass
class Case:
    """One drawn test of an op: call ``call(*tensors)`` on tensors made from ``inputs``."""

    description: str
    call: Callable[..., Tensor]
    inputs: list[np.ndarray]
    #: Finite-difference step. The default suits every smooth op; see "cast" for the one exception.
    eps: float = 1e-6
    #: The dtype the call returns for float32 inputs, when it casts on purpose (None: float32).
    float32_output_dtype: Any = None


ANY_FLOAT = bounded_floats()  # the default values: finite, in [-3, 3]

# Small sides keep the checks fast: a finite-difference Jacobian costs two
# forward passes per input element, and gradgradcheck squares that work.
SIDE = 4


def small_shapes(min_dims: int = 0, max_dims: int = 3) -> st.SearchStrategy[tuple[int, ...]]:
    return shapes(min_dims=min_dims, max_dims=max_dims, max_side=SIDE)


def pair_of_shapes() -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    return broadcastable_shapes(2, max_dims=3, max_side=SIDE)


# ------------------------------------------------------------ elementwise
def binary(symbol: str, call: Callable[[Tensor, Tensor], Tensor], left=ANY_FLOAT, right=ANY_FLOAT):
    """Two broadcast-compatible arrays, e.g. shapes (3, 1) and (2, 1, 3)."""

    @st.composite
    def draw_case(draw) -> Case:
        shape_a, shape_b = draw(pair_of_shapes())
        a, b = draw(arrays(shape_a, left)), draw(arrays(shape_b, right))
        return Case(f"a {symbol} b with shapes {shape_a} and {shape_b}", call, [a, b])

    return draw_case()


def reflected(description: str, call: Callable[[Tensor], Tensor], elements=ANY_FLOAT):
    """A scalar on the left, as in ``2 - t`` or ``2 ** t``: only the tensor is differentiated."""
    return (
        small_shapes()
        .flatmap(lambda shape: arrays(shape, elements))
        .map(lambda x: Case(f"{description} with shape {x.shape}", call, [x]))
    )


def unary(name: str, call: Callable[[Tensor], Tensor], elements=ANY_FLOAT):
    return (
        small_shapes()
        .flatmap(lambda shape: arrays(shape, elements))
        .map(lambda x: Case(f"{name}(x) with shape {x.shape}", call, [x]))
    )


@st.composite
def pow_with_scalar_exponent(draw) -> Case:
    exponent = draw(st.sampled_from([2, 3, -1, 0.5, 2.5, -1.5]))
    # A non-integer power of a negative number is not real: keep the base positive then.
    elements = nonzero_floats() if float(exponent).is_integer() else positive_floats()
    x = draw(arrays(small_shapes(), elements))
    return Case(f"x ** {exponent} with shape {x.shape}", lambda t: t**exponent, [x])


@st.composite
def maximum_case(draw) -> Case:
    # Two interleaved grids: a and b never tie and differ by at least 0.1.
    shape_a, shape_b = draw(pair_of_shapes())
    a = draw(arrays(shape_a, spaced_floats(gap=0.2)))
    b = draw(arrays(shape_b, spaced_floats(gap=0.2, offset=0.1)))
    return Case(f"a.maximum(b) with shapes {shape_a} and {shape_b}", lambda s, t: s.maximum(t), [a, b])


@st.composite
def maximum_with_scalar(draw) -> Case:
    x = draw(arrays(small_shapes(), spaced_floats(gap=0.1)))
    return Case(f"x.maximum(0.05) with shape {x.shape}", lambda t: t.maximum(0.05), [x])


@st.composite
def minimum_case(draw) -> Case:
    # The same interleaved grids as maximum: no ties.
    shape_a, shape_b = draw(pair_of_shapes())
    a = draw(arrays(shape_a, spaced_floats(gap=0.2)))
    b = draw(arrays(shape_b, spaced_floats(gap=0.2, offset=0.1)))
    return Case(f"minimum(a, b) with shapes {shape_a} and {shape_b}", lambda s, t: tm.minimum(s, t), [a, b])


@st.composite
def where_case(draw) -> Case:
    # Condition, input and other broadcast together; only input and other are differentiated.
    shape_c, shape_a, shape_b = draw(broadcastable_shapes(3, max_dims=3, max_side=SIDE))
    condition = draw(hnp.arrays(np.bool_, shape_c))
    a, b = draw(arrays(shape_a)), draw(arrays(shape_b))
    call = lambda s, t: tm.where(tm.tensor(condition), s, t)  # noqa: E731
    return Case(f"where(condition {shape_c}, a {shape_a}, b {shape_b})", call, [a, b])


@st.composite
def softplus_case(draw) -> Case:
    beta = draw(st.sampled_from([1.0, 0.5, 2.0]))
    threshold = draw(st.sampled_from([20.0, 1.0]))
    # Away from the switch to the linear part at beta x = threshold (the derivative jumps slightly there).
    x = draw(arrays(small_shapes(), floats_away_from(threshold / beta, distance=0.1)))
    call = lambda t: t.softplus(beta=beta, threshold=threshold)  # noqa: E731
    return Case(f"x.softplus(beta={beta}, threshold={threshold}) with shape {x.shape}", call, [x])


@st.composite
def matmul_case(draw) -> Case:
    # NumPy's own signature for matmul draws every case it allows:
    # 1-D @ 1-D, 2-D @ 1-D, 1-D @ 2-D, 2-D @ 2-D and batches that broadcast.
    drawn = draw(hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2, max_side=SIDE))
    shape_a, shape_b = drawn.input_shapes
    a, b = draw(arrays(shape_a)), draw(arrays(shape_b))
    return Case(f"a @ b with shapes {shape_a} and {shape_b}", lambda s, t: s @ t, [a, b])


@st.composite
def linear_case(draw) -> Case:
    # x of shape (batch..., in), kernel (in, units), bias (units,): a dense layer.
    batch = draw(shapes(min_dims=1, max_dims=2, max_side=SIDE))
    in_features, units = draw(st.integers(1, SIDE)), draw(st.integers(1, SIDE))
    x = draw(arrays(batch + (in_features,)))
    kernel, bias = draw(arrays((in_features, units))), draw(arrays((units,)))
    call = lambda *ts: ops.Linear.apply(*ts)  # noqa: E731
    return Case(f"linear of x {x.shape}, kernel {kernel.shape}, bias {bias.shape}", call, [x, kernel, bias])


@st.composite
def binary_cross_entropy_with_logits_case(draw) -> Case:
    # The loss is smooth in both the logit and the target (softplus(z) - z y).
    shape_z, shape_y = draw(pair_of_shapes())
    logits = draw(arrays(shape_z, bounded_floats(5.0)))
    targets = draw(arrays(shape_y, st.floats(0.0, 1.0)))
    call = lambda z, y: ops.BinaryCrossEntropyWithLogits.apply(z, y)  # noqa: E731
    return Case(f"binary_cross_entropy_with_logits of shapes {shape_z} and {shape_y}", call, [logits, targets])


@st.composite
def leaky_relu_case(draw) -> Case:
    slope = draw(st.sampled_from([0.01, 0.1, 0.3]))
    x = draw(arrays(small_shapes(), nonzero_floats()))
    return Case(f"x.leaky_relu({slope}) with shape {x.shape}", lambda t: t.leaky_relu(slope), [x])


@st.composite
def clip_case(draw) -> Case:
    which = draw(st.sampled_from(["min only", "max only", "both"]))
    low, high = sorted(draw(st.lists(st.floats(-2, 2), min_size=2, max_size=2)))
    low = low if which != "max only" else None
    high = high if which != "min only" else None
    bounds = [b for b in (low, high) if b is not None]
    x = draw(arrays(small_shapes(), floats_away_from(*bounds, distance=0.1)))
    return Case(f"x.clip({low}, {high}) with shape {x.shape}", lambda t: t.clip(low, high), [x])


@st.composite
def cast_case(draw) -> Case:
    x = draw(arrays(small_shapes()))
    # Through float32 and back: the derivative is 1, but every value is
    # rounded to float32 (relative error 6e-8). With the usual step 1e-6 that
    # rounding would be 10% of a difference; cast is linear, so a central
    # difference is exact for any step, and a step of 1e-3 lets the rounding
    # cost at most 1.2e-4 -- inside the unchanged tolerance.
    return Case(
        f"x.to(float32).to(float64) with shape {x.shape}",
        lambda t: t.to(np.float32).to(np.float64),
        [x],
        eps=1e-3,
        float32_output_dtype=np.float64,
    )


# ------------------------------------------------------------- reductions
def reduction(name: str, elements=ANY_FLOAT, unique: bool = False):
    """``x.<name>(axis, keepdims)`` with axis None, an int (maybe negative), or a tuple."""

    @st.composite
    def draw_case(draw) -> Case:
        x = draw(arrays(small_shapes(), elements, unique=unique))
        axis = draw(reduction_axes(x.ndim))
        keepdims = draw(st.booleans())
        call = lambda t: getattr(t, name)(axis=axis, keepdims=keepdims)  # noqa: E731
        return Case(f"x.{name}(axis={axis}, keepdims={keepdims}) with shape {x.shape}", call, [x])

    return draw_case()


def along_axis(name: str):
    """``x.softmax(axis)`` / ``x.log_softmax(axis)``: one axis, maybe negative."""

    @st.composite
    def draw_case(draw) -> Case:
        x = draw(arrays(small_shapes()))
        rank = max(x.ndim, 1)  # a 0-d tensor accepts axis 0 or -1, as NumPy
        axis = draw(st.integers(-rank, rank - 1))
        call = lambda t: getattr(t, name)(axis=axis)  # noqa: E731
        return Case(f"x.{name}(axis={axis}) with shape {x.shape}", call, [x])

    return draw_case()


# ------------------------------------------------------------------ shapes
def prime_factors(n: int) -> list[int]:
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors


@st.composite
def reshape_case(draw) -> Case:
    x = draw(arrays(small_shapes()))
    # Deal the prime factors of the size out to a new number of axes; empty axes get size 1.
    new_ndim = draw(st.integers(0 if x.size == 1 else 1, 3))
    new_shape = [1] * new_ndim
    for p in prime_factors(x.size):
        new_shape[draw(st.integers(0, new_ndim - 1))] *= p
    if new_ndim and draw(st.booleans()):
        new_shape[draw(st.integers(0, new_ndim - 1))] = -1  # let reshape infer one axis
    new_shape = tuple(new_shape)
    return Case(f"x.reshape({new_shape}) with shape {x.shape}", lambda t: t.reshape(new_shape), [x])


@st.composite
def transpose_case(draw) -> Case:
    x = draw(arrays(small_shapes()))
    axes = draw(st.none() | st.permutations(range(x.ndim)).map(tuple))
    if axes is None:
        return Case(f"x.T with shape {x.shape}", lambda t: t.T, [x])
    if x.ndim >= 1 and draw(st.booleans()):  # PyTorch's transpose(dim0, dim1): two dims swapped
        dim0, dim1 = draw(st.integers(-x.ndim, x.ndim - 1)), draw(st.integers(-x.ndim, x.ndim - 1))
        return Case(f"x.transpose({dim0}, {dim1}) with shape {x.shape}", lambda t: t.transpose(dim0, dim1), [x])
    return Case(f"x.permute{axes} with shape {x.shape}", lambda t: t.permute(*axes), [x])


@st.composite
def broadcast_to_case(draw) -> Case:
    drawn = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=SIDE))
    x = draw(arrays(drawn.input_shapes[0]))
    target = drawn.result_shape
    return Case(f"x.broadcast_to({target}) with shape {x.shape}", lambda t: t.broadcast_to(target), [x])


@st.composite
def repeat_case(draw) -> Case:
    x = draw(arrays(small_shapes(max_dims=2)))
    # At least one repeat per axis, maybe more (new leading axes), as PyTorch requires.
    repeats = tuple(draw(st.lists(st.integers(1, 3), min_size=x.ndim, max_size=x.ndim + 1)))
    return Case(f"x.repeat{repeats} with shape {x.shape}", lambda t: t.repeat(*repeats), [x])


@st.composite
def indices(draw, shape: tuple[int, ...]):
    """Basic indices (ints, slices, None, ...) or integer arrays, which may repeat an element."""
    basic = hnp.basic_indices(shape, allow_newaxis=True)
    if not shape:
        return draw(basic)
    integer_arrays = hnp.integer_array_indices(shape, result_shape=shapes(max_dims=2, max_side=4))
    # An integer array on the first axis, a slice on the rest (a mixed index).
    mixed = st.tuples(
        hnp.integer_array_indices(shape[:1], result_shape=shapes(min_dims=1, max_dims=1, max_side=4)),
        hnp.basic_indices(shape[1:], allow_ellipsis=False),
    ).map(lambda parts: parts[0] + (parts[1] if isinstance(parts[1], tuple) else (parts[1],)))
    return draw(st.one_of(basic, integer_arrays, mixed))


def index_repr(index: Any) -> str:
    parts = index if isinstance(index, tuple) else (index,)
    return "[" + ", ".join(repr(p.tolist()) if isinstance(p, np.ndarray) else repr(p) for p in parts) + "]"


@st.composite
def getitem_case(draw) -> Case:
    x = draw(arrays(small_shapes()))
    index = draw(indices(x.shape))
    return Case(f"x{index_repr(index)} with shape {x.shape}", lambda t: t[index], [x])


@st.composite
def index_add_case(draw) -> Case:
    shape = draw(small_shapes())
    index = draw(indices(shape))
    values = draw(arrays(np.empty(shape)[index].shape))
    call = lambda v: ops.IndexAdd.apply(v, shape=shape, index=index)  # noqa: E731
    return Case(f"index_add of values {values.shape} into zeros{shape} at {index_repr(index)}", call, [values])


@st.composite
def setitem_case(draw) -> Case:
    """x with values written at an index without repeats (a repeat's kept value is undefined, as in PyTorch)."""
    shape = draw(small_shapes())
    index = draw(indices(shape))
    counts = np.zeros(shape, dtype=int)
    np.add.at(counts, index, 1)
    assume(counts.max(initial=0) <= 1)
    target = np.empty(shape)[index].shape
    values_shape = draw(st.sampled_from([target, target[1:], ()]))  # the value may be broadcast
    x, values = draw(arrays(shape)), draw(arrays(values_shape))
    call = lambda a, v: ops.SetItem.apply(a, v, index=index)  # noqa: E731
    return Case(f"x{index_repr(index)} = values {values_shape} with x of shape {shape}", call, [x, values])


@st.composite
def concatenate_case(draw) -> Case:
    base = list(draw(small_shapes(min_dims=1)))
    axis = draw(st.integers(-len(base), len(base) - 1))
    lengths = draw(st.lists(st.integers(1, SIDE), min_size=1, max_size=3))
    parts = []
    for length in lengths:
        base[axis] = length
        parts.append(draw(arrays(tuple(base))))
    call = lambda *ts: concatenate(ts, axis=axis)  # noqa: E731
    return Case(f"concatenate(axis={axis}) of shapes {[p.shape for p in parts]}", call, parts)


@st.composite
def stack_case(draw) -> Case:
    shape = draw(small_shapes(max_dims=2))
    axis = draw(st.integers(-(len(shape) + 1), len(shape)))
    count = draw(st.integers(1, 3))
    parts = [draw(arrays(shape)) for _ in range(count)]
    call = lambda *ts: stack(ts, axis=axis)  # noqa: E731
    return Case(f"stack(axis={axis}) of {count} tensors of shape {shape}", call, parts)


# -------------------------------------------------------------- the table
GRADIENT_CASES: dict[str, st.SearchStrategy[Case]] = {
    "add": binary("+", lambda a, b: a + b),
    "sub": binary("-", lambda a, b: a - b) | reflected("1.5 - x", lambda t: 1.5 - t),
    "mul": binary("*", lambda a, b: a * b),
    "div": binary("/", lambda a, b: a / b, right=nonzero_floats(0.5))
    | reflected("2 / x", lambda t: 2 / t, elements=nonzero_floats(0.5)),
    "pow": binary("**", lambda a, b: a**b, left=positive_floats(), right=bounded_floats(2.0))
    | pow_with_scalar_exponent()
    | reflected("2 ** x", lambda t: 2**t, elements=bounded_floats(2.0)),
    "neg": unary("neg", lambda t: -t),
    "maximum": maximum_case() | maximum_with_scalar(),
    "minimum": minimum_case(),
    "where": where_case(),
    "matmul": matmul_case(),
    "linear": linear_case(),
    "exp": unary("exp", lambda t: t.exp(), elements=bounded_floats(4.0)),
    "log": unary("log", lambda t: t.log(), elements=positive_floats()),
    "sqrt": unary("sqrt", lambda t: t.sqrt(), elements=positive_floats()),
    "sin": unary("sin", lambda t: t.sin()),
    "cos": unary("cos", lambda t: t.cos()),
    "tanh": unary("tanh", lambda t: t.tanh()),
    "sigmoid": unary("sigmoid", lambda t: t.sigmoid(), elements=bounded_floats(5.0)),
    "relu": unary("relu", lambda t: t.relu(), elements=nonzero_floats()),
    "leaky_relu": leaky_relu_case(),
    "softplus": softplus_case(),
    "abs": unary("abs", lambda t: t.abs(), elements=nonzero_floats()),
    "clip": clip_case(),
    "cast": cast_case(),
    "clone": unary("clone", lambda t: t.clone()),
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits_case(),
    "sum": reduction("sum"),
    "mean": reduction("mean"),
    # Distinct values at least 0.05 apart (121 grid values for at most 64 elements): no ties for max to split.
    "max": reduction("max", elements=spaced_floats(gap=0.05), unique=True),
    "min": reduction("min", elements=spaced_floats(gap=0.05), unique=True),
    # Magnitudes near 1, so a product of up to 64 of them stays moderate; no zeros (see test_prod_with_zeros).
    "prod": reduction("prod", elements=nonzero_floats(0.6, 1.4)),
    "logsumexp": reduction("logsumexp"),
    "softmax": along_axis("softmax"),
    "log_softmax": along_axis("log_softmax"),
    "reshape": reshape_case(),
    "transpose": transpose_case(),
    "broadcast_to": broadcast_to_case(),
    "repeat": repeat_case(),
    "getitem": getitem_case(),
    "index_add": index_add_case(),
    "setitem": setitem_case(),
    "concatenate": concatenate_case(),
    "stack": stack_case(),
}

OP_NAMES = sorted(GRADIENT_CASES)


def test_every_registered_op_has_a_gradient_test():
    assert set(GRADIENT_CASES) == set(REGISTRY), (
        f"ops without a gradient test: {sorted(set(REGISTRY) - set(GRADIENT_CASES))}; "
        f"tests of ops not in the registry: {sorted(set(GRADIENT_CASES) - set(REGISTRY))}"
    )


@pytest.mark.parametrize("op_name", OP_NAMES)
@given(data=st.data())
def test_first_derivative_matches_finite_differences(op_name, data):
    case = data.draw(GRADIENT_CASES[op_name])
    assert gradcheck(case.call, case.inputs, eps=case.eps)


# Every op here is twice differentiable (the piecewise ones away from their
# kinks, where the second derivative is 0).
@pytest.mark.slow  # 42 ops x 40 examples: ~10 s of CPU; the first derivatives stay in the quick run
@pytest.mark.parametrize("op_name", OP_NAMES)
@given(data=st.data())
def test_second_derivative_matches_finite_differences(op_name, data):
    case = data.draw(GRADIENT_CASES[op_name])
    assert gradgradcheck(case.call, case.inputs, eps=case.eps)


@pytest.mark.parametrize("op_name", OP_NAMES)
@given(data=st.data())
def test_float32_stays_float32(op_name, data):
    case = data.draw(GRADIENT_CASES[op_name])
    tensors = [Tensor(a.astype(np.float32), requires_grad=True) for a in case.inputs]
    output = case.call(*tensors)
    assert output.dtype == (case.float32_output_dtype or np.float32)
    output.backward(np.ones(output.shape, dtype=output.dtype), retain_graph=True)  # walked again below
    for i, t in enumerate(tensors):
        assert t.grad is not None, f"input {i} got no gradient"
        assert t.grad.dtype == np.float32, f"input {i}: gradient is {t.grad.dtype}"
        assert t.grad.shape == t.shape

    if case.float32_output_dtype is None:
        # The engine casts every gradient back to its input's dtype, which would
        # hide a backward rule computing in float64. Record the backward pass
        # and look inside: every tensor on it must be float32. (The incoming
        # gradient requires grad so that even a linear op's backward is recorded.)
        ones = Tensor(np.ones(output.shape, dtype=np.float32), requires_grad=True)
        grads = tm.grad(output, tensors, grad_outputs=ones, create_graph=True, allow_unused=True)
        recorded = topological_order([g for g in grads if g is not None and g.requires_grad])
        upcast = {node.grad_fn.name if node.grad_fn else "leaf" for node in recorded if node.dtype != np.float32}
        assert not upcast, f"float64 tensors made by {sorted(upcast)} in the backward pass"


# ---------------------------------------------------- named cases, always run
# The strategies above draw these too, but a derandomized run of a few dozen
# examples is not a promise; these fixed cases are the ones the issue names.
RNG = np.random.default_rng(0)


def spread(*shape: int) -> np.ndarray:
    return RNG.uniform(-2, 2, size=shape)


def positive(*shape: int) -> np.ndarray:
    return RNG.uniform(0.5, 2.5, size=shape)


def grid(*shape: int, offset: float = 0.0) -> np.ndarray:
    """Distinct multiples of 0.1 (plus offset), shuffled: no ties, and 0.05 from any bound placed halfway between."""
    return offset + (RNG.permutation(math.prod(shape)).reshape(shape) - 10) * 0.1


def matmul(a: Tensor, b: Tensor) -> Tensor:
    return a @ b


def assigned(x: Tensor, index: Any, value: Tensor) -> Tensor:
    """``y = x * 1; y[index] = value``: Tensor.__setitem__ recorded on a tensor of the graph."""
    y = x * 1.0
    y[index] = value
    return y


WHERE_CONDITION = tm.tensor([[True, False, True], [False, False, True]])


NAMED_CASES = [
    Case("matmul 1-D @ 1-D", matmul, [spread(3), spread(3)]),
    Case("matmul 2-D @ 1-D", matmul, [spread(2, 3), spread(3)]),
    Case("matmul 1-D @ 2-D", matmul, [spread(3), spread(3, 2)]),
    Case("matmul 2-D @ 2-D", matmul, [spread(2, 3), spread(3, 2)]),
    Case("matmul batched, batch axes broadcast", matmul, [spread(2, 1, 2, 3), spread(3, 3, 2)]),
    Case("matmul batched @ 1-D", matmul, [spread(2, 2, 3), spread(3)]),
    Case("sum axis None", lambda x: x.sum(), [spread(2, 3)]),
    Case("sum axis int keepdims", lambda x: x.sum(axis=-1, keepdims=True), [spread(2, 3)]),
    Case("sum axis tuple", lambda x: x.sum(axis=(0, 2)), [spread(2, 3, 2)]),
    Case("mean axis tuple keepdims", lambda x: x.mean(axis=(0, 2), keepdims=True), [spread(2, 3, 2)]),
    Case("max axis None", lambda x: x.max(), [grid(2, 3)]),
    Case("max axis int", lambda x: x.max(axis=1), [grid(2, 3)]),
    Case("max axis tuple keepdims", lambda x: x.max(axis=(0, 2), keepdims=True), [grid(2, 3, 2)]),
    Case("logsumexp axis tuple keepdims", lambda x: x.logsumexp(axis=(0, 1), keepdims=True), [spread(2, 3, 2)]),
    Case("softmax axis 0", lambda x: x.softmax(axis=0), [spread(3, 2)]),
    Case("log_softmax axis -1", lambda x: x.log_softmax(axis=-1), [spread(3, 2)]),
    Case("softmax of a 0-d tensor", lambda x: x.softmax(), [spread()]),
    Case("getitem basic slices", lambda x: x[1:, ::-2], [spread(3, 4)]),
    Case("getitem integer array with repeats", lambda x: x[np.array([0, 2, 0, 0])], [spread(3, 2)]),
    Case("getitem two integer arrays", lambda x: x[np.array([1, 1]), np.array([0, 0])], [spread(3, 2)]),
    Case("getitem boolean mask", lambda x: x[np.array([[True, False], [False, False], [True, True]])], [spread(3, 2)]),
    Case("index_add with repeats", lambda v: ops.IndexAdd.apply(v, shape=(3,), index=np.array([0, 0, 2])), [spread(3)]),
    Case(
        "x[1:, 0] = v (Tensor.__setitem__)", lambda x, v: assigned(x, (slice(1, None), 0), v), [spread(3, 2), spread(2)]
    ),
    Case("setitem x[mask] = v, v broadcast", lambda x, v: assigned(x, x.detach() > 0.5, v), [grid(2, 3), spread()]),
    Case("setitem x[[2, 0]] = v, leading 1", lambda x, v: assigned(x, [2, 0], v), [spread(3, 2), spread(1, 2, 2)]),
    Case("concatenate axis 1", lambda a, b: concatenate([a, b], axis=1), [spread(2, 1), spread(2, 3)]),
    Case("stack axis -1", lambda a, b: stack([a, b], axis=-1), [spread(2, 3), spread(2, 3)]),
    Case("pow tensor exponent", lambda a, b: a**b, [positive(2, 3), spread(3)]),
    Case("pow scalar exponent", lambda a: a**3, [spread(2, 3)]),
    Case("2 ** tensor", lambda a: 2**a, [spread(2, 3)]),
    Case("clip min only", lambda x: x.clip(min=0.05), [grid(2, 3)]),
    Case("clip max only", lambda x: x.clip(max=0.05), [grid(2, 3)]),
    Case("clip both", lambda x: x.clip(-0.55, 0.55), [grid(2, 3)]),
    Case("maximum broadcast", lambda a, b: a.maximum(b), [grid(2, 1), grid(3, offset=0.05)]),
    Case("cast float32 and back", lambda x: x.to(np.float32).to(np.float64), [spread(2, 3)], eps=1e-3),  # cast_case
    Case("reshape", lambda x: x.reshape(3, 1, 2), [spread(2, 3)]),
    Case("permute", lambda x: x.permute(2, 0, 1), [spread(2, 3, 1)]),
    Case("transpose two dims", lambda x: x.transpose(0, 2), [spread(2, 3, 1)]),
    Case("min axis int", lambda x: x.min(axis=1), [grid(2, 3)]),
    Case("max(dim) values", lambda x: x.max(dim=1).values, [grid(2, 3)]),
    Case("min(dim, keepdim) values", lambda x: x.min(0, keepdim=True).values, [grid(2, 3)]),
    Case("prod axis tuple keepdims", lambda x: x.prod(axis=(0, 2), keepdims=True), [positive(2, 3, 2)]),
    Case("sin and cos", lambda x: x.sin() * x.cos(), [spread(2, 3)]),
    Case("softplus both parts", lambda x: x.softplus(threshold=0.5), [grid(2, 3, offset=0.05)]),
    Case("where broadcast", lambda a, b: tm.where(WHERE_CONDITION, a, b), [spread(3), spread(2, 1)]),
    Case("repeat with a new axis", lambda x: x.repeat(2, 1, 3), [spread(2, 3)]),
    Case("var and std, unbiased", lambda x: x.var(dim=1) + x.std(), [spread(2, 3)]),
    Case("norm", lambda x: x.norm(dim=0), [spread(2, 3)]),
    Case("flatten start_dim", lambda x: x.flatten(1), [spread(2, 3, 2)]),
]


@pytest.mark.parametrize("case", NAMED_CASES, ids=[case.description for case in NAMED_CASES])
def test_named_case_first_and_second_derivatives(case):
    assert gradcheck(case.call, case.inputs, eps=case.eps)
    assert gradgradcheck(case.call, case.inputs, eps=case.eps)
