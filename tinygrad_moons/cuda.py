"""``torch.cuda``'s questions, answered as a CPU-only build of PyTorch answers them: there is no GPU.

Tutorials write ``device = "cuda" if torch.cuda.is_available() else "cpu"``;
here that picks ``"cpu"``, the only device (moving a tensor or a model to
``"cuda"`` raises a clear error instead). ``manual_seed``/``manual_seed_all``
do nothing, as in PyTorch without a GPU: ``tinygrad_moons.manual_seed``
seeds every random number drawn here.
"""

from __future__ import annotations

__all__ = ["device_count", "is_available", "manual_seed", "manual_seed_all"]


def is_available() -> bool:
    """False: tinygrad_moons runs on NumPy, on the CPU only (``torch.cuda.is_available()`` on a CPU build)."""
    return False


def device_count() -> int:
    """0: there is no GPU (``torch.cuda.device_count()`` on a CPU build)."""
    return 0


def manual_seed(seed: int) -> None:
    """Nothing to seed without a GPU, as in PyTorch; ``tinygrad_moons.manual_seed(seed)`` seeds our numbers."""


def manual_seed_all(seed: int) -> None:
    """Nothing to seed without a GPU, as in PyTorch; ``tinygrad_moons.manual_seed(seed)`` seeds our numbers."""
