"""tinygrad_moons: a small, readable reverse-mode autograd engine over NumPy.

``import tinygrad_moons`` loads NumPy and nothing heavier. The neural-network
layer (:mod:`tinygrad_moons.nn`), the data sets, the plots and the command
line are separate modules that load their own dependencies when used.
"""

# tensor first: it imports the engine and the ops once the Tensor class exists.
from tinygrad_moons.tensor import Tensor, cat, concatenate, ones, ones_like, stack, tensor, zeros, zeros_like  # isort: skip
from tinygrad_moons.autograd import (
    Function,
    ShapeError,
    detect_anomaly,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from tinygrad_moons.jit import CompileError, compile
from tinygrad_moons.gradcheck import GradcheckError, gradcheck, gradgradcheck
from tinygrad_moons.ops import REGISTRY

__version__ = "0.1.0"

__all__ = [
    "CompileError",
    "Function",
    "GradcheckError",
    "REGISTRY",
    "ShapeError",
    "Tensor",
    "cat",
    "compile",
    "concatenate",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "ones",
    "ones_like",
    "set_grad_enabled",
    "stack",
    "tensor",
    "zeros",
    "zeros_like",
]
