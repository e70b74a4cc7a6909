"""Neural-network layers, losses and training, on top of the autograd engine.

Two ways to train, both on the same modules:

* PyTorch style: ``out = model(x); loss = F.binary_cross_entropy(out, y);
  optimizer.zero_grad(); loss.backward(); optimizer.step()``.
* Keras style: ``model.compile(...)``, ``model.fit(X, y)``,
  ``model.evaluate(X, y)``, ``model.predict(X)``.

``import tinygrad_moons.nn as keras`` lets Keras code such as
``keras.callbacks.LambdaCallback`` run unchanged.
"""

from tinygrad_moons.nn import callbacks, functional, initializers, losses
from tinygrad_moons.nn.callbacks import Callback, EarlyStopping, History, LambdaCallback
from tinygrad_moons.nn.layers import Activation, Dense, Layer, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from tinygrad_moons.nn.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CrossEntropyLoss,
    Loss,
    MeanSquaredError,
    MSELoss,
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
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "Layer",
    "LeakyReLU",
    "Loss",
    "MSELoss",
    "MeanSquaredError",
    "Model",
    "ModelFileError",
    "Module",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "SparseCategoricalCrossentropy",
    "Tanh",
    "callbacks",
    "initializers",
    "load_model",
    "losses",
    "save_model",
]
