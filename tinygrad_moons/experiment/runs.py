"""One way to run a contender: :func:`run` owns the timing and the first epoch at 100% test accuracy.

Every contender (:mod:`tinygrad_moons.experiment.contenders`) is trained by
:func:`run`, which times it, scores the test set after every epoch (the
scoring is part of the measured time, the same for everyone) and notes the
first epoch at 100% test accuracy, with the updates and seconds until then.
:func:`compare` runs the course project's experiment next to this library's
and scikit-learn's, and the results are keyed by an identifier,
``"<contender>/<recipe>"`` (e.g. ``"handwritten/course"``), not by their labels.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_moons.experiment.contenders import (
    Contender,
    HandWritten,
    Parameters,
    PyTorch,
    ScikitLearn,
    TinygradMoons,
    torch_available,
)
from tinygrad_moons.experiment.recipes import COURSE, COURSE_KERAS, DEFAULT, Recipe, Split, check_recipe, make_split
from tinygrad_moons.nn import Callback
from tinygrad_moons.reference import ManualNetwork, accuracy, binary_cross_entropy

__all__ = [
    "KEYS",
    "RunResult",
    "compare",
    "course_initial_parameters",
    "run",
    "train",
    "train_manual",
    "train_sklearn",
    "train_torch",
    "uses_course_init",
]

#: The rows of :func:`compare`, by key, in order (PyTorch's only where it is installed).
KEYS = (
    "handwritten/course",
    "tinygrad_moons/course",
    "tinygrad_moons/course-keras",
    "tinygrad_moons/default",
    "sklearn/default",
    "torch/default",
)


@dataclasses.dataclass
class RunResult:
    """What one training run gives: final scores, when 100% test accuracy came, and how long it took.

    ``key`` identifies the run (``"<contender>/<recipe>"``), ``label`` is for
    display. ``epochs``/``updates`` count what was run; the ``*_to_perfect``
    fields are None when the run never reached 100% test accuracy.
    ``seconds`` is the wall time of the whole training, test scoring after
    each epoch included. Losses are the average binary cross-entropy of the
    final model's probabilities (clipped to [1e-15, 1 - 1e-15]), computed the
    same way for every row. ``history`` has the contender's per-epoch
    training logs (``loss``, ...) and the test scores ``val_loss`` and
    ``val_accuracy`` after every epoch.
    """

    key: str
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
        return {key: value for key, value in dataclasses.asdict(self).items() if key not in ("history", "model")}


def _scores(predict_proba: Callable[[np.ndarray], np.ndarray], split: Split) -> dict[str, float]:
    train_probabilities = np.asarray(predict_proba(split.X_train), dtype=np.float64).reshape(-1)
    test_probabilities = np.asarray(predict_proba(split.X_test), dtype=np.float64).reshape(-1)
    return {
        "train_loss": binary_cross_entropy(train_probabilities, split.y_train),
        "train_accuracy": accuracy(train_probabilities, split.y_train),
        "test_loss": binary_cross_entropy(test_probabilities, split.y_test),
        "test_accuracy": accuracy(test_probabilities, split.y_test),
    }


def run(
    contender: Contender,
    split: Split,
    recipe: Recipe,
    *,
    stop_at_perfect: bool = False,
    max_epochs: int | None = None,
    label: str | None = None,
) -> RunResult:
    """Train ``contender`` with ``recipe`` on ``split``; time it and note its first epoch at 100% test accuracy.

    The model is built before the clock starts; after every epoch the test
    set is scored (inside the measured time). ``stop_at_perfect`` ends
    training after the first epoch at 100% test accuracy (for "how long to
    100%"); ``max_epochs`` ends it after that many epochs without changing the
    recipe (a cosine schedule still spans the recipe's epochs). ``label``
    replaces the contender's own display label.
    """
    check_recipe(recipe)
    if max_epochs is not None and max_epochs < 1:
        raise ValueError(f"max_epochs must be at least 1 (or None), got {max_epochs}")
    contender.prepare(split, recipe)
    test_scores: dict[str, list[float]] = {"val_loss": [], "val_accuracy": []}
    first: dict[str, Any] = {}
    start = time.perf_counter()

    def end_of_epoch(epochs_done: int, logs: dict[str, Any] | None = None) -> bool:
        probabilities = np.asarray(contender.predict_proba(split.X_test), dtype=np.float64).reshape(-1)
        test_accuracy = accuracy(probabilities, split.y_test)
        test_scores["val_loss"].append(binary_cross_entropy(probabilities, split.y_test))
        test_scores["val_accuracy"].append(test_accuracy)
        if logs is not None:
            logs.update(val_loss=test_scores["val_loss"][-1], val_accuracy=test_accuracy)
        if test_accuracy == 1.0 and not first:
            first.update(epoch=epochs_done, seconds=time.perf_counter() - start)
        return bool(stop_at_perfect and first) or (max_epochs is not None and epochs_done >= max_epochs)

    history = contender.train(split, recipe, end_of_epoch)
    seconds = time.perf_counter() - start
    epochs = len(test_scores["val_accuracy"])
    per_epoch = contender.updates_per_epoch(recipe, len(split.X_train))
    return RunResult(
        key=f"{contender.key}/{recipe.name}",
        label=label or contender.label(recipe),
        settings=contender.describe(recipe),
        **_scores(contender.predict_proba, split),
        epochs=epochs,
        updates=epochs * per_epoch,
        epochs_to_perfect=first.get("epoch"),
        updates_to_perfect=None if not first else first["epoch"] * per_epoch,
        seconds_to_perfect=first.get("seconds"),
        seconds=seconds,
        history={**history, **test_scores},
        model=contender.model,
    )


# ------------------------------------------------ one function per contender
def train(
    recipe: Recipe = DEFAULT,
    split: Split | None = None,
    verbose: int = 0,
    callbacks: Sequence[Callback] = (),
    label: str | None = None,
    initial_parameters: Parameters | None = None,
    stop_at_perfect: bool = False,
    max_epochs: int | None = None,
) -> RunResult:
    """Train this library's model with ``recipe`` on ``split`` (made from the recipe when None).

    ``initial_parameters``, a list of ``(W, b)`` in the course's layout (as
    ``ManualNetwork.get_parameters()`` returns), replaces the initializer's
    draws. ``callbacks`` and ``verbose`` go to ``fit``; the rest as :func:`run`.
    """
    split = make_split(recipe) if split is None else split
    contender = TinygradMoons(initial_parameters, callbacks, verbose)
    return run(contender, split, recipe, stop_at_perfect=stop_at_perfect, max_epochs=max_epochs, label=label)


def train_manual(
    recipe: Recipe = COURSE, split: Split | None = None, label: str | None = None, stop_at_perfect: bool = False
) -> RunResult:
    """Train the course's hand-derived NumPy network (:mod:`tinygrad_moons.reference`) as the course did."""
    split = make_split(recipe) if split is None else split
    return run(HandWritten(), split, recipe, stop_at_perfect=stop_at_perfect, label=label)


def train_sklearn(
    recipe: Recipe = DEFAULT,
    split: Split | None = None,
    epochs: int = 200,
    follow_recipe: bool = False,
    stop_at_perfect: bool = False,
) -> RunResult:
    """scikit-learn's ``MLPClassifier`` for up to ``epochs`` epochs (its default ``max_iter``); see ``ScikitLearn``."""
    split = make_split(recipe) if split is None else split
    return run(ScikitLearn(follow_recipe), split, recipe.replace(epochs=epochs), stop_at_perfect=stop_at_perfect)


def train_torch(recipe: Recipe = DEFAULT, split: Split | None = None) -> RunResult:
    """The same recipe written in plain PyTorch (float64, CPU); only where PyTorch is installed."""
    split = make_split(recipe) if split is None else split
    return run(PyTorch(), split, recipe)


def uses_course_init(recipe: Recipe) -> bool:
    """Whether ``recipe`` draws its weights and biases with the course's init (``"normal"``, randn*0.1)."""
    course_init = ("normal", "course_normal")
    return recipe.kernel_initializer in course_init and recipe.bias_initializer in course_init


def course_initial_parameters(recipe: Recipe) -> Parameters | None:
    """The course network's own initial weights for ``recipe`` if it uses the course's init, else None.

    The course's init (``"normal"``, randn*0.1, weights and biases) is drawn by
    :class:`~tinygrad_moons.reference.ManualNetwork` in one order and by the
    library's ``"normal"`` initializer in another: the same distribution but
    other numbers, so another trajectory (with seed 0, 100% test accuracy after
    epoch 5,400 instead of 6,425). ``compare`` and ``tinygrad-moons train``
    both start the course's settings from the course network's draw (a list of
    ``(W, b)`` in the course's layout, ``W`` of shape (n_out, n_in)), so they
    report the same run.
    """
    if not uses_course_init(recipe):
        return None
    return ManualNetwork(recipe.layer_sizes, seed=recipe.seed).get_parameters()


# ------------------------------------------------------------------ compare
def compare(
    seed: int = 0,
    course_iterations: int = COURSE.epochs,
    default_epochs: int = DEFAULT.epochs,
    keras_epochs: int = COURSE_KERAS.epochs,
    sklearn_epochs: int = 200,
    include_torch: bool = True,
    progress: Callable[[str], Any] | None = None,
) -> tuple[Split, list[RunResult]]:
    """Train every contender on the same split of the moons; returns the split and one result per row.

    Rows, by key (:data:`KEYS`): the course's NumPy network with the course's
    settings; this library with the course's settings, from the same initial
    weights (so the same trajectory); this library with the course's Keras
    settings; this library's modern default; scikit-learn's MLPClassifier;
    PyTorch with the default recipe, if it is installed. ``seed`` is the
    random seed of the data, the split and every model's initial weights.
    ``progress(message)`` is called before each run.
    """
    course = COURSE.replace(seed=seed, epochs=course_iterations)
    keras = COURSE_KERAS.replace(seed=seed, epochs=keras_epochs)
    default = DEFAULT.replace(seed=seed, epochs=default_epochs)
    split = make_split(course)
    # Row 2 starts from the very weights row 1 starts from: the library's "normal" initializer draws
    # the same N(0, 0.1²) but in another order, and equal starts make any difference the engine's.
    initial = course_initial_parameters(course)
    plan: list[tuple[str, Contender, Recipe]] = [
        (f"the course's NumPy network: {course_iterations:,} full-batch iterations", HandWritten(), course),
        (
            f"tinygrad_moons with the course's settings: {course_iterations:,} full-batch epochs",
            TinygradMoons(initial),
            course,
        ),
        (f"tinygrad_moons with the course's Keras settings: {keras_epochs:,} epochs", TinygradMoons(), keras),
        (f"tinygrad_moons with the modern default: {default_epochs:,} epochs", TinygradMoons(), default),
        (
            f"scikit-learn MLPClassifier: {sklearn_epochs:,} epochs",
            ScikitLearn(),
            default.replace(epochs=sklearn_epochs),
        ),
    ]
    if include_torch and torch_available():
        plan.append((f"PyTorch with the modern default: {default_epochs:,} epochs", PyTorch(), default))
    say = progress or (lambda message: None)
    results = []
    for message, contender, recipe in plan:
        say(message)
        results.append(run(contender, split, recipe))
    return split, results
