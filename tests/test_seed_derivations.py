"""The course's hand-derived chain rule, checked three ways.

The course project we grew from (shared/seed) derives backpropagation by
hand for a ReLU/sigmoid network with the average binary cross-entropy. For
each formula it writes down, these tests compute the same derivative three
ways and require them to agree:

1. the course's formula, evaluated with NumPy;
2. the engine's gradient (the generic backward pass over raw Tensor ops);
3. central finite differences.

The layout is the course's: samples are columns, so ŷ and y have shape (1, n).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_moons as tm
from tinygrad_moons import Tensor
from tinygrad_moons.gradcheck import numerical_jacobian
from tinygrad_moons.testing import arrays, bounded_floats, nonzero_floats, shapes

# Finite differences with step 1e-6 in float64 are accurate to about 1e-9
# (rounding ~1e-16/1e-6, truncation ~1e-12 times the third derivative); the
# formula and the engine do the same arithmetic in a different order (~1e-15).
FD_TOLERANCE = dict(rtol=1e-6, atol=1e-8)
EXACT_TOLERANCE = dict(rtol=1e-12, atol=1e-15)


def course_cost(y_hat: Tensor, y: Tensor) -> Tensor:
    """The course's ``cost``: J = -1/n (y·log(ŷ)ᵀ + (1-y)·log(1-ŷ)ᵀ), in engine ops."""
    n = y_hat.shape[1]
    return (-(y @ y_hat.log().T + (1 - y) @ (1 - y_hat).log().T) / n).sum()


def seed_sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def finite_difference_gradient(fn, x: np.ndarray) -> np.ndarray:
    """d fn / d x for a scalar fn, by central differences, in x's shape."""
    return numerical_jacobian(fn, [Tensor(x)])[0].reshape(x.shape)


def finite_difference_diagonal(fn, x: np.ndarray) -> np.ndarray:
    """The derivative of an elementwise fn at every element of x."""
    return np.diag(numerical_jacobian(fn, [Tensor(x)])[0]).reshape(x.shape)


@st.composite
def predictions_and_labels(draw):
    """ŷ in (0, 1) kept away from 0 and 1 (where log is undefined), labels y in {0, 1}, both (1, n)."""
    n = draw(st.integers(1, 12))
    y_hat = draw(arrays((1, n), st.floats(0.05, 0.95)))
    y = draw(arrays((1, n), st.sampled_from([0.0, 1.0])))
    return y_hat, y


@given(predictions_and_labels())
def test_loss_derivative_with_respect_to_the_prediction(drawn):
    """dE/dŷ = (ŷ - y) / (ŷ (1 - ŷ)) / n."""
    y_hat, y = drawn
    n = y_hat.shape[1]
    formula = (y_hat - y) / (y_hat * (1 - y_hat)) / n

    leaf = Tensor(y_hat, requires_grad=True)
    (engine,) = tm.grad(course_cost(leaf, Tensor(y)), leaf)
    numerical = finite_difference_gradient(lambda t: course_cost(t, Tensor(y)), y_hat)

    np.testing.assert_allclose(engine.data, formula, **EXACT_TOLERANCE)
    np.testing.assert_allclose(numerical, formula, **FD_TOLERANCE)


@given(arrays(shapes(max_dims=2), bounded_floats(6.0)))
def test_sigmoid_derivative(z):
    """σ'(z) = σ(z) (1 - σ(z))."""
    formula = seed_sigmoid(z) * (1 - seed_sigmoid(z))

    leaf = Tensor(z, requires_grad=True)
    (engine,) = tm.grad(leaf.sigmoid(), leaf, grad_outputs=Tensor(np.ones(z.shape)))
    numerical = finite_difference_diagonal(lambda t: t.sigmoid(), z)

    np.testing.assert_allclose(engine.data, formula, **EXACT_TOLERANCE)
    np.testing.assert_allclose(numerical, formula, **FD_TOLERANCE)


