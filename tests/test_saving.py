"""Saving and loading models: round trips, and clear errors for every kind of bad file."""

import io
import json
import multiprocessing
import os
import time
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_moons import optim
from tinygrad_moons.nn import (
    BCEWithLogitsLoss,
    Dense,
    LeakyReLU,
    Model,
    ModelFileError,
    Module,
    ReLU,
    Sequential,
    Softmax,
    load_model,
    saving,
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
    message = "evil.npz: array '__architecture__' holds Python objects, which are never unpickled"
    with pytest.raises(ModelFileError, match=message):
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
        ModelFileError,
        match=r"model.npz: the weights do not fit its architecture: missing: dense_1.bias.*middle.kernel: shape",
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

    class TwoLayers(Model):  # a custom Model: fit works, a model file could not build it back
        def __init__(self):
            super().__init__()
            self.hidden = Dense(3, input_dim=2)

        def forward(self, x):
            return self.hidden(x)

    with pytest.raises(NotImplementedError, match="cannot describe its architecture.*state_dict"):
        TwoLayers().save(tmp_path / "custom_model.npz")

    class Describable(TwoLayers):
        built = True

        def get_config(self):
            return {"name": self.name, "layers": []}

    with pytest.raises(NotImplementedError, match="not a Sequential model, which is all load_model builds"):
        Describable().save(tmp_path / "describable.npz")
    assert not any(tmp_path.iterdir())  # nothing half-written


# ------------------------------------------- hostile files (issue 10): limits before allocation
MB = 2**20


def architecture_of(model, **compile_settings):
    return {"format": "tinygrad_moons.model", "version": 1, "class_name": "Sequential",
            "config": model.get_config(), "compile": compile_settings or model._compile_config}  # fmt: skip


def write_members(path, members, compression=zipfile.ZIP_STORED):
    """An .npz written member by member: {name: array or raw .npy bytes}."""
    with zipfile.ZipFile(path, "w", compression=compression, compresslevel=1 if compression else None) as archive:
        for name, value in members.items():
            if isinstance(value, bytes):
                archive.writestr(name + ".npy", value)
            else:
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, np.asanyarray(value), allow_pickle=False)
                archive.writestr(name + ".npy", buffer.getvalue())


def _load_or_error(path):
    try:
        return load_model(path)
    except ModelFileError as error:
        return error


def load_within_bounds(path, cpu_seconds=5.0, megabytes=100):
    """load_model(path) -> ModelFileError or a model, checking its CPU time and the peak of its new allocations.

    A resource bound, not a speed test: the limits must stop a hostile file long before either bound (the largest
    legal architecture text takes under a second; a file that slipped past the limits would take minutes or
    gigabytes). CPU time, not wall time, so a busy machine does not fail it. Time and memory are measured in two
    runs, since tracing every allocation slows allocation-heavy code tenfold.
    """
    start = time.process_time()
    outcome = _load_or_error(path)
    elapsed = time.process_time() - start
    assert elapsed < cpu_seconds, f"loading took {elapsed:.2f} s of CPU time"
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        again = _load_or_error(path)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak < megabytes * MB, f"loading allocated {peak / MB:.0f} MB at its peak"
    assert type(again) is type(outcome)
    return outcome


