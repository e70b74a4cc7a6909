"""Every differentiable op, each with its forward and its backward side by side.

``forward`` computes on NumPy arrays. ``backward`` receives ``grad``, the
gradient of the loss with respect to the op's output, and returns the
gradient with respect to each input: one step of the chain rule, written in
its docstring. Backward rules use Tensor operations only, so that with
``create_graph=True`` they are recorded and can be differentiated again.

A backward may return a gradient of the broadcast shape; the engine sums it
back to each input's shape in one place (``autograd.sum_to_shape``).

``REGISTRY`` lists every op by name. The test suite iterates over it: an op
added here without a gradient test makes the suite fail.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_moons.autograd import Function, ShapeError, is_grad_enabled, plain_numbers
from tinygrad_moons.tensor import Tensor


def _constant(array: np.ndarray) -> Tensor:
    """A tensor that is never differentiated (a mask, a fixed factor)."""
    return Tensor._wrap(array)


def _keepdims_shape(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape a reduction over ``axis`` has with ``keepdims=True``."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


class _Broadcasting(Function):
    """An elementwise op of two inputs that NumPy broadcasts."""

    def shape_error(self, shapes: Sequence[tuple[int, ...]], numpy_message: str) -> str:
        """The message for inputs whose shapes do not fit this op."""
        return f"{self.name}: shapes {shapes[0]} and {shapes[1]} cannot be broadcast together"


# --------------------------------------------------------------- arithmetic
class Add(_Broadcasting):
    """a + b, elementwise, broadcast as NumPy does (``torch.add``)."""

    name = "add"
    kind = "arithmetic"
    saves = ()

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a + b."""
        return a + b

    def backward(self, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        """d(a+b)/da = 1, d(a+b)/db = 1."""
        return grad, grad


class Sub(_Broadcasting):
    """a - b, elementwise, broadcast (``torch.sub``)."""

    name = "sub"
    kind = "arithmetic"
    saves = ()

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a - b."""
        return a - b

    def backward(self, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        """d(a-b)/da = 1, d(a-b)/db = -1."""
        return grad, -grad


class Mul(_Broadcasting):
    """a * b, elementwise, broadcast (``torch.mul``)."""

    name = "mul"
    kind = "arithmetic"
    saves = ("inputs",)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a * b."""
        return a * b

    def backward(self, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        """d(ab)/da = b, d(ab)/db = a."""
        a, b = self.parents
        return (grad * b if a.requires_grad else None), (grad * a if b.requires_grad else None)


class Div(_Broadcasting):
    """a / b, true division, elementwise, broadcast (``torch.div``)."""

    name = "div"
    kind = "arithmetic"
    saves = ("inputs",)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a / b."""
        return a / b

    def backward(self, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        """d(a/b)/da = 1/b, d(a/b)/db = -a/b^2."""
        a, b = self.parents
        grad_a = grad / b if a.requires_grad else None
        grad_b = -grad * a / (b * b) if b.requires_grad else None
        return grad_a, grad_b


class Pow(_Broadcasting):
    """a ** b, elementwise, broadcast (``torch.pow``)."""

    name = "pow"
    kind = "arithmetic"
    saves = ("inputs", "output")

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a ** b."""
        return a**b

    def backward(self, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        """d(a^b)/da = b a^(b-1), d(a^b)/db = a^b log(a), with PyTorch's conventions at the edges.

        d/da is 0 where b = 0 (x**0 is constant, even at x = 0, where b a^(b-1)
        would be 0 * inf; elsewhere the formula gives that 0 itself); d/db is 0 where a = 0 and b >= 0 (0**b is 0 or 1
        there; a^b log(a) would be 0 * -inf). The masks are constants, so the
        second derivative at those edge points is not defined.
        """
        a, b = self.parents
        grad_a = grad_b = None
        if a.requires_grad:
            with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** -1 where b = 0 is masked just below
                grad_a = grad * b * a ** (b - 1)
            grad_a = _zero_where((b._data == 0) & (a._data == 0), grad_a)
        if b.requires_grad:
            with np.errstate(divide="ignore", invalid="ignore"):  # log(0) = -inf is masked just below
                grad_b = grad * self.output * a.log()
            grad_b = _zero_where((a._data == 0) & (b._data >= 0), grad_b)
        return grad_a, grad_b


def _zero_where(mask: np.ndarray, values: Tensor) -> Tensor:
    """``values`` with 0 where ``mask`` holds (NaN and inf there included, unlike multiplying by 0)."""
    if not mask.any():  # the usual case: no edge point, no extra op
        return values
    return Where.apply(_constant(mask), _constant(np.zeros((), dtype=values.dtype)), values)


class Neg(Function):
    """-a, elementwise (``torch.neg``)."""

    name = "neg"
    kind = "arithmetic"
    saves = ()

    def forward(self, a: np.ndarray) -> np.ndarray:
        """-a."""
        return -a

    def backward(self, grad: Tensor) -> Tensor:
        """d(-a)/da = -1."""
        return -grad


class Maximum(_Broadcasting):
    """The larger of a and b, elementwise, broadcast (``torch.maximum``); ties share the gradient."""

    name = "maximum"
    kind = "elementwise"
    saves = ("inputs",)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """np.maximum(a, b) (a NaN wins)."""
        return np.maximum(a, b)

    def loses(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Where x loses to y (x < y for maximum, x > y for minimum): x gets no gradient there."""
        return x < y

    def backward(self, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        """d max(a,b)/da = 1 where a > b, 0 where a < b, 1/2 at ties (as PyTorch).

        Written as "1 unless a loses" so that, as in PyTorch, a NaN (which
        neither wins, loses nor ties) passes the gradient to both inputs.
        """
        a, b = self.parents
        half_at_ties = 0.5 * (a._data == b._data)
        grad_a = grad * _constant((1 - self.loses(a._data, b._data) - half_at_ties).astype(grad.dtype))
        grad_b = grad * _constant((1 - self.loses(b._data, a._data) - half_at_ties).astype(grad.dtype))
        return (grad_a if a.requires_grad else None), (grad_b if b.requires_grad else None)


class Minimum(Maximum):
    """The smaller of a and b, elementwise, broadcast (``torch.minimum``); ties share the gradient."""

    name = "minimum"
    kind = "elementwise"

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """np.minimum(a, b) (a NaN wins)."""
        return np.minimum(a, b)

    def loses(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Where x loses to y (x < y for maximum, x > y for minimum): x gets no gradient there."""
        return x > y

    def backward(self, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        """d min(a,b)/da = 1 where a < b, 0 where a > b, 1/2 at ties (as PyTorch)."""
        return super().backward(grad)


class Where(Function):
    """``a`` where ``condition`` holds, else ``b``; the condition is a bool tensor, never differentiated."""

    name = "where"
    kind = "elementwise"
    saves = ("inputs",)

    def forward(self, condition: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """np.where(condition, a, b)."""
        return np.where(condition, a, b)

    def shape_error(self, shapes: Sequence[tuple[int, ...]], numpy_message: str) -> str:
        """The message for inputs whose shapes do not fit this op."""
        return f"where: condition, input and other of shapes {shapes[0]}, {shapes[1]} and {shapes[2]} do not broadcast"

    def backward(self, grad: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
        """d where(c, a, b)/da = 1 where c holds, else 0; d/db = 1 where c does not hold."""
        condition, a, b = self.parents
        zero = _constant(np.zeros((), dtype=grad.dtype))
        grad_a = Where.apply(condition, grad, zero) if a.requires_grad else None
        grad_b = Where.apply(condition, zero, grad) if b.requires_grad else None
        return None, grad_a, grad_b


class MatMul(Function):
    """a @ b, the matrix product with NumPy's rules for 1-D and batched operands (``torch.matmul``)."""

    name = "matmul"
    kind = "matmul"
    saves = ("inputs",)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a @ b (np.dot for 1-D and 2-D operands)."""
        if 1 <= a.ndim <= 2 and 1 <= b.ndim <= 2:
            # The same BLAS call as a @ b, but np.dot dispatches faster and does not fall back to a slow
            # loop for a transposed column such as a one-unit layer's (1, 25) kernel (5 us, not 20).
            return np.dot(a, b)
        return a @ b

    def shape_error(self, shapes: Sequence[tuple[int, ...]], numpy_message: str) -> str:
        """The message for inputs whose shapes do not fit this op."""
        if any(len(s) == 0 for s in shapes):
            return f"matmul: inputs must have at least one dimension, got shapes {shapes[0]} and {shapes[1]}"
        return f"matmul: shapes {shapes[0]} and {shapes[1]} are not aligned"

    def backward(self, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        """For C = A B: dL/dA = dL/dC B^T and dL/dB = A^T dL/dC.

        A 1-D operand is treated as a row (for A) or a column (for B), as NumPy
        does in the forward; batch axes are summed by the engine.
        """
        a, b = self.parents
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        grad2 = grad
        if b.ndim == 1:  # first: for 1-D @ 1-D the 0-d gradient becomes (1,), then (1, 1)
            grad2 = grad2.unsqueeze(-1)
        if a.ndim == 1:
            grad2 = grad2.unsqueeze(-2)
        grad_a = grad_b = None
        if a.requires_grad:
            grad_a = grad2 @ b2.mT
            if a.ndim == 1:
                grad_a = grad_a.squeeze(-2)
        if b.requires_grad:
            grad_b = a2.mT @ grad2
            if b.ndim == 1:
                grad_b = grad_b.squeeze(-1)
        return grad_a, grad_b


# ---------------------------------------------------------- unary functions
class Exp(Function):
    """exp(a), elementwise."""

    name = "exp"
    kind = "elementwise"
    saves = ("output",)

    def forward(self, a: np.ndarray) -> np.ndarray:
        """np.exp(a)."""
        return np.exp(a)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da exp(a) = exp(a), the output itself."""
        return grad * self.output


class Log(Function):
    """log(a), the natural logarithm, elementwise."""

    name = "log"
    kind = "elementwise"
    saves = ("inputs",)

    def forward(self, a: np.ndarray) -> np.ndarray:
        """np.log(a)."""
        return np.log(a)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da log(a) = 1/a."""
        return grad / self.parents[0]


class Sqrt(Function):
    """sqrt(a), elementwise."""

    name = "sqrt"
    kind = "elementwise"
    saves = ("output",)

    def forward(self, a: np.ndarray) -> np.ndarray:
        """np.sqrt(a)."""
        return np.sqrt(a)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da sqrt(a) = 1 / (2 sqrt(a))."""
        return grad / (2 * self.output)


class Sin(Function):
    """sin(a), elementwise."""

    name = "sin"
    kind = "elementwise"
    saves = ("inputs",)

    def forward(self, a: np.ndarray) -> np.ndarray:
        """np.sin(a)."""
        return np.sin(a)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da sin(a) = cos(a)."""
        return grad * self.parents[0].cos()


class Cos(Function):
    """cos(a), elementwise."""

    name = "cos"
    kind = "elementwise"
    saves = ("inputs",)

    def forward(self, a: np.ndarray) -> np.ndarray:
        """np.cos(a)."""
        return np.cos(a)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da cos(a) = -sin(a)."""
        return -grad * self.parents[0].sin()


class Tanh(Function):
    """tanh(a), elementwise."""

    name = "tanh"
    kind = "activation"
    saves = ("output",)

    def forward(self, a: np.ndarray) -> np.ndarray:
        """np.tanh(a)."""
        return np.tanh(a)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da tanh(a) = 1 - tanh(a)^2."""
        t = self.output
        return grad * (1 - t * t)


class Sigmoid(Function):
    """1 / (1 + exp(-a)), elementwise, without overflow for large |a|."""

    name = "sigmoid"
    kind = "activation"
    saves = ("output",)

    def forward(self, a: np.ndarray) -> np.ndarray:
        """sigmoid(a), through exp(-|a|) so that no exp overflows."""
        # exp of a non-positive number never overflows: for a >= 0 use
        # 1/(1+e^-a), for a < 0 the equal e^a/(1+e^a).
        e = np.exp(-np.abs(a))
        return np.where(a >= 0, 1, e) / (1 + e)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da sigmoid(a) = s(1-s), with s = sigmoid(a) the output."""
        s = self.output
        return grad * s * (1 - s)


class ReLU(Function):
    """max(a, 0), elementwise."""

    name = "relu"
    kind = "activation"
    saves = ("output",)

    def forward(self, a: np.ndarray) -> np.ndarray:
        """max(a, 0)."""
        # max(a, 0); NumPy's clip with both bounds runs a vectorised loop, 3x faster than maximum(a, 0).
        return a.clip(0.0, np.inf)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da relu(a) = 1 where a > 0, else 0; a NaN passes its gradient through, as in PyTorch."""
        # A boolean mask, not a float one: NumPy multiplies by it as fast, and one array fewer
        # the size of the layer is allocated (on 800 rows that kept glibc from trimming the heap every step).
        # Read from the output, relu(a) != 0: the same as a > 0 except at NaN (relu(NaN) is NaN), where
        # PyTorch's mask, "not result <= 0", is 1.
        return Mul.apply(grad, _constant(self.output._data != 0))


class LeakyReLU(Function):
    """a where a > 0, else ``negative_slope * a`` (an attribute), elementwise."""

    name = "leaky_relu"
    kind = "activation"
    saves = ("inputs",)
    negative_slope: float

    def forward(self, a: np.ndarray) -> np.ndarray:
        """a where a > 0, else negative_slope * a."""
        return np.where(a > 0, a, a * self.negative_slope)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da leaky_relu(a) = 1 where a > 0, else negative_slope."""
        slope = np.where(self.parents[0]._data > 0, 1, self.negative_slope).astype(grad.dtype)
        return grad * _constant(slope)


class Softplus(Function):
    """log(1 + exp(beta a)) / beta, and a itself where beta a > threshold (attributes ``beta``, ``threshold``)."""

    name = "softplus"
    kind = "activation"
    saves = ("inputs",)
    beta: float
    threshold: float

    def forward(self, a: np.ndarray) -> np.ndarray:
        """log(1 + exp(beta a)) / beta, linear above the threshold."""
        scaled = a * self.beta
        return np.where(scaled > self.threshold, a, np.logaddexp(0, scaled) / self.beta).astype(a.dtype, copy=False)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da log(1 + exp(beta a)) / beta = sigmoid(beta a); 1 where beta a > threshold (the linear part)."""
        a = self.parents[0]
        slope = (a * self.beta).sigmoid()
        linear = a._data * self.beta > self.threshold
        if linear.any():
            slope = Where.apply(_constant(linear), _constant(np.ones((), dtype=slope.dtype)), slope)
        return grad * slope


class Abs(Function):
    """|a|, elementwise."""

    name = "abs"
    kind = "elementwise"
    saves = ("inputs",)

    def forward(self, a: np.ndarray) -> np.ndarray:
        """np.abs(a)."""
        return np.abs(a)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da |a| = sign(a) (0 at a = 0, as PyTorch)."""
        return grad * _constant(np.sign(self.parents[0]._data))


class Clip(Function):
    """a limited to [min, max] (attributes; either may be None), elementwise (``torch.clamp``)."""

    name = "clip"
    kind = "elementwise"
    saves = ("inputs",)
    min: float | None
    max: float | None

    def forward(self, a: np.ndarray) -> np.ndarray:
        """np.clip(a, min, max)."""
        return np.clip(a, self.min, self.max)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da clip(a, lo, hi) = 1 where lo <= a <= hi, else 0."""
        a = self.parents[0]._data
        inside = np.ones(a.shape, dtype=bool)
        if self.min is not None:
            inside &= a >= self.min
        if self.max is not None:
            inside &= a <= self.max
        return grad * _constant(inside.astype(grad.dtype))


class Cast(Function):
    """a in another floating dtype (attribute ``dtype``); the gradient is cast back."""

    name = "cast"
    kind = "elementwise"
    saves = ()
    dtype: np.dtype

    def forward(self, a: np.ndarray) -> np.ndarray:
        """a.astype(dtype)."""
        return a.astype(self.dtype)

    def backward(self, grad: Tensor) -> Tensor:
        """The identity on values; the gradient goes back in the input's dtype."""
        return grad.to(self.parents[0].dtype)


class Clone(Function):
    """A copy of a with its own array, still in the graph."""

    name = "clone"
    kind = "elementwise"
    saves = ()

    def forward(self, a: np.ndarray) -> np.ndarray:
        """a.copy()."""
        return a.copy()

    def backward(self, grad: Tensor) -> Tensor:
        """A copy: d/da a = 1."""
        return grad


# --------------------------------------------------------------- reductions
class Sum(Function):
    """The sum over ``axis`` (None: all; a sorted tuple of axes otherwise), keeping them as size 1 if ``keepdims``."""

    name = "sum"
    kind = "reduction"
    saves = ()
    axis: tuple[int, ...] | None
    keepdims: bool

    def forward(self, a: np.ndarray) -> np.ndarray:
        """np.sum(a, axis, keepdims)."""
        return np.sum(a, axis=self.axis, keepdims=self.keepdims)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da_i sum(a) = 1 for every i summed: each input gets the gradient of its sum."""
        shape = self.parents[0].shape
        return grad.reshape(_keepdims_shape(shape, self.axis)).broadcast_to(shape)


class Mean(Function):
    """The mean over ``axis``, keeping the axes if ``keepdims`` (attributes as for Sum)."""

    name = "mean"
    kind = "reduction"
    saves = ()
    axis: tuple[int, ...] | None
    keepdims: bool

    def forward(self, a: np.ndarray) -> np.ndarray:
        """np.mean(a, axis, keepdims)."""
        if a.dtype.itemsize < 4:  # float16: np.mean adds up in float32
            return np.mean(a, axis=self.axis, keepdims=self.keepdims)
        # np.mean's own arithmetic (a sum, then a division), without its Python wrapper: this runs on every loss.
        # The ignore: NumPy's stubs overload reduce for keepdims=True and keepdims=False, not for a bool variable.
        total = np.add.reduce(a, axis=self.axis, keepdims=self.keepdims)  # type: ignore[call-overload]
        return total / (a.size // max(total.size, 1))

    def backward(self, grad: Tensor) -> Tensor:
        """d/da_i mean(a) = 1/n, n the number of elements averaged."""
        a = self.parents[0]
        count = a._data.size if self.axis is None else math.prod(a.shape[i] for i in self.axis)
        if self.axis is not None and not self.keepdims:  # put back the averaged axes, as size 1
            grad = grad.reshape(_keepdims_shape(a.shape, self.axis))
        # One op: the (broadcast) product with a constant array of 1/n has the input's shape.
        return Mul.apply(grad, _constant(np.full(a.shape, 1.0 / count, dtype=grad.dtype)))


class Max(Function):
    """The largest value over ``axis`` (attributes as for Sum); tied maxima share the gradient."""

    name = "max"
    kind = "reduction"
    saves = ("inputs", "output")
    axis: tuple[int, ...] | None
    keepdims: bool

    def forward(self, a: np.ndarray) -> np.ndarray:
        """np.max(a, axis, keepdims)."""
        return np.max(a, axis=self.axis, keepdims=self.keepdims)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da_i max(a) = 1 for the maximum, 0 elsewhere; tied maxima share it equally.

        A NaN is the maximum (NumPy and PyTorch propagate it): the NaN elements share the gradient.
        """
        a = self.parents[0]._data
        kept_shape = _keepdims_shape(a.shape, self.axis)
        result = self.output._data.reshape(kept_shape)
        is_max = a == result
        nan_result = np.isnan(result)
        if nan_result.any():
            is_max |= np.isnan(a) & nan_result
        share = is_max / is_max.sum(axis=self.axis, keepdims=True)
        return grad.reshape(kept_shape).broadcast_to(a.shape) * _constant(share.astype(grad.dtype))


class Min(Max):
    """The smallest value over ``axis`` (attributes as for Sum); tied minima share the gradient."""

    name = "min"
    kind = "reduction"

    def forward(self, a: np.ndarray) -> np.ndarray:
        """np.min(a, axis, keepdims)."""
        return np.min(a, axis=self.axis, keepdims=self.keepdims)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da_i min(a) = 1 for the minimum, 0 elsewhere; ties (and NaNs) share it, as for max."""
        return super().backward(grad)


class Prod(Function):
    """The product over ``axis`` (attributes as for Sum)."""

    name = "prod"
    kind = "reduction"
    saves = ("inputs", "output")
    axis: tuple[int, ...] | None
    keepdims: bool

    def forward(self, a: np.ndarray) -> np.ndarray:
        """np.prod(a, axis, keepdims)."""
        return np.prod(a, axis=self.axis, keepdims=self.keepdims)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da_i prod(a) = the product of the other elements, prod(a) / a_i when no element is 0.

        With zeros among them the products of the others are computed exactly
        (as constants: the second derivative there is not recorded).
        """
        a = self.parents[0]
        kept_shape = _keepdims_shape(a.shape, self.axis)
        grad = grad.reshape(kept_shape)
        if np.all(a._data != 0):
            return grad * self.output.reshape(kept_shape) / a
        return grad * _constant(_product_of_others(a._data, self.axis))


def _product_of_others(a: np.ndarray, axis: tuple[int, ...] | None) -> np.ndarray:
    """For each element, the product of the others in its reduction, exact where some of them are 0."""
    is_zero = a == 0
    zeros = is_zero.sum(axis=axis, keepdims=True)
    product_of_nonzeros = np.prod(np.where(is_zero, 1, a), axis=axis, keepdims=True)
    # No zero: prod / a_i. One zero: that element gets the product of the rest, the others 0. More: all 0.
    others_if_nonzero = np.where(zeros == 0, product_of_nonzeros / np.where(is_zero, 1, a), 0)
    return np.where(is_zero, product_of_nonzeros * (zeros == 1), others_if_nonzero).astype(a.dtype)


# ------------------------------------------------------------------- shapes
class Reshape(Function):
    """The same values in another ``shape`` (a tuple, -1 allowed once, as NumPy)."""

    name = "reshape"
    kind = "shape"
    saves = ()
    shape: tuple[int, ...]

    def forward(self, a: np.ndarray) -> np.ndarray:
        """a.reshape(shape) (a view when NumPy can make one)."""
        return a.reshape(self.shape)

    def shape_error(self, shapes: Sequence[tuple[int, ...]], numpy_message: str) -> str:
        """The message for inputs whose shapes do not fit this op."""
        size = int(np.prod(shapes[0]))
        return (
            f"reshape: cannot reshape a tensor of shape {shapes[0]} ({size} elements) "
            f"into shape {plain_numbers(self.shape)} ({numpy_message})"
        )

    def backward(self, grad: Tensor) -> Tensor:
        """Reshaping moves no values: the gradient is reshaped back."""
        return grad.reshape(self.parents[0].shape)


class Transpose(Function):
    """The axes permuted by ``axes`` (a permutation of all of them, NumPy's ``transpose(axes)``)."""

    name = "transpose"
    kind = "shape"
    saves = ()
    axes: tuple[int, ...]

    def forward(self, a: np.ndarray) -> np.ndarray:
        """a.transpose(axes) (a view)."""
        return a.transpose(self.axes)

    def backward(self, grad: Tensor) -> Tensor:
        """Permuting axes moves no values: the gradient is permuted back (inverse permutation)."""
        return Transpose.apply(grad, axes=tuple(np.argsort(self.axes).tolist()))


class BroadcastTo(Function):
    """a broadcast to ``shape`` without copying (``torch.expand``)."""

    name = "broadcast_to"
    kind = "shape"
    saves = ()
    shape: tuple[int, ...]

    def forward(self, a: np.ndarray) -> np.ndarray:
        """np.broadcast_to(a, shape) (a read-only view)."""
        return np.broadcast_to(a, self.shape)

    def shape_error(self, shapes: Sequence[tuple[int, ...]], numpy_message: str) -> str:
        """The message for inputs whose shapes do not fit this op."""
        return f"broadcast_to: shape {shapes[0]} cannot be broadcast to {plain_numbers(self.shape)}"

    def backward(self, grad: Tensor) -> Tensor:
        """Each input element was copied along the new axes; the engine sums the copies (sum_to_shape)."""
        return grad


class Repeat(Function):
    """PyTorch's ``repeat``: the tensor tiled ``repeats[i]`` times along each axis (NumPy's ``tile``)."""

    name = "repeat"
    kind = "shape"
    saves = ()
    repeats: tuple[int, ...]

    def forward(self, a: np.ndarray) -> np.ndarray:
        """np.tile(a, repeats)."""
        return np.tile(a, self.repeats)

    def backward(self, grad: Tensor) -> Tensor:
        """Each input element was copied once per tile: its gradient is the sum over its copies."""
        a = self.parents[0]
        shape = (1,) * (len(self.repeats) - a.ndim) + a.shape
        # View the gradient as (r0, s0, r1, s1, ...): axis 2k counts the copies along axis k.
        interleaved = tuple(n for pair in zip(self.repeats, shape) for n in pair)
        copies = tuple(range(0, 2 * len(shape), 2))
        return grad.reshape(interleaved).sum(axis=copies).reshape(a.shape)


def _has_array_index(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) for p in parts)


class GetItem(Function):
    """a[index]: basic and advanced (integer array, bool mask) indexing, as NumPy."""

    name = "getitem"
    kind = "shape"
    saves = ()
    index: Any  # anything NumPy indexes with: ints, slices, None, Ellipsis, integer or bool arrays, tuples of them

    def forward(self, a: np.ndarray) -> np.ndarray:
        """a[index] (a view of a for an index of ints and slices, as PyTorch; a copy for an array index)."""
        result = a[self.index]
        if type(result) is not np.ndarray:  # one element: NumPy copies it out, PyTorch's a[i, j] is a 0-d view
            result = a[(*self.index, ...) if isinstance(self.index, tuple) else (self.index, ...)]
        return result

    def shape_error(self, shapes: Sequence[tuple[int, ...]], numpy_message: str) -> str:
        """The message for inputs whose shapes do not fit this op."""
        index = plain_numbers(self.index)
        return f"getitem: index {index!r} does not fit a tensor of shape {shapes[0]} ({numpy_message})"

    def backward(self, grad: Tensor) -> Tensor:
        """Each selected element gets the gradient of where it went; elements not selected get 0."""
        return IndexAdd.apply(grad, shape=self.parents[0].shape, index=self.index)


class IndexAdd(Function):
    """Scatter: zeros of ``shape`` with ``values`` added at ``index`` (the backward of getitem)."""

    name = "index_add"
    kind = "shape"
    saves = ()
    shape: tuple[int, ...]
    index: Any  # as GetItem's

    def forward(self, values: np.ndarray) -> np.ndarray:
        """zeros of ``shape`` with ``values`` added at ``index``."""
        result = np.zeros(self.shape, dtype=values.dtype)
        if _has_array_index(self.index):
            np.add.at(result, self.index, values)  # an integer index may repeat an element
        else:
            result[self.index] = values
        return result

    def backward(self, grad: Tensor) -> Tensor:
        """Each value was added to one place: its gradient is read back from there."""
        return grad[self.index]


class SetItem(Function):
    """``a`` with ``values`` written at ``index`` (PyTorch's ``index_put``), in a new array: ``x[index] = values``.

    ``Tensor.__setitem__`` records it when the change is part of a graph (and writes in place otherwise).
    An integer-array index must not repeat an element here: which value is kept would be undefined (as in
    PyTorch), and so would its gradient (``Tensor.__setitem__`` refuses that).
    """

    name = "setitem"
    kind = "shape"
    saves = ()
    index: Any  # as GetItem's

    def forward(self, a: np.ndarray, values: np.ndarray) -> np.ndarray:
        """A copy of a with values (broadcast to a[index]'s shape) written at index."""
        result = a.copy()
        result[self.index] = values
        return result

    def shape_error(self, shapes: Sequence[tuple[int, ...]], numpy_message: str) -> str:
        """The message for inputs whose shapes do not fit this op."""
        index = plain_numbers(self.index)
        return (
            f"setitem: values of shape {shapes[1]} cannot be written at index {index!r} of a tensor of shape "
            f"{shapes[0]} ({numpy_message})"
        )

    def backward(self, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        """d/da: 1 where a's value was kept, 0 where it was overwritten; d/dvalues: the gradient where each went.

        A value broadcast to several places gets the sum of their gradients (the engine's sum_to_shape).
        """
        a, values = self.parents
        grad_a = SetItem.apply(grad, _constant(np.zeros((), grad.dtype)), index=self.index) if a.requires_grad else None
        grad_values = None
        if values.requires_grad:
            grad_values = grad[self.index]
            if grad_values.ndim < values.ndim:  # values of shape (1, n) written into n places: as NumPy and PyTorch
                grad_values = grad_values.reshape((1,) * (values.ndim - grad_values.ndim) + grad_values.shape)
        return grad_a, grad_values


class Concatenate(Function):
    """The inputs joined along an existing ``axis`` (``torch.cat``)."""

    name = "concatenate"
    kind = "shape"
    saves = ()
    axis: int

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        """np.concatenate(arrays, axis)."""
        return np.concatenate(arrays, axis=self.axis)

    def shape_error(self, shapes: Sequence[tuple[int, ...]], numpy_message: str) -> str:
        """The message for inputs whose shapes do not fit this op."""
        return f"concatenate: shapes {list(shapes)} do not match except along axis {self.axis}"

    def backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        """Each input gets the slice of the gradient where its values were placed."""
        grads, start = [], 0
        for part in self.parents:
            stop = start + part.shape[self.axis]
            index = (slice(None),) * self.axis + (slice(start, stop),)
            grads.append(grad[index] if part.requires_grad else None)
            start = stop
        return tuple(grads)


class Stack(Function):
    """The inputs (of one shape) stacked along a new ``axis`` (``torch.stack``)."""

    name = "stack"
    kind = "shape"
    saves = ()
    axis: int

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        """np.stack(arrays, axis)."""
        return np.stack(arrays, axis=self.axis)

    def shape_error(self, shapes: Sequence[tuple[int, ...]], numpy_message: str) -> str:
        """The message for inputs whose shapes do not fit this op."""
        return f"stack: all tensors must have the same shape, got {list(shapes)}"

    def backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        """Input k was placed at position k of the new axis: it gets that slice of the gradient."""
        prefix = (slice(None),) * self.axis
        return tuple(grad[prefix + (k,)] if p.requires_grad else None for k, p in enumerate(self.parents))


# ====================================================================== fused ops
# Each op below computes what a composition of the ops above computes, in one op: for speed (one graph node,
# fewer arrays) or for numerical stability (no overflow, no log of a rounded 0). tests/test_fused_ops.py checks
# each against its composition, values and gradients:
#   Linear                        x @ kernel + bias
#   BinaryCrossEntropyWithLogits  -(y log sigmoid(z) + (1 - y) log(1 - sigmoid(z)))
#   LogSumExp                     log(sum(exp(a)))
#   Softmax                       exp(a) / sum(exp(a))
#   LogSoftmax                    a - log(sum(exp(a)))


class Linear(Function):
    """``x @ kernel + bias`` as one op: the affine map of a dense layer.

    The same as MatMul then Add, fused because every dense layer runs it:
    one graph node instead of two, and the bias is added in place instead
    of allocating a second (batch, units) array.
    """

    name = "linear"
    kind = "matmul"
    saves = ("inputs",)

    def forward(self, x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """x @ kernel + bias, the bias added in place into the product's fresh array."""
        if x.ndim < 2 or kernel.ndim != 2 or bias.ndim != 1:
            raise ShapeError("x must be (batch, in_features), kernel (in_features, units) and bias (units,)")
        out = np.dot(x, kernel) if x.ndim == 2 else x @ kernel  # np.dot: see MatMul.forward
        if out.dtype == bias.dtype:
            out += bias
            return out
        return out + bias  # mixed dtypes: let NumPy promote, as x @ kernel + bias would

    def shape_error(self, shapes: Sequence[tuple[int, ...]], numpy_message: str) -> str:
        """The message for inputs whose shapes do not fit this op."""
        x, kernel, bias = shapes
        return f"linear: input of shape {x} does not fit kernel {kernel} and bias {bias} ({numpy_message})"

    def backward(self, grad: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
        """For y = x W + b: dL/dx = dL/dy W^T, dL/dW = x^T dL/dy, dL/db = dL/dy summed over the batch."""
        x, kernel, bias = self.parents
        grad_x = MatMul.apply(grad, _swap_last_axes(kernel)) if x.requires_grad else None
        grad_kernel = MatMul.apply(_swap_last_axes(x), grad) if kernel.requires_grad else None
        grad_bias = _sum_over_rows(grad) if bias.requires_grad else None
        return grad_x, grad_kernel, grad_bias


def _swap_last_axes(t: Tensor) -> Tensor:
    """``t.mT`` for every layer's backward, without re-validating the axes (they are known to be right).

    When nothing is being recorded (a backward without ``create_graph``) a
    NumPy view is all that is needed, so no Transpose op is made.
    """
    if not is_grad_enabled():
        return Tensor._wrap(t._data.swapaxes(-1, -2))
    axes = (1, 0) if t.ndim == 2 else tuple(range(t.ndim - 2)) + (t.ndim - 1, t.ndim - 2)
    return Transpose.apply(t, axes=axes)


def _sum_over_rows(grad: Tensor) -> Tensor:
    """The sum of every row of ``grad`` (all axes but the last), computed as ``ones @ grad``.

    The same numbers as ``grad.sum(axis=0)``, but a BLAS matrix-vector
    product: on (800, 50) it takes a third of the time of NumPy's sum over axis 0.
    """
    rows = grad if grad.ndim == 2 else grad.reshape(-1, grad.shape[-1])
    return MatMul.apply(_constant(_ones(rows.shape[0], rows.dtype)), rows)


@functools.lru_cache(maxsize=32)
def _ones(length: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of ones, kept: the same few batch sizes come back every step."""
    ones = np.ones(length, dtype=dtype)
    ones.flags.writeable = False
    return ones


class BinaryCrossEntropyWithLogits(_Broadcasting):
    """Elementwise -[y log(sigmoid(z)) + (1-y) log(1-sigmoid(z))], computed from the logit z.

    Written as max(z, 0) - z y + log(1 + exp(-|z|)): the exp never
    overflows and no log(0) can occur, so logits of +-1000 give a finite
    loss and a finite gradient. Composing it from relu/abs/log ops instead
    would also get the derivative wrong at exactly z = 0 (relu' and sign
    are both taken as 0 there), which a zero-initialised output layer hits.
    """

    name = "binary_cross_entropy_with_logits"
    kind = "loss"
    saves = ("inputs",)

    def forward(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:
        """max(z, 0) - z y + log(1 + exp(-|z|)), elementwise."""
        return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))

    def backward(self, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        """dl/dz = sigmoid(z) - y and dl/dy = -z."""
        z, y = self.parents
        grad_z = grad * (z.sigmoid() - y) if z.requires_grad else None
        grad_y = -grad * z if y.requires_grad else None
        return grad_z, grad_y


class LogSumExp(Function):
    """log(sum(exp(a))) over ``axis`` (attributes as for Sum), without overflow."""

    name = "logsumexp"
    kind = "reduction"
    saves = ("inputs", "output")
    axis: tuple[int, ...] | None
    keepdims: bool

    def forward(self, a: np.ndarray) -> np.ndarray:
        """log(sum(exp(a - max))) + max."""
        # Subtracting the maximum keeps exp from overflowing; it is added back after the log.
        peak = np.max(a, axis=self.axis, keepdims=True)
        peak = np.where(np.isfinite(peak), peak, 0)
        result = np.log(np.sum(np.exp(a - peak), axis=self.axis, keepdims=True)) + peak
        return result if self.keepdims else np.squeeze(result, axis=self.axis)

    def backward(self, grad: Tensor) -> Tensor:
        """d/da_i log(sum_j exp(a_j)) = exp(a_i - logsumexp(a)), the softmax of a."""
        a = self.parents[0]
        kept_shape = _keepdims_shape(a.shape, self.axis)
        softmax = (a - self.output.reshape(kept_shape)).exp()
        return grad.reshape(kept_shape) * softmax


class Softmax(Function):
    """exp(a) normalised to sum to 1 along ``axis`` (one int), stable for any a."""

    name = "softmax"
    kind = "activation"
    saves = ("output",)
    axis: int

    def forward(self, a: np.ndarray) -> np.ndarray:
        """exp(a - max) / sum(exp(a - max)) along axis."""
        shifted = np.exp(a - np.max(a, axis=self.axis, keepdims=True))
        return shifted / np.sum(shifted, axis=self.axis, keepdims=True)

    def backward(self, grad: Tensor) -> Tensor:
        """d softmax_i / d a_j = s_i (1[i=j] - s_j), so dL/da = s (g - sum(g s))."""
        s = self.output
        return s * (grad - (grad * s).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """log(softmax(a)) along ``axis``, computed without taking the log of a rounded-to-zero probability."""

    name = "log_softmax"
    kind = "activation"
    saves = ("output",)
    axis: int

    def forward(self, a: np.ndarray) -> np.ndarray:
        """(a - max) - log(sum(exp(a - max))) along axis."""
        shifted = a - np.max(a, axis=self.axis, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=self.axis, keepdims=True))

    def backward(self, grad: Tensor) -> Tensor:
        """d log_softmax_i / d a_j = 1[i=j] - s_j, so dL/da = g - s sum(g), s = exp(output)."""
        return grad - self.output.exp() * grad.sum(axis=self.axis, keepdims=True)


#: Every op by its name. tests/test_ops_gradients.py has one case per name: a new op needs one there.
REGISTRY: dict[str, type[Function]] = {
    op.name: op
    for op in (
        Add, Sub, Mul, Div, Pow, Neg, Maximum, Minimum, Where, MatMul, Linear,
        Exp, Log, Sqrt, Sin, Cos, Tanh, Sigmoid, ReLU, LeakyReLU, Softplus, Abs, Clip, Cast, Clone,
        BinaryCrossEntropyWithLogits,
        Sum, Mean, Max, Min, Prod, LogSumExp, Softmax, LogSoftmax,
        Reshape, Transpose, BroadcastTo, Repeat, GetItem, IndexAdd, SetItem, Concatenate, Stack,
    )
}  # fmt: skip
