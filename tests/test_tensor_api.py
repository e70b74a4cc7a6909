"""The tensor API that PyTorch tutorials use: factories, dtypes, comparisons, conversions, reductions, shapes.

Each test states what PyTorch's documentation promises for a name we borrow
and checks that ours keeps the promise (or that it differs only where
docs/notes/api.md says so, e.g. float64 as the default floating dtype).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_moons as tg
from tinygrad_moons import Tensor
from tinygrad_moons.testing import arrays, broadcastable_shapes


# ------------------------------------------------------------------ dtypes
def test_dtype_names_are_numpy_types_with_pytorch_meanings():
    assert tg.float32 is np.float32 and tg.float64 is np.float64 and tg.int64 is np.int64
    assert tg.float is np.float32 and tg.double is np.float64  # torch.float is float32
    assert tg.long is np.int64 and tg.bool is np.bool_
    assert tg.get_default_dtype() == np.float64  # a documented difference: PyTorch's is float32


@pytest.mark.parametrize(
    "data, dtype",
    [([1, 2], np.int64), ([True, False], np.bool_), ([1.0, 2], np.float64), (3, np.int64), (2.5, np.float64)],
)
def test_tensor_infers_the_dtype_as_torch_tensor(data, dtype):
    assert tg.tensor(data).dtype == dtype


def test_the_tensor_class_makes_floating_tensors_as_torch_Tensor():
    assert Tensor([1, 2]).dtype == np.float64 and Tensor([True]).dtype == np.float64
    assert tg.tensor(np.array([1, 2], dtype=np.int32)).dtype == np.int32  # NumPy arrays keep their dtype
    assert tg.tensor([1, 2], dtype=tg.float32).dtype == np.float32


def test_only_floating_tensors_can_require_grad():
    for make in (
        lambda: tg.tensor([1, 2], requires_grad=True),
        lambda: tg.arange(3, requires_grad=True),
        lambda: tg.zeros(2, dtype=tg.long, requires_grad=True),
        lambda: tg.full((2,), True, requires_grad=True),
    ):
        with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
            make()


# ------------------------------------------------------------- factories
def test_factories_take_pytorch_signatures():
    assert tg.zeros(2, 3).shape == (2, 3) and tg.zeros((2, 3)).shape == (2, 3) and tg.ones([4]).shape == (4,)
    assert tg.zeros(2).dtype == np.float64 and tg.ones(2, dtype=tg.float32).dtype == np.float32
    assert tg.empty(3, 1).shape == (3, 1)
    assert tg.full((2, 2), 7).dtype == np.int64 and tg.full((2,), 0.5).tolist() == [0.5, 0.5]
    assert tg.full((1,), True).dtype == np.bool_
    assert tg.arange(4).tolist() == [0, 1, 2, 3] and tg.arange(4).dtype == np.int64
    assert tg.arange(1, 4).tolist() == [1, 2, 3] and tg.arange(0, 1, 0.25).tolist() == [0, 0.25, 0.5, 0.75]
    assert tg.linspace(-1, 1, 5).tolist() == [-1, -0.5, 0, 0.5, 1]
    assert tg.eye(2, 3).tolist() == [[1, 0, 0], [0, 1, 0]]
    assert tg.rand(2, 3).shape == (2, 3) and tg.randn(4, dtype=tg.float32).dtype == np.float32
    ints = tg.randint(3, 6, (50,))
    assert ints.dtype == np.int64 and ints.min().item() >= 3 and ints.max().item() < 6
    assert tg.randint(2, size=(3,)).shape == (3,)
    x = tg.ones(2, 3, dtype=tg.float32)
    for like in (tg.zeros_like, tg.ones_like, tg.rand_like, tg.randn_like):
        made = like(x)
        assert made.shape == (2, 3) and made.dtype == np.float32
    assert tg.full_like(x, 2.0).tolist() == [[2.0] * 3] * 2
    assert tg.zeros(2, requires_grad=True).requires_grad


def test_random_factories_follow_manual_seed():
    tg.manual_seed(7)
    first = (tg.rand(3).tolist(), tg.randn(2).tolist(), tg.randint(10, (4,)).tolist())
    tg.manual_seed(7)
    second = (tg.rand(3).tolist(), tg.randn(2).tolist(), tg.randint(10, (4,)).tolist())
    assert first == second
    assert tg.random.generator() is tg.random.generator()  # one shared generator between seeds


def test_tensor_copies_and_from_numpy_shares_memory():
    array = np.arange(3.0)
    copied, shared, as_is = tg.tensor(array), tg.from_numpy(array), tg.as_tensor(array)
    array[0] = 10.0
    assert copied.tolist() == [0, 1, 2]
    assert shared.tolist() == [10, 1, 2] and as_is.tolist() == [10, 1, 2]
    t = tg.tensor([1.0])
    assert tg.as_tensor(t) is t


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "mps"])
def test_only_the_cpu_device_exists(device):
    with pytest.raises(ValueError, match="runs on NumPy, on the CPU only"):
        tg.zeros(2, device=device)
    with pytest.raises(ValueError, match="CPU only"):
        tg.ones(2).to(device)
    assert tg.zeros(2, device="cpu").device == "cpu" and tg.ones(1).to("cpu").shape == (1,)
    assert tg.tensor([1.0], device=tg.device("cpu")).device == tg.device("cpu")


# ----------------------------------------------------------- comparisons
def test_comparisons_are_elementwise_and_return_bool_tensors():
    a, b = tg.tensor([1.0, 2.0, 3.0], requires_grad=True), tg.tensor([1.0, 5.0, 0.0])
    assert (a == b).tolist() == [True, False, False] and (a != b).tolist() == [False, True, True]
    assert (a < b).tolist() == [False, True, False] and (a <= b).tolist() == [True, True, False]
    assert (a > 1).tolist() == [False, True, True] and (a >= 2).tolist() == [False, True, True]
    result = a > b
    assert result.dtype == np.bool_ and not result.requires_grad and result.grad_fn is None
    assert (tg.tensor([1.0, 2.0]) == tg.tensor([1.0, 2.0])).all().item() is True
    assert ((a > 1) & (b > 0)).tolist() == [False, True, False] and (~(a > 1)).tolist() == [True, False, False]


def test_tensors_still_hash_by_identity():
    a, b = tg.tensor([1.0, 2.0]), tg.tensor([1.0, 2.0])
    assert len({a, b}) == 2 and {a: 1, b: 2}[a] == 1
    assert a in [a] and (a == None) is False  # noqa: E711 - PyTorch returns False too


def test_accuracy_from_comparisons_as_a_tutorial_computes_it():
    scores, labels = tg.tensor([0.5, -0.2, 1.5, -3.0]), tg.tensor([1.0, -1.0, -1.0, -1.0])
    accuracy = ((scores > 0) == (labels > 0)).float().mean()
    assert accuracy.item() == pytest.approx(0.75) and accuracy.dtype == np.float32


# ------------------------------------------------------------ conversions
def test_dtype_conversions():
    x = tg.tensor([1.7, -2.2], requires_grad=True)
    assert x.float().dtype == np.float32 and x.double().dtype == np.float64 and x.half().dtype == np.float16
    assert x.long().tolist() == [1, -2] and x.long().dtype == np.int64 and x.int().dtype == np.int32
    assert x.bool().tolist() == [True, True]
    assert not x.long().requires_grad  # an integer result leaves the graph, as in PyTorch
    assert x.to(tg.float32).grad_fn is not None  # a floating cast stays in it
    assert x.to(tg.float64) is x and x.to("cpu", tg.float32).dtype == np.float32
    assert x.to(tg.zeros(1, dtype=tg.int64)).dtype == np.int64
    assert tg.tensor([1, 2]).float().dtype == np.float32


def test_python_number_conversions():
    assert float(tg.tensor(2.5)) == 2.5 and float(tg.tensor([3])) == 3.0 and int(tg.tensor(2.7)) == 2
    assert bool(tg.tensor([0.0])) is False
    assert [10, 20, 30][tg.tensor(1)] == 20
    assert f"{tg.tensor(1.5):.2f}" == "1.50"
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [1, 2][tg.tensor(1.0)]
    with pytest.raises(ValueError, match="only one element tensors"):
        float(tg.ones(2))
    with pytest.raises(TypeError):
        f"{tg.ones(2):.2f}"  # as PyTorch: only a 0-d tensor formats as a number
    with pytest.raises(TypeError):
        round(tg.tensor(1.5))  # PyTorch's Tensor has no __round__ either; use .round()
    assert tg.tensor([1.5, 2.5, 0.126]).round(2).tolist() == [1.5, 2.5, 0.13]


def test_sizes():
    x = tg.zeros(2, 3)
    assert x.numel() == 6 and x.dim() == 2 and x.size() == (2, 3) and x.size(1) == 3 and x.size(-2) == 2
    assert x.size == 6  # NumPy's meaning too
    with pytest.raises(IndexError):
        x.size(2)


# -------------------------------------------------------------- promotion
def test_mixed_dtypes_promote_as_pytorch():
    ints = tg.tensor([1, 2])
    assert (tg.ones(2, dtype=tg.float32) * ints).dtype == np.float32  # NumPy would give float64
    assert (ints * 0.5).tolist() == [0.5, 1.0] and (ints * 0.5).dtype == np.float64
    assert (ints * 2).dtype == np.int64 and (ints / ints).dtype == np.float64
    assert (tg.tensor([True]) + 1).dtype == np.int64
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * ints).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0]
    assert (x.unsqueeze(-1) ** tg.tensor([1, 2, 3])).shape == (2, 3)


def test_bool_reductions_and_counts():
    mask = tg.tensor([True, False, True])
    assert mask.sum().item() == 2 and mask.sum().dtype == np.int64
    assert mask.any().item() is True and mask.all().item() is False
    with pytest.raises(RuntimeError, match="mean: input dtype must be floating point"):
        mask.mean()  # PyTorch refuses too: convert with .float()


# ------------------------------------------------------------- reductions
def test_reductions_accept_dim_and_keepdim():
    x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 6.0, 8.0]])
    assert x.sum(dim=1).tolist() == [6, 18] and x.sum(1, keepdim=True).shape == (2, 1)
    assert x.mean(dim=0).tolist() == [2.5, 4, 5.5] and x.mean(axis=0, keepdims=True).shape == (1, 3)
    assert x.prod(dim=1).tolist() == [6, 192] and x.max().item() == 8 and x.min().item() == 1
    assert tg.sum(x, dim=0).tolist() == [5, 8, 11] and tg.mean(x).item() == pytest.approx(4)
    with pytest.raises(TypeError, match="give dim or axis, not both"):
        x.sum(axis=0, dim=0)


def test_std_and_var_are_unbiased_by_default():
    data = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]])
    x = tg.tensor(data)
    assert x.var().item() == pytest.approx(np.var(data, ddof=1))
    assert x.std(dim=1).tolist() == pytest.approx(np.std(data, axis=1, ddof=1).tolist())
    assert x.var(dim=0, correction=0).tolist() == pytest.approx(np.var(data, axis=0).tolist())
    assert x.std(unbiased=False).item() == pytest.approx(np.std(data))


def test_norm():
    x = tg.tensor([[3.0, 4.0], [0.0, 0.0]], requires_grad=True)
    assert x.norm().item() == 5.0 and x.norm(dim=1).tolist() == [5.0, 0.0]
    assert x.norm(p=1).item() == 7.0 and x.norm(p=np.inf).item() == 4.0
    x.norm(dim=1).sum().backward()
    assert np.allclose(x.grad.data, [[0.6, 0.8], [0.0, 0.0]])  # the zero row's subgradient is 0, as in PyTorch


def test_max_with_dim_returns_values_and_indices():
    x = tg.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 2.0]], requires_grad=True)
    result = x.max(dim=1)
    values, indices = result
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0] and indices.dtype == np.int64
    assert result.values is values and result.indices is indices
    assert x.max(1, keepdim=True).values.shape == (2, 1)
    values.sum().backward()
    assert x.grad.tolist() == [[0, 1, 0], [1, 0, 0]]  # only the index PyTorch returns gets the gradient
    assert tg.max(x, 0).indices.tolist() == [1, 0, 0] and x.min(dim=0).values.tolist() == [1, 0, 2]
    assert x.max(tg.tensor(3.0)).tolist() == [[3, 5, 5], [7, 3, 3]]  # max(other): elementwise
    assert x.max(axis=1).tolist() == [5.0, 7.0]  # NumPy's keyword: values only


def test_argmax_and_argmin():
    x = tg.tensor([[1.0, 9.0], [8.0, 0.0]])
    assert x.argmax().item() == 1 and x.argmin().item() == 3
    assert x.argmax(dim=0).tolist() == [1, 0] and x.argmin(dim=1, keepdim=True).tolist() == [[0], [1]]
    assert x.argmax().dtype == np.int64


# ----------------------------------------------------------------- shapes
def test_transpose_swaps_two_dims_as_pytorch():
    x = tg.zeros(2, 3, 4)
    assert x.transpose(0, 2).shape == (4, 3, 2) and x.transpose(-1, -2).shape == (2, 4, 3)
    assert x.permute(2, 0, 1).shape == (4, 2, 3) and x.T.shape == (4, 3, 2) and x.mT.shape == (2, 4, 3)
    square = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert square.transpose(0, 1).tolist() == [[1, 3], [2, 4]] and square.t().tolist() == [[1, 3], [2, 4]]
    assert tg.zeros(3).t().shape == (3,)
    with pytest.raises(ValueError, match="t: expects a tensor of at most 2 dimensions"):
        x.t()


def test_squeeze_unsqueeze_flatten_expand_repeat():
    x = tg.zeros(2, 1, 3)
    assert x.squeeze(1).shape == (2, 3) and x.squeeze(0).shape == (2, 1, 3) and x.squeeze().shape == (2, 3)
    assert x.unsqueeze(0).shape == (1, 2, 1, 3) and x.unsqueeze(-1).shape == (2, 1, 3, 1)
    assert x.flatten().shape == (6,) and x.flatten(1).shape == (2, 3) and x.flatten(0, 1).shape == (2, 3)
    assert x.view(3, 2).shape == (3, 2) and x.reshape(-1).shape == (6,)
    assert x.expand(2, 4, 3).shape == (2, 4, 3) and x.expand(5, -1, 4, -1).shape == (5, 2, 4, 3)
    assert tg.tensor([1, 2]).repeat(2, 2).tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]
    with pytest.raises(ValueError, match="repeat: the number of repeats"):
        x.repeat(2)


def test_new_maths_methods():
    x = tg.tensor([0.0, 1.0, -2.0])
    assert x.sin().tolist() == pytest.approx(np.sin([0, 1, -2]).tolist())
    assert tg.cos(x).tolist() == pytest.approx(np.cos([0, 1, -2]).tolist())
    assert x.square().tolist() == [0, 1, 4] and x.neg().tolist() == [0, -1, 2] and x.pow(3).tolist() == [0, 1, -8]
    assert tg.tensor([2.0, 4.0]).reciprocal().tolist() == [0.5, 0.25]
    assert x.softplus().tolist() == pytest.approx(np.log1p(np.exp([0, 1, -2])).tolist())
    assert tg.tensor([30.0]).softplus().item() == 30.0  # linear above the threshold, as PyTorch
    assert tg.where(x > 0, x, tg.zeros(3)).tolist() == [0, 1, 0]
    assert [i.tolist() for i in tg.where(x < 1)] == [[0, 2]]
    assert tg.minimum(x, 0.5).tolist() == [0, 0.5, -2] and tg.maximum(x, tg.tensor(0.5)).tolist() == [0.5, 1, 0.5]


def test_clone_is_a_differentiable_copy():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.data is not x.data and y.grad_fn is not None
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_cat_and_stack_take_dim():
    a, b = tg.ones(2, 3), tg.zeros(2, 3)
    assert tg.cat([a, b], dim=1).shape == (2, 6) and tg.cat((a, b)).shape == (4, 3)
    assert tg.stack([a, b], dim=2).shape == (2, 3, 2) and tg.stack([a, b]).shape == (2, 2, 3)


# --------------------------------------------------------------- modules
def test_submodules_are_attributes():
    assert tg.nn.Module is not None and tg.optim.SGD is not None
    assert tg.nn.functional.relu is tg.functional.relu


def test_importing_the_package_loads_no_submodule_of_the_nn_layer():
    heavier = "('tinygrad_moons.nn', 'tinygrad_moons.optim', 'matplotlib', 'hypothesis')"
    code = f"import sys, tinygrad_moons; print(sorted(m for m in {heavier} if m in sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_a_polynomial_fit_written_for_pytorch_runs():
    # The tensor half of "Learning PyTorch with Examples" (autograd): only the import differs.
    torch = tg
    dtype = torch.float
    x = torch.linspace(-np.pi, np.pi, 2000, dtype=dtype)
    y = torch.sin(x)
    torch.manual_seed(0)
    a, b, c, d = (torch.randn((), dtype=dtype, requires_grad=True) for _ in range(4))
    learning_rate = 1e-6
    losses = []
    for _ in range(500):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            # Rebinding, as the in-place form (a -= ...) is the engine's part of issue 8.
            a, b, c, d = (
                (p - learning_rate * p.grad).detach().requires_grad_() for p in (a, b, c, d)
            )
    assert losses[-1] < 0.1 * losses[0] and y_pred.dtype == np.float32


# ------------------------------------------------------------- properties
COMPARISONS = {
    "==": (lambda a, b: a == b, np.equal),
    "!=": (lambda a, b: a != b, np.not_equal),
    "<": (lambda a, b: a < b, np.less),
    "<=": (lambda a, b: a <= b, np.less_equal),
    ">": (lambda a, b: a > b, np.greater),
    ">=": (lambda a, b: a >= b, np.greater_equal),
}


@pytest.mark.parametrize("symbol", sorted(COMPARISONS))
@given(data=st.data())
def test_comparisons_match_numpy_elementwise_with_broadcasting(symbol, data):
    ours, numpys = COMPARISONS[symbol]
    shape_a, shape_b = data.draw(broadcastable_shapes(2))
    # Values on a coarse grid, so that equal pairs are common.
    grid = st.integers(-2, 2).map(float)
    a, b = data.draw(arrays(shape_a, grid)), data.draw(arrays(shape_b, grid))
    result = ours(tg.tensor(a), tg.tensor(b))
    assert result.dtype == np.bool_ and np.array_equal(result.data, numpys(a, b))
    scalar = float(data.draw(grid))
    assert np.array_equal(ours(tg.tensor(a), scalar).data, numpys(a, scalar))


@given(data=st.data())
def test_integer_and_float_tensors_combine_to_the_float_dtype(data):
    float_dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    int_dtype = data.draw(st.sampled_from([np.int32, np.int64, np.bool_]))
    shape_a, shape_b = data.draw(broadcastable_shapes(2))
    a = tg.tensor(np.ones(shape_a, dtype=float_dtype))
    b = tg.tensor(np.ones(shape_b, dtype=int_dtype))
    for result in (a + b, b * a, a - b, b / a, a**b):
        assert result.dtype == float_dtype  # PyTorch keeps the float operand's dtype; NumPy may widen


def test_var_and_std_take_pytorchs_positional_arguments():
    data = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]])
    x = tg.tensor(data)
    assert x.var(1, False).tolist() == pytest.approx(np.var(data, axis=1).tolist())  # (dim, unbiased)
    assert x.std(0, True, True).shape == (1, 3)  # (dim, unbiased, keepdim)
    assert x.var(axis=0, keepdims=True).shape == (1, 3)  # NumPy's keywords too


# ------------------------------------------------------- item assignment
def test_setitem_writes_in_place_as_pytorch_index_put():
    """`t[0] = 5.` and `t[t > 0] = 0.` change the tensor's own array and count as an in-place change."""
    t = Tensor([1.0, -2.0, 3.0, -4.0])
    array = t.data
    t[0] = 5.0
    t[t < -3] = 0.0
    t[[1, 2]] = Tensor([7.0, 8.0])
    assert t.data is array and t._version == 3
    np.testing.assert_array_equal(t.data, [5.0, 7.0, 8.0, 0.0])
    m = tg.zeros(2, 3)
    m[:, 1] = Tensor([[1.0, 2.0]])  # a leading 1 is dropped, as PyTorch
    m[1] = 9  # broadcast along the row
    m[0, 0] = np.float64(4.0)
    np.testing.assert_array_equal(m.data, [[4.0, 1.0, 0.0], [9.0, 9.0, 9.0]])
    ints = tg.tensor([1, 2, 3])
    ints[0] = 7.9  # cast to the tensor's dtype, as PyTorch
    assert ints.dtype == np.int64 and ints.tolist() == [7, 2, 3]


