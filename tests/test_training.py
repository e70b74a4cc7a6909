"""Keras-style training: compile/fit/evaluate/predict, callbacks, reproducibility and bad input."""

import re

import numpy as np
import pytest
import tqdm
import tqdm.auto
import tqdm.std
from sklearn.datasets import make_moons

from tinygrad_moons import Tensor, optim
from tinygrad_moons import functional as F
from tinygrad_moons.nn import (
    BCEWithLogitsLoss,
    BinaryCrossentropy,
    Callback,
    Dense,
    EarlyStopping,
    LambdaCallback,
    Model,
    ReLU,
    Sequential,
)

X_ALL, Y_ALL = make_moons(n_samples=300, noise=0.1, random_state=0)
X_TRAIN, Y_TRAIN, X_TEST, Y_TEST = X_ALL[:240], Y_ALL[:240], X_ALL[240:], Y_ALL[240:]


def small_model(seed=0, dtype="float64", **compile_options):
    model = Sequential(
        [
            Dense(16, activation="relu", input_dim=2, dtype=dtype),
            Dense(16, activation="relu", dtype=dtype),
            Dense(1, activation="sigmoid", dtype=dtype),
        ],
        seed=seed,
    )
    options = {"loss": "binary_crossentropy", "optimizer": optim.Adam(lr=0.02), "metrics": ["accuracy"]}
    options.update(compile_options)
    model.compile(**options)
    return model


