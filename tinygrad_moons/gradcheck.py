"""Checking derivatives against finite differences, for built-in ops and your own.

``gradcheck(fn, inputs)`` builds two Jacobians of ``fn`` at ``inputs``:

* the analytic one, from the engine: one backward pass per output element;
* a numerical one, from central differences
  (f(x + eps) - f(x - eps)) / (2 eps), one element of one input at a time,

and compares them element by element. Both are computed in float64, whatever
the inputs' dtype, because finite differences in float32 are too noisy to
tell a wrong derivative from rounding (a float32 input is checked in float64,
with a warning, as PyTorch warns). A NaN or infinite derivative on either side
fails the check: ``|a - n| <= tol`` is False for NaN, so without this rule a
backward that returns NaN would pass.

``fast_mode=True`` (PyTorch's name) compares one number per input instead of
whole Jacobians: v^T J u, for random unit vectors u (over the input) and v
(over the output). The analytic side is one backward pass with ``v`` as the
incoming gradient, dotted with ``u``; the numerical side is one central
difference along ``u``, (f(x + eps u) - f(x - eps u)) / (2 eps), dotted with
``v``. A wrong entry of J changes v^T J u unless u or v happen to be zero
there, so a wrong derivative is still caught, at the cost of two evaluations of
``fn`` and one backward pass per input rather than one per element.

``gradgradcheck`` applies the same test to the backward pass itself (second
derivatives).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_moons.autograd import enable_grad, no_grad
from tinygrad_moons.autograd import grad as autograd_grad
from tinygrad_moons.creation import concatenate
from tinygrad_moons.tensor import Tensor

TensorFunction = Callable[..., Tensor]

#: Seed of the random projections of ``fast_mode``: the same vectors on every run.
FAST_MODE_SEED = 0


class GradcheckError(AssertionError):
    """The engine's derivative and the finite-difference one disagree, or one of them is not finite."""


# ------------------------------------------------------------------ inputs
def _input_arrays(inputs: Any, who: str = "gradcheck") -> list[np.ndarray]:
    """Each input as a fresh float64 array; lists, scalars, arrays and tensors all accepted.

    ``inputs`` is a sequence of inputs, or one Tensor / ndarray (PyTorch accepts one tensor too).
    """
    if isinstance(inputs, (Tensor, np.ndarray)):
        inputs = [inputs]
    arrays = []
    for k, x in enumerate(inputs):
        values = x.data if isinstance(x, Tensor) else x
        try:
            array = np.asarray(values)
        except ValueError as error:
            raise TypeError(f"{who}: input {k} is not a rectangular array of numbers ({error})") from None
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{who}: input {k} must hold real numbers, got dtype {array.dtype}")
        if array.dtype.kind == "f" and array.dtype.itemsize < 8:
            warnings.warn(
                f"{who}: input {k} is {array.dtype}; it is checked in float64, because finite differences in "
                "lower precision are too noisy to tell a wrong derivative from rounding",
                UserWarning,
                stacklevel=3,
            )
        arrays.append(np.array(array, dtype=np.float64))  # a copy: perturbing it never touches the caller's data
    return arrays


def _evaluate(fn: TensorFunction, arrays: Sequence[np.ndarray]) -> np.ndarray:
    # NaN and inf are reported by the check itself, with their place; NumPy's warnings would only repeat it.
    with no_grad(), np.errstate(all="ignore"):
        return np.array(fn(*[Tensor(a) for a in arrays]).data, dtype=np.float64)


def _element(shape: tuple[int, ...], flat_index: int) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat_index, shape)) if shape else ()


# --------------------------------------------------------------- Jacobians
def numerical_jacobian(fn: TensorFunction, inputs: Sequence[Any], eps: float = 1e-6) -> list[np.ndarray]:
    """d fn / d input by central differences: one (output.size, input.size) matrix per input."""
    arrays = _input_arrays(inputs, "numerical_jacobian")
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
            with np.errstate(all="ignore"):  # inf - inf: the check reports the NaN with its place
                jacobian[:, j] = (plus - minus) / (2 * eps)
        jacobians.append(jacobian)
    return jacobians


def analytic_jacobian(fn: TensorFunction, inputs: Sequence[Any]) -> list[np.ndarray]:
    """d fn / d input from the engine: row i is the backward pass of output element i."""
    tensors = [Tensor(a, requires_grad=True) for a in _input_arrays(inputs, "analytic_jacobian")]
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


# ---------------------------------------------------------------- checking
def gradcheck(
    fn: TensorFunction,
    inputs: Sequence[Tensor | np.ndarray | Any] | Tensor | np.ndarray,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    fast_mode: bool = False,
) -> bool:
    """Return True if ``fn``'s gradients match finite differences; raise ``GradcheckError`` if not.

    ``fn`` takes tensors and returns one tensor; ``inputs`` are tensors,
    arrays, nested lists or numbers (one Tensor or array alone is one input).
    The check passes where ``|analytic - numerical| <= atol + rtol * |numerical|``
    for every element and both sides are finite. The error names the input,
    the element and both values; a NaN or inf says which side it is on.
    ``fast_mode=True`` checks the random projection v^T J u per input instead
    of every element (see the module docstring).
    """
    arrays = _input_arrays(inputs)
    if fast_mode:
        return _fast_gradcheck(fn, arrays, eps, atol, rtol)
    with np.errstate(all="ignore"):  # an overflow or 0/0 shows up below as a non-finite entry, with its place
        analytic = analytic_jacobian(fn, arrays)
    numerical = numerical_jacobian(fn, arrays, eps)
    for k, (a, n) in enumerate(zip(analytic, numerical)):
        shape = arrays[k].shape
        for side, jacobian in (("analytic gradient (the engine's backward)", a), ("finite difference", n)):
            not_finite = ~np.isfinite(jacobian)
            if not_finite.any():
                out_index, in_index = np.argwhere(not_finite)[0]
                raise GradcheckError(
                    f"gradcheck: input {k}, element {_element(shape, in_index)}, output element {int(out_index)}: "
                    f"the {side} is {float(jacobian[out_index, in_index])!r} "
                    f"(analytic {float(a[out_index, in_index])!r}, "
                    f"finite differences {float(n[out_index, in_index])!r}; "
                    f"{int(not_finite.sum())} of {not_finite.size} entries not finite). A derivative must be finite "
                    "where it is checked: check the backward, or move the point away from where fn is undefined "
                    f"or not differentiable (within eps={eps})"
                )
        bad = np.abs(a - n) > atol + rtol * np.abs(n)
        if bad.any():
            out_index, in_index = np.argwhere(bad)[0]
            raise GradcheckError(
                f"gradcheck: input {k}, element {_element(shape, in_index)}, output element {int(out_index)}: "
                f"analytic gradient {float(a[out_index, in_index])!r} "
                f"but finite differences give {float(n[out_index, in_index])!r} "
                f"({int(bad.sum())} of {bad.size} entries differ beyond atol={atol}, rtol={rtol})"
            )
    return True


