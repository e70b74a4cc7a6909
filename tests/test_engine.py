"""The backward engine as a whole: graph shapes, modes, custom ops, anomalies, dtypes and memory.

The per-op derivatives are proved in test_ops_gradients.py; these tests check
what sits around them: that the walk over the graph is right on diamonds and
deep chains, behaves as PyTorch's does (accumulation, retain_grad, grad()),
and keeps nothing alive that it should not.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from hypothesis import given

import tinygrad_moons as tm
from tinygrad_moons import Function, Tensor, detect_anomaly, enable_grad, gradcheck, gradgradcheck, no_grad
from tinygrad_moons.autograd import is_grad_enabled
from tinygrad_moons.testing import arrays, bounded_floats, shapes

# ------------------------------------------------------------ graph shapes


def test_diamond_graph_with_a_node_reused_many_times():
    x = Tensor([0.5, -1.5, 2.0], requires_grad=True)
    square = x * x  # used three times below, and x itself twice
    y = (square + square * x + square * square).sum()
    y.backward()
    xs = x.data
    np.testing.assert_allclose(x.grad.data, 2 * xs + 3 * xs**2 + 4 * xs**3, rtol=1e-14)


def test_a_node_used_a_hundred_times_gets_all_hundred_contributions():
    x = Tensor([1.0, -2.0], requires_grad=True)
    square = x * x
    total = square
    for _ in range(99):
        total = total + square
    total.sum().backward()
    np.testing.assert_allclose(x.grad.data, 100 * 2 * x.data, rtol=1e-14)


@pytest.mark.slow
def test_chain_of_100000_ops_backpropagates_and_is_freed():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):  # far deeper than Python's recursion limit
        y = y * 1.00001
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.00001**100_000, rtol=1e-9)

    # The graph holds no reference cycles: dropping the output frees every node at once.
    middle = y
    for _ in range(50_000):
        middle = middle.grad_fn.parents[0]
    output_ref, middle_ref = weakref.ref(y), weakref.ref(middle)
    del y, middle
    assert output_ref() is None and middle_ref() is None


# ------------------------------------------------------- PyTorch semantics
def test_gradients_accumulate_across_backward_calls():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, 2 * (2 * x.data))
    x.zero_grad()
    (3 * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0, 3.0])


def test_intermediates_keep_no_grad_unless_retain_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 3
    kept = hidden.exp()
    kept.retain_grad()
    kept.sum().backward()
    assert hidden.grad is None
    np.testing.assert_array_equal(kept.grad.data, [1.0, 1.0])
    np.testing.assert_allclose(x.grad.data, 3 * np.exp(3 * x.data), rtol=1e-14)


def test_backward_of_a_non_scalar_needs_a_gradient():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"backward: the output has shape \(3,\).*gradient="):
        y.backward()
    y.backward(np.array([1.0, 0.0, -1.0]))
    np.testing.assert_array_equal(x.grad.data, [2.0, 0.0, -2.0])


def test_backward_of_a_tensor_without_a_graph_says_why():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).sum().backward()


def test_no_grad_as_context_and_decorator_and_enable_grad_inside_it():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = x * 2
        with enable_grad():
            z = x * 2
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None

    @no_grad()
    def evaluate(t: Tensor) -> Tensor:
        return t * t

    assert not evaluate(x).requires_grad
    assert is_grad_enabled()


def test_no_grad_restores_recording_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            _ = 1 / 0
    assert is_grad_enabled()


def test_grad_returns_gradients_without_touching_dot_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor([3.0, -1.0], requires_grad=True)
    loss = (x * x * w).sum()
    grad_x, grad_w = tm.grad(loss, [x, w])
    np.testing.assert_array_equal(grad_x.data, 2 * x.data * w.data)
    np.testing.assert_array_equal(grad_w.data, x.data**2)
    assert x.grad is None and w.grad is None
    assert not grad_x.requires_grad  # no create_graph: plain values


def test_grad_with_create_graph_gives_higher_derivatives():
    x = Tensor([0.5, -2.0], requires_grad=True)
    (first,) = tm.grad((x**3).sum(), x, create_graph=True)
    np.testing.assert_allclose(first.data, 3 * x.data**2, rtol=1e-14)
    (second,) = tm.grad(first.sum(), x, create_graph=True)
    np.testing.assert_allclose(second.data, 6 * x.data, rtol=1e-14)
    (third,) = tm.grad(second.sum(), x)
    np.testing.assert_allclose(third.data, [6.0, 6.0], rtol=1e-14)


def test_backward_with_create_graph_makes_dot_grad_differentiable():
    x = Tensor([1.5], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    first = x.grad
    x.zero_grad()
    first.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * 1.5, rtol=1e-14)


def test_grad_of_an_unused_input():
    x, unused = Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="input 1 was not used"):
        tm.grad((x * 2).sum(), [x, unused])
    assert tm.grad((x * 2).sum(), [x, unused], allow_unused=True)[1] is None


def _mlp_loss(params: list[Tensor], inputs: Tensor, targets: Tensor) -> Tensor:
    """A 2-4-1 tanh/sigmoid network with the course's average binary cross-entropy."""
    w1, b1, w2, b2 = params
    predicted = ((inputs @ w1 + b1).tanh() @ w2 + b2).sigmoid()
    return -(targets * predicted.log() + (1 - targets) * (1 - predicted).log()).mean()