def small_model():
    model = Sequential([Dense(8, activation="relu", input_dim=2), Dense(1, activation="sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer=optim.Adam(lr=0.01), metrics=["accuracy"])
    return model


def test_a_small_file_declaring_a_huge_layer_is_refused_before_allocating(tmp_path):
    """The issue's 4.4 KB file declaring Dense(12000, input_dim=12000) allocated 3.3 GB; 5000^2 is 200 MB."""
    model = small_model()
    architecture = architecture_of(model)
    architecture["config"]["layers"][0]["config"].update(units=5000, input_dim=5000)
    architecture["config"]["layers"][1]["config"]["input_dim"] = 5000
    path = tmp_path / "huge.npz"
    write_members(path, {"__architecture__": np.array(json.dumps(architecture)), **model.state_dict()})
    error = load_within_bounds(path)
    assert isinstance(error, ModelFileError)
    assert "huge.npz: the weights do not fit its architecture" in str(error)
    assert "dense_1.kernel: shape (2, 8) in the file, (5000, 5000) in the architecture" in str(error)


def test_a_layer_beyond_the_limits_is_refused_by_the_limit(tmp_path):
    """A declared 100000^2 layer ended in MemoryError; it is 80 GB, beyond the 1 GiB of weights a file may hold."""
    model = small_model()
    architecture = architecture_of(model)
    architecture["config"]["layers"][0]["config"].update(units=100_000, input_dim=100_000)
    path = tmp_path / "huge.npz"
    write_members(path, {"__architecture__": np.array(json.dumps(architecture)), **model.state_dict()})
    error = load_within_bounds(path)
    assert isinstance(error, ModelFileError)
    assert f"declares more than {saving.LIMITS['weight_bytes']:,} bytes of weights" in str(error)
    assert "Dense 'dense_1' is 100,000 x 100,000" in str(error)


@pytest.fixture(scope="module")
def huge_member():
    """The raw .npy bytes header of a 200 MiB float64 array, and the array's size: compressed, ~1 MB."""
    return np.lib.format.header_data_from_array_1_0(np.zeros(0)), 200 * MB // 8


def write_with_big_member(path, members, big_name, length):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, value in members.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(value), allow_pickle=False)
            archive.writestr(name + ".npy", buffer.getvalue())
        with archive.open(big_name + ".npy", "w", force_zip64=True) as stream:
            np.lib.format.write_array_header_1_0(stream, {"descr": "<f8", "fortran_order": False, "shape": (length,)})
            for _ in range(length * 8 // MB):
                stream.write(bytes(MB))


@pytest.mark.parametrize("big_name", ["unused", "dense_1.kernel"])
def test_a_huge_compressed_member_is_never_decompressed(tmp_path, big_name):
    """The issue's 1.7 MB npz with an unused 1.8 GB member was decompressed whole before its name was checked."""
    model = small_model()
    members = {"__architecture__": np.array(json.dumps(architecture_of(model))), **model.state_dict()}
    members.pop(big_name, None)
    path = tmp_path / "big.npz"
    write_with_big_member(path, members, big_name, 200 * MB // 8)
    assert path.stat().st_size < 2 * MB
    error = load_within_bounds(path)
    assert isinstance(error, ModelFileError)
    if big_name == "unused":
        assert "big.npz: the weights do not fit its architecture: unexpected: unused" in str(error)
    else:
        assert "dense_1.kernel: shape (26214400,) in the file, (2, 8) in the architecture" in str(error)


def test_a_member_declaring_more_than_the_limit_is_refused_from_the_zip_directory(tmp_path, monkeypatch):
    monkeypatch.setitem(saving.LIMITS, "weight_bytes", 10 * MB)  # the same check as at 1 GiB, without writing 1 GiB
    model = small_model()
    members = {"__architecture__": np.array(json.dumps(architecture_of(model))), **model.state_dict()}
    path = tmp_path / "big.npz"
    write_with_big_member(path, members, "unused", 20 * MB // 8)
    with pytest.raises(ModelFileError, match=r"big.npz declares 20,97\d,\d{3} bytes of arrays when decompressed"):
        load_model(path)


def test_an_npy_header_declaring_a_huge_shape_over_tiny_data(tmp_path):
    model = small_model()
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)})
    members = {"__architecture__": np.array(json.dumps(architecture_of(model))), **model.state_dict()}
    members["dense_1.kernel"] = header.getvalue() + bytes(16 * 8)
    path = tmp_path / "lying.npz"
    write_members(path, members)
    error = load_within_bounds(path)
    assert isinstance(error, ModelFileError)
    assert "array 'dense_1.kernel' declares shape (1000000, 1000000) of float64" in str(error)
    assert "the archive stores 128 bytes for it" in str(error)


def deep_json(depth):
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [200, 100_000])
def test_deeply_nested_json_is_refused_before_parsing(tmp_path, depth):
    path = tmp_path / "deep.npz"
    text = '{"format": "tinygrad_moons.model", "version": 1, "x": ' + deep_json(depth) + "}"
    np.savez(path, __architecture__=np.array(text))
    error = load_within_bounds(path)
    assert isinstance(error, ModelFileError)
    assert f"deep.npz has an architecture description nested {depth + 1:,} levels deep; the limit is 128" in str(error)


def nested_sequential(levels):
    """The JSON text of a model that is ``levels`` Sequentials deep (built as text: json.dumps would recurse)."""
    dense = '{"class_name": "Dense", "config": {"name": "d", "units": 1, "input_dim": 1}}'
    config = f'{{"name": "inner", "layers": [{dense}]}}'
    for level in range(levels):
        config = f'{{"name": "level{level}", "layers": [{{"class_name": "Sequential", "config": {config}}}]}}'
    return f'{{"format": "tinygrad_moons.model", "version": 1, "class_name": "Sequential", "config": {config}}}'


def test_deeply_nested_models_are_refused(tmp_path, monkeypatch):
    path = tmp_path / "nested.npz"
    _write(path, nested_sequential(800))  # the 800 levels: RecursionError before
    assert "nested 2,40" in str(load_within_bounds(path))
    for levels in (33, 40):  # within the JSON limit (3 brackets a level), beyond the model's own
        _write(path, nested_sequential(levels))
        with pytest.raises(ModelFileError, match="nested.npz: models are nested more than 32 deep"):
            load_model(path)
    # Were the JSON limit lifted, the parser's own recursion error still ends as a ModelFileError.
    monkeypatch.setitem(saving.LIMITS, "json_nesting", 10**6)
    _write(path, nested_sequential(800))
    with pytest.raises(ModelFileError, match=r"nested.npz cannot be read \(RecursionError\)"):
        load_model(path)


def test_a_model_nested_within_the_limit_loads(tmp_path):
    path = tmp_path / "nested.npz"
    architecture = nested_sequential(30)
    prefix = ".".join(f"level{level}" for level in reversed(range(30)))
    # The top-level model's own name is not part of the parameter names.
    prefix = prefix.split(".", 1)[1] + ".inner.d"
    np.savez(path, __architecture__=np.array(architecture),
             **{prefix + ".kernel": np.ones((1, 1)), prefix + ".bias": np.zeros(1)})  # fmt: skip
    model = load_model(path)
    assert model.predict(np.array([[2.0]])).tolist() == [[2.0]]


@pytest.mark.parametrize(
    "optimizer, message",
    [
        ({"class_name": "Adam", "config": {"lr": 0.01, "betas": None}}, "betas must be a list of two numbers"),
        ({"class_name": "Adam", "config": {"lr": 0.01, "betas": [0.9]}}, "betas must be a list of two numbers"),
        ({"class_name": "Adam", "config": {"lr": "fast"}}, "compile settings that cannot be used"),
        ({"class_name": "SGD", "config": [1, 2]}, "the optimizer's arguments are a list"),
        ({"class_name": "SGD", "config": {"momentum": {}}}, "compile settings that cannot be used"),
        ({"class_name": "SGD", "config": {"lr": 0.1, "nesterov": "yes", "extra": 1}}, "cannot be used"),
    ],
)
def test_bad_compile_settings_are_model_file_errors(tmp_path, optimizer, message):
    model = small_model()
    settings_ = dict(model._compile_config, optimizer=optimizer)
    path = tmp_path / "compiled.npz"
    write_members(path, {"__architecture__": np.array(json.dumps(architecture_of(model, **settings_))),
                         **model.state_dict()})  # fmt: skip
    with pytest.raises(ModelFileError, match=f"compiled.npz.*{message}"):
        load_model(path)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda a: a["config"]["layers"][0]["config"].update(units=None), "units=None; it must be a positive integer"),
        (lambda a: a["config"]["layers"][0]["config"].update(units=True), "units=True; it must be a positive integer"),
        (lambda a: a["config"]["layers"][0]["config"].update(units=2.5), "units=2.5; it must be a positive integer"),
        (lambda a: a["config"]["layers"][0]["config"].update(dtype="object"), "dtype='object'"),
        (lambda a: a["config"]["layers"][0]["config"].update(name="a.b"), "has no valid name"),
        (lambda a: a["config"]["layers"][1]["config"].update(name="dense_1"), "two layers named 'dense_1'"),
        (lambda a: a["config"]["layers"][1]["config"].update(input_dim=3), "takes inputs of width 3 but"),
        (lambda a: a["config"].update(layers={}), "not a JSON object with a list of layers"),
        (lambda a: a["config"].update(layers=[]), "has no layers"),
        (lambda a: a["config"]["layers"][0]["config"].update(activation=7), "cannot be built"),
        (lambda a: a.update(class_name="Dense"), "only Sequential models load"),
        (lambda a: a.update(version=[1]), r"format version \[1\]"),
    ],
)
def test_wrong_types_in_the_architecture_are_model_file_errors(tmp_path, edit, message):
    model = small_model()
    architecture = architecture_of(model)
    edit(architecture)
    path = tmp_path / "edited.npz"
    write_members(path, {"__architecture__": np.array(json.dumps(architecture)), **model.state_dict()})
    with pytest.raises(ModelFileError, match=f"edited.npz.*{message}"):
        load_model(path)


