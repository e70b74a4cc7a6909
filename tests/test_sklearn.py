"""tinygrad_moons.sklearn.MLPClassifier / MLPRegressor are drop-in replacements for scikit-learn's.

Side by side with ``sklearn.neural_network``: the same ``random_state`` draws
the same initial weights and the same batch order, and the update rules are
scikit-learn's, so both estimators follow the same trajectory; only the order
of floating-point sums differs. That is why the weight comparisons below use
rtol 1e-6 (the differences measured are ~1e-15; the tolerance leaves room for
rounding to grow over a few hundred updates, not for a different rule), and
scores must agree to within one sample in a hundred.
"""

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn import neural_network
from sklearn.base import clone
from sklearn.datasets import load_iris, make_moons, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import estimator_checks_generator

from tinygrad_moons import nn
from tinygrad_moons.sklearn import MLPClassifier, MLPRegressor

SCORE_MARGIN = 0.01  # one sample in a hundred: a point at probability ~0.5 may round to the other side


def applicable_checks():
    """scikit-learn's checks for both estimators, as ``parametrize_with_checks`` lists them.

    One check is left out: the multi-label ``decision_function`` check tests a
    method that scikit-learn's own MLPClassifier does not have either (it
    skips itself there), so it would only ever report a skip. The array-API
    checks run because tests/conftest.py sets SCIPY_ARRAY_API=1.
    """
    for estimator in (MLPClassifier(), MLPRegressor()):
        for instance, check in estimator_checks_generator(estimator):
            name = getattr(check, "func", check).__name__
            if name.endswith("_decision_function") and not hasattr(instance, "decision_function"):
                continue
            yield pytest.param(instance, check, id=f"{type(instance).__name__}-{name}")


@pytest.mark.slow  # 125 checks, ~14 s of CPU together; the behaviour tests below stay in the quick run
# The checks fit on tiny data with max_iter=200, where scikit-learn's own MLPClassifier warns the same way.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(("estimator", "check"), list(applicable_checks()))
def test_passes_scikit_learns_estimator_checks(estimator, check):
    """Every applicable check of scikit-learn's, with the default parameters (max_iter=200); none expected to fail."""
    check(estimator)


# ------------------------------------------------------------------ data
@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(n_samples=300, noise=0.1, random_state=0)
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    return train_test_split(StandardScaler().fit_transform(X), names, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=200, n_features=5, noise=5.0, random_state=0)
    return train_test_split(X, y / y.std(), test_size=0.25, random_state=0)


def fit_quietly(estimator, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args, **kwargs)


def assert_same_fit(ours, theirs):
    """Same epochs, same loss curve, same weights (to rounding)."""
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.t_ == theirs.t_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-6)
    assert [c.shape for c in ours.coefs_] == [c.shape for c in theirs.coefs_]
    for mine, theirs_ in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(mine, theirs_, rtol=1e-6, atol=1e-9)
    for name in ("n_layers_", "n_outputs_", "out_activation_", "n_features_in_"):
        assert getattr(ours, name) == getattr(theirs, name), name
    for name in ("best_loss_", "validation_scores_"):  # numbers computed along the trajectory, or None for both
        expected = getattr(theirs, name)
        if expected is None:
            assert getattr(ours, name) is None, name
        else:
            assert getattr(ours, name) == pytest.approx(expected, rel=1e-6), name


# -------------------------------------------------------- side by side
CLASSIFIER_SETTINGS = [
    dict(hidden_layer_sizes=(25, 50, 50, 25), max_iter=60),
    dict(hidden_layer_sizes=(16,), activation="tanh", solver="sgd", learning_rate_init=0.1, max_iter=80),
    dict(hidden_layer_sizes=(16,), activation="logistic", solver="sgd", learning_rate="invscaling",
         learning_rate_init=0.5, nesterovs_momentum=False, max_iter=40),
    dict(hidden_layer_sizes=(16,), solver="sgd", learning_rate="adaptive", momentum=0.0, batch_size=32,
         max_iter=150, tol=1e-3, n_iter_no_change=3),
    dict(hidden_layer_sizes=(16,), activation="identity", alpha=0.5, shuffle=False, max_iter=30),
    dict(hidden_layer_sizes=(20, 20), early_stopping=True, validation_fraction=0.2, max_iter=300),
    dict(hidden_layer_sizes=(), max_iter=50),  # no hidden layer: logistic regression, as scikit-learn allows
]


