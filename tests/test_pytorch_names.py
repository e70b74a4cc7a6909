"""PyTorch names a ported script calls: the cheap, exact ones work; the ones we do not provide say why and what instead.

``import tinygrad_moons as torch`` should never end in a bare ``AttributeError`` for a name PyTorch users reach for
(``torch.save``, ``torch.randperm``, ``model.cuda()``, ``torch.cuda.is_available()``).
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_moons as torch
from tinygrad_moons import nn

# ------------------------------------------------------------------ randperm


@pytest.mark.parametrize("n", [0, 1, 2, 7, 50])
def test_randperm_is_a_permutation_of_range_n_in_int64(n):
    torch.manual_seed(3)
    permutation = torch.randperm(n)
    assert permutation.dtype == np.int64 and permutation.shape == (n,)
    assert sorted(permutation.tolist()) == list(range(n))
    assert not permutation.requires_grad


def test_randperm_follows_manual_seed_and_the_global_stream():
    torch.manual_seed(11)
    first = torch.randperm(30).tolist()
    torch.manual_seed(11)
    assert torch.randperm(30).tolist() == first
    # Drawn from the same global generator as randn: a randperm between two seeds shifts what randn gives next.
    torch.manual_seed(11)
    plain = torch.randn(3).tolist()
    torch.manual_seed(11)
    torch.randperm(30)
    assert torch.randn(3).tolist() != plain


def test_randperm_takes_a_numpy_generator_and_leaves_the_global_one_alone():
    torch.manual_seed(5)
    expected_next = torch.randn(2).tolist()
    torch.manual_seed(5)
    a = torch.randperm(20, generator=np.random.default_rng(1)).tolist()
    b = torch.randperm(20, generator=np.random.default_rng(1)).tolist()
    assert a == b and sorted(a) == list(range(20))
    assert torch.randn(2).tolist() == expected_next


def test_randperm_dtype_and_requires_grad_as_pytorch():
    floats = torch.randperm(6, dtype=torch.float32, requires_grad=True)
    assert floats.dtype == np.float32 and floats.requires_grad
    assert sorted(floats.tolist()) == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert torch.randperm(4, dtype=torch.int32).dtype == np.int32


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: torch.randperm(-1), ValueError, "n must be non-negative"),
        (lambda: torch.randperm(2.5), TypeError, "n must be an int"),
        (lambda: torch.randperm(True), TypeError, "n must be an int"),
        (lambda: torch.randperm(3, generator=0), TypeError, "NumPy Generator"),
        (lambda: torch.randperm(3, dtype=torch.bool), TypeError, "bool cannot hold a permutation"),
        (lambda: torch.randperm(300, dtype=torch.int8), ValueError, "does not fit in dtype int8"),
        (lambda: torch.randperm(3, requires_grad=True), RuntimeError, "only Tensors of floating point dtype"),
        (lambda: torch.randperm(3, device="cuda"), ValueError, "CPU only"),
    ],
)
def test_randperm_refuses_bad_arguments_clearly(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ------------------------------------------------------------------ names we do not provide


@pytest.mark.parametrize(
    ("name", "advice"),
    [
        ("save", "np.savez"),
        ("load", "load_state_dict"),
        ("Generator", "manual_seed"),
        ("backends", "CPU"),
        ("utils", "batch_size"),
        ("inference_mode", "no_grad"),
        ("set_default_dtype", "float64"),
    ],
)
def test_pytorch_names_we_do_not_provide_explain_and_say_what_instead(name, advice):
    with pytest.raises(AttributeError, match=f"torch.{name}") as raised:
        getattr(torch, name)
    assert advice in str(raised.value)
    assert not hasattr(torch, name)  # feature detection (hasattr) still says "absent"


def test_save_load_advice_pickles_nothing_and_round_trips(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential([nn.Dense(3, input_dim=2), nn.Dense(1)])
    other = nn.Sequential([nn.Dense(3, input_dim=2), nn.Dense(1)])
    path = tmp_path / "weights.npz"
    np.savez(path, **model.state_dict())  # what the save/load message says to do
    other.load_state_dict(dict(np.load(path)))  # np.load refuses pickles by default
    for (name, ours), (_, theirs) in zip(model.state_dict().items(), other.state_dict().items(), strict=True):
        np.testing.assert_array_equal(ours, theirs, err_msg=name)


def test_an_unknown_name_still_gives_the_plain_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'no_such_function'"):
        torch.no_such_function  # noqa: B018


# ------------------------------------------------------------------ cuda and devices


def test_cuda_answers_as_a_cpu_build_of_pytorch():
    assert torch.cuda.is_available() is False
    assert torch.cuda.device_count() == 0
    assert torch.cuda.manual_seed(0) is None and torch.cuda.manual_seed_all(0) is None
    device = "cuda" if torch.cuda.is_available() else "cpu"
    assert torch.zeros(2, device=device).shape == (2,)


def test_module_to_cpu_returns_the_module_itself():
    model = nn.Sequential([nn.Dense(2, input_dim=2)])
    assert model.to("cpu") is model
    assert model.to(torch.device("cpu")) is model
    assert model.to(device="cpu") is model
    assert model.cpu() is model


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.cuda(),
        lambda m: m.cuda(1),
        lambda m: m.to("cuda"),
        lambda m: m.to("mps"),
        lambda m: m.to(device="cuda:0"),
    ],
)
def test_module_to_another_device_says_cpu_only(call):
    model = nn.Sequential([nn.Dense(2, input_dim=2)])
    with pytest.raises(ValueError, match="CPU only"):
        call(model)


def test_module_to_a_dtype_is_refused_not_half_done():
    model = nn.Sequential([nn.Dense(2, input_dim=2)])
    before = {name: value.dtype for name, value in model.state_dict().items()}
    with pytest.raises(TypeError, match="dtype"):
        model.to(torch.float32)
    with pytest.raises(TypeError, match="dtype"):
        model.to("cpu", torch.float32)
    assert {name: value.dtype for name, value in model.state_dict().items()} == before


@pytest.mark.parametrize("name", ["AdamW", "Adagrad", "LBFGS"])
def test_pytorch_optimizers_we_do_not_provide_say_which_we_do(name):
    with pytest.raises(AttributeError, match=f"torch.optim.{name}.*SGD, Adam and RMSprop"):
        getattr(torch.optim, name)
    with pytest.raises(AttributeError, match="has no attribute 'Nonesuch'"):
        torch.optim.Nonesuch  # noqa: B018


# ------------------------------------------------------- softmax's implicit dim
@pytest.mark.parametrize("shape, implicit", [((), 0), ((4,), 0), ((2, 3), 1), ((2, 3, 4), 0), ((2, 3, 4, 2), 1)])
def test_f_softmax_without_dim_uses_pytorchs_implicit_dim_with_its_warning(shape, implicit):
    """PyTorch's rule (torch.nn.functional._get_softmax_dim): dim 0 for 0-, 1- and 3-D inputs, else dim 1."""
    x = torch.tensor(np.random.default_rng(0).normal(size=shape))
    shifted = np.exp(x.data - x.data.max(axis=implicit if shape else None, keepdims=True))
    expected = shifted / shifted.sum(axis=implicit if shape else None, keepdims=True)
    for function, values in [(nn.functional.softmax, expected), (nn.functional.log_softmax, np.log(expected))]:
        with pytest.warns(
            UserWarning,
            match="Implicit dimension choice for .*softmax has been deprecated. Change the "
            "call to include dim=X as an argument.",
        ):
            got = function(x)
        np.testing.assert_allclose(got.data, values, rtol=1e-12, atol=1e-300)


def test_f_softmax_with_dim_or_axis_and_the_keras_activation_use_the_given_or_last_axis_without_warning():
    import warnings

    x = torch.tensor(np.random.default_rng(1).normal(size=(2, 3, 4)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        last = nn.functional.softmax(x, dim=-1)
        np.testing.assert_allclose(nn.functional.softmax(x, axis=2).data, last.data)
        np.testing.assert_allclose(last.data.sum(axis=-1), 1.0)
        _, activation = nn.functional.get_activation("softmax")  # Keras' activation: the last axis
        np.testing.assert_allclose(activation(x).data, last.data)
