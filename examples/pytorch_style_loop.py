"""The course's network trained with an explicit loop, PyTorch style.

Every step is visible: the forward pass builds the graph, ``backward()``
fills each parameter's ``.grad`` by the chain rule (the course project derived those
formulas by hand), and the optimizer moves the parameters. Swap ``Adam`` for
``SGD(model.parameters(), lr=0.01)`` and ``batch_size`` for ``len(X_train)``
to get the course's own full-batch gradient descent.

Run: ``python examples/pytorch_style_loop.py``
"""

import numpy as np
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split

from tinygrad_moons import Tensor, no_grad
from tinygrad_moons import functional as F
from tinygrad_moons.nn import Dense, Sequential
from tinygrad_moons.optim import Adam

X, y = make_moons(n_samples=1000, noise=0.1, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
y_train, y_test = y_train.reshape(-1, 1).astype(float), y_test.reshape(-1, 1).astype(float)

# The course's 2-25-50-50-25-1 network: ReLU hidden layers, a sigmoid output.
model = Sequential(
    [
        Dense(25, activation="relu", input_dim=2, kernel_initializer="he_normal"),
        Dense(50, activation="relu", kernel_initializer="he_normal"),
        Dense(50, activation="relu", kernel_initializer="he_normal"),
        Dense(25, activation="relu", kernel_initializer="he_normal"),
        Dense(1, activation="sigmoid"),
    ],
    seed=0,
)
optimizer = Adam(model.parameters(), lr=0.01)
rng = np.random.default_rng(0)
batch_size = 32


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean((probabilities > 0.5) == (labels > 0.5)))


for epoch in range(1, 31):
    order = rng.permutation(len(X_train))
    for start in range(0, len(X_train), batch_size):
        batch = order[start : start + batch_size]
        probabilities = model(Tensor(X_train[batch]))  # forward: records the graph
        loss = F.binary_cross_entropy(probabilities, y_train[batch])  # the course's average cross-entropy
        optimizer.zero_grad()  # forget the previous batch's gradients
        loss.backward()  # dE/dW and dE/db for every layer, by the chain rule
        optimizer.step()  # move each parameter against its gradient

    with no_grad():  # evaluation: nothing to differentiate, so nothing is recorded
        train_loss = F.binary_cross_entropy(model(Tensor(X_train)), y_train).item()
        test_probabilities = model(Tensor(X_test)).data
    test_accuracy = accuracy(test_probabilities, y_test)
    if epoch % 5 == 0 or test_accuracy == 1.0:
        print(f"epoch {epoch:3d}  train loss {train_loss:.4f}  test accuracy {test_accuracy:.3f}")
    if test_accuracy == 1.0:
        print(f"100% test accuracy after {epoch} epochs")
        break

kernel = model[0].kernel
print(f"{kernel.name}: shape {kernel.shape}, gradient norm of the last batch {np.linalg.norm(kernel.grad.data):.3g}")
