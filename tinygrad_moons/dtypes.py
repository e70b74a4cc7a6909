"""The dtype names PyTorch code uses, as the NumPy types underneath.

``tg.float32 is np.float32``, so a dtype written either way is accepted
anywhere a dtype is, and ``tensor.dtype == tg.float32`` compares as NumPy does.
The names follow PyTorch's meaning, not NumPy's: ``float`` is float32 and
``double`` is float64, as in ``torch.float`` and ``torch.double``.

One difference from PyTorch: a tensor made from Python floats is float64 here
(NumPy's default), where PyTorch makes float32. ``get_default_dtype()`` says so.
"""

from __future__ import annotations

import numpy as np

float16 = half = np.float16
float32 = np.float32
float64 = double = np.float64
int8 = np.int8
int16 = short = np.int16
int32 = np.int32
int64 = long = np.int64
uint8 = np.uint8
bool = np.bool_  # noqa: A001 - PyTorch's name; this module never needs the builtin
# ``float`` last: the names above are made with NumPy's types, never with the builtins this shadows.
float = np.float32  # noqa: A001

DEFAULT_FLOAT = np.dtype(np.float64)


def get_default_dtype() -> np.dtype:
    """The dtype of tensors made from Python floats: float64 (PyTorch's default is float32)."""
    return DEFAULT_FLOAT

