"""The course project's hand-derived network: faithful to the course's code, and equal to the autograd engine.

The manual network is the reference the engine is held to. These tests check
three things:

1. ``ManualNetwork`` computes exactly what the course's own code computes (the
   course's functions are copied below, unchanged apart from layout);
2. its hand-derived gradients are the true gradients (finite differences);
3. from the same initial weights, the engine (raw tensors, and ``nn.Sequential``
   trained with SGD) reaches the same parameters after one step and after 100.
"""

import numpy as np
import pytest

from tinygrad_moons import Tensor
from tinygrad_moons.data import make_moons, train_test_split
from tinygrad_moons.reference import COURSE_LAYER_SIZES, ManualNetwork, accuracy, binary_cross_entropy


# ----------------------------------------------------- the course's own code
# Copied from shared/seed/000_457c9cc92cc48b1b.txt (the appendix), docstrings dropped.
def course_sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def course_relu(Z):
    return np.maximum(0, Z)


def course_der_sigmoid(Z):
    return course_sigmoid(Z) * (1 - course_sigmoid(Z))


def course_der_relu(Z):
    return np.sign(np.maximum(0, Z))


def course_map_activation(Z, activation, typ):
    if activation == "relu":
        return course_der_relu(Z) if typ == "backward" else course_relu(Z)
    return course_der_sigmoid(Z) if typ == "backward" else course_sigmoid(Z)


def course_forw_prop(X, parameters, structure):
    storage = {}
    A_c = X
    for idx, layer in enumerate(structure, 1):
        A_p = A_c
        Z_c = np.dot(parameters["W" + str(idx)], A_p) + parameters["b" + str(idx)]
        A_c = course_map_activation(Z_c, layer["activation"], "forward")
        storage["A" + str(idx - 1)] = A_p
        storage["Z" + str(idx)] = Z_c
    return A_c, storage


def course_cost(y_hat, y):
    n = y_hat.shape[1]
    J = -1 / n * (np.dot(y, np.log(y_hat).T) + np.dot(1 - y, np.log(1 - y_hat).T))
    return np.squeeze(J)


def course_acc(y_hat, y):
    y_prob = np.copy(y_hat)
    y_prob[y_prob > 0.5] = 1
    y_prob[y_prob <= 0.5] = 0
    return np.mean((y_prob == y).all(axis=0))


def course_back_prop(y_hat, y, storage, parameters, structure, lr):
    y = y.reshape(y_hat.shape)
    dA_p = -(np.divide(y, y_hat) - np.divide(1 - y, 1 - y_hat))
    for idx, layer in reversed(list(enumerate(structure))):
        dA_c = dA_p
        A_p = storage["A" + str(idx)]
        Z_c = storage["Z" + str(idx + 1)]
        W_c = parameters["W" + str(idx + 1)]
        dZ_c = course_map_activation(Z_c, layer["activation"], "backward") * dA_c
        dW_c = np.dot(dZ_c, A_p.T) / A_p.shape[1]
        db_c = np.sum(dZ_c, axis=1, keepdims=True) / A_p.shape[1]
        dA_p = np.dot(W_c.T, dZ_c)
        parameters["W" + str(idx + 1)] -= lr * dW_c
        parameters["b" + str(idx + 1)] -= lr * db_c
    return parameters