@pytest.mark.parametrize("params", CLASSIFIER_SETTINGS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()))
def test_classifier_follows_scikit_learns_trajectory_on_the_moons(params, moons):
    X_train, X_test, y_train, y_test = moons
    ours = fit_quietly(MLPClassifier(random_state=0, **params), X_train, y_train)
    theirs = fit_quietly(neural_network.MLPClassifier(random_state=0, **params), X_train, y_train)
    assert_same_fit(ours, theirs)
    np.testing.assert_allclose(ours.predict_proba(X_test), theirs.predict_proba(X_test), rtol=1e-6, atol=1e-9)
    assert abs(ours.score(X_test, y_test) - theirs.score(X_test, y_test)) <= SCORE_MARGIN


def test_multi_class_with_string_labels_matches_scikit_learn(iris):
    X_train, X_test, y_train, y_test = iris
    params = dict(hidden_layer_sizes=(10,), learning_rate_init=0.01, max_iter=200, random_state=1)
    ours = fit_quietly(MLPClassifier(**params), X_train, y_train)
    theirs = fit_quietly(neural_network.MLPClassifier(**params), X_train, y_train)
    assert_same_fit(ours, theirs)
    np.testing.assert_array_equal(ours.classes_, ["setosa", "versicolor", "virginica"])
    assert ours.out_activation_ == "softmax" and ours.model_[-1].units == 3
    probabilities = ours.predict_proba(X_test)
    assert probabilities.shape == (len(X_test), 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert set(ours.predict(X_test)) <= set(ours.classes_)
    assert ours.score(X_test, y_test) >= 0.85
    assert abs(ours.score(X_test, y_test) - theirs.score(X_test, y_test)) <= SCORE_MARGIN


@pytest.mark.parametrize(
    "params",
    [dict(hidden_layer_sizes=(32,), max_iter=100), dict(hidden_layer_sizes=(16, 16), solver="sgd", max_iter=60),
     dict(hidden_layer_sizes=(16,), early_stopping=True, max_iter=200)],
    ids=["adam", "sgd", "early_stopping"],
)
def test_regressor_follows_scikit_learns_trajectory(params, regression):
    X_train, X_test, y_train, y_test = regression
    ours = fit_quietly(MLPRegressor(random_state=0, **params), X_train, y_train)
    theirs = fit_quietly(neural_network.MLPRegressor(random_state=0, **params), X_train, y_train)
    assert_same_fit(ours, theirs)
    np.testing.assert_allclose(ours.predict(X_test), theirs.predict(X_test), rtol=1e-6, atol=1e-9)
    assert ours.predict(X_test).shape == (len(X_test),)
    assert abs(ours.score(X_test, y_test) - theirs.score(X_test, y_test)) <= SCORE_MARGIN


def test_multi_output_and_poisson_regression_match_scikit_learn(regression):
    X_train, _, y_train, _ = regression
    two_targets = np.column_stack([y_train, 0.5 * y_train + 1])
    ours = fit_quietly(MLPRegressor(hidden_layer_sizes=(16,), max_iter=40, random_state=0), X_train, two_targets)
    theirs = fit_quietly(neural_network.MLPRegressor(hidden_layer_sizes=(16,), max_iter=40, random_state=0),
                         X_train, two_targets)
    assert_same_fit(ours, theirs)
    assert ours.predict(X_train).shape == (len(X_train), 2)

    counts = np.random.default_rng(0).poisson(np.exp(0.3 * X_train[:, 0]))
    ours = fit_quietly(MLPRegressor(loss="poisson", max_iter=30, random_state=0), X_train, counts)
    theirs = fit_quietly(neural_network.MLPRegressor(loss="poisson", max_iter=30, random_state=0), X_train, counts)
    assert_same_fit(ours, theirs)
    assert ours.out_activation_ == "exp" and (ours.predict(X_train) > 0).all()


def test_multi_label_indicator_targets_match_scikit_learn(moons):
    X_train, _, y_train, _ = moons
    Y = np.column_stack([y_train, X_train[:, 0] > 0.5])
    ours = fit_quietly(MLPClassifier(hidden_layer_sizes=(16,), max_iter=30, random_state=0), X_train, Y)
    theirs = fit_quietly(neural_network.MLPClassifier(hidden_layer_sizes=(16,), max_iter=30, random_state=0),
                         X_train, Y)
    assert_same_fit(ours, theirs)
    np.testing.assert_array_equal(ours.predict(X_train), theirs.predict(X_train))


def test_sample_weight_matches_scikit_learn(moons):
    X_train, _, y_train, _ = moons
    weights = np.random.default_rng(0).uniform(0.2, 3.0, len(y_train))
    ours = fit_quietly(MLPClassifier(hidden_layer_sizes=(16,), max_iter=20, random_state=0), X_train, y_train,
                       sample_weight=weights)
    theirs = fit_quietly(neural_network.MLPClassifier(hidden_layer_sizes=(16,), max_iter=20, random_state=0),
                         X_train, y_train, sample_weight=weights)
    assert_same_fit(ours, theirs)


# ------------------------------------------------ an unchanged sklearn script
def sklearn_script(MLPClassifier, MLPRegressor, moons, iris, regression):
    """A script written for scikit-learn's classes; only the two names passed in change."""
    X_train, X_test, y_train, y_test = moons
    pipeline = Pipeline([("scale", StandardScaler()),
                         ("mlp", MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0))])
    search = GridSearchCV(pipeline, {"mlp__alpha": [1e-4, 1e-2], "mlp__learning_rate_init": [0.001, 0.01]},
                          cv=3, n_jobs=2)
    search.fit(X_train, y_train)
    moons_score = search.score(X_test, y_test)

    X_train, X_test, y_train, y_test = iris
    iris_scores = cross_val_score(MLPClassifier(hidden_layer_sizes=(10,), max_iter=300, random_state=0),
                                  X_train, y_train, cv=3)

    X_train, X_test, y_train, y_test = regression
    regressor = make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(32,), max_iter=300,
                                                             learning_rate_init=0.01, random_state=0))
    regression_score = regressor.fit(X_train, y_train).score(X_test, y_test)
    return search.best_params_, moons_score, iris_scores, regression_score