# ------------------------------------------------------------------ fit
def test_the_seeds_keras_code_runs_with_only_its_imports_changed():
    import tinygrad_moons.nn as keras
    from tinygrad_moons.nn import Dense, Sequential

    frames = []

    def keras_viz(epoch, logs):
        frames.append((epoch, model.predict_proba(np.zeros((4, 2)), batch_size=32, verbose=0).shape))

    model = Sequential()
    model.add(Dense(25, input_dim=2, activation="relu"))
    model.add(Dense(50, activation="relu"))
    model.add(Dense(50, activation="relu"))
    model.add(Dense(25, activation="relu"))
    model.add(Dense(25, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="sgd", metrics="accuracy")
    keras_visual = keras.callbacks.LambdaCallback(on_epoch_end=keras_viz)
    model.fit(X_TRAIN, Y_TRAIN, epochs=3, verbose=0, callbacks=[keras_visual])
    loss, accuracy = model.evaluate(X_TEST, Y_TEST, verbose=0)
    assert frames == [(0, (4, 1)), (1, (4, 1)), (2, (4, 1))]
    assert np.isfinite(loss) and 0 <= accuracy <= 1
    assert f"Testing Accuracy: {round(accuracy * 100, 3)}"


def test_fit_learns_the_moons_and_reports_history():
    model = small_model()
    history = model.fit(X_TRAIN, Y_TRAIN, epochs=30, batch_size=32, validation_data=(X_TEST, Y_TEST), verbose=0, seed=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.epoch == list(range(30)) and model.history is history
    assert all(len(values) == 30 for values in history.history.values())
    assert history.history["loss"][-1] < history.history["loss"][0] / 5
    assert history.history["accuracy"][-1] > 0.97 and history.history["val_accuracy"][-1] > 0.97
    loss, accuracy = model.evaluate(X_TEST, Y_TEST)
    assert loss == pytest.approx(history.history["val_loss"][-1], rel=1e-12)
    assert accuracy == history.history["val_accuracy"][-1]


def test_the_epoch_loss_is_the_average_of_the_batch_losses_before_each_update():
    model = small_model()
    batch_losses = []
    model.fit(
        X_TRAIN, Y_TRAIN, epochs=1, batch_size=50, verbose=0, seed=1,
        callbacks=[LambdaCallback(on_batch_end=lambda batch, logs: batch_losses.append((logs["loss"], logs["size"])))],
    )  # fmt: skip
    assert [size for _, size in batch_losses] == [50, 50, 50, 50, 40]
    expected = sum(loss * size for loss, size in batch_losses) / 240
    assert model.history.history["loss"][0] == pytest.approx(expected, rel=1e-14)


def test_full_batch_fit_equals_the_explicit_pytorch_style_loop():
    keras_style = small_model(optimizer="sgd")
    keras_style.fit(X_TRAIN, Y_TRAIN, epochs=5, batch_size=None, verbose=0)
    torch_style = small_model(optimizer="sgd")
    optimizer = optim.SGD(torch_style.parameters(), lr=0.01)
    for _ in range(5):
        loss = BinaryCrossentropy()(Y_TRAIN.reshape(-1, 1), torch_style(Tensor(X_TRAIN)))  # the loss fit uses
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    for (name, p), (_, q) in zip(keras_style.named_parameters(), torch_style.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_batch_size_at_least_the_data_is_full_batch():
    a, b = small_model(), small_model()
    a.fit(X_TRAIN, Y_TRAIN, epochs=3, batch_size=None, verbose=0)
    b.fit(X_TRAIN, Y_TRAIN, epochs=3, batch_size=10_000, verbose=0)
    np.testing.assert_array_equal(a.predict(X_TEST), b.predict(X_TEST))


def test_same_seed_gives_bit_identical_results_and_another_seed_does_not():
    def run(shuffle_seed):
        model = small_model(seed=4)
        history = model.fit(X_TRAIN, Y_TRAIN, epochs=4, batch_size=16, verbose=0, seed=shuffle_seed)
        return history.history["loss"], model.state_dict()

    loss_a, state_a = run(7)
    loss_b, state_b = run(7)
    loss_c, _ = run(8)
    assert loss_a == loss_b
    for name in state_a:
        np.testing.assert_array_equal(state_a[name], state_b[name], err_msg=name)
    assert loss_a != loss_c


def test_a_seeded_model_fits_reproducibly_without_a_fit_seed():
    first, second = small_model(seed=9), small_model(seed=9)
    h1 = first.fit(X_TRAIN, Y_TRAIN, epochs=2, batch_size=16, verbose=0)
    h2 = second.fit(X_TRAIN, Y_TRAIN, epochs=2, batch_size=16, verbose=0)
    assert h1.history["loss"] == h2.history["loss"]


def test_shuffle_false_keeps_the_order():
    a, b = small_model(), small_model()
    a.fit(X_TRAIN, Y_TRAIN, epochs=2, batch_size=16, shuffle=False, verbose=0, seed=1)
    b.fit(X_TRAIN, Y_TRAIN, epochs=2, batch_size=16, shuffle=False, verbose=0, seed=2)
    np.testing.assert_array_equal(a.predict(X_TEST), b.predict(X_TEST))


def test_labels_of_shape_n_and_n_by_1_train_identically():
    a, b = small_model(), small_model()
    a.fit(X_TRAIN, Y_TRAIN, epochs=2, verbose=0, seed=0)
    b.fit(X_TRAIN, Y_TRAIN.reshape(-1, 1).astype(np.float32), epochs=2, verbose=0, seed=0)
    assert a.history.history == b.history.history


def test_float32_model_trains_in_float32_and_other_inputs_are_cast():
    model = small_model(dtype="float32")
    seen = []
    model.fit(
        X_TRAIN.astype(np.float64), Y_TRAIN, epochs=1, verbose=0,
        callbacks=[LambdaCallback(on_epoch_end=lambda e, logs: seen.extend(p.dtype for p in model.parameters()))],
    )  # fmt: skip
    assert set(seen) == {np.dtype(np.float32)}
    assert model.predict(X_TEST).dtype == np.float32
    assert model.predict(X_TEST.astype(np.float32)).dtype == np.float32
    assert small_model().predict(np.array([[0, 1], [1, 0]])).dtype == np.float64  # integers become the model's dtype


def test_validation_split_takes_the_last_rows():
    model = small_model()
    history = model.fit(X_TRAIN, Y_TRAIN, epochs=1, validation_split=0.25, verbose=0)
    loss, accuracy = model.evaluate(X_TRAIN[180:], Y_TRAIN[180:])
    assert history.history["val_loss"][0] == pytest.approx(loss, rel=1e-12)


def test_string_optimizers_get_keras_learning_rates_and_learning_rate_overrides():
    model = small_model(optimizer="sgd")
    assert isinstance(model.optimizer, optim.SGD) and model.optimizer.lr == 0.01
    assert len(model.optimizer.params) == 6
    model.compile(optimizer="adam", learning_rate=0.05)
    assert isinstance(model.optimizer, optim.Adam) and model.optimizer.lr == 0.05


def test_an_optimizer_without_parameters_gets_the_models_at_fit():
    # The second layer is built at add() (its input width, 4, is known); the first only at fit.
    model = Sequential([Dense(4, activation="relu"), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer=optim.SGD(lr=0.1, momentum=0.9), metrics="accuracy")
    assert [p.name for p in model.optimizer.params] == ["dense_2.kernel", "dense_2.bias"]
    model.fit(X_TRAIN, Y_TRAIN, epochs=1, verbose=0)
    assert [p.name for p in model.optimizer.params] == [
        "dense_2.kernel",
        "dense_2.bias",
        "dense_1.kernel",
        "dense_1.bias",
    ]
    assert model.input_dim == 2
    first_kernel = model[0].kernel.data.copy()
    model.fit(X_TRAIN, Y_TRAIN, epochs=1, verbose=0)
    assert not np.array_equal(model[0].kernel.data, first_kernel)  # the lazily built layer trains too


def test_compile_without_metrics_makes_evaluate_return_the_loss_alone():
    model = small_model(metrics=None)
    model.fit(X_TRAIN, Y_TRAIN, epochs=1, verbose=0)
    assert set(model.history.history) == {"loss"}
    assert isinstance(model.evaluate(X_TEST, Y_TEST), float)
    assert set(model.evaluate(X_TEST, Y_TEST, return_dict=True)) == {"loss"}


def test_a_custom_metric_function():
    def error_rate(y_true, y_pred):
        return float(np.mean((y_pred > 0.5) != (y_true > 0.5)))

    model = small_model(metrics=["accuracy", error_rate])
    history = model.fit(X_TRAIN, Y_TRAIN, epochs=2, verbose=0, seed=0)
    for accuracy, error in zip(history.history["accuracy"], history.history["error_rate"]):
        assert accuracy + error == pytest.approx(1.0)


def test_accuracy_of_a_logits_model_thresholds_at_zero():
    # given as the loss module or as the plain function: both are read as logits
    for loss in (BCEWithLogitsLoss(), F.binary_cross_entropy_with_logits):
        model = Sequential([Dense(16, activation="relu", input_dim=2), Dense(1)], seed=0)
        model.compile(loss=loss, optimizer=optim.Adam(lr=0.02), metrics="accuracy")
        model.fit(X_TRAIN, Y_TRAIN, epochs=30, verbose=0, seed=0)
        logits = model.predict(X_TEST)
        assert logits.min() < 0  # logits, not probabilities
        _, accuracy = model.evaluate(X_TEST, Y_TEST)
        assert accuracy == np.mean((logits[:, 0] > 0) == (Y_TEST == 1))
        assert accuracy > 0.95


def test_multiclass_with_sparse_labels():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=150, centers=3, random_state=0)
    model = Sequential([Dense(16, activation="relu", input_dim=2), Dense(3, activation="softmax")], seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optim.Adam(lr=0.05), metrics="accuracy")
    history = model.fit(X, y, epochs=20, verbose=0, seed=0)
    assert history.history["accuracy"][-1] > 0.9
    assert model.predict(X).shape == (150, 3)
    np.testing.assert_allclose(model.predict(X).sum(axis=1), 1.0, rtol=1e-12)
    with pytest.raises(ValueError, match=r"one integer class label per sample in \[0, 2\]"):
        model.fit(X, y + 1, verbose=0)


def test_mse_regression_fit():
    X = np.linspace(-1, 1, 64).reshape(-1, 1)
    y = 3 * X[:, 0] - 1
    model = Sequential([Dense(1, input_dim=1)], seed=0)
    model.compile(loss="mse", optimizer=optim.SGD(lr=0.3))
    model.fit(X, y, epochs=200, batch_size=None, verbose=0)
    np.testing.assert_allclose(model[0].kernel.data, [[3.0]], rtol=1e-6)
    np.testing.assert_allclose(model[0].bias.data, [-1.0], atol=1e-6)


def test_a_custom_model_subclass_can_fit():
    class Net(Model):
        def __init__(self):
            super().__init__()
            self.hidden = Dense(8, activation="relu", seed=0)
            self.out = Dense(1, activation="sigmoid", seed=1)

        def forward(self, x):
            return self.out(self.hidden(x))

    net = Net()
    net.compile(optimizer=optim.Adam(lr=0.02), metrics="accuracy")
    net.fit(X_TRAIN, Y_TRAIN, epochs=15, verbose=0, seed=0)
    assert net.evaluate(X_TEST, Y_TEST)[1] > 0.9
    assert [name for name, _ in net.named_parameters()] == ["hidden.kernel", "hidden.bias", "out.kernel", "out.bias"]
    lines = []
    net.summary(print_fn=lines.append)
    assert "hidden (Dense)" in lines[0] and "Total params: 33 " in lines[0]


# ------------------------------------------------------------ predict
def test_predict_returns_probabilities_of_shape_n_by_units():
    model = small_model()
    probabilities = model.predict(X_TEST)
    assert isinstance(probabilities, np.ndarray) and probabilities.shape == (60, 1)
    assert np.all((probabilities > 0) & (probabilities < 1))
    np.testing.assert_allclose(model.predict(X_TEST, batch_size=7), probabilities, rtol=1e-15)
    assert model.training  # predict does not leave the model in eval mode


def test_predict_builds_a_lazy_model_from_the_data():
    model = Sequential([Dense(3), Dense(1, activation="sigmoid")], seed=0)
    assert model.predict(np.ones((5, 4))).shape == (5, 1)
    assert model[0].kernel.shape == (4, 3)


# ------------------------------------------------------------ callbacks
def test_callback_hooks_run_in_order_with_logs():
    events = []

    class Recorder(Callback):
        def on_train_begin(self, logs=None):
            events.append(("train_begin", self.model is model, self.params["epochs"], self.params["steps"]))

        def on_epoch_begin(self, epoch, logs=None):
            events.append(("epoch_begin", epoch))

        def on_batch_end(self, batch, logs=None):
            events.append(("batch_end", batch, logs["size"]))

        def on_epoch_end(self, epoch, logs=None):
            events.append(("epoch_end", epoch, sorted(logs)))

        def on_train_end(self, logs=None):
            events.append(("train_end",))

    model = small_model()
    model.fit(X_TRAIN[:100], Y_TRAIN[:100], epochs=2, batch_size=64, validation_data=(X_TEST, Y_TEST),
              verbose=0, callbacks=[Recorder()])  # fmt: skip
    logs_keys = ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert events == [
        ("train_begin", True, 2, 2),
        ("epoch_begin", 0), ("batch_end", 0, 64), ("batch_end", 1, 36), ("epoch_end", 0, logs_keys),
        ("epoch_begin", 1), ("batch_end", 0, 64), ("batch_end", 1, 36), ("epoch_end", 1, logs_keys),
        ("train_end",),
    ]  # fmt: skip


def test_stop_training_from_a_callback_ends_fit():
    model = small_model()

    def stop_at_two(epoch, logs):
        if epoch == 2:
            model.stop_training = True

    history = model.fit(X_TRAIN, Y_TRAIN, epochs=50, verbose=0, callbacks=[LambdaCallback(on_epoch_end=stop_at_two)])
    assert history.epoch == [0, 1, 2]


def test_stop_training_from_a_batch_hook_ends_the_epoch_early():
    model = small_model()
    batches = []

    def stop_after_three(batch, logs):
        batches.append(batch)
        if batch == 2:
            model.stop_training = True

    model.fit(X_TRAIN, Y_TRAIN, epochs=5, batch_size=16, verbose=0,
              callbacks=[LambdaCallback(on_batch_end=stop_after_three)])  # fmt: skip
    assert batches == [0, 1, 2] and model.history.epoch == [0]


def test_early_stopping_waits_patience_epochs_and_restores_the_best_weights():
    model = small_model(optimizer=optim.SGD(lr=0.0))  # nothing changes: no epoch ever improves on the first
    stopper = EarlyStopping(monitor="loss", patience=3, restore_best_weights=True)
    history = model.fit(X_TRAIN, Y_TRAIN, epochs=50, verbose=0, callbacks=[stopper])
    assert history.epoch == [0, 1, 2, 3] and stopper.stopped_epoch == 3 and stopper.best_epoch == 0

    values = iter([5.0, 4.0, 4.5, 3.0, 3.5, 3.6, 3.7, 1.0])
    snapshots = []

    class FakeLoss(Callback):
        # runs before EarlyStopping: replaces the monitored value and remembers the weights of each epoch
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = next(values)
            snapshots.append(self.model.state_dict())

    model = small_model()
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(X_TRAIN, Y_TRAIN, epochs=8, verbose=0, callbacks=[FakeLoss(), stopper])
    assert history.epoch == [0, 1, 2, 3, 4, 5]  # best at epoch 3 (3.0), then two epochs without improvement
    assert stopper.best_epoch == 3 and stopper.best == 3.0
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, snapshots[3][name], err_msg=name)


def test_early_stopping_min_delta_and_mode_max():
    stopper = EarlyStopping(monitor="val_accuracy", min_delta=0.1, patience=1)
    assert stopper.mode == "max"
    stopper.set_model(small_model())
    stopper.on_train_begin()
    stopper.model.stop_training = False
    for epoch, value in enumerate([0.5, 0.55, 0.58]):  # +0.05 is not an improvement of more than 0.1
        stopper.on_epoch_end(epoch, {"val_accuracy": value})
        if stopper.model.stop_training:
            break
    assert stopper.stopped_epoch == 1 and stopper.best == 0.5


def test_early_stopping_without_the_monitored_value_warns_and_does_not_stop():
    model = small_model()
    with pytest.warns(UserWarning, match="no 'val_loss'"):
        history = model.fit(X_TRAIN, Y_TRAIN, epochs=3, verbose=0, callbacks=[EarlyStopping(patience=0)])
    assert history.epoch == [0, 1, 2]


# ------------------------------------------------------------- progress
def test_verbose_1_shows_a_progress_bar_and_verbose_0_is_silent(capsys):
    model = small_model()
    model.fit(X_TRAIN, Y_TRAIN, epochs=3, verbose=0)
    assert capsys.readouterr() == ("", "")
    model.fit(X_TRAIN, Y_TRAIN, epochs=3, verbose=1)
    err = capsys.readouterr().err
    assert "3/3" in err and "loss:" in err and "accuracy:" in err and "epoch" in err


class DrawsEveryUpdate(tqdm.std.tqdm):
    """tqdm with its throttling off: it redraws on every update, so each frame shows what the bar held then."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, mininterval=0, miniters=1, **kwargs)


def test_every_frame_of_the_bar_shows_the_metrics_of_its_own_epoch(capsys, monkeypatch):
    """Issue 14: at epoch 28 of 50 the bar still showed epoch 1's loss (0.5974 against ~0.07).

    With tqdm redrawing at every update, the frame drawn at "k/30" must carry the
    logs of epoch k, as the History recorded them.
    """
    for module in (tqdm, tqdm.auto):
        monkeypatch.setattr(module, "tqdm", DrawsEveryUpdate)
    model = small_model()
    history = model.fit(X_TRAIN, Y_TRAIN, epochs=30, verbose=1, seed=0)
    frames = re.findall(r"(\d+)/30 \[[^\]]*?, (loss: [^\]]*)\]", capsys.readouterr().err)
    shown = {int(count): postfix for count, postfix in frames}
    assert sorted(shown) == list(range(1, 31))  # a frame for every epoch (plus the one drawn at close)
    for epoch in range(30):
        logs = {key: values[epoch] for key, values in history.history.items()}
        assert shown[epoch + 1] == " - ".join(f"{key}: {value:.4f}" for key, value in logs.items()), epoch
    assert len({postfix for _, postfix in frames}) > 20  # the loss moves: the frames are not one repeated text


def test_the_bar_is_tqdm_autos_so_a_notebook_gets_a_widget(monkeypatch):
    """tqdm.auto picks tqdm.notebook's widget inside Jupyter and the text bar elsewhere; fit must go through it."""
    made = []

    class Recording(tqdm.std.tqdm):
        def __init__(self, *args, **kwargs):
            made.append(kwargs)
            super().__init__(*args, disable=True, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recording)
    small_model().fit(X_TRAIN, Y_TRAIN, epochs=2, verbose=1)
    assert [kwargs["total"] for kwargs in made] == [2]
    assert "mininterval" not in made[0] and "miniters" not in made[0]  # tqdm's own throttling, not ours


def test_verbose_2_prints_one_line_per_epoch(capsys):
    small_model().fit(X_TRAIN, Y_TRAIN, epochs=2, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" - ")[0] for line in lines] == ["Epoch 1/2", "Epoch 2/2"]


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "x, y, options, error, message",
    [
        (X_TRAIN, Y_TRAIN[:-1], {}, ValueError, "x has 240 samples but y has 239 samples"),
        (np.where(np.arange(480).reshape(240, 2) == 7, np.nan, X_TRAIN), Y_TRAIN, {}, ValueError,
         r"x contains 1 NaN or infinite value\(s\), the first at index \(3, 1\)"),
        (np.where(np.arange(480).reshape(240, 2) == 0, np.inf, X_TRAIN), Y_TRAIN, {}, ValueError, "NaN or infinite"),
        (X_TRAIN, np.where(np.arange(240) == 5, 2, Y_TRAIN), {}, ValueError, "needs labels 0 and 1, but y contains 2"),
        (X_TRAIN, Y_TRAIN * 2.0 - 1.0, {}, ValueError, "needs labels 0 and 1, but y contains -1"),
        (np.hstack([X_TRAIN, X_TRAIN]), Y_TRAIN, {}, ValueError, "x has 4 features per sample but the model expects 2"),
        (X_TRAIN[:0], Y_TRAIN[:0], {}, ValueError, "x is empty"),
        (X_TRAIN[:, 0], Y_TRAIN, {}, ValueError, r"x must be a 2-D array \(samples, features\), got shape \(240,\)"),
        (X_TRAIN, Y_TRAIN, {"batch_size": 0}, ValueError, "batch_size must be a positive integer or None"),
        (X_TRAIN, Y_TRAIN, {"batch_size": -3}, ValueError, "batch_size must be a positive integer"),
        (X_TRAIN, Y_TRAIN, {"batch_size": 2.5}, ValueError, "batch_size must be a positive integer"),
        (X_TRAIN, Y_TRAIN, {"epochs": -1}, ValueError, "epochs must be a non-negative integer"),
        (X_TRAIN.astype(str), Y_TRAIN, {}, TypeError, "x must hold numbers"),
        (X_TRAIN, np.stack([Y_TRAIN, Y_TRAIN], axis=1), {}, ValueError, r"y must have shape \(240, 1\)"),
        (X_TRAIN, Y_TRAIN, {"validation_data": (X_TEST, Y_TEST[:5])}, ValueError,
         r"fit \(validation_data\): x has 60 samples but y has 5"),
        (X_TRAIN, Y_TRAIN, {"validation_data": X_TEST}, ValueError, "validation_data must be a pair"),
        (X_TRAIN, Y_TRAIN, {"callbacks": [print]}, TypeError, "callbacks must be a list of Callback instances"),
    ],
)  # fmt: skip
def test_fit_refuses_bad_input_with_a_clear_message(x, y, options, error, message):
    model = small_model()
    before = model.state_dict()
    with pytest.raises(error, match=message):
        model.fit(x, y, verbose=0, **options)
    for name, value in model.state_dict().items():  # nothing was trained
        np.testing.assert_array_equal(value, before[name])


