"""The data sets: shapes, dtypes, labels, reproducibility, stratification and argument checks."""

import inspect

import numpy as np
import pytest

from tinygrad_moons import data

GENERATORS = {
    "moons": data.make_moons,
    "circles": data.make_circles,
    "blobs": data.make_blobs,
    "spirals": data.make_spirals,
    "xor": data.make_xor,
}

#: The functions named as scikit-learn's, with where scikit-learn keeps them.
SKLEARN_NAMED = {
    "make_moons": "sklearn.datasets",
    "make_circles": "sklearn.datasets",
    "make_blobs": "sklearn.datasets",
    "train_test_split": "sklearn.model_selection",
}


def _sklearn_function(name):
    import importlib

    return getattr(importlib.import_module(SKLEARN_NAMED[name]), name)


@pytest.mark.parametrize("name", sorted(GENERATORS))
@pytest.mark.parametrize("n_samples", [2, 7, 300])
def test_project_data_sets_are_2d_float_points_and_binary_int_labels(name, n_samples):
    X, y = data.load_dataset(name, n_samples=n_samples, random_state=0)
    assert X.shape == (n_samples, 2) and X.dtype == np.float64
    assert y.shape == (n_samples,) and y.dtype.kind == "i"
    assert set(np.unique(y)) == {0, 1}
    assert np.isfinite(X).all()


@pytest.mark.parametrize("name", sorted(SKLEARN_NAMED))
def test_scikit_learn_names_take_scikit_learns_signature(name):
    """A borrowed name is a promise: the same parameters in the same order, of the same kind, with the same defaults."""

    def parameters(function):
        return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]

    assert parameters(getattr(data, name)) == parameters(_sklearn_function(name))


@pytest.mark.parametrize(
    "name, args, kwargs",
    [
        ("make_moons", (), {"random_state": 0}),  # 100 points, no noise
        ("make_moons", (100,), {"shuffle": False}),
        ("make_moons", ((30, 70),), {"noise": 0.05, "random_state": 1}),
        ("make_circles", (), {"random_state": 0}),  # factor 0.8
        ("make_circles", ((40, 20),), {"shuffle": False, "noise": 0.1, "random_state": 2}),
        ("make_blobs", (), {"random_state": 0}),  # 3 centers
        ("make_blobs", (100,), {"n_features": 3, "random_state": 0}),
        ("make_blobs", ([10, 20],), {"random_state": 0, "center_box": (-1.0, 1.0)}),
        ("make_blobs", (50,), {"centers": 1, "shuffle": False, "random_state": 3}),
    ],
)
def test_generators_give_scikit_learns_points_for_scikit_learns_arguments(name, args, kwargs):
    X, y = getattr(data, name)(*args, **kwargs)
    X_sk, y_sk = _sklearn_function(name)(*args, **kwargs)
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(X, X_sk)
    np.testing.assert_array_equal(y, y_sk)


def test_make_blobs_returns_the_centers_when_asked():
    from sklearn.datasets import make_blobs

    X, y, centers = data.make_blobs(60, centers=4, random_state=0, return_centers=True)
    X_sk, _, centers_sk = make_blobs(60, centers=4, random_state=0, return_centers=True)
    np.testing.assert_array_equal(X, X_sk)
    np.testing.assert_array_equal(centers, centers_sk)
    assert centers.shape == (4, 2) and set(y.tolist()) == {0, 1, 2, 3}


@pytest.mark.parametrize(
    "kwargs",
    [
        {},  # a quarter for the test part
        {"test_size": 0.2, "stratify": "y"},
        {"train_size": 0.5},
        {"train_size": 30, "test_size": 10},
        {"shuffle": False},
        {"test_size": 7, "shuffle": False},
    ],
)
def test_train_test_split_takes_scikit_learns_arguments(kwargs):
    from sklearn.model_selection import train_test_split

    X = np.arange(120, dtype=float).reshape(60, 2)
    y = np.arange(60) % 3
    kwargs = {key: (y if value == "y" else value) for key, value in kwargs.items()}
    ours = data.train_test_split(X, y, random_state=4, **kwargs)
    theirs = train_test_split(X, y, random_state=4, **kwargs)
    assert len(ours) == 4
    for mine, expected in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine, expected)
    if not kwargs:
        assert len(ours[1]) == 15


def test_train_test_split_splits_any_number_of_arrays():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.arange(20) % 2
    weights = np.linspace(0, 1, 20)
    X_train, X_test, y_train, y_test, w_train, w_test = data.train_test_split(X, y, weights, random_state=0)
    assert len(X_test) == len(y_test) == len(w_test) == 5
    np.testing.assert_array_equal(w_train, weights[(X_train[:, 0] / 2).astype(int)])
    (only_train, only_test) = data.train_test_split(weights, test_size=0.5, shuffle=False)
    np.testing.assert_array_equal(only_test, weights[10:])