def test_hessian_vector_product_of_an_mlp_loss_matches_finite_differences():
    rng = np.random.default_rng(1)
    inputs, targets = Tensor(rng.standard_normal((6, 2))), Tensor(rng.integers(0, 2, (6, 1)))
    values = [rng.standard_normal(s) for s in [(2, 4), (4,), (4, 1), (1,)]]
    direction = [rng.standard_normal(v.shape) for v in values]

    params = [Tensor(v, requires_grad=True) for v in values]
    grads = tm.grad(_mlp_loss(params, inputs, targets), params, create_graph=True)
    grad_dot_v = sum((g * Tensor(v)).sum() for g, v in zip(grads, direction))
    hessian_times_v = tm.grad(grad_dot_v, params)

    def gradient_at(step: float) -> list[np.ndarray]:
        shifted = [Tensor(v + step * d, requires_grad=True) for v, d in zip(values, direction)]
        return [g.data for g in tm.grad(_mlp_loss(shifted, inputs, targets), shifted)]

    eps = 1e-5
    plus, minus = gradient_at(eps), gradient_at(-eps)
    for hv, p, m in zip(hessian_times_v, plus, minus):
        np.testing.assert_allclose(hv.data, (p - m) / (2 * eps), rtol=1e-5, atol=1e-8)


# -------------------------------------------------------------- custom ops
class Cube(Function):
    """A user's op: x ** 3, with its derivative 3 x^2 written in Tensor operations."""

    name = "cube"

    def forward(self, x):
        return x**3

    def backward(self, grad):
        (x,) = self.parents
        return grad * 3 * x * x


class Softplus(Function):
    """A user's op with an attribute: log(1 + exp(beta x)) / beta, derivative sigmoid(beta x)."""

    name = "softplus"

    def forward(self, x):
        return np.logaddexp(0, self.beta * x) / self.beta

    def backward(self, grad):
        (x,) = self.parents
        return grad * (x * self.beta).sigmoid()


@given(arrays(shapes(max_side=3), elements=bounded_floats(3.0)))
def test_custom_functions_pass_gradcheck_and_gradgradcheck(x):
    assert gradcheck(lambda t: Cube.apply(t), [x])
    assert gradgradcheck(lambda t: Cube.apply(t), [x])
    assert gradcheck(lambda t: Softplus.apply(t, beta=2.0), [x])
    assert gradgradcheck(lambda t: Softplus.apply(t, beta=2.0), [x])


def test_custom_function_in_a_graph_with_builtin_ops():
    x = Tensor([1.0, -2.0], requires_grad=True)
    y = (Cube.apply(x * 2) + x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 3 * (2 * x.data) ** 2 * 2 + 1, rtol=1e-14)
    assert "Cube" in repr(Cube.apply(x))


# ----------------------------------------------------------------- anomalies
def test_detect_anomaly_names_the_forward_op_and_the_users_line():
    x = Tensor([-1.0, 2.0], requires_grad=True)
    with detect_anomaly(), np.errstate(invalid="ignore"):
        with pytest.raises(FloatingPointError) as caught:
            y = x.log()  # noqa: F841
    message = str(caught.value)
    assert message.startswith("log: forward produced NaN or inf")
    assert __file__ in message and "y = x.log()" in message


def test_detect_anomaly_names_the_op_whose_backward_failed_and_where_it_was_made():
    x = Tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly(), np.errstate(divide="ignore"):
        root = x.sqrt()  # finite forward, but d sqrt / dx = 1 / (2 sqrt(0)) is inf
        loss = root.sum()
        with pytest.raises(FloatingPointError) as caught:
            loss.backward()
    message = str(caught.value)
    assert message.startswith("sqrt: backward produced NaN or inf in the gradient of input 0")
    assert __file__ in message and "root = x.sqrt()" in message


