"""The course project's hand-derived NumPy network, kept as a reference and a baseline.

This is the course project's manual network (``shared/seed``), cleaned up but
with the same mathematics, so that the autograd engine can be checked against
it (same parameters after the same steps) and timed against it (the
benchmark's baseline). Nothing here uses the engine.

Conventions, as in the course project:

* weights ``W`` have shape ``(out, in)``, biases ``b`` shape ``(out, 1)``;
* samples are *columns*: a layer computes ``Z = W·A_prev + b`` and ``A = g(Z)``
  with ``A_prev`` of shape ``(in, n)``;
* hidden layers use ReLU, the output layer a sigmoid; the objective is the
  average binary cross-entropy ``E = -1/n Σ (y log ŷ + (1-y) log(1-ŷ))``;
* initial weights *and* biases are standard normal draws times 0.1 (drawn from
  a ``numpy.random.Generator`` here, not from NumPy's global state);
* the backward pass is the hand-derived chain rule, layer by layer from the
  output::

      dA  = -(y/ŷ - (1-y)/(1-ŷ))          dE/dŷ, per sample
      dZ  = g'(Z) * dA                     σ'(Z) = ŷ(1-ŷ),  ReLU'(Z) = [Z > 0]
      dW  = dZ · A_prevᵀ / n               dE/dW (averaged over the n samples)
      db  = Σ_samples dZ / n               dE/db
      dA_prev = Wᵀ · dZ                    handed to the layer below

  followed by plain gradient descent ``W -= lr·dW``, ``b -= lr·db``.

Public methods take data the way the rest of the library does, ``X`` of shape
``(n, features)`` and ``y`` of shape ``(n,)``, and work on the transposed
*views* ``X.T`` and ``y[None, :]`` (no copies), which is the course's layout.

Two deliberate differences from the course's code, neither changing its maths:
the sigmoid's derivative uses the stored output, ``ŷ(1-ŷ)``, instead of
evaluating the sigmoid twice more, and ReLU's uses ``Z > 0`` instead of
``sign(max(0, Z))`` (the same values, fewer temporaries). And ŷ is clipped to
[ε, 1-ε] inside the loss and dE/dŷ, the ε fix the course's write-up proposes for
log(0), so a saturated output gives a zero gradient instead of 0/0 = NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["COURSE_LAYER_SIZES", "ManualNetwork", "SEED_LAYER_SIZES", "accuracy", "binary_cross_entropy"]

#: The course project's network: 2 inputs, hidden layers of 25, 50, 50 and 25 ReLU units, one sigmoid output.
COURSE_LAYER_SIZES: tuple[int, ...] = (2, 25, 50, 50, 25, 1)
#: The old name of :data:`COURSE_LAYER_SIZES` ("seed" meant the course project; it now means a random seed only).
SEED_LAYER_SIZES = COURSE_LAYER_SIZES

# Clip for the probabilities inside log() and dE/dŷ: 1 - 1e-15 is still below 1.0 in float64.
_EPSILON = 1e-15


def _sigmoid(Z: np.ndarray) -> np.ndarray:
    # The course's formula. For Z < -709, exp(-Z) overflows to inf and 1/inf = 0 is
    # the right limit, so the overflow warning is only noise.
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-Z))


def _relu(Z: np.ndarray) -> np.ndarray:
    return np.maximum(0, Z)


_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"relu": _relu, "sigmoid": _sigmoid}


def _activation_derivative(name: str, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
    """g'(Z) for the layer's activation, from its input Z or its output A = g(Z)."""
    if name == "relu":
        return Z > 0  # a boolean mask; multiplying by it keeps the float dtype
    return A * (1 - A)  # σ'(Z) = σ(Z)(1 - σ(Z)), and σ(Z) is the stored output


def binary_cross_entropy(y_hat: np.ndarray, y: np.ndarray) -> float:
    """The course's cost: the average binary cross-entropy of probabilities ``y_hat`` for labels ``y``.

    Both are row vectors of shape (1, n) (or anything that reshapes to it).
    """
    y_hat = np.clip(np.reshape(y_hat, (1, -1)), _EPSILON, 1 - _EPSILON)
    y = np.reshape(y, (1, -1))
    n = y_hat.shape[1]
    return float(-(np.dot(y, np.log(y_hat).T) + np.dot(1 - y, np.log(1 - y_hat).T)).item() / n)


def accuracy(y_hat: np.ndarray, y: np.ndarray) -> float:
    """The fraction of samples whose probability falls on the right side of 0.5 (0.5 counts as class 0)."""
    return float(np.mean((np.reshape(y_hat, -1) > 0.5) == np.reshape(y, -1)))


class ManualNetwork:
    """A fully connected network trained by the course's hand-derived backpropagation.

    >>> net = ManualNetwork((2, 25, 50, 50, 25, 1), seed=0)
    >>> X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    >>> net.predict_proba(X).shape
    (4,)

    ``weights[i]`` (shape (out, in)) and ``biases[i]`` (shape (out, 1)) are
    plain NumPy arrays, updated in place by :meth:`step`. To copy them into a
    Keras-style ``Dense`` layer, use ``kernel = W.T`` and ``bias = b.ravel()``.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int] = COURSE_LAYER_SIZES,
        activations: Sequence[str] | None = None,
        seed: int | np.random.Generator | None = None,
        dtype: Any = np.float64,
    ):
        layer_sizes = tuple(int(size) for size in layer_sizes)
        if len(layer_sizes) < 2 or min(layer_sizes) < 1:
            raise ValueError(
                f"ManualNetwork: layer_sizes needs an input and an output size, all >= 1; got {layer_sizes}"
            )
        if activations is None:
            activations = ["relu"] * (len(layer_sizes) - 2) + ["sigmoid"]
        activations = list(activations)
        if len(activations) != len(layer_sizes) - 1:
            raise ValueError(
                f"ManualNetwork: {len(layer_sizes) - 1} layers need as many activations, got {len(activations)}"
            )
        for name in activations:
            if name not in _ACTIVATIONS:
                raise ValueError(
                    f"ManualNetwork: unknown activation {name!r}; the course's network knows relu and sigmoid"
                )
        if activations[-1] != "sigmoid" or layer_sizes[-1] != 1:
            raise ValueError(
                "ManualNetwork: the output layer must be one sigmoid unit (the backward pass starts from dE/dŷ)"
            )
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise TypeError(f"ManualNetwork: dtype must be a floating type, got {self.dtype}")
        self.layer_sizes = layer_sizes
        self.activations = activations
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        # The course's init: W then b for each layer in turn, standard normal times 0.1.
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray] = []
        for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
            self.weights.append((rng.standard_normal((n_out, n_in)) * 0.1).astype(self.dtype, copy=False))
            self.biases.append((rng.standard_normal((n_out, 1)) * 0.1).astype(self.dtype, copy=False))
        # Filled by forward(): the input of every layer (A_prev) and its pre-activation Z.
        self._inputs: list[np.ndarray] = []
        self._pre_activations: list[np.ndarray] = []

    # ------------------------------------------------------------ parameters
    @property
    def n_parameters(self) -> int:
        """The number of weights and biases (5,226 for the course's 2-25-50-50-25-1 network)."""
        return sum(W.size + b.size for W, b in zip(self.weights, self.biases))

    def get_parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Copies of ``(W, b)`` for every layer, in the course's shapes (out, in) and (out, 1)."""
        return [(W.copy(), b.copy()) for W, b in zip(self.weights, self.biases)]

    def set_parameters(self, parameters: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        """Replace every layer's ``(W, b)``; shapes must match the network's and are checked."""
        parameters = list(parameters)
        if len(parameters) != len(self.weights):
            raise ValueError(
                f"set_parameters: the network has {len(self.weights)} layers, got {len(parameters)} (W, b) pairs"
            )
        for index, ((W, b), W_old, b_old) in enumerate(zip(parameters, self.weights, self.biases), 1):
            W = np.asarray(W, dtype=self.dtype)
            b = np.asarray(b, dtype=self.dtype).reshape(-1, 1)
            if W.shape != W_old.shape or b.shape != b_old.shape:
                raise ValueError(
                    f"set_parameters: layer {index} needs W {W_old.shape} and b {b_old.shape}, "
                    f"got {W.shape} and {b.shape}"
                )
            self.weights[index - 1] = W.copy()
            self.biases[index - 1] = b.copy()

    # ----------------------------------------------------- forward, backward
    def forward(self, X: np.ndarray) -> np.ndarray:
        """ŷ of shape (1, n) for inputs ``X`` of shape (n, features); keeps what backward needs."""
        A = X.T  # samples as columns, a view
        self._inputs = []
        self._pre_activations = []
        for W, b, name in zip(self.weights, self.biases, self.activations):
            self._inputs.append(A)
            Z = np.dot(W, A) + b
            self._pre_activations.append(Z)
            A = _ACTIVATIONS[name](Z)
        return A

    def backward(self, y_hat: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """The gradients ``(dW, db)`` of the average cross-entropy for every layer, from the last forward.

        ``y_hat`` is what :meth:`forward` returned, ``y`` the 0/1 labels of the same samples.
        """
        if not self._inputs:
            raise RuntimeError("backward: call forward(X) first")
        y = np.asarray(y, dtype=y_hat.dtype).reshape(y_hat.shape)  # float labels keep float32 float32
        clipped = np.clip(y_hat, _EPSILON, 1 - _EPSILON)
        dA = -(y / clipped - (1 - y) / (1 - clipped))  # dE/dŷ for each sample (the 1/n comes in dW, db)
        gradients: list[tuple[np.ndarray, np.ndarray]] = [None] * len(self.weights)  # type: ignore[list-item]
        A = y_hat  # the output of the layer being differentiated
        for index in reversed(range(len(self.weights))):
            A_prev = self._inputs[index]
            n = A_prev.shape[1]
            dZ = _activation_derivative(self.activations[index], self._pre_activations[index], A) * dA
            dW = np.dot(dZ, A_prev.T) / n
            db = np.sum(dZ, axis=1, keepdims=True) / n
            if index > 0:  # the input layer's dA is never used
                dA = np.dot(self.weights[index].T, dZ)
            gradients[index] = (dW, db)
            A = A_prev
        return gradients

    def apply_gradients(self, gradients: Sequence[tuple[np.ndarray, np.ndarray]], lr: float) -> None:
        """Gradient descent, in place: ``W -= lr·dW`` and ``b -= lr·db`` for every layer."""
        for W, b, (dW, db) in zip(self.weights, self.biases, gradients):
            W -= lr * dW
            b -= lr * db

    def step(self, X: np.ndarray, y: np.ndarray, lr: float) -> np.ndarray:
        """One gradient-descent step on ``(X, y)``; returns ŷ from *before* the update, as the course's loop."""
        y_hat = self.forward(X)
        self.apply_gradients(self.backward(y_hat, y), lr)
        return y_hat

    def train(
        self,
        X: np.ndarray,
        y: np.ndarray,
        iterations: int = 10_000,
        lr: float = 0.01,
        callback: Callable[[int, ManualNetwork], bool | None] | None = None,
    ) -> dict[str, list[float]]:
        """The course's training loop: full-batch gradient descent for ``iterations`` steps.

        Returns ``{"loss": [...], "accuracy": [...]}``, the training loss and
        accuracy measured on each step's forward pass (before its update), as
        the course project recorded them. ``callback(iteration, network)`` runs after
        every update (iteration counts from 1); returning True stops training.
        """
        if lr <= 0:
            raise ValueError(f"train: lr must be positive, got {lr}")
        X = np.asarray(X, dtype=self.dtype)
        y = np.asarray(y)
        if X.ndim != 2 or X.shape[1] != self.layer_sizes[0] or y.shape != (X.shape[0],):
            raise ValueError(
                f"train: X must be (n, {self.layer_sizes[0]}) and y (n,); got X {X.shape} and y {y.shape}"
            )
        history: dict[str, list[float]] = {"loss": [], "accuracy": []}
        for iteration in range(1, iterations + 1):
            y_hat = self.step(X, y, lr)
            history["loss"].append(binary_cross_entropy(y_hat, y))
            history["accuracy"].append(accuracy(y_hat, y))
            if callback is not None and callback(iteration, self):
                break
        return history

    # ------------------------------------------------------------ prediction
    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """P(class 1) for every row of ``X``, shape (n,)."""
        X = np.asarray(X, dtype=self.dtype)
        A = X.T
        for W, b, name in zip(self.weights, self.biases, self.activations):
            A = _ACTIVATIONS[name](np.dot(W, A) + b)
        return A.reshape(-1)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class labels 0/1 (probability above 0.5 is class 1, as the course's ``acc``)."""
        return (self.predict_proba(X) > 0.5).astype(np.int64)

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """``(loss, accuracy)`` on ``(X, y)``, without changing the network."""
        y_hat = self.predict_proba(X)
        return binary_cross_entropy(y_hat, y), accuracy(y_hat, y)

    def __repr__(self) -> str:
        sizes = "-".join(str(size) for size in self.layer_sizes)
        return f"ManualNetwork({sizes}, activations={self.activations}, dtype={self.dtype})"
