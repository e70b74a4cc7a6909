"""Dense and activation layers, Sequential, naming, initializers and summary."""

import math

import numpy as np
import pytest

from tinygrad_moons import ShapeError, Tensor, concatenate
from tinygrad_moons.nn import (
    Activation,
    Dense,
    Dropout,
    LeakyReLU,
    Linear,
    Module,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    initializers,
)


def course_network(seed=0, **dense_options):
    """The course's 2-25-50-50-25-1 network."""
    return Sequential(
        [
            Dense(25, activation="relu", input_dim=2, **dense_options),
            Dense(50, activation="relu", **dense_options),
            Dense(50, activation="relu", **dense_options),
            Dense(25, activation="relu", **dense_options),
            Dense(1, activation="sigmoid", **dense_options),
        ],
        seed=seed,
    )


# ------------------------------------------------------------------ Dense
def test_dense_computes_activation_of_x_kernel_plus_bias():
    layer = Dense(3, activation="relu", input_dim=2, bias_initializer="normal", seed=0)
    x = np.array([[1.0, -2.0], [0.5, 0.25]])
    assert layer.kernel.shape == (2, 3) and layer.bias.shape == (3,)
    expected = np.maximum(x @ layer.kernel.data + layer.bias.data, 0)
    np.testing.assert_allclose(layer(Tensor(x)).data, expected, rtol=1e-15)


def test_dense_infers_its_input_width_on_the_first_call():
    layer = Dense(4, seed=0)
    assert not layer.built and layer.parameters() == []
    out = layer(Tensor(np.ones((5, 7))))
    assert out.shape == (5, 4) and layer.kernel.shape == (7, 4) and layer.input_dim == 7


def test_dense_refuses_an_input_of_the_wrong_width_naming_the_layer():
    layer = Dense(4, input_dim=3, name="hidden")
    with pytest.raises(ShapeError, match=r"hidden: expects inputs of shape \(batch, 3\), got shape \(5, 2\)"):
        layer(Tensor(np.ones((5, 2))))


def test_dense_names_a_scalar_input_as_a_shape_mismatch():
    layer = Dense(4, input_dim=3, name="hidden")
    with pytest.raises(ShapeError, match=r"hidden: expects inputs of shape \(batch, 3\), got shape \(\)"):
        layer(Tensor(2.0))


def test_an_error_in_a_dense_forward_that_is_not_about_shapes_is_not_reported_as_one(monkeypatch):
    """Issue 13: Dense turned any error of its matmul into "expects inputs of shape (batch, n)", shape or not."""
    from tinygrad_moons import ops

    def no_activation(z):
        raise ValueError("activation refused")

    with pytest.raises(ValueError, match="^activation refused$"):  # passed through unchanged
        Dense(4, input_dim=3, activation=no_activation)(Tensor(np.ones((5, 3))))

    def broken(self, *arrays):
        raise ValueError("the op itself failed")

    monkeypatch.setattr(ops.Linear, "forward", broken)
    layer = Dense(4, input_dim=3, name="hidden")
    with pytest.raises(ValueError, match="the op itself failed") as caught:
        layer(Tensor(np.ones((5, 3))))  # the right shape: nothing about it is wrong
    assert "expects inputs of shape" not in str(caught.value)


def test_sequential_builds_any_buildable_part_and_runs_any_other_module_once():
    """Sequential asks the Buildable protocol (built, build, compute_output_dim), not for Layer or Sequential."""
    from tinygrad_moons.nn import Module, Sequential
    from tinygrad_moons.nn.layers import Buildable

    class Doubler:  # a buildable part that is neither a Layer nor a Sequential
        def __init__(self):
            self.built_with = None

        @property
        def built(self):
            return self.built_with is not None

        def build(self, input_dim):
            self.built_with = input_dim

        def compute_output_dim(self, input_dim):
            return None if input_dim is None else 2 * input_dim

    class DoubleWidth(Module, Doubler):
        def __init__(self):
            Module.__init__(self)
            Doubler.__init__(self)

        def forward(self, x):
            return concatenate([x, x], axis=-1)

    class Opaque(Module):  # no build: learnt by running it
        def forward(self, x):
            return x * 1.0

    assert isinstance(Dense(2), Buildable) and isinstance(Sequential(), Buildable)
    assert isinstance(DoubleWidth(), Buildable) and not isinstance(Opaque(), Buildable)
    doubler = DoubleWidth()
    model = Sequential([Dense(3, input_dim=2), doubler, Opaque(), Dense(1)])
    assert doubler.built_with == 3  # built as soon as its input width was known
    assert model.compute_output_dim(2) is None and not model[3].built  # an opaque part hides the width after it
    model.build(2)
    assert model[3].kernel.shape == (6, 1)  # the last layer's width, learnt by running the parts before it


