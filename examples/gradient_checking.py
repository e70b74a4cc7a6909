# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Gradient checking: trust a derivative only after testing it
#
# A backward rule is a claim about a derivative. `gradcheck` tests it with central finite differences:
# nudge each input element by ±ε, see how the output moves, (f(x + ε) − f(x − ε)) / 2ε, and compare the Jacobian
# built that way with the one the engine's backward computes.

# %%
import numpy as np

import tinygrad_moons as tg

x = np.array([0.3, -1.2, 2.0])
tg.gradcheck(lambda t: (t.exp() / t.exp().sum()).log(), [x])  # log-softmax, composed from built-in ops

# %% [markdown]
# ## By hand, for one element
#
# What `gradcheck` does, for d/dx₀ of Σ sin(x)·x, whose derivative is cos(x₀)·x₀ + sin(x₀):

# %%
def f(values):
    return float((np.sin(values) * values).sum())


eps = 1e-6
bumped_up, bumped_down = x.copy(), x.copy()
bumped_up[0] += eps
bumped_down[0] -= eps
numerical = (f(bumped_up) - f(bumped_down)) / (2 * eps)

t = tg.Tensor(x, requires_grad=True)
(t.sin() * t).sum().backward()
print(f"finite difference {numerical:.10f}\nengine's backward {t.grad.data[0]:.10f}")
print(f"on paper          {np.cos(x[0]) * x[0] + np.sin(x[0]):.10f}")

# %% [markdown]
# ## A wrong backward is caught
#
# A custom op is a `Function` with `forward` (NumPy) and `backward` (Tensor operations). This "sigmoid" forgets the
# factor (1 − s) of its derivative s(1 − s):

# %%
class BadSigmoid(tg.Function):
    name = "bad_sigmoid"

    def forward(self, a):
        return 1 / (1 + np.exp(-a))

    def backward(self, grad):
        """d/da sigmoid(a) = s(1-s)... but this returns only s."""
        return grad * self.output


try:
    tg.gradcheck(lambda t: BadSigmoid.apply(t), [x])
except tg.GradcheckError as error:
    print(error)

# %% [markdown]
# ## Where finite differences lie: kinks
#
# At a kink the derivative jumps, and the two sides of a central difference disagree. relu at exactly 0 has the
# engine's derivative 0 (PyTorch's convention), but the finite difference sees the average of 0 and 1:

# %%
try:
    tg.gradcheck(lambda t: t.relu(), [np.array([0.0, 1.0])])
except tg.GradcheckError as error:
    print(error)
print("away from the kink:", tg.gradcheck(lambda t: t.relu(), [np.array([-0.5, 1.0])]))

# %% [markdown]
# That is why the library's own property tests draw values that keep their distance from kinks, with the
# Hypothesis strategies in `tinygrad_moons.testing`: `nonzero_floats` for relu and abs, `positive_floats` for log and
# sqrt, `spaced_floats` for max and maximum (ties), `bounded_floats` for everything smooth.

# %%
from hypothesis import given, settings

from tinygrad_moons.testing import arrays, nonzero_floats, shapes


@settings(max_examples=25, derandomize=True, deadline=None)
@given(arrays(shapes(), elements=nonzero_floats()))
def check_relu(values):
    assert tg.gradcheck(lambda t: t.relu(), [values])


check_relu()
print("relu passes on 25 drawn arrays of drawn shapes")

# %% [markdown]
# ## Second derivatives
#
# Every backward is written with Tensor operations, so it can be differentiated again. `gradgradcheck` checks the
# second derivative the same way, by finite differences of the first:

# %%
print("gradgradcheck:", tg.gradgradcheck(lambda t: (t.sin() * t).sum(), [x]))

t = tg.Tensor(x, requires_grad=True)
(first,) = tg.grad((t**3).sum(), t, create_graph=True)  # 3x², recorded
(second,) = tg.grad(first.sum(), t)  # 6x
print("3x² =", first.data, " 6x =", second.data)
