# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # The course's backpropagation, replayed by the engine
#
# The course project behind this library derived every chain-rule factor of
# its 2-25-50-50-25-1 network by hand:
#
# $$\frac{\partial E}{\partial w} = \frac{\partial E}{\partial \hat y}\,\frac{\partial \hat y}{\partial z}\,
# \frac{\partial z}{\partial w},\qquad
# \frac{\partial E}{\partial \hat y} = \frac1n\,\frac{\hat y - y}{\hat y(1-\hat y)},\qquad
# \sigma'(z) = \hat y(1-\hat y),\qquad \mathrm{ReLU}'(z) = 1[z>0],\qquad \frac{\partial z}{\partial w} = x$$
#
# so that for the last layer $\partial E/\partial w = \frac1n(\hat y - y)\,x$, summed over the samples.
# Here the engine runs the same network, and `trace_backward` records every step
# of its backward pass; `tape.explain` then writes out those factors with the
# numbers for any one weight. Run it as a script, or open it in Jupyter with jupytext.

# %%
import numpy as np

import tinygrad_moons as tm
from tinygrad_moons import Tensor, experiment, nn

recipe = experiment.COURSE  # the course's settings: randn * 0.1 weights and biases
split = experiment.make_split(recipe)
model = experiment.build_model(recipe)
X, y = split.X_train[:8], split.y_train[:8].reshape(-1, 1)
loss = nn.BinaryCrossentropy()(Tensor(y, name="y"), model(Tensor(X, name="X")))

with tm.trace_backward() as tape:
    loss.backward()

for step in tape.steps:  # what the engine did, in order
    print(step)

# %% [markdown]
# ## One weight of the output layer
#
# The course's formula, $\partial E/\partial w = \frac1n \sum_n (\hat y_n - y_n)\,x_n$, and the engine's
# chain for the same weight:

# %%
output_layer = model.layers[-1]
explanation = tape.explain(output_layer.kernel, (3, 0))
print(explanation)

# %% [markdown]
# By hand, with the course's formula and the tape's recorded values (ŷ from the
# logits the loss received, x = the activations of the layer below):

# %%
bce = next(s for s in tape.steps if s.op == "binary_cross_entropy_with_logits")
z, targets = bce.input_values
y_hat = 1 / (1 + np.exp(-z))
x = next(s for s in tape.steps if s.op == "linear").input_values[0]  # the last layer's input, a⁴
by_hand = ((y_hat - targets) * x[:, 3:4]).sum() / len(targets)
print(by_hand, explanation.value, output_layer.kernel.grad.data[3, 0])

# %% [markdown]
# ## A weight of the first layer: ReLU′ = 1[z > 0] at every layer on the way

# %%
print(tape.explain(model.layers[0].kernel, (0, 2)))

# %% [markdown]
# ## Every number of a 2-2-1 network
#
# For a tiny network the scalar view lists the whole backward pass, one number at a time.

# %%
tiny = experiment.build_model(recipe.replace(hidden_layers=(2,)))
tiny_loss = nn.BinaryCrossentropy()(Tensor(y[:3], name="y"), tiny(Tensor(X[:3], name="X")))
with tm.trace_backward() as tiny_tape:
    tiny_loss.backward()
for scalar in tiny_tape.scalar_view():
    print(scalar)

# %% [markdown]
# To step through the same pass in a browser: `tinygrad-moons backprop` writes `backprop.html`.
