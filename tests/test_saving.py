"""Saving and loading models: round trips, and clear errors for every kind of bad file."""

import json
import zipfile

import numpy as np
import pytest

from tinygrad_moons import optim
from tinygrad_moons.nn import (
    BCEWithLogitsLoss,
    BinaryCrossentropy,
    Dense,
    LeakyReLU,
    ModelFileError,
    Module,
    ReLU,
    Sequential,
    Softmax,
    load_model,
)

X = np.random.default_rng(0).normal(size=(50, 2))
Y = (X[:, 0] * X[:, 1] > 0).astype(float)


def trained_model(dtype="float64"):
    model = Sequential(
        [
            Dense(8, activation="relu", input_dim=2, dtype=dtype),
            Dense(8, dtype=dtype, name="middle"),
            LeakyReLU(0.2),
            Dense(1, activation="sigmoid", dtype=dtype),
        ],
        seed=0,
        name="moons_net",
    )
    model.compile(loss="binary_crossentropy", optimizer=optim.Adam(lr=0.01, betas=(0.8, 0.9)), metrics=["accuracy"])
    model.fit(X, Y, epochs=3, verbose=0, seed=0)
    return model


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_gives_identical_predictions_names_and_dtype(tmp_path, dtype):
    model = trained_model(dtype)
    path = tmp_path / "model.npz"
    assert model.save(path) == str(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.predict(X).dtype == np.dtype(dtype)
    assert loaded.name == "moons_net"
    assert [layer.name for layer in loaded] == ["dense_1", "middle", "leaky_relu_1", "dense_2"]
    assert [type(layer) for layer in loaded] == [type(layer) for layer in model]
    assert loaded[2].negative_slope == 0.2
    assert [name for name, _ in loaded.named_parameters()] == [name for name, _ in model.named_parameters()]
    assert [p.name for p in loaded.parameters()] == [p.name for p in model.parameters()]


def test_a_loaded_model_is_compiled_again_and_can_keep_training(tmp_path):
    model = trained_model()
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert isinstance(loaded.optimizer, optim.Adam) and loaded.optimizer.betas == (0.8, 0.9)
    assert loaded.metrics_names == ["accuracy"]
    assert loaded.evaluate(X, Y) == model.evaluate(X, Y)
    history = loaded.fit(X, Y, epochs=2, verbose=0)
    assert len(history.epoch) == 2
    assert load_model(tmp_path / "m.npz", compile=False).optimizer is None


def test_a_logits_model_keeps_its_loss_and_a_custom_loss_is_not_saved(tmp_path):
    model = Sequential([Dense(4, activation="relu", input_dim=2), Dense(1)], seed=0)
    model.compile(loss=BCEWithLogitsLoss(), optimizer=optim.SGD(lr=0.1, momentum=0.5, nesterov=True), metrics="acc")
    model.save(tmp_path / "logits.npz")
    loaded = load_model(tmp_path / "logits.npz")
    assert isinstance(loaded.loss, BCEWithLogitsLoss) and loaded.loss.from_logits
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.evaluate(X, Y) == model.evaluate(X, Y)

    model.compile(loss=lambda prediction, target: ((prediction - target) ** 2).mean())
    model.save(tmp_path / "custom.npz")
    assert load_model(tmp_path / "custom.npz").optimizer is None  # loads, uncompiled: the loss was code


def test_the_file_is_a_plain_npz_with_json_and_weights_by_dotted_name(tmp_path):
    model = trained_model()
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:
        architecture = json.loads(str(archive["__architecture__"]))
        assert architecture["format"] == "tinygrad_moons.model" and architecture["version"] == 1
        layers = architecture["config"]["layers"]
        assert layers[0] == {
            "class_name": "Dense",
            "config": {"name": "dense_1", "units": 8, "activation": "relu", "input_dim": 2, "use_bias": True,
                       "dtype": "float64"},
        }  # fmt: skip
        np.testing.assert_array_equal(archive["middle.kernel"], model.get_layer("middle").kernel.data)
        assert set(archive.files) == {"__architecture__", *model.state_dict()}


def test_nested_sequential_and_softmax_round_trip(tmp_path):
    model = Sequential(
        [Dense(4, input_dim=3), Sequential([Dense(4), ReLU()], name="block"), Dense(3), Softmax()], seed=1
    )
    model.save(tmp_path / "nested.npz")
    loaded = load_model(tmp_path / "nested.npz")
    x = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert "block.dense_1.kernel" in loaded.state_dict()


def test_saving_does_not_append_a_suffix_and_replaces_atomically(tmp_path):
    model = trained_model()
    model.save(tmp_path / "model.weights")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.weights"]
    model.save(tmp_path / "model.weights")  # overwriting works, no temporary file is left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.weights"]


# -------------------------------------------------------------- bad files
def test_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file: .*nothing.npz"):
        load_model(tmp_path / "nothing.npz")


def test_a_file_that_is_not_a_zip(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("these are not weights")
    with pytest.raises(ModelFileError, match=r"notes.npz is not a .npz model file \(it is not a zip archive"):
        load_model(path)


def test_a_plain_npy_file_is_refused(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.arange(3))
    with pytest.raises(ModelFileError, match="array.npy is not a .npz model file"):
        load_model(path)


def test_a_truncated_file(tmp_path):
    path = tmp_path / "model.npz"
    trained_model().save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="model.npz"):
        load_model(path)


def test_a_corrupted_file(tmp_path):
    path = tmp_path / "model.npz"
    trained_model().save(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:  # flip bytes inside the stored weights of one layer
        info = archive.getinfo("middle.kernel.npy")
    start = info.header_offset + 30 + len(info.filename) + 200
    data[start : start + 16] = bytes(16)
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=r"model.npz is damaged and cannot be read \(BadZipFile"):
        load_model(path)


def test_a_foreign_npz_names_what_it_found(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, weights=np.ones(3), bias=np.zeros(2))
    with pytest.raises(
        ModelFileError,
        match="foreign.npz is an .npz archive but not a tinygrad_moons model .*its arrays are: weights, bias",
    ):
        load_model(path)


def test_an_npz_with_a_pickled_object_is_never_unpickled(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, __architecture__=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ModelFileError, match="evil.npz is damaged and cannot be read .*allow_pickle"):
        load_model(path)


def _write(path, architecture):
    text = architecture if isinstance(architecture, str) else json.dumps(architecture)
    np.savez(path, __architecture__=np.array(text))


def test_bad_architecture_descriptions(tmp_path):
    path = tmp_path / "bad.npz"
    _write(path, "{not json")
    with pytest.raises(ModelFileError, match="bad.npz has an unreadable architecture description"):
        load_model(path)
    _write(path, {"format": "something else"})
    with pytest.raises(ModelFileError, match="bad.npz does not describe a tinygrad_moons model"):
        load_model(path)
    _write(path, {"format": "tinygrad_moons.model", "version": 99})
    with pytest.raises(ModelFileError, match="format version 99"):
        load_model(path)
    unknown = {"format": "tinygrad_moons.model", "version": 1, "class_name": "Sequential",
               "config": {"name": "m", "layers": [{"class_name": "os.system", "config": {}}]}}  # fmt: skip
    _write(path, unknown)
    with pytest.raises(ModelFileError, match="unknown layer class 'os.system'"):
        load_model(path)
    wrong_arguments = {"format": "tinygrad_moons.model", "version": 1, "class_name": "Sequential",
                       "config": {"name": "m", "layers": [{"class_name": "Dense", "config": {"unit": 3}}]}}  # fmt: skip
    _write(path, wrong_arguments)
    with pytest.raises(ModelFileError, match="describes a model that cannot be built"):
        load_model(path)


def test_weights_that_do_not_fit_the_architecture(tmp_path):
    path = tmp_path / "model.npz"
    model = trained_model()
    model.save(path)
    with np.load(path, allow_pickle=False) as archive:
        contents = {name: archive[name] for name in archive.files}
    contents["middle.kernel"] = np.zeros((3, 3))
    del contents["dense_1.bias"]
    np.savez(path, **contents)
    with pytest.raises(
        ModelFileError, match=r"weights in .*model.npz do not fit.*missing: dense_1.bias.*middle.kernel: shape"
    ):
        load_model(path)


def test_models_that_cannot_be_saved_say_why(tmp_path):
    with pytest.raises(ValueError, match="has no weights yet"):
        Sequential([Dense(3), Dense(1)]).save(tmp_path / "unbuilt.npz")
    with pytest.raises(ValueError, match="custom function"):
        Sequential([Dense(3, input_dim=2, activation=lambda t: t * 2)]).save(tmp_path / "custom.npz")

    class Double(Module):
        def forward(self, x):
            return x * 2

    with pytest.raises(ValueError, match="cannot be saved by description"):
        Sequential([Dense(3, input_dim=2), Double()]).save(tmp_path / "module.npz")
    assert not any(tmp_path.iterdir())  # nothing half-written
