"""scikit-learn's ``MLPClassifier`` and ``MLPRegressor``, trained by this library's autograd engine.

Drop-in replacements: same parameters (names, defaults, meanings), same
fitted attributes (``coefs_`` of shape (inputs, outputs), ``intercepts_``,
``loss_curve_``, ``best_loss_``, ``validation_scores_``, ``t_``, ``n_iter_``,
``n_layers_``, ``n_outputs_``, ``out_activation_``, ...), same training rule
(scikit-learn's initial weights, L2 penalty, mini-batches, Adam and SGD
updates, learning-rate schedules, ``tol``/``n_iter_no_change`` stopping,
early stopping on a stratified validation split, ``ConvergenceWarning``),
so a script changes only its import::

    # from sklearn.neural_network import MLPClassifier
    from tinygrad_moons.sklearn import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(25, 50, 50, 25), max_iter=300, random_state=0).fit(X, y)
    clf.predict_proba(X[:3])            # (3, n_classes), rows sum to 1
    clf.model_                          # the nn.Sequential, for viz.draw_model_graph, plots, the GIF

The same ``random_state`` draws the same initial weights and the same batch
order as scikit-learn, so the two follow the same trajectory up to rounding
(the engine computes the same sums in another order).

How this differs from scikit-learn, on purpose:

* ``solver="lbfgs"`` raises ``NotImplementedError`` (use ``"adam"`` or
  ``"sgd"``); ``max_fun``, its only parameter, is accepted and unused.
* Sparse input is accepted and made dense (the engine is dense).
* The training loss is computed from the output layer's pre-activation
  (log-sigmoid, log-softmax), so its gradient is exactly scikit-learn's
  ``prediction - target`` even where a probability rounds to 0 or 1;
  scikit-learn clips probabilities at machine epsilon for the value it
  reports, so ``loss_curve_`` can differ where predictions saturate.
* ``coefs_`` and ``intercepts_`` are the model's own arrays, as a list that
  writes through: ``m.coefs_[0] = W``, ``m.coefs_[0][...] = 0`` and
  ``m.coefs_ = [...]`` set the weights the next ``predict`` uses, as in
  scikit-learn, but each array must keep its layer's shape (a ``ValueError``
  says which), the list cannot grow or shrink (``append``, ``del``: a
  ``TypeError``), and a weight array of another float type is converted to
  the model's. Setting them before ``fit`` raises ``NotFittedError`` (there
  is no network yet).
* ``hidden_layer_sizes`` must be integers (a ``TypeError`` names the value),
  as scikit-learn, which fails on ``(3.9,)`` or ``(True,)`` deep inside.

What this library adds, as keyword parameters of its own: ``initializer``
(None: scikit-learn's own; or a name from :mod:`tinygrad_moons.nn.initializers`
such as ``"normal"``, the course project's ``randn * 0.1``, ``"glorot_uniform"``,
``"he_normal"``), ``dtype`` (None: the input's, float32 or float64, as
scikit-learn), and the fitted ``model_``.

This module imports scikit-learn, so it is only loaded when you import it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, column_or_1d, gen_batches
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from tinygrad_moons import functional as F
from tinygrad_moons import nn
from tinygrad_moons.autograd import no_grad, plain_numbers
from tinygrad_moons.tensor import Tensor

try:
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn < 1.6 has it as a method

    def validate_data(estimator: Any, *args: Any, **kwargs: Any) -> Any:
        return estimator._validate_data(*args, **kwargs)


__all__ = ["MLPClassifier", "MLPRegressor"]

_STOCHASTIC_SOLVERS = ("sgd", "adam")
#: scikit-learn's activation names -> this library's (None: no activation).
_ACTIVATIONS = {"identity": None, "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}


def _exp(x: Tensor) -> Tensor:
    """The Poisson loss's output activation (scikit-learn's ``out_activation_ = "exp"``)."""
    return x.exp()


_OUTPUT_ACTIVATIONS: dict[str, Any] = {"logistic": "sigmoid", "softmax": "softmax", "identity": None, "exp": _exp}


# ------------------------------------------------------------ the optimizers
class _SGDOptimizer:
    """scikit-learn's SGD: ``v = momentum * v - lr * g``, then ``p += v`` (Nesterov: ``p += momentum * v - lr * g``).

    The schedules change ``learning_rate`` between epochs: "invscaling" sets
    it to ``learning_rate_init / (t + 1) ** power_t`` (t: samples seen);
    "adaptive" divides it by 5 when training stalls, and stops below 1e-6.
    Written here rather than using :mod:`tinygrad_moons.optim` (PyTorch's
    rules, equal only while the rate is constant) so every schedule is exact.
    """

    def __init__(self, params: list[np.ndarray], learning_rate_init: float, lr_schedule: str,
                 momentum: float, nesterov: bool, power_t: float):
        self.learning_rate_init = float(learning_rate_init)
        self.learning_rate = float(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocities = [np.zeros_like(param) for param in params]

    def update_params(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        for param, grad, velocity in zip(params, grads, self.velocities):
            velocity *= self.momentum
            velocity -= self.learning_rate * grad
            param += self.momentum * velocity - self.learning_rate * grad if self.nesterov else velocity

    def iteration_ends(self, time_step: int) -> None:
        if self.lr_schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (time_step + 1) ** self.power_t

    def trigger_stopping(self, message: str, verbose: bool) -> bool:
        """True to stop; with the "adaptive" schedule, first divide the rate by 5 until it falls below 1e-6."""
        if self.lr_schedule != "adaptive":
            if verbose:
                print(message + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(message + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(f"{message} Setting learning rate to {self.learning_rate:f}")
        return False


class _AdamOptimizer:
    """scikit-learn's Adam: ``p -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)``.

    (PyTorch's, in :mod:`tinygrad_moons.optim`, adds epsilon after the bias
    correction of ``v`` instead; the two differ only near ``v = 0``.)
    """

    def __init__(self, params: list[np.ndarray], learning_rate_init: float, beta_1: float, beta_2: float,
                 epsilon: float):
        self.learning_rate_init = float(learning_rate_init)
        self.learning_rate = float(learning_rate_init)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.ms = [np.zeros_like(param) for param in params]
        self.vs = [np.zeros_like(param) for param in params]

    def update_params(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self.t += 1
        self.learning_rate = (
            self.learning_rate_init * np.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t)
        )
        for param, grad, m, v in zip(params, grads, self.ms, self.vs):
            m *= self.beta_1
            m += (1 - self.beta_1) * grad
            v *= self.beta_2
            v += (1 - self.beta_2) * grad**2
            param -= self.learning_rate * m / (np.sqrt(v) + self.epsilon)

    def iteration_ends(self, time_step: int) -> None:
        pass

    def trigger_stopping(self, message: str, verbose: bool) -> bool:
        if verbose:
            print(message + " Stopping.")
        return True


# ----------------------------------------------------- coefs_ and intercepts_
class _LayerArrays(list):
    """``coefs_`` or ``intercepts_``: a list of the model's own arrays, one per layer, that writes through.

    scikit-learn keeps plain lists, so ``m.coefs_[0] = W`` sets layer 0's weights
    there; here the arrays live in the model's tensors, and this list passes
    item writes on to them. Changing the number of layers (``append``, ``del``,
    ...) is refused: the network's shape comes from ``hidden_layer_sizes``.
    A copy (``copy``, ``deepcopy``, pickle) is a plain list.
    """

    def __init__(self, estimator: _BaseMLP, name: str):
        super().__init__(tensor.data for tensor in estimator._layer_tensors(name))
        self._estimator = estimator
        self._name = name

    def __setitem__(self, index: Any, value: Any) -> None:
        if isinstance(index, slice):
            positions = range(len(self))[index]
            values = list(value)
            if len(values) != len(positions):
                self._refuse()
            for position, item in zip(positions, values):
                self[position] = item
            return
        array = self._estimator._set_layer_array(self._name, index, value)
        super().__setitem__(index, array)

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"{self._name} has one array per layer ({len(self)} layers) and cannot grow or shrink: set a layer's "
            f"weights with {self._name}[i] = array (of the shape {self._name}[i] has) or {self._name} = a list of "
            "such arrays; to change the layers, change hidden_layer_sizes and fit again"
        )

    append = extend = insert = pop = remove = clear = sort = reverse = _refuse
    __delitem__ = __iadd__ = __imul__ = _refuse

    def __copy__(self) -> list[np.ndarray]:
        return list(self)

    def __deepcopy__(self, memo: dict) -> list[np.ndarray]:
        return [array.copy() for array in self]

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (list, (list(self),))


# ------------------------------------------------------------- shared base
class _BaseMLP(BaseEstimator):
    """What both estimators share: parameters, the network, the training loop. Use the subclasses."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "initializer": [None, str, callable],
        "dtype": [None, str, type, np.dtype],
    }

    loss: str  # set by the subclasses: "log_loss", "squared_error" or "poisson"

    def __init__(
        self,
        *,
        hidden_layer_sizes: Any,
        activation: Any,
        solver: Any,
        alpha: Any,
        batch_size: Any,
        learning_rate: Any,
        learning_rate_init: Any,
        power_t: Any,
        max_iter: Any,
        shuffle: Any,
        random_state: Any,
        tol: Any,
        verbose: Any,
        warm_start: Any,
        momentum: Any,
        nesterovs_momentum: Any,
        early_stopping: Any,
        validation_fraction: Any,
        beta_1: Any,
        beta_2: Any,
        epsilon: Any,
        n_iter_no_change: Any,
        max_fun: Any,
        initializer: Any,
        dtype: Any,
        loss: str,
    ):
        """Store every parameter as given, unchecked, as scikit-learn's estimators do (``fit`` checks them).

        The subclasses list the parameters with their defaults in their own
        signatures (``get_params`` reads them there) and pass them here, as
        scikit-learn's ``BaseMultilayerPerceptron`` does.
        """
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.initializer = initializer
        self.dtype = dtype
        self.loss = loss

    # ------------------------------------------------------------ fitted weights
    @property
    def coefs_(self) -> list[np.ndarray]:
        """The weight matrices, ``coefs_[i]`` of shape (units of layer i, units of layer i + 1).

        The model's own arrays, as in scikit-learn: ``coefs_[i][...] = W`` changes layer i in place,
        ``coefs_[i] = W`` makes ``W`` (of the same shape) layer i's kernel, and ``coefs_ = [...]``
        sets every layer; the next ``predict`` (and ``warm_start``/``partial_fit``) uses them. The
        list's length and the arrays' shapes are the network's: change ``hidden_layer_sizes`` and fit
        again to change them.
        """
        check_is_fitted(self, "model_")
        return _LayerArrays(self, "coefs_")

    @coefs_.setter
    def coefs_(self, values: list[np.ndarray]) -> None:
        self._set_layer_arrays("coefs_", values)

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """The bias vectors, ``intercepts_[i]`` of shape (units of layer i + 1,); set them as ``coefs_``."""
        check_is_fitted(self, "model_")
        return _LayerArrays(self, "intercepts_")

    @intercepts_.setter
    def intercepts_(self, values: list[np.ndarray]) -> None:
        self._set_layer_arrays("intercepts_", values)

    def _layer_tensors(self, name: str) -> list[Tensor]:
        """The kernels (``"coefs_"``) or biases (``"intercepts_"``) of the model, one tensor per layer."""
        if not hasattr(self, "model_"):
            raise NotFittedError(
                f"{name} can only be set after fit: fit builds the network from X, y and hidden_layer_sizes; "
                f"call fit first, then set {name}[i] = an array of the shape {name}[i] has"
            )
        return [layer.kernel if name == "coefs_" else layer.bias for layer in self.model_]

    def _set_layer_array(self, name: str, index: int, value: Any) -> np.ndarray:
        """Make ``value`` layer ``index``'s kernel or bias (the array itself when it has the model's dtype)."""
        tensors = self._layer_tensors(name)
        index = range(len(tensors))[index]  # a negative index counts from the end, an IndexError as a list's
        tensor = tensors[index]
        array = np.asarray(value)
        if array.shape != tensor.shape:
            what = "kernel: (inputs, units)" if name == "coefs_" else "bias: (units,)"
            raise ValueError(
                f"{name}[{index}] must have shape {tensor.shape} (layer {index}'s {what}), got {array.shape}; "
                "to change the network's widths, change hidden_layer_sizes and fit again"
            )
        # The optimizers update the weights in place: they must be writeable, contiguous, of the model's dtype.
        array = np.require(array, dtype=tensor.dtype, requirements=["C", "W"])
        with no_grad():
            tensor.data = array
        return array

    def _set_layer_arrays(self, name: str, values: Any) -> None:
        """``coefs_ = [...]``: one array per layer, each of the shape that layer has."""
        tensors = self._layer_tensors(name)
        values = list(values)
        shapes = [np.shape(value) for value in values]
        if shapes != [tensor.shape for tensor in tensors]:
            raise ValueError(
                f"{name} must be a list of arrays of shapes {[t.shape for t in tensors]}, got shapes {shapes}; "
                "to change the network's widths, change hidden_layer_sizes and fit again"
            )
        for index, value in enumerate(values):
            self._set_layer_array(name, index, value)

    def _parameters(self) -> list[np.ndarray]:
        """Weights then biases, scikit-learn's order (``coefs_ + intercepts_``), for the optimizer."""
        return self.coefs_ + self.intercepts_

    # ------------------------------------------------------------ the network
    def _initialize(self, y: np.ndarray, layer_units: list[int], dtype: np.dtype) -> None:
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        if not is_classifier(self):
            self.out_activation_ = "exp" if self.loss == "poisson" else "identity"
        elif self._label_binarizer.y_type_ == "multiclass":
            self.out_activation_ = "softmax"
        else:  # two classes, or multi-label: one logistic unit per output
            self.out_activation_ = "logistic"
        self.model_ = self._build_model(layer_units, dtype)
        self._best_coefs = [c.copy() for c in self.coefs_]
        self._best_intercepts = [b.copy() for b in self.intercepts_]
        self.loss_curve_: list[float] = []
        self._no_improvement_count = 0
        if self.early_stopping:
            self.validation_scores_: list[float] | None = []
            self.best_validation_score_: float | None = -np.inf
            self.best_loss_: float | None = None
        else:
            self.best_loss_ = np.inf
            self.validation_scores_ = None
            self.best_validation_score_ = None

    def _build_model(self, layer_units: list[int], dtype: np.dtype) -> nn.Sequential:
        """Dense layers with the hidden and output activations, weights drawn from ``self._random_state``."""
        activations = [_ACTIVATIONS[self.activation]] * (len(layer_units) - 2)
        activations.append(_OUTPUT_ACTIVATIONS[self.out_activation_])
        layers = []
        for index, activation in enumerate(activations):
            fan_in, fan_out = layer_units[index], layer_units[index + 1]
            layer = nn.Dense(fan_out, activation=activation, input_dim=fan_in, dtype=dtype,
                             kernel_initializer="zeros", bias_initializer="zeros")
            kernel, bias = layer.kernel, layer.bias
            assert kernel is not None and bias is not None  # built at once: input_dim is given
            kernel.data[...], bias.data[...] = self._init_coef(fan_in, fan_out, dtype, index)
            layers.append(layer)
        return nn.Sequential(layers)

    def _init_coef(self, fan_in: int, fan_out: int, dtype: np.dtype, layer: int) -> tuple[np.ndarray, np.ndarray]:
        """scikit-learn's draw (Glorot's uniform bound, factor 2 for logistic units), or ``initializer``'s."""
        if self.initializer is None:
            factor = 2.0 if self.activation == "logistic" else 6.0
            bound = np.sqrt(factor / (fan_in + fan_out))
            coef = self._random_state.uniform(-bound, bound, (fan_in, fan_out))
            intercept = self._random_state.uniform(-bound, bound, fan_out)
            return coef.astype(dtype, copy=False), intercept.astype(dtype, copy=False)
        draw = nn.initializers.get(self.initializer)
        rng = np.random.default_rng(self._random_state.randint(np.iinfo(np.int32).max))
        coef = self._drawn(draw, (fan_in, fan_out), dtype, rng, f"layer {layer}'s kernel")
        # The course project drew its biases as randn * 0.1 too (the initializer named "normal", whatever its
        # aliases); everyone else starts them at 0.
        course_style = isinstance(self.initializer, str) and isinstance(draw, nn.initializers.RandomNormal)
        if course_style:
            intercept = self._drawn(draw, (fan_out,), dtype, rng, f"layer {layer}'s bias")
        else:
            intercept = np.zeros(fan_out, dtype=dtype)
        return coef, intercept

    def _drawn(self, draw: Callable[..., Any], shape: tuple[int, ...], dtype: np.dtype,
               rng: np.random.Generator, what: str) -> np.ndarray:
        """``draw(shape, dtype, rng)`` as an array of that shape and dtype, or an error naming the initializer."""
        values = np.asarray(draw(shape, dtype, rng))
        if values.shape != shape:
            name = self.initializer if isinstance(self.initializer, str) else getattr(
                self.initializer, "__name__", repr(self.initializer))
            raise ValueError(
                f"initializer {name} returned an array of shape {values.shape} for {what}, which has shape "
                f"{shape}; an initializer is called as f(shape, dtype, rng) and must return an array of that shape"
            )
        return values.astype(dtype, copy=False)

    def _forward_logits(self, X: np.ndarray) -> Tensor:
        """The output layer's input to its activation, z = h @ W + b, recorded for ``backward``."""
        h = Tensor(X, dtype=self.model_[0].dtype)
        *hidden, output = self.model_
        for layer in hidden:
            h = layer(h)
        return F.affine(h, output.kernel, output.bias)

    def _forward_pass_fast(self, X: Any, check_input: bool = True) -> np.ndarray:
        """The network's output (probabilities, or predictions) as a NumPy array, shape (n_samples, n_outputs)."""
        if check_input:
            X = self._validate_X(X, reset=False)
        model_dtype = self.model_[0].dtype
        with no_grad():
            if X.dtype == model_dtype:
                return self.model_(Tensor(X)).data
            # As scikit-learn's X @ W, float64 input to float32 weights (or the reverse) computes and answers in
            # float64 (the Dense layers would cast the input to their own dtype instead).
            h = Tensor(X, dtype=np.result_type(X.dtype, model_dtype))
            for layer in self.model_:
                z = F.affine(h, layer.kernel.to(h.dtype), layer.bias.to(h.dtype))
                h = z if layer.activation is None else layer.activation(z)
            return h.data

    # -------------------------------------------------------------- the loss
    def _backprop(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> float:
        """The batch's loss, as scikit-learn reports it; leaves d(loss)/d(parameter) in each ``.grad``.

        Data term: the average (weighted by ``sample_weight``) over samples of
        the loss summed over outputs, from the logits so that its gradient
        with respect to them is exactly ``prediction - target``. Plus the L2
        term ``0.5 * alpha * sum ||W||^2 / n_samples`` (biases not penalised),
        whose gradient ``alpha * W / n_samples`` is added directly.
        """
        z = self._forward_logits(X)
        target = Tensor(y, dtype=z.data.dtype)
        if self.out_activation_ == "logistic":
            per_sample = F.binary_cross_entropy_with_logits(z, target, reduction="none").sum(axis=1)
        elif self.out_activation_ == "softmax":
            per_sample = -(target * F.log_softmax(z, axis=1)).sum(axis=1)
        elif self.out_activation_ == "exp":  # half Poisson deviance: exp(z) - y z + (y log y - y)
            per_sample = (z.exp() - target * z).sum(axis=1)
        else:  # half squared error
            difference = z - target
            per_sample = (difference * difference).sum(axis=1) * 0.5
        if sample_weight is None:
            weight_sum = float(X.shape[0])
            data_loss = per_sample.sum() / weight_sum
        else:
            weight_sum = float(sample_weight.sum())
            data_loss = (per_sample * Tensor(sample_weight, dtype=z.data.dtype)).sum() / weight_sum
        self.model_.zero_grad()
        data_loss.backward()

        loss = data_loss.item()
        if self.out_activation_ == "exp":  # the constant y log y - y, which scikit-learn includes in the value
            constant = (np.where(y > 0, y * np.log(np.where(y > 0, y, 1)), 0) - y).sum(axis=1)
            loss += float(np.average(constant, weights=sample_weight))
        elif self.out_activation_ == "identity":
            loss /= y.shape[1]  # scikit-learn reports the mean over outputs (its gradient is of the sum)
        penalty = sum(float(np.dot(c.ravel(), c.ravel())) for c in self.coefs_)
        for layer in self.model_:
            layer.kernel.grad.data += (self.alpha / weight_sum) * layer.kernel.data
        return loss + 0.5 * self.alpha * penalty / weight_sum

    # -------------------------------------------------------------- fitting
    def _input_dtype(self) -> Any:
        """scikit-learn keeps float32 and float64 input as it is; ``dtype`` forces one."""
        return (np.float64, np.float32) if self.dtype is None else np.dtype(self.dtype)

    def _validate_X(self, X: Any, reset: bool) -> np.ndarray:
        """scikit-learn's checks (NaN, width, feature names); sparse input made dense."""
        X = validate_data(self, X, accept_sparse=["csr", "csc"], dtype=self._input_dtype(), reset=reset)
        return X.toarray() if sparse.issparse(X) else X

    def _validate_X_y(self, X: Any, y: Any, reset: bool, **options: Any) -> tuple[np.ndarray, np.ndarray]:
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             dtype=self._input_dtype(), reset=reset, **options)
        return (X.toarray() if sparse.issparse(X) else X), y

    def _check_dtype(self) -> None:
        """``dtype`` (ours alone) is None, float32 or float64: checked before training, not blamed on the data."""
        if self.dtype is None:
            return
        try:
            dtype = np.dtype(self.dtype)
        except TypeError:  # not a dtype at all ("no-such-type")
            dtype = np.dtype(object)
        if dtype.name not in ("float32", "float64"):
            raise ValueError(
                "dtype must be a floating type the engine trains in: None (the input's, as scikit-learn), 'float32' "
                f"or 'float64'; got {self.dtype!r}"
                + (" (too few digits: training overflows or stalls)" if dtype.name == "float16" else "")
            )

    def _hidden_layer_sizes(self) -> list[int]:
        """The hidden widths as ints; as scikit-learn, anything but positive integers is refused (bools too)."""
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if any(isinstance(size, bool | np.bool_) or not isinstance(size, Integral) for size in sizes):
            raise TypeError(
                "hidden_layer_sizes must be positive integers, one width per hidden layer, got "
                f"{plain_numbers(self.hidden_layer_sizes)!r}"
            )
        if any(size <= 0 for size in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {[int(size) for size in sizes]}.")
        return [int(size) for size in sizes]

    def _check_solver(self) -> bool:
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                f"partial_fit is only available for stochastic optimizers. {self.solver} is not stochastic."
            )
        return True

    def _fit(self, X: Any, y: Any, sample_weight: Any = None, incremental: bool = False) -> _BaseMLP:
        self._validate_params()
        if self.solver == "lbfgs":
            raise NotImplementedError(
                "solver='lbfgs' is not implemented in tinygrad_moons (it trains with its autograd engine by "
                "stochastic gradient steps); use solver='adam' (the default) or solver='sgd'"
            )
        self._check_dtype()
        hidden_layer_sizes = self._hidden_layer_sizes()
        first_pass = not hasattr(self, "model_") or (not self.warm_start and not incremental)

        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        y = y.astype(X.dtype, copy=False)
        layer_units = [X.shape[1], *hidden_layer_sizes, y.shape[1]]
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(y, layer_units, X.dtype)
        elif [self.n_features_in_, *(c.shape[1] for c in self.coefs_)] != layer_units:
            raise ValueError(
                f"the network has layer widths {[self.n_features_in_, *(c.shape[1] for c in self.coefs_)]} but "
                f"hidden_layer_sizes and y ask for {layer_units}; warm_start and partial_fit keep the network"
            )
        else:
            X = X.astype(self.model_[0].dtype, copy=False)
            y = y.astype(X.dtype, copy=False)
        self._fit_stochastic(X, y, sample_weight, incremental)
        if not all(np.isfinite(w).all() for w in self._parameters()):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may contain large values and need to"
                " be preprocessed."
            )
        return self

    def _fit_stochastic(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
                        incremental: bool) -> None:
        """scikit-learn's loop: epochs of shuffled mini-batches, then the stopping rule, as ``_fit_stochastic``."""
        if not incremental or not hasattr(self, "_optimizer"):
            params = self._parameters()
            if self.solver == "sgd":
                self._optimizer: Any = _SGDOptimizer(params, self.learning_rate_init, self.learning_rate,
                                                     self.momentum, self.nesterovs_momentum, self.power_t)
            else:
                self._optimizer = _AdamOptimizer(params, self.learning_rate_init, self.beta_1, self.beta_2,
                                                 self.epsilon)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        early_stopping = self.early_stopping
        if early_stopping:
            # Stratified for a classifier with one output (not multi-label), as scikit-learn.
            stratify = y if is_classifier(self) and self.n_outputs_ == 1 else None
            arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
            parts = train_test_split(*arrays, random_state=self._random_state, test_size=self.validation_fraction,
                                     stratify=stratify)
            X_train, X_val, y_train, y_val = parts[:4]
            sample_weight_train, sample_weight_val = parts[4:] if sample_weight is not None else (None, None)
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' or the size of your dataset."
                )
            if is_classifier(self):
                y_val = self._label_binarizer.inverse_transform(y_val)
        else:
            X_train, y_train, sample_weight_train = X, y, sample_weight
            X_val = y_val = sample_weight_val = None

        n_samples = X_train.shape[0]
        sample_idx = np.arange(n_samples, dtype=int)
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
                    stacklevel=4,
                )
            batch_size = int(np.clip(self.batch_size, 1, n_samples))

        params = self._parameters()
        try:
            self.n_iter_ = 0
            for _ in range(self.max_iter):
                if self.shuffle:
                    # = sklearn.utils.shuffle(sample_idx, random_state=...), the same draw without its checks
                    sample_idx = sample_idx[self._random_state.permutation(n_samples)]
                accumulated_loss = 0.0
                for batch_slice in gen_batches(n_samples, batch_size):
                    batch_idx = sample_idx[batch_slice] if self.shuffle else batch_slice
                    batch_weight = None if sample_weight_train is None else sample_weight_train[batch_idx]
                    batch_loss = self._backprop(X_train[batch_idx], y_train[batch_idx], batch_weight)
                    accumulated_loss += batch_loss * (batch_slice.stop - batch_slice.start)
                    self._optimizer.update_params(params, [p.grad.data for p in self._grad_order()])

                self.n_iter_ += 1
                self.loss_ = accumulated_loss / n_samples
                self.t_ += n_samples
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
                self._update_no_improvement_count(early_stopping, X_val, y_val, sample_weight_val)
                self._optimizer.iteration_ends(self.t_)

                if self._no_improvement_count > self.n_iter_no_change:
                    what = "Validation score" if early_stopping else "Training loss"
                    message = (
                        f"{what} did not improve more than tol={self.tol:f} for {self.n_iter_no_change} consecutive "
                        "epochs."
                    )
                    if self._optimizer.trigger_stopping(message, self.verbose):
                        break
                    self._no_improvement_count = 0
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the optimization "
                        "hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=4,  # the caller of fit (fit -> _fit -> _fit_stochastic)
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=4)

        if early_stopping:  # back to the weights of the best validation score (copies: training goes on in place)
            self.coefs_ = [c.copy() for c in self._best_coefs]
            self.intercepts_ = [b.copy() for b in self._best_intercepts]

    def _grad_order(self) -> list[Any]:
        """The parameters as tensors, in the order of :meth:`_parameters` (kernels, then biases)."""
        return [layer.kernel for layer in self.model_] + [layer.bias for layer in self.model_]

    def _update_no_improvement_count(self, early_stopping: bool, X_val: Any, y_val: Any, sample_weight: Any) -> None:
        if early_stopping:
            score = self._score(X_val, y_val, sample_weight=sample_weight)
            scores, best = self.validation_scores_, self.best_validation_score_
            assert scores is not None and best is not None  # set by _initialize when early_stopping
            scores.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            if score < best + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > best:
                self.best_validation_score_ = score
                self._best_coefs = [c.copy() for c in self.coefs_]
                self._best_intercepts = [b.copy() for b in self.intercepts_]
        else:
            best_loss = self.best_loss_
            assert best_loss is not None  # np.inf from _initialize without early_stopping
            if self.loss_curve_[-1] > best_loss - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < best_loss:
                self.best_loss_ = self.loss_curve_[-1]

    def _score_with_function(self, X: Any, y: Any, sample_weight: Any, score_function: Callable[..., float]) -> float:
        y_pred = self._predict(X, check_input=False)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return score_function(y, y_pred, sample_weight=sample_weight)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> _BaseMLP:
        """Fit the model to data matrix X and target(s) y (class labels, or real numbers for regression).

        ``sample_weight`` (n_samples,) weights each sample's loss, as scikit-learn's.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


# ---------------------------------------------------------------- classifier
class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier: scikit-learn's ``MLPClassifier``, trained by this library's engine.

    Every parameter of ``sklearn.neural_network.MLPClassifier`` with its name,
    default and meaning (see its documentation); ``max_iter`` counts epochs.
    Two classes (or multi-label indicator targets) train logistic output
    units with binary cross-entropy; more classes a softmax layer with
    cross-entropy. Labels may be any values (strings too); ``classes_`` keeps them.

    Differences: ``solver="lbfgs"`` raises ``NotImplementedError`` (use
    "adam" or "sgd"), so ``max_fun`` is accepted and unused.

    Parameters of this library
    --------------------------
    initializer : str, callable or None, default None
        None draws scikit-learn's initial weights (uniform in ±sqrt(6 / (fan_in
        + fan_out)), factor 2 for "logistic"), biases too. A name from
        :mod:`tinygrad_moons.nn.initializers` draws the kernels from it and
        starts the biases at 0, except "normal" (the course project's
        ``randn * 0.1``), which draws the biases the same way, as the project did.
    dtype : "float32", "float64" (or their NumPy types) or None, default None
        Float type of the weights and the computation; None: the input's
        (float32 stays float32, anything else becomes float64), as scikit-learn,
        and ``predict``/``predict_proba`` then answer in NumPy's promotion of
        the input's and the weights' types (float32 weights, float64 input:
        float64), as scikit-learn's ``X @ W``. A ``dtype`` given converts the
        input to it, outputs too. Other types (float16 among them) are refused
        before training.

    Fitted attributes
    -----------------
    scikit-learn's (``classes_, loss_, best_loss_, loss_curve_,
    validation_scores_, best_validation_score_, t_, coefs_, intercepts_,
    n_features_in_, feature_names_in_, n_iter_, n_layers_, n_outputs_,
    out_activation_``), and ``model_``: the trained ``nn.Sequential``, whose
    kernels and biases *are* ``coefs_`` and ``intercepts_``.
    """

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
        initializer: str | Callable[..., np.ndarray] | None = None,
        dtype: Any = None,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            initializer=initializer,
            dtype=dtype,
            loss="log_loss",
        )


    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        X, y = self._validate_X_y(X, y, reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in the previous call to "
                        f"fit. Previously got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. "
                                 f"'y' has {classes}.")
        return X, self._label_binarizer.transform(y).astype(X.dtype)

    def predict(self, X: Any) -> np.ndarray:
        """The predicted class of every row (for indicator targets: an indicator matrix)."""
        check_is_fitted(self)
        return self._predict(X)

    def _predict(self, X: Any, check_input: bool = True) -> np.ndarray:
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        return self._label_binarizer.inverse_transform(y_pred)

    def _score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        return self._score_with_function(X, y, sample_weight=sample_weight, score_function=accuracy_score)

    @available_if(lambda estimator: estimator._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None) -> MLPClassifier:
        """One epoch over ``X, y``; ``classes`` (every label there will be) is required on the first call."""
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of each class, shape (n_samples, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self)
        y_pred = self._forward_pass_fast(X)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        if y_pred.ndim == 1:
            return np.vstack([1 - y_pred, y_pred]).T
        return y_pred

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """``log(predict_proba(X))``."""
        y_prob = self.predict_proba(X)
        return np.log(y_prob, out=y_prob)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


