"""The decision boundary as it forms: frames captured during ``fit``, saved as an animated GIF.

The course project drew a PNG every 100 iterations and glued them into a GIF with
Pillow. Here a callback stores only the model's probability grid at each
captured epoch (a few kilobytes per frame, and no drawing during training);
:meth:`DecisionBoundaryRecorder.save_gif` then draws every frame into *one*
reused figure with matplotlib's ``FuncAnimation`` and writes it with the
``PillowWriter``::

    recorder = DecisionBoundaryRecorder(X_train, y_train, interval=5)  # or every_batches=10
    model.fit(X_train, y_train, epochs=500, callbacks=[recorder])
    recorder.save_gif("training.gif", fps=10)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_moons.nn.callbacks import Callback
from tinygrad_moons.viz import plots


@dataclass
class Frame:
    """One captured moment of training: P(class 1) on the grid, with when it was taken and the losses known then.

    ``epoch`` counts from 1 (0 is the untrained model) and ``updates`` is the
    number of parameter updates so far.
    """

    epoch: int
    updates: int
    probabilities: np.ndarray
    logs: dict[str, float] = field(default_factory=dict)

    def title(self) -> str:
        parts = [f"epoch {self.epoch}", f"update {self.updates}"]
        for key in ("loss", "batch_loss", "accuracy", "val_loss", "val_accuracy"):
            if key in self.logs:
                parts.append(f"{key.replace('_', ' ')} {self.logs[key]:.4f}")
        return ", ".join(parts)


class DecisionBoundaryRecorder(Callback):
    """Captures the decision boundary during ``fit``, every ``interval`` epochs or every ``every_batches`` updates.

    ``X`` and ``y`` are the points drawn under the boundary (and set the
    grid's extent; ``X_test`` / ``y_test``, if given, are drawn too).
    Capturing by updates shows more when a model learns within a few epochs,
    as the default recipe does. ``resolution`` is the grid's size per side: 80
    is smooth at GIF sizes and keeps capturing cheap (one forward pass of
    6,400 points). Frame 0 is the untrained model, and the trained model is
    always the last frame.
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        X_test: np.ndarray | None = None,
        y_test: np.ndarray | None = None,
        interval: int = 1,
        every_batches: int | None = None,
        resolution: int = 80,
    ):
        super().__init__()
        for name, value in (("interval", interval), ("every_batches", 1 if every_batches is None else every_batches)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"DecisionBoundaryRecorder: {name} must be a positive integer, got {value!r}")
        self.X, self.y = plots._check_labelled(X, y, "train")
        self.X_test, self.y_test = (None, None) if X_test is None else plots._check_labelled(X_test, y_test, "test")
        self.interval = int(interval)
        self.every_batches = None if every_batches is None else int(every_batches)
        self.xx, self.yy = plots.decision_grid(self.X, self.X_test, resolution=resolution)
        self.frames: list[Frame] = []
        self._epoch = 0  # the epoch under way (from 1), continued by a second fit
        self._epoch_offset = 0
        self._updates = 0
        self._epoch_logs: dict[str, Any] | None = None

    # ------------------------------------------------------------ capturing
    def capture(self, logs: dict[str, Any] | None = None) -> None:
        """Store P(class 1) on the grid now (as float32: half the memory, and a GIF cannot show more)."""
        probabilities = plots.probability_grid(self.model, self.xx, self.yy).astype(np.float32)
        numbers = {k: float(v) for k, v in (logs or {}).items() if isinstance(v, (int, float, np.floating))}
        self.frames.append(Frame(self._epoch, self._updates, probabilities, numbers))

    def wants_batch_hooks(self) -> bool:
        return self.every_batches is not None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self.frames:
            self.capture()
        self._epoch_offset = self._epoch  # a second fit continues the film

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = self._epoch_offset + epoch + 1  # fit counts epochs from 0; people count from 1

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._updates += 1
        if self._updates % self.every_batches == 0:
            self.capture({"batch_loss": (logs or {}).get("loss")})

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.every_batches is None:
            self._updates += self.params.get("steps", 0)  # not counted batch by batch in this mode
            if self._epoch % self.interval == 0:
                self.capture(logs)
        self._epoch_logs = logs

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        last = self.frames[-1]
        if (last.epoch, last.updates) != (self._epoch, self._updates):
            self.capture(self._epoch_logs)  # always end on the trained model

    # ------------------------------------------------------------- drawing
    def save_gif(self, path: str | os.PathLike[str], fps: int = 10, dpi: int = 72, figsize=(5.0, 4.2)) -> Path:
        """Draw the frames into one figure and write an animated GIF; returns the path.

        Only the filled contours and the title change between frames, so the
        points are drawn once and each frame replaces a single contour set.
        """
        import matplotlib.pyplot as plt
        from matplotlib.animation import FuncAnimation, PillowWriter

        if not self.frames:
            raise ValueError("save_gif: no frames were captured (pass the recorder to fit(callbacks=[...]) first)")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        parts = [("train", self.X, self.y, "o")]
        if self.X_test is not None:
            parts.append(("test", self.X_test, self.y_test, "^"))
        for _, X, y, marker in parts:
            colours = np.where(y == 1, plots.CLASS_COLOURS[1], plots.CLASS_COLOURS[0])
            ax.scatter(X[:, 0], X[:, 1], c=colours, marker=marker, s=10, edgecolors="white", linewidths=0.3, zorder=3)
        ax.set_xlim(self.xx.min(), self.xx.max())
        ax.set_ylim(self.yy.min(), self.yy.max())
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        drawn: list[Any] = []

        def draw(index: int) -> list[Any]:
            for artist in drawn:
                artist.remove()
            frame = self.frames[index]
            drawn[:] = plots.draw_probability(ax, self.xx, self.yy, frame.probabilities)
            ax.set_title(frame.title(), fontsize=9)
            return drawn

        # Lay the figure out once, then freeze it: re-running the layout for every frame doubled the time.
        draw(len(self.frames) - 1)
        fig.canvas.draw()
        fig.set_layout_engine("none")
        animation = FuncAnimation(fig, draw, frames=len(self.frames), blit=False, repeat=False)
        try:
            animation.save(path, writer=PillowWriter(fps=fps), dpi=dpi)
        finally:
            plt.close(fig)
        return path
