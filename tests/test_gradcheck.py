"""gradcheck, gradgradcheck and the strategies of tinygrad_moons.testing: the tools users verify their ops with.

gradcheck and gradgradcheck must pass right derivatives and catch wrong ones.

A checker that never fails proves nothing, so each wrong-derivative case here
is a custom Function written to be wrong in one known way, and the test
requires the error to say where (input, element) and by how much.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_moons import Function, GradcheckError, Tensor, gradcheck, gradgradcheck
from tinygrad_moons.gradcheck import analytic_jacobian, numerical_jacobian
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
    tensors,
)


class Cube(Function):
    """x^3 with the right derivative, 3 x^2, written in Tensor ops (so it is twice differentiable)."""

    name = "cube"

    def forward(self, x):
        return x**3

    def backward(self, grad):
        (x,) = self.parents
        return grad * 3 * x * x


class CubeWithDetachedDerivative(Function):
    """x^3 whose backward is right at first order but computes 3 x^2 on a detached array.

    The engine cannot see that the factor depends on x, so the second
    derivative it reports is 0 instead of 6 x.
    """

    name = "cube_detached"

    def forward(self, x):
        return x**3

    def backward(self, grad):
        (x,) = self.parents
        return grad * Tensor(3 * x.data**2)


class CubeThatDetachesItsIncomingGradient(Function):
    """x^3 whose backward uses the incoming gradient's values but cuts it off the graph.

    First and second derivatives in x are still right for this op alone, but
    in a composition f(cube(x)) the incoming gradient depends on x, and the
    second derivative would miss that dependence. gradgradcheck sees it as a
    zero derivative with respect to grad_outputs.
    """

    name = "cube_detached_grad"

    def forward(self, x):
        return x**3

    def backward(self, grad):
        (x,) = self.parents
        return Tensor(grad.data) * 3 * x * x


class WrongAtOneElement(Function):
    """Scales a by b elementwise; the derivative for b is off by 0.5 at element (1, 2) only."""

    name = "wrong_at_one_element"

    def forward(self, a, b):
        return a * b

    def backward(self, grad):
        a, b = self.parents
        error = np.zeros(b.shape)
        error[1, 2] = 0.5
        return grad * b, grad * (a + Tensor(error))


INPUTS = [np.linspace(-1.0, 1.5, 12).reshape(3, 4), np.linspace(0.5, 2.0, 12).reshape(3, 4)]


def test_right_gradients_pass():
    assert gradcheck(lambda t: Cube.apply(t), [INPUTS[0]])
    assert gradcheck(lambda a, b: (a * b).sum(axis=0), INPUTS)
    assert gradcheck(lambda a, b: a @ b.T, INPUTS)


def test_inputs_may_be_tensors_or_arrays_of_any_float_dtype():
    x32 = Tensor(INPUTS[0].astype(np.float32))
    assert gradcheck(lambda t: t.tanh(), [x32])
    assert gradcheck(lambda t: t.tanh(), [INPUTS[0]])


def test_an_unused_input_has_a_zero_jacobian():
    assert gradcheck(lambda a, b: a * 2, INPUTS)
    analytic = analytic_jacobian(lambda a, b: a * 2, INPUTS)
    assert not analytic[1].any()


def test_a_wrong_first_derivative_is_reported_with_input_element_and_both_values():
    a, b = INPUTS
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x, y: WrongAtOneElement.apply(x, y), [a, b])
    message = str(caught.value)
    assert message.startswith("gradcheck: input 1, element (1, 2), output element 6:")
    # Output element 6 is (1, 2) too: the derivative of a*b there w.r.t. b[1, 2] is a[1, 2].
    values = re.search(r"analytic gradient (\S+) but finite differences give (\S+) ", message).groups()
    analytic, numerical = map(float, values)
    assert analytic == a[1, 2] + 0.5
    assert numerical == pytest.approx(a[1, 2], rel=1e-8)
    assert "1 of 144 entries differ" in message


def test_a_derivative_with_a_detached_factor_passes_first_order_but_fails_second_order():
    x = [INPUTS[0]]
    assert gradcheck(lambda t: CubeWithDetachedDerivative.apply(t), x)
    assert gradgradcheck(lambda t: Cube.apply(t), x)
    with pytest.raises(GradcheckError, match=r"^gradcheck: input 0, element \(\d+, \d+\)"):
        gradgradcheck(lambda t: CubeWithDetachedDerivative.apply(t), x)


def test_a_backward_that_detaches_its_incoming_gradient_fails_second_order():
    x = [INPUTS[0]]
    assert gradcheck(lambda t: CubeThatDetachesItsIncomingGradient.apply(t), x)
    # Input 1 is grad_outputs, the vector v of the vector-Jacobian product.
    with pytest.raises(GradcheckError, match=r"^gradcheck: input 1, element \(\d+, \d+\)"):
        gradgradcheck(lambda t: CubeThatDetachesItsIncomingGradient.apply(t), x)
    # The mistake matters: the second derivative in x of a composition comes out wrong.
    with pytest.raises(GradcheckError, match=r"^gradcheck: input 0, "):
        gradgradcheck(lambda t: CubeThatDetachesItsIncomingGradient.apply(t).tanh(), x)
    assert gradgradcheck(lambda t: Cube.apply(t).tanh(), x)


def test_gradgradcheck_with_given_grad_outputs():
    v = np.ones((3, 4))
    assert gradgradcheck(lambda t: t.sigmoid(), [INPUTS[0]], grad_outputs=v)
    assert gradgradcheck(lambda a, b: a * b * b, INPUTS, grad_outputs=Tensor(v))


def test_numerical_jacobian_of_a_known_function():
    x = np.array([1.0, 2.0])
    (jacobian,) = numerical_jacobian(lambda t: t * t, [Tensor(x)])
    np.testing.assert_allclose(jacobian, np.diag(2 * x), atol=1e-8)
    assert jacobian.shape == (2, 2)


def test_gradcheck_does_not_change_its_inputs():
    a, b = (array.copy() for array in INPUTS)
    gradcheck(lambda x, y: x * y, [a, b])
    np.testing.assert_array_equal(a, INPUTS[0])
    np.testing.assert_array_equal(b, INPUTS[1])


# ------------------------------------------- the strategies users import
@given(broadcastable_shapes(3))
def test_broadcastable_shapes_do_broadcast(drawn):
    assert len(drawn) == 3
    np.broadcast_shapes(*drawn)  # raises if they do not


@given(arrays(shapes(max_side=4), elements=spaced_floats(gap=0.05), unique=True))
def test_spaced_unique_values_keep_their_gap(values):
    assert np.all(np.diff(np.sort(values.ravel())) >= 0.05 - 1e-12)


@given(spaced_floats(gap=0.2), spaced_floats(gap=0.2, offset=0.1))
def test_interleaved_grids_never_tie(a, b):
    assert abs(a - b) >= 0.1 - 1e-12


@given(positive_floats(), nonzero_floats(0.25), floats_away_from(-1.0, 1.0, distance=0.1), bounded_floats(5.0))
def test_element_strategies_keep_their_distances(positive, nonzero, away, bounded):
    assert positive >= 0.25
    assert abs(nonzero) >= 0.25
    assert abs(away - 1.0) >= 0.1 and abs(away + 1.0) >= 0.1
    assert -5.0 <= bounded <= 5.0


@given(tensors(dtype=np.float32), st.data())
def test_tensors_and_reduction_axes(t, data):
    assert isinstance(t, Tensor) and t.requires_grad and t.dtype == np.float32
    axis = data.draw(reduction_axes(t.ndim))
    assert t.sum(axis=axis).shape == np.sum(t.data, axis=axis).shape