def test_nan_in_the_json_and_non_npy_members_are_refused(tmp_path):
    path = tmp_path / "odd.npz"
    model = small_model()
    text = json.dumps(architecture_of(model)).replace('"lr": 0.01', '"lr": NaN')
    write_members(path, {"__architecture__": np.array(text), **model.state_dict()})
    with pytest.raises(ModelFileError, match="odd.npz has an architecture description with NaN"):
        load_model(path)
    text = json.dumps(architecture_of(model)).replace('"lr": 0.01', '"lr": 1e400')
    write_members(path, {"__architecture__": np.array(text), **model.state_dict()})
    with pytest.raises(ModelFileError, match="odd.npz has an architecture description with the number 1e400"):
        load_model(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ModelFileError, match="odd.npz holds 'readme.txt', which is not an .npy array"):
        load_model(path)


@pytest.mark.parametrize(
    "offset, value, message",
    [
        # The first two escaped as RuntimeError and NotImplementedError; bzip2 (12) zipfile reads, we never write.
        (8, 1, "holds an encrypted member, '__architecture__.npy'"),
        (10, 99, "holds .__architecture__.npy. compressed with method 99; model files are stored or deflated"),
        (10, 12, "holds .__architecture__.npy. compressed with method 12"),
    ],
)
def test_zip_flags_we_never_write_are_refused(tmp_path, offset, value, message):
    path = tmp_path / "flags.npz"
    small_model().save(path)
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")  # the first central directory entry: flags at +8, method at +10
    data[central + offset : central + offset + 2] = value.to_bytes(2, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=f"flags.npz {message}"):
        load_model(path)


