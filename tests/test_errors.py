"""Bad input gets a clear error that names the op and the shapes, raised from our code.

Each error is checked for three things: its type, its message (which starts
with the op's name), and that it does not drag a NumPy traceback along: the
innermost frame is in tinygrad_moons, and where we re-raise a NumPy error,
its chaining is suppressed (``raise ... from None``).
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable

import numpy as np
import pytest

import tinygrad_moons
from tinygrad_moons import Function, ShapeError, Tensor, concatenate, ops, stack

PACKAGE_DIR = os.path.dirname(os.path.abspath(tinygrad_moons.__file__))


def raised_by_us(error: BaseException) -> bool:
    """True if the error was raised in tinygrad_moons and hides any NumPy error it replaced."""
    innermost = traceback.extract_tb(error.__traceback__)[-1]
    in_package = os.path.abspath(innermost.filename).startswith(PACKAGE_DIR + os.sep)
    chain_hidden = error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    return in_package and chain_hidden


def expect_error(kind: type[Exception], action: Callable[[], object], starts_with: str) -> str:
    with pytest.raises(kind) as caught:
        action()
    message = str(caught.value)
    assert message.startswith(starts_with), message
    assert raised_by_us(caught.value), "".join(traceback.format_exception(caught.value))
    return message


# ------------------------------------------------------------ construction
@pytest.mark.parametrize(
    "data, mentions",
    [
        ("abc", "string"),
        (b"abc", "string"),
        (["a", "b"], "not numeric"),
        ([1, "a"], "not numeric"),
        (np.array([1, None], dtype=object), "object"),
        (None, "object"),
        ({"a": 1}, "object"),
        ([[1.0, 2.0], [3.0]], "not a rectangular array"),
        (1 + 2j, "complex"),
        (np.array([1.0, 2.0j]), "complex"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), "not numeric"),
    ],
    ids=[
        "str",
        "bytes",
        "list of str",
        "mixed list",
        "object array",
        "None",
        "dict",
        "ragged",
        "complex",
        "complex array",
        "datetime",
    ],
)
def test_non_numeric_data_is_refused_at_construction(data, mentions):
    message = expect_error(TypeError, lambda: Tensor(data), "Tensor: ")
    assert mentions in message


@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.complex128, "U3"])
def test_the_tensor_class_makes_floating_tensors_only(dtype):
    # As torch.Tensor: integer and bool tensors come from tensor(), the factories and comparisons.
    expect_error(TypeError, lambda: Tensor([1, 2], dtype=dtype), "Tensor: dtype must be a floating type")


@pytest.mark.parametrize("dtype", [np.complex128, "U3", np.object_])
def test_non_numeric_dtypes_are_refused(dtype):
    expect_error(TypeError, lambda: Tensor([1.0, 2.0]).to(dtype), "to: dtype must be a bool, integer or floating")
    expect_error(TypeError, lambda: tinygrad_moons.tensor([1, 2], dtype=dtype), "tensor: dtype must be a bool")


def test_a_string_operand_is_refused():
    expect_error(TypeError, lambda: Tensor([1.0]) + "1", "Tensor: cannot make a tensor from a string")


# ------------------------------------------------------------------ shapes
def test_matmul_names_the_shapes_as_the_course_network_would_see_them():
    inputs, weights = Tensor(np.ones((800, 2))), Tensor(np.ones((3, 25)))
    message = expect_error(ShapeError, lambda: inputs @ weights, "matmul")
    assert message == "matmul: shapes (800, 2) and (3, 25) are not aligned"


def test_matmul_of_a_0d_tensor():
    scalar, matrix = Tensor(2.0), Tensor(np.ones((2, 3)))
    expect_error(ShapeError, lambda: scalar @ matrix, "matmul: inputs must have at least one dimension")


@pytest.mark.parametrize(
    "name, op",
    [
        ("add", lambda a, b: a + b),
        ("sub", lambda a, b: a - b),
        ("mul", lambda a, b: a * b),
        ("div", lambda a, b: a / b),
        ("pow", lambda a, b: a**b),
        ("maximum", lambda a, b: a.maximum(b)),
    ],
)
def test_broadcasting_errors_name_the_op_and_both_shapes(name, op):
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((4,)))
    message = expect_error(ShapeError, lambda: op(a, b), f"{name}: ")
    assert message == f"{name}: shapes (2, 3) and (4,) cannot be broadcast together"


def test_shape_error_is_a_value_error():
    # Code written for NumPy catches ValueError; it keeps working.
    with pytest.raises(ValueError):
        Tensor(np.ones(2)) + Tensor(np.ones(3))


@pytest.mark.parametrize(
    "action, starts_with",
    [
        (lambda t: t.sum(axis=2), "sum: axis 2 is out of range for a tensor with 2 dimensions"),
        (lambda t: t.mean(axis=-3), "mean: axis -3 is out of range"),
        (lambda t: t.max(axis=(0, 0)), "max: axis (0, 0) repeats an axis"),
        (lambda t: t.logsumexp(axis=5), "logsumexp: axis 5 is out of range"),
        (lambda t: t.softmax(axis=2), "softmax: axis 2 is out of range"),
        (lambda t: t.log_softmax(axis=-3), "log_softmax: axis -3 is out of range"),
        (lambda t: t.squeeze(axis=4), "squeeze: axis 4 is out of range"),
        (lambda t: t.permute(0, 0), "permute: dims (0, 0) are not a permutation"),
        (lambda t: t.permute(0, 1, 2), "permute: dims (0, 1, 2) are not a permutation"),
        (lambda t: concatenate([t, t], axis=2), "concatenate: axis 2 is out of range"),
        (lambda t: stack([t, t], axis=4), "stack: axis 4 is out of range"),
    ],
)
def test_bad_axis_names_the_op(action, starts_with):
    expect_error(ValueError, lambda: action(Tensor(np.ones((2, 3)))), starts_with)


@pytest.mark.parametrize("new_shape", [(4,), (-1, -1), (5, -1)])
def test_bad_reshape_names_the_op_and_both_shapes(new_shape):
    message = expect_error(ShapeError, lambda: Tensor(np.ones((2, 3))).reshape(new_shape), "reshape: ")
    assert "(2, 3)" in message and str(new_shape) in message


@pytest.mark.parametrize("index", [5, (0, 0, 0), np.array([0, 7]), (slice(None), np.array([3]))])
def test_bad_index_names_the_op_and_the_shape(index):
    message = expect_error(ShapeError, lambda: Tensor(np.ones((2, 3)))[index], "getitem: index ")
    assert "shape (2, 3)" in message


def test_broadcast_to_an_incompatible_shape():
    message = expect_error(ShapeError, lambda: Tensor(np.ones((2, 3))).broadcast_to((4, 3)), "broadcast_to: ")
    assert message == "broadcast_to: shape (2, 3) cannot be broadcast to (4, 3)"


def test_concatenate_and_stack_of_mismatched_shapes():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((3, 2)))
    message = expect_error(ShapeError, lambda: concatenate([a, b], axis=0), "concatenate: ")
    assert "(2, 3)" in message and "(3, 2)" in message
    message = expect_error(ShapeError, lambda: stack([a, b]), "stack: ")
    assert "(2, 3)" in message and "(3, 2)" in message
    expect_error(ValueError, lambda: concatenate([]), "concatenate: needs at least one tensor")
    expect_error(ValueError, lambda: concatenate([Tensor(1.0)]), "concatenate: zero-dimensional")


# ---------------------------------------- an op's error that is not about shapes is not called a shape error
class ScaledBy(Function):
    """A custom op that checks its own argument, as a learner's op would."""

    name = "scaled_by"

    def forward(self, a):
        if self.alpha <= 0:
            raise ValueError(f"alpha must be positive, got {self.alpha}")
        return a * self.alpha


