"""Optimizers follow PyTorch's update rules: trajectories on a quadratic equal hand-written updates.

The loss is f(p) = sum(a p^2 / 2 + b p), whose gradient a p + b the engine
computes by backward(); the reference updates below are written from the
algorithms' textbook statements (Adam with bias-corrected m_hat and v_hat),
independently of the implementation's arrangement of the same arithmetic.
"""

import math

import numpy as np
import pytest

from tinygrad_moons import Tensor, optim
from tinygrad_moons.nn import Dense, Sequential

STEPS = 25
RNG = np.random.default_rng(0)
A = RNG.uniform(0.5, 2.0, size=(3, 2))
B = RNG.normal(size=(3, 2))
P0 = RNG.normal(size=(3, 2))


def gradient(p):
    return A * p + B


def engine_trajectory(make_optimizer, steps=STEPS):
    p = Tensor(P0.copy(), requires_grad=True)
    optimizer = make_optimizer([p])
    trajectory = []
    for _ in range(steps):
        loss = (Tensor(A) * p * p * 0.5 + Tensor(B) * p).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        trajectory.append(p.data.copy())
    return np.array(trajectory)


def sgd_reference(lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    p, buffer, trajectory = P0.copy(), None, []
    for _ in range(STEPS):
        g = gradient(p) + weight_decay * p
        if momentum:
            buffer = g.copy() if buffer is None else momentum * buffer + (1 - dampening) * g
            g = g + momentum * buffer if nesterov else buffer
        p = p - lr * g
        trajectory.append(p)
    return np.array(trajectory)


def adam_reference(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    p, m, v, trajectory = P0.copy(), np.zeros_like(P0), np.zeros_like(P0), []
    for t in range(1, STEPS + 1):
        g = gradient(p) + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g**2
        m_hat, v_hat = m / (1 - betas[0] ** t), v / (1 - betas[1] ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        trajectory.append(p)
    return np.array(trajectory)


def rmsprop_reference(lr, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0, centered=False):
    p, v, mean, buffer, trajectory = P0.copy(), np.zeros_like(P0), np.zeros_like(P0), np.zeros_like(P0), []
    for _ in range(STEPS):
        g = gradient(p) + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2
        mean = alpha * mean + (1 - alpha) * g
        denominator = np.sqrt(v - mean**2 if centered else v) + eps
        if momentum:
            buffer = momentum * buffer + g / denominator
            p = p - lr * buffer
        else:
            p = p - lr * g / denominator
        trajectory.append(p)
    return np.array(trajectory)


CASES = [
    ("sgd", lambda ps: optim.SGD(ps, lr=0.1), lambda: sgd_reference(0.1)),
    ("sgd momentum", lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), lambda: sgd_reference(0.1, momentum=0.9)),
    (
        "sgd momentum dampening",
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.5, dampening=0.3),
        lambda: sgd_reference(0.1, momentum=0.5, dampening=0.3),
    ),
    (
        "sgd nesterov",
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
        lambda: sgd_reference(0.1, momentum=0.9, nesterov=True),
    ),
    (
        "sgd weight decay",
        lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.05),
        lambda: sgd_reference(0.1, weight_decay=0.05),
    ),
    (
        "sgd nesterov weight decay",
        lambda ps: optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
        lambda: sgd_reference(0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
    ),
    ("adam", lambda ps: optim.Adam(ps, lr=0.05), lambda: adam_reference(0.05)),
    (
        "adam betas eps",
        lambda ps: optim.Adam(ps, lr=0.05, betas=(0.8, 0.9), eps=1e-4),
        lambda: adam_reference(0.05, betas=(0.8, 0.9), eps=1e-4),
    ),
    (
        "adam weight decay",
        lambda ps: optim.Adam(ps, lr=0.05, weight_decay=0.1),
        lambda: adam_reference(0.05, weight_decay=0.1),
    ),
    ("rmsprop", lambda ps: optim.RMSprop(ps, lr=0.01), lambda: rmsprop_reference(0.01)),
    (
        "rmsprop momentum",
        lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.9),
        lambda: rmsprop_reference(0.01, momentum=0.9),
    ),
    (
        "rmsprop centered weight decay",
        lambda ps: optim.RMSprop(ps, lr=0.01, alpha=0.9, centered=True, weight_decay=0.1),
        lambda: rmsprop_reference(0.01, alpha=0.9, centered=True, weight_decay=0.1),
    ),
]


@pytest.mark.parametrize("name, make_optimizer, reference", CASES, ids=[case[0] for case in CASES])
def test_trajectory_matches_the_closed_form_updates(name, make_optimizer, reference):
    np.testing.assert_allclose(engine_trajectory(make_optimizer), reference(), rtol=1e-12, atol=1e-14)


def test_plain_sgd_converges_to_the_minimum_of_the_quadratic():
    final = engine_trajectory(lambda ps: optim.SGD(ps, lr=0.3), steps=400)[-1]
    np.testing.assert_allclose(final, -B / A, rtol=1e-9)