COURSE_STRUCTURE = [
    {"input": n_in, "output": n_out, "activation": "relu" if n_out != 1 else "sigmoid"}
    for n_in, n_out in zip(COURSE_LAYER_SIZES[:-1], COURSE_LAYER_SIZES[1:])
]


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(n_samples=1000, noise=0.1, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    return X_train, y_train


def course_parameters(network):
    parameters = {}
    for index, (W, b) in enumerate(network.get_parameters(), 1):
        parameters[f"W{index}"] = W
        parameters[f"b{index}"] = b
    return parameters


# ----------------------------------------- 1. faithful to the course project
def test_the_course_network_has_5226_parameters():
    network = ManualNetwork(COURSE_LAYER_SIZES, seed=0)
    assert network.n_parameters == 5226
    assert [W.shape for W in network.weights] == [(25, 2), (50, 25), (50, 50), (25, 50), (1, 25)]
    assert [b.shape for b in network.biases] == [(25, 1), (50, 1), (50, 1), (25, 1), (1, 1)]


def test_initialisation_is_the_courses_normal_times_a_tenth_from_a_generator():
    network = ManualNetwork((2, 3, 1), seed=7)
    rng = np.random.default_rng(7)
    expected = [rng.standard_normal((3, 2)) * 0.1, rng.standard_normal((3, 1)) * 0.1]
    expected += [rng.standard_normal((1, 3)) * 0.1, rng.standard_normal((1, 1)) * 0.1]
    actual = [network.weights[0], network.biases[0], network.weights[1], network.biases[1]]
    for a, e in zip(actual, expected):
        np.testing.assert_array_equal(a, e)
    state = np.random.get_state()[1].copy()
    ManualNetwork(seed=1)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # the global state is untouched


@pytest.mark.slow
def test_training_matches_the_courses_code(moons):
    X, y = moons
    network = ManualNetwork(COURSE_LAYER_SIZES, seed=0)
    parameters = course_parameters(network)
    X_columns, y_row = X.T.copy(), y.reshape(1, -1)
    for _ in range(30):
        y_hat_course, storage = course_forw_prop(X_columns, parameters, COURSE_STRUCTURE)
        loss_course, accuracy_course = course_cost(y_hat_course, y_row), course_acc(y_hat_course, y_row)
        course_back_prop(y_hat_course, y_row, storage, parameters, COURSE_STRUCTURE, lr=0.01)
        y_hat = network.step(X, y, lr=0.01)
        # The only differences are σ' from the stored output (one rounding) and
        # ReLU' as a mask (exact); allow a few units in the last place.
        np.testing.assert_allclose(y_hat, y_hat_course, rtol=1e-14, atol=0)
        assert binary_cross_entropy(y_hat, y) == pytest.approx(float(loss_course), rel=1e-13)
        assert accuracy(y_hat, y) == course_acc(y_hat_course, y_row) == accuracy_course
    for index, (W, b) in enumerate(zip(network.weights, network.biases), 1):
        np.testing.assert_allclose(W, parameters[f"W{index}"], rtol=0, atol=1e-15)
        np.testing.assert_allclose(b, parameters[f"b{index}"], rtol=0, atol=1e-15)


# ------------------------------------------ 2. the gradients are the gradients
def test_hand_derived_gradients_match_finite_differences(moons):
    X, y = moons[0][:40], moons[1][:40]
    network = ManualNetwork((2, 5, 4, 1), seed=3)
    gradients = network.backward(network.forward(X), y)

    def loss():
        return binary_cross_entropy(network.predict_proba(X), y)

    step = 1e-6
    for layer, (dW, db) in enumerate(gradients):
        for array, gradient in ((network.weights[layer], dW), (network.biases[layer], db)):
            numeric = np.zeros_like(array)
            for index in np.ndindex(array.shape):
                saved = array[index]
                array[index] = saved + step
                up = loss()
                array[index] = saved - step
                down = loss()
                array[index] = saved
                numeric[index] = (up - down) / (2 * step)
            # central differences: truncation ~h², rounding ~eps/h ~1e-10
            np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-9)


def test_a_saturated_output_gives_a_finite_gradient_not_nan():
    network = ManualNetwork((2, 1), seed=0)
    network.weights[0][:] = 1000.0  # σ(z) rounds to exactly 1.0 for a point far on the positive side
    X, y = np.array([[5.0, 5.0], [-5.0, -5.0]]), np.array([1, 0])
    gradients = network.backward(network.forward(X), y)
    assert all(np.isfinite(dW).all() and np.isfinite(db).all() for dW, db in gradients)
    assert np.isfinite(binary_cross_entropy(network.predict_proba(X), y))