class Inverse(Function):
    name = "inverse"

    def forward(self, a):
        return np.linalg.inv(a)


class PicksAColumn(Function):
    name = "picks_a_column"

    def forward(self, a):
        return a[:, [0, 1, 2][self.column]]


class ChecksItsOwnShapes(Function):
    name = "checks_its_own_shapes"

    def forward(self, a):
        if a.ndim != 2:
            raise ShapeError("expects a matrix")
        return a


def test_a_value_error_that_is_not_about_shapes_names_the_op_and_passes_the_message_on():
    """Both used to come out as ShapeError: "pow: shapes (2,) and (2,) cannot be broadcast together"."""
    base, exponent = tinygrad_moons.tensor([2, 3]), tinygrad_moons.tensor([-1, 2])
    message = expect_error(ValueError, lambda: base**exponent, "pow: ")
    assert message == "pow: Integers to negative integer powers are not allowed."
    with pytest.raises(ValueError) as caught:
        base**exponent
    assert not isinstance(caught.value, ShapeError)
    message = expect_error(ValueError, lambda: ScaledBy.apply(Tensor(np.ones(3)), alpha=-1), "scaled_by: ")
    assert message == "scaled_by: alpha must be positive, got -1"


def test_a_value_error_subclass_keeps_its_type():
    message = expect_error(np.linalg.LinAlgError, lambda: Inverse.apply(Tensor(np.zeros((2, 2)))), "inverse: ")
    assert message == "inverse: Singular matrix"