def _unit_vector(rng: np.random.Generator, size: int) -> np.ndarray:
    # Non-negative entries, as PyTorch's fast mode draws them: the atol scaling below stays positive.
    vector = rng.random(size)
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector


def _fast_gradcheck(fn: TensorFunction, arrays: list[np.ndarray], eps: float, atol: float, rtol: float) -> bool:
    """Compare v^T J u, analytic and numerical, for each input (random unit u per input, one v)."""
    rng = np.random.default_rng(FAST_MODE_SEED)
    us = [_unit_vector(rng, a.size) for a in arrays]
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    with np.errstate(all="ignore"):
        output = fn(*tensors)
    v = _unit_vector(rng, output.size)
    # Analytic: one backward pass with v as the incoming gradient gives v^T J for every input at once.
    vjps = [np.zeros(a.size) for a in arrays]
    if output.requires_grad:
        with np.errstate(all="ignore"):
            grads = autograd_grad(output, tensors, grad_outputs=Tensor(v.reshape(output.shape)), allow_unused=True)
        vjps = [
            g.data.reshape(-1).astype(np.float64) if g is not None else np.zeros(a.size) for g, a in zip(grads, arrays)
        ]
    for k, (array, u, vjp) in enumerate(zip(arrays, us, vjps)):
        not_finite = np.flatnonzero(~np.isfinite(vjp))
        if not_finite.size:
            j = int(not_finite[0])
            raise GradcheckError(
                f"gradcheck (fast mode): input {k}, element {_element(array.shape, j)}: the analytic gradient "
                f"(the engine's backward) is {float(vjp[j])!r} in v^T J ({not_finite.size} of {vjp.size} "
                "elements not finite); a derivative must be finite where it is checked"
            )
        # Numerical: the directional derivative J u from one central difference along u.
        shifted = [a.copy() for a in arrays]
        shifted[k] = array + eps * u.reshape(array.shape)
        plus = _evaluate(fn, shifted).reshape(-1)
        shifted[k] = array - eps * u.reshape(array.shape)
        minus = _evaluate(fn, shifted).reshape(-1)
        with np.errstate(all="ignore"):
            jvp = (plus - minus) / (2 * eps)
        not_finite = np.flatnonzero(~np.isfinite(jvp))
        if not_finite.size:
            i = int(not_finite[0])
            raise GradcheckError(
                f"gradcheck (fast mode): input {k}, output element {i}: the finite difference along a random "
                f"direction is {float(jvp[i])!r} ({not_finite.size} of {jvp.size} output elements not finite); "
                f"fn is undefined or not differentiable within eps={eps} of the point"
            )
        analytic, numerical = float(vjp @ u), float(v @ jvp)
        # Each entry of J may differ by atol; projected, that allows atol * sum(u) * sum(v), as in PyTorch.
        tolerance = atol * float(u.sum()) * float(v.sum()) + rtol * abs(numerical)
        if abs(analytic - numerical) > tolerance:
            raise GradcheckError(
                f"gradcheck (fast mode): input {k}: v^T J u is {analytic!r} from the analytic gradient but "
                f"{numerical!r} from finite differences (beyond atol={atol}, rtol={rtol}, for random unit vectors "
                "u over the input and v over the output); run with fast_mode=False to find the element"
            )
    return True


def gradgradcheck(
    fn: TensorFunction,
    inputs: Sequence[Tensor | np.ndarray | Any] | Tensor | np.ndarray,
    grad_outputs: Tensor | np.ndarray | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    fast_mode: bool = False,
) -> bool:
    """Check second derivatives: gradcheck applied to the vector-Jacobian product of ``fn``.

    ``grad_outputs`` (random, from ``seed``, when not given) is the vector v in
    v^T J. The check differentiates v^T J(x) with respect to x *and* to v, as
    PyTorch's gradgradcheck does. The derivative in x is right only if every
    backward rule on the way is itself differentiated correctly; the one in v
    only if no rule cuts its incoming gradient off the graph, which the second
    derivative of a composition needs. In an error, input ``len(inputs)`` is v.
    """
    arrays = _input_arrays(inputs, "gradgradcheck")
    with no_grad():
        output_shape = fn(*[Tensor(a) for a in arrays]).shape
    if grad_outputs is None:
        v = np.random.default_rng(seed).standard_normal(output_shape)
    else:
        (v,) = _input_arrays([grad_outputs], "gradgradcheck (grad_outputs)")

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

    return gradcheck(vector_jacobian_product, [*arrays, v], eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode)
