"""tinygrad_moons: a small, readable reverse-mode autograd engine over NumPy.

``import tinygrad_moons`` loads NumPy and nothing heavier. The neural-network
layer (``tinygrad_moons.nn``, also reachable as the attribute ``tg.nn``), the
optimizers (``tg.optim``), the functional forms (``tg.functional``, also
``tg.nn.functional``), the data sets, the plots and the command line are
separate modules, loaded on first use.

The names PyTorch code uses at the top level are here: ``tensor``, ``zeros``,
``arange``, ``randn``, ``manual_seed``, ``where``, ``cat``, the dtypes
``float32``/``float``/``int64``/``long``/``bool``..., and functions such as
``sin`` or ``sum`` that call the tensor method of the same name.
"""

import importlib
from typing import Any

# tensor first: it imports the engine and the ops once the Tensor class exists.
from tinygrad_moons.tensor import Tensor  # isort: skip
from tinygrad_moons import random
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
from tinygrad_moons.creation import (
    arange,
    as_tensor,
    cat,
    concatenate,
    device,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    manual_seed,
    maximum,
    minimum,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)
from tinygrad_moons.dtypes import (
    double,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from tinygrad_moons.gradcheck import GradcheckError, gradcheck, gradgradcheck
from tinygrad_moons.jit import CompileError, compile
from tinygrad_moons.ops import REGISTRY
from tinygrad_moons.tape import BackwardTape, trace_backward
from tinygrad_moons.tensor_functions import (
    abs,
    all,
    any,
    argmax,
    argmin,
    clamp,
    clip,
    clone,
    cos,
    exp,
    flatten,
    is_floating_point,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    mean,
    min,
    neg,
    norm,
    numel,
    permute,
    pow,
    prod,
    relu,
    reshape,
    sigmoid,
    sin,
    softmax,
    sqrt,
    square,
    squeeze,
    std,
    sum,
    t,
    tanh,
    transpose,
    unsqueeze,
    var,
)

# PyTorch's dtype names ``float`` and ``bool``: bound last, since they shadow builtins in this module.
from tinygrad_moons.dtypes import bool, float  # noqa: E402, A004  # isort: skip

__version__ = "0.1.0"

# Submodules loaded on first attribute access (``tg.nn``), so that importing the package stays light.
_LAZY_SUBMODULES = ("nn", "optim", "functional", "data", "sklearn", "viz", "experiment", "testing")


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"tinygrad_moons.{name}")
    raise AttributeError(f"module 'tinygrad_moons' has no attribute {name!r}")


# Names that would shadow Python's builtins (sum, max, min, abs, all, any, pow, bool, float) are attributes
# (tg.sum) but left out of __all__, so that `from tinygrad_moons import *` keeps the builtins working.
__all__ = [
    "BackwardTape",
    "CompileError",
    "Function",
    "GradcheckError",
    "REGISTRY",
    "ShapeError",
    "Tensor",
    "arange",
    "argmax",
    "argmin",
    "as_tensor",
    "cat",
    "clamp",
    "clip",
    "clone",
    "compile",
    "concatenate",
    "cos",
    "detect_anomaly",
    "device",
    "double",
    "empty",
    "empty_like",
    "enable_grad",
    "exp",
    "eye",
    "flatten",
    "float16",
    "float32",
    "float64",
    "from_numpy",
    "full",
    "full_like",
    "get_default_dtype",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "half",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_floating_point",
    "is_grad_enabled",
    "linspace",
    "log",
    "log_softmax",
    "logsumexp",
    "long",
    "manual_seed",
    "matmul",
    "maximum",
    "mean",
    "minimum",
    "neg",
    "no_grad",
    "norm",
    "numel",
    "ones",
    "ones_like",
    "permute",
    "prod",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "random",
    "relu",
    "reshape",
    "set_grad_enabled",
    "short",
    "sigmoid",
    "sin",
    "softmax",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "t",
    "tanh",
    "tensor",
    "trace_backward",
    "transpose",
    "uint8",
    "unsqueeze",
    "var",
    "where",
    "zeros",
    "zeros_like",
]