def test_an_index_error_that_is_not_about_the_inputs_shapes_stays_an_index_error():
    message = expect_error(IndexError, lambda: PicksAColumn.apply(Tensor(np.ones((2, 5))), column=7), "picks_a_")
    assert message == "picks_a_column: list index out of range"
    with pytest.raises(IndexError) as caught:
        PicksAColumn.apply(Tensor(np.ones((2, 5))), column=7)
    assert not isinstance(caught.value, ShapeError)


def test_shape_problems_in_a_custom_op_still_get_the_shape_message():
    message = expect_error(ShapeError, lambda: Inverse.apply(Tensor(np.ones((2, 3)))), "inverse: ")
    assert message.startswith("inverse: cannot combine inputs of shapes (2, 3) (") and "square" in message
    message = expect_error(ShapeError, lambda: PicksAColumn.apply(Tensor(np.ones((2, 2))), column=2), "picks_a_")
    assert "(2, 2)" in message and "out of bounds" in message
    message = expect_error(ShapeError, lambda: ChecksItsOwnShapes.apply(Tensor(np.ones(3))), "checks_its_own_")
    assert message == "checks_its_own_shapes: cannot combine inputs of shapes (3,) (expects a matrix)"


# --------------------------------------------------------------- backward
def test_gradient_of_the_wrong_shape_given_to_backward():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    message = expect_error(ShapeError, lambda: (x * 2).backward(np.ones((3, 2))), "backward: ")
    assert message == "backward: gradient has shape (3, 2) but the output has shape (2, 3)"


def test_gradient_of_the_wrong_shape_given_to_grad():
    x = Tensor(np.ones(3), requires_grad=True)
    expect_error(ShapeError, lambda: tinygrad_moons.grad(x * 2, x, grad_outputs=Tensor(np.ones(2))), "grad: ")


# ------------------------------------------------------------ other values
def test_other_bad_values():
    t = Tensor(np.ones((2, 3)))
    expect_error(ValueError, lambda: t.item(), "item: only a one-element tensor")
    expect_error(ValueError, lambda: t.clip(), "clip: give at least one of min and max")
    expect_error(ValueError, lambda: Tensor(np.ones((0, 3))).max(), "max: cannot take the maximum of an empty tensor")
    expect_error(ValueError, lambda: bool(t), "bool: the truth value of a tensor of shape (2, 3) is ambiguous")
    expect_error(TypeError, lambda: iter(Tensor(1.0)), "iter: a 0-d tensor cannot be iterated over")


# ------------------------------------------------ mistakes in a custom op
class GradientOfTheWrongShape(Function):
    name = "wrong_shape"

    def forward(self, a):
        return a * 2

    def backward(self, grad):
        return grad.sum()  # should be grad * 2, of the input's shape


class TooFewGradients(Function):
    name = "too_few"

    def forward(self, a, b):
        return a * b

    def backward(self, grad):
        return grad * self.parents[1]  # forgot the gradient of b


class ArrayInsteadOfTensor(Function):
    name = "array_gradient"

    def forward(self, a):
        return a * 2

    def backward(self, grad):
        return grad.data * 2


def test_a_custom_backward_of_the_wrong_shape_is_refused_not_summed():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    message = expect_error(ShapeError, lambda: GradientOfTheWrongShape.apply(x).sum().backward(), "wrong_shape: ")
    assert message == "wrong_shape: backward returned a gradient of shape () for input 0 of shape (2, 3)"
    assert x.grad is None


