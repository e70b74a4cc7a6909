"""Metrics that ``compile(metrics=...)`` reports during ``fit`` and ``evaluate``.

A metric is a function ``metric(y_true, y_pred) -> float`` on NumPy arrays
(a batch's targets and the model's outputs), averaged over the rows as
Keras does. Names accepted by :func:`get`: ``"accuracy"`` (also ``"acc"``),
which reads the outputs the way the compiled loss does: a probability above
0.5 (a logit above 0, with ``from_logits=True``) is class 1; with several
outputs the largest one is the class. Any other function works too::

    model.compile(loss="mse", metrics=[lambda y, p: float(abs(y - p).max())])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Metric", "get", "names"]

Metric = Callable[[np.ndarray, np.ndarray], float]

#: Every name :func:`get` accepts, and the metric it stands for.
_ALIASES = {"accuracy": "accuracy", "acc": "accuracy"}


def names() -> list[str]:
    """The metric names :func:`get` accepts (their aliases aside)."""
    return sorted(set(_ALIASES.values()))


def get(metric: str | Metric, loss: Any = None) -> Metric:
    """The metric function for a name (Keras' ``keras.metrics.get``) or the function itself.

    ``"accuracy"`` reads the outputs as ``loss`` (the compiled loss) does;
    the function's ``__name__`` is the name ``fit`` logs it under.

    >>> accuracy = get("accuracy")
    >>> accuracy.__name__, accuracy(np.array([[1.0], [0.0]]), np.array([[0.9], [0.7]]))
    ('accuracy', 0.5)
    """
    if callable(metric):
        return metric
    if isinstance(metric, str) and metric.lower() in _ALIASES:
        kind = getattr(loss, "target_kind", "regression")
        threshold = 0.0 if getattr(loss, "from_logits", False) else 0.5
        return accuracy_for(kind, threshold)
    raise ValueError(
        f"compile: unknown metric {metric!r}; use {' or '.join(repr(n) for n in names())} "
        "or a function metric(y_true, y_pred)"
    )


def accuracy_for(kind: str, threshold: float) -> Metric:
    """The fraction of correct predictions, for targets of ``kind`` (a loss's ``target_kind``).

    "sparse": integer labels against the largest output; "categorical":
    one-hot rows against the largest output; otherwise one output per
    class-1 probability (or logit), class 1 where it exceeds ``threshold``
    (with several outputs and no binary loss, the largest output is the class).
    """

    def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        if kind == "sparse":
            return np.count_nonzero(y_pred.argmax(axis=-1) == y_true) / len(y_true)
        if kind == "categorical" or (y_pred.shape[-1] > 1 and kind != "binary"):
            return np.count_nonzero(y_pred.argmax(axis=-1) == y_true.argmax(axis=-1)) / len(y_true)
        # The course's rule: predict class 1 where the probability exceeds 0.5 (a logit exceeds 0).
        return np.count_nonzero((y_pred > threshold) == (y_true > 0.5)) / y_true.size

    return accuracy