def test_setitem_through_a_view_changes_the_base():
    x = tg.zeros(2, 3)
    x[0][1] = 5.0
    x.T[2] = Tensor([1.0, 2.0])
    np.testing.assert_array_equal(x.data, [[0.0, 5.0, 1.0], [0.0, 0.0, 2.0]])


def test_setitem_refuses_bad_indices_and_shapes_with_pytorchs_words():
    t = tg.zeros(3)
    with pytest.raises(IndexError, match="setitem: index 5 does not fit a tensor of shape \\(3,\\)"):
        t[5] = 1.0
    with pytest.raises(ValueError, match="setitem: shape mismatch: value tensor of shape \\(3,\\) cannot be broadcast"):
        t[0:2] = [1.0, 2.0, 3.0]
    with pytest.raises(IndexError, match="setitem: indices must be ints"):
        t[1.0] = 1.0
    assert t._version == 0 and t.tolist() == [0.0, 0.0, 0.0]


def test_setitem_on_a_leaf_that_requires_grad_is_refused_while_recording_and_allowed_under_no_grad():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="setitem: a leaf Variable that requires grad is being used in an in-place"):
        w[0] = 0.0
    with tg.no_grad():
        w[0] = 0.0
    assert w.tolist() == [0.0, 2.0] and w._version == 1 and w.grad_fn is None


