"""Losses: values against formulas, stability at extreme inputs, reductions and shape checks."""

import numpy as np
import pytest

from tinygrad_moons import ShapeError, Tensor, gradcheck, no_grad
from tinygrad_moons import functional as F
from tinygrad_moons.nn import (
    BCELoss,
    BCEWithLogitsLoss,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CrossEntropyLoss,
    Dense,
    MeanSquaredError,
    MSELoss,
    Sequential,
    SparseCategoricalCrossentropy,
    losses,
)
from tinygrad_moons.optim import SGD

RNG = np.random.default_rng(0)


def course_cost(y_hat, y):
    """The course's average binary cross-entropy."""
    return -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))


# ------------------------------------------------------ binary cross-entropy
def test_binary_cross_entropy_is_the_seeds_cost_and_its_gradient():
    p = RNG.uniform(0.05, 0.95, size=(7, 1))
    y = RNG.integers(0, 2, size=(7, 1)).astype(float)
    probs = Tensor(p, requires_grad=True)
    loss = F.binary_cross_entropy(probs, y)
    assert loss.item() == pytest.approx(course_cost(p, y), rel=1e-14)
    loss.backward()
    # the course's dE/dy_hat = (y_hat - y) / (y_hat (1 - y_hat)) / n
    np.testing.assert_allclose(probs.grad.data, (p - y) / (p * (1 - p)) / 7, rtol=1e-12)


def test_binary_cross_entropy_of_probabilities_0_and_1_is_finite():
    probs = Tensor(np.array([[0.0], [1.0], [0.0], [1.0]]), requires_grad=True)
    y = np.array([[1.0], [0.0], [0.0], [1.0]])
    loss = F.binary_cross_entropy(probs, y, reduction="none")
    assert np.all(np.isfinite(loss.data))
    assert loss.data[2, 0] == pytest.approx(0, abs=1e-15) and loss.data[3, 0] == pytest.approx(0, abs=1e-15)
    assert loss.data[0, 0] == 100.0 and loss.data[1, 0] == 100.0  # PyTorch clamps each log term at -100
    loss.sum().backward()
    assert np.all(np.isfinite(probs.grad.data))


@pytest.mark.parametrize("z", [-1000.0, -40.0, 0.0, 40.0, 1000.0])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_with_logits_is_finite_and_exact_at_extreme_logits(z, y):
    logits = Tensor(np.array([[z]]), requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(logits, np.array([[y]]))
    expected = y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)  # -log(sigmoid(z)) or -log(1 - sigmoid(z))
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(expected, rel=1e-12, abs=1e-300)
    loss.backward()
    sigmoid = 0.5 * (1 + np.tanh(z / 2))
    assert np.isfinite(logits.grad.item()) and logits.grad.item() == pytest.approx(sigmoid - y, abs=1e-15)


def test_with_logits_gradient_at_exactly_zero_is_one_half_minus_y():
    # A zero-initialised output layer gives logits of exactly 0; relu'(0) = sign(0) = 0 must not leak in.
    logits = Tensor(np.zeros((3, 1)), requires_grad=True)
    F.binary_cross_entropy_with_logits(logits, np.array([[0.0], [1.0], [0.3]]), reduction="sum").backward()
    np.testing.assert_allclose(logits.grad.data, [[0.5], [-0.5], [0.2]])


@pytest.mark.parametrize("z", [-1000.0, -50.0, 50.0, 1000.0])
def test_keras_loss_on_a_sigmoid_activation_is_computed_from_the_logits(z):
    # sigmoid(+-50) rounds to exactly 1 or 0 in float64: clipping would lose the loss and the gradient.
    logits = Tensor(np.array([[z]]), requires_grad=True)
    y = np.array([[1.0 if z < 0 else 0.0]])  # the wrong class: a large loss, a large gradient
    loss = BinaryCrossentropy()(y, F.sigmoid(logits))
    assert loss.item() == pytest.approx(abs(z), rel=1e-12)
    loss.backward()
    assert logits.grad.item() == pytest.approx(np.sign(z), rel=1e-12)
    with no_grad():  # the same value when nothing is recorded
        assert BinaryCrossentropy()(y, F.sigmoid(logits)).item() == loss.item()