@pytest.mark.slow
def test_a_scikit_learn_script_runs_unchanged_and_scores_the_same(moons, iris, regression):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = sklearn_script(MLPClassifier, MLPRegressor, moons, iris, regression)
        theirs = sklearn_script(neural_network.MLPClassifier, neural_network.MLPRegressor, moons, iris, regression)
    best_params, moons_score, iris_scores, regression_score = ours
    assert best_params == theirs[0]
    assert moons_score >= 0.97 and abs(moons_score - theirs[1]) <= SCORE_MARGIN
    assert iris_scores.min() >= 0.8
    np.testing.assert_allclose(iris_scores, theirs[2], atol=SCORE_MARGIN)
    assert regression_score >= 0.9 and abs(regression_score - theirs[3]) <= SCORE_MARGIN


# ----------------------------------------------------------- behaviours
def test_early_stopping_stops_and_keeps_the_best_validation_weights(moons):
    X_train, _, y_train, _ = moons
    classifier = MLPClassifier(hidden_layer_sizes=(20,), early_stopping=True, max_iter=500, random_state=0)
    classifier.fit(X_train, y_train)
    assert classifier.n_iter_ < 500
    assert len(classifier.validation_scores_) == classifier.n_iter_ == len(classifier.loss_curve_)
    assert classifier.best_validation_score_ == max(classifier.validation_scores_)
    assert classifier.best_loss_ is None
    without = MLPClassifier(hidden_layer_sizes=(20,), max_iter=5, random_state=0)
    fit_quietly(without, X_train, y_train)
    assert without.validation_scores_ is None and without.best_validation_score_ is None