def test_fit_and_evaluate_need_compile():
    model = Sequential([Dense(1, activation="sigmoid", input_dim=2)])
    with pytest.raises(RuntimeError, match=r"must be compiled first: call model.compile"):
        model.fit(X_TRAIN, Y_TRAIN, verbose=0)
    with pytest.raises(RuntimeError, match="compiled first"):
        model.evaluate(X_TEST, Y_TEST)


def test_predict_proba_is_old_keras_predict_checked_to_be_probabilities():
    """Keras 2's Sequential.predict_proba (the course's code calls it): predict's (samples, units), not scikit-learn's
    (samples, n_classes); values outside [0, 1] are refused where Keras only logged a warning."""
    model = small_model()
    probabilities = model.predict_proba(X_TEST, batch_size=32, verbose=0)
    assert probabilities.shape == (len(X_TEST), 1)
    np.testing.assert_array_equal(probabilities, model.predict(X_TEST))
    logits = Sequential([Dense(1, input_dim=2)], seed=0)
    with pytest.raises(ValueError, match=r"predict_proba: .*outside \[0, 1\], so not probabilities.*sigmoid"):
        logits.predict_proba(X_TEST * 100)
    assert logits.predict(X_TEST * 100).min() < 0  # predict gives the raw outputs


def test_predict_on_a_model_without_layers_or_with_bad_input():
    with pytest.raises(RuntimeError, match="no layers"):
        Sequential().predict(X_TEST)
    model = small_model()
    with pytest.raises(ValueError, match="x has 3 features per sample but the model expects 2"):
        model.predict(np.ones((4, 3)))
    with pytest.raises(ValueError, match="NaN"):
        model.predict(np.array([[np.nan, 0.0]]))
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        model.predict(X_TEST, batch_size=0)