@given(arrays(shapes(max_dims=2), nonzero_floats(0.01)))
def test_relu_derivative_away_from_zero(z):
    """ReLU'(z) = 1 where z > 0, 0 where z < 0 (the course's ``np.sign(np.maximum(0, Z))``)."""
    formula = np.sign(np.maximum(0, z))

    leaf = Tensor(z, requires_grad=True)
    (engine,) = tm.grad(leaf.relu(), leaf, grad_outputs=Tensor(np.ones(z.shape)))
    numerical = finite_difference_diagonal(lambda t: t.relu(), z)

    np.testing.assert_array_equal(engine.data, formula)
    np.testing.assert_allclose(numerical, formula, **FD_TOLERANCE)


@st.composite
def logits_and_labels(draw):
    n = draw(st.integers(1, 12))
    z = draw(arrays((1, n), bounded_floats(3.0)))
    y = draw(arrays((1, n), st.sampled_from([0.0, 1.0])))
    return z, y


@given(logits_and_labels())
def test_loss_derivative_with_respect_to_the_output_logit(drawn):
    """dE/dz = dE/dŷ · σ'(z) = (ŷ - y) / n for ŷ = σ(z): the two factors' denominators cancel."""
    z, y = drawn
    n = z.shape[1]
    y_hat = seed_sigmoid(z)
    formula = (y_hat - y) / n
    chained = (y_hat - y) / (y_hat * (1 - y_hat)) / n * (y_hat * (1 - y_hat))  # the product, before cancelling

    def loss(t: Tensor) -> Tensor:
        return course_cost(t.sigmoid(), Tensor(y))

    leaf = Tensor(z, requires_grad=True)
    (engine,) = tm.grad(loss(leaf), leaf)
    numerical = finite_difference_gradient(loss, z)

    np.testing.assert_allclose(chained, formula, **EXACT_TOLERANCE)
    np.testing.assert_allclose(engine.data, formula, **EXACT_TOLERANCE)
    np.testing.assert_allclose(numerical, formula, **FD_TOLERANCE)


@st.composite
def sigmoid_layer(draw):
    """A sigmoid output layer in the course's layout: W (1, k), b (1, 1), inputs X (k, n), labels (1, n)."""
    k, n = draw(st.integers(1, 4)), draw(st.integers(1, 8))
    weights = draw(arrays((1, k), bounded_floats(1.0)))
    bias = draw(arrays((1, 1), bounded_floats(1.0)))
    inputs = draw(arrays((k, n), bounded_floats(2.0)))
    y = draw(arrays((1, n), st.sampled_from([0.0, 1.0])))
    return weights, bias, inputs, y


@given(sigmoid_layer())
def test_loss_derivative_with_respect_to_the_output_weights(drawn):
    """dE/dW = (1/n) (ŷ - y) xᵀ and dE/db = (1/n) Σ (ŷ - y), with z = W x + b."""
    weights, bias, inputs, y = drawn
    n = inputs.shape[1]
    y_hat = seed_sigmoid(weights @ inputs + bias)
    formula_w = (y_hat - y) @ inputs.T / n
    formula_b = np.sum(y_hat - y, axis=1, keepdims=True) / n

    def loss(w: Tensor, b: Tensor) -> Tensor:
        return course_cost((w @ Tensor(inputs) + b).sigmoid(), Tensor(y))

    leaves = [Tensor(weights, requires_grad=True), Tensor(bias, requires_grad=True)]
    engine_w, engine_b = tm.grad(loss(*leaves), leaves)
    numerical_w, numerical_b = numerical_jacobian(loss, [Tensor(weights), Tensor(bias)])

    np.testing.assert_allclose(engine_w.data, formula_w, **EXACT_TOLERANCE)
    np.testing.assert_allclose(engine_b.data, formula_b, **EXACT_TOLERANCE)
    np.testing.assert_allclose(numerical_w.reshape(weights.shape), formula_w, **FD_TOLERANCE)
    np.testing.assert_allclose(numerical_b.reshape(bias.shape), formula_b, **FD_TOLERANCE)
