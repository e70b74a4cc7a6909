"""Contenders: the implementations that ``compare`` trains and the benchmark times, each written once.

A :class:`Contender` trains a recipe's network on a split its own way (the
hand-written network with its loop, this library with ``fit``, scikit-learn
with ``partial_fit``, PyTorch with its loop) and calls back after every epoch;
:func:`tinygrad_moons.experiment.run` owns what is common: the timing, the
test scores after each epoch and the first epoch at 100% test accuracy.

Below the contenders sit the *builders* the benchmark shares with them: the
networks from given initial weights (:func:`model_from_parameters`,
:func:`torch_model`), one training step as its users write it
(:func:`explicit_step`, :func:`torch_step`), and the one place where the
hand-written network's weights are copied into ``Dense`` layers
(:func:`dense_parameters`, :func:`copy_parameters`).

Weights in the course project's layout are a list of ``(W, b)`` with ``W`` of
shape (out, in) and ``b`` of shape (out, 1), as
:meth:`tinygrad_moons.reference.ManualNetwork.get_parameters` returns them; a
``Dense`` layer keeps ``kernel = Wᵀ`` (in, out) and ``bias = b.ravel()`` (out,).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from tinygrad_moons import functional as F
from tinygrad_moons import nn, ops, optim
from tinygrad_moons.experiment.recipes import Recipe, Split, updates_per_epoch
from tinygrad_moons.lr_scheduler import CosineAnnealingLR
from tinygrad_moons.nn import Callback
from tinygrad_moons.nn.callbacks import EpochScheduler
from tinygrad_moons.reference import ManualNetwork
from tinygrad_moons.tensor import Tensor

__all__ = [
    "Contender",
    "EpochEnd",
    "HandWritten",
    "Parameters",
    "PyTorch",
    "ScikitLearn",
    "TinygradMoons",
    "build_model",
    "copy_parameters",
    "dense_parameters",
    "explicit_step",
    "model_from_parameters",
    "recipe_title",
    "torch_available",
    "torch_model",
    "torch_step",
]

#: Weights in the course project's layout: per layer W (out, in) and b (out, 1).
Parameters = Sequence[tuple[np.ndarray, np.ndarray]]


class EpochEnd(Protocol):
    """What a contender calls after every epoch: ``end_of_epoch(epochs_done, logs)``; True means stop now.

    ``epochs_done`` counts from 1. ``logs``, if given, receives the test
    scores (``val_loss``, ``val_accuracy``), e.g. for ``fit``'s progress bar.
    """

    def __call__(self, epochs_done: int, logs: dict[str, Any] | None = None) -> bool: ...


class Contender(Protocol):
    """One implementation, trained on a recipe by :func:`tinygrad_moons.experiment.run`.

    ``key`` identifies it in results (with the recipe's name: ``"handwritten/course"``);
    ``model`` is what :meth:`prepare` built (for the figures).
    """

    key: str
    model: Any

    def label(self, recipe: Recipe) -> str:
        """The row's name in tables and figures."""
        ...

    def describe(self, recipe: Recipe) -> str:
        """The settings it really trains with, for the table."""
        ...

    def updates_per_epoch(self, recipe: Recipe, n_train: int) -> int:
        """Parameter updates per epoch on ``n_train`` points."""
        ...

    def prepare(self, split: Split, recipe: Recipe) -> None:
        """Build the model (not timed)."""
        ...

    def train(self, split: Split, recipe: Recipe, end_of_epoch: EpochEnd) -> dict[str, list[float]]:
        """Train for ``recipe.epochs`` epochs (or until ``end_of_epoch`` says stop); the per-epoch training logs."""
        ...

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """P(class 1) for every row of ``X``, shape (n,)."""
        ...


def recipe_title(recipe: Recipe) -> str:
    """How rows name a recipe: "modern default", "course settings", "course's Keras settings", "<name> settings"."""
    titles = {"default": "modern default", "course": "course settings", "course-keras": "course's Keras settings"}
    return titles.get(recipe.name, f"{recipe.name} settings")


# ------------------------------------------------------------ weights, once
def dense_parameters(parameters: Parameters, dtype: Any = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """The course-layout ``(W, b)`` as ``Dense``'s ``(kernel, bias)``: ``Wᵀ`` (in, out) and ``b.ravel()`` (out,).

    New arrays (in ``dtype`` if given), so the caller may update them in place. The kernel is ``W.T`` copied
    as it lies in memory (Fortran order for a C-ordered ``W``), as ``W.T.astype(dtype)`` gives it.
    """
    pairs = []
    for W, b in parameters:
        W, b = np.asarray(W), np.asarray(b)
        pairs.append((W.T.astype(dtype or W.dtype), np.ravel(b).astype(dtype or b.dtype)))
    return pairs


def copy_parameters(parameters: Parameters, model: nn.Sequential) -> None:
    """Put the course-layout ``(W, b)`` of every layer into the model's Dense layers: kernel = Wᵀ, bias = b."""
    dense_layers = [layer for layer in model if isinstance(layer, nn.Dense)]
    if len(dense_layers) != len(parameters):
        raise ValueError(
            f"the model has {len(dense_layers)} Dense layers but {len(parameters)} (W, b) pairs were given"
        )
    for layer, (kernel, bias) in zip(dense_layers, dense_parameters(parameters)):
        if layer.kernel is None or layer.bias is None:
            raise ValueError(f"{layer.name} is not built yet: give the first layer input_dim=, or call model.build()")
        if layer.kernel.shape != kernel.shape or layer.bias.shape != bias.shape:
            raise ValueError(
                f"{layer.name}: kernel {layer.kernel.shape} and bias {layer.bias.shape} do not fit "
                f"W {kernel.T.shape} and b {bias.shape}"
            )
        layer.kernel.data[...] = kernel
        layer.bias.data[...] = bias


def _widths(parameters: Parameters) -> list[int]:
    """The network's widths from its weights: input, then each layer's output."""
    return [parameters[0][0].shape[1]] + [W.shape[0] for W, _ in parameters]


# ------------------------------------------------------------ this library
def build_model(recipe: Recipe, input_dim: int = 2, dtype: Any = None) -> nn.Sequential:
    """The recipe's network as an ``nn.Sequential``: hidden Dense layers, then one sigmoid unit."""
    widths = [*recipe.hidden_layers, 1]
    activations = [recipe.activation] * len(recipe.hidden_layers) + ["sigmoid"]
    layers = [
        nn.Dense(
            units,
            activation=activation,
            input_dim=input_dim if index == 0 else None,
            kernel_initializer=recipe.kernel_initializer,
            bias_initializer=recipe.bias_initializer,
            **({} if dtype is None else {"dtype": dtype}),
        )
        for index, (units, activation) in enumerate(zip(widths, activations))
    ]
    return nn.Sequential(layers, seed=recipe.seed)


def model_from_parameters(parameters: Parameters, activation: str = "relu", dtype: Any = np.float64) -> nn.Sequential:
    """A Sequential of Dense layers (``activation``, then one sigmoid unit) starting from ``parameters``."""
    widths = _widths(parameters)
    recipe = Recipe(hidden_layers=tuple(widths[1:-1]), activation=activation, kernel_initializer="zeros")
    model = build_model(recipe, widths[0], dtype)
    copy_parameters(parameters, model)
    return model


def explicit_step(model: Callable[[Tensor], Tensor], loss_fn: Callable[..., Tensor], optimizer: Any) -> Callable:
    """One training step as a PyTorch user writes it: loss, ``zero_grad``, ``backward``, ``step``.

    ``loss_fn`` is called Keras' way, ``loss_fn(target, output)`` (e.g.
    ``nn.BinaryCrossentropy()``). The returned ``step(x, target)`` takes Tensors.
    """

    def step(x: Tensor, target: Tensor) -> None:
        loss = loss_fn(target, model(x))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


class _EpochHook(Callback):
    """Hands ``fit``'s epoch ends to :func:`run`'s ``end_of_epoch``, and stops ``fit`` when it says so."""

    def __init__(self, end_of_epoch: EpochEnd):
        super().__init__()
        self.end_of_epoch = end_of_epoch

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.end_of_epoch(epoch + 1, logs):
            self.model.stop_training = True


class TinygradMoons:
    """This library the Keras way: ``build_model``, ``compile`` and ``fit`` with the recipe's settings.

    ``parameters`` (course layout) replace the initializer's draws, e.g. the
    hand-written network's, so that both start from the same weights.
    ``callbacks`` go to ``fit`` after the ones this contender needs;
    ``verbose`` is ``fit``'s. A "cosine" recipe steps PyTorch's
    ``CosineAnnealingLR`` (``T_max`` = the recipe's epochs) after every epoch.
    """

    key = "tinygrad_moons"

    def __init__(self, parameters: Parameters | None = None, callbacks: Sequence[Callback] = (), verbose: int = 0):
        self.parameters = parameters
        self.callbacks = list(callbacks)
        self.verbose = verbose
        self.model: Any = None

    def label(self, recipe: Recipe) -> str:
        """``tinygrad_moons, <recipe title>``."""
        return f"tinygrad_moons, {recipe_title(recipe)}"

    def describe(self, recipe: Recipe) -> str:
        """The recipe's own description."""
        return recipe.describe()

    def updates_per_epoch(self, recipe: Recipe, n_train: int) -> int:
        """1 on the full batch, else ceil(n / batch)."""
        return updates_per_epoch(recipe, n_train)

    def prepare(self, split: Split, recipe: Recipe) -> None:
        """Build and compile the model (optimizer and learning rate from the recipe)."""
        self.model = build_model(recipe, split.X_train.shape[1])
        if self.parameters is not None:
            copy_parameters(self.parameters, self.model)
        optimizer = optim.get(recipe.optimizer, learning_rate=recipe.learning_rate)
        self.model.compile(loss="binary_crossentropy", optimizer=optimizer, metrics=["accuracy"])

    def train(self, split: Split, recipe: Recipe, end_of_epoch: EpochEnd) -> dict[str, list[float]]:
        """``fit`` for the recipe's epochs, the batch order from ``recipe.seed``."""
        schedule: list[Callback] = []
        if recipe.lr_schedule == "cosine":
            schedule.append(EpochScheduler(CosineAnnealingLR(self.model.optimizer, T_max=recipe.epochs)))
        history = self.model.fit(
            split.X_train,
            split.y_train,
            epochs=recipe.epochs,
            batch_size=recipe.batch_size,
            verbose=self.verbose,
            callbacks=[*schedule, _EpochHook(end_of_epoch), *self.callbacks],
            seed=recipe.seed,
        )
        return {key: list(values) for key, values in history.history.items()}

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """The model's sigmoid output, shape (n,)."""
        return np.asarray(self.model.predict(X), dtype=np.float64).reshape(-1)


# ------------------------------------------------------ the course's network
class HandWritten:
    """The course project's hand-derived NumPy network (:mod:`tinygrad_moons.reference`), trained as it was.

    Only the course's settings make sense here: gradient descent on the full
    batch, ReLU hidden layers; ``recipe`` gives the data, the layers, the
    learning rate, the iterations (epochs) and the seed of the initial weights
    (or ``parameters`` gives the weights).
    """

    key = "handwritten"

    def __init__(self, parameters: Parameters | None = None):
        self.parameters = parameters
        self.model: Any = None

    @staticmethod
    def network(parameters: Parameters, dtype: Any = np.float64) -> ManualNetwork:
        """The hand-written network starting from ``parameters`` (course layout), in ``dtype``."""
        network = ManualNetwork(_widths(parameters), dtype=dtype)
        network.set_parameters(parameters)
        return network

    def label(self, recipe: Recipe) -> str:
        """The row's name."""
        return "hand-written NumPy network (course)"

    def describe(self, recipe: Recipe) -> str:
        """Gradient descent on the full batch from the course's init."""
        init = "given" if self.parameters is not None else "course's randn*0.1"
        return f"sgd lr {recipe.learning_rate:g}, full batch, {init} init"

    def updates_per_epoch(self, recipe: Recipe, n_train: int) -> int:
        """One update per iteration: the full batch."""
        return 1

    def prepare(self, split: Split, recipe: Recipe) -> None:
        """The network, from ``recipe.seed`` (or the given weights); refuses settings it cannot train."""
        unsupported = {
            "optimizer": (recipe.optimizer, "sgd"),
            "batch_size": (recipe.batch_size, None),
            "lr_schedule": (recipe.lr_schedule, "constant"),
            "activation": (recipe.activation, "relu"),
        }
        for field, (value, needed) in unsupported.items():
            if value != needed:
                raise ValueError(
                    f"the hand-written network trains only the course's settings: {field} must be {needed!r}, "
                    f"got {value!r}"
                )
        if self.parameters is not None:
            self.model = self.network(self.parameters)
        else:
            self.model = ManualNetwork(recipe.layer_sizes, seed=recipe.seed)

    def train(self, split: Split, recipe: Recipe, end_of_epoch: EpochEnd) -> dict[str, list[float]]:
        """The course's loop: ``recipe.epochs`` full-batch iterations."""
        return self.model.train(
            split.X_train,
            split.y_train,
            recipe.epochs,
            recipe.learning_rate,
            callback=lambda iteration, network: end_of_epoch(iteration),
        )

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """The network's output, shape (n,)."""
        return self.model.predict_proba(X)


# ------------------------------------------------------------ scikit-learn
class ScikitLearn:
    """scikit-learn's ``MLPClassifier`` with the recipe's hidden layers, one ``partial_fit`` per epoch.

    By default with scikit-learn's own defaults (adam, lr 0.001, batches of
    200, Glorot init); with ``follow_recipe=True`` with the recipe's learning
    rate and batch size (adam or sgd as the recipe says; still its own
    initial weights, a constant rate, and its L2 penalty alpha=1e-4).
    """

    key = "sklearn"

    def __init__(self, follow_recipe: bool = False):
        self.follow_recipe = follow_recipe
        self.model: Any = None

    def _batch(self, recipe: Recipe, n_train: int) -> int:
        if self.follow_recipe:
            return n_train if recipe.batch_size is None else min(recipe.batch_size, n_train)
        return min(200, n_train)  # MLPClassifier's batch_size="auto"

    def label(self, recipe: Recipe) -> str:
        """The row's name."""
        return "scikit-learn MLPClassifier" + (f", {recipe_title(recipe)}" if self.follow_recipe else "")

    def describe(self, recipe: Recipe) -> str:
        """Its optimizer, rate, batch and init."""
        if not self.follow_recipe:
            return "adam lr 0.001, batch 200, glorot init"
        batch = "full batch" if recipe.batch_size is None else f"batch {recipe.batch_size}"
        return f"{recipe.optimizer} lr {recipe.learning_rate:g}, {batch}, glorot init"

    def updates_per_epoch(self, recipe: Recipe, n_train: int) -> int:
        """ceil(n / batch)."""
        return -(-n_train // self._batch(recipe, n_train))

    def prepare(self, split: Split, recipe: Recipe) -> None:
        """The classifier (untrained), seeded by ``recipe.seed``."""
        from sklearn.neural_network import MLPClassifier

        options: dict[str, Any] = {}
        if self.follow_recipe:
            if recipe.optimizer not in ("adam", "sgd"):
                raise ValueError(f"scikit-learn's MLPClassifier has no {recipe.optimizer!r} solver (adam or sgd)")
            options = {
                "solver": recipe.optimizer,
                "learning_rate_init": recipe.learning_rate,
                "batch_size": self._batch(recipe, len(split.X_train)),
            }
        self.model = MLPClassifier(
            hidden_layer_sizes=recipe.hidden_layers, activation=recipe.activation, random_state=recipe.seed, **options
        )

    def train(self, split: Split, recipe: Recipe, end_of_epoch: EpochEnd) -> dict[str, list[float]]:
        """``partial_fit`` once per epoch, for ``recipe.epochs`` epochs."""
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        classes = np.unique(split.y_train)
        history: dict[str, list[float]] = {"loss": []}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for epoch in range(1, recipe.epochs + 1):
                self.model.partial_fit(split.X_train, split.y_train, classes=classes)
                history["loss"].append(float(self.model.loss_))
                if end_of_epoch(epoch):
                    break
        return history

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """P(class 1), shape (n,)."""
        return self.model.predict_proba(X)[:, 1]


# --------------------------------------------------------- PyTorch, if any
def torch_available() -> bool:
    """True when PyTorch can be imported (it is never a dependency)."""
    return importlib.util.find_spec("torch") is not None


def _torch_activation(activation: str) -> str:
    """PyTorch's layer class for an activation: our op classes carry PyTorch's names (ReLU, Tanh, LeakyReLU...)."""
    F.get_activation(activation)  # a clear error for an unknown name
    return ops.REGISTRY[activation].__name__


def torch_model(
    layer_sizes: Sequence[int],
    activation: str = "relu",
    dtype: Any = np.float64,
    parameters: Parameters | None = None,
    output_sigmoid: bool = True,
) -> Any:
    """A ``torch.nn.Sequential`` of ``Linear`` layers and activations, float64 or float32 on the CPU.

    With ``parameters`` (course layout: ``Linear.weight`` is (out, in) as the
    course's W) the layers start from them, else from PyTorch's own init.
    ``output_sigmoid=False`` leaves the last Sigmoid out (for ``BCEWithLogitsLoss``).
    """
    import torch

    torch_dtype = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}[np.dtype(dtype)]
    modules: list[Any] = []
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    for index, (n_in, n_out) in enumerate(pairs):
        linear = torch.nn.Linear(n_in, n_out, dtype=torch_dtype)
        if parameters is not None:
            W, b = parameters[index]
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(np.asarray(W, dtype=dtype)))
                linear.bias.copy_(torch.from_numpy(np.ravel(b).astype(dtype)))
        modules.append(linear)
        if index < len(pairs) - 1:
            modules.append(getattr(torch.nn, _torch_activation(activation))())
        elif output_sigmoid:
            modules.append(torch.nn.Sigmoid())
    return torch.nn.Sequential(*modules)


def torch_step(model: Any, loss_fn: Any, optimizer: Any) -> Callable:
    """One PyTorch training step as its users write it: ``loss_fn(model(x), target)``, zero_grad, backward, step.

    The returned ``step(x, target)`` takes torch tensors and returns the loss tensor.
    """

    def step(x: Any, target: Any) -> Any:
        loss = loss_fn(model(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return step


class PyTorch:
    """The recipe in plain PyTorch (float64, CPU), where PyTorch is installed.

    Layers are ``nn.Linear`` with PyTorch's own default init (the point is
    PyTorch as a user would write it); optimizer, learning rate, schedule
    (``torch.optim.lr_scheduler.CosineAnnealingLR``), batch size, epochs and
    the batch order's seed follow the recipe.
    """

    key = "torch"

    def __init__(self) -> None:
        self.model: Any = None

    def label(self, recipe: Recipe) -> str:
        """``PyTorch <version>, <recipe title>``."""
        import torch

        return f"PyTorch {torch.__version__.split('+')[0]}, {recipe_title(recipe)}"

    def describe(self, recipe: Recipe) -> str:
        """The recipe's description with PyTorch's init."""
        return recipe.describe().replace(f"{recipe.kernel_initializer} init", "torch's default init")

    def updates_per_epoch(self, recipe: Recipe, n_train: int) -> int:
        """1 on the full batch, else ceil(n / batch)."""
        return updates_per_epoch(recipe, n_train)

    def prepare(self, split: Split, recipe: Recipe) -> None:
        """The model, its optimizer and loss; ``torch.manual_seed(recipe.seed)`` first."""
        import torch

        torch.manual_seed(recipe.seed)
        self.model = torch_model(recipe.layer_sizes, recipe.activation)
        optimizer_class = getattr(torch.optim, type(optim.get(recipe.optimizer)).__name__)
        # The same hyperparameters as ours (Keras' defaults for the name, e.g. RMSprop's rho 0.9), not torch's own.
        hyperparameters = {**optim.keras_defaults(recipe.optimizer), "lr": recipe.learning_rate}
        self.optimizer = optimizer_class(self.model.parameters(), **hyperparameters)
        self.step = torch_step(self.model, torch.nn.BCELoss(), self.optimizer)

    def train(self, split: Split, recipe: Recipe, end_of_epoch: EpochEnd) -> dict[str, list[float]]:
        """PyTorch's loop over shuffled batches (order from ``recipe.seed``), the scheduler stepped per epoch."""
        import torch

        X_train = torch.from_numpy(split.X_train)
        y_train = torch.from_numpy(split.y_train.astype(np.float64)).reshape(-1, 1)
        n = len(X_train)
        batch = n if recipe.batch_size is None else min(recipe.batch_size, n)
        scheduler = None
        if recipe.lr_schedule == "cosine":
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(self.optimizer, T_max=recipe.epochs)
        rng = np.random.default_rng(recipe.seed)
        history: dict[str, list[float]] = {"loss": []}
        for epoch in range(1, recipe.epochs + 1):
            order = torch.from_numpy(rng.permutation(n)) if batch < n else torch.arange(n)
            total = 0.0
            for begin in range(0, n, batch):
                rows = order[begin : begin + batch]
                total += self.step(X_train[rows], y_train[rows]).item() * len(rows)
            history["loss"].append(total / n)
            if scheduler is not None:
                scheduler.step()
            if end_of_epoch(epoch):
                break
        return history

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """P(class 1), shape (n,)."""
        import torch

        with torch.no_grad():
            return self.model(torch.from_numpy(np.asarray(X, dtype=np.float64))).numpy().reshape(-1)