@pytest.mark.parametrize("z", [-1000.0, 50.0, 1000.0])  # sigmoid(z) is exactly 0 or 1
def test_pytorch_bce_of_a_saturated_sigmoid_is_clamped_at_100_in_every_grad_mode(z):
    # PyTorch never reads around the sigmoid: p is exactly 0 or 1, and log(0) is clamped to -100.
    logits = Tensor(np.array([[z]]), requires_grad=True)
    y = np.array([[1.0 if z < 0 else 0.0]])
    recorded = F.binary_cross_entropy(logits.sigmoid(), y).item()
    with no_grad():
        unrecorded = F.binary_cross_entropy(logits.sigmoid(), y).item()
    assert recorded == unrecorded == 100.0


def test_with_logits_gradients_against_finite_differences():
    z = RNG.normal(size=(4, 2)) * 3
    y = RNG.uniform(size=(4, 2))
    for reduction in ("mean", "sum"):

        def loss(logits, target, reduction=reduction):
            return F.binary_cross_entropy_with_logits(logits, target, reduction=reduction)

        assert gradcheck(loss, [z, y])


def test_dense_sigmoid_with_bce_trains_like_the_with_logits_form():
    # Huge weights saturate the sigmoid; from the same start, both forms must follow the same path.
    X = RNG.normal(size=(40, 2)) * 30
    y = (X[:, :1] * X[:, 1:] > 0).astype(float)

    def train(output_activation, loss_function):
        model = Sequential(
            [
                Dense(8, activation="relu", input_dim=2, kernel_initializer="he_normal"),
                Dense(1, activation=output_activation),
            ],
            seed=3,
        )
        optimizer = SGD(model.parameters(), lr=0.05)
        losses_seen = []
        for _ in range(30):
            loss = loss_function(model(Tensor(X)), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses_seen.append(loss.item())
        return np.array(losses_seen), model[1].kernel.data

    with_sigmoid, kernel_a = train("sigmoid", lambda output, y: BinaryCrossentropy()(y, output))
    with_logits, kernel_b = train(None, lambda output, y: BinaryCrossentropy(from_logits=True)(y, output))
    assert np.all(np.isfinite(with_sigmoid)) and with_sigmoid[0] > 1.0  # it did start saturated
    np.testing.assert_allclose(with_sigmoid, with_logits, rtol=1e-12)
    np.testing.assert_allclose(kernel_a, kernel_b, rtol=1e-12)


def test_probabilities_not_from_an_activation_are_clipped_as_keras_does():
    with no_grad():
        probs = Tensor(np.array([[60.0]])).sigmoid()  # exactly 1.0, from the tensor method: no logits remembered
    loss = BinaryCrossentropy()(np.array([[0.0]]), probs)
    assert loss.item() == pytest.approx(-np.log(1e-7), rel=1e-6)  # Keras clips p to [1e-7, 1 - 1e-7]


def test_float32_losses_stay_float32():
    logits = Tensor(np.array([[3.0], [-2.0]], dtype=np.float32), requires_grad=True)
    for loss in (
        F.binary_cross_entropy(logits.sigmoid(), np.array([[1.0], [0.0]])),
        F.binary_cross_entropy(Tensor(np.array([[0.3]], dtype=np.float32)), np.array([[1.0]])),
        F.mse_loss(logits, np.zeros((2, 1))),
    ):
        assert loss.dtype == np.float32


# ---------------------------------------------------- reductions and shapes
@pytest.mark.parametrize(
    "loss_function, make_inputs",
    [
        (F.binary_cross_entropy, lambda: (RNG.uniform(0.1, 0.9, (5, 1)), RNG.integers(0, 2, (5, 1)).astype(float))),
        (
            F.binary_cross_entropy_with_logits,
            lambda: (RNG.normal(size=(5, 1)), RNG.integers(0, 2, (5, 1)).astype(float)),
        ),
        (F.mse_loss, lambda: (RNG.normal(size=(5, 2)), RNG.normal(size=(5, 2)))),
    ],
)
def test_reductions_mean_sum_none(loss_function, make_inputs):
    prediction, target = make_inputs()
    each = loss_function(Tensor(prediction), target, reduction="none").data
    assert each.shape == prediction.shape
    assert loss_function(Tensor(prediction), target, reduction="sum").item() == pytest.approx(each.sum(), rel=1e-14)
    assert loss_function(Tensor(prediction), target).item() == pytest.approx(each.mean(), rel=1e-14)
    with pytest.raises(ValueError, match="reduction must be one of"):
        loss_function(Tensor(prediction), target, reduction="average")


def test_a_target_of_another_shape_is_refused_instead_of_broadcast():
    # (n, 1) against (n,) would silently broadcast to (n, n).
    with pytest.raises(ShapeError, match=r"prediction has shape \(4, 1\) but the target has shape \(4,\)"):
        F.binary_cross_entropy(Tensor(np.full((4, 1), 0.5)), np.zeros(4))
    with pytest.raises(ShapeError, match="mse_loss"):
        F.mse_loss(Tensor(np.zeros((4, 1))), np.zeros(4))


def test_mse_loss_value_and_gradient():
    prediction, target = RNG.normal(size=(6, 1)), RNG.normal(size=(6, 1))
    tensor = Tensor(prediction, requires_grad=True)
    loss = F.mse_loss(tensor, target)
    assert loss.item() == pytest.approx(np.mean((prediction - target) ** 2), rel=1e-14)
    loss.backward()
    np.testing.assert_allclose(tensor.grad.data, 2 * (prediction - target) / 6, rtol=1e-13)


# ----------------------------------------------------------- cross-entropy
def test_cross_entropy_with_integer_labels():
    logits = RNG.normal(size=(5, 3))
    labels = np.array([0, 2, 1, 2, 0])
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -log_probs[np.arange(5), labels]
    tensor = Tensor(logits, requires_grad=True)
    loss = F.cross_entropy(tensor, labels)
    assert loss.item() == pytest.approx(expected.mean(), rel=1e-13)
    loss.backward()
    softmax = np.exp(log_probs)
    np.testing.assert_allclose(tensor.grad.data, (softmax - np.eye(3)[labels]) / 5, rtol=1e-12)
    np.testing.assert_allclose(F.cross_entropy(Tensor(logits), labels, reduction="none").data, expected, rtol=1e-13)


def test_cross_entropy_is_stable_for_huge_logits_and_accepts_probability_targets():
    logits = Tensor(np.array([[1000.0, -1000.0, 0.0]]), requires_grad=True)
    loss = F.cross_entropy(logits, np.array([1]))
    assert loss.item() == pytest.approx(2000.0)
    loss.backward()
    assert np.all(np.isfinite(logits.grad.data))
    soft = F.cross_entropy(Tensor(np.zeros((1, 2))), np.array([[0.5, 0.5]]))
    assert soft.item() == pytest.approx(np.log(2))


def test_cross_entropy_refuses_bad_labels():
    with pytest.raises(ValueError, match=r"class labels must lie in \[0, 2\]"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 3]))
    with pytest.raises(ShapeError, match="integer labels of shape"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="must be integers"):
        F.cross_entropy(Tensor(np.zeros((2, 3))), np.array([0.5, 1.0]))


