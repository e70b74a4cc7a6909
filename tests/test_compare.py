"""`tinygrad-moons compare` and `experiment.run`: the rows, the 100% bookkeeping, the report, the course's result."""

import json
import re

import numpy as np
import pytest
from threadpoolctl import threadpool_limits  # installed with scikit-learn

from tinygrad_moons import experiment
from tinygrad_moons.cli import main
from tinygrad_moons.experiment import report
from tinygrad_moons.reference import ManualNetwork

# Every test here trains several networks (the module's fixture alone takes ~10 s, the course's claim ~20 s).
pytestmark = pytest.mark.slow

KEYS = [
    "handwritten/course",
    "tinygrad_moons/course",
    "tinygrad_moons/course-keras",
    "tinygrad_moons/default",
    "sklearn/default",
]


@pytest.fixture(scope="module")
def short_comparison():
    """Every contender on the same split (no PyTorch, so the rows are the same everywhere), most of them briefly.

    The modern default runs its full 20 epochs, in which it reaches 100% test accuracy, so that the "→100%"
    columns are tested on a run that gets there as well as on runs that never do. One BLAS thread: on a busy
    machine OpenBLAS's spinning workers make the small full-batch steps many times slower.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return experiment.compare(
            course_iterations=40,
            default_epochs=experiment.DEFAULT.epochs,
            keras_epochs=3,
            sklearn_epochs=3,
            include_torch=False,
        )


@pytest.fixture(scope="module")
def course_pair_reaching_100():
    """The hand-written network and this library, course settings from the same weights, at lr 2.0 for 100 iterations.

    At the course's lr 0.01 they need ~7,000 iterations to reach 100% test accuracy; at lr 2.0 they get there in
    under 100, so the "first epoch at 100%" of both is a number, and the comparison below can fail.
    """
    recipe = experiment.COURSE.replace(learning_rate=2.0, epochs=100)
    split = experiment.make_split(recipe)
    initial = ManualNetwork(recipe.layer_sizes, seed=recipe.seed).get_parameters()
    with threadpool_limits(limits=1, user_api="blas"):
        manual = experiment.run(experiment.HandWritten(), split, recipe)
        library = experiment.run(experiment.TinygradMoons(initial), split, recipe)
    return manual, library


def test_compare_trains_every_contender_on_one_split(short_comparison):
    split, results = short_comparison
    assert [result.key for result in results] == KEYS == list(experiment.KEYS[: len(KEYS)])
    assert split.X_train.shape == (800, 2) and split.X_test.shape == (200, 2)
    assert [result.epochs for result in results] == [40, 40, 3, 20, 3]
    assert [result.updates for result in results] == [40, 40, 3 * 25, 20 * 25, 3 * 4]  # batch 32 -> 25, batch 200 -> 4
    for result in results:
        assert 0 <= result.test_accuracy <= 1 and np.isfinite(result.test_loss) and result.seconds > 0
        assert len(result.history["val_accuracy"]) == len(result.history["val_loss"]) == result.epochs


def test_the_course_network_and_the_library_with_its_settings_are_the_same_run(short_comparison):
    _, results = short_comparison
    manual, library = results[0], results[1]
    np.testing.assert_allclose(library.history["loss"], manual.history["loss"], rtol=1e-12)
    assert library.test_loss == pytest.approx(manual.test_loss, rel=1e-12)
    assert library.history["val_accuracy"] == manual.history["val_accuracy"]


def test_both_reach_100_percent_at_the_same_iteration(course_pair_reaching_100):
    manual, library = course_pair_reaching_100
    assert manual.epochs_to_perfect is not None and manual.epochs_to_perfect < manual.epochs
    assert library.epochs_to_perfect == manual.epochs_to_perfect
    assert library.updates_to_perfect == manual.updates_to_perfect == manual.epochs_to_perfect  # full batch
    assert library.history["val_accuracy"] == manual.history["val_accuracy"]
    # At lr 2.0 each step multiplies the engines' rounding differences (different summation orders), which
    # stay below 1e-11 relative over these 100 steps (1e-12 holds at the course's lr 0.01, tested above).
    np.testing.assert_allclose(library.history["loss"], manual.history["loss"], rtol=1e-9)


def test_the_table_has_a_row_per_run_and_the_promised_columns(short_comparison):
    _, results = short_comparison
    lines = experiment.format_table(results, width=400).splitlines()
    assert len(lines) == 2 + len(results)
    for column in ("test acc", "test loss", "epochs→100%", "updates→100%", "time→100%", "time"):
        assert column in lines[0]
    assert set(lines[1]) <= {"-", " "}
    for line, result in zip(lines[2:], results):
        assert line.startswith(result.label) and result.settings in line
        assert f"{result.test_accuracy:.1%}" in line and f"{result.test_loss:.4f}" in line
        reached = result.epochs_to_perfect
        assert ("never" in line) == (reached is None)
        if reached is not None:
            assert f" {reached} " in line and f" {result.updates_to_perfect} " in line


@pytest.mark.parametrize("width", [80, 100, 120])
def test_the_table_and_the_prose_fit_the_width_and_keep_every_value(short_comparison, width):
    _, results = short_comparison
    table = experiment.format_table(results, width=width)
    prose = experiment.explain(results, width=width)
    assert prose
    for text in (table, prose):
        assert max(len(line) for line in text.splitlines()) <= width
    flat = " ".join(table.split())
    for result in results:
        # The name's words in order (a wrapped name continues below the row's numbers), then its values.
        row = re.search(".*?".join(re.escape(word) for word in result.label.split()), flat)
        assert row is not None, result.label
        for value in (result.settings, f"{result.test_accuracy:.1%}", f"{result.seconds:.2f} s"):
            assert " ".join(value.split()) in flat
    assert " ".join(prose.split()) == " ".join(experiment.explain(results, width=1000).split())


def test_the_table_follows_the_terminal_width(short_comparison, monkeypatch):
    _, results = short_comparison
    monkeypatch.setenv("COLUMNS", "85")
    assert report.terminal_width() == 85
    assert experiment.format_table(results) == experiment.format_table(results, width=85)
    monkeypatch.setenv("COLUMNS", "300")
    assert experiment.format_table(results) == experiment.format_table(results, width=300)
    assert len(experiment.format_table(results).splitlines()) == 2 + len(results)  # wide: one line per row


def test_the_fixture_has_runs_that_reach_100_percent_and_runs_that_do_not(short_comparison):
    _, results = short_comparison
    reached = {result.key for result in results if result.epochs_to_perfect is not None}
    assert reached == {"tinygrad_moons/default"}


def test_first_perfect_epoch_is_the_first_100_percent_in_the_history(short_comparison, course_pair_reaching_100):
    _, results = short_comparison
    default = results[3]
    assert default.history["val_accuracy"][-1] == 1.0  # the default's row does reach 100%: the check below bites
    assert default.updates_to_perfect == default.epochs_to_perfect * 25
    assert default.seconds_to_perfect is not None and 0 < default.seconds_to_perfect <= default.seconds
    for result in [*results, *course_pair_reaching_100]:
        accuracies = result.history["val_accuracy"]
        expected = next((i + 1 for i, value in enumerate(accuracies) if value == 1.0), None)
        assert result.epochs_to_perfect == expected


def test_run_stops_at_100_percent_or_at_max_epochs():
    recipe = experiment.DEFAULT
    split = experiment.make_split(recipe)
    stopped = experiment.run(experiment.TinygradMoons(), split, recipe, stop_at_perfect=True)
    assert stopped.epochs_to_perfect is not None and stopped.epochs == stopped.epochs_to_perfect < recipe.epochs
    capped = experiment.run(experiment.TinygradMoons(), split, recipe, max_epochs=2)
    assert capped.epochs == 2 and capped.updates == 2 * 25
    with pytest.raises(ValueError, match="max_epochs must be at least 1"):
        experiment.run(experiment.TinygradMoons(), split, recipe, max_epochs=0)


def test_the_hand_written_network_refuses_settings_it_cannot_train():
    recipe = experiment.DEFAULT  # Adam on mini-batches
    with pytest.raises(ValueError, match="only the course's settings: optimizer must be 'sgd'"):
        experiment.run(experiment.HandWritten(), experiment.make_split(recipe), recipe)


def test_prose_counts_in_the_right_number(short_comparison):
    _, results = short_comparison
    manual, library = results[0], results[1]
    one = [
        experiment.RunResult(**{**r.summary(), "epochs": 1, "updates": 1, "epochs_to_perfect": None})
        for r in (manual, library)
    ]
    assert "in 1 iteration;" in experiment.explain(one, width=1000)
    assert "in 40 iterations;" in experiment.explain(results, width=1000)
    assert report.plural(1, "epoch") == "1 epoch" and report.plural(10_000, "iteration") == "10,000 iterations"


def _result(key, epochs, epochs_to_perfect, updates_per_epoch, seconds_to_perfect):
    return experiment.RunResult(
        key=key, label=f"any label {key}", settings="", train_loss=0.1, train_accuracy=1.0, test_loss=0.1,
        test_accuracy=1.0, epochs=epochs, updates=epochs * updates_per_epoch, epochs_to_perfect=epochs_to_perfect,
        updates_to_perfect=epochs_to_perfect * updates_per_epoch, seconds_to_perfect=seconds_to_perfect, seconds=1.0,
    )


def test_the_prose_reads_rows_by_key_whatever_their_labels():
    rows = [
        _result("handwritten/course", 7000, 6000, 1, 12.0),
        _result("tinygrad_moons/course", 7000, 6000, 1, 10.0),
        _result("tinygrad_moons/course-keras", 200, 100, 25, 2.0),
        _result("tinygrad_moons/default", 20, 4, 25, 0.5),
    ]
    prose = " ".join(experiment.explain(rows, width=1000).split())
    assert "both first reach 100% test accuracy at iteration 6,000" in prose
    assert "Keras' settings need 60x fewer epochs" in prose and "an epoch of batch 32 is 25 updates" in prose
    assert "the gap is 2.4x" in prose  # 6,000 updates against 100 epochs x 25
    assert "reaches 100% after 100 updates in 0.50 s, 24x sooner" in prose
    one_update = [_result("handwritten/course", 10, 5, 1, 1.0), _result("tinygrad_moons/default", 10, 1, 1, 0.5)]
    assert "after 1 update in 0.50 s" in experiment.explain(one_update, width=1000)
    relabelled = [experiment.RunResult(**{**r.summary(), "label": "x"}) for r in rows]
    assert experiment.explain(relabelled, width=1000) == experiment.explain(rows, width=1000)


def test_compare_command_prints_the_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "compare"
    argv = ["compare", "--iterations", "20", "--epochs", "2", "--keras-epochs", "2", "--sklearn-epochs", "2"]
    assert main([*argv, "--no-torch", "--no-figures", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "800 train / 200 test, seed 0; network 2-25-50-50-25-1" in printed
    assert "100%" in printed
    record = json.loads((out / "compare.json").read_text())
    assert [row["key"] for row in record["results"]] == KEYS
    for row in record["results"]:
        assert " ".join(row["label"].split())[:12] in " ".join(printed.split())
    assert record["table"] in printed


def test_old_names_of_the_course_still_work():
    from tinygrad_moons.cli import build_parser
    from tinygrad_moons.nn import initializers

    assert experiment.get_recipe("seed") is experiment.COURSE
    assert experiment.get_recipe("seed-keras") is experiment.COURSE_KERAS
    assert experiment.SEED is experiment.COURSE and experiment.SEED_KERAS is experiment.COURSE_KERAS
    assert "seed" not in experiment.recipe_names() and "seed_normal" not in initializers.names()
    parser = build_parser()
    assert parser.parse_args(["train", "--recipe", "seed"]).recipe == "course"
    assert parser.parse_args(["train", "--recipe", "seed-keras", "--init", "seed_normal"]).init == "normal"
    assert parser.parse_args(["sweep", "--settings", "seed", "default"]).settings == ["course", "default"]
    assert parser.parse_args(["backprop"]).recipe == "course"
    draw = np.random.default_rng(0)
    old = initializers.get("seed_normal")((3, 2), np.float64, draw)
    assert np.array_equal(old, initializers.get("course_normal")((3, 2), np.float64, np.random.default_rng(0)))
    with pytest.raises(ValueError, match="unknown recipe 'seeds'"):
        experiment.get_recipe("seeds")


def test_the_course_settings_reach_100_percent_within_10000_iterations():
    """The course project's claim, reproduced: its network, its settings, our split of the moons.

    The course's write-up reports 100% test accuracy "after around 7000
    iterations" of full-batch gradient descent at lr 0.01 from randn*0.1
    weights. The run stops at the first perfect iteration to keep the test
    short; test_reference.py shows the library takes the very same steps.
    """
    # ~6,000 steps on 800x50 matrices: one BLAS thread is as fast as two, and on
    # a machine whose cores are busy (tests run side by side) OpenBLAS's spinning
    # workers can make each step ten times slower. The claim does not depend on it.
    with threadpool_limits(limits=1, user_api="blas"):
        result = experiment.train_manual(experiment.COURSE, stop_at_perfect=True)
    assert result.test_accuracy == 1.0
    assert result.epochs_to_perfect is not None and result.epochs_to_perfect <= 10_000
    assert result.epochs == result.epochs_to_perfect  # it stopped there
    # Before that iteration the test accuracy was never 100%.
    assert max(result.history["val_accuracy"][:-1]) < 1.0