def test_a_custom_backward_with_too_few_gradients():
    a, b = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(2), requires_grad=True)
    message = expect_error(RuntimeError, lambda: TooFewGradients.apply(a, b).sum().backward(), "too_few: ")
    assert "returned 1 gradients for 2 inputs" in message


def test_a_custom_backward_returning_an_array():
    x = Tensor(np.ones(2), requires_grad=True)
    message = expect_error(TypeError, lambda: ArrayInsteadOfTensor.apply(x).sum().backward(), "array_gradient: ")
    assert "must return Tensors (or None), got ndarray" in message


@pytest.mark.parametrize(
    "shapes, mentions",
    [
        ([(800, 2), (3, 25), (25,)], "input of shape (800, 2) does not fit kernel (3, 25) and bias (25,)"),
        ([(800, 3), (3, 25), (24,)], "input of shape (800, 3) does not fit kernel (3, 25) and bias (24,)"),
        ([(3,), (3, 25), (25,)], "input of shape (3,) does not fit kernel (3, 25)"),
    ],
)
def test_linear_names_the_input_kernel_and_bias_shapes(shapes, mentions):
    x, kernel, bias = (Tensor(np.ones(s)) for s in shapes)
    message = expect_error(ShapeError, lambda: ops.Linear.apply(x, kernel, bias), "linear: ")
    assert mentions in message


def test_binary_cross_entropy_with_logits_names_both_shapes():
    logits, targets = Tensor(np.ones(3)), Tensor(np.ones(4))
    message = expect_error(ShapeError, lambda: ops.BinaryCrossEntropyWithLogits.apply(logits, targets), "binary_")
    assert message == "binary_cross_entropy_with_logits: shapes (3,) and (4,) cannot be broadcast together"


def test_len_of_a_0d_tensor():
    expect_error(TypeError, lambda: len(Tensor(1.0)), "len: a 0-d tensor has no length")


# --------------------------------------------- issue 10: construction, indices, axes, edges
@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_a_numpy_matrix_becomes_a_plain_array():
    # np.matrix turns * into a matrix product; torch.tensor makes it a plain array, and so do we.
    m = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    t = Tensor(m, requires_grad=True)
    assert type(t.data) is np.ndarray
    product = t * Tensor(m)
    assert product.tolist() == [[1.0, 4.0], [9.0, 16.0]]
    product.sum().backward()
    assert t.grad.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    m[0, 0] = 100.0
    assert t.data[0, 0] == 1.0  # a copy, as for any array


def test_a_masked_array_is_refused_when_it_has_masked_entries():
    masked = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
    message = expect_error(ValueError, lambda: Tensor(masked), "Tensor: the masked array has 1 masked entries")
    assert "filled" in message
    expect_error(ValueError, lambda: tinygrad_moons.tensor(masked), "tensor: the masked array has 1 masked")
    unmasked = Tensor(np.ma.masked_array([1.0, 2.0], mask=[False, False]))
    assert type(unmasked.data) is np.ndarray and unmasked.tolist() == [1.0, 2.0]


def test_a_list_of_one_element_tensors_is_accepted():
    assert Tensor([Tensor(1.0), Tensor(2.0)]).tolist() == [1.0, 2.0]
    assert tinygrad_moons.tensor([[Tensor(1.0), 2.0], [3.0, Tensor([4.0])]]).tolist() == [[1, 2], [3, 4]]
    expect_error(ValueError, lambda: Tensor([Tensor([1.0, 2.0]), 3.0]), "Tensor: only one-element tensors")


def test_a_bool_tensor_index_is_a_mask():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    picked = x[x > 2.5]
    assert picked.tolist() == [3.0, 4.0]
    picked.sum().backward()
    assert x.grad.tolist() == [[0, 0], [1, 1]]
    assert x[tinygrad_moons.tensor([False, True])].tolist() == [[3.0, 4.0]]
    assert x[tinygrad_moons.tensor([1, 1])].tolist() == [[3.0, 4.0], [3.0, 4.0]]


