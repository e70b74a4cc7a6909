"""Recipes: everything that defines a training run, by name (the registry ``tinygrad-moons --recipe`` reads).

Three recipes:

* :data:`DEFAULT` (``"default"``), this library's modern default: He-normal
  initial weights, Adam (lr 0.01, decayed to zero by PyTorch's
  ``CosineAnnealingLR`` over the run), mini-batches of 32, 20 epochs.
* :data:`COURSE` (``"course"``), the course project's network: weights *and*
  biases drawn as ``randn * 0.1``, plain gradient descent with lr 0.01 on the
  full batch, up to 10,000 iterations.
* :data:`COURSE_KERAS` (``"course-keras"``), the course project's Keras model:
  Keras' defaults (Glorot-uniform, zero biases, SGD lr 0.01, batches of 32).

The course project was called "the seed" in earlier versions; the old names
``"seed"`` and ``"seed-keras"`` are still accepted by :func:`get_recipe` (and
``--recipe``), and mean the same recipes. ``seed`` alone now always means a
random seed, as in NumPy and scikit-learn.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import numpy as np

from tinygrad_moons import data

__all__ = [
    "COURSE",
    "COURSE_KERAS",
    "DEFAULT",
    "LR_SCHEDULES",
    "Recipe",
    "Split",
    "canonical_recipe_name",
    "check_recipe",
    "get_recipe",
    "make_split",
    "recipe_names",
    "updates_per_epoch",
]

#: The recipe's learning-rate schedules: constant, or ``CosineAnnealingLR`` over the epochs.
LR_SCHEDULES = ("cosine", "constant")


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
    lr_schedule: str = "cosine"  # "cosine": CosineAnnealingLR to 0 over the epochs; "constant"
    epochs: int = 20
    batch_size: int | None = 32  # None: the full training set in every step
    seed: int = 0  # the random seed of the data, the split, the initial weights and the batch order

    def replace(self, **changes: Any) -> Recipe:
        """A copy with ``changes`` applied (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Input, hidden and output widths, e.g. (2, 25, 50, 50, 25, 1)."""
        return (2, *self.hidden_layers, 1)

    def describe(self) -> str:
        """One line for tables: optimizer, learning rate, batch, initializer."""
        batch = "full batch" if self.batch_size is None else f"batch {self.batch_size}"
        schedule = " cosine" if self.lr_schedule == "cosine" else ""
        course_init = self.kernel_initializer in ("normal", "course_normal")
        init = "course's randn*0.1" if course_init else self.kernel_initializer
        return f"{self.optimizer} lr {self.learning_rate:g}{schedule}, {batch}, {init} init"

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain JSON values."""
        return {**dataclasses.asdict(self), "hidden_layers": list(self.hidden_layers)}


#: This library's modern default (the ``tinygrad-moons train`` recipe).
DEFAULT = Recipe()

#: The course project's settings: its init (randn * 0.1, biases too), gradient descent, lr 0.01, full batch.
COURSE = Recipe(
    name="course",
    kernel_initializer="normal",
    bias_initializer="normal",
    optimizer="sgd",
    learning_rate=0.01,
    lr_schedule="constant",
    epochs=10_000,
    batch_size=None,
)

#: The course project's Keras model: Keras' defaults (Glorot-uniform kernels, zero biases, SGD lr 0.01, batch 32).
COURSE_KERAS = Recipe(
    name="course-keras",
    kernel_initializer="glorot_uniform",
    bias_initializer="zeros",
    optimizer="sgd",
    learning_rate=0.01,
    lr_schedule="constant",
    epochs=150,
    batch_size=32,
)

_RECIPES: dict[str, Recipe] = {recipe.name: recipe for recipe in (DEFAULT, COURSE, COURSE_KERAS)}
#: Old names, still accepted: the course project used to be called "the seed".
_ALIASES = {"seed": "course", "seed-keras": "course-keras"}


def recipe_names() -> list[str]:
    """The recipe names :func:`get_recipe` (and ``tinygrad-moons --recipe``) accepts, old aliases aside."""
    return list(_RECIPES)


def canonical_recipe_name(name: str) -> str:
    """``name``, or the current name of an old alias ("seed" -> "course"); the command line's ``--recipe`` type."""
    return _ALIASES.get(name, name)


def get_recipe(name: str) -> Recipe:
    """A recipe by name ("default", "course", "course-keras"; the old "seed", "seed-keras" also work)."""
    key = canonical_recipe_name(name)
    if key not in _RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose one of {', '.join(_RECIPES)}")
    return _RECIPES[key]


def check_recipe(recipe: Recipe) -> None:
    """Raise ValueError naming the first field of ``recipe`` that cannot be trained."""
    if recipe.dataset not in data.DATASETS:
        raise ValueError(f"unknown data set {recipe.dataset!r}; choose one of {', '.join(data.DATASETS)}")
    if recipe.epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {recipe.epochs}")
    if not recipe.learning_rate > 0:
        raise ValueError(f"the learning rate must be positive, got {recipe.learning_rate}")
    if recipe.batch_size is not None and recipe.batch_size < 1:
        raise ValueError(f"batch_size must be at least 1 (or None for the full batch), got {recipe.batch_size}")
    if recipe.lr_schedule not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {recipe.lr_schedule!r}")
    if not recipe.hidden_layers or min(recipe.hidden_layers) < 1:
        raise ValueError(f"hidden_layers must be one or more positive widths, got {recipe.hidden_layers}")


# ----------------------------------------------------------------------- data
class Split(NamedTuple):
    """A data set split into training and test parts: X of shape (n, features), y of shape (n,)."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def make_split(recipe: Recipe) -> Split:
    """The recipe's data set, split into stratified train and test parts, both from ``recipe.seed``."""
    X, y = data.load_dataset(recipe.dataset, recipe.n_samples, recipe.noise, random_state=recipe.seed)
    return Split(*data.train_test_split(X, y, test_size=recipe.test_size, random_state=recipe.seed, stratify=y))


def updates_per_epoch(recipe: Recipe, n_train: int) -> int:
    """Parameter updates in one epoch over ``n_train`` points: 1 for the full batch, else ceil(n / batch)."""
    return 1 if recipe.batch_size is None else -(-n_train // min(recipe.batch_size, n_train))
