"""nn in both dialects: Keras' names in Keras' order and numbers, PyTorch's names in PyTorch's.

Expected values are computed here with NumPy from each library's documented
formula (and, for Keras, checked against the numbers its docstrings print),
never by calling this library's own code.
"""

import functools
import warnings
from collections import OrderedDict

import numpy as np
import pytest
from sklearn.datasets import make_moons

from tinygrad_moons import ShapeError, Tensor, gradcheck, nn, no_grad, optim
from tinygrad_moons import functional as F
from tinygrad_moons.nn import losses

RNG = np.random.default_rng(0)
EPS = 1e-7  # Keras' backend.epsilon()


def softplus(z):
    return np.logaddexp(0.0, z)


def keras_bce(y, p):
    """Keras' binary_crossentropy on probabilities, per element: p clipped to [1e-7, 1 - 1e-7]."""
    p = np.clip(p, EPS, 1 - EPS)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def torch_bce(y, p):
    """PyTorch's BCELoss per element: each log clamped at -100."""
    with np.errstate(divide="ignore"):
        return -(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log(1 - p), -100))


# =============================================================== Keras' losses
def test_keras_binary_crossentropy_docstring_examples_from_logits():
    y_true, y_pred = [0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]
    per_element = np.array(y_true) * softplus(-np.array(y_pred)) + (1 - np.array(y_true)) * softplus(y_pred)
    bce = nn.BinaryCrossentropy(from_logits=True)
    assert bce(y_true, y_pred).item() == pytest.approx(per_element.mean(), rel=1e-12)
    assert bce(y_true, y_pred).item() == pytest.approx(0.8654, abs=1e-4)  # Keras' docstring

    y_true2, y_pred2 = np.array([[0, 1], [0, 0]]), np.array([[-18.6, 0.51], [2.94, -12.8]])
    per_sample = per_element.reshape(2, 2).mean(axis=1)
    assert bce(y_true2, y_pred2).item() == pytest.approx(per_sample.mean(), rel=1e-12)
    weighted = bce(y_true2, y_pred2, sample_weight=[0.8, 0.2]).item()
    assert weighted == pytest.approx((per_sample * [0.8, 0.2]).sum() / 2, rel=1e-12)
    assert weighted == pytest.approx(0.243, abs=1e-3)
    summed = nn.BinaryCrossentropy(from_logits=True, reduction="sum")(y_true2, y_pred2).item()
    assert summed == pytest.approx(per_sample.sum(), rel=1e-12) and summed == pytest.approx(1.730, abs=1e-3)
    for none in (None, "none"):
        each = nn.BinaryCrossentropy(from_logits=True, reduction=none)(y_true2, y_pred2).data
        np.testing.assert_allclose(each, per_sample, rtol=1e-12)
        np.testing.assert_allclose(each, [0.235, 1.496], atol=1e-3)


def test_keras_binary_crossentropy_on_probabilities_in_keras_order_on_lists_and_arrays():
    y_true, y_pred = [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]
    expected = keras_bce(np.array(y_true), np.array(y_pred)).mean(axis=1)
    np.testing.assert_allclose(losses.binary_crossentropy(y_true, y_pred).data, expected, rtol=1e-12)
    np.testing.assert_allclose(expected, [0.916, 0.714], atol=1e-3)  # keras.losses.binary_crossentropy's docstring
    bce = nn.BinaryCrossentropy()
    for truth, prediction in [
        (y_true, y_pred),
        (np.array(y_true), np.array(y_pred)),
        (np.array(y_true, dtype=np.int64), Tensor(y_pred)),
        (Tensor(np.array(y_true, dtype=float)), np.array(y_pred)),
    ]:
        assert bce(truth, prediction).item() == pytest.approx(expected.mean(), rel=1e-12)
    # PyTorch's order would read the labels as the probabilities: a different (and wrong) number
    assert bce(y_pred, y_true).item() != pytest.approx(expected.mean(), rel=1e-3)


