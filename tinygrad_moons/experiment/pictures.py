"""A recipe's network, handed to viz: what ``tinygrad-moons graph`` and ``backprop`` draw.

These live here, not in viz, because viz sits below the experiment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_moons import nn, optim
from tinygrad_moons.experiment.contenders import build_model
from tinygrad_moons.experiment.recipes import COURSE, Recipe, make_split

__all__ = ["recipe_graph", "trace_recipe_network"]


def recipe_graph(recipe: Recipe, path: str | os.PathLike[str], format: str | None = None, **options: Any) -> Path:
    """What ``tinygrad-moons graph`` draws: the recipe's network after one step on one batch, drawn on that batch.

    The step uses the recipe's optimizer, learning rate and batch size (the
    full training set for a full-batch recipe). Options as
    :func:`tinygrad_moons.viz.figures.write_loss_graph`.
    """
    from tinygrad_moons.viz.figures import graph_after_one_step

    split = make_split(recipe)
    model = build_model(recipe, split.X_train.shape[1])
    optimizer = optim.get(recipe.optimizer, learning_rate=recipe.learning_rate)
    model.compile(loss="binary_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    batch_size = recipe.batch_size or len(split.X_train)
    return graph_after_one_step(
        model, split.X_train, split.y_train, path, format, batch_size=batch_size, seed=recipe.seed, **options
    )


def trace_recipe_network(recipe: Recipe | None = None, points: int = 8) -> Any:
    """The recipe's network (the course's by default) on the first ``points`` training points, backward traced.

    Returns the :class:`tinygrad_moons.viz.backprop.BackpropRun` that ``write_page`` and ``write_gif`` draw.
    """
    from tinygrad_moons.tape import trace_backward
    from tinygrad_moons.tensor import Tensor
    from tinygrad_moons.viz.backprop import BackpropRun

    recipe = COURSE if recipe is None else recipe
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
