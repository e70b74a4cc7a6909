"""The seed's experiment as recipes: what ``tinygrad-moons train`` and ``compare`` run.

A :class:`Recipe` is everything that defines a training run: the data set and
its split, the network, the initializer, the optimizer and its learning rate,
the batch size and the number of epochs, and one seed for all the randomness.
Two recipes matter most:

* :data:`DEFAULT`, this library's modern default: He-normal initial weights,
  Adam (lr 0.01, decayed to zero along a cosine over the run), mini-batches of
  32, 20 epochs. It reaches 100% test accuracy on the moons in a few epochs.
* :data:`SEED`, the course project's settings: weights *and* biases drawn as
  ``randn * 0.1``, plain gradient descent with lr 0.01 on the full batch, up to
  10,000 iterations.

The seed's write-up found that Keras "takes about 175 times fewer iterations"
than its hand-written network. :func:`compare` trains the same split with both
recipes, with the seed's own NumPy network and with scikit-learn, and shows
where the difference comes from: a Keras epoch is 25 updates on mini-batches
of 32 from Glorot-initialised weights, a full-batch epoch is one update from
weights scaled by 0.1. Counted in updates, and with the same initial weights,
the hand-written network and this library do exactly the same thing
(:data:`SEED_KERAS` is the seed's Keras settings, for the middle ground).

Every run is timed and records when it *first* reaches 100% test accuracy
(epoch, number of parameter updates and seconds); the test set is scored after
every epoch for that, and the cost of scoring is included in the times.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from tinygrad_moons import data, nn, ops, optim
from tinygrad_moons import functional as F
from tinygrad_moons.nn import Callback
from tinygrad_moons.reference import ManualNetwork, accuracy, binary_cross_entropy

__all__ = [
    "DEFAULT",
    "SEED",
    "SEED_KERAS",
    "CosineDecay",
    "FirstPerfectAccuracy",
    "Recipe",
    "RunResult",
    "Split",
    "build_model",
    "compare",
    "copy_manual_parameters",
    "explain",
    "format_table",
    "get_recipe",
    "make_split",
    "recipe_graph",
    "recipe_names",
    "trace_recipe_network",
    "train",
    "train_manual",
    "train_sklearn",
    "train_torch",
    "updates_per_epoch",
]


# -------------------------------------------------------------------- recipes
@dataclasses.dataclass(frozen=True)
class Recipe:
    """Everything that defines a training run. Change a field with ``recipe.replace(epochs=50)``."""

    name: str = "default"
    dataset: str = "moons"
    n_samples: int = 1000
    noise: float | None = None  # None: the data set's own default (0.1 for moons)
    test_size: float = 0.2
    hidden_layers: tuple[int, ...] = (25, 50, 50, 25)
    activation: str = "relu"
    kernel_initializer: str = "he_normal"
    bias_initializer: str = "zeros"
    optimizer: str = "adam"
    learning_rate: float = 0.01
    lr_schedule: str = "cosine"  # "cosine": decay to 0 over the run; "constant"
    epochs: int = 20
    batch_size: int | None = 32  # None: the full training set in every step
    seed: int = 0  # the data, the split, the initial weights and the batch order

    def replace(self, **changes: Any) -> Recipe:
        return dataclasses.replace(self, **changes)

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Input, hidden and output widths, e.g. (2, 25, 50, 50, 25, 1)."""
        return (2, *self.hidden_layers, 1)

    def describe(self) -> str:
        """One line for tables: optimizer, learning rate, batch, initializer."""
        batch = "full batch" if self.batch_size is None else f"batch {self.batch_size}"
        schedule = " cosine" if self.lr_schedule == "cosine" else ""
        init = "seed's randn*0.1" if self.kernel_initializer == "normal" else self.kernel_initializer
        return f"{self.optimizer} lr {self.learning_rate:g}{schedule}, {batch}, {init} init"

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "hidden_layers": list(self.hidden_layers)}


#: This library's modern default (the ``tinygrad-moons train`` recipe).
DEFAULT = Recipe()

#: The course project's settings: its init (randn * 0.1, biases too), gradient descent, lr 0.01, full batch.
SEED = Recipe(
    name="seed",
    kernel_initializer="normal",
    bias_initializer="normal",
    optimizer="sgd",
    learning_rate=0.01,
    lr_schedule="constant",
    epochs=10_000,
    batch_size=None,
)