def test_keras_order_with_an_ndarray_y_true_and_a_model_output():
    # the case: nn.BinaryCrossentropy()(y_true, y_pred) with an ndarray y_true
    y_true = np.array([1.0, 0.0, 1.0, 1.0])
    logits = RNG.normal(size=(4, 1))
    output = nn.Sigmoid()(Tensor(logits, requires_grad=True))
    loss = nn.BinaryCrossentropy()(y_true, output)  # labels (4,) against outputs (4, 1): Keras aligns the ranks
    expected = y_true * softplus(-logits[:, 0]) + (1 - y_true) * softplus(logits[:, 0])
    assert loss.item() == pytest.approx(expected.mean(), rel=1e-12)
    loss.backward()


def test_keras_clipping_and_label_smoothing():
    y = np.array([[1.0], [0.0], [1.0], [0.0]])
    p = np.array([[0.0], [1.0], [1.0], [0.3]])
    loss = nn.BinaryCrossentropy(reduction="none")(y, Tensor(p)).data
    np.testing.assert_allclose(loss, keras_bce(y, p).mean(axis=1), rtol=1e-12)
    assert loss[0] == pytest.approx(-np.log(EPS), rel=1e-12)
    smoothed = nn.BinaryCrossentropy(label_smoothing=0.2)(y, Tensor(p)).item()
    assert smoothed == pytest.approx(keras_bce(y * 0.8 + 0.1, p).mean(), rel=1e-12)
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.BinaryCrossentropy(label_smoothing=1.5)


def test_keras_categorical_and_sparse_docstring_examples():
    y_true = np.array([[0, 1, 0], [0, 0, 1]])
    y_pred = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
    rescaled = np.clip(y_pred / y_pred.sum(axis=1, keepdims=True), EPS, 1 - EPS)
    per_sample = -(y_true * np.log(rescaled)).sum(axis=1)
    for loss, truth in [(nn.CategoricalCrossentropy, y_true), (nn.SparseCategoricalCrossentropy, [1, 2])]:
        assert loss()(truth, y_pred).item() == pytest.approx(per_sample.mean(), rel=1e-12)
        assert loss()(truth, y_pred).item() == pytest.approx(1.177, abs=1e-3)
        assert loss()(truth, y_pred, sample_weight=np.array([0.3, 0.7])).item() == pytest.approx(0.814, abs=1e-3)
        assert loss(reduction="sum")(truth, y_pred).item() == pytest.approx(2.354, abs=1e-3)
        np.testing.assert_allclose(loss(reduction=None)(truth, y_pred).data, per_sample, rtol=1e-12)
        np.testing.assert_allclose(per_sample, [0.0513, 2.303], atol=1e-3)
    smoothed = nn.CategoricalCrossentropy(label_smoothing=0.3)(y_true, y_pred).item()
    assert smoothed == pytest.approx(-((y_true * 0.7 + 0.1) * np.log(rescaled)).sum(axis=1).mean(), rel=1e-12)


def test_keras_mean_squared_error_docstring_example_and_rank_alignment():
    assert nn.MeanSquaredError()([1.0, 0.0, 1.0], [0.9, 0.1, 0.8]).item() == pytest.approx(0.02, rel=1e-12)
    y, out = RNG.normal(size=5), RNG.normal(size=(5, 1))
    assert nn.MeanSquaredError()(y, Tensor(out)).item() == pytest.approx(np.mean((y - out[:, 0]) ** 2), rel=1e-12)
    with pytest.raises(ShapeError, match=r"y_true has shape \(5, 2\)"):
        nn.MeanSquaredError()(np.zeros((5, 2)), Tensor(out))


def test_keras_reductions_are_checked():
    for reduction in ("sum_over_batch_size", "mean", "sum", "none", None):
        nn.BinaryCrossentropy(reduction=reduction)
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.BinaryCrossentropy(reduction="average")


def test_keras_from_logits_on_a_sigmoid_output_warns_as_keras_does():
    output = F.sigmoid(Tensor(np.array([[0.3]])))
    with pytest.warns(UserWarning, match="from_logits=True, but y_pred was produced by a sigmoid"):
        nn.BinaryCrossentropy(from_logits=True)([[1.0]], output)


