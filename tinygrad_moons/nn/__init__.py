"""Neural-network layers, losses and training, on top of the autograd engine.

Two dialects, both on the same modules:

* PyTorch's: ``nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))``,
  ``loss = nn.BCEWithLogitsLoss()(model(x), y)`` (``input, target``),
  ``optimizer.zero_grad(); loss.backward(); optimizer.step()``.
* Keras': ``Sequential([Dense(16, activation="relu", input_dim=2), ...])``,
  ``model.compile(loss="binary_crossentropy", ...)``, ``model.fit(X, y)``,
  ``model.evaluate(X, y)``, ``model.predict(X)``; Keras' losses are
  called ``loss(y_true, y_pred)``.

``import tinygrad_moons.nn as keras`` lets Keras code such as
``keras.callbacks.LambdaCallback`` run unchanged.
"""

from tinygrad_moons.nn import callbacks, functional, initializers, losses, metrics
from tinygrad_moons.nn.callbacks import Callback, EarlyStopping, History, LambdaCallback, TerminateOnNaN
from tinygrad_moons.nn.layers import (
    Activation,
    Dense,
    Dropout,
    Flatten,
    Identity,
    Input,
    Layer,
    LeakyReLU,
    Linear,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from tinygrad_moons.nn.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CrossEntropyLoss,
    L1Loss,
    Loss,
    MeanSquaredError,
    MSELoss,
    NLLLoss,
    SparseCategoricalCrossentropy,
)
from tinygrad_moons.nn.module import Module, Parameter
from tinygrad_moons.nn.saving import ModelFileError, load_model, save_model
from tinygrad_moons.nn.sequential import Sequential
from tinygrad_moons.nn.training import Model

__all__ = [
    "Activation",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BinaryCrossentropy",
    "Callback",
    "CategoricalCrossentropy",
    "CrossEntropyLoss",
    "Dense",
    "Dropout",
    "EarlyStopping",
    "Flatten",
    "History",
    "Identity",
    "Input",
    "L1Loss",
    "LambdaCallback",
    "Layer",
    "LeakyReLU",
    "Linear",
    "Loss",
    "MSELoss",
    "MeanSquaredError",
    "Model",
    "ModelFileError",
    "Module",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "SparseCategoricalCrossentropy",
    "Tanh",
    "TerminateOnNaN",
    "callbacks",
    "initializers",
    "load_model",
    "losses",
    "metrics",
    "save_model",
]