#: The seed's Keras model: Keras' defaults (Glorot-uniform kernels, zero biases, SGD lr 0.01, batch 32).
SEED_KERAS = Recipe(
    name="seed-keras",
    kernel_initializer="glorot_uniform",
    bias_initializer="zeros",
    optimizer="sgd",
    learning_rate=0.01,
    lr_schedule="constant",
    epochs=150,
    batch_size=32,
)

RECIPES: dict[str, Recipe] = {"default": DEFAULT, "seed": SEED, "seed-keras": SEED_KERAS}


def recipe_names() -> list[str]:
    """The recipe names :func:`get_recipe` (and ``tinygrad-moons --recipe``) accepts."""
    return list(RECIPES)


def get_recipe(name: str) -> Recipe:
    """A recipe by name."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose one of {', '.join(RECIPES)}")
    return RECIPES[name]


# ----------------------------------------------------------------------- data
class Split(NamedTuple):
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def make_split(recipe: Recipe) -> Split:
    """The recipe's data set, split into stratified train and test parts, both from ``recipe.seed``."""
    X, y = data.load_dataset(recipe.dataset, recipe.n_samples, recipe.noise, random_state=recipe.seed)
    return Split(*data.train_test_split(X, y, test_size=recipe.test_size, random_state=recipe.seed))


# ---------------------------------------------------------------- callbacks
class FirstPerfectAccuracy(Callback):
    """Notes the first epoch whose ``val_accuracy`` (the test accuracy, here) is 100%.

    Also the number of parameter updates and the seconds since training
    began at that moment. It reads what ``fit`` already computed, so it costs
    nothing. With ``stop=True`` it ends training there.
    """

    def __init__(self, updates_per_epoch: int, stop: bool = False):
        super().__init__()
        self.updates_per_epoch = updates_per_epoch
        self.stop = stop
        self.epoch: int | None = None
        self.seconds: float | None = None
        self._start = 0.0
        self._epochs_before = 0

    @property
    def updates(self) -> int | None:
        return None if self.epoch is None else self.epoch * self.updates_per_epoch

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        if self.epoch is None and (logs or {}).get("val_accuracy") == 1.0:
            self.epoch = epoch + 1  # fit counts from 0; "reached at epoch 1" means after one epoch
            self.seconds = time.perf_counter() - self._start
            if self.stop:
                self.model.stop_training = True


class CosineDecay(Callback):
    """Sets the optimizer's learning rate to ``lr · ½(1 + cos(π · epoch / epochs))`` before every epoch.

    The rate starts at ``lr`` and glides to almost 0 at the last epoch, so the
    run ends on settled weights instead of Adam's last jitter around the optimum.
    """

    def __init__(self, learning_rate: float, epochs: int):
        super().__init__()
        self.learning_rate = learning_rate
        self.epochs = epochs

    def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        self.model.optimizer.lr = self.learning_rate * 0.5 * (1 + math.cos(math.pi * epoch / self.epochs))


# -------------------------------------------------------------------- results
@dataclasses.dataclass
class RunResult:
    """What one training run gives: final scores, when 100% test accuracy came, and how long it took.

    ``epochs``/``updates`` count what was run; the ``*_to_perfect`` fields are
    None when the run never reached 100% test accuracy. ``seconds`` is the
    wall time of the whole training, test scoring after each epoch included.
    Losses are the average binary cross-entropy of the final model's
    probabilities (clipped to [1e-15, 1 - 1e-15]), computed the same way for
    every row.
    """

    label: str
    settings: str
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    epochs: int
    updates: int
    epochs_to_perfect: int | None
    updates_to_perfect: int | None
    seconds_to_perfect: float | None
    seconds: float
    history: dict[str, list[float]] = dataclasses.field(default_factory=dict, repr=False)
    model: Any = dataclasses.field(default=None, repr=False)

    def summary(self) -> dict[str, Any]:
        """The numbers, without the model and the history (for JSON)."""
        return {
            key: value
            for key, value in dataclasses.asdict(self).items()
            if key not in ("history", "model")
        }


