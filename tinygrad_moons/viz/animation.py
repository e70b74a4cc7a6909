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
        """Two lines for the frame: when (epoch, updates), then the loss and accuracy at that moment.

        ``train loss`` and the accuracies are measured on the plotted points
        when the frame was captured; a ``batch loss`` (the last mini-batch's)
        or the epoch's ``loss`` from ``fit`` is shown when that is all there is.
        """
        when = f"epoch {self.epoch}, {self.updates:,} {'update' if self.updates == 1 else 'updates'}"
        numbers = []
        for key, label in (
            ("train_loss", "train loss {:.4f}"),
            ("train_accuracy", "train acc {:.1%}"),
            ("test_accuracy", "test acc {:.1%}"),
        ):
            if key in self.logs:
                numbers.append(label.format(self.logs[key]))
        if not numbers:
            for key in ("loss", "batch_loss", "accuracy", "val_loss", "val_accuracy"):
                if key in self.logs:
                    numbers.append(f"{key.replace('_', ' ')} {self.logs[key]:.4f}")
        return when + ("\n" + " · ".join(numbers) if numbers else "")


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
        self.X_test: np.ndarray | None = None
        self.y_test: np.ndarray | None = None
        if X_test is not None:
            self.X_test, self.y_test = plots._check_labelled(X_test, y_test, "test")
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
        """Store P(class 1) on the grid now, and the loss and accuracy on the plotted points.

        The grid is stored as float32 (half the memory, and a GIF cannot show
        more). The train loss (binary cross-entropy) and the accuracies are
        measured here, so every frame, the untrained one included, has them.
        """
        probabilities = plots.probability_grid(self.model, self.xx, self.yy).astype(np.float32)
        numbers = {k: float(v) for k, v in (logs or {}).items() if isinstance(v, (int, float, np.floating))}
        train_p = plots.predict_probability(self.model, self.X)
        clipped = np.clip(train_p, 1e-7, 1 - 1e-7)
        numbers["train_loss"] = float(-np.mean(self.y * np.log(clipped) + (1 - self.y) * np.log(1 - clipped)))
        numbers["train_accuracy"] = float(np.mean((train_p > 0.5) == (self.y == 1)))
        if self.X_test is not None and self.y_test is not None:
            test_p = plots.predict_probability(self.model, self.X_test)
            numbers["test_accuracy"] = float(np.mean((test_p > 0.5) == (self.y_test == 1)))
        self.frames.append(Frame(self._epoch, self._updates, probabilities, numbers))

    def wants_batch_hooks(self) -> bool:
        """True when capturing every ``every_batches`` updates (``fit`` then calls the batch hooks)."""
        return self.every_batches is not None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Capture the untrained model as frame 0 (a second ``fit`` continues the film instead)."""
        if not self.frames:
            self.capture()
        self._epoch_offset = self._epoch  # a second fit continues the film

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Note the epoch under way, counted from 1."""
        self._epoch = self._epoch_offset + epoch + 1  # fit counts epochs from 0; people count from 1

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Count the update; capture a frame every ``every_batches`` of them."""
        self._updates += 1
        if self.every_batches is not None and self._updates % self.every_batches == 0:
            self.capture({"batch_loss": (logs or {}).get("loss")})

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Count the epoch's updates and, when capturing by epochs, capture every ``interval`` epochs."""
        if self.every_batches is None:
            self._updates += self.params.get("steps", 0)  # not counted batch by batch in this mode
            if self._epoch % self.interval == 0:
                self.capture(logs)
        self._epoch_logs = logs

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Capture the trained model as the last frame, if the last capture was earlier."""
        last = self.frames[-1]
        if (last.epoch, last.updates) != (self._epoch, self._updates):
            self.capture(self._epoch_logs)  # always end on the trained model

    # ------------------------------------------------------------- drawing
    def animation(
        self, figsize: tuple[float, float] = (8.0, 6.6), title: str = "the decision boundary as the network trains"
    ) -> Any:
        """The frames as a matplotlib ``FuncAnimation`` over one new figure (in a notebook: ``HTML(a.to_jshtml())``).

        Each frame has the figure's ``title``, the epoch and number of updates,
        the train loss and the train and test accuracy at that moment, the
        probability's contours, labelled (from frame 0, the untrained model),
        the p = 0.5 line once there is one, and a legend. Only the contours and
        the frame's caption change between frames: the points are drawn once
        and each frame replaces one contour set. The figure is laid out once
        for the last frame and then frozen (re-running the layout for every
        frame doubled the time).
        """
        return self._animate(figsize, title)[1]

    def _animate(self, figsize: tuple[float, float], title: str) -> tuple[Any, Any]:
        """(figure, FuncAnimation) for :meth:`animation` and :meth:`save_gif`."""
        import matplotlib.pyplot as plt
        from matplotlib.animation import FuncAnimation

        if not self.frames:
            raise ValueError("no frames were captured (pass the recorder to fit(callbacks=[...]) first)")
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        fig.suptitle(title, fontsize=14)
        parts = plots._parts(self.X, self.y, self.X_test, self.y_test)
        for _, X, y, marker in parts:
            colours = np.where(y == 1, plots.CLASS_COLOURS[1], plots.CLASS_COLOURS[0])
            ax.scatter(X[:, 0], X[:, 1], c=colours, marker=marker, s=14, edgecolors="white", linewidths=0.3, zorder=3)
        ax.set_xlim(self.xx.min(), self.xx.max())
        ax.set_ylim(self.yy.min(), self.yy.max())
        ax.set_xlabel(plots.AXIS_LABELS[0])
        ax.set_ylabel(plots.AXIS_LABELS[1])
        plots._legend(ax, [part for part, *_ in parts], None, fontsize=9)
        drawn: list[Any] = []

        def draw(index: int) -> list[Any]:
            for artist in drawn:
                artist.remove()
            frame = self.frames[index]
            drawn[:] = plots.draw_probability(ax, self.xx, self.yy, frame.probabilities, isolines=True)
            if not frame.probabilities.min() < 0.5 < frame.probabilities.max():  # say why there is no 0.5 line
                side = 1 if frame.probabilities.min() >= 0.5 else 0
                drawn.append(
                    ax.text(
                        0.5, 0.97, f"no boundary yet: the model says class {side} everywhere", transform=ax.transAxes,
                        ha="center", va="top", fontsize=10, bbox={"facecolor": "white", "alpha": 0.8, "linewidth": 0},
                    )
                )
            ax.set_title(frame.title(), fontsize=12)
            return drawn

        draw(len(self.frames) - 1)
        fig.canvas.draw()
        fig.set_layout_engine("none")
        draw(0)
        return fig, FuncAnimation(fig, draw, frames=len(self.frames), blit=False, repeat=False)

    def save_gif(
        self,
        path: str | os.PathLike[str],
        fps: int = 10,
        dpi: int = 72,
        figsize: tuple[float, float] = (8.0, 6.6),
        title: str = "the decision boundary as the network trains",
    ) -> Path:
        """Write the frames (see :meth:`animation`) as an animated GIF with matplotlib's ``PillowWriter``.

        ``figsize`` is in inches, so the frames are ``figsize × dpi`` pixels:
        576 × 475 at the default 72 dpi. Returns the path.
        """
        import matplotlib.pyplot as plt
        from matplotlib.animation import PillowWriter

        if not self.frames:
            raise ValueError("save_gif: no frames were captured (pass the recorder to fit(callbacks=[...]) first)")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig, animation = self._animate(figsize, title)
        try:
            animation.save(path, writer=PillowWriter(fps=fps), dpi=dpi)
        finally:
            plt.close(fig)
        return path
