"""Learning-rate schedules: PyTorch's CosineAnnealingLR and Keras' CosineDecay against their documented formulas.

Expected values are computed here from the formulas in PyTorch's and Keras' documentation,
not taken from the implementation:

* CosineAnnealingLR: η_t = η_min + ½ (η_max − η_min) (1 + cos(π t / T_max)), t = last_epoch;
* CosineDecay: s' = min(s, decay_steps), lr = initial · ((1 − alpha) · ½ (1 + cos(π s' / decay_steps)) + alpha),
  after a linear warmup from initial to warmup_target over warmup_steps when warmup_target is given.
"""

import math

import numpy as np
import pytest

from tinygrad_moons import experiment, nn, optim
from tinygrad_moons.lr_scheduler import CosineAnnealingLR, CosineDecay, LearningRateSchedule
from tinygrad_moons.nn.callbacks import EpochScheduler, LearningRateScheduler


def annealed(t, eta_max, eta_min, T_max):
    return eta_min + 0.5 * (eta_max - eta_min) * (1 + math.cos(math.pi * t / T_max))


def keras_cosine(step, initial, decay_steps, alpha=0.0):
    step = min(step, decay_steps)
    return initial * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * step / decay_steps)) + alpha)


def test_optim_re_exports_the_schedulers():
    assert optim.lr_scheduler.CosineAnnealingLR is CosineAnnealingLR
    assert optim.lr_scheduler.CosineDecay is CosineDecay


@pytest.mark.parametrize("T_max, eta_min", [(7, 0.0), (5, 0.001), (1, 0.02)])
def test_cosine_annealing_follows_the_documented_formula_over_three_half_periods(T_max, eta_min):
    optimizer = optim.SGD(lr=0.1)
    scheduler = CosineAnnealingLR(optimizer, T_max=T_max, eta_min=eta_min)
    assert optimizer.lr == scheduler.get_last_lr()[0] == 0.1  # epoch 0: the optimizer's own rate
    for t in range(1, 3 * T_max + 1):  # past T_max it climbs back along the cosine, as PyTorch's does
        scheduler.step()
        assert scheduler.last_epoch == t
        assert scheduler.get_last_lr() == [optimizer.lr]
        assert optimizer.lr == pytest.approx(annealed(t, 0.1, eta_min, T_max), rel=1e-9, abs=1e-15)
    assert optimizer.initial_lr == 0.1 and scheduler.base_lrs == [0.1]


def test_cosine_annealing_carries_a_rate_changed_by_hand_as_pytorch_recursion_does():
    optimizer = optim.SGD(lr=0.1)
    scheduler = CosineAnnealingLR(optimizer, T_max=10)
    scheduler.step()
    optimizer.lr = 0.05  # by hand, between two steps
    scheduler.step()
    ratio = (1 + math.cos(math.pi * 2 / 10)) / (1 + math.cos(math.pi * 1 / 10))
    assert optimizer.lr == pytest.approx(0.05 * ratio, rel=1e-12)


def test_state_dict_resumes_the_schedule_and_last_epoch_resumes_in_closed_form():
    first_optimizer = optim.SGD(lr=0.2)
    first = CosineAnnealingLR(first_optimizer, T_max=8)
    for _ in range(3):
        first.step()
    state = first.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    second_optimizer = optim.SGD(lr=first_optimizer.lr)
    second = CosineAnnealingLR(second_optimizer, T_max=8)
    second.load_state_dict(state)
    for _ in range(3):
        first.step()
        second.step()
        assert second.get_last_lr() == first.get_last_lr()

    resumed_optimizer = optim.SGD(lr=0.123)
    resumed_optimizer.initial_lr = 0.2
    resumed = CosineAnnealingLR(resumed_optimizer, T_max=8, last_epoch=4)  # continues at epoch 5
    assert resumed.last_epoch == 5
    assert resumed_optimizer.lr == pytest.approx(annealed(5, 0.2, 0.0, 8), rel=1e-12)
    with pytest.raises(KeyError, match="initial_lr"):
        CosineAnnealingLR(optim.SGD(lr=0.1), T_max=8, last_epoch=4)


@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_cosine_decay_follows_the_documented_formula_and_stays_at_its_end(alpha):
    schedule = CosineDecay(0.05, decay_steps=12, alpha=alpha)
    for step in range(30):
        assert schedule(step) == pytest.approx(keras_cosine(step, 0.05, 12, alpha), rel=1e-12, abs=1e-15)
    assert schedule(12) == schedule(29) == pytest.approx(0.05 * alpha, abs=1e-15)


def test_cosine_decay_warms_up_linearly_then_decays_from_the_target():
    schedule = CosineDecay(0.0, decay_steps=10, warmup_target=0.1, warmup_steps=4)
    for step in range(4):
        assert schedule(step) == pytest.approx(0.1 * step / 4, rel=1e-12)
    for step in range(4, 20):
        assert schedule(step) == pytest.approx(keras_cosine(step - 4, 0.1, 10), rel=1e-12, abs=1e-15)


