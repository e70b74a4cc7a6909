"""Two-dimensional toy data sets for classification, and scikit-learn's train/test split.

``make_moons``, ``make_circles``, ``make_blobs`` and ``train_test_split`` are
scikit-learn's (``sklearn.datasets`` and ``sklearn.model_selection``) with
scikit-learn's signatures and defaults: the same arguments give the same
points and the same split. We add clearer messages for bad counts, noise and
random states, and also accept a ``numpy.random.Generator`` as
``random_state``. scikit-learn is imported when they are called, not before
(it takes longer to import than the default run takes to train), so
``import tinygrad_moons`` stays NumPy-only.

The two interleaved spirals (``make_spirals``) and XOR (``make_xor``), which
scikit-learn does not ship, are written here. All generators return ``X`` a
float64 array of shape ``(n_samples, n_features)`` and ``y`` int64 labels of
shape ``(n_samples,)``.

This project's own data sets and defaults (1000 points, noise 0.1, circles
with factor 0.5, two blobs) are :func:`load_dataset`'s; its split (a fifth
for the test part, stratified by class) is the recipes' (``experiment.make_split``):

>>> X, y = load_dataset("moons", random_state=0)  # make_moons(1000, noise=0.1, random_state=0)
>>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
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
    "BLOBS_CENTERS",
    "CIRCLES_FACTOR",
    "DATASETS",
    "DEFAULT_NOISE",
    "DEFAULT_N_SAMPLES",
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
def _check_n_samples(n_samples: Any, name: str, minimum: int = 2) -> int:
    """A number of points of at least ``minimum``; anything else is refused by name."""
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
        raise TypeError(f"{name}: n_samples must be an integer, got {n_samples!r}")
    if n_samples < minimum:
        why = " (one point per class)" if minimum == 2 else ""
        raise ValueError(f"{name}: n_samples must be at least {minimum}{why}, got {n_samples}")
    return int(n_samples)


def _check_sklearn_n_samples(n_samples: Any, name: str, minimum: int) -> Any:
    """scikit-learn's ``n_samples``: an int of at least ``minimum`` checked here, anything else left to scikit-learn.

    (A tuple of two counts, one per class, and for blobs a count per cluster are scikit-learn's to check.)
    """
    if isinstance(n_samples, bool | np.bool_) or isinstance(n_samples, numbers.Real) and not isinstance(
        n_samples, numbers.Integral
    ):
        raise TypeError(f"{name}: n_samples must be an integer, got {plain_numbers(n_samples)!r}")
    if isinstance(n_samples, numbers.Integral):
        return _check_n_samples(n_samples, name, minimum)
    return n_samples


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
    if random_state is not None and (
        isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral)
    ):
        raise TypeError(
            f"{name}: random_state must be None, an int, a numpy.random.RandomState or a numpy.random.Generator, "
            f"got {random_state!r}"
        )
    return random_state


def _as_xy(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.ascontiguousarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


# ------------------------------------------------------------- the data sets
def make_moons(
    n_samples: int | tuple[int, int] = 100,
    *,
    shuffle: bool = True,
    noise: float | None = None,
    random_state: RandomState = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: scikit-learn's ``sklearn.datasets.make_moons``, same signature and defaults.

    ``n_samples`` is the number of points (default 100) or a pair ``(n_outer, n_inner)``, one count per moon;
    ``noise`` is the standard deviation of the Gaussian noise added to each coordinate (default None: none);
    the moons have radius 1, so 0.1 is "a little noise". ``shuffle=False`` keeps the points in moon order.
    Returns ``X`` (n_samples, 2) float64 and ``y`` (n_samples,) int64 of 0/1. The same ``random_state``
    gives scikit-learn's points; a ``numpy.random.Generator`` is also accepted (it draws a seed).

    This project's data set (1000 points, noise 0.1) is ``load_dataset("moons")``.

    >>> X, y = make_moons(1000, noise=0.1, random_state=0)
    >>> X.shape, y.shape
    ((1000, 2), (1000,))
    """
    from sklearn import datasets  # here, not at the top: importing scikit-learn costs more than training

    n_samples = _check_sklearn_n_samples(n_samples, "make_moons", minimum=1)
    if noise is not None:
        noise = _check_noise(noise, "make_moons")
    X, y = datasets.make_moons(
        n_samples=n_samples,
        shuffle=shuffle,
        noise=noise,
        random_state=_sklearn_random_state(random_state, "make_moons"),
    )
    return _as_xy(X, y)


def make_circles(
    n_samples: int | tuple[int, int] = 100,
    *,
    shuffle: bool = True,
    noise: float | None = None,
    random_state: RandomState = None,
    factor: float = 0.8,
) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (class 1) inside a large one (class 0): scikit-learn's ``sklearn.datasets.make_circles``.

    Same signature and defaults: ``n_samples`` is the number of points (default 100) or a pair
    ``(n_outer, n_inner)``; ``noise`` the standard deviation of the Gaussian noise (default None: none);
    ``factor`` the ratio of the inner radius to the outer one (radius 1), in [0, 1) (default 0.8).
    Returns ``X`` (n_samples, 2) float64 and ``y`` (n_samples,) int64 of 0/1.

    This project's data set (1000 points, noise 0.1, factor 0.5) is ``load_dataset("circles")``.
    """
    from sklearn import datasets

    n_samples = _check_sklearn_n_samples(n_samples, "make_circles", minimum=0)
    if noise is not None:
        noise = _check_noise(noise, "make_circles")
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0 <= factor < 1:
        raise ValueError(
            "make_circles: factor must be at least 0 and below 1 (inner radius / outer radius), "
            f"got {plain_numbers(factor)!r}"
        )
    X, y = datasets.make_circles(
        n_samples=n_samples,
        shuffle=shuffle,
        noise=noise,
        random_state=_sklearn_random_state(random_state, "make_circles"),
        factor=float(factor),
    )
    return _as_xy(X, y)


def make_blobs(
    n_samples: int | Any = 100,
    n_features: int = 2,
    *,
    centers: int | Any | None = None,
    cluster_std: float | Any = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    shuffle: bool = True,
    random_state: RandomState = None,
    return_centers: bool = False,
) -> Any:
    """Isotropic Gaussian clusters: scikit-learn's ``sklearn.datasets.make_blobs``, same signature and defaults.

    ``n_samples`` is the number of points (default 100, shared equally among the clusters) or a count per
    cluster; ``centers`` a number of clusters (placed at random in ``center_box``) or an array of their
    coordinates of shape (k, n_features); None gives 3 clusters (or one per entry of an array ``n_samples``).
    Labels are the cluster indices. Returns ``X`` (n_samples, n_features) float64 and ``y`` (n_samples,)
    int64, and the centers (k, n_features) too for ``return_centers=True``.

    This project's two-blob data set (1000 points, ``centers=2``) is ``load_dataset("blobs")``.

    >>> X, y = make_blobs(100, n_features=3, random_state=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((100, 3), [0, 1, 2])
    """
    from sklearn import datasets

    n_samples = _check_sklearn_n_samples(n_samples, "make_blobs", minimum=1)
    if isinstance(cluster_std, numbers.Real):
        cluster_std = _check_noise(cluster_std, "make_blobs", what="cluster_std")
    result = datasets.make_blobs(
        n_samples=n_samples,
        n_features=n_features,
        centers=centers,
        cluster_std=cluster_std,
        center_box=center_box,
        shuffle=shuffle,
        random_state=_sklearn_random_state(random_state, "make_blobs"),
        return_centers=return_centers,
    )
    X, y = _as_xy(result[0], result[1])
    return (X, y, result[2]) if return_centers else (X, y)


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


# This project's data sets: the noise each uses when none is given (for blobs the clusters' standard deviation),
# 1000 points, circles with the inner radius half the outer one, two blobs. These are load_dataset's defaults (and
# so the recipes'); the scikit-learn-named generators above keep scikit-learn's own defaults.
DEFAULT_NOISE: dict[str, float] = {"moons": 0.1, "circles": 0.1, "blobs": 1.0, "spirals": 0.1, "xor": 0.1}
DATASETS: tuple[str, ...] = tuple(DEFAULT_NOISE)
DEFAULT_N_SAMPLES = 1000
CIRCLES_FACTOR = 0.5
BLOBS_CENTERS = 2


def names() -> list[str]:
    """The data set names :func:`load_dataset` accepts."""
    return list(DATASETS)


def load_dataset(
    name: str, n_samples: int = DEFAULT_N_SAMPLES, noise: float | None = None, random_state: RandomState = None
) -> tuple[np.ndarray, np.ndarray]:
    """This project's data set by name: ``"moons"``, ``"circles"``, ``"blobs"``, ``"spirals"`` or ``"xor"``.

    Two classes of points in the plane: ``X`` (n_samples, 2) float64, ``y`` (n_samples,) int64 of 0/1.
    The defaults are this project's, not scikit-learn's: 1000 points, ``noise=None`` takes the data set's
    noise (``DEFAULT_NOISE``: 0.1, for ``"blobs"`` the clusters' standard deviation 1.0), circles with
    ``factor=0.5`` and two blobs. ``load_dataset("moons", random_state=0)`` is
    ``make_moons(1000, noise=0.1, random_state=0)``.
    """
    if name not in DEFAULT_NOISE:
        raise ValueError(f"load_dataset: unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    n_samples = _check_n_samples(n_samples, "load_dataset")
    if noise is None:
        noise = DEFAULT_NOISE[name]
    noise = _check_noise(noise, "load_dataset", what="cluster_std" if name == "blobs" else "noise")
    if name == "moons":
        return make_moons(n_samples, noise=noise, random_state=random_state)
    if name == "circles":
        return make_circles(n_samples, noise=noise, factor=CIRCLES_FACTOR, random_state=random_state)
    if name == "blobs":
        return make_blobs(n_samples, centers=BLOBS_CENTERS, cluster_std=noise, random_state=random_state)
    if name == "spirals":
        return make_spirals(n_samples, noise=noise, random_state=random_state)
    return make_xor(n_samples, noise=noise, random_state=random_state)


# ------------------------------------------------------------------ the split
def train_test_split(
    *arrays: Any,
    test_size: float | int | None = None,
    train_size: float | int | None = None,
    random_state: RandomState = None,
    shuffle: bool = True,
    stratify: Any = None,
) -> list[Any]:
    """Split arrays into random train and test parts: scikit-learn's ``sklearn.model_selection.train_test_split``.

    Same signature and defaults: any number of arrays of the same length, ``test_size`` and ``train_size``
    a fraction in (0, 1) or a count (both None: a quarter goes to the test part), ``shuffle=True``, and
    ``stratify`` None or the labels to keep in proportion (usually ``stratify=y``). Returns the list
    ``[a_train, a_test, b_train, b_test, ...]``. The same ``random_state`` gives scikit-learn's split; a
    ``numpy.random.Generator`` is also accepted (it draws a seed). Errors are scikit-learn's, prefixed with
    ``train_test_split:``.

    This project's split (a fifth for the test part, stratified) is ``test_size=0.2, stratify=y``, as in
    ``experiment.make_split``:

    >>> X, y = make_moons(1000, noise=0.1, random_state=0)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    >>> X_train.shape, X_test.shape, int(y_test.sum())
    ((800, 2), (200, 2), 100)
    """
    from sklearn import model_selection

    if isinstance(stratify, bool):  # our old spelling: refuse it rather than let NumPy call the labels ambiguous
        raise TypeError(
            f"train_test_split: stratify takes the labels to stratify by (e.g. stratify=y) or None, as in "
            f"scikit-learn, not {stratify!r}"
        )
    try:
        return model_selection.train_test_split(
            *arrays,
            test_size=test_size,
            train_size=train_size,
            random_state=_sklearn_random_state(random_state, "train_test_split"),
            shuffle=shuffle,
            stratify=stratify,
        )
    except ValueError as error:  # e.g. a class with a single member cannot be stratified; the type is kept
        error.args = (f"train_test_split: {error}", *error.args[1:])
        raise error.with_traceback(None) from None
