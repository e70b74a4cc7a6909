# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # The course project's experiment, one setting at a time
#
# The course project trained a 2-25-50-50-25-1 network (ReLU, sigmoid output) on 1,000 moons points with
# hand-written NumPy: weights and biases drawn as `randn × 0.1`, full-batch gradient descent, learning rate 0.01.
# It needed about 7,000 iterations to reach 100% test accuracy, while Keras needed about 40 epochs, and it
# concluded that Keras "takes around 175 times fewer iterations".
#
# Here every run gets the **same budget of parameter updates**, 250 (10 epochs of batch 32, what this library's
# default needs to reach 100%), and we change one setting at a time. Open it in Jupyter with jupytext, or run it as
# a script.

# %%
import numpy as np

from tinygrad_moons import experiment

# The course project's settings, written out (experiment.DEFAULT is this library's modern default).
course = experiment.DEFAULT.replace(
    name="course",
    kernel_initializer="normal",  # N(0, 0.1²): the project's randn * 0.1
    bias_initializer="normal",
    optimizer="sgd",
    learning_rate=0.01,
    lr_schedule="constant",
    batch_size=None,  # the full training set in every step
)
split = experiment.make_split(course)
updates = 250
batches_per_epoch = len(split.X_train) // 32  # 800 training points: 25 batches of 32

runs = {
    "course project: full batch, randn*0.1": course.replace(epochs=updates),
    "only the init: full batch, Glorot": course.replace(
        kernel_initializer="glorot_uniform", bias_initializer="zeros", epochs=updates
    ),
    "only the batch: batch 32, randn*0.1": course.replace(batch_size=32, epochs=updates // batches_per_epoch),
    "Keras' defaults: batch 32, Glorot": course.replace(
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        batch_size=32,
        epochs=updates // batches_per_epoch,
    ),
    "this library's default: Adam, batch 32, He": experiment.DEFAULT.replace(epochs=updates // batches_per_epoch),
}
results = {label: experiment.train(recipe, split, label=label) for label, recipe in runs.items()}
print(f"{f'after {updates} updates':45} {'test acc':>8} {'test loss':>9}")
for label, result in results.items():
    print(f"{label:45} {result.test_accuracy:8.3f} {result.test_loss:9.4f}")

# %% [markdown]
# Counted in updates, the batch size changes little here: 250 full-batch steps and 250 steps of batch 32 (10
# epochs) with the project's `randn × 0.1` weights both leave the network where it started (test accuracy about
# 50%, the loss near log 2 ≈ 0.693). Glorot's initialisation gets it moving, and Adam with He-normal weights
# (this library's default) is done. The project's "175×" compared full-batch iterations with Keras *epochs*, each of
# 25 updates: most of that factor is the unit of counting, and most of the rest is the initialisation.
#
# ## Why: the gradients reaching the middle layers
#
# After one step, the mean |gradient| of each layer's kernel, with the project's `randn × 0.1` weights and with
# He-normal weights:

# %%
from tinygrad_moons import Tensor, nn


def kernel_gradients(recipe):
    model = experiment.build_model(recipe)
    loss = nn.BinaryCrossentropy()(Tensor(split.y_train.reshape(-1, 1)), model(Tensor(split.X_train)))
    loss.backward()
    return [float(np.abs(layer.kernel.grad.data).mean()) for layer in model.layers]


small = kernel_gradients(course)
he = kernel_gradients(course.replace(kernel_initializer="he_normal", bias_initializer="zeros"))
for k, (a, b) in enumerate(zip(small, he), 1):
    print(f"dense_{k}: randn*0.1 {a:.1e}   He {b:.1e}   ratio {b / a:5.1f}")

# %% [markdown]
# Each layer of `randn × 0.1` weights shrinks the signal going forward and the gradient coming back, so every
# kernel's gradient is tens of times smaller than with He-normal weights, and plain gradient descent at lr 0.01
# turns them into steps of a few millionths on weights of about 0.1. That is where the project's 7,000 iterations
# went.
#
# ## The learning curves

# %%
import matplotlib.pyplot as plt

figure, axis = plt.subplots(figsize=(7, 3.5))
for label, result in results.items():
    losses = result.history["val_loss"]
    steps = np.linspace(updates / len(losses), updates, len(losses))  # updates at the end of each epoch
    axis.plot(steps, losses, marker="." if len(losses) < 30 else None, label=label)
axis.set_xlabel("parameter updates")
axis.set_ylabel("test loss")
axis.set_yscale("log")
axis.legend(fontsize=7)
plt.show()

# %% [markdown]
# `tinygrad-moons compare` runs the full experiment (the project's own NumPy network next to this library, from the
# same initial weights, until 100% test accuracy), and `tinygrad-moons sweep` repeats it over many seeds.
