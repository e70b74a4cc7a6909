"""Module: registration, dotted parameter names, scopes, modes and state dicts."""

import numpy as np
import pytest

from tinygrad_moons import Tensor
from tinygrad_moons.nn import Dense, Module, Parameter, ReLU, Sequential


class TwoLayers(Module):
    def __init__(self):
        super().__init__()
        self.hidden = Dense(4, activation="relu", input_dim=3, seed=0)
        self.out = Dense(1, input_dim=4, seed=1)
        self.scale = Parameter(np.ones(1))
        self.not_a_parameter = np.zeros(3)

    def forward(self, x):
        return self.out(self.hidden(x)) * self.scale


class Outer(Module):
    def __init__(self):
        super().__init__()
        self.block = TwoLayers()

    def forward(self, x):
        return self.block(x)


def test_parameters_are_registered_by_attribute_in_order():
    model = TwoLayers()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["scale", "hidden.kernel", "hidden.bias", "out.kernel", "out.bias"]
    assert len(model.parameters()) == 5
    assert all(p.requires_grad for p in model.parameters())
    assert model.count_params() == 3 * 4 + 4 + 4 * 1 + 1 + 1


def test_parameter_names_are_dotted_paths_from_the_outermost_module():
    model = Outer()
    assert [p.name for p in model.parameters()] == [name for name, _ in model.named_parameters()]
    assert model.block.hidden.kernel.name == "block.hidden.kernel"


def test_auto_named_layers_take_their_attribute_name_and_explicit_names_stay():
    class Net(Module):
        def __init__(self):
            super().__init__()
            self.encoder = Dense(2, input_dim=2)
            self.head = Dense(1, input_dim=2, name="classifier")

    net = Net()
    assert net.encoder.name == "encoder"
    assert net.head.name == "classifier"
    assert net.name == "net"


def test_reassigning_an_attribute_unregisters_it():
    model = TwoLayers()
    model.out = None
    assert [name for name, _ in model.named_parameters()] == ["scale", "hidden.kernel", "hidden.bias"]
    del model.scale
    assert [name for name, _ in model.named_parameters()] == ["hidden.kernel", "hidden.bias"]


def test_assigning_a_parameter_before_init_is_a_clear_error():
    class Broken(Module):
        def __init__(self):
            self.w = Parameter(np.ones(2))

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Broken()


def test_parameter_copies_its_data():
    data = np.ones(3)
    parameter = Parameter(data)
    parameter.data += 1
    assert np.all(data == 1)
    assert "Parameter(" in repr(parameter)


def test_shared_parameters_are_listed_once():
    class Tied(Module):
        def __init__(self):
            super().__init__()
            self.a = Dense(2, input_dim=2)
            self.b = self.a

    assert len(Tied().parameters()) == 2


def test_zero_grad_clears_every_gradient():
    model = TwoLayers()
    model(Tensor(np.ones((2, 3)))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_train_and_eval_set_the_mode_everywhere():
    model = Outer()
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_every_tensor_made_in_a_forward_is_tagged_with_the_innermost_module():
    model = Sequential([Dense(3, activation="relu", input_dim=2), ReLU(), Dense(1, activation="sigmoid")], seed=0)
    out = model(Tensor(np.ones((4, 2))))
    dense_1, relu_1, dense_2 = model
    assert out.scope is dense_2
    # Back from the output through the public graph (grad_fn and its parents): every op's result is tagged with
    # the layer whose forward made it, the layers come in reverse order, and each layer is met, whatever ops
    # (fused or not) it is made of.
    order = {dense_2: 0, relu_1: 1, dense_1: 2}
    met = set()
    pending = [(out, 0)]
    while pending:
        tensor, earliest = pending.pop()
        if tensor.grad_fn is None:  # a leaf: the input or a parameter
            continue
        assert tensor.scope in order and order[tensor.scope] >= earliest
        met.add(tensor.scope)
        pending.extend((parent, order[tensor.scope]) for parent in tensor.grad_fn.parents)
    assert met == set(order)
    assert dense_1.kernel.scope is dense_1 and dense_2.bias.scope is dense_2  # parameters belong to their owner
    # outside any module nothing is tagged
    assert (out * 2).scope is None


def test_the_scope_is_restored_when_forward_raises():
    model = Sequential([Dense(3, input_dim=2)], seed=0)
    with pytest.raises(ValueError):
        model(Tensor(np.ones((4, 5))))
    assert (Tensor([1.0]) * 2).scope is None


def test_state_dict_round_trip_and_copies():
    a, b = TwoLayers(), TwoLayers()
    b.hidden.kernel.data[...] = 5.0
    state = a.state_dict()
    assert list(state) == [name for name, _ in a.named_parameters()]
    state["hidden.kernel"][...] = 7.0  # a copy: the model is unchanged
    assert not np.any(a.hidden.kernel.data == 7.0)
    kernel_object = b.hidden.kernel
    b.load_state_dict(a.state_dict())
    assert b.hidden.kernel is kernel_object  # loaded in place, optimizers keep working
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_load_state_dict_names_every_mismatch_and_writes_nothing():
    model = TwoLayers()
    before = model.state_dict()
    state = model.state_dict()
    state["hidden.kernel"] = np.zeros((5, 4))
    state["out.kernel"] = np.array([["a"]] * 4)
    del state["scale"]
    state["extra.weight"] = np.zeros(2)
    with pytest.raises(RuntimeError) as info:  # PyTorch's type; also a ValueError, as it was here before
        model.load_state_dict(state)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    for expected in [
        "missing: scale",
        "unexpected: extra.weight",
        "hidden.kernel: shape (5, 4)",
        "out.kernel: dtype <U1 is not numeric",
    ]:
        assert expected in message
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_load_state_dict_casts_another_float_dtype_as_pytorchs_copy_does():
    model = TwoLayers()
    state = {name: value.astype(np.float32) for name, value in model.state_dict().items()}
    model.load_state_dict(state)
    assert model.hidden.kernel.dtype == np.float64
    np.testing.assert_array_equal(model.hidden.kernel.data, state["hidden.kernel"].astype(np.float64))


def test_load_state_dict_non_strict_allows_missing_names_and_returns_them():
    model = TwoLayers()
    result = model.load_state_dict({"scale": np.full(1, 3.0), "other": np.zeros(1)}, strict=False)
    assert model.scale.data[0] == 3.0
    assert result.missing_keys == ["hidden.kernel", "hidden.bias", "out.kernel", "out.bias"]
    assert result.unexpected_keys == ["other"]


def test_module_without_forward_says_so():
    with pytest.raises(NotImplementedError, match="forward"):
        Module()(Tensor([1.0]))


def test_repr_lists_children():
    text = repr(Outer())
    assert "(block): TwoLayers(" in text and "(hidden): Dense(" in text