def test_cosine_decay_config_round_trips():
    schedule = CosineDecay(0.01, 100, alpha=0.2, warmup_target=0.02, warmup_steps=5)
    config = schedule.get_config()
    assert config == {
        "initial_learning_rate": 0.01,
        "decay_steps": 100,
        "alpha": 0.2,
        "name": "CosineDecay",
        "warmup_target": 0.02,
        "warmup_steps": 5,
    }
    again = CosineDecay.from_config(config)
    assert [again(s) for s in range(0, 120, 7)] == [schedule(s) for s in range(0, 120, 7)]
    assert isinstance(schedule, LearningRateSchedule)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: CosineAnnealingLR(optim.SGD(lr=0.1), T_max=0), "T_max must be a positive integer"),
        (lambda: CosineAnnealingLR(optim.SGD(lr=0.1), T_max=3, eta_min=-1), "eta_min must be a non-negative"),
        (lambda: CosineDecay(0.1, decay_steps=0), "decay_steps must be a positive integer"),
        (lambda: CosineDecay(0.1, decay_steps=5, warmup_target=0.2), "warmup_target needs warmup_steps > 0"),
        (lambda: CosineDecay(-0.1, decay_steps=5), "initial_learning_rate must be a non-negative"),
        (lambda: CosineDecay(0.1, decay_steps=5)(-1), "step must be >= 0"),
        (lambda: CosineAnnealingLR(optim.SGD(lr=CosineDecay(0.1, 5)), T_max=3), "already follows a Keras schedule"),
        (lambda: optim.lr_scheduler.get("warmup_cosine"), "cosine_annealing"),
    ],
)
def test_bad_arguments_are_named(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_the_registry_builds_both_kinds_by_name():
    assert optim.lr_scheduler.names() == ["cosine_annealing", "cosine_decay"]
    optimizer = optim.Adam(lr=0.01)
    scheduler = optim.lr_scheduler.get("cosine_annealing")(optimizer, T_max=4)
    assert isinstance(scheduler, CosineAnnealingLR)
    assert optim.lr_scheduler.get("Cosine_Decay")(0.01, 4)(2) == pytest.approx(keras_cosine(2, 0.01, 4))


def _moons_model(seed=0):
    model = nn.Sequential([nn.Dense(8, activation="relu", input_dim=2), nn.Dense(1, activation="sigmoid")], seed=seed)
    X = np.random.default_rng(1).normal(size=(96, 2))
    return model, X, (X[:, 0] * X[:, 1] > 0).astype(np.float64)


@pytest.mark.parametrize("jit_compile", [True, False])
def test_a_keras_schedule_given_to_compile_sets_the_rate_of_every_update(jit_compile):
    schedule = CosineDecay(0.05, decay_steps=10, alpha=0.1)
    model, X, y = _moons_model()
    model.compile(optimizer="adam", learning_rate=schedule, loss="binary_crossentropy", jit_compile=jit_compile)
    used = []
    record = nn.LambdaCallback(on_batch_end=lambda batch, logs: used.append(model.optimizer.lr))
    model.fit(X, y, epochs=4, batch_size=32, verbose=0, seed=0, callbacks=[record])
    assert model.optimizer.iterations == 12
    np.testing.assert_allclose(used, [keras_cosine(step, 0.05, 10, 0.1) for step in range(12)], rtol=1e-12)


def test_the_compiled_step_follows_the_schedule_as_the_eager_one_does():
    weights = []
    for jit_compile in (True, False):
        model, X, y = _moons_model()
        model.compile(optimizer=optim.SGD(lr=CosineDecay(0.5, 9)), loss="binary_crossentropy", jit_compile=jit_compile)
        model.fit(X, y, epochs=3, batch_size=32, verbose=0, seed=0)
        weights.append([p.data.copy() for p in model.parameters()])
    constant, X, y = _moons_model()
    constant.compile(optimizer=optim.SGD(lr=0.5), loss="binary_crossentropy")
    constant.fit(X, y, epochs=3, batch_size=32, verbose=0, seed=0)
    for compiled, eager in zip(*weights):
        np.testing.assert_allclose(compiled, eager, rtol=1e-12, atol=1e-14)
    assert not all(np.allclose(a, p.data) for a, p in zip(weights[0], constant.parameters()))  # the schedule mattered


def test_keras_learning_rate_scheduler_callback_sets_each_epochs_rate():
    model, X, y = _moons_model()
    model.compile(optimizer=optim.SGD(lr=0.1), loss="binary_crossentropy")
    history = model.fit(X, y, epochs=4, verbose=0, callbacks=[LearningRateScheduler(lambda epoch, lr: lr * 0.5)])
    assert model.history is history
    assert model.optimizer.lr == pytest.approx(0.1 * 0.5**4)
    with pytest.raises(ValueError, match="should be a float"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda epoch, lr: "fast")])


def test_the_cosine_recipe_steps_cosine_annealing_once_per_epoch():
    recipe = experiment.DEFAULT.replace(epochs=6)
    rates = []
    record = nn.LambdaCallback(on_epoch_begin=lambda epoch, logs: rates.append(record.model.optimizer.lr))
    experiment.train(recipe, callbacks=[record])
    expected = [annealed(epoch, recipe.learning_rate, 0.0, recipe.epochs) for epoch in range(recipe.epochs)]
    np.testing.assert_allclose(rates, expected, rtol=1e-9, atol=1e-15)


def test_epoch_scheduler_steps_a_pytorch_scheduler_after_every_epoch_of_fit():
    model, X, y = _moons_model()
    model.compile(optimizer=optim.SGD(lr=0.3), loss="binary_crossentropy")
    scheduler = CosineAnnealingLR(model.optimizer, T_max=3)
    seen = []
    grab = nn.LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(model.optimizer.lr))
    model.fit(X, y, epochs=3, verbose=0, callbacks=[EpochScheduler(scheduler), grab])
    np.testing.assert_allclose(seen, [annealed(t, 0.3, 0.0, 3) for t in range(3)], rtol=1e-9)
    assert scheduler.last_epoch == 3
