"""What ``fit`` shows while it trains: a bar over the epochs (``verbose=1``) or a line per epoch (``verbose=2``).

The bar is ``tqdm.auto``'s: a widget in a Jupyter notebook, text on a
terminal. Its text carries the metrics of the latest epoch at every redraw:
each epoch hands the bar its logs, and tqdm decides when to redraw
(at most every ``mininterval``, 0.1 s, by default), so a fast run is not
slowed by drawing and a slow one never shows an old epoch's loss.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EpochProgress", "format_logs"]


def format_logs(logs: dict[str, float]) -> str:
    """``"loss: 0.0712 - accuracy: 0.9833"``, Keras' way of printing an epoch's logs."""
    return " - ".join(f"{key}: {value:.4f}" for key, value in logs.items())


class EpochProgress:
    """The progress of one ``fit``: a bar over ``epochs`` epochs (``verbose=1``) or a printed line each (``verbose=2``).

    Call :meth:`epoch_done` after each epoch with its logs and :meth:`close`
    at the end (also after an error, so that the bar does not stay open).
    """

    def __init__(self, epochs: int, verbose: int, name: str):
        self.verbose = verbose
        self.bar: Any = None
        if verbose == 1:
            from tqdm.auto import tqdm  # imported here: `import tinygrad_moons` stays NumPy-only

            self.bar = tqdm(total=epochs, unit="epoch", desc=name, dynamic_ncols=True)

    def epoch_done(self, epoch: int, epochs: int, logs: dict[str, float]) -> None:
        """Show that epoch ``epoch`` (counted from 0) of ``epochs`` ended with ``logs``."""
        if self.bar is None:
            print(f"Epoch {epoch + 1}/{epochs} - {format_logs(logs)}", flush=True)
            return
        # The text is set on every epoch (formatting a few numbers costs microseconds); tqdm's own throttling
        # decides in update() whether to redraw, so whatever it draws is this epoch's.
        self.bar.set_postfix_str(format_logs(logs), refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        """Draw the bar a last time, with the last epoch's logs, and release it."""
        if self.bar is not None:
            self.bar.close()
