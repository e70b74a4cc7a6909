"""The Python code that reproduces a playground run from its seed, Keras-style or PyTorch-style.

The data are written into the code (hand-drawn points have no generator);
the weights come from the model's seed and the same initializer, and the
mini-batches from ``np.random.default_rng(seed)``. The PyTorch-style code runs
the playground's own loop, step for step; the Keras-style code calls ``fit``,
which shuffles the same way, and stops it at the page's step with a callback.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tinygrad_moons.playground.session import Session

__all__ = ["python_code"]


def _array(values: np.ndarray) -> str:
    if values.ndim == 1:
        return "np.array([" + ", ".join(str(int(v)) for v in values) + "])"
    rows = ",\n    ".join(f"[{float(a)!r}, {float(b)!r}]" for a, b in values)
    return f"np.array([\n    {rows}\n])"


def _header(session: Session, style: str) -> str:
    config = session.model_config
    widths = "-".join(str(w) for w in [2] + [layer.units for layer in session.model])
    train, test = ~session.is_test, session.is_test
    return f'''"""A tinygrad-moons playground run, {style}-style: network {widths}, seed {config["seed"]}.

{session.step_count} steps ({session.epoch} epochs) of {config["optimizer"]} with lr={config["lr"]}, batch size \
{config["batch_size"]}, L2={config["l2"]}, initializer {config["initializer"]}.
Run it: python {{this file}}; it prints the test accuracy.
"""

import numpy as np

import tinygrad_moons as tg
from tinygrad_moons import nn, optim

X_train = {_array(session.X[train])}
y_train = {_array(session.y[train])}
X_test = {_array(session.X[test])}
y_test = {_array(session.y[test])}

SEED = {config["seed"]}
STEPS = {session.step_count}
BATCH_SIZE = {config["batch_size"]}
'''


def _optimizer(session: Session, params: str) -> str:
    config = session.model_config
    name = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}[config["optimizer"]]
    return f"optim.{name}({params}lr={config['lr']!r}, weight_decay={config['l2']!r})"


def _keras(session: Session) -> str:
    config = session.model_config
    bias = "normal" if config["initializer"] == "normal" else "zeros"
    lines = []
    for index, layer in enumerate(session.model):
        activation = f'"{layer.activation_name}"' if layer.activation_name != "linear" else "None"
        where = ", input_dim=2" if index == 0 else ""
        lines.append(
            f"    nn.Dense({layer.units}, activation={activation}{where}, "
            f'kernel_initializer="{config["initializer"]}", bias_initializer="{bias}"),'
        )
    binary = session.model[-1].units == 1
    loss = "nn.BinaryCrossentropy(from_logits=True)" if binary else "nn.SparseCategoricalCrossentropy(from_logits=True)"
    train_rows = int((~session.is_test).sum())
    steps_per_epoch = max(1, math.ceil(train_rows / config["batch_size"]))
    return (
        _header(session, "Keras")
        + f'''
model = nn.Sequential([
{chr(10).join(lines)}
], seed=SEED)
model.compile(loss={loss}, optimizer={_optimizer(session, "")}, metrics=["accuracy"])

steps_done = 0


def stop_at_the_pages_step(batch, logs):
    """fit trains whole epochs; the page may have stopped inside one."""
    global steps_done
    steps_done += 1
    if steps_done == STEPS:
        model.stop_training = True


if STEPS:
    epochs = -(-STEPS // {steps_per_epoch})  # {steps_per_epoch} steps per epoch, the last one maybe cut short
    stopper = nn.callbacks.LambdaCallback(on_batch_end=stop_at_the_pages_step)
    model.fit(X_train, y_train, epochs=epochs, batch_size=BATCH_SIZE, seed=SEED, verbose=0, callbacks=[stopper])
loss, accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"test accuracy: {{accuracy:.4f}}")
'''
    )


def _pytorch(session: Session) -> str:
    config = session.model_config
    bias = "normal" if config["initializer"] == "normal" else "zeros"
    modules = []
    for layer in session.model:
        modules.append(f"nn.Linear({layer.kernel.shape[0]}, {layer.units})")
        activation = {
            "relu": "nn.ReLU()",
            "tanh": "nn.Tanh()",
            "sigmoid": "nn.Sigmoid()",
            "leaky_relu": "nn.LeakyReLU()",
            "linear": None,
        }[layer.activation_name]
        if activation:
            modules.append(activation)
    binary = session.model[-1].units == 1
    loss = (
        "nn.BCEWithLogitsLoss()(logits, tg.tensor(labels.reshape(-1, 1), dtype=tg.float64))"
        if binary
        else "nn.CrossEntropyLoss()(logits, tg.tensor(labels))"
    )
    predicted = "(logits[:, 0] > 0).astype(int)" if binary else "logits.argmax(axis=1)"
    return (
        _header(session, "PyTorch")
        + f'''
model = nn.Sequential(
    {("," + chr(10) + "    ").join(modules)},
)
# The playground's weights: each layer's kernel then bias, drawn in order from the seed's generator.
weight_rng = np.random.default_rng(SEED)
kernel_init, bias_init = nn.initializers.get("{config["initializer"]}"), nn.initializers.get("{bias}")
for linear in [m for m in model if isinstance(m, nn.Linear)]:
    kernel = kernel_init((linear.in_features, linear.out_features), np.float64, weight_rng)
    linear.weight.data[...] = kernel.T  # Linear keeps PyTorch's (out, in) layout
    linear.bias.data[...] = bias_init((linear.out_features,), np.float64, weight_rng)

optimizer = {_optimizer(session, "model.parameters(), ")}
shuffle_rng = np.random.default_rng(SEED)
step = 0
while step < STEPS:
    order = shuffle_rng.permutation(len(X_train))
    for start in range(0, len(order), BATCH_SIZE):
        if step == STEPS:
            break
        batch = order[start:start + BATCH_SIZE]
        logits, labels = model(tg.tensor(X_train[batch])), y_train[batch]
        loss = {loss}
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step += 1

with tg.no_grad():
    logits = model(tg.tensor(X_test)).numpy()
accuracy = float(({predicted} == y_test).mean())
print(f"test accuracy: {{accuracy:.4f}}")
'''
    )


def python_code(session: Session, style: str) -> str:
    """Code that rebuilds ``session``'s network from its seed and trains it as the page did: "keras" or "pytorch"."""
    if style == "keras":
        return _keras(session)
    if style == "pytorch":
        return _pytorch(session)
    raise ValueError(f"python_code: style must be 'keras' or 'pytorch', got {style!r}")