# ============================================================= PyTorch's losses
def test_bce_loss_is_pytorchs_formula_with_the_log_clamped_at_minus_100():
    p = np.array([[0.0], [1.0], [0.2], [0.9], [1e-60]])
    y = np.array([[1.0], [0.0], [0.0], [1.0], [1.0]])
    expected = torch_bce(y, p)
    assert expected[0, 0] == 100.0
    np.testing.assert_allclose(nn.BCELoss(reduction="none")(Tensor(p), y).data, expected, rtol=1e-12)
    assert nn.BCELoss(reduction="sum")(Tensor(p), y).item() == pytest.approx(expected.sum(), rel=1e-12)
    assert nn.BCELoss()(Tensor(p), y).item() == pytest.approx(expected.mean(), rel=1e-12)


def test_bce_loss_gradient_is_the_derivative_of_its_value():
    p = RNG.uniform(0.05, 0.95, size=(6, 1))
    y = RNG.uniform(size=(6, 1))  # soft targets are allowed, as in PyTorch
    probs = Tensor(p, requires_grad=True)
    nn.BCELoss()(probs, y).backward()
    np.testing.assert_allclose(probs.grad.data, (p - y) / (p * (1 - p)) / 6, rtol=1e-12)


@pytest.mark.parametrize("bad, what", [(1.5, "input"), (-0.1, "input"), (np.nan, "input"), (2.0, "target")])
def test_bce_loss_refuses_values_outside_0_1_as_pytorch(bad, what):
    p, y = np.full((3, 1), 0.5), np.ones((3, 1))
    if what == "input":
        p[1, 0] = bad
    else:
        y[1, 0] = bad
    with pytest.raises(RuntimeError, match=f"all elements of {what} should be between 0 and 1"):
        nn.BCELoss()(Tensor(p), y)
    with pytest.raises(RuntimeError, match=f"all elements of {what} should be between 0 and 1"):
        F.binary_cross_entropy(Tensor(p), y)


def test_bce_loss_refuses_a_target_of_another_shape_and_an_array_input():
    with pytest.raises(ValueError, match="target has shape"):
        nn.BCELoss()(Tensor(np.full((4, 1), 0.5)), np.ones(4))
    with pytest.raises(TypeError, match="input must be a Tensor"):
        nn.BCELoss()(np.full((4, 1), 0.5), np.ones((4, 1)))


def test_a_loss_has_one_value_with_and_without_no_grad():
    logits = np.array([[-60.0], [-20.0], [0.5], [20.0], [60.0]])
    y = np.array([[1.0], [0.0], [1.0], [1.0], [0.0]])
    z = Tensor(logits, requires_grad=True)
    computations = [
        lambda: F.binary_cross_entropy(z.sigmoid(), y),
        lambda: nn.BCELoss()(nn.Sigmoid()(z), y),
        lambda: nn.BinaryCrossentropy()(y, nn.Sigmoid()(z)),
        lambda: nn.BinaryCrossentropy()(y, z.sigmoid()),
        lambda: nn.BCEWithLogitsLoss()(z, y),
    ]
    for compute in computations:
        recorded = compute().item()
        with no_grad():
            assert compute().item() == recorded
    # the values themselves: PyTorch clamps, Keras reads its own sigmoid's logits, else clips
    p = 1 / (1 + np.exp(-logits))
    assert computations[0]().item() == pytest.approx(torch_bce(y, p).mean(), rel=1e-12)
    exact = (y * softplus(-logits) + (1 - y) * softplus(logits)).mean()
    assert computations[2]().item() == pytest.approx(exact, rel=1e-12)
    assert computations[3]().item() == pytest.approx(keras_bce(y, p).mean(), rel=1e-12)


