"""Messages a hostile or careless user meets (issue 10): each names the argument or the problem and what is accepted.

The engine's, the layers' and the model files' hardening is tested next to them (test_gradcheck.py,
test_saving.py, test_cli.py); these are the messages of fit, predict, evaluate and the plots.
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tinygrad_moons.nn import Dense, EarlyStopping, LambdaCallback, Sequential  # noqa: E402
from tinygrad_moons.viz.plots import plot_decision_boundary, predict_probability  # noqa: E402

X = np.random.default_rng(0).normal(size=(40, 2))
Y = (X[:, 0] > 0).astype(float)


def compiled_model():
    model = Sequential([Dense(4, activation="relu", input_dim=2), Dense(1, activation="sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("split", ["0.2", None, [0.2], True])
def test_validation_split_of_the_wrong_type_names_the_argument_and_the_accepted_values(split):
    """validation_split="0.2" used to fail with "'<' not supported between instances of 'int' and 'str'"."""
    with pytest.raises(TypeError, match=r"fit: validation_split must be a float in \[0, 1\) .*got "):
        compiled_model().fit(X, Y, validation_split=split, verbose=0)


@pytest.mark.parametrize("split", [1.0, 1.5, -0.1, float("nan")])
def test_validation_split_out_of_range_names_the_accepted_values(split):
    with pytest.raises(ValueError, match=r"fit: validation_split must be a float in \[0, 1\)"):
        compiled_model().fit(X, Y, validation_split=split, verbose=0)


def test_validation_split_zero_and_a_fraction_work():
    assert "val_loss" not in compiled_model().fit(X, Y, validation_split=0, verbose=0).history
    assert "val_loss" in compiled_model().fit(X, Y, validation_split=np.float32(0.25), verbose=0).history


def test_a_single_callback_is_refused_with_the_fix():
    """callbacks=EarlyStopping() used to fail with 'Value after * must be an iterable'."""
    with pytest.raises(TypeError, match=r"callbacks must be a list of Callback instances, got a single EarlyStopping; "
                                        r"pass callbacks=\[EarlyStopping\(\.\.\.\)\]"):  # fmt: skip
        compiled_model().fit(X, Y, callbacks=EarlyStopping(monitor="loss"), verbose=0)


@pytest.mark.parametrize(
    "callbacks, message",
    [
        ("early_stopping", "callbacks must be a list of Callback instances, got str"),
        ([EarlyStopping(monitor="loss"), print], r"callbacks\[1\] is a builtin_function_or_method .*LambdaCallback"),
        ([None], r"callbacks\[0\] is a NoneType"),
    ],
)
def test_callbacks_that_are_not_a_list_of_callbacks(callbacks, message):
    with pytest.raises(TypeError, match=message):
        compiled_model().fit(X, Y, callbacks=callbacks, verbose=0)


def test_a_list_or_tuple_of_callbacks_works():
    seen = []
    compiled_model().fit(X, Y, epochs=2, callbacks=(LambdaCallback(on_epoch_end=lambda e, logs: seen.append(e)),),
                         verbose=0)  # fmt: skip
    assert seen == [0, 1]


@pytest.mark.parametrize("method", ["predict", "evaluate"])
def test_nan_input_to_predict_says_nan_and_not_training(method):
    """predict on NaN input said '... remove or impute them before training'."""
    model = compiled_model()
    bad = X.copy()
    bad[3, 1] = np.nan
    call = model.predict if method == "predict" else lambda x: model.evaluate(x, Y)
    with pytest.raises(ValueError) as caught:
        call(bad)
    message = str(caught.value)
    assert message.startswith(f"{method}: x contains 1 NaN or infinite value(s), the first at index (3, 1) (nan)")
    assert "training" not in message
    assert message.endswith("predicting" if method == "predict" else "evaluating")


def test_fit_still_says_before_training():
    bad = X.copy()
    bad[0, 0], bad[5, 1] = np.inf, np.nan
    with pytest.raises(ValueError, match=r"fit: x contains 2 NaN or infinite value\(s\).*before training$"):
        compiled_model().fit(bad, Y, verbose=0)


def test_batch_size_true_is_refused_by_predict_and_evaluate():
    model = compiled_model()
    with pytest.raises(ValueError, match="predict: batch_size must be a positive integer or None, got True"):
        model.predict(X, batch_size=True)
    with pytest.raises(ValueError, match="evaluate: batch_size must be a positive integer or None, got True"):
        model.evaluate(X, Y, batch_size=True)


def diverged_model():
    model = compiled_model()
    model[0].kernel.data[0, 0] = np.nan  # what an exploding loss leaves behind
    return model


def test_the_decision_boundary_of_a_model_outputting_nan_says_so():
    """It used to say 'the model must output probabilities (end it with a sigmoid)', which it did."""
    weights_named = r"predict: .* NaN or infinite although x is finite: its weights dense_1\.kernel hold NaN"
    with pytest.raises(ValueError) as caught, pytest.warns(RuntimeWarning, match=weights_named):
        plot_decision_boundary(diverged_model(), X, Y)
    message = str(caught.value)
    assert "Sequential.predict_proba returned NaN for" in message and "the model's outputs are NaN" in message
    assert "sigmoid" not in message
    with pytest.raises(ValueError, match=r"returned NaN for \d+ of 40 points \(the first at \["):
        with pytest.warns(RuntimeWarning, match=weights_named):
            predict_probability(diverged_model(), X)


def test_logits_are_still_told_to_end_with_a_sigmoid():
    model = Sequential([Dense(1, input_dim=2)], seed=0)
    with pytest.raises(ValueError, match="end it with a sigmoid"):
        predict_probability(model, X * 100)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"patience": "3"}, r"patience must be an integer >= 0 \(epochs to wait\), got '3'"),
        ({"patience": 1.5}, "patience must be an integer >= 0"),
        ({"patience": -1}, "patience must be an integer >= 0"),
        ({"min_delta": "0.1"}, "min_delta must be a finite number, got '0.1'"),
        ({"min_delta": None}, "min_delta must be a finite number, got None"),
        ({"baseline": float("nan")}, "baseline must be a finite number, got nan"),
        ({"monitor": None}, "monitor must name a logged value"),
    ],
)
def test_early_stopping_arguments_name_what_is_accepted(arguments, message):
    with pytest.raises((TypeError, ValueError), match=message):
        EarlyStopping(**arguments)