def _scores(predict_proba: Callable[[np.ndarray], np.ndarray], split: Split) -> dict[str, float]:
    train_probabilities = np.asarray(predict_proba(split.X_train), dtype=np.float64).reshape(-1)
    test_probabilities = np.asarray(predict_proba(split.X_test), dtype=np.float64).reshape(-1)
    return {
        "train_loss": binary_cross_entropy(train_probabilities, split.y_train),
        "train_accuracy": accuracy(train_probabilities, split.y_train),
        "test_loss": binary_cross_entropy(test_probabilities, split.y_test),
        "test_accuracy": accuracy(test_probabilities, split.y_test),
    }


def updates_per_epoch(recipe: Recipe, n_train: int) -> int:
    """Parameter updates in one epoch over ``n_train`` points: 1 for the full batch, else ceil(n / batch)."""
    return 1 if recipe.batch_size is None else -(-n_train // min(recipe.batch_size, n_train))


# ---------------------------------------------------------- this library
def build_model(recipe: Recipe, input_dim: int = 2) -> nn.Sequential:
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
        )
        for index, (units, activation) in enumerate(zip(widths, activations))
    ]
    return nn.Sequential(layers, seed=recipe.seed)


def make_optimizer(recipe: Recipe) -> optim.Optimizer:
    return optim.get(recipe.optimizer, learning_rate=recipe.learning_rate)


def train(
    recipe: Recipe = DEFAULT,
    split: Split | None = None,
    verbose: int = 0,
    callbacks: Sequence[Callback] = (),
    label: str | None = None,
    initial_parameters: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
    stop_at_perfect: bool = False,
) -> RunResult:
    """Train this library's model with ``recipe`` on ``split`` (made from the recipe when None).

    ``stop_at_perfect`` ends training after the first epoch with 100% test
    accuracy (for timing "how long to 100%"; otherwise every epoch runs).

    ``initial_parameters``, a list of ``(W, b)`` in the seed's layout (as
    ``ManualNetwork.get_parameters()`` returns), replaces the initializer's
    draws: the model starts from exactly those weights.
    """
    _check_recipe(recipe)
    split = make_split(recipe) if split is None else split
    model = build_model(recipe, split.X_train.shape[1])
    if initial_parameters is not None:
        copy_manual_parameters(initial_parameters, model)
    model.compile(loss="binary_crossentropy", optimizer=make_optimizer(recipe), metrics=["accuracy"])
    tracker = FirstPerfectAccuracy(updates_per_epoch(recipe, len(split.X_train)), stop=stop_at_perfect)
    schedule = [CosineDecay(recipe.learning_rate, recipe.epochs)] if recipe.lr_schedule == "cosine" else []
    start = time.perf_counter()
    history = model.fit(
        split.X_train,
        split.y_train,
        epochs=recipe.epochs,
        batch_size=recipe.batch_size,
        validation_data=(split.X_test, split.y_test),
        verbose=verbose,
        callbacks=[*schedule, tracker, *callbacks],
        seed=recipe.seed,
    )
    seconds = time.perf_counter() - start
    epochs_run = len(history.history["loss"])
    return RunResult(
        label=label or f"tinygrad_moons, {recipe.name} settings",
        settings=recipe.describe(),
        **_scores(lambda X: model.predict(X), split),
        epochs=epochs_run,
        updates=epochs_run * tracker.updates_per_epoch,
        epochs_to_perfect=tracker.epoch,
        updates_to_perfect=tracker.updates,
        seconds_to_perfect=tracker.seconds,
        seconds=seconds,
        history={key: list(values) for key, values in history.history.items()},
        model=model,
    )