def test_unknown_metric_and_loss_names_are_refused_and_leave_the_compile_unchanged():
    model = Sequential([Dense(1, input_dim=2)])
    model.compile(loss="mse", optimizer="adam")
    optimizer = model.optimizer
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        model.compile(metrics=["f1"])
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        model.compile(loss="hinge")
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'"):
        model.compile(optimizer="adagrad")
    assert model.optimizer is optimizer and model.loss.name == "mean_squared_error"


def test_epochs_zero_trains_nothing():
    model = small_model()
    before = model.state_dict()
    history = model.fit(X_TRAIN, Y_TRAIN, epochs=0, verbose=0)
    assert history.epoch == [] and history.history == {}
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_relu_layers_between_dense_layers():
    model = Sequential([Dense(8, input_dim=2), ReLU(), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer=optim.Adam(lr=0.02), metrics="accuracy")
    model.fit(X_TRAIN, Y_TRAIN, epochs=10, verbose=0, seed=0)
    assert model.evaluate(X_TEST, Y_TEST)[1] > 0.85


# ------------------------------------------------- diverging training (never a silent NaN)
def diverging_model(**compile_options):
    model = Sequential([Dense(4, activation="relu", input_dim=2), Dense(1)], seed=0)
    model.compile(loss="mse", optimizer="sgd", **compile_options)
    return model


def fit_recording_warnings(model, x, y, **options):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y, verbose=0, seed=0, **options)
    return history, [w for w in caught if issubclass(w.category, RuntimeWarning)]


