"""Two-dimensional toy data sets for binary classification, and a stratified split.

The functions follow scikit-learn's generators (``sklearn.datasets.make_moons``
and friends): they return ``(X, y)`` with ``X`` a float64 array of shape
``(n_samples, 2)`` and ``y`` an integer array of 0/1 labels of shape
``(n_samples,)``, and they are reproducible through ``random_state`` (an int,
``None``, a ``numpy.random.Generator`` or, for the scikit-learn-backed ones, a
``RandomState``).

Moons, circles and blobs are scikit-learn's generators and the split its
stratified ``train_test_split``, with our checks and messages in front;
scikit-learn is imported when they are called, not before (it takes longer to
import than the default run takes to train). The two interleaved spirals and
XOR, which scikit-learn does not ship, are written here. ``import tinygrad_moons``
stays NumPy-only.

>>> X, y = make_moons(n_samples=1000, noise=0.1, random_state=0)
>>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
>>> X_train.shape, X_test.shape
((800, 2), (200, 2))
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from tinygrad_moons.autograd import plain_numbers

__all__ = [
    "DATASETS",
    "DEFAULT_NOISE",
    "load_dataset",
    "names",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spirals",
    "make_xor",
    "train_test_split",
]

RandomState = Any  # int, None, numpy.random.Generator (or RandomState for the scikit-learn generators)


# ------------------------------------------------------------ argument checks
def _check_n_samples(n_samples: Any, name: str) -> int:
    """Two classes need at least two points; anything else is refused by name."""
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
        raise TypeError(f"{name}: n_samples must be an integer, got {n_samples!r}")
    if n_samples < 2:
        raise ValueError(f"{name}: n_samples must be at least 2 (one point per class), got {n_samples}")
    return int(n_samples)


def _check_noise(noise: Any, name: str, what: str = "noise") -> float:
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not math.isfinite(noise):
        raise TypeError(f"{name}: {what} must be a finite number, got {noise!r}")
    if noise < 0:
        raise ValueError(f"{name}: {what} is a standard deviation and cannot be negative, got {noise}")
    return float(noise)


def _generator(random_state: RandomState, name: str) -> np.random.Generator:
    """A NumPy Generator from an int seed, None or an existing Generator (never the global state)."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return np.random.default_rng(int(random_state))
    raise TypeError(f"{name}: random_state must be None, an int or a numpy.random.Generator, got {random_state!r}")


def _sklearn_random_state(random_state: RandomState, name: str) -> Any:
    """scikit-learn's generators want an int, None or RandomState; a Generator gives them a fresh seed."""
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return random_state
    _generator(random_state, name)  # only to refuse what is neither None nor an int, with our message
    return random_state


def _random_state(random_state: RandomState, name: str) -> np.random.RandomState:
    """The ``RandomState`` scikit-learn's ``check_random_state`` would use, so our draws match scikit-learn's.

    None is NumPy's global RandomState, as in scikit-learn; a Generator gives a fresh seed.
    """
    random_state = _sklearn_random_state(random_state, name)
    if random_state is None:
        return np.random.mtrand._rand
    if isinstance(random_state, np.random.RandomState):
        return random_state
    return np.random.RandomState(random_state)