def test_train_test_split_refuses_stratify_true_and_says_to_pass_the_labels():
    """Our old bool spelling gave NumPy's "truth value of an array is ambiguous" once y was passed; now it is named."""
    X, y = np.zeros((10, 2)), np.arange(10) % 2
    with pytest.raises(TypeError, match=r"stratify takes the labels.*stratify=y"):
        data.train_test_split(X, y, stratify=True)


def test_load_dataset_keeps_this_projects_defaults():
    """1000 points, noise 0.1, factor 0.5, two blobs: the recipes' data, whatever scikit-learn's defaults are."""
    X, y = data.load_dataset("moons", random_state=0)
    X_sk, y_sk = _sklearn_function("make_moons")(n_samples=1000, noise=0.1, random_state=0)
    np.testing.assert_array_equal(X, X_sk)
    np.testing.assert_array_equal(y, y_sk)
    X, _ = data.load_dataset("circles", noise=0.0, random_state=0)
    assert np.allclose(sorted(set(np.round(np.hypot(X[:, 0], X[:, 1]), 9))), [0.5, 1.0])
    _, y = data.load_dataset("blobs", random_state=0)
    assert np.bincount(y).tolist() == [500, 500]


def test_the_recipes_split_is_stratified_80_20():
    from tinygrad_moons.experiment import recipes

    split = recipes.make_split(recipes.DEFAULT)
    assert len(split.X_train) == 800 and len(split.X_test) == 200
    assert np.bincount(split.y_test).tolist() == [100, 100]


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_are_reproducible_and_depend_on_the_seed(name):
    make = GENERATORS[name]
    X1, y1 = make(n_samples=100, random_state=3)
    X2, y2 = make(n_samples=100, random_state=3)
    X3, _ = make(n_samples=100, random_state=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", ["moons", "circles", "spirals"])
def test_balanced_generators_split_points_evenly_between_classes(name):
    _, y = GENERATORS[name](n_samples=101, noise=0.1, random_state=0)
    assert sorted(np.bincount(y)) == [50, 51]


def test_generators_accept_a_numpy_generator():
    X1, _ = data.make_spirals(50, random_state=np.random.default_rng(5))
    X2, _ = data.make_spirals(50, random_state=np.random.default_rng(5))
    np.testing.assert_array_equal(X1, X2)
    X3, _ = data.make_moons(50, random_state=np.random.default_rng(5))
    X4, _ = data.make_moons(50, random_state=np.random.default_rng(5))
    np.testing.assert_array_equal(X3, X4)


@pytest.mark.parametrize("n_samples", [2, 3, 200, 1001])
@pytest.mark.parametrize("seed", [0, 1, 42])
@pytest.mark.parametrize("noise", [0.0, 0.1, 0.3])
def test_make_moons_is_scikit_learns(n_samples, seed, noise):
    from sklearn.datasets import make_moons

    X, y = data.make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    X_sk, y_sk = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    np.testing.assert_array_equal(X, X_sk)
    np.testing.assert_array_equal(y, y_sk)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("test_size", [0.2, 0.25, 0.33, 7])
@pytest.mark.parametrize("stratify", [True, False])
def test_train_test_split_is_scikit_learns(seed, test_size, stratify):
    """Our NumPy split draws exactly scikit-learn's, also for unbalanced and three-class labels."""
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(seed)
    n_samples = 50 + 37 * seed
    X = rng.normal(size=(n_samples, 2))
    y = rng.choice(3 if seed % 2 else 2, size=n_samples, p=None if seed % 2 else [0.8, 0.2])
    ours = data.train_test_split(X, y, test_size=test_size, random_state=seed, stratify=y if stratify else None)
    theirs = train_test_split(X, y, test_size=test_size, random_state=seed, stratify=y if stratify else None)
    for mine, expected in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine, expected)


def test_importing_the_data_module_does_not_import_scikit_learn():
    """scikit-learn takes longer to import than the default run takes to train: it is imported when data is made."""
    import subprocess
    import sys

    code = "import sys; from tinygrad_moons import data; print('sklearn' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False"


def test_spirals_without_noise_lie_on_two_arms_half_a_turn_apart():
    X, y = data.make_spirals(400, noise=0.0, turns=1.5, random_state=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.max() <= 1 + 1e-12
    # on arm k the angle is 2π·turns·r + π·k (mod 2π)
    expected = 2 * np.pi * 1.5 * radius + np.pi * y
    difference = np.angle(np.exp(1j * (np.arctan2(X[:, 1], X[:, 0]) - expected)))
    np.testing.assert_allclose(difference, 0, atol=1e-9)


def test_xor_without_noise_labels_the_quadrants():
    X, y = data.make_xor(500, noise=0.0, random_state=0)
    assert np.all(np.abs(X) <= 1)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))