def test_dense_gradients_match_the_seed_formulas():
    # dE/dW = x^T (dE/dz), dE/db = sum over the batch of dE/dz: the course's back_prop.
    layer = Dense(3, input_dim=2, bias_initializer="normal", seed=1)
    x = np.random.default_rng(0).normal(size=(6, 2))
    layer(Tensor(x)).sum().backward()
    np.testing.assert_allclose(layer.kernel.grad.data, x.T @ np.ones((6, 3)), rtol=1e-14)
    np.testing.assert_allclose(layer.bias.grad.data, np.full(3, 6.0))


def test_dense_without_bias():
    layer = Dense(2, input_dim=3, use_bias=False, seed=0)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["kernel"]
    x = np.ones((1, 3))
    np.testing.assert_allclose(layer(Tensor(x)).data, x @ layer.kernel.data)


@pytest.mark.parametrize(
    "name, reference",
    [
        ("relu", lambda z: np.maximum(z, 0)),
        ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
        ("tanh", np.tanh),
        ("leaky_relu", lambda z: np.where(z > 0, z, 0.01 * z)),
        ("softmax", lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)),
        ("linear", lambda z: z),
        (None, lambda z: z),
    ],
)
def test_activations_by_name(name, reference):
    layer = Dense(3, activation=name, input_dim=2, bias_initializer="normal", seed=3)
    x = np.random.default_rng(1).normal(size=(4, 2))
    z = x @ layer.kernel.data + layer.bias.data
    np.testing.assert_allclose(layer(Tensor(x)).data, reference(z), rtol=1e-12)


def test_activation_as_a_function():
    layer = Dense(2, activation=lambda t: t * 2, input_dim=2, seed=0)
    x = np.ones((1, 2))
    np.testing.assert_allclose(layer(Tensor(x)).data, 2 * (x @ layer.kernel.data))


def test_bad_dense_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown activation 'relux'"):
        Dense(2, activation="relux")
    with pytest.raises(ValueError, match="units must be a positive integer"):
        Dense(0)
    with pytest.raises(TypeError, match="floating"):
        Dense(2, dtype="int32")
    with pytest.raises(ValueError, match="unknown initializer"):
        Dense(2, kernel_initializer="glorious")
    with pytest.raises(ValueError, match="seed or rng"):
        Dense(2, seed=1, rng=np.random.default_rng(1))
    with pytest.raises(ValueError, match="a layer name"):
        Dense(2, name="a.b")


def test_float32_layer_stays_float32_and_casts_its_input():
    layer = Dense(3, activation="relu", input_dim=2, dtype="float32", seed=0)
    assert layer.kernel.dtype == np.float32 and layer.bias.dtype == np.float32
    out = layer(Tensor(np.ones((2, 2))))  # float64 input
    assert out.dtype == np.float32
    out.sum().backward()
    assert layer.kernel.grad.dtype == np.float32


def test_input_shape_is_accepted_as_in_keras_2():
    assert Dense(3, input_shape=(4,)).kernel.shape == (4, 3)


@pytest.mark.parametrize(
    "layer, reference",
    [
        (ReLU(), lambda z: np.maximum(z, 0)),
        (Sigmoid(), lambda z: 1 / (1 + np.exp(-z))),
        (Tanh(), np.tanh),
        (LeakyReLU(0.2), lambda z: np.where(z > 0, z, 0.2 * z)),
        (Softmax(), lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)),
        (Activation("tanh"), np.tanh),
    ],
)
def test_activation_layers(layer, reference):
    z = np.random.default_rng(2).normal(size=(3, 4))
    np.testing.assert_allclose(layer(Tensor(z)).data, reference(z), rtol=1e-12)
    assert layer.parameters() == []