def test_step_updates_in_place_and_keeps_the_dtype():
    p = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    data = p.data
    for optimizer in (optim.SGD([p], lr=0.1, momentum=0.9), optim.Adam([p]), optim.RMSprop([p], momentum=0.5)):
        (p * p).sum().backward()
        optimizer.step()
        optimizer.zero_grad()
        assert p.data is data and p.data.dtype == np.float32 and p.grad is None


def test_parameters_without_a_gradient_are_left_alone():
    used = Tensor(np.ones(2), requires_grad=True)
    unused = Tensor(np.ones(2), requires_grad=True)
    optimizer = optim.Adam([used, unused], lr=0.1)
    (used * 3).sum().backward()
    optimizer.step()
    assert np.all(unused.data == 1) and np.all(used.data < 1)
    assert optimizer.step_counts == [1, 0]


def test_adam_first_step_moves_each_coordinate_by_lr():
    # m_hat / sqrt(v_hat) = g / |g| on the first step: the famous sign-like first move.
    p = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    optimizer = optim.Adam([p], lr=0.01, eps=0.0)
    (p * Tensor([5.0, 0.1, -7.0])).sum().backward()
    optimizer.step()
    np.testing.assert_allclose(p.data, [1.0 - 0.01, -2.0 - 0.01, 3.0 + 0.01], rtol=1e-12)


def test_learning_rate_can_be_changed_between_steps():
    p = Tensor(np.zeros(1), requires_grad=True)
    optimizer = optim.SGD([p], lr=0.1)
    optimizer.learning_rate = 0.5
    (p * 2).sum().backward()
    optimizer.step()
    assert p.data[0] == pytest.approx(-1.0) and optimizer.lr == 0.5


def test_bad_arguments_are_refused_clearly():
    p = Tensor(np.zeros(1), requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="lr must be a non-negative number"):
        optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="Nesterov momentum needs momentum > 0"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="alpha"):
        optim.RMSprop([p], alpha=1.5)
    with pytest.raises(ValueError, match="leaf tensors that require grad"):
        optim.SGD([Tensor(np.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="appears twice"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(TypeError, match="must be Tensors"):
        optim.SGD([np.zeros(1)], lr=0.1)


def test_an_unbuilt_layer_has_no_parameters_and_the_error_says_what_to_do():
    with pytest.raises(ValueError, match="input_dim"):
        optim.Adam(Dense(3).parameters())


# PyTorch's documented defaults (pytorch.org/docs, torch.optim.SGD / Adam / RMSprop; SGD's lr=1e-3 since 2.x),
# written out here rather than read from our code, so a changed default fails.
PYTORCH_DEFAULTS = {
    "SGD": {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0},
    "Adam": {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0},
    "RMSprop": {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "momentum": 0.0, "weight_decay": 0.0, "centered": False},
}
# Keras' documented defaults (keras.io / tensorflow.org, keras.optimizers.SGD / Adam / RMSprop), in our names:
# learning_rate -> lr, beta_1/beta_2 -> betas, rho -> alpha, epsilon -> eps.
KERAS_DEFAULTS = {
    "sgd": {"lr": 0.01, "momentum": 0.0, "nesterov": False},
    "adam": {"lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-7},
    "rmsprop": {"lr": 1e-3, "alpha": 0.9, "eps": 1e-7, "momentum": 0.0, "centered": False},
}


@pytest.mark.parametrize("class_name", sorted(PYTORCH_DEFAULTS))
def test_the_pytorch_named_classes_have_pytorchs_documented_defaults(class_name):
    assert getattr(optim, class_name)().get_config() == PYTORCH_DEFAULTS[class_name]


@pytest.mark.parametrize("name", sorted(KERAS_DEFAULTS))
def test_optimizers_by_name_have_keras_documented_defaults(name):
    config = optim.get(name).get_config()
    assert {key: config[key] for key in KERAS_DEFAULTS[name]} == KERAS_DEFAULTS[name]
    assert type(optim.get(name.upper())) is type(optim.get(name))


@pytest.mark.parametrize("name", sorted(KERAS_DEFAULTS))
def test_compile_with_an_optimizer_name_gets_keras_defaults(name):
    model = Sequential([Dense(2, input_dim=2)])
    model.compile(loss="mse", optimizer=name)
    config = model.optimizer.get_config()
    assert {key: config[key] for key in KERAS_DEFAULTS[name]} == KERAS_DEFAULTS[name]


def test_a_learning_rate_given_with_a_name_replaces_only_the_rate():
    rmsprop = optim.get("rmsprop", learning_rate=0.02)
    assert (rmsprop.lr, rmsprop.alpha, rmsprop.eps) == (0.02, 0.9, 1e-7)
    assert optim.keras_defaults("SGD") == {"lr": 0.01}
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'"):
        optim.get("adamw")
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'"):
        optim.keras_defaults("adamw")


def test_config_and_repr_show_the_hyperparameters():
    assert "momentum=0.0" in repr(optim.SGD())
    assert math.isclose(optim.Adam(lr=0.5).get_config()["lr"], 0.5)