def test_fit_warns_once_naming_the_epoch_when_the_loss_becomes_nan_and_keeps_training_as_keras():
    model = diverging_model()
    history, caught = fit_recording_warnings(model, X_TRAIN * 1e200, Y_TRAIN, epochs=3)
    assert len(history.history["loss"]) == 3  # Keras trains on
    assert not np.isfinite(history.history["loss"]).any()
    assert len(caught) == 1, [str(w.message) for w in caught]  # ours, in place of NumPy's overflow warnings
    message = str(caught[0].message)
    assert "epoch 1" in message and "learning rate" in message and "TerminateOnNaN" in message
    assert "the inputs reach |x| = 2.26e+200" in message  # the unscaled inputs, named
    assert caught[0].filename == __file__  # it points at the fit call


def test_fit_warns_at_the_epoch_a_too_high_learning_rate_diverges():
    model = diverging_model(learning_rate=1e6)
    history, caught = fit_recording_warnings(model, X_TRAIN, Y_TRAIN, epochs=8, batch_size=None)
    first_bad = int(np.argmax(~np.isfinite(history.history["loss"])))
    assert np.isfinite(history.history["loss"][0]) and first_bad > 0
    assert len(caught) == 1 and f"loss is inf at epoch {first_bad + 1}:" in str(caught[0].message)
    assert "(it is 1e+06)" in str(caught[0].message) and "unscaled inputs (standardize them)" in str(caught[0].message)


