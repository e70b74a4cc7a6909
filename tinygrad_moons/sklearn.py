"""A scikit-learn estimator around this library's networks.

:class:`MLPClassifier` follows scikit-learn's conventions (``__init__`` only
stores its parameters; ``fit`` learns ``classes_``, ``n_features_in_`` and the
model; ``predict_proba`` returns one column per class), so it drops into
pipelines, ``cross_val_score``, ``GridSearchCV`` and ``DecisionBoundaryDisplay``:

>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> from tinygrad_moons.sklearn import MLPClassifier
>>> classifier = make_pipeline(StandardScaler(), MLPClassifier(random_state=0))

Two classes train one sigmoid unit with binary cross-entropy (the seed's
network); more classes train a softmax layer with cross-entropy. This module
imports scikit-learn, so it is only loaded when you import it.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

try:
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn < 1.6 has it as a method

    def validate_data(estimator: Any, *args: Any, **kwargs: Any) -> Any:
        return estimator._validate_data(*args, **kwargs)


__all__ = ["MLPClassifier"]

_OPTIMIZERS = ("adam", "sgd", "rmsprop")
_ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """A fully connected network classifier trained with this library's autograd engine.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (25, 50, 50, 25)
        Widths of the hidden layers (the seed's network).
    activation : {"relu", "tanh", "sigmoid", "leaky_relu"}, default "relu"
        Activation of the hidden layers.
    optimizer : {"adam", "sgd", "rmsprop"}, default "adam"
    learning_rate : float, default 0.01
    epochs : int, default 200
        The largest number of passes over the data (scikit-learn's ``max_iter``).
    batch_size : int or None, default 32
        Samples per update; None trains on the full batch.
    kernel_initializer : str, default "he_normal"
        Any name from :mod:`tinygrad_moons.nn.initializers` ("normal" is the seed's randn*0.1).
    tol : float or None, default 1e-4
        Stop when the training loss has not improved by ``tol`` for ``n_iter_no_change``
        epochs in a row, as scikit-learn's ``MLPClassifier`` does; None always runs ``epochs``.
    n_iter_no_change : int, default 10
    random_state : int, RandomState or None, default None
        Seeds the initial weights and the order of the mini-batches.
    verbose : int, default 0
        1 shows a progress bar, 2 a line per epoch.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    model_ : tinygrad_moons.nn.Sequential
        The trained network (draw it, save it, inspect its layers).
    loss_curve_ : list of float
        The training loss after each epoch.
    n_iter_ : int
        The number of epochs run.
    """

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] = (25, 50, 50, 25),
        activation: str = "relu",
        optimizer: str = "adam",
        learning_rate: float = 0.01,
        epochs: int = 200,
        batch_size: int | None = 32,
        kernel_initializer: str = "he_normal",
        tol: float | None = 1e-4,
        n_iter_no_change: int = 10,
        random_state: Any = None,
        verbose: int = 0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.kernel_initializer = kernel_initializer
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------ checks
    def _check_parameters(self) -> tuple[int, ...]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = (sizes,)
        sizes = tuple(sizes)
        if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {_ACTIVATIONS}, got {self.activation!r}")
        if self.optimizer not in _OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {_OPTIMIZERS}, got {self.optimizer!r}")
        if not isinstance(self.learning_rate, numbers.Real) or not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be a positive number, got {self.learning_rate!r}")
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, numbers.Integral) or self.epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {self.epochs!r}")
        if self.batch_size is not None and (
            isinstance(self.batch_size, bool) or not isinstance(self.batch_size, numbers.Integral) or self.batch_size < 1
        ):
            raise ValueError(f"batch_size must be a positive integer or None (full batch), got {self.batch_size!r}")
        if self.tol is not None and (not isinstance(self.tol, numbers.Real) or self.tol < 0):
            raise ValueError(f"tol must be a non-negative number or None, got {self.tol!r}")
        if not isinstance(self.n_iter_no_change, numbers.Integral) or self.n_iter_no_change < 1:
            raise ValueError(f"n_iter_no_change must be a positive integer, got {self.n_iter_no_change!r}")
        return sizes

    # --------------------------------------------------------------- fit
    def fit(self, X: Any, y: Any) -> "MLPClassifier":
        """Train a new network on ``X`` (n_samples, n_features) and class labels ``y`` (any hashable labels)."""
        from tinygrad_moons import nn, optim

        sizes = self._check_parameters()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"MLPClassifier needs samples of at least 2 classes to learn from; y has 1 class ({self.classes_[0]!r})"
            )
        binary = len(self.classes_) == 2
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        layers = [
            nn.Dense(width, activation=self.activation, kernel_initializer=self.kernel_initializer, input_dim=n_in)
            for n_in, width in zip((X.shape[1], *sizes[:-1]), sizes)
        ]
        if binary:
            layers.append(nn.Dense(1, activation="sigmoid"))
            loss = "binary_crossentropy"
        else:
            layers.append(nn.Dense(len(self.classes_), activation="softmax"))
            loss = "sparse_categorical_crossentropy"
        model = nn.Sequential(layers, seed=seed)
        optimizers = {"adam": optim.Adam, "sgd": optim.SGD, "rmsprop": optim.RMSprop}
        model.compile(loss=loss, optimizer=optimizers[self.optimizer](lr=float(self.learning_rate)))
        callbacks = []
        if self.tol is not None:
            callbacks.append(nn.EarlyStopping(monitor="loss", min_delta=self.tol, patience=self.n_iter_no_change))
        history = model.fit(
            X,
            y_index,
            epochs=int(self.epochs),
            batch_size=self.batch_size,
            verbose=self.verbose,
            callbacks=callbacks,
            seed=seed,
        )
        self.model_ = model
        self.loss_curve_ = list(history.history["loss"])
        self.n_iter_ = len(self.loss_curve_)
        return self

    # ----------------------------------------------------------- predict
    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of every class, shape (n_samples, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        output = self.model_.predict(X)
        if len(self.classes_) == 2:
            positive = output.reshape(-1)
            return np.column_stack([1 - positive, positive])
        return output

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of every row (for two classes: probability of ``classes_[1]`` above 0.5)."""
        probabilities = self.predict_proba(X)
        if len(self.classes_) == 2:
            return self.classes_[(probabilities[:, 1] > 0.5).astype(np.intp)]
        return self.classes_[probabilities.argmax(axis=1)]
