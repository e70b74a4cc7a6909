"""Regenerate the README's pictures into docs/images/ with the same functions the commands use.

    python examples/make_readme_images.py            # everything (the comparison takes a minute or two)
    python examples/make_readme_images.py --quick    # skip the comparison

Writes:

* ``seed_graph_chain_rule.svg``: the course's network and the course's objective
  written out with tensor ops, each box labelled with the derivative its
  backward applies (dE/dŷ, σ′, ReLU′);
* ``seed_graph_collapsed.svg`` and ``default_graph_collapsed.svg``: the loss
  graph that ``tinygrad-moons graph --collapse --grads`` draws (one box per
  layer, parameters coloured by gradient size) with the course's settings and
  with the modern default (the file names keep the old word "seed", as the README links them);
* ``decision_boundary.png``, ``curves.png``, ``graph.svg``, ``training.gif``:
  what ``tinygrad-moons train --gif`` writes for the default recipe (the GIF
  with fewer, smaller frames to keep the repository light);
* ``compiled_program.png``: the course's training step on a batch of 32 after
  ``tinygrad_moons.compile``, drawn by ``viz.draw_program`` (the graph it was
  captured from beside its kernels and buffers);
* ``compare.png``: what ``tinygrad-moons compare`` writes.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")  # no window, ever

import numpy as np  # noqa: E402

from tinygrad_moons import Tensor, experiment  # noqa: E402
from tinygrad_moons.viz import (  # noqa: E402
    draw_graph,
    figures,  # noqa: E402
    render_graph,
    walk_graph,
)

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"


def chain_rule_graph(path: Path) -> Path:
    """The course's network on 4 points with the course's loss written out, each op labelled with its derivative.

    The library's own loss fuses sigmoid and cross-entropy into one op
    (``binary_cross_entropy_with_logits``, whose backward is ŷ - y); writing
    E with log, mul and mean keeps every factor of the course's derivation as
    its own box.
    """
    split = experiment.make_split(experiment.COURSE)
    model = experiment.build_model(experiment.COURSE)
    X = Tensor(split.X_train[:4], name="X")
    y = Tensor(split.y_train[:4].reshape(-1, 1).astype(np.float64), name="y")
    y_hat = model(X)
    log_y_hat = y_hat.log()
    one_minus = 1 - y_hat
    log_one_minus = one_minus.log()
    one_minus_y = 1 - y  # computed from the labels, not recorded: named so the drawing can say what it is
    one_minus_y.name = "1 − y"
    average = (y * log_y_hat + one_minus_y * log_one_minus).mean()
    loss = -average
    loss.name = "E"
    notes = {
        loss: "E = −(1/n) Σ [y log ŷ + (1−y) log(1−ŷ)]",
        average: "backward: × 1/n",
        log_y_hat: "backward: × 1/ŷ",
        log_one_minus: "backward: × 1/(1−ŷ)",
        one_minus: "backward: × (−1)",
        y_hat: "σ′(z) = ŷ(1 − ŷ)",
    }
    for tensor in walk_graph(loss):
        if tensor.grad_fn is not None and tensor.grad_fn.name == "relu":
            notes[tensor] = "ReLU′(z) = [z > 0]"
        elif tensor.grad_fn is not None and tensor.grad_fn.name == "linear":
            notes[tensor] = "∂z/∂W = aᵀ, ∂z/∂b = 1, ∂z/∂a = Wᵀ"
    graph = draw_graph(loss, rankdir="TB", notes=notes, title="the course's network and objective on 4 points")
    return render_graph(graph, path)


def compiled_program(path: Path) -> Path:
    """The course's step (Keras' BinaryCrossentropy, SGD lr 0.01) on 32 points, compiled, as draw_program draws it."""
    import tinygrad_moons as tm
    from tinygrad_moons import nn, optim
    from tinygrad_moons.experiment.contenders import build_model, explicit_step
    from tinygrad_moons.viz import draw_program

    recipe = experiment.COURSE
    split = experiment.make_split(recipe)
    model = build_model(recipe)
    step = tm.compile(explicit_step(model, nn.BinaryCrossentropy(), optim.SGD(model.parameters(), lr=0.01)))
    x, target = Tensor(split.X_train[:32]), Tensor(split.y_train[:32].reshape(-1, 1).astype(np.float64))
    step(x, target)  # the call that captures the program
    graph = draw_program(step, x, target, title="the course's step, batch of 32, compiled")
    return render_graph(graph, path)


def main() -> None:
    """Write every picture (or all but the comparison with ``--quick``) and print their sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the comparison (the slowest part)")
    arguments = parser.parse_args()
    IMAGES.mkdir(parents=True, exist_ok=True)
    written = []

    def done(path: Path, started: float) -> None:
        written.append(path)
        size = path.stat().st_size / 1024
        print(f"{path.relative_to(IMAGES.parent.parent)}  {size:.0f} KiB  ({time.perf_counter() - started:.1f} s)")

    started = time.perf_counter()
    done(chain_rule_graph(IMAGES / "seed_graph_chain_rule.svg"), started)

    # `tinygrad-moons graph --collapse --grads`, for the course's settings and for the modern default:
    # the same network after one step, parameters coloured by the size of their gradients.
    collapsed = {"seed_graph_collapsed.svg": experiment.COURSE, "default_graph_collapsed.svg": experiment.DEFAULT}
    for name, recipe in collapsed.items():
        started = time.perf_counter()
        path = experiment.recipe_graph(
            recipe, IMAGES / name, collapse=True, show_grads=True, grad_flow=True, rankdir="LR"
        )
        done(path, started)

    started = time.perf_counter()
    done(compiled_program(IMAGES / "compiled_program.png"), started)

    # `tinygrad-moons train --gif`: the default recipe (the course's architecture, modern training),
    # with a lighter GIF than the command's (50 frames, smaller) to keep the repository small.
    started = time.perf_counter()
    recipe = experiment.DEFAULT
    split = experiment.make_split(recipe)
    updates = recipe.epochs * experiment.updates_per_epoch(recipe, len(split.X_train))
    recorder = figures.training_recorder(split.X_train, split.y_train, split.X_test, split.y_test, updates, frames=50)
    result = experiment.train(recipe, split, callbacks=[recorder])
    outputs = figures.write_training_figures(
        result.model, result.history, split.X_train, split.y_train, split.X_test, split.y_test,
        IMAGES, recorder, fps=8, dpi=80, gif_dpi=64,
    )
    for path in outputs.values():
        done(path, started)

    if not arguments.quick:
        # `tinygrad-moons compare`.
        started = time.perf_counter()
        split, results = experiment.compare(include_torch=False, progress=print)
        models = figures.comparison_models(results)
        path = figures.write_comparison(
            models, split.X_train, split.y_train, split.X_test, split.y_test, IMAGES / "compare.png", dpi=80
        )
        done(path, started)

    total = sum(p.stat().st_size for p in IMAGES.iterdir() if p.is_file())
    print(f"docs/images: {total / 1024:.0f} KiB in total")


if __name__ == "__main__":
    main()