def test_partial_fit_learns_and_needs_the_classes_first(moons):
    X_train, X_test, y_train, y_test = moons
    classifier = MLPClassifier(hidden_layer_sizes=(25,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        classifier.partial_fit(X_train, y_train)
    classifier.partial_fit(X_train, y_train, classes=[0, 1])
    first_score, first_t = classifier.score(X_test, y_test), classifier.t_
    for _ in range(79):
        classifier.partial_fit(X_train, y_train)
    assert classifier.score(X_test, y_test) > first_score
    assert classifier.score(X_test, y_test) >= 0.9  # past the best straight line through these moons (0.88)
    assert classifier.t_ == 80 * first_t and len(classifier.loss_curve_) == 80
    assert classifier.n_iter_ == 1  # as scikit-learn: partial_fit counts its own single epoch
    assert classifier.loss_curve_[-1] < classifier.loss_curve_[0]
    with pytest.raises(ValueError, match="classes not in"):
        classifier.partial_fit(X_train, np.where(y_train == 1, 2, 0))
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X_train, y_train, classes=[0, 1])


def test_regressor_partial_fit_learns(regression):
    X_train, X_test, y_train, y_test = regression
    regressor = MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=0)
    regressor.partial_fit(X_train, y_train)
    first = regressor.score(X_test, y_test)
    for _ in range(40):
        regressor.partial_fit(X_train, y_train)
    assert regressor.score(X_test, y_test) > max(first, 0.5)


def test_warm_start_continues_where_the_last_fit_ended(moons):
    X_train, _, y_train, _ = moons
    classifier = MLPClassifier(hidden_layer_sizes=(16,), max_iter=10, warm_start=True, random_state=0)
    reference = neural_network.MLPClassifier(hidden_layer_sizes=(16,), max_iter=10, warm_start=True, random_state=0)
    for estimator in (classifier, reference):
        fit_quietly(estimator, X_train, y_train)
    weights_before = [c.copy() for c in classifier.coefs_]
    for estimator in (classifier, reference):
        fit_quietly(estimator, X_train, y_train)
    assert classifier.t_ == 20 * len(X_train) and len(classifier.loss_curve_) == 20
    assert classifier.loss_curve_[10] < classifier.loss_curve_[0]  # it went on from the trained weights
    assert not np.array_equal(weights_before[0], classifier.coefs_[0])
    assert_same_fit(classifier, reference)
    cold = fit_quietly(MLPClassifier(hidden_layer_sizes=(16,), max_iter=10, random_state=0), X_train, y_train)
    assert len(fit_quietly(cold, X_train, y_train).loss_curve_) == 10  # without warm_start: a new network


def test_convergence_warning_and_verbose_output_as_scikit_learn(moons, capsys):
    X_train, _, y_train, _ = moons
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, verbose=True, random_state=0).fit(X_train, y_train)
    assert "Iteration 1, loss = " in capsys.readouterr().out


def test_model_is_the_fitted_network_for_the_librarys_tools(moons):
    X_train, X_test, y_train, _ = moons
    classifier = fit_quietly(MLPClassifier(hidden_layer_sizes=(25, 50), max_iter=20, random_state=0),
                             X_train, y_train)
    model = classifier.model_
    assert isinstance(model, nn.Sequential) and len(model) == 3
    assert [c.shape for c in classifier.coefs_] == [(2, 25), (25, 50), (50, 1)]
    assert classifier.coefs_[0] is model[0].kernel.data  # the same arrays, not copies
    np.testing.assert_allclose(model.predict(X_test).ravel(), classifier.predict_proba(X_test)[:, 1])
    from tinygrad_moons.viz import draw_model_graph

    graph = draw_model_graph(model, X_test[:4])
    assert "dense" in graph.source
    classifier.coefs_ = [np.zeros_like(c) for c in classifier.coefs_]  # assigning copies into the model
    assert not model[0].kernel.data.any()
    np.testing.assert_allclose(model.predict(X_test).ravel(), classifier.predict_proba(X_test)[:, 1])
    with pytest.raises(ValueError, match=r"coefs_ must be a list of arrays of shapes \[\(2, 25\)"):
        classifier.coefs_ = [np.zeros((3, 25))]


