"""Checking derivatives against finite differences, for built-in ops and your own.

``gradcheck(fn, inputs)`` builds two Jacobians of ``fn`` at ``inputs``:

* the analytic one, from the engine: one backward pass per output element;
* a numerical one, from central differences
  (f(x + eps) - f(x - eps)) / (2 eps), one element of one input at a time,

and compares them element by element. Both are computed in float64, whatever
the inputs' dtype, because finite differences in float32 are too noisy to
tell a wrong derivative from rounding. ``gradgradcheck`` applies the same test
to the backward pass itself (second derivatives).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from tinygrad_moons.autograd import grad as autograd_grad
from tinygrad_moons.autograd import enable_grad, no_grad
from tinygrad_moons.tensor import Tensor, concatenate

TensorFunction = Callable[..., Tensor]


class GradcheckError(AssertionError):
    """The engine's derivative and the finite-difference one disagree."""


def _as_float64_inputs(inputs: Sequence[Tensor]) -> list[Tensor]:
    return [Tensor(np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64), requires_grad=True) for x in inputs]


def _evaluate(fn: TensorFunction, arrays: Sequence[np.ndarray]) -> np.ndarray:
    with no_grad():
        return np.array(fn(*[Tensor(a) for a in arrays]).data, dtype=np.float64)


def numerical_jacobian(fn: TensorFunction, inputs: Sequence[Tensor], eps: float = 1e-6) -> list[np.ndarray]:
    """d fn / d input by central differences: one (output.size, input.size) matrix per input."""
    arrays = [np.array(x.data, dtype=np.float64) for x in inputs]
    output_size = _evaluate(fn, arrays).size
    jacobians = []
    for array in arrays:
        jacobian = np.zeros((output_size, array.size))
        flat = array.reshape(-1)  # a view: writing to it perturbs the input in place
        for j in range(array.size):
            original = flat[j]
            flat[j] = original + eps
            plus = _evaluate(fn, arrays).reshape(-1)
            flat[j] = original - eps
            minus = _evaluate(fn, arrays).reshape(-1)
            flat[j] = original
            jacobian[:, j] = (plus - minus) / (2 * eps)
        jacobians.append(jacobian)
    return jacobians


def analytic_jacobian(fn: TensorFunction, inputs: Sequence[Tensor]) -> list[np.ndarray]:
    """d fn / d input from the engine: row i is the backward pass of output element i."""
    tensors = _as_float64_inputs(inputs)
    output = fn(*tensors)
    jacobians = [np.zeros((output.size, t.size)) for t in tensors]
    if not output.requires_grad:  # fn ignores its inputs: the Jacobian is zero
        return jacobians
    for i in range(output.size):
        seed = np.zeros(output.size)
        seed[i] = 1.0
        # One backward pass per output element through the same graph: keep it for the next.
        grads = autograd_grad(
            output, tensors, grad_outputs=Tensor(seed.reshape(output.shape)), retain_graph=True, allow_unused=True
        )
        for jacobian, g in zip(jacobians, grads):
            if g is not None:
                jacobian[i] = g.data.reshape(-1)
    return jacobians


def gradcheck(
    fn: TensorFunction,
    inputs: Sequence[Tensor | np.ndarray],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Return True if ``fn``'s gradients match finite differences; raise ``GradcheckError`` if not.

    ``fn`` takes tensors and returns one tensor. The check passes where
    ``|analytic - numerical| <= atol + rtol * |numerical|`` for every element.
    The error names the input, the element and both values.
    """
    inputs = list(inputs)
    analytic = analytic_jacobian(fn, inputs)
    numerical = numerical_jacobian(fn, inputs, eps)
    for k, (a, n) in enumerate(zip(analytic, numerical)):
        bad = np.abs(a - n) > atol + rtol * np.abs(n)
        if bad.any():
            out_index, in_index = np.argwhere(bad)[0]
            shape = np.shape(inputs[k].data if isinstance(inputs[k], Tensor) else inputs[k])
            element = np.unravel_index(in_index, shape) if shape else ()
            raise GradcheckError(
                f"gradcheck: input {k}, element {tuple(int(i) for i in element)}, output element {int(out_index)}: "
                f"analytic gradient {float(a[out_index, in_index])!r} "
                f"but finite differences give {float(n[out_index, in_index])!r} "
                f"({int(bad.sum())} of {bad.size} entries differ beyond atol={atol}, rtol={rtol})"
            )
    return True


def gradgradcheck(
    fn: TensorFunction,
    inputs: Sequence[Tensor | np.ndarray],
    grad_outputs: Tensor | np.ndarray | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Check second derivatives: gradcheck applied to the vector-Jacobian product of ``fn``.

    ``grad_outputs`` (random, from ``seed``, when not given) is the vector v in
    v^T J. The check differentiates v^T J(x) with respect to x *and* to v, as
    PyTorch's gradgradcheck does. The derivative in x is right only if every
    backward rule on the way is itself differentiated correctly; the one in v
    only if no rule cuts its incoming gradient off the graph, which the second
    derivative of a composition needs. In an error, input ``len(inputs)`` is v.
    """
    inputs = [np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64) for x in inputs]
    with no_grad():
        output_shape = fn(*[Tensor(a) for a in inputs]).shape
    if grad_outputs is None:
        grad_outputs = np.random.default_rng(seed).standard_normal(output_shape)
    v = np.array(grad_outputs.data if isinstance(grad_outputs, Tensor) else grad_outputs, dtype=np.float64)

    def vector_jacobian_product(*tensors: Tensor) -> Tensor:
        *xs, vector = tensors
        # The finite-difference side calls this under no_grad; the first
        # backward must still be recorded to be differentiated.
        with enable_grad():
            leaves = [t if t.requires_grad else Tensor(t.data, requires_grad=True) for t in xs]
            output = fn(*leaves)
            if not output.requires_grad:
                return Tensor(np.zeros(sum(t.size for t in xs)))
            grads = autograd_grad(output, leaves, grad_outputs=vector, create_graph=True, allow_unused=True)
            parts = [(g if g is not None else Tensor(np.zeros(t.shape))).reshape(-1) for g, t in zip(grads, leaves)]
            return concatenate(parts)

    return gradcheck(vector_jacobian_product, [*inputs, v], eps=eps, atol=atol, rtol=rtol)
