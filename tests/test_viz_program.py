"""``viz.draw_program``: a compiled step's kernel list and buffers beside the graph it was captured from."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import tinygrad_moons as tm
from tinygrad_moons import Tensor, nn, optim
from tinygrad_moons.data import make_moons
from tinygrad_moons.reference import COURSE_LAYER_SIZES
from tinygrad_moons.viz import draw_program, render_graph


@pytest.fixture(scope="module")
def seed_step():
    """The course's network, one compiled SGD step captured on a batch of 32 (returns the step and its arguments)."""
    widths = COURSE_LAYER_SIZES[1:]
    model = nn.Sequential(
        [nn.Dense(w, activation="sigmoid" if i == len(widths) - 1 else "relu", seed=i) for i, w in enumerate(widths)]
    )
    model.build(COURSE_LAYER_SIZES[0])
    opt, loss_fn = optim.SGD(model.parameters(), lr=0.01), nn.BCELoss()

    @tm.compile
    def step(x, target):
        loss = loss_fn(model(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()

    X, y = make_moons(n_samples=32, noise=0.1, random_state=0)
    x, t = Tensor(X), Tensor(y.reshape(-1, 1).astype(np.float64))
    with threadpool_limits(1):
        step(x, t)
    return step, x, t


def test_each_step_is_a_row_beside_the_graph_op_it_came_from(seed_step):
    step, x, t = seed_step
    program = step.program_for(x, t)
    source = draw_program(step, x, t).source
    for row in range(len(program.steps)):
        assert f"k{row} [label=" in source
    for index, node in enumerate(program.graph):
        assert f"n{index} [label=" in source
        if node.kind == "op" and node.label == "linear":  # its forward row, then its backward rows: two arrows
            assert source.count(f"n{index}:e -> k") == 2
    # The forward op sits level with the row it became.
    first_linear = next(i for i, n in enumerate(program.graph) if n.label == "linear")
    assert f"{{rank=same; n{first_linear}; k0}}" in source
    # The step returns nothing: the loss's forward is not replayed, and the drawing says so.
    assert "mean scalar (bce_loss): not replayed, unread" in source
    # Every buffer is listed with the results that take turns in it.
    for name in program.buffers:
        assert f">{name}</TD>" in source


def test_rows_writing_shared_memory_share_a_colour(seed_step):
    step, x, t = seed_step
    program = step.program_for(x, t)
    source = draw_program(step, x, t).source
    colour_of = {}
    for row, kernel in enumerate(program.steps):
        if kernel.write in program.buffer_of:
            line = next(line for line in source.splitlines() if line.lstrip().startswith(f"k{row} [label="))
            colour = line.split('BGCOLOR="')[1].split('"')[0]
            colour_of.setdefault(program.buffer_of[kernel.write], set()).add(colour)
    assert all(len(colours) == 1 for colours in colour_of.values())
    shared = [name for name in colour_of if list(program.buffer_of.values()).count(name) > 1]
    assert len({next(iter(colour_of[name])) for name in shared}) > 1  # different buffers, different colours


def test_it_renders_through_the_projects_renderer(seed_step, tmp_path):
    step, x, t = seed_step
    written = render_graph(draw_program(step, x, t, title="the course's step"), tmp_path / "program.svg")
    text = written.read_text(encoding="utf-8")
    if written.suffix == ".svg":
        assert "<svg" in text and "np.dot(input0, dense_1.kernel, out=t" in text
    else:  # no renderer on this machine: the DOT source, with a warning (render_graph's contract)
        assert "cluster_program" in text


def test_the_kernel_list_alone_and_a_program_itself(seed_step):
    step, x, t = seed_step
    alone = draw_program(step, x, t, graph=False).source
    assert "cluster_graph" not in alone and "cluster_program" in alone
    assert draw_program(step.program_for(x, t)).source == draw_program(step, x, t).source
    assert draw_program(step).source == draw_program(step, x, t).source  # its only program


def test_bad_arguments_say_what_to_do(seed_step):
    step, x, t = seed_step
    with pytest.raises(TypeError, match="what tinygrad_moons.compile returned"):
        draw_program(lambda x: x)
    with pytest.raises(ValueError, match="call the compiled function with them once"):
        draw_program(step, Tensor(np.zeros((5, 2))), Tensor(np.zeros((5, 1))))
    with pytest.raises(ValueError, match="max_text"):
        draw_program(step, x, t, max_text=3)
    fresh = tm.compile(lambda a: a * 2)
    with pytest.raises(ValueError, match="0 programs"):
        draw_program(fresh)


def test_draw_program_is_loaded_on_first_use():
    code = (
        "import sys, tinygrad_moons.viz as viz; "
        "assert 'tinygrad_moons.viz.program' not in sys.modules; "
        "viz.draw_program; assert 'tinygrad_moons.viz.program' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