def test_fit_warns_when_the_last_step_leaves_non_finite_weights_behind_a_finite_loss():
    model = diverging_model(learning_rate=1e305)
    history, caught = fit_recording_warnings(model, X_TRAIN * 1e5, Y_TRAIN, epochs=1, batch_size=None)
    assert np.isfinite(history.history["loss"][0])  # the loss came before the step that diverged
    assert len(caught) == 1 and "the weights dense_1.kernel" in str(caught[0].message)
    assert "hold NaN or inf after training" in str(caught[0].message)
    assert not all(np.isfinite(value).all() for value in model.state_dict().values())


def test_fit_keeps_a_numpy_errstate_of_raise():
    model = diverging_model()
    with np.errstate(over="raise", invalid="raise"), pytest.raises(FloatingPointError):
        model.fit(X_TRAIN * 1e200, Y_TRAIN, epochs=1, verbose=0, seed=0)


def test_terminate_on_nan_stops_at_the_first_bad_batch_as_keras(capsys):
    from tinygrad_moons.nn.callbacks import TerminateOnNaN

    batches = []
    model = diverging_model()
    watch = LambdaCallback(on_batch_end=lambda batch, logs: batches.append(logs["loss"]))
    history, caught = fit_recording_warnings(
        model, X_TRAIN * 1e200, Y_TRAIN, epochs=3, batch_size=16, callbacks=[watch, TerminateOnNaN()]
    )
    assert len(history.epoch) == 1 and np.isfinite(batches[:-1]).all() and not np.isfinite(batches[-1])
    assert len(batches) < len(X_TRAIN) // 16  # the epoch ended at the bad batch
    assert f"Batch {len(batches) - 1}: Invalid loss, terminating training" in capsys.readouterr().out
    assert caught == []  # it said so itself
    with pytest.raises(RuntimeError, match="invalid loss"):
        diverging_model().fit(X_TRAIN * 1e200, Y_TRAIN, epochs=3, verbose=0, callbacks=[TerminateOnNaN(True)])
    with pytest.raises(TypeError, match="raise_error must be True or False"):
        TerminateOnNaN("yes")