# ------------------------------------------------- setting weights by hand
def fitted_pair(estimator_class, data, **params):
    """Ours and scikit-learn's, fitted alike (same trajectory, see the module docstring)."""
    X_train, _, y_train, _ = data
    settings = dict(hidden_layer_sizes=(6, 4), max_iter=3, random_state=0, **params)
    ours = fit_quietly(estimator_class(**settings), X_train, y_train)
    theirs = fit_quietly(getattr(neural_network, estimator_class.__name__)(**settings), X_train, y_train)
    return ours, theirs


def outputs(estimator, X):
    return estimator.predict_proba(X) if hasattr(estimator, "predict_proba") else estimator.predict(X)


@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_writing_one_layer_of_coefs_or_intercepts_changes_the_predictions_as_scikit_learns(
    estimator_class, moons, regression
):
    """``m.coefs_[0] = W`` replaced nothing while coefs_ was a fresh list each time; in scikit-learn it sets layer 0."""
    data = moons if estimator_class is MLPClassifier else regression
    X_test = data[1]
    ours, theirs = fitted_pair(estimator_class, data)
    before = outputs(ours, X_test)
    for estimator in (ours, theirs):
        kernel = np.linspace(-1, 1, estimator.coefs_[0].size).reshape(estimator.coefs_[0].shape)
        estimator.coefs_[0] = kernel
        assert estimator.coefs_[0] is kernel  # the array itself, as in scikit-learn's plain list
        estimator.intercepts_[1] = np.full(4, 0.25)
    assert not np.allclose(outputs(ours, X_test), before)
    np.testing.assert_allclose(outputs(ours, X_test), outputs(theirs, X_test), rtol=1e-6)
    for estimator in (ours, theirs):  # in place, and a slice of the list
        estimator.coefs_[1][:] = 0.5
        estimator.intercepts_[-1][...] = -0.5
        estimator.coefs_[:2] = [c * 2 for c in estimator.coefs_[:2]]
    np.testing.assert_allclose(outputs(ours, X_test), outputs(theirs, X_test), rtol=1e-6)
    for estimator in (ours, theirs):  # a whole new list
        estimator.coefs_ = [np.full_like(c, 0.1) for c in estimator.coefs_]
    np.testing.assert_allclose(outputs(ours, X_test), outputs(theirs, X_test), rtol=1e-6)


def test_set_weights_are_trained_on_by_warm_start_and_partial_fit(moons):
    X_train, _, y_train, _ = moons
    ours, theirs = fitted_pair(MLPClassifier, moons, warm_start=True)
    for estimator in (ours, theirs):
        estimator.coefs_[0] = np.full((2, 6), 0.3)
        fit_quietly(estimator, X_train, y_train)
    assert_same_fit(ours, theirs)


def test_weights_of_the_wrong_shape_or_list_surgery_are_refused_saying_how_to_set_them(moons):
    ours, _ = fitted_pair(MLPClassifier, moons)
    with pytest.raises(ValueError, match=r"coefs_\[0\] must have shape \(2, 6\).*got \(2, 4\).*hidden_layer_sizes"):
        ours.coefs_[0] = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"intercepts_\[2\] must have shape \(1,\).*got \(3,\)"):
        ours.intercepts_[-1] = np.zeros(3)
    with pytest.raises(TypeError, match=r"coefs_ has one array per layer.*coefs_\[i\] = "):
        ours.coefs_.append(np.zeros((1, 1)))
    with pytest.raises(TypeError, match=r"intercepts_ has one array per layer"):
        del ours.intercepts_[0]
    assert [c.shape for c in ours.coefs_] == [(2, 6), (6, 4), (4, 1)]  # nothing changed