# ------------------------------------------------------------- Sequential
def test_sequential_numbers_auto_named_layers_in_order():
    model = Sequential([Dense(4, input_dim=2), ReLU(), Dense(4), ReLU(), Dense(1), Sigmoid()])
    assert [layer.name for layer in model] == ["dense_1", "relu_1", "dense_2", "relu_2", "dense_3", "sigmoid_1"]
    assert [name for name, _ in model.named_parameters()] == [
        "dense_1.kernel", "dense_1.bias", "dense_2.kernel", "dense_2.bias", "dense_3.kernel", "dense_3.bias",
    ]  # fmt: skip
    assert [p.name for p in model.parameters()] == [name for name, _ in model.named_parameters()]


def test_layer_names_are_the_same_on_every_run():
    first, second = course_network(), course_network()
    assert [layer.name for layer in first] == [layer.name for layer in second]


def test_explicit_names_are_kept_and_duplicates_refused():
    model = Sequential([Dense(4, input_dim=2, name="dense_1"), Dense(4), Dense(1, name="output")])
    assert [layer.name for layer in model] == ["dense_1", "dense_2", "output"]
    with pytest.raises(ValueError, match="a layer named 'output' is already in this model"):
        model.add(Dense(1, name="output"))
    with pytest.raises(ValueError, match="already in this model"):
        model.add(model[0])


def test_sequential_is_indexable_iterable_and_sized():
    model = Sequential(name="course_net")
    model.add(Dense(3, input_dim=2))
    model.add(Dense(1, activation="sigmoid"))
    assert len(model) == 2 and model[0].units == 3 and model[-1].units == 1
    assert [layer.units for layer in model] == [3, 1]
    assert model.get_layer("dense_2") is model[1] and model.dense_2 is model[1]
    assert model.name == "course_net"
    with pytest.raises(KeyError, match="no layer named 'nope'"):
        model.get_layer("nope")
    with pytest.raises(TypeError, match="expected a layer"):
        model.add("dense")
    first = model[:1]  # a slice is a Sequential of the same layers, as in PyTorch
    assert isinstance(first, Sequential) and len(first) == 1 and first[0] is model[0]
    assert first(Tensor(np.ones((4, 2)))).shape == (4, 3)


def test_keras_and_pytorch_layers_mix_in_either_kind_of_sequential():
    keras_style = Sequential([Linear(2, 4), ReLU(), Dropout(0.1), Dense(1, activation="sigmoid")], seed=0)
    assert [name for name, _ in keras_style.named_children()] == ["linear_1", "relu_1", "dropout_1", "dense_1"]
    assert keras_style[3].kernel.shape == (4, 1)  # built at add(): Linear tells the width
    torch_style = Sequential(Dense(4, input_dim=2), ReLU(), Linear(4, 1))
    assert list(torch_style.state_dict()) == ["0.kernel", "0.bias", "2.weight", "2.bias"]
    keras_style.eval()
    assert keras_style(Tensor(np.ones((3, 2)))).shape == (3, 1)


def test_a_seeded_sequential_redraws_linear_weights_from_its_seed():
    a = Sequential(Linear(2, 3), Linear(3, 1), seed=5)
    b = Sequential(Linear(2, 3), Linear(3, 1), seed=5)
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_sequential_builds_each_layer_once_the_width_is_known():
    model = Sequential([Dense(5), Dense(1)])
    assert not model.built
    model.build(3)
    assert model.built and model[0].kernel.shape == (3, 5) and model[1].kernel.shape == (5, 1)
    chained = Sequential([Dense(5, input_dim=3), ReLU(), Dense(2)])
    assert chained[2].kernel.shape == (5, 2)  # built at add(): summary works before any call


def test_a_sequential_inside_a_sequential():
    inner = Sequential([Dense(3), ReLU()], name="block")
    model = Sequential([Dense(4, input_dim=2), inner, Dense(1)], seed=0)
    assert model.built and model[2].kernel.shape == (3, 1)
    assert "block.dense_1.kernel" in dict(model.named_parameters())
    assert model(Tensor(np.ones((2, 2)))).shape == (2, 1)


def test_an_empty_sequential_says_so():
    with pytest.raises(RuntimeError, match="no layers"):
        Sequential()(Tensor(np.ones((1, 2))))