def test_setitem_on_a_recorded_tensor_is_recorded_and_differentiated():
    """PyTorch: b = a * 2; b[0] = 10; b[2] = w * w gives a.grad [0, 2, 0] and w.grad 2w."""
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = Tensor(3.0, requires_grad=True)
    b = a * 2.0
    b[0] = 10.0
    b[2] = w * w
    assert b.grad_fn.name() == "setitem" and b._version == 2
    (b * Tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(b.data, [10.0, 4.0, 9.0])
    np.testing.assert_array_equal(a.grad.data, [0.0, 20.0, 0.0])
    np.testing.assert_array_equal(w.grad.data, 100.0 * 2 * 3.0)
    # a constant with a value that requires grad joins the graph, as in PyTorch
    buffer = tg.zeros(3)
    v = Tensor([1.0, 2.0], requires_grad=True)
    buffer[1:] = v
    (buffer * buffer).sum().backward()
    np.testing.assert_array_equal(v.grad.data, [2.0, 4.0])
    assert tg.gradcheck(lambda x, y: _assigned(x, y), [np.array([0.5, -1.0, 2.0]), np.array([1.5])])


def _assigned(x, y):
    z = x * x
    z[x.detach() > 0] = y * 3.0
    return z


def test_setitem_with_a_repeated_index_is_refused_while_recording():
    """Which of the repeated writes is kept is undefined in PyTorch; so would its gradient be."""
    b = Tensor([1.0, 2.0], requires_grad=True) * 1.0
    with pytest.raises(RuntimeError, match="setitem: the index writes some elements more than once"):
        b[[0, 0]] = Tensor([3.0, 4.0])
    plain = tg.zeros(2)
    plain[[0, 0]] = Tensor([3.0, 4.0])  # outside the graph NumPy's rule: the last write is kept
    assert plain.tolist() == [4.0, 0.0]
