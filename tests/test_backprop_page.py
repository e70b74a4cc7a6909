"""The backprop page: written offline by the command line, and driven in a real headless Chromium.

The browser tests need Chromium from the system's packages (``apt-get install
-y chromium``) and Playwright's Python package (the ``dev`` extra); they never
download a browser. Without Chromium they, and only they, are skipped.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from chromium import launch, needs_chromium

from tinygrad_moons import Tensor, experiment
from tinygrad_moons.cli import main
from tinygrad_moons.experiment import trace_recipe_network
from tinygrad_moons.viz.backprop import page_data, trace_loss, write_gif, write_page


def sync_playwright():
    """Playwright's entry point; it comes with the ``dev`` extra (the browser itself is the system's Chromium)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser tests need Playwright's Python package: pip install -e '.[dev]' (or playwright)")
    return sync_playwright()


@pytest.fixture(scope="module")
def run():
    return trace_recipe_network(experiment.COURSE, points=6)


@pytest.fixture(scope="module")
def page_file(run, tmp_path_factory):
    return write_page(run, tmp_path_factory.mktemp("page") / "backprop.html")


def test_the_page_is_self_contained(page_file):
    text = page_file.read_text(encoding="utf-8")
    assert "<svg" in text and "dense_1" in text
    # Nothing is fetched: no external script, style, image or font.
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:|//)""", text)
    assert "<link" not in text and "@import" not in text and "url(" not in text
    assert "<script src" not in text


def test_page_data_matches_the_tape(run):
    data = page_data(run)
    assert len(data["steps"]) == len(run.tape.steps)
    for shown, step in zip(data["steps"], run.tape.steps):
        np.testing.assert_array_equal(np.asarray(shown["upstream"]), step.upstream)
        for sent, contribution in zip(shown["sent"], step.contributions):
            np.testing.assert_array_equal(np.asarray(sent["gradient"]), contribution.gradient)
    assert all(p["equal"] for p in data["parameters"])
    assert {p["name"] for p in data["parameters"]} == {name for name, _ in run.model.named_parameters()}


def test_cli_writes_the_page_and_the_gif(tmp_path, capsys):
    out = tmp_path / "walk.html"
    assert main(["backprop", "--layers", "3,2", "--points", "4", "--out", str(out), "--gif"]) == 0
    assert out.exists() and "2-3-2-1 network" in out.read_text(encoding="utf-8")
    assert (tmp_path / "walk.gif").read_bytes()[:6] in (b"GIF89a", b"GIF87a")
    frames = sorted((tmp_path / "walk_frames").glob("step_*.png"))
    assert len(frames) == 7  # mean, bce, then linear and relu for each of the layers above the first
    assert "7 backward steps" in capsys.readouterr().out


def test_cli_refuses_more_points_than_the_training_set(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["backprop", "--points", "5000", "--out", str(tmp_path / "x.html")])
    assert exit_info.value.code == 2
    assert "points" in capsys.readouterr().err


@pytest.mark.slow
def test_write_gif_makes_one_frame_per_step(run, tmp_path):
    path = write_gif(run, tmp_path / "steps.gif")
    from PIL import Image

    with Image.open(path) as image:
        assert image.n_frames == len(run.tape.steps)


# -------------------------------------------------------------- in the browser
def _element(array: np.ndarray, sample: int, unit: int) -> float:
    """The element the page shows for (sample, unit), as its `at` function picks it."""
    if array.ndim == 0:
        return float(array)
    if array.ndim == 1:
        return float(array[0] if array.size == 1 else array[unit])
    return float(array[sample, unit])


def _shown(page, key: str) -> float:
    return float(page.locator(f'#panel [data-key="{key}"]').first.get_attribute("data-value"))


def _check_step(page, run, number: int, sample: int, unit: int) -> None:
    step = run.tape.steps[number]
    assert page.locator("#panel h2").inner_text().startswith(f"Step {number + 1} of {len(run.tape.steps)}")
    assert _shown(page, "upstream") == _element(step.upstream, sample, unit)
    if step.op in ("relu", "binary_cross_entropy_with_logits"):
        assert _shown(page, "sent0") == _element(step.contributions[0].gradient, sample, unit)
    if step.op == "relu":
        assert _shown(page, "local") == float(step.input_values[0][sample, unit] > 0)
    if step.op == "linear":
        by_input = {c.input_index: c.gradient for c in step.contributions}
        assert _shown(page, "sent1") == float(by_input[1][0, unit])  # dE/dW[0, unit], a sum over the samples
        assert _shown(page, "sent2") == float(by_input[2][unit])
        if 0 in by_input:
            assert _shown(page, "sent0") == float(by_input[0][sample, 0])
    # The highlighted box in the drawing is the step's layer.
    active = page.locator("#graph-collapsed .node.active title").all_text_contents()
    assert active == ["layer_" + step.layer_name]