def test_setting_weights_before_fit_says_to_fit_first(moons):
    from sklearn.exceptions import NotFittedError

    for name in ("coefs_", "intercepts_"):
        with pytest.raises(NotFittedError, match=f"{name} can only be set after fit.*fit"):
            setattr(MLPClassifier(), name, [np.zeros((2, 4))])


def test_a_copy_of_coefs_is_a_plain_list_of_copies(moons):
    import copy
    import pickle

    ours, _ = fitted_pair(MLPClassifier, moons)
    for duplicate in (copy.deepcopy(ours.coefs_), pickle.loads(pickle.dumps(ours.coefs_)), copy.copy(ours.coefs_)):
        assert type(duplicate) is list
    copied = copy.deepcopy(ours.coefs_)
    copied[0][:] = 0  # a copy: the model keeps its weights
    assert ours.coefs_[0].any()


# ------------------------------------------------------ parameter checking
@pytest.mark.parametrize("sizes", [(3.9,), (True,), (3.0,), ("3",), (4, 2.5)])
def test_hidden_layer_sizes_must_be_integers_as_in_scikit_learn(sizes, moons):
    """(3.9,) used to build 3 units and (True,) one; scikit-learn refuses both (with a TypeError from deep inside)."""
    X_train, _, y_train, _ = moons
    with pytest.raises(TypeError, match=r"hidden_layer_sizes must be positive integers.*got"):
        MLPClassifier(hidden_layer_sizes=sizes, max_iter=1).fit(X_train, y_train)
    with pytest.raises(TypeError):
        neural_network.MLPClassifier(hidden_layer_sizes=sizes, max_iter=1).fit(X_train, y_train)


def test_hidden_layer_sizes_accept_numpy_integers_as_scikit_learn(moons):
    ours, theirs = fitted_pair(MLPClassifier, moons)
    X_train, _, y_train, _ = moons
    sizes = np.array([6, 4])
    numpy_sized = fit_quietly(MLPClassifier(hidden_layer_sizes=sizes, max_iter=3, random_state=0), X_train, y_train)
    assert_same_fit(numpy_sized, theirs)


@pytest.mark.parametrize("dtype", ["float16", np.float16, "int32", "complex128", "longdouble", "no-such-type"])
def test_an_unusable_dtype_is_refused_before_training(dtype, moons):
    """float16 used to train, overflow and blame the data ("Solver produced non-finite parameter weights")."""
    X_train, _, y_train, _ = moons
    with pytest.raises(ValueError, match=r"dtype must be a floating type.*'float32' or 'float64'.*got"):
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, dtype=dtype).fit(X_train, y_train)


@pytest.mark.parametrize("dtype", ["float32", np.float64, np.dtype("float32"), "double"])
def test_float32_and_float64_dtypes_are_accepted(dtype, moons):
    X_train, _, y_train, _ = moons
    fitted = fit_quietly(MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, dtype=dtype), X_train, y_train)
    assert fitted.coefs_[0].dtype == np.dtype(dtype)


def test_an_initializer_returning_the_wrong_shape_is_named_with_the_shape_expected(moons):
    X_train, _, y_train, _ = moons
    classifier = MLPClassifier(initializer=lambda shape, dtype, rng: np.ones(3), max_iter=1)
    with pytest.raises(ValueError, match=r"initializer <lambda> returned an array of shape \(3,\) for layer 0's "
                                         r"kernel, which has shape \(2, 100\)"):
        classifier.fit(X_train, y_train)