# ------------------------------------------------------------ saving safely
def test_an_interrupted_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    small_model().save(path)
    before = path.read_bytes()

    def interrupted(*args, **kwargs):
        args[0].write(b"PK half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(saving.np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        small_model().save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
    assert path.read_bytes() == before


def test_a_saved_file_has_ordinary_permissions(tmp_path):
    path = tmp_path / "model.npz"
    small_model().save(path)
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def _save_repeatedly(path, seed, times):
    model = Sequential([Dense(16, activation="relu", input_dim=2), Dense(1)], seed=seed)
    for _ in range(times):
        model.save(path)


def test_concurrent_saves_from_four_processes_never_fail_and_leave_a_complete_file(tmp_path):
    path = tmp_path / "shared.npz"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_save_repeatedly, args=(path, seed, 25)) for seed in range(4)]
    for worker in workers:
        worker.start()
    loads = 0
    while any(worker.is_alive() for worker in workers):
        if path.exists():
            load_model(path)  # whenever the file is there, it is complete
            loads += 1
    for worker in workers:
        worker.join()
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    loaded = load_model(path)
    candidates = [Sequential([Dense(16, activation="relu", input_dim=2), Dense(1)], seed=seed) for seed in range(4)]
    assert any(
        all(np.array_equal(loaded.state_dict()[k], c.state_dict()[k]) for k in c.state_dict()) for c in candidates
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared.npz"]  # no temporary left behind


# ---------------------------------------------------------------- the fuzz test
def _original_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "original.npz"
    model = Sequential([Dense(4, activation="relu", input_dim=2), Dense(3), LeakyReLU(0.2), Dense(1)], seed=0)
    model.compile(loss="binary_crossentropy", optimizer=optim.Adam(lr=0.01, betas=(0.8, 0.9)), metrics=["accuracy"])
    model.save(path)
    return path, model


@pytest.fixture(scope="module")
def fuzz_original(tmp_path_factory):
    return _original_file(tmp_path_factory)


def _members(path):
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


HOSTILE_VALUES = [None, -1, 0, 10**12, 2**64, 1.5, True, "x" * 300, [], {}, [[[[[]]]]], {"a": {"b": None}}]


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    yield path


def _replace(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy


MUTATIONS = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1, exclude_max=True)),
    st.tuples(st.just("bit flip"), st.floats(0, 1, exclude_max=True), st.integers(0, 7)),
    st.tuples(st.just("edit JSON"), st.integers(0, 10**6), st.sampled_from(range(len(HOSTILE_VALUES)))),
    st.tuples(st.just("swap members"), st.integers(0, 10**6), st.integers(0, 10**6)),
    st.tuples(st.just("huge shape"), st.sampled_from(["units", "input_dim", "npy header"]), st.integers(10**4, 10**9)),
    st.tuples(st.just("huge member"), st.sampled_from(["unused", "dense_1.kernel"])),
    st.tuples(st.just("zip field"), st.integers(0, 10**6), st.sampled_from([6, 8, 10, 20, 24, 28, 30, 32]),
              st.integers(0, 2**16 - 1)),  # fmt: skip
)