def _as_xy(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.ascontiguousarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


# ------------------------------------------------------------- the data sets
def make_moons(
    n_samples: int = 1000, noise: float = 0.1, random_state: RandomState = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``), the course's data set.

    ``noise`` is the standard deviation of the Gaussian noise added to each
    coordinate; the moons have radius 1, so 0.1 is "a little noise".
    """
    from sklearn import datasets  # here, not at the top: importing scikit-learn costs more than training

    n_samples = _check_n_samples(n_samples, "make_moons")
    noise = _check_noise(noise, "make_moons")
    X, y = datasets.make_moons(
        n_samples=n_samples, noise=noise, random_state=_sklearn_random_state(random_state, "make_moons")
    )
    return _as_xy(X, y)


def make_circles(
    n_samples: int = 1000, noise: float = 0.1, factor: float = 0.5, random_state: RandomState = None
) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (class 1) inside a large one (class 0) (scikit-learn's ``make_circles``).

    ``factor`` is the ratio of the inner radius to the outer one (radius 1).
    """
    from sklearn import datasets

    n_samples = _check_n_samples(n_samples, "make_circles")
    noise = _check_noise(noise, "make_circles")
    if not isinstance(factor, numbers.Real) or not 0 < factor < 1:
        raise ValueError(
            f"make_circles: factor must be between 0 and 1 (inner radius / outer radius), got {plain_numbers(factor)!r}"
        )
    X, y = datasets.make_circles(
        n_samples=n_samples,
        noise=noise,
        factor=float(factor),
        random_state=_sklearn_random_state(random_state, "make_circles"),
    )
    return _as_xy(X, y)


def make_blobs(
    n_samples: int = 1000,
    centers: int | np.ndarray = 2,
    cluster_std: float = 1.0,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters in the plane (scikit-learn's ``make_blobs``), two by default.

    ``centers`` is a number of clusters (placed at random in the box
    [-10, 10]²) or an array of their coordinates of shape (k, 2). Labels are
    the cluster indices, so more than two centers make a multi-class problem.
    """
    from sklearn import datasets

    n_samples = _check_n_samples(n_samples, "make_blobs")
    cluster_std = _check_noise(cluster_std, "make_blobs", what="cluster_std")
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        if centers < 2:
            raise ValueError(f"make_blobs: centers must be at least 2 (one cluster per class), got {centers}")
        centers = int(centers)
    else:
        centers = np.asarray(centers, dtype=np.float64)
        if centers.ndim != 2 or centers.shape[1] != 2 or centers.shape[0] < 2:
            raise ValueError(
                f"make_blobs: centers must be an int or an array of shape (k >= 2, 2), got shape {centers.shape}"
            )
    X, y = datasets.make_blobs(
        n_samples=n_samples,
        n_features=2,
        centers=centers,
        cluster_std=cluster_std,
        random_state=_sklearn_random_state(random_state, "make_blobs"),
    )
    return _as_xy(X, y)


def make_spirals(
    n_samples: int = 1000, noise: float = 0.1, turns: float = 1.5, random_state: RandomState = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals, one per class (the classic "two spirals" benchmark).

    Class 1 is class 0 turned by half a revolution. The radius grows linearly
    with the angle up to 1, so the points lie in the unit disc before the
    Gaussian noise (standard deviation ``noise``) is added. Points are spread
    evenly along each arm; ``turns`` is the number of revolutions per arm.
    """
    n_samples = _check_n_samples(n_samples, "make_spirals")
    noise = _check_noise(noise, "make_spirals")
    if not isinstance(turns, numbers.Real) or not turns > 0:
        raise ValueError(f"make_spirals: turns must be a positive number, got {plain_numbers(turns)!r}")
    rng = _generator(random_state, "make_spirals")
    n_first = n_samples // 2  # as make_moons: the first class gets the smaller half
    y = np.repeat(np.array([0, 1], dtype=np.int64), [n_first, n_samples - n_first])
    # sqrt spreads points evenly along the arm's length instead of crowding the centre
    radius = np.sqrt(rng.uniform(0.0, 1.0, n_samples))
    angle = 2 * np.pi * turns * radius + np.pi * y
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    X += rng.normal(0.0, noise, size=X.shape)
    order = rng.permutation(n_samples)  # shuffled, as scikit-learn's generators
    return _as_xy(X[order], y[order])


def make_xor(
    n_samples: int = 1000, noise: float = 0.1, random_state: RandomState = None
) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: points in [-1, 1]², class 1 where exactly one coordinate is positive.

    No single line separates the classes, which is why a network needs a hidden
    layer for it. The labels come from the clean points; Gaussian noise (standard
    deviation ``noise``) is added afterwards, so points near the axes can cross.
    """
    n_samples = _check_n_samples(n_samples, "make_xor")
    noise = _check_noise(noise, "make_xor")
    rng = _generator(random_state, "make_xor")
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64)
    X += rng.normal(0.0, noise, size=X.shape)
    return _as_xy(X, y)


# The noise each data set uses when none is given; for blobs it is the clusters' standard deviation.
DEFAULT_NOISE: dict[str, float] = {"moons": 0.1, "circles": 0.1, "blobs": 1.0, "spirals": 0.1, "xor": 0.1}
DATASETS: tuple[str, ...] = tuple(DEFAULT_NOISE)


def names() -> list[str]:
    """The data set names :func:`load_dataset` accepts."""
    return list(DATASETS)


def load_dataset(
    name: str, n_samples: int = 1000, noise: float | None = None, random_state: RandomState = None
) -> tuple[np.ndarray, np.ndarray]:
    """Make one of the data sets by name: ``"moons"``, ``"circles"``, ``"blobs"``, ``"spirals"`` or ``"xor"``.

    ``noise=None`` takes the data set's default (see ``DEFAULT_NOISE``); for
    ``"blobs"`` the noise is the clusters' standard deviation.
    """
    if name not in DEFAULT_NOISE:
        raise ValueError(f"load_dataset: unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    if noise is None:
        noise = DEFAULT_NOISE[name]
    if name == "moons":
        return make_moons(n_samples, noise=noise, random_state=random_state)
    if name == "circles":
        return make_circles(n_samples, noise=noise, random_state=random_state)
    if name == "blobs":
        return make_blobs(n_samples, cluster_std=noise, random_state=random_state)
    if name == "spirals":
        return make_spirals(n_samples, noise=noise, random_state=random_state)
    return make_xor(n_samples, noise=noise, random_state=random_state)


# ------------------------------------------------------------------ the split
def train_test_split(
    X: Any,
    y: Any,
    test_size: float | int = 0.2,
    random_state: RandomState = None,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split into ``X_train, X_test, y_train, y_test`` as scikit-learn's ``train_test_split`` does.

    ``X`` has shape (n_samples, n_features) and ``y`` shape (n_samples,).
    Unlike scikit-learn's, the split is stratified by default: both parts keep
    the class proportions of ``y``, so a 200-point test set of a balanced data
    set has 100 points of each class. ``test_size`` is a fraction in (0, 1)
    (the test part gets its ceiling share) or a number of test points. The
    same ``random_state`` gives scikit-learn's split with ``stratify=y`` (or
    without, for ``stratify=False``): it is scikit-learn's, with our checks
    and messages in front.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"train_test_split: X must be 2-D (n_samples, n_features), got shape {X.shape}")
    if y.ndim != 1:
        raise ValueError(f"train_test_split: y must be 1-D (n_samples,), got shape {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"train_test_split: X has {len(X)} rows but y has {len(y)} labels")
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise TypeError(f"train_test_split: test_size must be a fraction or a count, got {test_size!r}")
    n_samples = len(y)
    if isinstance(test_size, numbers.Integral):
        if not 1 <= test_size < n_samples:
            raise ValueError(
                f"train_test_split: test_size={test_size} must leave at least one point on each side of {n_samples}"
            )
        n_test = int(test_size)
    elif not 0 < test_size < 1:
        raise ValueError(f"train_test_split: test_size must be a fraction strictly between 0 and 1, got {test_size}")
    else:
        n_test = math.ceil(test_size * n_samples)
    if n_samples - n_test == 0:
        raise ValueError(f"train_test_split: test_size={test_size} of {n_samples} points leaves no training points")
    from sklearn import model_selection

    try:
        return model_selection.train_test_split(
            X,
            y,
            test_size=test_size,
            random_state=_sklearn_random_state(random_state, "train_test_split"),
            stratify=y if stratify else None,
        )
    except ValueError as error:  # e.g. a class with a single member cannot be stratified
        raise ValueError(f"train_test_split: {error}") from None