@pytest.mark.slow
@needs_chromium
def test_stepping_through_the_page_in_chromium(run, page_file, tmp_path):
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(page_file.resolve().as_uri())
            steps = len(run.tape.steps)
            # Forward through every step, with the arrow key and the button in turn.
            for number in range(steps):
                _check_step(page, run, number, 0, 0)
                if number % 2:
                    page.keyboard.press("ArrowRight")
                else:
                    page.click("#next")
            # The last page: every parameter's gradient equals what arrived.
            assert "every parameter's gradient is what arrived" in page.locator("#panel h2").inner_text()
            verdicts = page.locator('#panel [data-key^="equal-"]').all_inner_texts()
            assert len(verdicts) == 2 * len(run.model.layers) and all(v.startswith("yes") for v in verdicts)
            assert page.locator("#next").is_disabled()
            # And back again to the first step.
            for number in reversed(range(steps)):
                page.keyboard.press("ArrowLeft") if number % 2 else page.click("#prev")
                _check_step(page, run, number, 0, 0)
            assert page.locator("#prev").is_disabled()
            # Choose a sample and a unit in a hidden layer's relu: the numbers follow.
            relu = next(k for k, s in enumerate(run.tape.steps) if s.op == "relu" and s.upstream.shape[1] > 5)
            for _ in range(relu):
                page.keyboard.press("ArrowRight")
            page.click('#panel button.sample[data-sample="3"]')
            page.click('#panel button.unit[data-unit="5"]')
            _check_step(page, run, relu, 3, 5)
            # The chosen unit stays chosen on the next step (a linear layer), where it picks a weight column.
            page.keyboard.press("ArrowRight")
            _check_step(page, run, relu + 1, 3, 5)
            page.screenshot(path=str(tmp_path / "backprop_page.png"))
            assert (tmp_path / "backprop_page.png").stat().st_size > 10_000
            # The forward pass, the same way: each op's output for the chosen sample and unit.
            page.click("#mode-forward")
            forward = list(reversed(run.tape.steps))
            for number, step in enumerate(forward):
                assert page.locator("#counter").inner_text() == f"forward pass: step {number + 1} of {steps}"
                sample = min(3, step.output_value.shape[0] - 1) if step.output_value.ndim else 0
                unit = min(5, step.output_value.shape[1] - 1) if step.output_value.ndim == 2 else 0
                assert _shown(page, "forward") == _element(step.output_value, sample, unit)
                page.keyboard.press("ArrowRight")
        finally:
            browser.close()
    assert errors == []


@needs_chromium
def test_where_two_paths_meet_the_page_shows_the_running_sum(tmp_path):
    x = Tensor([[0.5, -1.0]], requires_grad=True, name="x")
    y = x * 3.0
    run = trace_loss((y + y.exp()).mean(), {"x": x}, "y = 3x, E = mean(y + exp(y))")
    page_file = write_page(run, tmp_path / "fan_in.html")
    exp_step = next(k for k, s in enumerate(run.tape.steps) if s.op == "exp")
    meeting = run.tape.steps[exp_step].contributions[0]
    assert meeting.total_before is not None  # the add step reached y first
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(page_file.resolve().as_uri())
            for _ in range(exp_step):
                page.keyboard.press("ArrowRight")
            page.click('#panel button.unit[data-unit="1"]')
            assert _shown(page, "running") == float(meeting.total_after[0, 1])
            assert _shown(page, "upstream") == float(run.tape.steps[exp_step].upstream[0, 1])
            # The op being differentiated is highlighted in the drawing (no layers here: one box per op).
            assert page.locator("#graph .node.active").count() >= 1
            for _ in range(len(run.tape.steps)):
                page.keyboard.press("ArrowRight")
            assert page.locator('#panel [data-key="equal-x"]').inner_text().startswith("yes")
        finally:
            browser.close()
    assert errors == []