@pytest.mark.parametrize("loss", [lambda p, y: nn.BCELoss()(p, y), lambda p, y: nn.BinaryCrossentropy()(y, p)])
def test_retain_grad_on_a_sigmoid_output_sees_the_true_gradient(loss):
    logits = RNG.normal(size=(5, 1))
    y = RNG.integers(0, 2, size=(5, 1)).astype(float)
    z = Tensor(logits, requires_grad=True)
    probs = nn.Sigmoid()(z)
    probs.retain_grad()
    loss(probs, y).backward()
    p = probs.data
    np.testing.assert_allclose(probs.grad.data, (p - y) / (p * (1 - p)) / 5, rtol=1e-10)
    np.testing.assert_allclose(z.grad.data, (p - y) / 5, rtol=1e-10)


def test_bce_with_logits_mse_and_l1_losses_with_every_reduction():
    z, y = RNG.normal(size=(4, 3)) * 5, RNG.uniform(size=(4, 3))
    cases = [
        (nn.BCEWithLogitsLoss, y * softplus(-z) + (1 - y) * softplus(z)),
        (nn.MSELoss, (z - y) ** 2),
        (nn.L1Loss, np.abs(z - y)),
    ]
    for loss, each in cases:
        np.testing.assert_allclose(loss(reduction="none")(Tensor(z), y).data, each, rtol=1e-12)
        assert loss(reduction="sum")(Tensor(z), y).item() == pytest.approx(each.sum(), rel=1e-12)
        assert loss()(Tensor(z), y).item() == pytest.approx(each.mean(), rel=1e-12)
        with pytest.raises(ValueError, match="not a valid value for reduction"):
            loss(reduction="sum_over_batch_size")


def test_cross_entropy_and_nll_losses_with_ignore_index_and_label_smoothing():
    logits = RNG.normal(size=(5, 4))
    labels = np.array([0, 3, -100, 1, 3])
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    kept = labels != -100
    picked = -log_probs[np.arange(5)[kept], labels[kept]]
    assert nn.CrossEntropyLoss()(Tensor(logits), labels).item() == pytest.approx(picked.mean(), rel=1e-12)
    assert nn.NLLLoss()(Tensor(log_probs), labels).item() == pytest.approx(picked.mean(), rel=1e-12)
    assert nn.NLLLoss(reduction="sum")(Tensor(log_probs), labels).item() == pytest.approx(picked.sum(), rel=1e-12)
    # PyTorch's documented smoothing: (1 - s) * nll + s * mean over classes of -log p
    s = 0.1
    smooth = (1 - s) * picked + s * (-log_probs[kept].mean(axis=1))
    value = nn.CrossEntropyLoss(label_smoothing=s)(Tensor(logits), labels).item()
    assert value == pytest.approx(smooth.mean(), rel=1e-12)


def test_the_two_families_do_not_share_a_base_that_would_mix_the_orders():
    for torch_loss in (nn.BCELoss, nn.BCEWithLogitsLoss, nn.MSELoss, nn.L1Loss, nn.CrossEntropyLoss, nn.NLLLoss):
        assert not issubclass(torch_loss, nn.Loss)
    for keras_loss in (nn.BinaryCrossentropy, nn.MeanSquaredError, nn.SparseCategoricalCrossentropy):
        assert issubclass(keras_loss, nn.Loss) and not issubclass(keras_loss, losses._Loss)


# =================================================================== Linear
def test_linear_weight_layout_forward_and_gradients():
    layer = nn.Linear(3, 2)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    x = RNG.normal(size=(4, 3))
    xt = Tensor(x, requires_grad=True)
    out = layer(xt)
    W, b = layer.weight.data, layer.bias.data
    np.testing.assert_allclose(out.data, x @ W.T + b, rtol=1e-13)
    out.sum().backward()
    np.testing.assert_allclose(layer.weight.grad.data, np.ones((4, 2)).T @ x, rtol=1e-13)
    np.testing.assert_allclose(layer.bias.grad.data, np.full(2, 4.0))
    np.testing.assert_allclose(xt.grad.data, np.ones((4, 2)) @ W, rtol=1e-13)
    np.testing.assert_allclose(layer(x[0]).data, x[0] @ W.T + b, rtol=1e-13)  # one sample, as PyTorch allows
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