def test_a_healthy_fit_gives_no_warning():
    _, caught = fit_recording_warnings(small_model(), X_TRAIN, Y_TRAIN, epochs=2)
    assert caught == []


# ------------------------------------------------- Keras 3's fit / evaluate / predict signatures
def test_fit_takes_keras_positional_order_batch_size_then_epochs():
    model = small_model()
    history = model.fit(X_TRAIN, Y_TRAIN, 240, 2, 0)  # batch_size=240, epochs=2, verbose=0
    assert history.epoch == [0, 1]
    twin = small_model()
    twin.fit(X_TRAIN, Y_TRAIN, batch_size=240, epochs=2, verbose=0)
    np.testing.assert_allclose(model.predict(X_TEST), twin.predict(X_TEST))  # full batch: no shuffle to differ


@pytest.mark.parametrize(
    "where, options",
    [
        ("fit", {"sample_weight": np.ones(240)}),
        ("fit", {"class_weight": {0: 1.0, 1: 2.0}}),
        ("fit", {"steps_per_epoch": 3}),
        ("fit", {"validation_steps": 2}),
        ("evaluate", {"sample_weight": np.ones(60)}),
        ("evaluate", {"steps": 1}),
        ("evaluate", {"callbacks": [Callback()]}),
        ("predict", {"steps": 1}),
        ("predict", {"callbacks": [Callback()]}),
    ],
)
def test_keras_arguments_not_supported_are_refused_by_name_with_what_to_do(where, options):
    model = small_model()
    before = model.state_dict()
    (name,) = options
    data = (X_TRAIN, Y_TRAIN) if where == "fit" else (X_TEST, Y_TEST) if where == "evaluate" else (X_TEST,)
    with pytest.raises(NotImplementedError, match=rf"{where}: Keras' {name} is not supported here\. Instead, {name}: "):
        getattr(model, where)(*data, verbose=0, **options)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_validation_data_with_keras_sample_weights_is_refused_by_name():
    with pytest.raises(NotImplementedError, match=r"validation_data with sample weights .* pass \(x_val, y_val\)"):
        small_model().fit(X_TRAIN, Y_TRAIN, verbose=0, validation_data=(X_TEST, Y_TEST, np.ones(60)))


def test_shuffle_must_be_a_bool_as_in_keras_3():
    with pytest.raises(TypeError, match=r"fit: shuffle must be True or False .* got 'batch'"):
        small_model().fit(X_TRAIN, Y_TRAIN, verbose=0, shuffle="batch")


def test_several_unsupported_fit_arguments_are_named_together():
    with pytest.raises(NotImplementedError, match="sample_weight, class_weight are not supported"):
        small_model().fit(X_TRAIN, Y_TRAIN, sample_weight=np.ones(240), class_weight={0: 1, 1: 1})


def test_validation_freq_validates_every_n_epochs_or_at_the_listed_ones_counted_from_1():
    seen = []
    spy = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append((epoch, "val_loss" in logs)))
    model = small_model()
    history = model.fit(X_TRAIN, Y_TRAIN, epochs=4, verbose=0, validation_data=(X_TEST, Y_TEST), validation_freq=2,
                        callbacks=[spy])  # fmt: skip
    assert seen == [(0, False), (1, True), (2, False), (3, True)]
    assert len(history.history["val_loss"]) == 2 and len(history.history["loss"]) == 4
    seen.clear()
    model.fit(X_TRAIN, Y_TRAIN, epochs=4, verbose=0, validation_split=0.2, validation_freq=[1, 3], callbacks=[spy])
    assert seen == [(0, True), (1, False), (2, True), (3, False)]
    for bad in (0, 1.5, [0, 2], "2", True):
        with pytest.raises(ValueError, match="validation_freq must be a positive integer"):
            model.fit(X_TRAIN, Y_TRAIN, verbose=0, validation_freq=bad)


