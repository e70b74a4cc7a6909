# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Coming from Keras
#
# Keras' names behave here as Keras documents them: `Sequential`, `Dense`, `compile`, `fit`, `evaluate`,
# `predict`, callbacks, and losses called `(y_true, y_pred)`. A Keras script runs with `import keras` changed to
# `import tinygrad_moons.nn as keras`. Underneath, every `fit` step is a recorded graph and a backward pass you can
# look at.
#
# ## The course project's model
#
# The project's Keras model: 2-25-50-50-25-1, ReLU, sigmoid output, binary cross-entropy. With Keras' defaults
# (Glorot-uniform weights, SGD lr 0.01) it needs about 100 epochs; with He-normal weights and Adam, a few.

# %%
import numpy as np

import tinygrad_moons.nn as keras
from tinygrad_moons import data

X, y = data.make_moons(1000, noise=0.1, random_state=0)
X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)

model = keras.Sequential(
    [
        keras.Input(shape=(2,)),
        keras.Dense(25, activation="relu", kernel_initializer="he_normal"),
        keras.Dense(50, activation="relu", kernel_initializer="he_normal"),
        keras.Dense(50, activation="relu", kernel_initializer="he_normal"),
        keras.Dense(25, activation="relu", kernel_initializer="he_normal"),
        keras.Dense(1, activation="sigmoid"),
    ],
    seed=0,
)
model.compile(loss="binary_crossentropy", optimizer="adam", learning_rate=0.01, metrics=["accuracy"])
model.summary()

# %% [markdown]
# ## fit, evaluate, predict
#
# `fit` returns a `History` of per-epoch logs; `validation_data` adds `val_loss` and `val_accuracy`; `seed` fixes the
# batch order, so the same seed gives the same model to the last bit. `verbose=1` shows a progress bar.

# %%
history = model.fit(X_train, y_train, epochs=15, batch_size=32, validation_data=(X_test, y_test), verbose=0, seed=0)
loss, accuracy = model.evaluate(X_test, y_test, verbose=0)
print(f"test loss {loss:.4f}, test accuracy {accuracy:.3f}")
print("probabilities of class 1 for three test points:", model.predict(X_test[:3]).ravel().round(3))

# %%
from tinygrad_moons.viz.plots import plot_decision_boundary, plot_history

figure = plot_history(history)

# %%
axes = plot_decision_boundary(model, X_train, y_train, X_test, y_test)

# %% [markdown]
# ## Callbacks
#
# Keras' `EarlyStopping` and `LambdaCallback` work as in Keras. Here a callback records the norm of the first
# layer's kernel gradient at the end of every epoch, read from the parameter's `.grad` (the last batch's):

# %%
gradient_norms = []
watch = keras.callbacks.LambdaCallback(
    on_epoch_end=lambda epoch, logs: gradient_norms.append(float(np.linalg.norm(model.layers[0].kernel.grad.data)))
)
stop = keras.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
more = model.fit(X_train, y_train, epochs=30, validation_data=(X_test, y_test), callbacks=[watch, stop], verbose=0)
print(f"stopped after {len(more.history['loss'])} more epochs; gradient norms:", np.round(gradient_norms, 4))

# %% [markdown]
# ## Save and load
#
# Models save to `.npz` files, loaded without unpickling anything.

# %%
import tempfile
from pathlib import Path

path = Path(tempfile.mkdtemp()) / "moons.npz"
model.save(path)
again = keras.load_model(path)
assert np.allclose(again.predict(X_test), model.predict(X_test))
print("reloaded:", again.evaluate(X_test, y_test, verbose=0))

# %% [markdown]
# ## The graph `fit` differentiates
#
# `draw_model_graph(model, X, y, collapse=True)` (from `tinygrad_moons.viz`) draws the loss on some data,
# one box per layer.

# %%
from tinygrad_moons.viz import draw_model_graph

draw_model_graph(model, X_train[:32], y_train[:32], collapse=True)

# %% [markdown]
# The differences from Keras (float64 unless the layers are float32, the fused sigmoid cross-entropy, ...) are
# listed in `docs/pytorch_keras_nn.md`. `examples/keras_style.py` is the course project's own Keras code with only
# its imports changed.