def test_linear_is_initialised_as_pytorch_from_u_minus_to_plus_one_over_sqrt_in():
    layer = nn.Linear(400, 300, seed=0)
    bound = 1 / np.sqrt(400)
    for values in (layer.weight.data, layer.bias.data):
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.99 * bound  # the whole interval is used
    assert layer.weight.data.var() == pytest.approx(bound**2 / 3, rel=0.02)  # variance of U(-b, b)
    np.testing.assert_array_equal(nn.Linear(400, 300, seed=0).weight.data, layer.weight.data)


def test_linear_without_bias_and_bad_arguments():
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None and [name for name, _ in layer.named_parameters()] == ["weight"]
    x = RNG.normal(size=(2, 3))
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data.T)
    with pytest.raises(ShapeError, match=r"Linear\(3, 2\) expects inputs of shape \(\.\.\., 3\)"):
        layer(np.ones((2, 4)))
    with pytest.raises(ValueError, match="in_features must be a positive integer"):
        nn.Linear(0, 2)


# =============================================================== Sequential
def test_pytorch_sequential_of_modules_is_keyed_by_position():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [name for name, _ in model.named_children()] == ["0", "1", "2"]
    assert isinstance(model[0], nn.Linear) and model[-1] is model[2] and len(model) == 3
    assert [type(m) for m in model] == [nn.Linear, nn.ReLU, nn.Linear]
    x = RNG.normal(size=(5, 2))
    hidden = np.maximum(x @ model[0].weight.data.T + model[0].bias.data, 0)
    np.testing.assert_allclose(model(x).data, hidden @ model[2].weight.data.T + model[2].bias.data, rtol=1e-13)
    head = model[1:]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[1] is model[2]
    assert list(head.state_dict()) == ["2.weight", "2.bias"]
    with pytest.raises(IndexError, match="out of range"):
        model[3]
    model.append(nn.Sigmoid())
    assert [name for name, _ in model.named_children()][-1] == "3"


def test_pytorch_sequential_of_an_ordered_dict_keeps_its_keys():
    model = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 4)), ("act", nn.Tanh()), ("out", nn.Linear(4, 1))]))
    assert list(model.state_dict()) == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert model.hidden is model[0] and model.get_layer("out") is model[2]


def test_keras_sequential_keeps_its_names_and_add():
    model = nn.Sequential([nn.Dense(4, activation="relu", input_dim=2), nn.Dense(1)])
    model.add(nn.Activation("sigmoid"))
    assert [name for name, _ in model.named_children()] == ["dense_1", "dense_2", "activation_1"]
    assert list(model.state_dict()) == ["dense_1.kernel", "dense_1.bias", "dense_2.kernel", "dense_2.bias"]
    with pytest.raises(TypeError, match="name as a keyword"):
        nn.Sequential([nn.Dense(1)], "net")
    with pytest.raises(TypeError, match="argument 1 is a int, not a module"):
        nn.Sequential(nn.Linear(2, 2), 3)


def test_state_dict_round_trip_and_mismatches_in_pytorch_form():
    a = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    b = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    weight = b[0].weight
    b.load_state_dict(a.state_dict())
    assert b[0].weight is weight  # in place
    x = RNG.normal(size=(4, 2))
    np.testing.assert_array_equal(a(x).data, b(x).data)
    state = a.state_dict()
    state["0.weight"] = np.zeros((4, 2))
    del state["2.bias"]
    state["3.weight"] = np.zeros(1)
    with pytest.raises(RuntimeError) as info:
        b.load_state_dict(state)
    for expected in ("missing: 2.bias", "unexpected: 3.weight", "0.weight: shape (4, 2)"):
        assert expected in str(info.value)
    del state["0.weight"]
    result = b.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.weight", "2.bias"] and result.unexpected_keys == ["3.weight"]