# A mutation may give the output layer another activation; compile then warns, as it should, about the loss.
@pytest.mark.filterwarnings("ignore:compile. binary_crossentropy expects probabilities:UserWarning")
@settings(max_examples=60)
@given(mutation=MUTATIONS)
def test_fuzz_every_mutation_is_a_model_file_error_within_bounds(fuzz_original, tmp_path_factory, mutation):
    """Each mutation of a saved model ends in ModelFileError (or, where a byte the format ignores changed, in the
    same model), within 1 s and 100 MB of new allocations. Truncations, swapped members of different shapes,
    huge declared shapes and huge members must always be refused."""
    original_path, original = fuzz_original
    path = tmp_path_factory.mktemp("mutated") / "mutated.npz"
    data = original_path.read_bytes()
    members = _members(original_path)
    architecture = json.loads(str(members["__architecture__"]))
    kind = mutation[0]
    must_fail = kind in ("truncate", "swap members", "huge shape", "huge member")
    if kind == "truncate":
        path.write_bytes(data[: int(mutation[1] * len(data))])
    elif kind == "bit flip":
        flipped = bytearray(data)
        flipped[int(mutation[1] * len(data))] ^= 1 << mutation[2]
        path.write_bytes(bytes(flipped))
    elif kind == "edit JSON":
        leaves = list(_leaves(architecture))
        edited = _replace(architecture, leaves[mutation[1] % len(leaves)], HOSTILE_VALUES[mutation[2]])
        members["__architecture__"] = np.array(json.dumps(edited))
        write_members(path, members)
    elif kind == "swap members":
        names = sorted(name for name in members if name != "__architecture__")
        a, b = names[mutation[1] % len(names)], names[mutation[2] % len(names)]
        if members[a].shape == members[b].shape:  # the same shape: a different model, but a readable one
            a, b = "__architecture__", b
        members[a], members[b] = members[b], members[a]
        write_members(path, members)
    elif kind == "zip field":  # one 2-byte field of one central directory entry (flags, method, sizes, lengths)
        entries = [i for i in range(len(data)) if data.startswith(b"PK\x01\x02", i)]
        entry = entries[mutation[1] % len(entries)] + mutation[2]
        changed = bytearray(data)
        changed[entry : entry + 2] = mutation[3].to_bytes(2, "little")
        path.write_bytes(bytes(changed))
    elif kind == "huge shape":
        field, size = mutation[1], mutation[2]
        if field == "npy header":
            header = io.BytesIO()
            declared = {"descr": "<f8", "fortran_order": False, "shape": (size, size)}
            np.lib.format.write_array_header_1_0(header, declared)
            members["dense_1.kernel"] = header.getvalue() + members["dense_1.kernel"].tobytes()
        else:
            architecture["config"]["layers"][0]["config"][field] = size
            members["__architecture__"] = np.array(json.dumps(architecture))
        write_members(path, members)
    else:
        name = mutation[1]
        members.pop(name, None)
        write_with_big_member(path, members, name, 150 * MB // 8)
    outcome = load_within_bounds(path)
    if must_fail or not isinstance(outcome, Sequential):
        assert isinstance(outcome, ModelFileError), f"{kind}: loaded instead of refusing"
        assert str(path) in str(outcome)
    elif kind in ("bit flip", "zip field"):  # a byte nothing reads (a timestamp, an attribute): the same model
        assert outcome.get_config() == original.get_config()
        assert all(np.array_equal(outcome.state_dict()[k], v) for k, v in original.state_dict().items())
    else:  # an edit that still describes a valid model: it must hold exactly the stored weights
        assert set(outcome.state_dict()) == set(members) - {"__architecture__"}


def test_saving_into_a_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"save: the folder {tmp_path / 'nope'} does not exist"):
        small_model().save(tmp_path / "nope" / "model.npz")


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "' + "x" * 999_000 + '"}',  # one long string
        '{"a": "' + '\\"x' * 333_000 + '"}',  # a string of escapes: a naive regex keeps state for each
        "[" + "{}," * 333_000 + "{}]",  # as many objects as the size allows
        "[" * 499_000 + "]" * 499_000,  # as deep as the size allows
    ],
    ids=["long string", "escapes", "many objects", "deep"],
)
def test_the_largest_architecture_texts_stay_within_bounds(tmp_path, text):
    assert len(text) <= saving.LIMITS["architecture_characters"]
    path = tmp_path / "large.npz"
    np.savez(path, __architecture__=np.array(text))
    assert isinstance(load_within_bounds(path), ModelFileError)


