"""The step-by-step backward view: what each op receives and passes on during ``loss.backward()``.

:func:`backward_steps` is the one interface the page uses. It returns a list
of JSON-ready steps, in the order backward visits the ops (the loss first)::

    {"index": 0, "op": "mean", "layer": "(loss)", "output": "(1,)",
     "upstream": {summary of dL/d(output)},
     "outgoing": [{"input": "t3 (32, 1)", "grad": {summary of dL/d(input)} or None}, ...]}

It is computed from the engine's public graph (``tensor.grad_fn``,
``grad_fn.parents``, ``grad_fn.name``) and ``autograd.grad``, which returns
every intermediate gradient without touching any ``.grad``. When the
recorded backward tape (``tinygrad_moons.trace_backward``) is merged, this
function can read the tape's records instead: same fields, same order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_moons import autograd
from tinygrad_moons.tensor import Tensor

__all__ = ["backward_steps", "summary"]


def summary(array: np.ndarray | None) -> dict[str, Any] | None:
    """Shape, mean, mean |g|, min, max and norm of a gradient (None where no gradient flows)."""
    if array is None:
        return None
    values = np.asarray(array, dtype=np.float64)
    return {
        "shape": list(values.shape),
        "mean": float(values.mean()),
        "mean_abs": float(np.abs(values).mean()),
        "min": float(values.min()),
        "max": float(values.max()),
        "norm": float(np.sqrt((values**2).sum())),
    }


def _label(tensor: Tensor, names: dict[int, str]) -> str:
    shape = "×".join(map(str, tensor.shape)) or "scalar"
    return f"{names[id(tensor)]} ({shape})"


def backward_steps(loss: Tensor, max_steps: int = 200) -> list[dict[str, Any]]:
    """The ops of ``loss``'s graph in backward order, each with the gradient it gets and the ones it sends on."""
    from tinygrad_moons.viz.graph import _assign_layers

    tensors = autograd.topological_order([loss], include_constants=True)
    wanted = [t for t in tensors if t.requires_grad]
    # retain_graph: looking at the backward pass must not use the graph up (the training step backwards it next).
    gradients = dict(zip(map(id, wanted), autograd.grad(loss, wanted, retain_graph=True, allow_unused=True)))
    layer_of = _assign_layers(tensors)
    names: dict[int, str] = {}
    for index, tensor in enumerate(tensors):
        owner = layer_of.get(id(tensor))
        if tensor.grad_fn is None and owner is not None:  # a parameter: its layer and attribute name
            attribute = next((key for key, value in vars(owner).items() if value is tensor), "param")
            names[id(tensor)] = f"{owner.name}.{attribute}"
        elif tensor.grad_fn is None:
            names[id(tensor)] = tensor.name or ("input" if tensor.ndim == 2 else f"const{index}")
        else:
            names[id(tensor)] = f"t{index}"

    def grad_of(tensor: Tensor) -> dict[str, Any] | None:
        gradient = gradients.get(id(tensor))
        return summary(gradient.data) if gradient is not None else None

    steps: list[dict[str, Any]] = []
    for tensor in reversed(tensors):
        op = tensor.grad_fn
        if op is None:
            continue
        layer = layer_of.get(id(tensor))
        steps.append(
            {
                "index": len(steps),
                "op": op.name,
                "layer": layer.name if layer is not None else "(loss)",
                "output": _label(tensor, names),
                "upstream": grad_of(tensor),
                "outgoing": [{"input": _label(parent, names), "grad": grad_of(parent)} for parent in op.parents],
            }
        )
        if len(steps) >= max_steps:
            break
    return steps