def test_pytorch_polynomial_fit_with_nn_sequential():
    # "Learning PyTorch with Examples", the nn.Sequential version, with NumPy for the data.
    x = np.linspace(-np.pi, np.pi, 2000)
    y = np.sin(x)
    xx = Tensor(x[:, None] ** np.array([1, 2, 3]))
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1), seed=0)  # seeded: the test must be repeatable
    loss_fn = nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    for _ in range(2000):
        loss = loss_fn(model(xx), y)
        model.zero_grad()
        loss.backward()
        with no_grad():
            for param in model.parameters():
                param.data -= learning_rate * param.grad.data
    assert loss.item() < 30
    assert model(xx).shape == (2000,)


# ========================================================= the other modules
def test_module_api_zero_grad_train_eval_children():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.Linear(2, 1))
    model(RNG.normal(size=(3, 2))).sum().backward()
    model.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    assert model.eval() is model and not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    assert list(model.children()) == list(model)
    assert len(list(model.modules())) == 4
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        model.train("yes")


def test_dropout_is_inverted_in_training_and_the_identity_in_eval():
    layer = nn.Dropout(0.25, seed=0)
    x = np.ones((200, 50))
    out = layer(Tensor(x)).data
    assert np.mean(out == 0) == pytest.approx(0.25, abs=0.02)
    assert set(np.unique(out)) == {0.0, 1 / 0.75}
    layer.eval()
    np.testing.assert_array_equal(layer(Tensor(x)).data, x)
    layer.train()
    assert np.all(nn.Dropout(1.0)(Tensor(x)).data == 0) and np.all(nn.Dropout(0.0)(Tensor(x)).data == 1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match=r"inplace=True\) is not supported"):
        nn.Dropout(0.5, inplace=True)


def test_flatten_identity_softmax_and_activation_arguments():
    x = RNG.normal(size=(2, 3, 4))
    assert nn.Flatten()(Tensor(x)).shape == (2, 12)
    assert nn.Flatten(0, 1)(Tensor(x)).shape == (6, 4)
    assert nn.Flatten(0, -1)(Tensor(x)).shape == (24,)
    with pytest.raises(IndexError, match="does not fit"):
        nn.Flatten(3)(Tensor(x))
    assert nn.Identity(54, unused="argument")(Tensor(x)).shape == x.shape
    scores = RNG.normal(size=(3, 4))
    expected = np.exp(scores) / np.exp(scores).sum(axis=0, keepdims=True)
    np.testing.assert_allclose(nn.Softmax(dim=0)(Tensor(scores)).data, expected, rtol=1e-13)
    np.testing.assert_allclose(nn.Softmax(axis=0)(Tensor(scores)).data, expected, rtol=1e-13)
    with pytest.raises(TypeError, match="not both"):
        nn.Softmax(dim=0, axis=0)
    with pytest.raises(ValueError, match=r"inplace=True\) is not supported"):
        nn.ReLU(inplace=True)
    slope = nn.LeakyReLU(0.2)(Tensor(np.array([-1.0, 2.0]))).data
    np.testing.assert_allclose(slope, [-0.2, 2.0])


# ======================================================= compile and fit
X, Y = make_moons(n_samples=200, noise=0.1, random_state=0)