# ------------------------------------------------------- the seed's network
def train_manual(
    recipe: Recipe = SEED, split: Split | None = None, label: str | None = None, stop_at_perfect: bool = False
) -> RunResult:
    """Train the seed's hand-derived NumPy network (:mod:`tinygrad_moons.reference`) as the seed did.

    Only the seed's settings make sense here: gradient descent on the full
    batch from ``randn * 0.1`` weights; ``recipe`` gives the data, the
    layers, the learning rate, the number of iterations and the seed.
    ``stop_at_perfect`` ends training at the first iteration with 100% test accuracy.
    """
    _check_recipe(recipe)
    split = make_split(recipe) if split is None else split
    network = ManualNetwork(recipe.layer_sizes, seed=recipe.seed)
    first: dict[str, float] = {}
    test_accuracies: list[float] = []
    start = time.perf_counter()

    def score_test_set(iteration: int, net: ManualNetwork) -> bool:
        test_accuracy = accuracy(net.predict_proba(split.X_test), split.y_test)
        test_accuracies.append(test_accuracy)
        if test_accuracy == 1.0 and not first:
            first.update(iteration=iteration, seconds=time.perf_counter() - start)
            return stop_at_perfect
        return False

    history = network.train(split.X_train, split.y_train, recipe.epochs, recipe.learning_rate, callback=score_test_set)
    seconds = time.perf_counter() - start
    history["val_accuracy"] = test_accuracies
    return RunResult(
        label=label or "the seed's NumPy network",
        settings=f"sgd lr {recipe.learning_rate:g}, full batch, seed's randn*0.1 init",
        **_scores(network.predict_proba, split),
        epochs=len(history["loss"]),
        updates=len(history["loss"]),
        epochs_to_perfect=first.get("iteration"),
        updates_to_perfect=first.get("iteration"),
        seconds_to_perfect=first.get("seconds"),
        seconds=seconds,
        history=history,
        model=network,
    )