def test_noise_moves_points_off_the_clean_curve():
    clean, _ = data.make_xor(200, noise=0.0, random_state=1)
    noisy, _ = data.make_xor(200, noise=0.3, random_state=1)
    assert np.abs(noisy - clean).std() > 0.1


PROJECT_SETTINGS = {
    "moons": {"noise": 0.1},
    "circles": {"noise": 0.1, "factor": 0.5},
    "blobs": {"centers": 2, "cluster_std": 1.0},
    "spirals": {"noise": 0.1},
    "xor": {"noise": 0.1},
}


@pytest.mark.parametrize("name", data.DATASETS)
def test_load_dataset_by_name_uses_the_projects_settings(name):
    X, y = data.load_dataset(name, n_samples=60, random_state=2)
    X_direct, y_direct = GENERATORS[name](60, **PROJECT_SETTINGS[name], random_state=2)
    np.testing.assert_array_equal(X, X_direct)
    np.testing.assert_array_equal(y, y_direct)


def test_load_dataset_refuses_an_unknown_name():
    with pytest.raises(ValueError, match="unknown data set 'mooons'.*moons"):
        data.load_dataset("mooons")


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: data.make_moons(0), ValueError, "at least 1"),
        (lambda: data.make_spirals(1), ValueError, "at least 2"),
        (lambda: data.load_dataset("moons", 1), ValueError, "at least 2"),
        (lambda: data.make_moons(10.5), TypeError, "integer"),
        (lambda: data.make_moons(True), TypeError, "integer"),
        (lambda: data.make_moons(10, noise=-0.1), ValueError, "negative"),
        (lambda: data.make_spirals(10, noise=float("nan")), TypeError, "finite"),
        (lambda: data.make_spirals(10, turns=0), ValueError, "turns"),
        (lambda: data.make_circles(10, factor=1.5), ValueError, "factor"),
        (lambda: data.make_blobs(10, centers=0), ValueError, "centers"),
        (lambda: data.make_blobs(10, cluster_std=-1.0), ValueError, "cluster_std.*negative"),
        (lambda: data.make_moons(10, random_state="seed"), TypeError, "random_state"),
        (lambda: data.make_xor(10, random_state="seed"), TypeError, "random_state"),
    ],
)
def test_bad_arguments_are_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_train_test_split_is_stratified_and_seeded():
    X, y = data.make_moons(1000, random_state=0)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    assert X_train.shape == (800, 2) and X_test.shape == (200, 2)
    assert np.bincount(y_test).tolist() == [100, 100]
    assert np.bincount(y_train).tolist() == [400, 400]
    again = data.train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    np.testing.assert_array_equal(X_test, again[1])
    # the two parts are a partition of the data set
    rows = {tuple(row) for row in np.concatenate([X_train, X_test])}
    assert rows == {tuple(row) for row in X}


def test_stratification_keeps_unbalanced_proportions():
    X = np.arange(200, dtype=float).reshape(100, 2)
    y = np.array([1] * 10 + [0] * 90)
    for seed in range(5):
        _, _, _, y_test = data.train_test_split(X, y, test_size=0.2, random_state=seed, stratify=y)
        assert y_test.sum() == 2
    _, _, _, y_test = data.train_test_split(X, y, test_size=20, random_state=0, stratify=y)
    assert len(y_test) == 20


@pytest.mark.parametrize(
    "X, y, kwargs, message",
    [
        (np.zeros((10, 2)), np.zeros(9), {}, "train_test_split: .*inconsistent numbers of samples: \\[10, 9\\]"),
        (np.zeros((10, 2)), np.arange(10) % 2, {"test_size": 1.5}, "train_test_split: .*'test_size'"),
        (np.zeros((10, 2)), np.arange(10) % 2, {"test_size": 10}, "train_test_split: test_size=10"),
        (np.zeros((4, 2)), np.array([0, 0, 0, 1]), {"stratify": "y"}, "least populated class"),
        (np.zeros((4, 2)), np.array([0, 0, 1, 1]), {"shuffle": False, "stratify": "y"}, "shuffle=False"),
    ],
)
def test_train_test_split_refuses_bad_input(X, y, kwargs, message):
    kwargs = {key: (y if value == "y" else value) for key, value in kwargs.items()}
    with pytest.raises(ValueError, match=message):
        data.train_test_split(X, y, **kwargs)