def test_a_linear_output_compiled_with_binary_crossentropy_warns_and_from_logits_trains():
    model = nn.Sequential([nn.Dense(16, activation="relu", input_dim=2), nn.Dense(1)], seed=0)
    with pytest.warns(UserWarning, match=r"last layer 'dense_2' ends in activation='linear'.*from_logits=True"):
        model.compile(loss="binary_crossentropy", optimizer=optim.Adam(lr=0.02))
    torch_style = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    with pytest.warns(UserWarning, match="from_logits=True"):
        torch_style.compile(loss=nn.BinaryCrossentropy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.compile(loss=nn.BinaryCrossentropy(from_logits=True), optimizer=optim.Adam(lr=0.02), metrics="accuracy")
        sigmoid_model = nn.Sequential([nn.Dense(4, input_dim=2), nn.Dense(1, activation="sigmoid")])
        sigmoid_model.compile(loss="binary_crossentropy")
    model.fit(X, Y, epochs=40, verbose=0, seed=0)
    assert model.evaluate(X, Y)[1] > 0.9


def test_fit_calls_each_loss_in_its_own_order():
    seen = []

    def keras_style_loss(y_true, y_pred):
        seen.append((isinstance(y_pred, Tensor) and y_pred.grad_fn is not None, np.ndim(y_true)))
        return nn.BinaryCrossentropy()(y_true, y_pred)

    model = nn.Sequential([nn.Dense(8, activation="relu", input_dim=2), nn.Dense(1, activation="sigmoid")], seed=0)
    model.compile(loss=keras_style_loss, optimizer="adam", metrics="accuracy")
    model.fit(X, Y, epochs=2, verbose=0)
    assert seen and seen[0] == (True, 2)  # (y_true, y_pred): the model's recorded output comes second
    for loss in (nn.BCELoss(), F.binary_cross_entropy, "binary_crossentropy", nn.BinaryCrossentropy()):
        model.compile(loss=loss, optimizer=optim.Adam(lr=0.02), metrics="accuracy")
        history = model.fit(X, Y, epochs=3, verbose=0, seed=0)
        assert np.all(np.isfinite(history.history["loss"]))
    torch_model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1), seed=0)
    torch_model.compile(loss=nn.BCEWithLogitsLoss(), optimizer=optim.Adam(lr=0.02), metrics="accuracy")
    torch_model.fit(X, Y, epochs=300, batch_size=16, verbose=0, seed=0)  # a long plateau near 0.88 first
    assert torch_model.evaluate(X, Y)[1] > 0.95


def test_evaluate_gives_the_loss_fit_reports_for_a_saturated_sigmoid():
    # the fused Keras loss must give the same value in fit (recording) and evaluate (not recording)
    model = nn.Sequential([nn.Dense(1, activation="sigmoid", input_dim=2, kernel_initializer="ones")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer=optim.SGD(lr=0.0))
    big = X * 100
    history = model.fit(big, Y, epochs=1, verbose=0)
    assert model.evaluate(big, Y) == pytest.approx(history.history["loss"][0], rel=1e-12)
    logits = big @ np.ones((2, 1))
    exact = (Y[:, None] * softplus(-logits) + (1 - Y[:, None]) * softplus(logits)).mean()
    assert model.evaluate(big, Y) == pytest.approx(exact, rel=1e-12)


def test_bce_loss_gradients_against_finite_differences_for_input_and_target():
    p = RNG.uniform(0.1, 0.9, size=(4, 2))
    y = RNG.uniform(0.1, 0.9, size=(4, 2))
    for reduction in ("mean", "sum"):
        assert gradcheck(functools.partial(F.binary_cross_entropy, reduction=reduction), [p, y])


def test_bce_loss_on_a_linear_output_warns_at_compile_and_names_bce_with_logits():
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), seed=0)
    with pytest.warns(UserWarning, match=r"BCEWithLogitsLoss\(\)"):
        model.compile(loss=nn.BCELoss())
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        model.fit(X * 100, Y, epochs=1, verbose=0)


def test_keras_input_declares_the_width_and_is_not_a_layer():
    from tinygrad_moons import nn

    model = nn.Sequential([nn.Input(shape=(30,)), nn.Dense(16, activation="relu"), nn.Dense(1)])
    assert model.built and model.input_dim == 30 and len(model.layers) == 2
    assert model.layers[0].kernel.shape == (30, 16)
    with pytest.raises(ValueError, match="only come first"):
        model.add(nn.Input(shape=(3,)))
    with pytest.raises(ValueError, match=r"shape must be \(features,\)"):
        nn.Input(shape=(28, 28))
    with pytest.raises(ValueError, match="positive int"):
        nn.Input(shape=(0,))


def test_unseeded_models_draw_from_the_global_generator_that_manual_seed_resets():
    import tinygrad_moons as tg
    from tinygrad_moons import nn

    def weights():
        tg.manual_seed(7)
        keras_style = nn.Sequential([nn.Dense(4, input_dim=3), nn.Dense(1)])
        pytorch_style = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
        return [p.data.copy() for p in [*keras_style.parameters(), *pytorch_style.parameters()]]

    first, second = weights(), weights()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