def test_categorical_crossentropy_on_a_softmax_activation_uses_the_logits():
    logits = Tensor(np.array([[800.0, 0.0], [0.0, 3.0]]), requires_grad=True)
    one_hot = np.array([[0.0, 1.0], [0.0, 1.0]])
    loss = CategoricalCrossentropy()(one_hot, F.softmax(logits, dim=-1))
    assert loss.item() == pytest.approx(F.cross_entropy(Tensor(logits.data), np.array([1, 1])).item(), rel=1e-14)
    assert loss.item() == pytest.approx((800.0 + np.log1p(np.exp(-3.0))) / 2, rel=1e-12)
    clipped = SparseCategoricalCrossentropy()(np.array([0]), Tensor(np.array([[0.7, 0.3]])))
    assert clipped.item() == pytest.approx(-np.log(0.7))


# ----------------------------------------------------------- loss modules
def test_loss_modules_match_the_functions_each_in_its_own_order():
    p = RNG.uniform(0.1, 0.9, size=(4, 1))
    z = RNG.normal(size=(4, 1))
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    assert BCELoss()(Tensor(p), y).item() == F.binary_cross_entropy(Tensor(p), y).item()  # (input, target)
    assert BinaryCrossentropy()(y, Tensor(p)).item() == pytest.approx(  # (y_true, y_pred)
        F.binary_cross_entropy(Tensor(p), y).item(), rel=1e-14
    )
    assert BCEWithLogitsLoss()(Tensor(z), y).item() == F.binary_cross_entropy_with_logits(Tensor(z), y).item()
    assert BinaryCrossentropy(from_logits=True, reduction="sum")(y, Tensor(z)).item() == pytest.approx(
        F.binary_cross_entropy_with_logits(Tensor(z), y, reduction="sum").item()
    )
    assert MSELoss()(Tensor(z), y).item() == F.mse_loss(Tensor(z), y).item()
    logits, labels = RNG.normal(size=(4, 3)), np.array([0, 1, 2, 1])
    assert CrossEntropyLoss()(Tensor(logits), labels).item() == F.cross_entropy(Tensor(logits), labels).item()
    assert SparseCategoricalCrossentropy(from_logits=True)(labels, Tensor(logits)).item() == pytest.approx(
        F.cross_entropy(Tensor(logits), labels).item()
    )
    assert CategoricalCrossentropy(from_logits=True)(np.eye(3)[labels], Tensor(logits)).item() == pytest.approx(
        F.cross_entropy(Tensor(logits), labels).item()
    )