@pytest.mark.parametrize(
    "index",
    [Tensor([0.0]), np.array([1.0]), [0.5], 1.5, (0, Tensor([1.0]))],
    ids=["tensor", "array", "list", "number", "tuple"],
)
def test_a_float_index_is_refused(index):
    x = Tensor(np.ones((2, 3)))
    message = expect_error(IndexError, lambda: x[index], "getitem: ")
    assert "long, int or bool" in message


@pytest.mark.parametrize(
    "action, kind, starts_with",
    [
        (lambda t: t.sum(axis=True), TypeError, "sum: axis must be an int or a tuple of ints, got True"),
        (lambda t: t.mean(dim=(0, False)), TypeError, "mean: axis must be an int"),
        (lambda t: t.max(axis=1.0), TypeError, "max: axis must be an int"),
        (lambda t: t.unsqueeze(10), IndexError, "unsqueeze: dim 10 is out of range, expected one in [-3, 2]"),
        (lambda t: t.unsqueeze(-4), IndexError, "unsqueeze: dim -4 is out of range"),
        (lambda t: t.unsqueeze(True), TypeError, "unsqueeze: dim must be an int"),
        (lambda t: t.transpose(0, 2), IndexError, "transpose: dim 2 is out of range"),
        (lambda t: t.flatten(0, 5), IndexError, "flatten: dim 5 is out of range"),
        (lambda t: t.sum(keepdim=1), TypeError, "sum: keepdim must be True or False"),
    ],
)
def test_axes_are_validated(action, kind, starts_with):
    expect_error(kind, lambda: action(Tensor(np.ones((2, 3)))), starts_with)


class ReturnsBools(Function):
    name = "returns_bools"

    def forward(self, a):
        return a > 0

    def backward(self, grad):
        return grad


def test_a_custom_op_returning_non_floats_is_refused_by_name():
    x = Tensor([1.0, -1.0], requires_grad=True)
    message = expect_error(
        TypeError, lambda: ReturnsBools.apply(x), "returns_bools: forward returned an array of dtype bool"
    )
    assert "floating" in message
    assert ReturnsBools.apply(Tensor([1.0, -1.0])).tolist() == [True, False]  # fine outside the graph


def gradients(fn, *values):
    tensors = [Tensor(np.array(v, dtype=np.float64), requires_grad=True) for v in values]
    with np.errstate(all="ignore"):
        fn(*tensors).sum().backward()
    return [t.grad.tolist() for t in tensors]


NAN = float("nan")


# PyTorch's values, asked of PyTorch 2.13 (see docs/notes/api.md for the table).
EDGE_CASES = [
    ("x**0 at x = 0", lambda x: x**0, [[0.0, 2.0]], [[0.0, 0.0]]),
    (
        "a**b at a = 0 for b = 0, 2, -1",
        lambda a, b: a**b,
        [[0.0, 0.0, 0.0], [0.0, 2.0, -1.0]],
        [[0.0, 0.0, -np.inf], [0.0, 0.0, -np.inf]],
    ),
    ("0**x", lambda x: 0.0**x, [[0.0, 2.0, -1.0]], [[0.0, 0.0, -np.inf]]),
    ("max with one NaN", lambda x: x.max(), [[1.0, NAN, 3.0]], [[0.0, 1.0, 0.0]]),
    ("max with two NaNs", lambda x: x.max(), [[1.0, NAN, NAN]], [[0.0, 0.5, 0.5]]),
    ("max(dim) with NaNs", lambda x: x.max(dim=0).values, [[1.0, NAN, NAN]], [[0.0, 1.0, 0.0]]),
    ("min with one NaN", lambda x: x.min(), [[1.0, NAN, 3.0]], [[0.0, 1.0, 0.0]]),
    ("max ties share", lambda x: x.max(), [[3.0, 1.0, 3.0]], [[0.5, 0.0, 0.5]]),
    ("max(dim) ties: the index only", lambda x: x.max(0).values, [[3.0, 1.0, 3.0]], [[1.0, 0.0, 0.0]]),
    ("relu at NaN, -1, 0, 2", lambda x: x.relu(), [[NAN, -1.0, 0.0, 2.0]], [[1.0, 0.0, 0.0, 1.0]]),
    ("maximum at a tie", lambda a, b: a.maximum(b), [[1.0], [1.0]], [[0.5], [0.5]]),
    ("maximum with a NaN", lambda a, b: a.maximum(b), [[NAN], [1.0]], [[1.0], [1.0]]),
    ("abs at 0", lambda x: x.abs(), [[0.0]], [[0.0]]),
    ("clamp at its bounds", lambda x: x.clamp(0.0, 1.0), [[0.0, 1.0]], [[1.0, 1.0]]),
    ("norm at the zero vector", lambda x: x.norm(), [[0.0, 0.0]], [[0.0, 0.0]]),
    ("prod with one zero", lambda x: x.prod(), [[0.0, 2.0, 3.0]], [[6.0, 0.0, 0.0]]),
    ("prod with two zeros", lambda x: x.prod(), [[0.0, 0.0, 3.0]], [[0.0, 0.0, 0.0]]),
]