# ------------------------------------------------------------ scikit-learn
def train_sklearn(recipe: Recipe = DEFAULT, split: Split | None = None, epochs: int = 200) -> RunResult:
    """scikit-learn's ``MLPClassifier`` with the same hidden layers and its own defaults (adam, lr 0.001, batch 200).

    One ``partial_fit`` per epoch so the test set can be scored after each,
    for up to ``epochs`` epochs (scikit-learn's default ``max_iter``).
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    split = make_split(recipe) if split is None else split
    classifier = MLPClassifier(hidden_layer_sizes=recipe.hidden_layers, activation=recipe.activation, random_state=recipe.seed)
    classes = np.unique(split.y_train)
    batch = min(200, len(split.X_train))  # MLPClassifier's batch_size="auto"
    first: dict[str, float] = {}
    history: dict[str, list[float]] = {"loss": [], "val_accuracy": []}
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for epoch in range(1, epochs + 1):
            classifier.partial_fit(split.X_train, split.y_train, classes=classes)
            history["loss"].append(float(classifier.loss_))
            test_accuracy = float(np.mean(classifier.predict(split.X_test) == split.y_test))
            history["val_accuracy"].append(test_accuracy)
            if test_accuracy == 1.0 and not first:
                first.update(epoch=epoch, seconds=time.perf_counter() - start)
    seconds = time.perf_counter() - start
    steps_per_epoch = -(-len(split.X_train) // batch)
    return RunResult(
        label="scikit-learn MLPClassifier",
        settings=f"adam lr 0.001, batch {batch}, glorot init",
        **_scores(lambda X: classifier.predict_proba(X)[:, 1], split),
        epochs=epochs,
        updates=epochs * steps_per_epoch,
        epochs_to_perfect=first.get("epoch"),
        updates_to_perfect=None if not first else int(first["epoch"]) * steps_per_epoch,
        seconds_to_perfect=first.get("seconds"),
        seconds=seconds,
        history=history,
        model=classifier,
    )


# --------------------------------------------------------- PyTorch, if any
def torch_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def _torch_name(activation: str) -> str:
    """PyTorch's layer class for an activation: our op classes carry PyTorch's names (ReLU, Tanh, LeakyReLU...)."""
    F.get_activation(activation)  # a clear error for an unknown name
    return ops.REGISTRY[activation].__name__


def train_torch(recipe: Recipe = DEFAULT, split: Split | None = None) -> RunResult:
    """The same recipe written in plain PyTorch (float64, CPU); only runs where PyTorch is installed.

    Layers are ``nn.Linear`` (Kaiming-uniform init: PyTorch's own default,
    since the point is PyTorch as a user would write it); optimizer, learning
    rate, schedule, batch size, epochs and the batch order's seed follow the recipe.
    """
    import torch

    split = make_split(recipe) if split is None else split
    torch.manual_seed(recipe.seed)
    sizes = recipe.layer_sizes
    modules: list[Any] = []
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        modules.append(torch.nn.Linear(n_in, n_out, dtype=torch.float64))
        last = index == len(sizes) - 2
        modules.append(torch.nn.Sigmoid() if last else getattr(torch.nn, _torch_name(recipe.activation))())
    model = torch.nn.Sequential(*modules)
    optimizer_class = getattr(torch.optim, type(optim.get(recipe.optimizer)).__name__)
    optimizer = optimizer_class(model.parameters(), lr=recipe.learning_rate)
    loss_function = torch.nn.BCELoss()
    X_train = torch.from_numpy(split.X_train)
    y_train = torch.from_numpy(split.y_train.astype(np.float64)).reshape(-1, 1)
    X_test = torch.from_numpy(split.X_test)
    n = len(X_train)
    batch = n if recipe.batch_size is None else min(recipe.batch_size, n)
    rng = np.random.default_rng(recipe.seed)
    first: dict[str, float] = {}
    history: dict[str, list[float]] = {"loss": [], "val_accuracy": []}
    start = time.perf_counter()
    for epoch in range(recipe.epochs):
        if recipe.lr_schedule == "cosine":
            for group in optimizer.param_groups:
                group["lr"] = recipe.learning_rate * 0.5 * (1 + math.cos(math.pi * epoch / recipe.epochs))
        order = torch.from_numpy(rng.permutation(n)) if batch < n else torch.arange(n)
        total = 0.0
        for begin in range(0, n, batch):
            rows = order[begin : begin + batch]
            loss = loss_function(model(X_train[rows]), y_train[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)
        history["loss"].append(total / n)
        with torch.no_grad():
            test_accuracy = float(np.mean((model(X_test).numpy().reshape(-1) > 0.5) == split.y_test))
        history["val_accuracy"].append(test_accuracy)
        if test_accuracy == 1.0 and not first:
            first.update(epoch=epoch + 1, seconds=time.perf_counter() - start)
    seconds = time.perf_counter() - start
    steps_per_epoch = -(-n // batch)

    def predict_proba(X: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model(torch.from_numpy(np.asarray(X, dtype=np.float64))).numpy()

    return RunResult(
        label=f"PyTorch {torch.__version__.split('+')[0]}, " + ("modern default" if recipe.name == "default" else f"{recipe.name} settings"),
        settings=recipe.describe().replace(f"{recipe.kernel_initializer} init", "torch's default init"),
        **_scores(predict_proba, split),
        epochs=recipe.epochs,
        updates=recipe.epochs * steps_per_epoch,
        epochs_to_perfect=first.get("epoch"),
        updates_to_perfect=None if not first else int(first["epoch"]) * steps_per_epoch,
        seconds_to_perfect=first.get("seconds"),
        seconds=seconds,
        history=history,
        model=model,
    )


# ------------------------------------------------------------------ compare
def compare(
    seed: int = 0,
    seed_iterations: int = SEED.epochs,
    default_epochs: int = DEFAULT.epochs,
    keras_epochs: int = SEED_KERAS.epochs,
    sklearn_epochs: int = 200,
    include_torch: bool = True,
    progress: Callable[[str], Any] | None = None,
) -> tuple[Split, list[RunResult]]:
    """Train every contender on the same split of the moons; returns the split and one result per row.

    Rows: (a) the seed's NumPy network with the seed's settings, (b) this
    library with the seed's settings (same initial weights as (a), so the
    same trajectory), (c) this library with the seed's Keras settings,
    (d) this library's modern default, (e) scikit-learn's MLPClassifier,
    (f) PyTorch with the default recipe, if it is installed.
    ``progress(message)`` is called before each run.
    """
    seed_recipe = SEED.replace(seed=seed, epochs=seed_iterations)
    split = make_split(seed_recipe)
    say = progress or (lambda message: None)
    results = []
    say(f"the seed's NumPy network: {seed_iterations:,} full-batch iterations")
    results.append(train_manual(seed_recipe, split))
    say(f"tinygrad_moons with the seed's settings: {seed_iterations:,} full-batch epochs")
    # (b) starts from the very weights (a) started from: the library's "normal" initializer draws
    # the same N(0, 0.1²) but in another order, and equal starts make any difference the engine's.
    initial = ManualNetwork(seed_recipe.layer_sizes, seed=seed_recipe.seed).get_parameters()
    results.append(train(seed_recipe, split, label="tinygrad_moons, seed's settings", initial_parameters=initial))
    keras_recipe = SEED_KERAS.replace(seed=seed, epochs=keras_epochs)
    say(f"tinygrad_moons with the seed's Keras settings: {keras_epochs} epochs")
    results.append(train(keras_recipe, split, label="tinygrad_moons, seed's Keras settings"))
    default_recipe = DEFAULT.replace(seed=seed, epochs=default_epochs)
    say(f"tinygrad_moons with the modern default: {default_epochs} epochs")
    results.append(train(default_recipe, split, label="tinygrad_moons, modern default"))
    say(f"scikit-learn MLPClassifier: {sklearn_epochs} epochs")
    results.append(train_sklearn(default_recipe, split, epochs=sklearn_epochs))
    if include_torch and torch_available():
        say(f"PyTorch with the modern default: {default_epochs} epochs")
        results.append(train_torch(default_recipe, split))
    return split, results


def copy_manual_parameters(parameters: Sequence[tuple[np.ndarray, np.ndarray]], model: nn.Sequential) -> None:
    """Put the seed-layout ``(W, b)`` of every layer into the model's Dense layers: kernel = Wᵀ, bias = b."""
    dense_layers = [layer for layer in model if isinstance(layer, nn.Dense)]
    if len(dense_layers) != len(parameters):
        raise ValueError(f"the model has {len(dense_layers)} Dense layers but {len(parameters)} (W, b) pairs were given")
    for layer, (W, b) in zip(dense_layers, parameters):
        if layer.kernel.shape != W.T.shape or layer.bias.shape != (b.size,):
            raise ValueError(
                f"{layer.name}: kernel {layer.kernel.shape} and bias {layer.bias.shape} do not fit W {W.shape} and b {b.shape}"
            )
        layer.kernel.data[...] = W.T
        layer.bias.data[...] = b.reshape(-1)


