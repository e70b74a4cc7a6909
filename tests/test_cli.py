"""The command line, run in-process through ``main([...])`` (and once as ``python -m tinygrad_moons``)."""

import argparse
import gc
import json
import subprocess
import sys

import numpy as np
import pytest
from fake_renderers import renderer_without_pdf

from tinygrad_moons import experiment, nn
from tinygrad_moons.cli import collector_paused, main
from tinygrad_moons.experiment import DEFAULT, make_split

# A small, quick run: 200 points, 2 epochs, no figures.
QUICK = ["--samples", "200", "--epochs", "2", "--quiet", "--no-figures"]


def read_json(path):
    """Strict JSON: NaN or Infinity would be refused."""
    return json.loads(path.read_text(), parse_constant=lambda name: pytest.fail(f"{path} holds {name}"))


def test_train_writes_the_model_and_its_history(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *QUICK, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "train: accuracy" in printed and "test:  accuracy" in printed
    assert f"wrote {out}: model.npz, history.json" in printed
    record = read_json(out / "history.json")
    assert record["recipe"]["n_samples"] == 200 and record["recipe"]["epochs"] == 2
    assert len(record["history"]["loss"]) == 2 and len(record["history"]["val_accuracy"]) == 2
    model = nn.load_model(out / "model.npz")
    # the saved model is the trained one: its test accuracy is the one reported
    split = make_split(DEFAULT.replace(n_samples=200))
    predicted = (model.predict(split.X_test).ravel() > 0.5).astype(int)
    assert np.mean(predicted == split.y_test) == pytest.approx(record["result"]["test_accuracy"])
    assert f"accuracy {record['result']['test_accuracy']:.1%}" in printed


def test_the_default_run_reaches_100_percent_test_accuracy_and_says_so(tmp_path, capsys):
    """The issue's promise for `tinygrad-moons train` with no options (figures left out to save time)."""
    out = tmp_path / "default"
    assert main(["train", "--out", str(out), "--no-figures"]) == 0
    printed = capsys.readouterr().out
    assert "data: moons, 1,000 points, noise 0.1; 800 train / 200 test" in printed
    assert "network: 2-25-50-50-25-1 (relu, sigmoid output), 5,226 parameters" in printed
    result = read_json(out / "history.json")["result"]
    assert result["test_accuracy"] == 1.0
    assert result["epochs_to_perfect"] is not None and result["epochs_to_perfect"] <= DEFAULT.epochs
    assert f"100% test accuracy first reached after epoch {result['epochs_to_perfect']}" in printed


def test_options_change_the_recipe(tmp_path):
    out = tmp_path / "custom"
    argv = ["train", *QUICK, "--out", str(out), "--dataset", "xor", "--noise", "0.05", "--layers", "8, 4"]
    argv += ["--activation", "tanh", "--optimizer", "sgd", "--lr", "0.05", "--batch-size", "full"]
    argv += ["--init", "glorot_uniform"]
    argv += ["--schedule", "constant", "--seed", "3", "--test-size", "0.3"]
    assert main(argv) == 0
    recipe = read_json(out / "history.json")["recipe"]
    assert recipe["dataset"] == "xor" and recipe["noise"] == 0.05 and recipe["hidden_layers"] == [8, 4]
    assert recipe["activation"] == "tanh" and recipe["optimizer"] == "sgd" and recipe["learning_rate"] == 0.05
    assert recipe["batch_size"] is None and recipe["kernel_initializer"] == "glorot_uniform"
    assert recipe["lr_schedule"] == "constant" and recipe["seed"] == 3 and recipe["test_size"] == 0.3
    model = nn.load_model(out / "model.npz")
    assert [layer.units for layer in model] == [8, 4, 1]


def test_the_seed_recipe_uses_the_seeds_settings(tmp_path):
    out = tmp_path / "seed"
    assert main(["train", "--recipe", "seed", *QUICK, "--out", str(out)]) == 0
    recipe = read_json(out / "history.json")["recipe"]
    assert recipe["kernel_initializer"] == recipe["bias_initializer"] == "normal"
    assert recipe["optimizer"] == "sgd" and recipe["learning_rate"] == 0.01 and recipe["batch_size"] is None


def test_train_names_a_new_folder_under_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", *QUICK]) == 0
    assert main(["train", *QUICK]) == 0
    folders = sorted((tmp_path / "runs").iterdir())
    assert len(folders) == 2  # a second run never overwrites the first
    assert all(folder.name.startswith("default-moons-") for folder in folders)
    assert all((folder / "model.npz").exists() for folder in folders)


def test_train_writes_the_figures(tmp_path):
    out = tmp_path / "figures"
    assert main(["train", "--samples", "200", "--epochs", "2", "--quiet", "--out", str(out)]) == 0
    for name in ("decision_boundary.png", "curves.png"):
        assert (out / name).stat().st_size > 1000
    assert any(out.glob("graph.*"))  # graph.svg, or graph.dot where no Graphviz renderer exists


def test_progress_bar_is_shown_unless_quiet(tmp_path, capsys):
    assert main(["train", "--samples", "200", "--epochs", "2", "--no-figures", "--out", str(tmp_path / "a")]) == 0
    captured = capsys.readouterr()
    assert "epoch" in captured.err and "training: adam lr 0.01 cosine" in captured.out
    assert main(["train", *QUICK, "--out", str(tmp_path / "b")]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "training:" not in captured.out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--dataset", "moon"], "argument --dataset: invalid choice: 'moon'"),
        (["train", "--layers", "25,x"], "argument --layers: 'x' in '25,x' is not a positive whole number"),
        (["train", "--layers", "25,,50"], "argument --layers: expected comma-separated widths"),
        (["train", "--lr", "0"], "argument --lr: must be greater than 0"),
        (["train", "--lr", "-0.1"], "argument --lr: must be greater than 0"),
        (["train", "--lr", "fast"], "argument --lr: expected a number"),
        (["train", "--samples", "1"], "argument --samples: two classes need at least 2 samples"),
        (["train", "--epochs", "0"], "argument --epochs: must be at least 1"),
        (["train", "--batch-size", "-3"], "argument --batch-size: expected a positive whole number"),
        (["train", "--noise", "-1"], "argument --noise: must be 0 or more"),
        (["train", "--test-size", "1.5"], "argument --test-size: must lie strictly between 0 and 1"),
        (["train", "--optimizer", "lbfgs"], "argument --optimizer: invalid choice"),
        (["train", "--samples", "3", "--no-figures", "--quiet"], "train_test_split: The least populated class"),
        (["compare", "--iterations", "0"], "argument --iterations: must be at least 1"),
        (["fly"], "invalid choice: 'fly'"),
    ],
)
def test_bad_input_is_a_usage_error_not_a_traceback(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--out", str(tmp_path / "out")] if argv[0] != "fly" else argv)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "usage: tinygrad-moons" in error and message in error
    assert "Traceback" not in error


def test_out_must_be_a_folder(tmp_path, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("not a folder")
    with pytest.raises(SystemExit):
        main(["train", *QUICK, "--out", str(a_file)])
    assert "exists and is not a folder" in capsys.readouterr().err
    assert a_file.read_text() == "not a folder"


def test_no_command_prints_the_help(capsys):
    assert main([]) == 0
    printed = capsys.readouterr().out
    assert "train" in printed and "compare" in printed


def test_python_dash_m_is_the_same_program():
    completed = subprocess.run(
        [sys.executable, "-m", "tinygrad_moons", "train", "--help"], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0
    for option in ("--dataset", "--samples", "--noise", "--layers", "--activation", "--optimizer", "--lr"):
        assert option in completed.stdout
    for option in ("--epochs", "--batch-size", "--seed", "--init", "--out", "--quiet", "--recipe"):
        assert option in completed.stdout


# ------------------------------------------- hardening (issue 10): outputs checked first, real errors shown


def _training_must_not_start(*args, **kwargs):
    raise AssertionError("training started although --out cannot be written")


@pytest.mark.parametrize("command", ["train", "compare", "graph"])
def test_an_unwritable_out_is_refused_before_any_training(command, tmp_path, capsys, monkeypatch):
    """--out beneath a regular file: the run used to train to the end, then die with NotADirectoryError."""
    monkeypatch.setattr(experiment, "train", _training_must_not_start)
    monkeypatch.setattr(experiment, "compare", _training_must_not_start)
    a_file = tmp_path / "file.txt"
    a_file.write_text("not a folder")
    out = a_file / "run" / ("graph.svg" if command == "graph" else "")
    argv = {"train": ["train", *QUICK], "compare": ["compare", "--quiet", "--no-figures"], "graph": ["graph"]}[command]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--out", str(out)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert f"usage: tinygrad-moons {command}" in error
    assert f"--out {out.parent if command == 'graph' else out}: cannot write there (Not a directory" in error
    assert "Traceback" not in error


def test_the_out_folder_is_created_before_training(tmp_path, monkeypatch):
    seen = []

    def check_folder_then_train(*args, **kwargs):
        seen.append((tmp_path / "new" / "run").is_dir())
        return real_train(*args, **kwargs)

    real_train = experiment.train
    monkeypatch.setattr(experiment, "train", check_folder_then_train)
    assert main(["train", *QUICK, "--out", str(tmp_path / "new" / "run")]) == 0
    assert seen == [True]


def test_graph_format_and_suffix_must_agree(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["graph", "--format", "png", "--out", str(tmp_path / "g.svg")])
    assert exit_info.value.code == 2
    assert "ends in .svg but --format png was asked for" in capsys.readouterr().err


def _a_bug(*args, **kwargs):
    raise ValueError("shapes (32,2) and (3,25) not aligned")  # what a real bug deep in training might raise


def test_an_unexpected_error_is_not_a_usage_error(tmp_path, capsys, monkeypatch):
    """Every ValueError from inside training used to become 'usage: ...' with exit 2, hiding real bugs."""
    monkeypatch.setattr(experiment, "train", _a_bug)
    status = main(["train", *QUICK, "--out", str(tmp_path / "run")])
    assert status == 1
    error = capsys.readouterr().err
    assert "usage:" not in error
    assert "tinygrad-moons train: error: ValueError: shapes (32,2) and (3,25) not aligned" in error
    assert "run again with --debug to see the traceback" in error


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(tmp_path, monkeypatch, where):
    monkeypatch.setattr(experiment, "train", _a_bug)
    argv = ["train", *QUICK, "--out", str(tmp_path / "run")]
    argv = ["--debug", *argv] if where == "before" else [*argv, "--debug"]
    with pytest.raises(ValueError, match=r"shapes \(32,2\) and \(3,25\) not aligned"):
        main(argv)


def test_debug_does_not_turn_usage_errors_into_tracebacks(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--lr", "0", "--debug"])
    assert exit_info.value.code == 2
    assert "argument --lr: must be greater than 0" in capsys.readouterr().err


def test_help_lists_debug(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--debug" in capsys.readouterr().out


# ------------------------------------------- first-time user's rough edges (issue 14)
def _drawing_must_not_start(*args, **kwargs):
    raise AssertionError("the graph was drawn although its format cannot be written")


def test_graph_refuses_a_format_the_renderer_cannot_write_before_any_work(tmp_path, capsys, monkeypatch):
    """`graph --out g.pdf` used to write g.pdf.svg and exit 0."""
    monkeypatch.setenv("TINYGRAD_MOONS_DOT", str(renderer_without_pdf(tmp_path / "bin")))
    monkeypatch.setattr(experiment, "recipe_graph", _drawing_must_not_start)
    with pytest.raises(SystemExit) as exit_info:
        main(["graph", "--out", str(tmp_path / "g.pdf")])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "usage: tinygrad-moons graph" in error and "cannot write 'pdf'; it writes jpg, png, svg" in error
    assert list(tmp_path.glob("g.pdf*")) == []


@pytest.mark.parametrize("suffix, image_format", [("jpg", "JPEG"), ("png", "PNG")])
def test_graph_writes_the_format_its_out_suffix_names(tmp_path, capsys, suffix, image_format):
    from PIL import Image

    out = tmp_path / f"g.{suffix}"
    assert main(["graph", "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    with Image.open(out) as image:
        assert image.format == image_format


def test_graph_json_is_graphviz_json(tmp_path):
    out = tmp_path / "g.json"
    assert main(["graph", "--collapse", "--out", str(out)]) == 0
    assert "objects" in json.loads(out.read_text())  # Graphviz's json output: laid-out nodes


def help_blocks(text):
    """One string per option in an argparse help text (its first line and the continuation lines)."""
    blocks = []
    for line in text.splitlines():
        if line.startswith("  -"):
            blocks.append(line)
        elif blocks and line.startswith("      "):
            blocks[-1] += " " + line.strip()
    return blocks


@pytest.mark.parametrize("command", ["train", "compare", "graph", "sweep", "backprop", "playground"])
def test_help_texts_state_each_default_once(command, capsys):
    """graph and backprop printed "(default: ...) (default: None)": argparse appended a second default."""
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert "(default: None)" not in text
    for block in help_blocks(text):
        assert block.count("(default") <= 1, block


def test_counts_are_in_the_right_number(tmp_path, capsys):
    """"not reached in 1 epochs"."""
    assert main(["train", "--samples", "200", "--epochs", "1", "--no-figures", "--out", str(tmp_path / "a")]) == 0
    printed = capsys.readouterr().out
    assert "1 epochs" not in printed and "training: adam lr 0.01 cosine, batch 32, he_normal init, 1 epoch\n" in printed
    assert "was not reached in 1 epoch;" in printed or "first reached after epoch 1 " in printed


def test_count_helper():
    from tinygrad_moons.cli import count

    assert count(1, "epoch") == "1 epoch"
    assert count(0, "epoch") == "0 epochs"
    assert count(1000, "point") == "1,000 points"
    assert count(2, "backward step") == "2 backward steps"


def test_prose_is_wrapped_to_the_terminal_width(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "50")
    out = tmp_path / "a-folder-with-a-rather-long-name-that-cannot-be-broken"
    assert main(["train", "--samples", "200", "--epochs", "2", "--no-figures", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    too_wide = [line for line in lines if len(line) > 50 and str(out) not in line]
    assert too_wide == []
    assert any(line.startswith("  ") for line in lines)  # continuation lines are indented
    assert any(str(out) in line for line in lines)  # a path is never broken


def test_output_that_is_not_a_terminal_is_not_wrapped(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert main(["train", *QUICK, "--samples", "200", "--out", str(tmp_path / "a")]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {tmp_path / 'a'}: model.npz, history.json\n" in printed  # one line, for grep


TINY_COMPARE = ["compare", "--iterations", "5", "--epochs", "1", "--keras-epochs", "1", "--sklearn-epochs", "1"]


def test_compare_shows_a_progress_bar_unless_quiet(tmp_path, capsys):
    """compare ran for minutes without any progress display, though its --quiet promised "no progress bar"."""
    assert main([*TINY_COMPARE, "--no-torch", "--no-figures", "--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "compare: 100%" in err and "5/5" in err and ("run/s" in err or "s/run" in err)
    assert "training the course's NumPy network" in err
    assert main([*TINY_COMPARE, "--no-torch", "--no-figures", "--quiet", "--out", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().err == ""


# ------------------------------------------- a first-time user's report: the CLI's rough edges (issue 14, second pass)
def test_curves_png_draws_the_test_curves_too(tmp_path, monkeypatch):
    """curves.png was drawn from model.history, which lacks the test split's val_loss/val_accuracy: only "train"."""
    from tinygrad_moons.viz import plots

    drawn = []
    real_plot_history = plots.plot_history

    def recording_plot_history(history, *args, **kwargs):
        figure = real_plot_history(history, *args, **kwargs)
        drawn.append([sorted(line.get_label() for line in axes.get_lines()) for axes in figure.axes])
        return figure

    monkeypatch.setattr(plots, "plot_history", recording_plot_history)
    assert main(["train", "--samples", "200", "--epochs", "2", "--quiet", "--out", str(tmp_path / "run")]) == 0
    assert drawn == [[["test", "train"], ["test", "train"]]]  # loss and accuracy panels, each with both splits


@pytest.mark.parametrize("name", ["g6.xyz", "h5.tar.gz", "graph.v2"])
def test_graph_refuses_an_out_suffix_the_renderer_does_not_write(tmp_path, capsys, monkeypatch, name):
    """`graph --out g6.xyz` printed "wrote g6.xyz.svg" and exited 0; `--out h5.tar.gz` wrote h5.tar.gz.svg."""
    from tinygrad_moons.viz import renderer

    monkeypatch.setattr(experiment, "recipe_graph", _drawing_must_not_start)
    with pytest.raises(SystemExit) as exit_info:
        main(["graph", "--out", str(tmp_path / name)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    suffix = name.rsplit(".", 1)[1]
    assert f".{suffix} is not a format the renderer writes" in error
    assert ", ".join(renderer.supported_formats()) in error and "svg" in error
    assert list(tmp_path.iterdir()) == []


def test_graph_out_without_a_suffix_or_as_a_folder_still_works(tmp_path, capsys, monkeypatch):
    written = []
    monkeypatch.setattr(experiment, "recipe_graph", lambda recipe, path, format, **kw: written.append(path) or path)
    (tmp_path / "existing").mkdir()
    for out, expected in [
        (str(tmp_path / "g"), tmp_path / "g"),  # the renderer appends .svg
        (str(tmp_path / "existing"), tmp_path / "existing" / "graph.svg"),
        (str(tmp_path / "new") + "/", tmp_path / "new" / "graph.svg"),
        (str(tmp_path / "p.png"), tmp_path / "p.png"),
    ]:
        assert main(["graph", "--out", out]) == 0
        assert written[-1] == expected


def test_backprop_refuses_an_out_that_is_not_html(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["backprop", "--out", str(tmp_path / "page.png")])
    assert exit_info.value.code == 2
    assert "the page is written as HTML; name it .html" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def blas_thread_counts():
    """The thread count of every BLAS library NumPy has loaded (threadpoolctl's view)."""
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


@pytest.mark.parametrize("command", ["train", "compare"])
def test_training_commands_run_blas_on_one_thread(tmp_path, monkeypatch, command):
    """The CLI left OpenBLAS at a thread per core: 7.56 s instead of 0.61 s for a short course run on a busy machine."""
    from threadpoolctl import threadpool_limits

    seen = []
    real = getattr(experiment, command)

    def recording(*args, **kwargs):
        seen.append(blas_thread_counts())
        return real(*args, **kwargs)

    monkeypatch.setattr(experiment, command, recording)
    argv = {"train": ["train", *QUICK], "compare": [*TINY_COMPARE, "--no-torch", "--quiet", "--no-figures"]}[command]
    with threadpool_limits(limits=2, user_api="blas"):  # what OpenBLAS picks on a two-core machine
        outside = blas_thread_counts()
        assert main([*argv, "--out", str(tmp_path / "a")]) == 0
        assert main([*argv, "--out", str(tmp_path / "b"), "--threads", "0"]) == 0
        assert blas_thread_counts() == outside  # restored after the command
    assert seen[0] and all(threads == 1 for threads in seen[0])
    assert seen[1] == outside  # --threads 0: the library's own setting


def test_train_and_compare_report_the_same_first_epoch_at_100_percent(tmp_path, monkeypatch):
    """train --recipe course said 100% after epoch 5,400, compare 6,425: train drew the course's init in its own order.

    At lr 2.0 both reach 100% within 100 epochs (see tests/test_compare.py), so the two numbers can be compared.
    """
    from tinygrad_moons.experiment import runs

    fast_course = experiment.COURSE.replace(learning_rate=2.0)
    monkeypatch.setattr(runs, "COURSE", fast_course)  # compare's rows (a) and (b)
    argv = ["compare", "--iterations", "100", "--epochs", "1", "--keras-epochs", "1", "--sklearn-epochs", "1"]
    assert main([*argv, "--no-torch", "--quiet", "--no-figures", "--out", str(tmp_path / "compare")]) == 0
    rows = {row["key"]: row for row in read_json(tmp_path / "compare" / "compare.json")["results"]}
    from_compare = rows["tinygrad_moons/course"]["epochs_to_perfect"]
    argv = ["train", "--recipe", "course", "--lr", "2.0", "--epochs", "100", "--quiet", "--no-figures"]
    assert main([*argv, "--out", str(tmp_path / "train")]) == 0
    from_train = read_json(tmp_path / "train" / "history.json")["result"]["epochs_to_perfect"]
    assert from_compare is not None and from_train == from_compare
    assert rows["handwritten/course"]["epochs_to_perfect"] == from_compare


@pytest.mark.parametrize("dataset, noise", [("moons", 0.1), ("blobs", 1.0)])
def test_history_records_the_noise_used(tmp_path, dataset, noise):
    """history.json said "noise": null while the console said "noise 0.1"."""
    assert main(["train", *QUICK, "--dataset", dataset, "--out", str(tmp_path / "run")]) == 0
    assert read_json(tmp_path / "run" / "history.json")["recipe"]["noise"] == noise


def test_init_help_lists_each_initializer_once_and_accepts_its_other_names(tmp_path, capsys):
    """train --help offered normal, course_normal and seed_normal: three names for one initializer."""
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    init_help = next(block for block in help_blocks(capsys.readouterr().out) if block.strip().startswith("--init"))
    choices = init_help.split("{", 1)[1].split("}", 1)[0].split(",")
    assert "normal" in choices and "course_normal" not in choices and "seed_normal" not in choices
    assert len(choices) == len(set(choices))
    for alias in ("course_normal", "seed_normal", "NORMAL"):
        out = tmp_path / alias
        assert main(["train", *QUICK, "--init", alias, "--out", str(out)]) == 0
        recipe = read_json(out / "history.json")["recipe"]
        assert recipe["kernel_initializer"] == recipe["bias_initializer"] == "normal"


def test_one_shot_commands_pause_the_garbage_collector_and_give_it_back(tmp_path, monkeypatch):
    """train spent 0.14 s of its 2 s in the collector, walking scikit-learn's, SciPy's and matplotlib's objects."""
    seen = []
    real = experiment.train

    def recording(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(experiment, "train", recording)
    assert gc.isenabled()
    assert main(["train", *QUICK, "--out", str(tmp_path / "run")]) == 0
    assert seen == [False]
    assert gc.isenabled()  # main() called from Python leaves the collector as it found it
    for command in ("playground", "compare", "sweep"):
        with collector_paused(argparse.Namespace(command=command)):
            # a server runs for hours; paused, a sweep of 400 runs in one process (threading backend) grew to 2.3 GB
            assert gc.isenabled(), command


@pytest.mark.parametrize("jit_compile", [True, False], ids=["compiled", "eager"])
def test_a_training_run_leaves_the_same_cyclic_garbage_whatever_its_length(jit_compile):
    """What makes pausing the collector safe: no reference cycle is made per step or per epoch.

    With the collector off, a run of 8 epochs must leave no more objects in cycles than a run of 2; one cycle per
    step (a Function holding its output, a closure over the tape) would leave 75 more here, and grow without bound.
    """
    X, y = experiment.make_split(DEFAULT.replace(n_samples=200)).X_train, None
    y = (X[:, 0] > 0).astype(np.float64)
    left_over = {}
    gc.collect()
    gc.disable()
    try:
        for epochs in (2, 8):
            model = nn.Sequential([nn.Dense(8, activation="relu"), nn.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", metrics=["accuracy"], jit_compile=jit_compile)
            model.fit(X, y, epochs=epochs, batch_size=16, verbose=0, validation_data=(X, y))
            model.predict(X)
            del model
            left_over[epochs] = gc.collect()
    finally:
        gc.enable()
    assert left_over[8] <= left_over[2], left_over


# ------------------------------------ reused and interrupted output folders (a first-time user's rough edges)


def _earlier_outputs(folder, names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(f"an earlier run's {name}")


def test_a_reused_train_folder_names_the_earlier_runs_figures(tmp_path, capsys):
    """train --no-figures into an earlier run's folder left its pictures beside the new model, silently."""
    out = tmp_path / "run"
    _earlier_outputs(out, ["decision_boundary.png", "curves.png", "graph.svg", "training.gif", "model.npz"])
    (out / "my_notes.txt").write_text("the user's own file")
    assert main(["train", *QUICK, "--out", str(out)]) == 0
    error = capsys.readouterr().err
    warnings = [line for line in error.splitlines() if "warning" in line]
    assert warnings == [
        f"tinygrad-moons train: warning: {out} also holds decision_boundary.png, curves.png, graph.svg, training.gif "
        "from an earlier run, not from this one (delete them, or use a new --out)"
    ]
    assert "my_notes.txt" not in error and "model.npz" not in error  # the user's file; the one this run wrote
    assert (out / "curves.png").read_text() == "an earlier run's curves.png"  # warned of, never deleted
    assert (out / "my_notes.txt").exists()


def test_a_rerun_into_its_own_folder_or_a_new_one_warns_of_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *QUICK, "--out", str(out)]) == 0
    assert main(["train", *QUICK, "--out", str(out)]) == 0  # the same outputs again: all of them rewritten
    assert "warning" not in capsys.readouterr().err


def test_a_reused_compare_folder_names_the_earlier_figure(tmp_path, capsys):
    out = tmp_path / "compare"
    _earlier_outputs(out, ["compare.png", "sweep.png"])
    assert main([*TINY_COMPARE, "--no-torch", "--quiet", "--no-figures", "--out", str(out)]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and f"{out} also holds compare.png from an earlier run" in warnings[0]


def test_backprop_names_an_earlier_runs_gif_and_frames(tmp_path, capsys):
    """Without --gif, an earlier --gif's animation and frames stay beside the new page; with it, surplus frames."""
    out = tmp_path / "pass.html"
    _earlier_outputs(tmp_path, ["pass.gif", "pass_frames/step_98.png", "pass_frames/step_99.png", "other.gif"])
    assert main(["backprop", "--layers", "3", "--points", "2", "--out", str(out)]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert warnings == [
        f"tinygrad-moons backprop: warning: {tmp_path} also holds pass.gif, 2 files in pass_frames/ from an earlier "
        "run, not from this one (delete them, or use a new --out)"
    ]


def _interrupted(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize("command", ["train", "compare"])
def test_ctrl_c_leaves_no_empty_run_folder_behind(command, tmp_path, capsys, monkeypatch):
    """The folder is made (and proven writable) before training; Ctrl+C during training used to leave it, empty."""
    monkeypatch.setattr(experiment, command, _interrupted)
    argv = {"train": ["train", *QUICK], "compare": [*TINY_COMPARE, "--no-torch", "--quiet", "--no-figures"]}[command]
    assert main([*argv, "--out", str(tmp_path / "new" / "run")]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # both folders it made are gone
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 130  # the default folder, runs/<name>-<date-time>, and runs/ itself
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_run_keeps_a_folder_it_did_not_create_or_that_holds_files(tmp_path, monkeypatch):
    monkeypatch.setattr(experiment, "train", _interrupted)
    existing = tmp_path / "existing"
    existing.mkdir()
    assert main(["train", *QUICK, "--out", str(existing)]) == 130
    assert existing.is_dir()  # it was there before: not ours to remove
    (tmp_path / "runs").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["train", *QUICK]) == 130
    assert list((tmp_path / "runs").iterdir()) == []  # the run's folder went; runs/ was there before


def test_an_error_before_anything_is_written_removes_the_folder_but_not_after(tmp_path, capsys, monkeypatch):
    from tinygrad_moons import cli

    monkeypatch.setattr(experiment, "train", _a_bug)
    assert main(["train", *QUICK, "--out", str(tmp_path / "early")]) == 1
    assert not (tmp_path / "early").exists()
    monkeypatch.undo()

    def figures_fail(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl+C while the figures are drawn: model.npz and history.json are written

    monkeypatch.setattr(cli, "_write_training_figures", figures_fail)
    out = tmp_path / "late"
    assert main(["train", "--samples", "200", "--epochs", "2", "--quiet", "--out", str(out)]) == 130
    assert sorted(path.name for path in out.iterdir()) == ["history.json", "model.npz"]


def test_a_reused_sweep_folder_names_the_earlier_figure(tmp_path, capsys):
    out = tmp_path / "sweep"
    _earlier_outputs(out, ["sweep.png"])
    argv = ["sweep", "--settings", "default", "--seeds", "1", "--max-epochs", "1", "--backend", "sequential"]
    assert main([*argv, "--quiet", "--no-figures", "--out", str(out)]) == 0
    assert f"tinygrad-moons sweep: warning: {out} also holds sweep.png from an earlier run" in capsys.readouterr().err
