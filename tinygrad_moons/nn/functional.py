"""``tinygrad_moons.nn.functional`` is :mod:`tinygrad_moons.functional`, under PyTorch's name."""

from tinygrad_moons.functional import *  # noqa: F401, F403
from tinygrad_moons.functional import __all__  # noqa: F401