# ------------------------------------------------------------------- tables
def _format_optional(value: float | int | None, fmt: str) -> str:
    return "never" if value is None else format(value, fmt)


def format_table(results: Sequence[RunResult]) -> str:
    """A plain-text table, one row per run."""
    headers = ["model", "settings", "test acc", "test loss", "epochs→100%", "updates→100%", "time→100%", "epochs", "time"]
    rows = [
        [
            result.label,
            result.settings,
            f"{result.test_accuracy:.1%}",
            f"{result.test_loss:.4f}",
            _format_optional(result.epochs_to_perfect, ","),
            _format_optional(result.updates_to_perfect, ","),
            "never" if result.seconds_to_perfect is None else f"{result.seconds_to_perfect:.2f} s",
            f"{result.epochs:,}",
            f"{result.seconds:.2f} s",
        ]
        for result in results
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    numeric = [False, False] + [True] * (len(headers) - 2)

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.rjust(w) if right else cell.ljust(w) for cell, w, right in zip(cells, widths, numeric)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def explain(results: Sequence[RunResult]) -> str:
    """A few sentences that read the table: where the seed's "175 times fewer iterations" comes from."""
    by_label = {result.label: result for result in results}
    lines = []
    manual = by_label.get("the seed's NumPy network")
    ours_seed = by_label.get("tinygrad_moons, seed's settings")
    keras = by_label.get("tinygrad_moons, seed's Keras settings")
    default = by_label.get("tinygrad_moons, modern default")
    if manual and ours_seed:
        if manual.epochs_to_perfect is None and ours_seed.epochs_to_perfect is None:
            reached = f"neither reaches 100% test accuracy in {manual.epochs:,} iterations"
        elif manual.epochs_to_perfect == ours_seed.epochs_to_perfect:
            reached = f"both first reach 100% test accuracy at iteration {manual.epochs_to_perfect:,}"
        else:
            reached = (
                f"they first reach 100% test accuracy at iterations {_format_optional(manual.epochs_to_perfect, ',')} "
                f"and {_format_optional(ours_seed.epochs_to_perfect, ',')}"
            )
        lines.append(
            "The seed's network and this library with the seed's settings start from the same weights and do the "
            f"same maths: {reached}; their final test losses are {manual.test_loss:.6f} and {ours_seed.test_loss:.6f}."
        )
    if manual and keras and manual.epochs_to_perfect and keras.epochs_to_perfect:
        ratio = manual.epochs_to_perfect / keras.epochs_to_perfect
        update_ratio = manual.updates_to_perfect / keras.updates_to_perfect
        lines.append(
            f"Keras' settings need {ratio:.0f}x fewer epochs than the seed's, but an epoch of batch 32 is "
            f"{keras.updates_to_perfect // keras.epochs_to_perfect} updates: counted in updates the gap is {update_ratio:.1f}x, "
            "and what remains is the initialisation, Glorot vs randn*0.1 (examples/compare_with_seed.py changes one at a time)."
        )
    if default and default.epochs_to_perfect and manual and manual.seconds_to_perfect:
        lines.append(
            f"The modern default (He init, Adam, mini-batches) reaches 100% after {default.updates_to_perfect:,} updates "
            f"in {default.seconds_to_perfect:.2f} s, {manual.seconds_to_perfect / default.seconds_to_perfect:.0f}x sooner "
            "than the seed's network."
        )
    return "\n".join(lines)


def _check_recipe(recipe: Recipe) -> None:
    if recipe.dataset not in data.DATASETS:
        raise ValueError(f"unknown data set {recipe.dataset!r}; choose one of {', '.join(data.DATASETS)}")
    if recipe.epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {recipe.epochs}")
    if not recipe.learning_rate > 0:
        raise ValueError(f"the learning rate must be positive, got {recipe.learning_rate}")
    if recipe.batch_size is not None and recipe.batch_size < 1:
        raise ValueError(f"batch_size must be at least 1 (or None for the full batch), got {recipe.batch_size}")
    if recipe.lr_schedule not in ("cosine", "constant"):
        raise ValueError(f"lr_schedule must be 'cosine' or 'constant', got {recipe.lr_schedule!r}")
    if not recipe.hidden_layers or min(recipe.hidden_layers) < 1:
        raise ValueError(f"hidden_layers must be one or more positive widths, got {recipe.hidden_layers}")


# ---------------------------------------------------------------- pictures
# These build a recipe's network and hand it to viz; they live here, not in viz, because viz sits below experiment.
def recipe_graph(recipe: Recipe, path: str | os.PathLike[str], format: str | None = None, **options: Any) -> Path:
    """What ``tinygrad-moons graph`` draws: the recipe's network after one step on one batch, drawn on that batch.

    The step uses the recipe's optimizer, learning rate and batch size (the
    full training set for a full-batch recipe). Options as
    :func:`tinygrad_moons.viz.figures.write_loss_graph`.
    """
    from tinygrad_moons.viz.figures import graph_after_one_step

    split = make_split(recipe)
    model = build_model(recipe, split.X_train.shape[1])
    model.compile(loss="binary_crossentropy", optimizer=make_optimizer(recipe), metrics=["accuracy"])
    batch_size = recipe.batch_size or len(split.X_train)
    return graph_after_one_step(
        model, split.X_train, split.y_train, path, format, batch_size=batch_size, seed=recipe.seed, **options
    )


def trace_recipe_network(recipe: Recipe | None = None, points: int = 8) -> Any:
    """The recipe's network (the seed's recipe by default) on the first ``points`` training points, backward traced.

    Returns the :class:`tinygrad_moons.viz.backprop.BackpropRun` that ``write_page`` and ``write_gif`` draw.
    """
    from tinygrad_moons.tape import trace_backward
    from tinygrad_moons.tensor import Tensor
    from tinygrad_moons.viz.backprop import BackpropRun

    recipe = SEED if recipe is None else recipe
    if points < 1:
        raise ValueError(f"points must be at least 1, got {points}")
    split = make_split(recipe)
    if points > len(split.X_train):
        raise ValueError(f"points: asked for {points} but the training set has {len(split.X_train)}")
    model = build_model(recipe, split.X_train.shape[1])
    X, y = split.X_train[:points], split.y_train[:points].reshape(-1, 1).astype(np.float64)
    loss = nn.BinaryCrossentropy()(Tensor(y, name="y"), model(Tensor(X, name="X")))
    with trace_backward() as tape:
        loss.backward()
    sizes = "-".join(str(s) for s in recipe.layer_sizes)
    title = f"{sizes} network ({recipe.name} recipe), {points} points, loss E = {float(loss.data):.6g}"
    return BackpropRun(loss, tape, title, list(model.named_parameters()), model, X, y)