def test_a_loss_module_tags_its_tensors_for_the_graph_drawing():
    loss_module = BCELoss()
    loss = loss_module(Tensor(np.full((2, 1), 0.5), requires_grad=True), np.ones((2, 1)))
    assert loss.scope is loss_module and loss_module.name == "bce_loss"


def test_losses_by_name():
    assert isinstance(losses.get("binary_crossentropy"), BinaryCrossentropy)
    assert isinstance(losses.get("mse"), MeanSquaredError)
    assert isinstance(losses.get("mean_squared_error"), MeanSquaredError)
    assert isinstance(losses.get("sparse_categorical_crossentropy"), SparseCategoricalCrossentropy)
    assert isinstance(losses.get("categorical_crossentropy"), CategoricalCrossentropy)
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        losses.get("hinge")


@pytest.mark.parametrize(
    "input, target, dtype, shown",
    [([1.5], [1.0], np.float64, "input should be between 0 and 1 (got 1 outside, e.g. 1.5)"),
     ([0.5], [2.0], np.float64, "target should be between 0 and 1 (got 1 outside, e.g. 2.0)"),
     ([1.1, -0.25], [1.0, 0.0], np.float32, "input should be between 0 and 1 (got 2 outside, e.g. 1.1)")],
)
def test_bce_names_a_value_outside_0_1_as_a_plain_number(input, target, dtype, shown):
    """The message said "e.g. np.float64(1.5)": NumPy's repr of a scalar, not the number a user typed."""
    with pytest.raises(RuntimeError) as error:
        BCELoss()(Tensor(np.array(input, dtype=dtype)), Tensor(np.array(target, dtype=dtype)))
    assert shown in str(error.value)
    assert "np." not in str(error.value)


# ------------------------------------------------ PyTorch's signatures and weights
# The signatures from PyTorch's documentation (torch.nn.functional and torch.nn), in order, with their defaults.
PYTORCH_SIGNATURES = {
    F.cross_entropy: "input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, "
    "reduction='mean', label_smoothing=0.0",
    F.nll_loss: "input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean'",
    F.binary_cross_entropy: "input, target, weight=None, size_average=None, reduce=None, reduction='mean'",
    F.binary_cross_entropy_with_logits: "input, target, weight=None, size_average=None, reduce=None, "
    "reduction='mean', pos_weight=None",
    F.mse_loss: "input, target, size_average=None, reduce=None, reduction='mean', weight=None",
    F.l1_loss: "input, target, size_average=None, reduce=None, reduction='mean', weight=None",
    CrossEntropyLoss: "weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean', "
    "label_smoothing=0.0",
    losses.NLLLoss: "weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean'",
    BCELoss: "weight=None, size_average=None, reduce=None, reduction='mean'",
    BCEWithLogitsLoss: "weight=None, size_average=None, reduce=None, reduction='mean', pos_weight=None",
    MSELoss: "size_average=None, reduce=None, reduction='mean'",
    losses.L1Loss: "size_average=None, reduce=None, reduction='mean'",
}


