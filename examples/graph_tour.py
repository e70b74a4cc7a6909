# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # The graph: what the engine records, and what backward does with it
#
# Every operation on a tensor that requires a gradient is recorded: the result points to the op that made it
# (`grad_fn`), the op to its inputs (`parents`). `backward()` walks this graph from the loss back to the leaves,
# applying each op's chain-rule step. This notebook builds a logistic regression by hand, looks at its graph,
# draws it, and checks `backward()` against the derivative worked out on paper.

# %%
import numpy as np

import tinygrad_moons as tg
from tinygrad_moons.viz import draw_graph, walk_graph

X = tg.Tensor([[1.0, 2.0], [3.0, -1.0], [-0.5, 0.5]], name="X")  # 3 samples, 2 features
y = tg.Tensor([[1.0], [0.0], [1.0]], name="y")
w = tg.Tensor([[0.5], [-0.3]], requires_grad=True, name="w")
b = tg.Tensor([0.1], requires_grad=True, name="b")
one_minus_y = 1 - y  # a constant (y needs no gradient), named so that the listing and the explanation say what it is
one_minus_y.name = "1−y"

z = X @ w + b  # (3, 1): b is broadcast over the rows
p = z.sigmoid()
loss = -(y * p.log() + one_minus_y * (1 - p).log()).mean()
print(loss)

# %% [markdown]
# ## The recorded graph, as a list
#
# `walk_graph` lists every tensor the loss was computed from, inputs before the ops that use them. Leaves have no
# `grad_fn`; every other tensor knows the op that made it and that op's inputs.

# %%
for t in walk_graph(loss):
    if t.is_leaf:
        print(f"leaf  {t.name or '(constant)':12} {t.shape}")
    else:
        inputs = ", ".join(str(parent.shape) for parent in t.grad_fn.parents)
        print(f"op    {t.grad_fn.name:12} {t.shape}  from {inputs}")

# %% [markdown]
# ## The same graph, drawn
#
# Each box of an op shows its derivative (the backward's docstring); with `show_values` and `show_grads` it also
# shows each tensor's value and ∂loss/∂tensor (computed without touching `.grad`).

# %%
draw_graph(loss, show_values=True, show_grads=True, rankdir="LR")

# %% [markdown]
# ## Backward, checked on paper
#
# For the average binary cross-entropy of a sigmoid, the chain rule gives ∂E/∂z = (p − y)/n, so
# ∂E/∂w = Xᵀ(p − y)/n and ∂E/∂b = Σ(p − y)/n: the bias gradient is a sum over the rows because b was broadcast over
# them.

# %%
loss.backward()
n = len(X.data)
print("engine  ∂E/∂w", w.grad.data.ravel(), " ∂E/∂b", b.grad.data)
print("paper   ∂E/∂w", (X.data.T @ (p.data - y.data) / n).ravel(), " ∂E/∂b", (p.data - y.data).sum(0) / n)
assert np.allclose(w.grad.data, X.data.T @ (p.data - y.data) / n)

# %% [markdown]
# ## Each step of the backward pass
#
# `trace_backward` records what the engine did, op by op; `explain` writes one gradient element out as a chain of
# factors with the numbers. p is used twice (in log p and in log(1 − p)): the two paths' gradients add up at the
# sigmoid, which is the multivariable chain rule.

# %%
w.grad = b.grad = None
p = (X @ w + b).sigmoid()  # the same loss, recorded afresh: a graph is walked backwards once
loss = -(y * p.log() + one_minus_y * (1 - p).log()).mean()
with tg.trace_backward() as tape:
    loss.backward()
for step in tape.steps:
    print(step)

# %%
print(tape.explain(w, (0, 0)))

# %% [markdown]
# ## A whole network, one box per layer
#
# For a real network the full graph has hundreds of boxes; `collapse=True` draws one per layer, and `grad_flow=True`
# colours each parameter by the size of its gradient (dark: vanishing).

# %%
from tinygrad_moons import data
from tinygrad_moons.nn import Dense, Sequential
from tinygrad_moons.viz import draw_model_graph

X_moons, y_moons = data.make_moons(64, noise=0.1, random_state=0)
model = Sequential(
    [Dense(25, activation="relu", input_dim=2), Dense(50, activation="relu"), Dense(1, activation="sigmoid")], seed=0
)
model.compile(loss="binary_crossentropy", optimizer="adam")
draw_model_graph(model, X_moons, y_moons, collapse=True, grad_flow=True)
