"""Regenerate the backprop page's pictures in docs/images/ with the functions ``tinygrad-moons backprop`` uses.

    python examples/make_backprop_images.py

Writes ``backprop_page.png`` (the page in Debian's Chromium, driven by
Playwright: a hidden layer's ReLU step with sample 3 and a unit whose ReLU is on chosen) and
``backprop_steps.gif`` (what ``tinygrad-moons backprop --gif`` writes).
Needs ``apt-get install -y chromium`` and ``pip install playwright`` (never
``playwright install``: the system's Chromium is used).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

from tinygrad_moons import experiment  # noqa: E402
from tinygrad_moons.viz.backprop import write_gif, write_page  # noqa: E402

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def main() -> None:
    from playwright.sync_api import sync_playwright

    run = experiment.trace_recipe_network(experiment.COURSE, points=8)
    write_gif(run, IMAGES / "backprop_steps.gif")
    with tempfile.TemporaryDirectory() as folder:
        page_file = write_page(run, Path(folder) / "backprop.html")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 820})
            page.goto(page_file.as_uri())
            relu = next(k for k, s in enumerate(run.tape.steps) if s.op == "relu")
            step = run.tape.steps[relu]
            # A unit whose ReLU is on for sample 3 (ReLU' = 1), so the gradient passes through.
            z, upstream = step.input_values[0], step.upstream
            unit = next(j for j in range(z.shape[1]) if z[3, j] > 0 and upstream[3, j])
            for _ in range(relu):
                page.keyboard.press("ArrowRight")
            page.click('#panel button.sample[data-sample="3"]')
            page.click(f'#panel button.unit[data-unit="{unit}"]')
            page.screenshot(path=str(IMAGES / "backprop_page.png"))
            browser.close()
    print(f"wrote {IMAGES / 'backprop_page.png'} and {IMAGES / 'backprop_steps.gif'}")


if __name__ == "__main__":
    main()