@pytest.mark.parametrize("function", list(PYTORCH_SIGNATURES), ids=lambda f: f.__name__)
def test_losses_take_pytorchs_arguments_in_pytorchs_order(function):
    import inspect

    parameters = inspect.signature(function).parameters.values()
    positional = [p for p in parameters if p.kind == p.POSITIONAL_OR_KEYWORD and p.name != "self"]
    shown = ", ".join(p.name if p.default is p.empty else f"{p.name}={p.default!r}" for p in positional)
    assert shown == PYTORCH_SIGNATURES[function]


def test_a_positional_none_weight_is_pytorchs_and_a_string_there_is_refused_clearly():
    logits, labels = Tensor(RNG.normal(size=(4, 3))), np.array([0, 2, 1, 2])
    assert F.cross_entropy(logits, labels, None).item() == F.cross_entropy(logits, labels).item()
    for function, target in [(F.cross_entropy, labels), (F.binary_cross_entropy_with_logits, np.ones((4, 3)))]:
        with pytest.raises(TypeError, match="third positional argument is weight; pass the reduction by name"):
            function(logits, target, "sum")
    with pytest.raises(TypeError, match="first positional argument is weight: pass reduction='sum' by name"):
        CrossEntropyLoss("sum")


def log_softmax_np(z, axis=-1):
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def test_class_weights_and_ignore_index_as_pytorchs_formula():
    """l_n = -w[y_n] log p[n, y_n]; "mean" divides by the sum of w[y_n] over the rows not ignored."""
    z, y, w = RNG.normal(size=(5, 3)), np.array([0, 2, -100, 1, 2]), np.array([0.5, 2.0, 1.5])
    logp = log_softmax_np(z)
    kept = y != -100
    per_row = np.where(kept, -w[np.where(kept, y, 0)] * logp[np.arange(5), np.where(kept, y, 0)], 0.0)
    mean = per_row.sum() / w[y[kept]].sum()
    assert F.cross_entropy(Tensor(z), y, weight=w).item() == pytest.approx(mean, rel=1e-12)
    assert CrossEntropyLoss(Tensor(w))(Tensor(z), y).item() == pytest.approx(mean, rel=1e-12)
    assert F.nll_loss(Tensor(logp), y, w).item() == pytest.approx(mean, rel=1e-12)
    assert losses.NLLLoss(w, reduction="sum")(Tensor(logp), y).item() == pytest.approx(per_row.sum(), rel=1e-12)
    np.testing.assert_allclose(F.cross_entropy(Tensor(z), y, w, reduction="none").data, per_row, rtol=1e-12)
    assert gradcheck(lambda x: F.cross_entropy(x, y, weight=w), [z])
    with pytest.raises(ShapeError, match="weight tensor should be defined either for all 3 classes"):
        F.cross_entropy(Tensor(z), y, weight=[1.0, 2.0])


def test_label_smoothing_with_class_weights_as_pytorchs_formula():
    """PyTorch: (1 - s) nll(w) + s/C * sum_n -sum_c w_c log p[n, c], both over the same sum of w[y_n] for "mean"."""
    z, y, w, s = RNG.normal(size=(4, 3)), np.array([1, 0, 2, 2]), np.array([1.0, 3.0, 0.5]), 0.2
    logp = log_softmax_np(z)
    nll = -(w[y] * logp[np.arange(4), y]).sum() / w[y].sum()
    smooth = -(logp * w).sum() / w[y].sum()
    expected = (1 - s) * nll + s / 3 * smooth
    assert F.cross_entropy(Tensor(z), y, w, label_smoothing=s).item() == pytest.approx(expected, rel=1e-12)
    assert gradcheck(lambda x: F.cross_entropy(x, y, w, label_smoothing=s), [z])
    # class probabilities: target (1 - s) q + s / C, weighted per class, "mean" over the rows
    q = RNG.dirichlet(np.ones(3), size=4) * 1.5  # rows need not sum to 1
    smoothed = q * (1 - s) + s / 3
    expected = -(logp * smoothed * w).sum() / 4
    assert F.cross_entropy(Tensor(z), q, w, label_smoothing=s).item() == pytest.approx(expected, rel=1e-12)