@pytest.mark.parametrize("description, fn, values, expected", EDGE_CASES, ids=[case[0] for case in EDGE_CASES])
def test_edge_derivatives_follow_pytorch(description, fn, values, expected):
    assert gradients(fn, *values) == expected, description


# ------------------------------------------------------------ creation and construction
@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: tinygrad_moons.full((2,), "x"), TypeError, r"full: fill_value must be a number .* got 'x' \(str\)"),
        (lambda: tinygrad_moons.full((2,), None), TypeError, r"full: fill_value must be a number .* got None"),
        (lambda: tinygrad_moons.full((2,), 2**70), OverflowError, "full: fill_value 1180591620717411303424 does not"),
        (lambda: tinygrad_moons.arange(0, np.inf), ValueError, "arange: end must be a finite number, got inf"),
        (lambda: tinygrad_moons.arange(np.nan), ValueError, "arange: end must be a finite number, got nan"),
        (lambda: tinygrad_moons.arange(0, 1e30), ValueError, r"arange: a tensor of shape \(10+\d*,\) and dtype"),
        (lambda: tinygrad_moons.randn(10**13), MemoryError,
         r"randn: a tensor of shape \(10000000000000,\) and dtype float64 needs 80,000,000,000,000 bytes \(74,50"),
        (lambda: tinygrad_moons.ones(10**7, 10**6), MemoryError, r"ones: .* needs 80,000,000,000,000 bytes"),
        (lambda: tinygrad_moons.zeros(10**10, 10**10), ValueError, r"zeros: .* more than an array can hold"),
        (lambda: tinygrad_moons.tensor([2**70]), OverflowError,
         r"tensor: the integer 1180591620717411303424 does not fit in int64 .* pass it as a float"),
        (lambda: tinygrad_moons.tensor([True]) - tinygrad_moons.tensor([True]), TypeError,
         r"sub: bool tensors cannot be subtracted .*\(a\.float\(\) - b\.float\(\)\), use a \^ b"),
        (lambda: True - tinygrad_moons.tensor([False]), TypeError, "sub: bool tensors cannot be subtracted"),
        (lambda: -tinygrad_moons.tensor([True]), TypeError, r"neg: a bool tensor cannot be negated .* ~mask"),
    ],
)  # fmt: skip
def test_creation_errors_name_the_op_and_the_problem_not_numpy(make, error, message):
    with pytest.raises(error, match=message) as caught:
        make()
    assert "numpy" not in str(caught.value).lower()


def test_integers_too_large_for_int64_become_floats_where_floats_are_asked_for():
    assert Tensor([2**70]).tolist() == [float(2**70)]  # torch.Tensor([2**70]) is a float tensor too
    assert tinygrad_moons.tensor([1.5, 2**70]).dtype == np.float64
    assert tinygrad_moons.tensor([2**70], dtype="float32").tolist() == [np.float32(2**70)]
    with pytest.raises(OverflowError, match=r"the integer 10000000\.\.\. \(401 digits\) is too large even for float64"):
        Tensor([10**400])


def test_bool_subtraction_of_other_dtypes_still_works_and_other_type_errors_pass_through():
    assert (tinygrad_moons.tensor([True, False]).float() - tinygrad_moons.tensor([True, True]).float()).tolist() == [
        0.0,
        -1.0,
    ]
    with pytest.raises(TypeError, match="string"):
        Tensor([1.0]) - "a"
