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
from tinygrad_moons import cuda, random
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
    randperm,
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


_SAVE_INSTEAD = (
    "save the weights with np.savez(path, **model.state_dict()) and load them with "
    "model.load_state_dict(dict(np.load(path))); a Keras-style Sequential saves whole with "
    "nn.save_model(model, path) / nn.load_model(path)"
)

#: PyTorch names we deliberately do not provide, each with how we differ and what to use instead, so that a
#: ported script stops with advice rather than a bare AttributeError.
NOT_PROVIDED: dict[str, str] = {
    "save": f"torch.save pickles, and tinygrad_moons never unpickles a file (a pickle can run code): {_SAVE_INSTEAD}",
    "load": f"torch.load unpickles, and tinygrad_moons never unpickles a file (a pickle can run code): {_SAVE_INSTEAD}",
    "Generator": (
        "there is no torch.Generator: every random tensor draws from one global NumPy generator that "
        "tinygrad_moons.manual_seed(seed) reseeds; randperm(n, generator=np.random.default_rng(seed)) takes a "
        "NumPy Generator"
    ),
    "backends": (
        "there are no backends (cudnn, mps): tinygrad_moons runs on NumPy, on the CPU, and is deterministic "
        "once tinygrad_moons.manual_seed(seed) is called; drop the torch.backends lines"
    ),
    "utils": (
        "there is no torch.utils (DataLoader, TensorDataset): batch by indexing, e.g. perm = randperm(n) then "
        "X[perm[i:i + batch_size]] for i in range(0, n, batch_size); Keras-style models batch inside "
        "model.fit(X, y, batch_size=...)"
    ),
    "inference_mode": "there is no inference_mode: use no_grad(), which stops recording the graph the same way",
    "set_default_dtype": (
        "the default floating dtype is fixed at float64 (NumPy's; PyTorch's is float32): pass dtype=float32 "
        "to the factories or to the layers instead"
    ),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"tinygrad_moons.{name}")
    if name in NOT_PROVIDED:
        raise AttributeError(f"tinygrad_moons has no {name!r} (PyTorch's torch.{name}): {NOT_PROVIDED[name]}")
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
    "cuda",
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
    "randperm",
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