def test_validation_batch_size_gives_the_same_validation_numbers():
    logs = []
    for validation_batch_size in (None, 7):
        model = small_model()
        history = model.fit(X_TRAIN, Y_TRAIN, epochs=2, verbose=0, seed=0, validation_data=(X_TEST, Y_TEST),
                            validation_batch_size=validation_batch_size)  # fmt: skip
        logs.append(history.history)
    np.testing.assert_allclose(logs[0]["val_loss"], logs[1]["val_loss"], rtol=1e-12)
    np.testing.assert_allclose(logs[0]["val_accuracy"], logs[1]["val_accuracy"], rtol=1e-12)
    with pytest.raises(ValueError, match=r"fit \(validation_batch_size\): batch_size must be a positive integer"):
        small_model().fit(X_TRAIN, Y_TRAIN, verbose=0, validation_batch_size=0)


def test_initial_epoch_resumes_at_keras_epoch_numbers():
    model = small_model()
    history = model.fit(X_TRAIN, Y_TRAIN, epochs=5, initial_epoch=3, verbose=0)
    assert history.epoch == [3, 4]


def test_verbose_auto_is_keras_default_a_progress_bar(capsys):
    model = small_model()
    model.fit(X_TRAIN, Y_TRAIN, epochs=1, verbose="auto")
    assert "loss" in capsys.readouterr().err
    assert model.evaluate(X_TEST, Y_TEST, 60, "auto") is not None
    assert "loss" in capsys.readouterr().out
    assert model.predict(X_TEST, None, "auto").shape == (60, 1)
    with pytest.raises(ValueError, match="verbose must be a non-negative integer"):
        model.fit(X_TRAIN, Y_TRAIN, verbose="loud")


def test_evaluate_takes_keras_positional_order():
    model = small_model()
    loss, accuracy = model.evaluate(X_TEST, Y_TEST, 10, 0, None, None, None, False)
    assert model.evaluate(X_TEST, Y_TEST, return_dict=True) == pytest.approx({"loss": loss, "accuracy": accuracy})


def test_a_keras_loss_names_sample_weight_and_the_shape_it_needs():
    from tinygrad_moons.autograd import ShapeError
    from tinygrad_moons.nn import MeanSquaredError

    y_true, y_pred = np.zeros((4, 1)), np.full((4, 1), 0.5)
    with pytest.raises(ShapeError, match=r"mean_squared_error: sample_weight has shape \(3,\), but there are 4 sam"):
        MeanSquaredError()(y_true, y_pred, sample_weight=np.ones(3))
    with pytest.raises(ShapeError, match=r"give one weight per sample, shape \(4,\), or one number"):
        BinaryCrossentropy()(y_true, y_pred, sample_weight=np.ones((2, 2)))
    assert float(MeanSquaredError()(y_true, y_pred, sample_weight=np.array([0.0, 0.0, 2.0, 2.0])).data) == 0.25


def test_fit_warns_when_only_the_validation_loss_is_not_finite_and_restores_numpys_settings():
    before = np.geterr()
    model = diverging_model()
    history, caught = fit_recording_warnings(
        model, X_TRAIN, Y_TRAIN, epochs=2, validation_data=(X_TEST * 1e200, Y_TEST.astype(float))
    )
    assert np.isfinite(history.history["loss"]).all() and not np.isfinite(history.history["val_loss"]).all()
    assert len(caught) == 1 and "the validation loss (val_loss) is" in str(caught[0].message)
    assert np.geterr() == before


def test_predict_and_evaluate_warn_when_a_finite_x_gives_nan_naming_the_weights():
    model = diverging_model()
    state = model.state_dict()
    state["dense_2.bias"][0] = np.nan
    model.load_state_dict(state)
    with pytest.warns(RuntimeWarning, match=r"predict: 60 of 60 values are NaN .* weights dense_2\.bias hold NaN") as w:
        model.predict(X_TEST)
    assert w[0].filename == __file__
    with pytest.warns(RuntimeWarning, match=r"evaluate: 1 of 1 values are NaN or infinite"):
        assert np.isnan(model.evaluate(X_TEST, Y_TEST))
    model = diverging_model()
    model.load_state_dict({**model.state_dict(), "dense_1.kernel": model.state_dict()["dense_1.kernel"] * 1e10})
    with np.errstate(over="ignore", invalid="ignore"):  # NumPy's own warnings; ours is the one looked for
        with pytest.warns(RuntimeWarning, match=r"predict: .* its numbers overflowed \(are the inputs scaled\?\)"):
            model.predict(np.array([[1e300, 1e300], [-1e300, -1e300]]))  # finite weights, finite x, inf out
