"""Each fused op of ops.py against the composition of plain ops it stands for: same values, same gradients.

The fused ops (the "fused ops" section of ``ops.py``) exist for speed or
numerical stability; on inputs where the composition is itself stable, the
two must agree in the value and in the gradient of every input.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_moons import Tensor, ops
from tinygrad_moons.testing import arrays, bounded_floats

FUSED_OPS = ("linear", "binary_cross_entropy_with_logits", "logsumexp", "softmax", "log_softmax")


def _values_and_gradients(
    function: Callable[..., Tensor], inputs: list[np.ndarray], weights: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The result of ``function`` and the gradients of sum(result * weights) with respect to every input."""
    tensors = [Tensor(x, requires_grad=True) for x in inputs]
    result = function(*tensors)
    (result * Tensor(weights)).sum().backward()
    return result.data, [t.grad.data for t in tensors]


def _assert_same(fused: Callable[..., Tensor], composed: Callable[..., Tensor], inputs: list[np.ndarray], data) -> None:
    shape = fused(*[Tensor(x) for x in inputs]).shape
    # Random weights on the output, so that every output element's gradient is checked, not only their sum's.
    weights = data.draw(arrays(shape, bounded_floats()), label="output weights")
    value, grads = _values_and_gradients(fused, inputs, weights)
    expected_value, expected_grads = _values_and_gradients(composed, inputs, weights)
    np.testing.assert_allclose(value, expected_value, rtol=1e-10, atol=1e-12)
    for index, (grad, expected) in enumerate(zip(grads, expected_grads)):
        np.testing.assert_allclose(grad, expected, rtol=1e-9, atol=1e-12, err_msg=f"gradient of input {index}")


def test_the_fused_section_lists_registered_ops():
    assert all(name in ops.REGISTRY for name in FUSED_OPS)


@given(batch=st.integers(1, 4), inputs=st.integers(1, 4), units=st.integers(1, 4), data=st.data())
def test_linear_is_matmul_then_add(batch, inputs, units, data):
    x = data.draw(arrays((batch, inputs), bounded_floats()), label="x")
    kernel = data.draw(arrays((inputs, units), bounded_floats()), label="kernel")
    bias = data.draw(arrays((units,), bounded_floats()), label="bias")
    _assert_same(ops.Linear.apply, lambda x, w, b: x @ w + b, [x, kernel, bias], data)


@given(shape=st.sampled_from([(), (3,), (2, 3)]), data=st.data())
def test_binary_cross_entropy_with_logits_is_the_log_of_sigmoids(shape, data):
    # Logits in [-3, 3]: there sigmoid and the logs of the composition are accurate, so both must agree.
    logits = data.draw(arrays(shape, bounded_floats()), label="logits")
    targets = data.draw(arrays(shape, st.floats(0, 1)), label="targets")

    def composed(z: Tensor, y: Tensor) -> Tensor:
        p = z.sigmoid()
        return -(y * p.log() + (1 - y) * (1 - p).log())

    _assert_same(ops.BinaryCrossEntropyWithLogits.apply, composed, [logits, targets], data)


@given(shape=st.sampled_from([(4,), (2, 3), (2, 1, 3)]), keepdims=st.booleans(), data=st.data())
def test_logsumexp_is_the_log_of_a_sum_of_exps(shape, keepdims, data):
    x = data.draw(arrays(shape, bounded_floats()), label="x")
    axis = data.draw(st.sampled_from([None, *[(i,) for i in range(len(shape))]]), label="axis")
    _assert_same(
        lambda t: ops.LogSumExp.apply(t, axis=axis, keepdims=keepdims),
        lambda t: t.exp().sum(axis=axis, keepdims=keepdims).log(),
        [x],
        data,
    )


@given(shape=st.sampled_from([(4,), (2, 3), (2, 1, 3)]), data=st.data())
def test_softmax_is_exp_over_its_sum(shape, data):
    x = data.draw(arrays(shape, bounded_floats()), label="x")
    axis = data.draw(st.integers(0, len(shape) - 1), label="axis")
    _assert_same(
        lambda t: ops.Softmax.apply(t, axis=axis),
        lambda t: t.exp() / t.exp().sum(axis=axis, keepdims=True),
        [x],
        data,
    )


@given(shape=st.sampled_from([(4,), (2, 3), (2, 1, 3)]), data=st.data())
def test_log_softmax_is_x_minus_its_logsumexp(shape, data):
    x = data.draw(arrays(shape, bounded_floats()), label="x")
    axis = data.draw(st.integers(0, len(shape) - 1), label="axis")
    _assert_same(
        lambda t: ops.LogSoftmax.apply(t, axis=axis),
        lambda t: t - t.exp().sum(axis=axis, keepdims=True).log(),
        [x],
        data,
    )