# ---------------------------------------------------------------- dtypes
@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("fit_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("predict_dtype", [np.float32, np.float64])
def test_output_dtype_follows_numpys_promotion_as_scikit_learns(estimator_class, fit_dtype, predict_dtype, moons):
    """float32 weights and float64 input give float64 outputs in scikit-learn (X @ W promotes); ours matched the
    weights instead."""
    X_train, X_test, y_train, _ = moons
    y_fit = y_train if estimator_class is MLPClassifier else y_train.astype(float)
    settings = dict(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    ours = fit_quietly(estimator_class(**settings), X_train.astype(fit_dtype), y_fit)
    theirs = fit_quietly(getattr(neural_network, estimator_class.__name__)(**settings), X_train.astype(fit_dtype),
                         y_fit)
    assert ours.coefs_[0].dtype == theirs.coefs_[0].dtype == fit_dtype
    X_predict = X_test.astype(predict_dtype)
    expected, got = outputs(theirs, X_predict), outputs(ours, X_predict)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-5 if np.float32 in (fit_dtype, predict_dtype) else 1e-6)


def test_the_estimators_predict_proba_is_scikit_learns_and_the_models_is_old_keras(moons):
    """Two libraries, two contracts, each kept: (n, n_classes) rows summing to 1, and Keras' (n, 1) for a sigmoid."""
    X_train, X_test, y_train, _ = moons
    classifier = fit_quietly(MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0), X_train, y_train)
    estimators = classifier.predict_proba(X_test)
    models = classifier.model_.predict_proba(X_test)
    assert estimators.shape == (len(X_test), 2) and models.shape == (len(X_test), 1)
    np.testing.assert_allclose(estimators, np.hstack([1 - models, models]))


def test_the_gif_recorder_films_a_partial_fit_loop(moons, tmp_path):
    """The recorder is a Keras-style callback; a partial_fit loop drives its hooks itself."""
    from tinygrad_moons.viz.animation import DecisionBoundaryRecorder

    X_train, _, y_train, _ = moons
    classifier = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    classifier.partial_fit(X_train, y_train, classes=[0, 1])
    recorder = DecisionBoundaryRecorder(X_train, y_train, resolution=20)
    recorder.set_model(classifier.model_)
    recorder.set_params({"steps": 2})  # updates per epoch: 225 points in batches of 200
    recorder.on_train_begin()
    for epoch in range(3):
        recorder.on_epoch_begin(epoch)
        classifier.partial_fit(X_train, y_train)
        recorder.on_epoch_end(epoch, {"loss": classifier.loss_})
    recorder.on_train_end()
    assert [frame.epoch for frame in recorder.frames] == [0, 1, 2, 3]
    assert not np.array_equal(recorder.frames[0].probabilities, recorder.frames[-1].probabilities)
    assert recorder.save_gif(tmp_path / "training.gif").read_bytes()[:6] == b"GIF89a"


def test_the_librarys_initializers_and_dtype(moons):
    X_train, _, y_train, _ = moons
    seed_style = MLPClassifier(hidden_layer_sizes=(400,), max_iter=1, learning_rate_init=1e-12,
                               initializer="normal", random_state=0)
    fit_quietly(seed_style, X_train, y_train)
    assert seed_style.coefs_[0].std() == pytest.approx(0.1, rel=0.1)  # the course project's randn * 0.1
    assert seed_style.intercepts_[0].std() == pytest.approx(0.1, rel=0.2)  # ... for the biases too
    he = fit_quietly(MLPClassifier(hidden_layer_sizes=(8,), max_iter=1, learning_rate_init=1e-12,
                                   initializer="he_normal", random_state=0), X_train, y_train)
    assert abs(he.intercepts_[0]).max() < 1e-9
    single = fit_quietly(MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, dtype="float32", random_state=0),
                         X_train, y_train)
    assert all(c.dtype == np.float32 for c in single.coefs_)
    assert single.predict_proba(X_train).dtype == np.float32
    assert single.score(X_train, y_train) > 0.5


def test_sparse_input_is_accepted_as_scikit_learns(moons):
    X_train, X_test, y_train, _ = moons
    dense = fit_quietly(MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0), X_train, y_train)
    from_sparse = fit_quietly(MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0),
                              sparse.csr_matrix(X_train), y_train)
    np.testing.assert_allclose(dense.predict_proba(X_test), from_sparse.predict_proba(sparse.csr_matrix(X_test)))


