"""The course project's experiment as recipes and contenders: what ``tinygrad-moons train`` and ``compare`` run.

The course project (``shared/seed``, "the course" here) trained a
2-25-50-50-25-1 network on the moons by hand and with Keras, and found Keras
"takes about 175 times fewer iterations". This package reruns that
experiment, and shows where the difference comes from:

* :mod:`~tinygrad_moons.experiment.recipes`: a :class:`Recipe` is everything
  that defines a training run (data and split, network, initializer,
  optimizer, learning rate and schedule, batch size, epochs, random seed);
  :data:`DEFAULT`, :data:`COURSE` and :data:`COURSE_KERAS` by name.
* :mod:`~tinygrad_moons.experiment.contenders`: the implementations, each
  written once: the course's hand-written NumPy network, this library,
  scikit-learn's MLPClassifier, PyTorch when importable; and the builders the
  benchmark shares with them (networks from given weights, one training step).
* :mod:`~tinygrad_moons.experiment.runs`: :func:`run` trains any contender,
  times it and notes its first epoch at 100% test accuracy; :func:`compare`
  runs every row on one split; results are keyed by ``"<contender>/<recipe>"``.
* :mod:`~tinygrad_moons.experiment.report`: the table and the prose, wrapped
  to the terminal.

A Keras epoch is 25 updates on mini-batches of 32 from Glorot-initialised
weights, a full-batch epoch one update from weights scaled by 0.1. Counted in
updates, and with the same initial weights, the hand-written network and this
library do exactly the same thing.

Old names, kept working: the recipes ``"seed"`` and ``"seed-keras"`` (now
``"course"`` and ``"course-keras"``), and ``SEED``/``SEED_KERAS`` for
:data:`COURSE`/:data:`COURSE_KERAS`.
"""

from __future__ import annotations

from tinygrad_moons.experiment.contenders import (
    Contender,
    HandWritten,
    PyTorch,
    ScikitLearn,
    TinygradMoons,
    build_model,
    copy_parameters,
    torch_available,
)
from tinygrad_moons.experiment.pictures import recipe_graph, trace_recipe_network
from tinygrad_moons.experiment.recipes import (
    COURSE,
    COURSE_KERAS,
    DEFAULT,
    LR_SCHEDULES,
    Recipe,
    Split,
    canonical_recipe_name,
    get_recipe,
    make_split,
    recipe_names,
    updates_per_epoch,
)
from tinygrad_moons.experiment.report import explain, format_table
from tinygrad_moons.experiment.runs import (
    KEYS,
    RunResult,
    compare,
    course_initial_parameters,
    run,
    train,
    train_manual,
    train_sklearn,
    train_torch,
    uses_course_init,
)

#: The old names of :data:`COURSE` and :data:`COURSE_KERAS` ("seed" meant the course project).
SEED = COURSE
SEED_KERAS = COURSE_KERAS

__all__ = [
    "COURSE",
    "COURSE_KERAS",
    "DEFAULT",
    "KEYS",
    "LR_SCHEDULES",
    "Contender",
    "HandWritten",
    "PyTorch",
    "Recipe",
    "RunResult",
    "ScikitLearn",
    "Split",
    "TinygradMoons",
    "build_model",
    "canonical_recipe_name",
    "compare",
    "copy_parameters",
    "course_initial_parameters",
    "explain",
    "format_table",
    "get_recipe",
    "make_split",
    "recipe_graph",
    "recipe_names",
    "run",
    "torch_available",
    "trace_recipe_network",
    "train",
    "train_manual",
    "train_sklearn",
    "train_torch",
    "updates_per_epoch",
    "uses_course_init",
]