def test_summary_of_the_course_network_counts_5226_parameters():
    lines = []
    course_network().summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert course_network().count_params() == 5226
    assert "Total params: 5,226" in text
    for name, shape, count in [
        ("dense_1", 25, "75"),
        ("dense_2", 50, "1,300"),
        ("dense_3", 50, "2,550"),
        ("dense_4", 25, "1,275"),
        ("dense_5", 1, "26"),
    ]:
        row = next(line for line in text.splitlines() if line.startswith(f" {name} (Dense)"))
        assert f"(None, {shape})" in row and row.endswith(count)


def test_summary_of_an_unbuilt_model_does_not_crash():
    lines = []
    Sequential([Dense(3), Dense(1)]).summary(print_fn=lines.append)
    first_row = next(line for line in lines[0].splitlines() if line.startswith(" dense_1"))
    assert "(None, 3)" in first_row and first_row.endswith("0 (unbuilt)")
    assert "Total params: 4 " in lines[0]  # dense_2 is built: its input width (3) is known


# ----------------------------------------------------------- initializers
def test_same_seed_same_weights_different_seed_different_weights():
    a, b, c = course_network(seed=7), course_network(seed=7), course_network(seed=8)
    for (name, p), (_, q), (_, r) in zip(a.named_parameters(), b.named_parameters(), c.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
        if name.endswith("kernel"):
            assert not np.array_equal(p.data, r.data)


def test_a_seeded_model_ignores_the_global_numpy_state():
    np.random.seed(0)
    a = course_network(seed=3)
    np.random.seed(1)
    b = course_network(seed=3)
    np.testing.assert_array_equal(a[0].kernel.data, b[0].kernel.data)


def test_a_layer_seed_overrides_the_model_seed():
    first = Sequential([Dense(3, input_dim=2, seed=11)], seed=0)
    second = Sequential([Dense(3, input_dim=2, seed=11)], seed=1)
    np.testing.assert_array_equal(first[0].kernel.data, second[0].kernel.data)


def test_normal_is_the_courses_randn_times_0_1_for_kernel_and_bias():
    layer = Dense(25, input_dim=2, kernel_initializer="normal", bias_initializer="normal", seed=5)
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(layer.kernel.data, rng.standard_normal((2, 25)) * 0.1)
    np.testing.assert_array_equal(layer.bias.data, rng.standard_normal(25) * 0.1)


def test_initializer_statistics():
    rng = np.random.default_rng(0)
    fan_in, fan_out = 400, 300
    glorot = initializers.get("glorot_uniform")((fan_in, fan_out), np.float64, rng)
    limit = math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(glorot).max() <= limit and np.abs(glorot).max() > 0.99 * limit
    assert glorot.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)
    he = initializers.get("he_normal")((fan_in, fan_out), np.float64, rng)
    assert he.std() == pytest.approx(math.sqrt(2 / fan_in), rel=0.02)  # truncation corrected for
    assert np.abs(he).max() <= 2 * math.sqrt(2 / fan_in) / 0.87962566103423978
    assert he.mean() == pytest.approx(0, abs=0.005)
    glorot_normal = initializers.get("glorot_normal")((fan_in, fan_out), np.float64, rng)
    assert glorot_normal.std() == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.02)
    assert np.all(initializers.get("zeros")((3,), np.float32, rng) == 0)
    assert initializers.get("zeros")((3,), np.float32, rng).dtype == np.float32
    assert initializers.get("he_uniform")((3, 2), np.float32, rng).dtype == np.float32
    assert np.all(initializers.Constant(2.5)((2,), np.float64, rng) == 2.5)


def test_initializer_as_a_callable():
    layer = Dense(2, input_dim=2, kernel_initializer=lambda shape, dtype, rng: np.full(shape, 0.5, dtype=dtype))
    assert np.all(layer.kernel.data == 0.5)


def test_custom_module_inside_sequential_is_run_to_learn_its_width():
    class Double(Module):
        def forward(self, x):
            return x * 2

    model = Sequential([Dense(3), Double(), Dense(1)])
    model.build(2)
    assert model[2].kernel.shape == (3, 1)
    assert model[1].name == "double_1"