# ----------------------------------------------------------------- regressor
class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor: scikit-learn's ``MLPRegressor``, trained by this library's engine.

    Every parameter of ``sklearn.neural_network.MLPRegressor`` (``loss``
    "squared_error" with an identity output, or "poisson" with an exp
    output, then the same parameters as :class:`MLPClassifier`), with its
    name, default and meaning; one output unit per target column.
    ``initializer`` and ``dtype`` as for :class:`MLPClassifier`; the fitted
    attributes are scikit-learn's plus ``model_``.
    """

    _parameter_constraints: dict = {
        **_BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(
        self,
        loss: str = "squared_error",
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
        initializer: str | Callable[..., np.ndarray] | None = None,
        dtype: Any = None,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            initializer=initializer,
            dtype=dtype,
            loss=loss,
        )

    def _validate_input(self, X: Any, y: Any, incremental: bool, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        X, y = self._validate_X_y(X, y, reset=reset, y_numeric=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("loss='poisson' needs non-negative targets y (counts or rates), got some below 0")
        return X, y

    def predict(self, X: Any) -> np.ndarray:
        """Predictions, shape (n_samples,) for one target, else (n_samples, n_outputs)."""
        check_is_fitted(self)
        return self._predict(X)

    def _predict(self, X: Any, check_input: bool = True) -> np.ndarray:
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    def _score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        return self._score_with_function(X, y, sample_weight=sample_weight, score_function=r2_score)

    @available_if(lambda estimator: estimator._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch over ``X, y``, continuing from the current weights (starting new ones on the first call)."""
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)