def test_without_detect_anomaly_nothing_is_checked():
    x = Tensor([0.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        x.sqrt().sum().backward()
    assert np.isinf(x.grad.data[0])


# ----------------------------------------------------------------- dtypes
@pytest.mark.parametrize(
    "expression",
    [
        lambda t: 2 * t,
        lambda t: t / 3,
        lambda t: 1 - t,
        lambda t: 2**t,
        lambda t: t**2,
        lambda t: t + 0.5,
        lambda t: 3 / t,
        lambda t: np.float64(2.0) * t,  # a NumPy float64 scalar is a Python float too
        lambda t: t.maximum(0.5),
        lambda t: t.clip(-0.5, 0.5),
        lambda t: t.leaky_relu(0.2),
        lambda t: (t @ t) * 0.5,
    ],
    ids=[
        "2*t",
        "t/3",
        "1-t",
        "2**t",
        "t**2",
        "t+0.5",
        "3/t",
        "np.float64*t",
        "maximum",
        "clip",
        "leaky_relu",
        "matmul",
    ],
)
def test_float32_stays_float32_with_python_scalars(expression):
    t = Tensor(np.array([0.5, 1.5, -2.0], dtype=np.float32), requires_grad=True)
    result = expression(t)
    assert result.dtype == np.float32
    result.sum().backward()
    assert t.grad.dtype == np.float32


@pytest.mark.parametrize(
    "data, expected",
    [
        (1, np.float64),
        (2.5, np.float64),
        (True, np.float64),
        ([1, 2, 3], np.float64),
        ([[1.0, 2.0]], np.float64),
        (np.array([1, 2], dtype=np.int32), np.float64),
        (np.array([True, False]), np.float64),
        (np.array([1.0], dtype=np.float32), np.float32),
        (np.array([1.0], dtype=np.float64), np.float64),
    ],
)
def test_dtype_rules(data, expected):
    assert Tensor(data).dtype == expected


def test_explicit_dtype_is_used():
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert Tensor(np.ones(2, dtype=np.float32), dtype="float64").dtype == np.float64


def test_a_float64_tensor_is_bit_for_bit_numpy():
    a, b = np.random.default_rng(0).standard_normal((2, 3, 3))
    np.testing.assert_array_equal(((Tensor(a) @ Tensor(b)).tanh() * 2).data, np.tanh(a @ b) * 2)


# ------------------------------------------------------- the Tensor object
def test_numpy_interoperability():
    t = Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert np.array(t, copy=True) is not t.data
    np.testing.assert_array_equal(t.numpy(), [[1.0, 2.0], [3.0, 4.0]])
    product = np.ones((2, 2)) * t  # NumPy hands the operation to Tensor
    assert isinstance(product, Tensor)


def test_tensor_attributes():
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert (t.shape, t.ndim, t.size, len(t)) == ((2, 3), 2, 6, 2)
    assert t.T.shape == (3, 2)
    assert Tensor([[4.0]]).item() == 4.0 and isinstance(Tensor([[4.0]]).item(), float)
    detached = (t * 2).detach()
    assert not detached.requires_grad and detached.grad_fn is None
    assert t.is_leaf and not (t * 2).is_leaf


def test_repr_is_readable():
    assert repr(Tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(Tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(Tensor([1.0], requires_grad=True) * 2) == "tensor([2.], grad_fn=<Mul>)"
    assert repr(Tensor(np.array([0.5], dtype=np.float32))) == "tensor([0.5], dtype=float32)"
    assert repr(Tensor(3.0)) == "tensor(3.)"
    assert repr(Tensor([[1.0, 2.0], [3.0, 4.0]])) == "tensor([[1., 2.],\n        [3., 4.]])"


# ----------------------------------------------------------------- memory
def _live(kind: type) -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, kind))


@pytest.mark.slow
def test_a_10000_step_training_loop_keeps_nothing_alive():
    rng = np.random.default_rng(0)
    inputs, targets = Tensor(rng.standard_normal((8, 2))), Tensor(rng.integers(0, 2, (8, 1)))
    params = [Tensor(rng.standard_normal(s) * 0.5, requires_grad=True) for s in [(2, 4), (4,), (4, 1), (1,)]]
    counts = {}
    for step in range(1, 10_001):
        loss = _mlp_loss(params, inputs, targets)
        loss.backward()
        with no_grad():
            for p in params:
                p.data -= 0.1 * p.grad.data
                p.grad = None
        if step in (1_000, 10_000):
            counts[step] = (_live(Tensor), _live(Function))
    assert counts[10_000] == counts[1_000]
    assert np.isfinite(loss.item())


def test_every_dot_grad_owns_its_array():
    # add hands one gradient array to both inputs and reshape passes a view of
    # it; an in-place edit of one .grad must not change the other's.
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = Tensor(np.ones(6), requires_grad=True)
    ((x.reshape(6) + y) * Tensor(np.arange(6.0))).sum().backward()
    assert not np.shares_memory(x.grad.data, y.grad.data)
    x.grad.data *= 0
    np.testing.assert_array_equal(y.grad.data, np.arange(6.0))

    # Nor does .grad alias the gradient the caller passed to backward.
    seed = np.ones(3)
    z = Tensor(np.zeros(3), requires_grad=True)
    (z + 1).backward(seed)
    z.grad.data += 1
    np.testing.assert_array_equal(seed, np.ones(3))


def test_tensor_owns_its_values_so_in_place_updates_never_reach_the_callers_array():
    weights = np.array([1.0, 2.0])
    w = Tensor(weights, requires_grad=True)
    (w * w).sum().backward()
    w.data -= 0.1 * w.grad.data  # what every optimizer step does
    assert weights.tolist() == [1.0, 2.0]
    assert Tensor(w).data is not w.data