def test_the_class_axis_of_a_higher_dimensional_input_is_axis_1_as_pytorch():
    z, y = RNG.normal(size=(2, 3, 4)), RNG.integers(0, 3, size=(2, 4))  # (N, C, d): 3 classes
    logp = log_softmax_np(z, axis=1)
    per_element = -np.take_along_axis(logp, y[:, None, :], axis=1)[:, 0, :]
    np.testing.assert_allclose(F.cross_entropy(Tensor(z), y, reduction="none").data, per_element, rtol=1e-12)
    assert F.nll_loss(Tensor(logp), y).item() == pytest.approx(per_element.mean(), rel=1e-12)
    probabilities = np.moveaxis(np.eye(3)[y], -1, 1)  # (N, C, d) one-hot
    assert F.cross_entropy(Tensor(z), probabilities).item() == pytest.approx(per_element.mean(), rel=1e-12)


def test_binary_cross_entropy_weight_and_pos_weight_as_pytorchs_formula():
    z, y = RNG.normal(size=(4, 3)) * 3, RNG.integers(0, 2, size=(4, 3)).astype(float)
    w, pos = RNG.uniform(0.5, 2, size=(4, 1)), np.array([1.0, 2.0, 3.0])
    p = 1 / (1 + np.exp(-z))
    expected = -(w * (pos * y * np.log(p) + (1 - y) * np.log(1 - p)))
    got = F.binary_cross_entropy_with_logits(Tensor(z), y, w, reduction="none", pos_weight=pos)
    np.testing.assert_allclose(got.data, expected, rtol=1e-10)
    module = BCEWithLogitsLoss(weight=w, pos_weight=pos)
    assert module(Tensor(z), y).item() == pytest.approx(expected.mean(), rel=1e-10)
    assert gradcheck(lambda x: F.binary_cross_entropy_with_logits(x, y, w, pos_weight=pos), [z])
    huge = F.binary_cross_entropy_with_logits(Tensor([[1000.0, -1000.0]]), [[0.0, 1.0]], pos_weight=[2.0, 2.0])
    np.testing.assert_allclose(huge.data, 0.5 * (1000.0 + 2 * 1000.0))
    expected_bce = -(w * (y * np.log(p) + (1 - y) * np.log(1 - p)))
    np.testing.assert_allclose(F.binary_cross_entropy(Tensor(p), y, w, reduction="none").data, expected_bce, rtol=1e-10)
    assert BCELoss(w, reduction="sum")(Tensor(p), y).item() == pytest.approx(expected_bce.sum(), rel=1e-10)


def test_size_average_and_reduce_are_pytorchs_deprecated_reductions():
    x, t = Tensor(RNG.normal(size=(3, 2))), RNG.normal(size=(3, 2))
    squares = (x.data - t) ** 2
    for size_average, reduce, expected in [(False, None, squares.sum()), (None, False, squares), (True, True, None)]:
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated, please use reduction="):
            got = F.mse_loss(x, t, size_average, reduce)
        np.testing.assert_allclose(got.data, squares.mean() if expected is None else expected)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert MSELoss(size_average=False).reduction == "sum"


def test_an_unsupported_weight_is_refused_by_name():
    for function in (F.mse_loss, F.l1_loss):
        with pytest.raises(NotImplementedError, match=f"{function.__name__}: weight is not supported here"):
            function(Tensor([1.0]), [0.0], weight=Tensor([2.0]))


def test_weighted_losses_are_saved_with_their_weights():
    for module in (CrossEntropyLoss([1.0, 2.0], ignore_index=1), BCEWithLogitsLoss(pos_weight=[3.0])):
        again = losses.from_description(losses.describe(module))
        assert type(again) is type(module) and again.get_config() == module.get_config()
