"""The one random-number generator behind ``rand``, ``randn``, ``randint`` and ``Tensor.uniform_``/``normal_``.

PyTorch draws from one global generator that ``torch.manual_seed`` reseeds;
this module is that generator, a NumPy ``Generator``. Call :func:`generator`
every time you draw (do not keep the object): ``manual_seed`` replaces it.

The streams differ from PyTorch's: ``manual_seed(0)`` makes runs repeatable,
not equal to PyTorch's numbers.
"""

from __future__ import annotations

import numpy as np

# Made on first use: NumPy loads numpy.random lazily, and `import tinygrad_moons` should not pay for it.
_generator: np.random.Generator | None = None


def generator() -> np.random.Generator:
    """The global generator that every random tensor factory draws from (unseeded until ``manual_seed``)."""
    global _generator
    if _generator is None:
        _generator = np.random.default_rng()
    return _generator


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator (as ``torch.manual_seed``) and return it."""
    global _generator
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    if seed < 0:
        # PyTorch wraps negative seeds into 64 bits; NumPy refuses them, so do the same wrap.
        seed = int(seed) % 2**64
    _generator = np.random.default_rng(int(seed))
    return _generator
