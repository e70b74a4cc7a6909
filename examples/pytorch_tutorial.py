# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Coming from PyTorch
#
# PyTorch's names behave here as PyTorch documents them, so a PyTorch program runs with one import changed:
# `import tinygrad_moons as torch`. The engine underneath is NumPy (CPU only, float64 by default), and small enough to
# read. Three steps: autograd by hand, then `nn` and `optim`, then the course project's network on the moons.
#
# ## 1. Tensors and autograd: fit sin(x) with a cubic
#
# From PyTorch's "Learning PyTorch with Examples": four leaf tensors, a loss, `backward()`, and an update by hand
# under `no_grad()` (so the update itself is not recorded).

# %%
import math

import tinygrad_moons as torch

torch.manual_seed(0)
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
a, b, c, d = (torch.randn((), requires_grad=True) for _ in range(4))

learning_rate = 1e-6
for t in range(2000):
    y_pred = a + b * x + c * x**2 + d * x**3
    loss = (y_pred - y).pow(2).sum()
    loss.backward()  # fills a.grad, b.grad, c.grad, d.grad
    with torch.no_grad():
        for p in (a, b, c, d):
            p -= learning_rate * p.grad  # in place: the same leaf tensor
            p.grad = None  # gradients accumulate otherwise
    if t % 500 == 499:
        print(t, round(loss.item(), 2))
print(f"y = {a.item():.3f} + {b.item():.3f} x + {c.item():.3f} x^2 + {d.item():.3f} x^3")

# %% [markdown]
# ## 2. `nn` and `optim`
#
# The same fit with `nn.Linear` over the features (x, x², x³), `nn.MSELoss(reduction="sum")` called
# `(input, target)`, and `optim.SGD`: `zero_grad()`, `backward()`, `step()`.

# %%
from tinygrad_moons import nn

features = torch.stack([x, x**2, x**3], dim=1)  # (2000, 3)
model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
loss_fn = nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
for _ in range(2000):
    loss = loss_fn(model(features), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
linear = model[0]
print("loss", round(loss.item(), 2), "weight", linear.weight.data.round(3), "bias", linear.bias.data.round(3))

# %% [markdown]
# ## 3. The course project's network on the moons
#
# 2-25-50-50-25-1 with ReLU, trained in mini-batches of 32 with Adam. `BCEWithLogitsLoss` takes the last layer's
# logits (the sigmoid is inside the loss, computed stably).

# %%
import numpy as np

from tinygrad_moons import data

X_np, y_np = data.make_moons(1000, noise=0.1, random_state=0)
X_train, X_test, y_train, y_test = data.train_test_split(X_np, y_np, test_size=0.2, random_state=0, stratify=y_np)
X_train, X_test = torch.tensor(X_train), torch.tensor(X_test)
y_train = torch.tensor(y_train, dtype=torch.float64).unsqueeze(1)
y_test = torch.tensor(y_test, dtype=torch.float64).unsqueeze(1)

torch.manual_seed(0)
net = nn.Sequential(
    nn.Linear(2, 25), nn.ReLU(), nn.Linear(25, 50), nn.ReLU(),
    nn.Linear(50, 50), nn.ReLU(), nn.Linear(50, 25), nn.ReLU(), nn.Linear(25, 1),
)  # fmt: skip
loss_fn = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
rng = np.random.default_rng(0)

for epoch in range(1, 11):
    net.train()
    order = rng.permutation(len(X_train))
    for start in range(0, len(order), 32):
        batch = order[start : start + 32]
        loss = loss_fn(net(X_train[batch]), y_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    net.eval()
    with torch.no_grad():
        accuracy = ((net(X_test) > 0) == (y_test > 0.5)).float().mean().item()
    if epoch % 5 == 0:
        print(f"epoch {epoch}: last batch loss {loss.item():.4f}, test accuracy {accuracy:.3f}")

# %% [markdown]
# ## Inside
#
# What makes this a teaching library: every parameter's gradient came from a graph you can look at. The state dict
# has PyTorch's keys, and the first layer's weight is (out, in) as in PyTorch:

# %%
print(list(net.state_dict())[:4], net[0].weight.shape)
print("∂loss/∂weight of the first layer, last batch:", np.abs(net[0].weight.grad.data).mean().round(5))

# %% [markdown]
# Where this library differs from PyTorch (dtypes, random streams, `parameters()` a list, ...) is listed in
# `docs/pytorch_tensors.md`, `docs/pytorch_autograd.md` and `docs/pytorch_keras_nn.md`. To make this loop fast, wrap
# its step in `torch.compile` (this library's `tinygrad_moons.compile`).
