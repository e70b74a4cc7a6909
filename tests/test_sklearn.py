"""tinygrad_moons.sklearn.MLPClassifier follows scikit-learn's estimator conventions."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

from tinygrad_moons.data import make_blobs, make_moons, train_test_split
from tinygrad_moons.sklearn import MLPClassifier


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(n_samples=400, noise=0.1, random_state=0)
    return train_test_split(X, y, test_size=0.25, random_state=0)


def test_passes_scikit_learns_estimator_checks():
    """Every check passes; none is marked as an expected failure.

    Ten epochs keep the run short while still clearing check_classifiers_train's
    accuracy bar (0.83 on three Gaussian blobs). Two checks skip themselves in
    environments without pandas or the array-API switch; that is scikit-learn's
    decision, not ours.
    """
    check_estimator(MLPClassifier(epochs=10, random_state=0))


def test_learns_the_moons(moons):
    X_train, X_test, y_train, y_test = moons
    classifier = MLPClassifier(random_state=0).fit(X_train, y_train)
    assert classifier.n_features_in_ == 2
    np.testing.assert_array_equal(classifier.classes_, [0, 1])
    assert classifier.score(X_test, y_test) >= 0.99  # the moons with noise 0.1 are separable
    assert classifier.n_iter_ == len(classifier.loss_curve_) <= 200
    assert classifier.loss_curve_[-1] < classifier.loss_curve_[0]


def test_predict_proba_has_a_column_per_class_and_predict_agrees(moons):
    X_train, X_test, y_train, _ = moons
    classifier = MLPClassifier(epochs=5, random_state=0).fit(X_train, y_train)
    probabilities = classifier.predict_proba(X_test)
    assert probabilities.shape == (len(X_test), 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    np.testing.assert_array_equal(classifier.predict(X_test), (probabilities[:, 1] > 0.5).astype(int))


def test_any_two_labels_are_kept_as_the_user_gave_them(moons):
    X_train, X_test, y_train, _ = moons
    names = np.array(["circle", "cross"])[y_train]
    classifier = MLPClassifier(epochs=5, random_state=0).fit(X_train, names)
    np.testing.assert_array_equal(classifier.classes_, ["circle", "cross"])
    assert set(classifier.predict(X_test)) <= {"circle", "cross"}


def test_three_classes_train_a_softmax_output():
    X, y = make_blobs(n_samples=300, centers=3, cluster_std=0.8, random_state=1)
    classifier = MLPClassifier(hidden_layer_sizes=(16,), epochs=40, random_state=0).fit(X, y)
    probabilities = classifier.predict_proba(X)
    assert probabilities.shape == (300, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert classifier.model_[-1].units == 3
    assert classifier.score(X, y) > 0.9


def test_the_same_random_state_gives_the_same_model(moons):
    X_train, X_test, y_train, _ = moons
    first = MLPClassifier(epochs=3, random_state=5).fit(X_train, y_train).predict_proba(X_test)
    second = MLPClassifier(epochs=3, random_state=5).fit(X_train, y_train).predict_proba(X_test)
    other = MLPClassifier(epochs=3, random_state=6).fit(X_train, y_train).predict_proba(X_test)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_early_stopping_follows_scikit_learns_tol_rule(moons):
    X_train, _, y_train, _ = moons
    patient = MLPClassifier(epochs=60, tol=None, random_state=0).fit(X_train, y_train)
    impatient = MLPClassifier(epochs=60, tol=10.0, n_iter_no_change=2, random_state=0).fit(X_train, y_train)
    assert patient.n_iter_ == 60
    assert impatient.n_iter_ < 60


def test_get_params_set_params_and_clone():
    classifier = MLPClassifier(hidden_layer_sizes=(8, 8), learning_rate=0.05)
    params = classifier.get_params()
    assert params["hidden_layer_sizes"] == (8, 8) and params["learning_rate"] == 0.05
    classifier.set_params(optimizer="sgd", batch_size=None)
    copy = clone(classifier)
    assert copy.get_params() == classifier.get_params()
    assert not hasattr(copy, "model_")


def test_works_inside_a_pipeline_with_cross_validation(moons):
    X_train, _, y_train, _ = moons
    pipeline = make_pipeline(StandardScaler(), MLPClassifier(epochs=15, random_state=0))
    scores = cross_val_score(pipeline, X_train, y_train, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.9


def test_works_with_decision_boundary_display(moons):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.inspection import DecisionBoundaryDisplay

    X_train, _, y_train, _ = moons
    classifier = MLPClassifier(epochs=5, random_state=0).fit(X_train, y_train)
    display = DecisionBoundaryDisplay.from_estimator(classifier, X_train, response_method="predict_proba")
    assert display.response.shape == display.xx0.shape
    assert 0 <= display.response.min() and display.response.max() <= 1
    plt.close("all")


@pytest.mark.parametrize(
    "params, message",
    [
        ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes"),
        ({"activation": "swish"}, "activation"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"tol": -1.0}, "tol"),
    ],
)
def test_bad_parameters_are_refused_at_fit_by_name(params, message, moons):
    X_train, _, y_train, _ = moons
    with pytest.raises(ValueError, match=message):
        MLPClassifier(**params).fit(X_train, y_train)


def test_bad_data_gets_scikit_learns_clear_errors(moons):
    X_train, X_test, y_train, _ = moons
    with pytest.raises(ValueError, match="NaN"):
        MLPClassifier(epochs=1).fit(np.where(X_train > 1, np.nan, X_train), y_train)
    with pytest.raises(ValueError, match="1 class"):
        MLPClassifier(epochs=1).fit(X_train, np.zeros(len(X_train)))
    classifier = MLPClassifier(epochs=1, random_state=0).fit(X_train, y_train)
    with pytest.raises(ValueError, match="3 features"):
        classifier.predict(np.zeros((4, 3)))
