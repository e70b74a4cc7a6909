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
    with pytest.warns(UserWarning, match="checked in float64"):
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


# ------------------------------------------- hardening (issue 10): NaN, inf, inputs, fast mode
class NaNBackward(Function):
    """x^2 whose backward returns NaN at element 3: a checker comparing with `>` would let it pass."""

    name = "nan_backward"

    def forward(self, x):
        return x * x

    def backward(self, grad):
        (x,) = self.parents
        poison = np.zeros(x.shape)
        poison.reshape(-1)[3] = np.nan
        return grad * 2 * x + Tensor(poison)


class OffByAFactor(Function):
    """x^3 whose backward forgets the 3: 1 x^2 instead of 3 x^2 everywhere."""

    name = "off_by_a_factor"

    def forward(self, x):
        return x**3

    def backward(self, grad):
        (x,) = self.parents
        return grad * x * x


def test_a_nan_analytic_gradient_fails_and_says_which_side_and_element():
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda t: NaNBackward.apply(t), [INPUTS[0]])
    message = str(caught.value)
    assert message.startswith("gradcheck: input 0, element (0, 3), output element 0:")
    assert "the analytic gradient (the engine's backward) is nan" in message


def test_gradgradcheck_fails_on_a_nan_first_derivative():
    with pytest.raises(GradcheckError, match="not finite"):
        gradgradcheck(lambda t: NaNBackward.apply(t), [INPUTS[0]])


@pytest.mark.parametrize(
    "fn, point, side, value",
    [
        # log at -1: the value is NaN, so finite differences are NaN while the analytic 1/x is -1.
        (lambda t: t.log(), [-1.0, 2.0], "finite difference", "nan"),
        # sqrt at 0: d/dx sqrt = 1 / (2 sqrt x) is inf there.
        # (Off the diagonal the engine's chain rule multiplies 0 by that inf: NaN, also reported.)
        (lambda t: t.sqrt(), [0.0, 1.0], "analytic gradient", "inf"),
        # exp(800) overflows: an infinite output has no finite derivative on either side.
        (lambda t: t.exp(), [800.0, 0.0], "analytic gradient", "inf"),
    ],
    ids=["log at -1", "sqrt at 0", "exp overflows"],
)
def test_points_where_a_derivative_is_not_finite_fail(fn, point, side, value):
    with pytest.raises(GradcheckError, match=rf"element \(\d,\), output element \d: the {side}.* is -?{value}"):
        gradcheck(fn, [np.array(point)])
    with pytest.raises(GradcheckError, match="not finite"):
        gradcheck(fn, [np.array(point)], fast_mode=True)


def test_plain_lists_numbers_and_a_single_array_are_inputs():
    assert gradcheck(lambda t: t * t, [[1.0, 2.0, 3.0]])
    assert gradcheck(lambda a, b: a * b, [2.0, [1.0, -1.0]])
    assert gradcheck(lambda t: t.tanh(), INPUTS[0])  # one array, not a sequence of inputs
    assert gradgradcheck(lambda t: t * t * t, [[1.0, 2.0]])
    (jacobian,) = numerical_jacobian(lambda t: t * t, [[1.0, 2.0]])
    np.testing.assert_allclose(jacobian, np.diag([2.0, 4.0]), atol=1e-8)
    with pytest.raises(TypeError, match="input 0 must hold real numbers, got dtype <U1"):
        gradcheck(lambda t: t, [["a"]])


def test_float32_inputs_warn_and_are_checked_in_float64():
    x32 = INPUTS[0].astype(np.float32)
    with pytest.warns(UserWarning, match="gradcheck: input 0 is float32; it is checked in float64"):
        assert gradcheck(lambda t: t.tanh(), [x32])
    with pytest.warns(UserWarning, match="gradgradcheck: input 0 is float32"):
        assert gradgradcheck(lambda t: t.tanh(), [Tensor(x32)])
    seen = []

    def records_dtype(t):
        seen.append(t.dtype)
        return t.tanh()

    with pytest.warns(UserWarning):
        gradcheck(records_dtype, [x32])
    assert set(seen) == {np.dtype(np.float64)}


# The planted bugs: each is wrong in one known way; both modes must catch every one.
PLANTED_BUGS = {
    "wrong at one element": (gradcheck, lambda a, b: WrongAtOneElement.apply(a, b), INPUTS),
    "off by a factor": (gradcheck, lambda t: OffByAFactor.apply(t), [INPUTS[0]]),
    "NaN backward": (gradcheck, lambda t: NaNBackward.apply(t), [INPUTS[0]]),
    "detached derivative (second order)": (gradgradcheck, lambda t: CubeWithDetachedDerivative.apply(t), [INPUTS[0]]),
    "detached incoming gradient (second order)": (
        gradgradcheck, lambda t: CubeThatDetachesItsIncomingGradient.apply(t), [INPUTS[0]]
    ),
}


@pytest.mark.parametrize("bug", sorted(PLANTED_BUGS))
@pytest.mark.parametrize("fast_mode", [False, True], ids=["full", "fast"])
def test_both_modes_catch_every_planted_bug(bug, fast_mode):
    check, fn, inputs = PLANTED_BUGS[bug]
    with pytest.raises(GradcheckError, match=r"^gradcheck \(fast mode\): input" if fast_mode else r"^gradcheck: input"):
        check(fn, inputs, fast_mode=fast_mode)


def test_fast_mode_passes_right_derivatives_and_names_the_input():
    for fast_mode in (False, True):
        assert gradcheck(lambda t: Cube.apply(t), [INPUTS[0]], fast_mode=fast_mode)
        assert gradcheck(lambda a, b: (a @ b.T).tanh(), INPUTS, fast_mode=fast_mode)
        assert gradgradcheck(lambda a, b: (a * b).sigmoid(), INPUTS, fast_mode=fast_mode)
        assert gradcheck(lambda a, b: a * 2, INPUTS, fast_mode=fast_mode)  # an unused input
    with pytest.raises(GradcheckError, match=r"^gradcheck \(fast mode\): input 1: v\^T J u is .* fast_mode=False"):
        gradcheck(lambda a, b: WrongAtOneElement.apply(a, b), INPUTS, fast_mode=True)
    with pytest.raises(GradcheckError, match=r"input 0, element \(0, 3\): the analytic gradient .* is nan"):
        gradcheck(lambda t: NaNBackward.apply(t), [INPUTS[0]], fast_mode=True)


def test_fast_mode_is_cheaper_in_evaluations():
    calls = []

    def counted(t):
        calls.append(1)
        return t.tanh()

    x = np.linspace(-1, 1, 30)
    gradcheck(counted, [x])
    full = len(calls)
    calls.clear()
    gradcheck(counted, [x], fast_mode=True)
    assert full == 1 + 1 + 2 * 30 and len(calls) == 1 + 2  # full: analytic, output size, 2 per element