def test_bad_construction_and_training_arguments_are_refused():
    with pytest.raises(ValueError, match="one sigmoid unit"):
        ManualNetwork((2, 3, 2))
    with pytest.raises(ValueError, match="unknown activation 'tanh'"):
        ManualNetwork((2, 3, 1), activations=["tanh", "sigmoid"])
    with pytest.raises(ValueError, match="2 layers need as many activations"):
        ManualNetwork((2, 3, 1), activations=["sigmoid"])
    network = ManualNetwork((2, 3, 1), seed=0)
    with pytest.raises(ValueError, match=r"X must be \(n, 2\)"):
        network.train(np.zeros((5, 3)), np.zeros(5), iterations=1)
    with pytest.raises(ValueError, match="lr must be positive"):
        network.train(np.zeros((5, 2)), np.zeros(5), iterations=1, lr=0)
    with pytest.raises(ValueError, match=r"layer 1 needs W \(3, 2\)"):
        network.set_parameters([(np.zeros((2, 3)), np.zeros(3)), (np.zeros((1, 3)), np.zeros(1))])


def test_train_records_loss_and_accuracy_and_the_callback_can_stop_it(moons):
    X, y = moons
    network = ManualNetwork(COURSE_LAYER_SIZES, seed=0)
    seen = []
    history = network.train(X, y, iterations=50, lr=0.01, callback=lambda i, net: seen.append(i) or i == 20)
    assert seen == list(range(1, 21))
    assert len(history["loss"]) == len(history["accuracy"]) == 20
    assert history["loss"][-1] < history["loss"][0]


def test_float32_network_stays_float32(moons):
    X, y = moons
    network = ManualNetwork(COURSE_LAYER_SIZES, seed=0, dtype=np.float32)
    y_hat = network.step(X.astype(np.float32), y, lr=0.01)
    assert y_hat.dtype == np.float32
    assert all(W.dtype == np.float32 and b.dtype == np.float32 for W, b in zip(network.weights, network.biases))


# --------------------------------------------- 3. the engine agrees, step by step
def engine_step(kernels, biases, X, y, lr):
    """One gradient-descent step written with raw engine tensors (no nn layer involved)."""
    activation = Tensor(X)
    for index, (kernel, bias) in enumerate(zip(kernels, biases)):
        activation = activation @ kernel + bias
        activation = activation.sigmoid() if index == len(kernels) - 1 else activation.relu()
    probabilities = activation.reshape(-1)
    target = Tensor(y.astype(np.float64))
    loss = -(target * probabilities.log() + (1 - target) * (1 - probabilities).log()).mean()
    for parameter in kernels + biases:
        parameter.grad = None
    loss.backward()
    gradients = [(k.grad.data.copy(), b.grad.data.copy()) for k, b in zip(kernels, biases)]
    for parameter in kernels + biases:
        parameter.data -= lr * parameter.grad.data
    return gradients


@pytest.mark.slow
def test_raw_engine_tensors_take_the_same_steps_as_the_manual_network(moons):
    X, y = moons
    network = ManualNetwork(COURSE_LAYER_SIZES, seed=0)
    kernels = [Tensor(W.T.copy(), requires_grad=True) for W in network.weights]
    biases = [Tensor(b.ravel().copy(), requires_grad=True) for b in network.biases]
    gradients_engine = engine_step(kernels, biases, X, y, lr=0.01)
    gradients_manual = network.backward(network.forward(X), y)
    network.apply_gradients(gradients_manual, lr=0.01)
    assert_same_gradients(gradients_manual, gradients_engine)
    assert_same_parameters(network, kernels, biases)
    for _ in range(99):
        engine_step(kernels, biases, X, y, lr=0.01)
        network.step(X, y, lr=0.01)
    assert_same_parameters(network, kernels, biases)