def test_clone_keeps_the_parameters_and_drops_the_fit(moons):
    X_train, _, y_train, _ = moons
    classifier = MLPClassifier(hidden_layer_sizes=(8, 8), learning_rate_init=0.05, initializer="he_normal")
    assert set(neural_network.MLPClassifier().get_params()) <= set(classifier.get_params())
    assert set(neural_network.MLPRegressor().get_params()) <= set(MLPRegressor().get_params())
    fit_quietly(classifier.set_params(max_iter=2), X_train, y_train)
    copy = clone(classifier)
    assert copy.get_params() == classifier.get_params()
    assert not hasattr(copy, "model_") and not hasattr(copy, "coefs_")


def test_works_with_decision_boundary_display(moons):
    import matplotlib.pyplot as plt
    from sklearn.inspection import DecisionBoundaryDisplay

    X_train, _, y_train, _ = moons
    classifier = fit_quietly(MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0), X_train, y_train)
    display = DecisionBoundaryDisplay.from_estimator(classifier, X_train, response_method="predict_proba")
    assert display.response.shape == display.xx0.shape
    assert 0 <= display.response.min() and display.response.max() <= 1
    plt.close("all")


# -------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "params, message",
    [
        ({"solver": "newton"}, "The 'solver' parameter of MLPClassifier must be a str among"),
        ({"activation": "swish"}, "The 'activation' parameter of MLPClassifier must be a str among"),
        ({"max_iter": 0}, r"The 'max_iter' parameter of MLPClassifier must be an int in the range \[1, inf\)"),
        ({"learning_rate": "cosine"}, "The 'learning_rate' parameter"),
        ({"batch_size": 0}, "The 'batch_size' parameter"),
        ({"alpha": -1.0}, "The 'alpha' parameter"),
        ({"hidden_layer_sizes": (10, 0)}, r"hidden_layer_sizes must be > 0, got \[10, 0\]"),
        ({"dtype": "int32"}, "dtype must be a floating type"),
    ],
)
def test_bad_parameters_get_scikit_learns_errors(params, message, moons):
    X_train, _, y_train, _ = moons
    with pytest.raises(ValueError, match=message):
        MLPClassifier(**params).fit(X_train, y_train)
    if "dtype" not in params:  # dtype is ours alone; scikit-learn refuses the others with the same words
        with pytest.raises(ValueError, match=message):
            neural_network.MLPClassifier(**params).fit(X_train, y_train)


def test_lbfgs_is_refused_naming_the_alternatives(moons):
    X_train, _, y_train, _ = moons
    classifier = MLPClassifier(solver="lbfgs", max_fun=100)
    with pytest.raises(NotImplementedError, match="solver='adam'.*solver='sgd'"):
        classifier.fit(X_train, y_train)
    assert not hasattr(classifier, "partial_fit")  # as scikit-learn: only stochastic solvers have it
    with pytest.raises(NotImplementedError, match="lbfgs"):
        MLPRegressor(solver="lbfgs").fit(X_train, y_train)


def test_bad_data_gets_scikit_learns_errors(moons):
    X_train, _, y_train, _ = moons
    with pytest.raises(ValueError, match="NaN"):
        MLPClassifier(max_iter=1).fit(np.where(X_train > 1, np.nan, X_train), y_train)
    classifier = fit_quietly(MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, random_state=0), X_train, y_train)
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 2 features as input"):
        classifier.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier(max_iter=1).fit(X_train, np.linspace(0, 1, len(X_train)))
    with pytest.raises(ValueError, match="non-negative"):
        MLPRegressor(loss="poisson", max_iter=1).fit(X_train, -np.ones(len(X_train)))
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has the same classes"):
        warm = MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, warm_start=True, random_state=0)
        fit_quietly(warm, X_train, y_train)
        warm.fit(X_train, np.where(y_train == 1, 2, 0))