def test_save_refuses_models_it_cannot_load_back_and_names_the_alternative(tmp_path):
    """A PyTorch-style Sequential or a layer model files do not describe is refused before anything is written."""
    from tinygrad_moons import nn

    pytorch_style = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    with pytest.raises(ValueError, match="PyTorch-style Sequential.*state_dict"):
        nn.save_model(pytorch_style, tmp_path / "a.npz")
    with_dropout = nn.Sequential([nn.Dense(3, input_dim=2), nn.Dropout(0.5)])
    with pytest.raises(ValueError, match="is a Dropout.*state_dict"):
        nn.save_model(with_dropout, tmp_path / "b.npz")
    assert list(tmp_path.iterdir()) == []
    # The alternative the message names round-trips the weights.
    np.savez(tmp_path / "w.npz", **pytorch_style.state_dict())
    copy = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    copy.load_state_dict(dict(np.load(tmp_path / "w.npz")))
    for original, loaded in zip(pytorch_style.parameters(), copy.parameters()):
        np.testing.assert_array_equal(original.data, loaded.data)


def test_saving_to_an_existing_folder_says_it_is_a_folder(tmp_path):
    model = trained_model()
    with pytest.raises(IsADirectoryError, match=r"save: .* is a folder; give the path of a file in it, e\.g\. .*\.npz"):
        model.save(tmp_path)
    assert os.listdir(tmp_path) == []  # no temporary file left, none quoted


def test_a_file_with_nan_weights_loads_with_a_warning_naming_the_file_and_the_parameter(tmp_path):
    import warnings

    model = trained_model()
    kernel = model.state_dict()["middle.kernel"]
    kernel[0, 0], kernel[1, 2] = np.nan, np.inf
    model.load_state_dict({**model.state_dict(), "middle.kernel": kernel})
    path = str(tmp_path / "diverged.npz")
    model.save(path)
    with pytest.warns(RuntimeWarning) as caught:
        loaded = load_model(path)
    (warning,) = caught
    assert path in str(warning.message) and "middle.kernel (2 of 64)" in str(warning.message)
    assert "dense_1" not in str(warning.message)  # only the parameters that hold them
    assert warning.filename == __file__
    assert np.isnan(loaded.state_dict()["middle.kernel"][0, 0])  # loaded as saved, for inspection
    model.load_state_dict({**model.state_dict(), "middle.kernel": np.zeros_like(kernel)})
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(path)  # finite weights: no warning