def assert_same_gradients(gradients_manual, gradients_engine):
    """Gradients agree to 1e-12 of their layer's largest entry.

    Both sides compute the same sums in a different order (X·K against W·Xᵀ,
    one fused sigmoid derivative against a chain of ops), so they differ by
    rounding: we observe ~1e-15 relative. An entry much smaller than its
    layer's largest can only be compared to the layer's scale, hence atol.
    """
    for (dW, db), (dkernel, dbias) in zip(gradients_manual, gradients_engine):
        np.testing.assert_allclose(dkernel, dW.T, rtol=1e-12, atol=1e-12 * np.abs(dW).max())
        np.testing.assert_allclose(dbias, db.ravel(), rtol=1e-12, atol=1e-12 * np.abs(db).max())


def assert_same_parameters(network, kernels, biases):
    """Parameters (of size ~0.1-1) agree to 1e-12 absolute.

    Observed: ~2e-18 after one step, ~1e-17 after 100 and ~3e-17 after 1,000;
    each step adds rounding of order lr·|grad|·1e-16, so 1e-12 has a wide
    margin yet would catch any real difference in the mathematics.
    """
    for W, b, kernel, bias in zip(network.weights, network.biases, kernels, biases):
        np.testing.assert_allclose(kernel.data, W.T, rtol=0, atol=1e-12)
        np.testing.assert_allclose(bias.data, b.ravel(), rtol=0, atol=1e-12)


# ------------------------------------- 3b. the same with nn.Sequential and SGD
def sequential_from(network):
    """An nn.Sequential with the manual network's weights: kernel = Wᵀ, bias = b."""
    from tinygrad_moons import nn

    sizes = network.layer_sizes
    model = nn.Sequential(
        [
            nn.Dense(n_out, activation=activation, input_dim=n_in)
            for n_in, n_out, activation in zip(sizes[:-1], sizes[1:], network.activations)
        ]
    )
    for layer, W, b in zip(model, network.weights, network.biases):
        layer.kernel.data[...] = W.T
        layer.bias.data[...] = b.ravel()
    return model


def test_sequential_gradients_equal_the_hand_derived_ones(moons):
    from tinygrad_moons import functional as F

    X, y = moons
    network = ManualNetwork(COURSE_LAYER_SIZES, seed=0)
    model = sequential_from(network)
    loss = F.binary_cross_entropy(model(Tensor(X)), y.reshape(-1, 1).astype(np.float64))
    loss.backward()
    assert loss.item() == pytest.approx(binary_cross_entropy(network.forward(X), y), rel=1e-12)
    gradients_manual = network.backward(network.forward(X), y)
    assert_same_gradients(gradients_manual, [(layer.kernel.grad.data, layer.bias.grad.data) for layer in model])


@pytest.mark.slow
def test_sequential_trained_with_sgd_follows_the_manual_network(moons):
    """One full-batch step of fit() with SGD(lr=0.01) equals one hand-derived step; so do 100."""
    from tinygrad_moons import optim

    X, y = moons
    network = ManualNetwork(COURSE_LAYER_SIZES, seed=0)
    model = sequential_from(network)
    model.compile(loss="binary_crossentropy", optimizer=optim.SGD(lr=0.01), metrics=["accuracy"])
    model.fit(X, y, epochs=1, batch_size=None, shuffle=False, verbose=0)
    network.step(X, y, lr=0.01)
    kernels, biases = [layer.kernel for layer in model], [layer.bias for layer in model]
    assert_same_parameters(network, kernels, biases)
    history = model.fit(X, y, epochs=99, batch_size=None, shuffle=False, verbose=0)
    manual_history = network.train(X, y, iterations=99, lr=0.01)
    assert_same_parameters(network, kernels, biases)
    # fit() reports each epoch's loss from its forward pass, before the update, as the course's loop
    np.testing.assert_allclose(history.history["loss"], manual_history["loss"], rtol=1e-12)
    assert history.history["accuracy"] == manual_history["accuracy"]
